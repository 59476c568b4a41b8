// A patrol finding on the phone: "use my location" fills longitude and latitude from the
// browser's geolocation (WGS-84); choosing the kind of 九小场所 shows that kind's checklist.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (button) {
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = button.dataset.failed; return; }
      status.textContent = button.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        status.textContent = button.dataset.done;
      }, function () {
        status.textContent = button.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  var kind = document.getElementById("f-place_kind");
  function showList() {
    document.querySelectorAll("fieldset[data-kind]").forEach(function (box) {
      var on = kind && box.dataset.kind === kind.value;
      box.hidden = !on;
      box.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
  }
  if (kind) { kind.addEventListener("change", showList); showList(); }
  // A ticked item is a problem found.
  form.addEventListener("change", function (e) {
    if (e.target.name === "checklist" && e.target.checked) {
      var problem = form.querySelector("input[name=result][value=problem]");
      if (problem) problem.checked = true;
    }
  });
})();
