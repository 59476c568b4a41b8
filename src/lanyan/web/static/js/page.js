// Small behaviours every page may use, kept out of the HTML so the Content-Security-Policy
// can forbid inline scripts: <select data-autosubmit> submits its form on change,
// <button data-print> prints the page, and #photos previews the chosen images in #photo-preview.
// A styled file picker (.file-pick: a label over a visually hidden input) shows the chosen
// files' names in its .file-name, or the catalogue's "no file" words kept in data-none.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
    if (target.matches && target.matches(".file-pick input[type=file]")) {
      var shown = target.parentNode.querySelector(".file-name");
      if (shown) {
        var names = Array.prototype.map.call(target.files, function (f) { return f.name; });
        shown.textContent = names.length ? names.join("、") : shown.getAttribute("data-none");
        shown.classList.toggle("chosen", names.length > 0);
      }
    }
    if (target.id === "photos") {
      var box = document.getElementById("photo-preview");
      if (!box) { return; }
      box.textContent = "";
      Array.prototype.forEach.call(target.files, function (f) {
        var img = document.createElement("img");
        img.alt = f.name;
        img.src = URL.createObjectURL(f);
        box.appendChild(img);
      });
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
