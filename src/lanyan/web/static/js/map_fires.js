/* The fire statistics overlay on the 一张图: a year's fires as points and the fire count per
   jurisdiction as a choropleth (window.LanyanFireLayers), switched on from the map panel. */
(function () {
  "use strict";
  var map = window.lanyanMap;
  var cfg = JSON.parse(document.getElementById("fire-config").textContent);
  var yearBox = document.getElementById("fire-year");
  var boxes = { points: document.getElementById("fire-points"), areas: document.getElementById("fire-areas") };
  var count = document.getElementById("fire-count");
  yearBox.value = String(new Date().getFullYear());
  var current = null;

  function draw() {
    if (current) { map.removeLayer(current.points); map.removeLayer(current.areas); }
    if (!boxes.points.checked && !boxes.areas.checked) { count.textContent = ""; return; }
    var url = "/api/stats/map?year=" + encodeURIComponent(yearBox.value);
    window.LanyanFireLayers(map, url, cfg.grades, cfg.lang).then(function (layers) {
      current = layers;
      if (boxes.areas.checked) layers.areas.addTo(map);
      if (boxes.points.checked) layers.points.addTo(map);
      count.textContent = String(layers.count);
      document.getElementById("fire-layers").dataset.count = String(layers.count);
    }).catch(function () { count.textContent = "!"; });
  }
  boxes.points.addEventListener("change", draw);
  boxes.areas.addEventListener("change", draw);
  yearBox.addEventListener("change", draw);
})();
