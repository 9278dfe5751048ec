// Emailed links carry their single-use code after '#', which browsers never send to a server.
// Move it into the form's code field and drop it from the address bar and history.
// The code is also kept in this tab's sessionStorage (never on the server, which never writes a code into
// a page) for the next form of the same address: the invitation's second step (the password, once the page
// has said what the invitation is for), or the same form shown again after a refused password.
// A form marked data-auto-submit goes on by itself when the code came from a link.
(function () {
  var path = window.location.pathname;
  var key = 'cloudwarden.code:' + path;
  var fresh = 'cloudwarden.fresh-code:' + path;
  var storage = window.sessionStorage;

  // A link opened on a page of the same address changes only the fragment: the page is not loaded again, so
  // it loads the address's first page, which takes the code from this tab as if from the link.
  window.addEventListener('hashchange', function () {
    if (window.location.hash.length > 1 && storage) {
      storage.setItem(key, decodeURIComponent(window.location.hash.substring(1)));
      storage.setItem(fresh, '1');
      window.location.replace(path);
    }
  });

  // a page saying the code does not work forgets it
  if (document.querySelector('[data-forget-code]') && storage) {
    storage.removeItem(key);
  }
  var field = document.getElementById('token');
  if (!field) { return; }

  var fromLink = null;
  if (window.location.hash.length > 1) {
    fromLink = decodeURIComponent(window.location.hash.substring(1));
    history.replaceState(null, '', path);
    if (storage) { storage.setItem(key, fromLink); }
  } else if (storage && storage.getItem(fresh)) {
    fromLink = storage.getItem(key);
  }
  if (storage) { storage.removeItem(fresh); }
  if (fromLink) {
    field.value = fromLink;
    if (field.form && field.form.hasAttribute('data-auto-submit')) {
      field.form.requestSubmit();
    }
    return;
  }

  // a form that needs the code again holds its field in a fallback (for a browser without this script): filled
  // from this tab's storage, it hides
  var fallback = field.closest('[data-code-fallback]');
  if (fallback && !field.value && storage && storage.getItem(key)) {
    field.value = storage.getItem(key);
    fallback.hidden = true;
  }
  if (field.form) {
    field.form.addEventListener('submit', function () {
      if (storage && field.value) { storage.setItem(key, field.value); }
    });
  }
})();
