// Times in the reader's own zone: a <time data-local datetime="…Z"> shows UTC until this script writes it in local
// time, to the minute, with the zone named; the UTC text stays in its title. Other <time> elements keep their zone
// on purpose (the activity history in UTC like its export, a job's next slot in the job's own zone).
(function () {
  var format = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    timeZoneName: 'short' });
  document.querySelectorAll('time[data-local][datetime]').forEach(function (element) {
    var when = new Date(element.getAttribute('datetime'));
    if (isNaN(when.getTime())) { return; }
    element.title = element.textContent;
    element.textContent = format.format(when);
  });
})();
