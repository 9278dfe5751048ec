// Keeps the email a person typed for the next sign-in form in this tab (sessionStorage, never the server or
// the address bar): after a wrong password, and after sign-up and its email check, the field is filled again.
(function () {
  var KEY = 'cloudwarden.email';
  var field = document.getElementById('email');
  if (!field || !window.sessionStorage) { return; }
  if (!field.value && sessionStorage.getItem(KEY)) {
    field.value = sessionStorage.getItem(KEY);
    var password = document.getElementById('password');
    if (password && field.form && field.form.id === 'login-form') { password.focus(); }
  }
  if (field.form) {
    field.form.addEventListener('submit', function () { sessionStorage.setItem(KEY, field.value); });
  }
})();
