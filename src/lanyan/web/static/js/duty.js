// The control room's duty page: poll the pending duty checks (查岗) and reload the page when
// they change, so a new check shows at the top with its answer button.
(function () {
  "use strict";
  var box = document.getElementById("pending");
  if (!box) return;
  var shown = box.dataset.ids || "";
  var unit = box.dataset.unit;
  function poll() {
    fetch("/api/monitoring/duty-checks/pending", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (items) {
        if (!items) return;
        var ids = items.filter(function (c) { return c.unit_code === unit; })
          .map(function (c) { return String(c.id); }).join(",");
        if (ids !== shown) window.location.reload();
      })
      .catch(function () { /* try again on the next tick */ });
  }
  window.setInterval(poll, 10000);
})();
