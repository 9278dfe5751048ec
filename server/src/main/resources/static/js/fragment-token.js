// Emailed links carry their single-use code after '#', which browsers never send to a server.
// Move it into the form's code field and drop it from the address bar and history.
(function () {
  var field = document.getElementById('token');
  if (field && window.location.hash.length > 1) {
    field.value = decodeURIComponent(window.location.hash.substring(1));
    history.replaceState(null, '', window.location.pathname);
  }
})();
