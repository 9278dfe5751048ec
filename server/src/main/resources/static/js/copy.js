// Copy buttons: <button class="copy" data-copy="element-id"> copies that element's text. The button's own label
// may name what it copies (aria-label), which hides its changed text from screen readers: a status line says it instead.
(function () {
  var status = document.createElement('p');
  status.className = 'sr-only';
  status.setAttribute('role', 'status');
  status.id = 'copy-status';
  document.body.appendChild(status);
  document.querySelectorAll('button.copy[data-copy]').forEach(function (button) {
    button.addEventListener('click', function () {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = 'Copied';
        status.textContent = 'Copied.';
        setTimeout(function () { button.textContent = 'Copy'; status.textContent = ''; }, 2000);
      });
    });
  });
})();
