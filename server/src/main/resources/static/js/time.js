// Times in the reader's own zone: a <time datetime="…Z"> shows UTC until this script writes it in local time,
// to the minute, with the zone named; the UTC text stays in its title.
(function () {
  var format = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    timeZoneName: 'short' });
  document.querySelectorAll('time[datetime]').forEach(function (element) {
    var when = new Date(element.getAttribute('datetime'));
    if (isNaN(when.getTime())) { return; }
    element.title = element.textContent;
    element.textContent = format.format(when);
  });
})();
