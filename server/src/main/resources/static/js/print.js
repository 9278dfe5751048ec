// Print buttons: <button data-print> prints the page (the header and the page's other controls are left out by CSS).
document.querySelectorAll('button[data-print]').forEach(function (button) {
  button.addEventListener('click', function () { window.print(); });
});
