// Small behaviours every page may use, kept out of the HTML so the Content-Security-Policy
// can forbid inline scripts: <select data-autosubmit> submits its form on change,
// <button data-print> prints the page, and #photos previews the chosen images in #photo-preview.
// A styled file picker (.file-pick: a label over a visually hidden input) shows the chosen
// files' names in its .file-name, or the catalogue's "no file" words kept in data-none.
// Every other file input is dressed the same way when the page loads: its button and "no
// file" words come from the catalogue (body's data-file-choose / data-file-none), because
// Chromium draws its own "Choose File" in the browser's language whatever the page's.
(function () {
  "use strict";
  var pickSeq = 0;
  function dressFileInputs() {
    var body = document.body;
    var choose = body.getAttribute("data-file-choose");
    var none = body.getAttribute("data-file-none");
    if (!choose || !none) { return; }
    var inputs = document.querySelectorAll("input[type=file]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.closest(".file-pick")) { return; }
      if (!input.id) { input.id = "file-pick-" + (++pickSeq); }
      var wrap = document.createElement("span");
      wrap.className = "file-pick";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      input.classList.add("file-input");
      // inside a label already, the button is a span: that label opens the picker (labels
      // may not nest); else it is a label for the input
      var inLabel = wrap.parentNode.closest && wrap.parentNode.closest("label");
      var button = document.createElement(inLabel ? "span" : "label");
      button.className = "btn file-btn";
      if (!inLabel) { button.htmlFor = input.id; }
      button.textContent = choose;
      var shown = document.createElement("span");
      shown.className = "file-name";
      shown.setAttribute("data-none", none);
      shown.setAttribute("aria-live", "polite");
      shown.textContent = none;
      wrap.appendChild(button);
      wrap.appendChild(shown);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", dressFileInputs);
  } else {
    dressFileInputs();
  }
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
