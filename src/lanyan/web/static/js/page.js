// Small behaviours every page may use, kept out of the HTML so the Content-Security-Policy
// can forbid inline scripts: <select data-autosubmit> submits its form on change,
// <button data-print> prints the page, and #photos previews the chosen images in #photo-preview.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
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
