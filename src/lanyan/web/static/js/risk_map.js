/* Risk overlays on the "一张图": units coloured by risk grade (红橙黄蓝) and H3 cells by the
   mean score of their units, from /api/map/risk/{units,h3}. Loaded when its toggle is first
   ticked; ?risk=1 in the page address ticks both at once. */
(function () {
  "use strict";

  var map = window.lanyanMap;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var loaded = {};
  var renderer = L.svg({ padding: 0.5 });

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popup(layer, p) {
    var rows = p.fields.map(function (f) {
      return "<tr><th>" + escapeHtml(f[0]) + "</th><td>" + escapeHtml(f[1]) + "</td></tr>";
    }).join("");
    var link = p.url ? '<a class="popup-link" href="' + escapeHtml(p.url) + '">' +
      escapeHtml(config.text.viewDetail) + " ›</a>" : "";
    return '<div class="popup" data-layer="' + escapeHtml(layer.slug) + '">' +
      '<div class="popup-kind">' + escapeHtml(layer.label) + "</div>" +
      '<div class="popup-title">' + escapeHtml(p.title) + "</div>" +
      '<table class="popup-fields">' + rows + "</table>" + link + "</div>";
  }

  function build(layer, data) {
    if (layer.kind === "polygon") {
      return L.geoJSON(data, {
        renderer: renderer,
        style: function (f) {
          return { color: f.properties.color, weight: 1, fillColor: f.properties.color,
                   fillOpacity: 0.35, className: "feature feature-risk-h3" };
        },
        onEachFeature: function (f, l) { l.bindPopup(popup(layer, f.properties)); },
      });
    }
    return L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          renderer: renderer, radius: 5, color: "#333333", weight: 0.8,
          fillColor: f.properties.color, fillOpacity: 0.95,
          className: "feature feature-risk-units grade-" + f.properties.grade,
        });
      },
      onEachFeature: function (f, l) { l.bindPopup(popup(layer, f.properties)); },
    });
  }

  function toggle(layer, on) {
    var label = document.querySelector('#risk-toggles [data-layer="' + layer.slug + '"]');
    if (!on) {
      if (loaded[layer.slug]) map.removeLayer(loaded[layer.slug]);
      return;
    }
    if (loaded[layer.slug]) loaded[layer.slug].addTo(map);
    if (!loaded[layer.slug] || layer.kind === "point") load(layer); // the view may have moved
  }

  // Units are fetched for the view (and a quarter of it around) and again after each pan or
  // zoom, like the map's own point layers; H3 cells, a few hundred polygons, once.
  var asked = {}; // per layer, the latest request: an older answer arriving late is dropped

  function load(layer) {
    var label = document.querySelector('#risk-toggles [data-layer="' + layer.slug + '"]');
    var url = layer.url;
    if (layer.kind === "point") {
      url += "?bbox=" + encodeURIComponent(map.getBounds().pad(0.25).toBBoxString());
    }
    var ticket = (asked[layer.slug] || 0) + 1;
    asked[layer.slug] = ticket;
    label.dataset.state = "loading";
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (asked[layer.slug] !== ticket) return;
        var box = document.querySelector('#risk-toggles input[value="' + layer.slug + '"]');
        if (loaded[layer.slug]) map.removeLayer(loaded[layer.slug]);
        loaded[layer.slug] = build(layer, data);
        if (!box || box.checked) loaded[layer.slug].addTo(map);
        if (layer.kind === "polygon") loaded[layer.slug].bringToBack();
        label.dataset.count = String(data.count);
        label.dataset.state = "loaded";
        label.querySelector(".layer-count").textContent = data.count.toLocaleString();
      })
      .catch(function () {
        label.dataset.state = "failed";
        label.querySelector(".layer-count").textContent = config.text.loadFailed;
      });
  }

  var moved = null;
  map.on("moveend", function () {
    clearTimeout(moved);
    moved = setTimeout(function () {
      config.risk.layers.forEach(function (layer) {
        var box = document.querySelector('#risk-toggles input[value="' + layer.slug + '"]');
        if (layer.kind === "point" && loaded[layer.slug] && box && box.checked) load(layer);
      });
    }, 400);
  });

  var byslug = {};
  config.risk.layers.forEach(function (layer) { byslug[layer.slug] = layer; });
  document.getElementById("risk-toggles").addEventListener("change", function (e) {
    toggle(byslug[e.target.value], e.target.checked);
  });
  if (/[?&]risk=1/.test(window.location.search)) {
    document.querySelectorAll("#risk-toggles input").forEach(function (box) {
      box.checked = true;
      toggle(byslug[box.value], true);
    });
  }
})();
