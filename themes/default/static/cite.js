/* "Cite this event": progressive enhancement only. A site built without a base URL cannot
 * print its pages' addresses, so the citation gets the one in the address bar (as text,
 * never markup); a button copies the citation, or selects it where copying is refused. */
(function () {
  'use strict';
  var code = document.getElementById('citation');
  var box = document.querySelector('.cite-copy');
  if (!code || !box) return;
  if (code.hasAttribute('data-address-missing') && /^https?:$/.test(location.protocol)) {
    code.removeAttribute('data-address-missing');
    code.append(' ' + location.origin + location.pathname.replace(/index\.html$/, ''));
    var note = document.getElementById('citation-note');
    if (note) note.remove();
  }
  var said = box.querySelector('[role=status]');
  box.querySelector('button').addEventListener('click', function () {
    var copied = navigator.clipboard ? navigator.clipboard.writeText(code.textContent) : Promise.reject();
    copied.then(function () { said.textContent = 'Copied.'; }, function () {
      getSelection().selectAllChildren(code);
      said.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    });
  });
  box.hidden = false;
})();
