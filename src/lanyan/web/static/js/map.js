/* "一张图": draws the scoped GeoJSON layers of /api/map/layers/{layer} on a Leaflet map.
   Roads and boundaries are the basemap (no internet tiles); points are SVG so each drawn
   feature is an element a test (or a screen reader) can find. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var CHINA = { center: [35.0, 105.0], zoom: 4 };
  var POINT_RADIUS = { stations: 9, units: 6, "water-sources": 5, alarms: 10 };
  var OUTLINE = { stations: ["#3a0d0d", 2], alarms: ["#5a0010", 2.5] };

  var map = L.map("map", { minZoom: 3, maxZoom: 19, zoomSnap: 0.5 });
  window.lanyanMap = map; // overlays drawn by other scripts (risk, planning, fire statistics)
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }

  // Boundaries lie under the roads as the "land" of the basemap; they are not interactive
  // themselves (the road canvas above would swallow their clicks), so a click that hits no
  // feature is looked up in them instead (see inspectBoundary).
  map.createPane("boundaries").style.zIndex = 240;
  map.createPane("roads").style.zIndex = 250;
  var boundaryRenderer = L.svg({ pane: "boundaries" });
  var roadRenderer = L.canvas({ pane: "roads", padding: 0.5, tolerance: 4 });
  // Weather warnings (气象预警) lie over the roads, translucent, under every point.
  map.createPane("warnings").style.zIndex = 260;
  var warningRenderer = L.svg({ pane: "warnings" });
  var pointRenderer = L.svg({ padding: 0.5 });
  // Alarms lie above every other point (under the popups): they are what one looks for.
  map.createPane("alarms").style.zIndex = 620;
  var alarmRenderer = L.svg({ pane: "alarms", padding: 0.5 });

  function home() {
    if (config.home.bounds) {
      map.fitBounds(config.home.bounds, { padding: [16, 16] });
      return true;
    }
    if (config.home.center) {
      map.setView(config.home.center, 12);
      return true;
    }
    return false;
  }
  if (!home()) map.setView(CHINA.center, CHINA.zoom);

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popupHtml(layer, props) {
    var rows = props.fields.map(function (f) {
      return "<tr><th>" + escapeHtml(f[0]) + "</th><td>" + escapeHtml(f[1]) + "</td></tr>";
    }).join("");
    return '<div class="popup" data-layer="' + escapeHtml(layer.slug) + '">' +
      '<div class="popup-kind">' + escapeHtml(layer.label) + "</div>" +
      '<div class="popup-title">' + escapeHtml(props.title) + "</div>" +
      '<table class="popup-fields">' + rows + "</table>" +
      (props.url ? '<a class="popup-link" href="' + escapeHtml(props.url) + '">' +
       escapeHtml(config.text.viewDetail) + " ›</a>" : "") + "</div>";
  }

  function bindPopup(layer) {
    return function (feature, leafletLayer) {
      leafletLayer.bindPopup(popupHtml(layer, feature.properties), { maxWidth: 320 });
      // A click on a feature is not also a click on the land under it (inspectBoundary).
      leafletLayer.on("click", L.DomEvent.stopPropagation);
    };
  }

  function roadLayer(layer, data) {
    var weight = function (f) { return config.roadWeight[f.properties.road_class] || 2; };
    var casing = L.geoJSON(data, {
      renderer: roadRenderer,
      interactive: false,
      style: function (f) {
        return { color: "#9a9284", weight: weight(f) + 1.6, opacity: 0.9, lineCap: "round" };
      },
    });
    var fill = L.geoJSON(data, {
      renderer: roadRenderer,
      style: function (f) {
        return { color: f.properties.color || "#cccccc", weight: weight(f), opacity: 1,
                 lineCap: "round", lineJoin: "round" };
      },
      onEachFeature: bindPopup(layer),
    });
    return L.layerGroup([casing, fill]);
  }

  function boundaryLayer(layer, data) {
    return L.geoJSON(data, {
      renderer: boundaryRenderer,
      interactive: false,
      style: { color: "#1d4f91", weight: 2, dashArray: "8 5", fillColor: "#fdfcf9",
               fillOpacity: 0.75 },
    });
  }

  function areaLayer(layer, data) {
    return L.geoJSON(data, {
      renderer: warningRenderer,
      style: function (f) {
        var c = f.properties.color || "#555555";
        return { color: c, weight: 2, fillColor: c, fillOpacity: 0.25,
                 className: "feature-" + layer.slug };
      },
      onEachFeature: bindPopup(layer),
    });
  }

  function inRing(latlng, ring) {
    var x = latlng.lng, y = latlng.lat, inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function inGeometry(latlng, geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.some(function (rings) {
      return inRing(latlng, rings[0]) && !rings.slice(1).some(function (hole) {
        return inRing(latlng, hole);
      });
    });
  }

  // The innermost jurisdiction under a click that hit no other feature.
  function inspectBoundary(event) {
    var entry = loaded.jurisdictions;
    if (!entry || !map.hasLayer(entry.group)) return;
    var best = null, bestSize = Infinity;
    entry.data.features.forEach(function (feature) {
      if (!inGeometry(event.latlng, feature.geometry)) return;
      var b = L.geoJSON(feature).getBounds();
      var size = (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth());
      if (size < bestSize) { best = feature; bestSize = size; }
    });
    if (best) {
      L.popup({ maxWidth: 320 }).setLatLng(event.latlng)
        .setContent(popupHtml(entry.layer, best.properties)).openOn(map);
    }
  }
  map.on("click", inspectBoundary);

  // At county scale thousands of full-size markers would cover the map: markers shrink below
  // zoom 14 (to a third of their size at zoom 10 and below) and grow back as one zooms in.
  function pointRadius(slug) {
    var base = POINT_RADIUS[slug] || 6;
    var factor = Math.max(0.35, Math.min(1, (map.getZoom() - 8) / 6));
    return Math.max(2, base * factor);
  }

  map.on("zoomend", function () {
    Object.keys(loaded).forEach(function (slug) {
      if (loaded[slug].layer.kind !== "point") return;
      var radius = pointRadius(slug);
      loaded[slug].group.eachLayer(function (marker) { marker.setRadius(radius); });
    });
  });

  function pointLayer(layer, data) {
    var radius = pointRadius(layer.slug);
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          renderer: layer.slug === "alarms" ? alarmRenderer : pointRenderer,
          radius: radius,
          color: (OUTLINE[layer.slug] || ["#ffffff"])[0],
          weight: (OUTLINE[layer.slug] || [null, 1.2])[1],
          fillColor: feature.properties.color || "#555555",
          fillOpacity: 0.95,
          className: "feature feature-" + layer.slug,
        });
      },
      onEachFeature: bindPopup(layer),
    });
  }

  var BUILD = { road: roadLayer, boundary: boundaryLayer, area: areaLayer, point: pointLayer };
  var loaded = {};
  var pending = config.layers.length;

  function toggleOf(slug) {
    return document.querySelector('.layer-toggle[data-layer="' + slug + '"]');
  }

  function updateToggle(slug) {
    var toggle = toggleOf(slug);
    var entry = loaded[slug];
    if (!toggle || !entry) return;
    var drawn = map.hasLayer(entry.group) ? entry.count : 0;
    toggle.dataset.count = String(entry.count);
    toggle.dataset.drawn = String(drawn);
    toggle.dataset.hidden = String(entry.hidden || 0);
    var text = entry.count.toLocaleString();
    // A layer that draws at most so many (the alarms) says how many more the view holds.
    if (entry.hidden) text += config.text.hidden.replace("{n}", entry.hidden.toLocaleString());
    toggle.querySelector(".layer-count").textContent = text;
  }

  function fitToData() {
    var bounds = null;
    Object.keys(loaded).forEach(function (slug) {
      if (loaded[slug].count === 0) return;
      var b = loaded[slug].bounds;
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    });
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }

  function finished() {
    pending -= 1;
    if (pending === 0) {
      if (!config.home.bounds) fitToData();
      document.getElementById("map").dataset.ready = "true";
    }
  }

  // Point layers are fetched for the view (and a quarter of it around), not the whole
  // jurisdiction, and again after each pan or zoom; roads and boundaries, the basemap, once.
  function viewBox() {
    return map.getBounds().pad(0.25).toBBoxString();
  }

  function fetchLayer(layer) {
    var url = "/api/map/layers/" + encodeURIComponent(layer.slug);
    if (layer.kind === "point") url += "?bbox=" + encodeURIComponent(viewBox());
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
  }

  var asked = {}; // per layer, the latest request: an older answer arriving late is dropped

  function reload(layer) {
    var ticket = (asked[layer.slug] || 0) + 1;
    asked[layer.slug] = ticket;
    return fetchLayer(layer).then(function (data) {
      var entry = loaded[layer.slug];
      if (!entry || asked[layer.slug] !== ticket) return;
      var shown = map.hasLayer(entry.group);
      if (shown) map.removeLayer(entry.group);
      entry.group = BUILD[layer.kind](layer, data);
      entry.data = data;
      entry.count = data.count;
      entry.hidden = data.hidden || 0;
      if (shown) entry.group.addTo(map);
      updateToggle(layer.slug);
    });
  }

  var moved = null;
  map.on("moveend", function () {
    if (pending > 0) return; // the first load is still on its way
    clearTimeout(moved);
    moved = setTimeout(function () {
      config.layers.forEach(function (layer) {
        if (layer.kind === "point" && loaded[layer.slug]) reload(layer);
      });
    }, 400);
  });

  config.layers.forEach(function (layer) {
    fetchLayer(layer)
      .then(function (data) {
        var group = BUILD[layer.kind](layer, data);
        var bounds = L.geoJSON(data).getBounds();
        loaded[layer.slug] = { layer: layer, data: data, group: group, count: data.count,
                               hidden: data.hidden || 0, bounds: bounds };
        var box = toggleOf(layer.slug).querySelector("input");
        if (box.checked) group.addTo(map);
        toggleOf(layer.slug).dataset.state = "loaded";
        updateToggle(layer.slug);
      })
      .catch(function () {
        var toggle = toggleOf(layer.slug);
        toggle.dataset.state = "failed";
        toggle.querySelector(".layer-count").textContent = config.text.loadFailed;
      })
      .then(finished);
  });

  document.getElementById("layer-toggles").addEventListener("change", function (event) {
    var slug = event.target.value;
    var entry = loaded[slug];
    if (!entry) return;
    if (event.target.checked) entry.group.addTo(map);
    else map.removeLayer(entry.group);
    var legend = document.querySelector('[data-legend="' + slug + '"]');
    if (legend) legend.classList.toggle("off", !event.target.checked);
    updateToggle(slug);
  });

  // The alarm layer follows the monitoring centre's live feed: redraw it when an alarm changes.
  var alarmLayer = config.layers.filter(function (l) { return l.slug === "alarms"; })[0];
  if (alarmLayer && window.EventSource) {
    var redraw = null;
    var feed = new EventSource("/api/monitoring/alarms/stream");
    feed.addEventListener("alarm", function () {
      if (redraw) return;
      redraw = setTimeout(function () {
        redraw = null;
        reload(alarmLayer);
      }, 800);
    });
  }

  document.getElementById("fit-home").addEventListener("click", function () {
    if (!home()) fitToData();
  });
})();
