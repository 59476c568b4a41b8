/* Planning layers of the "一张图" map, off until switched on: 5-minute coverage (service areas
   green, uncovered demand red) from /api/planning/coverage, and hydrant gaps (uncovered road
   stretches red, proposed hydrants blue) from /api/planning/hydrant-gaps. */
(function () {
  "use strict";

  var map = window.lanyanMap;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var T = config.planning.text;
  var svg = L.svg({ padding: 0.5 });
  var layers = {};

  function label(slug) { return document.querySelector('#planning-layers [data-layer="' + slug + '"]'); }

  function coverage() {
    return fetch("/api/planning/coverage?polygons=true", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (out) {
        var group = L.layerGroup();
        L.geoJSON(out.service_areas, {
          style: { color: "#18794e", weight: 1.5, fillColor: "#3fb97f", fillOpacity: 0.22,
                   className: "feature feature-service-area" },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(f.properties.name + " · " + f.properties.population + " " + T.people);
          },
        }).addTo(group);
        L.geoJSON(out.uncovered, {
          filter: function (f) { return f.properties.population > 0; },
          pointToLayer: function (f, latlng) {
            var r = Math.max(1.5, Math.min(8, 2 + Math.sqrt(f.properties.population) / 6) *
                                  Math.max(0.25, Math.min(1, (map.getZoom() - 9) / 5)));
            return L.circleMarker(latlng, { renderer: svg, radius: r, stroke: false,
              fillColor: "#e5484d", fillOpacity: 0.45, className: "feature feature-uncovered" });
          },
        }).addTo(group);
        var share = out.total.population_share;
        return { group: group, count: out.service_areas.features.length,
                 text: share === null ? "–" : (100 * share).toFixed(1) + "%" };
      });
  }

  function hydrantGaps() {
    return fetch("/api/planning/hydrant-gaps", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (out) {
        var group = L.layerGroup();
        L.geoJSON(out.stretches, {
          style: { color: "#d7263d", weight: 5, opacity: 0.9, className: "feature feature-gap" },
        }).addTo(group);
        L.geoJSON(out.proposed, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { renderer: svg, radius: 5, color: "#fff", weight: 1.5,
              fillColor: "#1d4f91", fillOpacity: 1, className: "feature feature-proposed-hydrant" });
          },
        }).addTo(group);
        return { group: group, count: out.stretches.features.length,
                 text: out.uncovered_km.toFixed(2) + " km / " + out.proposed_count };
      });
  }

  var LOAD = { coverage: coverage, "hydrant-gaps": hydrantGaps };

  document.getElementById("planning-layers").addEventListener("change", function (event) {
    var slug = event.target.value;
    var entry = layers[slug];
    if (!event.target.checked) { if (entry && entry.group) map.removeLayer(entry.group); return; }
    if (entry) { if (entry.group) entry.group.addTo(map); return; }
    layers[slug] = {};
    label(slug).querySelector(".layer-count").textContent = "…";
    LOAD[slug]().then(function (got) {
      layers[slug] = got;
      if (event.target.checked) got.group.addTo(map);
      label(slug).dataset.count = String(got.count);
      label(slug).querySelector(".layer-count").textContent = got.text;
    }).catch(function () {
      delete layers[slug];
      label(slug).querySelector(".layer-count").textContent = "!";
    });
  });
})();
