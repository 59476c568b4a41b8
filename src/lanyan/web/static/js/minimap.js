/* The detail page's small map: the record's geometry over the nearby roads (offline basemap). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("minimap-config").textContent);
  var map = L.map("minimap", { scrollWheelZoom: false, maxZoom: 19 });
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false }).addTo(map);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var isPoint = config.geometry.type === "Point";
  var shape = L.geoJSON(config.geometry, {
    style: isPoint
      ? { radius: 8, color: "#ffffff", weight: 2, fillColor: "#c8102e", fillOpacity: 1 }
      : { color: "#c8102e", weight: 3, fillOpacity: 0.12 },
    pointToLayer: function (feature, latlng) { return L.circleMarker(latlng); },
  }).addTo(map);
  var bounds = shape.getBounds();
  if (isPoint) map.setView(bounds.getCenter(), 15);
  else map.fitBounds(bounds, { padding: [12, 12] });

  if (!config.roads) return;
  var view = map.getBounds().pad(0.5);
  var bbox = [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()].join(",");
  fetch("/api/map/layers/roads?bbox=" + encodeURIComponent(bbox), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) return;
      L.geoJSON(data, {
        interactive: false,
        style: function (f) { return { color: f.properties.color || "#ccc", weight: 3 }; },
      }).addTo(map);
      shape.bringToFront();
    });
})();
