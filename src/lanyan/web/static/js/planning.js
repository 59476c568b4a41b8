/* Siting what-if (站点选址推演): draws coverage from /api/planning/coverage, sends each
   add / move / remove to /api/planning/what-if and shows the change, runs MCLP as a
   background job with progress, and toggles the hydrant-gap layer. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("planning-config").textContent);
  var T = config.text;
  var study = { minutes: config.minutes, turnout_minutes: config.turnoutMinutes,
                cell_m: config.cellM };

  var map = L.map("map", { minZoom: 3, maxZoom: 19, zoomSnap: 0.5 });
  window.lanyanMap = map;
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  if (config.home.bounds) map.fitBounds(config.home.bounds, { padding: [16, 16] });
  else if (config.home.center) map.setView(config.home.center, 12);
  else map.setView([35, 105], 4);

  var svg = L.svg({ padding: 0.5 });

  // The basemap (no internet tiles): jurisdiction outlines and roads from the map's layers.
  map.createPane("basemap").style.zIndex = 250;
  var baseRenderer = L.canvas({ pane: "basemap", padding: 0.5 });
  [["jurisdictions", { color: "#1d4f91", weight: 1.5, dashArray: "8 5", fillColor: "#fdfcf9",
                       fillOpacity: 0.6 }],
   ["roads", null]].forEach(function (entry) {
    fetch("/api/map/layers/" + entry[0], { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        L.geoJSON(data, {
          renderer: baseRenderer, interactive: false,
          style: entry[1] || function (f) {
            return { color: f.properties.color || "#c9c1b3", weight: 3, opacity: 0.9 };
          },
        }).addTo(map);
      })
      .catch(function () { return null; });
  });
  var areas = L.layerGroup().addTo(map);
  var uncovered = L.layerGroup().addTo(map);
  var stations = L.layerGroup().addTo(map);
  var chosen = L.layerGroup().addTo(map);
  var gaps = L.layerGroup();
  var gapsLoaded = false;

  var mode = null;
  var changes = [];
  var moving = null; // code of the station picked for a move
  var before = null;
  var lastSites = [];

  function $(id) { return document.getElementById(id); }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function showProblem(body) {
    var errors = (body && body.errors) || [];
    $("problem").textContent = errors.length
      ? errors.map(function (e) { return e.field + ": " + e.rule; }).join("; ")
      : (body && body.detail) || "";
  }

  function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    if (options.body) options.headers = { "Content-Type": "application/json" };
    return fetch(url, options).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { showProblem(body); throw new Error(r.status); }
        showProblem(null);
        return body;
      });
    });
  }

  function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }

  function figures(total) {
    return {
      population: { share: total.population_share, amount: total.population_covered,
                    unit: T.people },
      area: { share: total.area_share, amount: total.area_km2_covered, unit: T.km2 },
      key_units: { share: total.key_unit_share, amount: total.key_units_covered, unit: "" },
    };
  }

  function cell(td, f) {
    td.textContent = pct(f.share);
    td.title = Number(f.amount).toLocaleString() + " " + f.unit;
    td.dataset.value = f.share === null ? "" : String(f.share);
  }

  function showFigures(b, a) {
    Object.keys(b).forEach(function (key) {
      var row = document.querySelector('[data-figure="' + key + '"]');
      cell(row.querySelector(".before"), b[key]);
      cell(row.querySelector(".after"), a[key]);
      var td = row.querySelector(".change");
      var d = (a[key].share || 0) - (b[key].share || 0);
      td.textContent = (d > 0 ? "+" : "") + (100 * d).toFixed(1);
      td.className = "change " + (d > 1e-9 ? "up" : d < -1e-9 ? "down" : "");
      td.dataset.value = String(d);
    });
  }

  // Uncovered demand cells: a dot per cell with people, sized by its population and by the
  // zoom, so a county of thousands of cells shades its gaps instead of painting over them.
  function uncoveredRadius(pop) {
    var zoomFactor = Math.max(0.25, Math.min(1, (map.getZoom() - 9) / 5));
    return Math.max(1.5, (2 + Math.min(7, Math.sqrt(pop) / 6)) * zoomFactor);
  }

  function drawUncovered(fc) {
    uncovered.clearLayers();
    L.geoJSON(fc, {
      filter: function (f) { return f.properties.population > 0; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          renderer: svg, radius: uncoveredRadius(f.properties.population),
          stroke: false, fillColor: "#e5484d", fillOpacity: 0.45,
          className: "feature feature-uncovered",
        }).bindTooltip(T.layer_uncovered + ": " + Math.round(f.properties.population) + " " + T.people);
      },
    }).addTo(uncovered);
  }

  map.on("zoomend", function () {
    uncovered.eachLayer(function (group) {
      group.eachLayer(function (m) { m.setRadius(uncoveredRadius(m.feature.properties.population)); });
    });
  });

  function drawStations(list) {
    stations.clearLayers();
    list.forEach(function (s) {
      var isNew = s.status === "what_if";
      var marker = L.circleMarker([s.lat, s.lon], {
        renderer: svg, radius: 9, weight: 2, color: isNew ? "#0b3d91" : "#3a0d0d",
        fillColor: isNew ? "#3b82f6" : "#d7263d", fillOpacity: 0.95,
        className: "feature feature-station" + (isNew ? " feature-what-if" : ""),
      });
      marker.bindTooltip((isNew ? T.new_station : T.station) + " " + (s.name || s.code));
      marker.on("click", function (event) {
        L.DomEvent.stopPropagation(event);
        if (mode === "remove") {
          changes.push({ action: "remove", code: s.code });
          update();
        } else if (mode === "move") {
          moving = s.code;
          $("hint").textContent = T.hint_move + " — " + s.code;
        }
      });
      marker.addTo(stations);
    });
  }

  // Service areas: today's for stations still where they were, plus the what-if ones.
  function drawAreas(list, extra) {
    areas.clearLayers();
    var kept = {};
    list.forEach(function (s) { if (s.status !== "what_if") kept[s.code] = true; });
    var style = function (f) {
      var isNew = f.properties.status === "what_if";
      return { color: isNew ? "#1d4f91" : "#18794e", weight: 1.5,
               fillColor: isNew ? "#3b82f6" : "#3fb97f", fillOpacity: 0.22,
               className: "feature feature-service-area" + (isNew ? " feature-what-if-area" : "") };
    };
    var onEach = function (f, layer) {
      layer.bindTooltip(escapeHtml(f.properties.name || f.properties.code));
    };
    L.geoJSON({ type: "FeatureCollection", features: before.service_areas.features.filter(
      function (f) { return kept[f.properties.code]; }) }, { style: style, onEachFeature: onEach })
      .addTo(areas);
    if (extra) L.geoJSON(extra, { style: style, onEachFeature: onEach }).addTo(areas);
  }

  function update() {
    if (!changes.length) {
      drawAreas(before.stations, null);
      drawStations(before.stations);
      drawUncovered(before.uncovered);
      showFigures(figures(before.total), figures(before.total));
      return Promise.resolve();
    }
    document.body.dataset.busy = "true";
    var body = Object.assign({ changes: changes }, study);
    return api("/api/planning/what-if", { method: "POST", body: JSON.stringify(body) })
      .then(function (out) {
        drawAreas(out.stations, out.service_areas);
        drawStations(out.stations);
        drawUncovered(out.uncovered);
        showFigures(figures(before.total), figures(out.after));
      })
      .catch(function () { changes.pop(); })
      .then(function () { document.body.dataset.busy = "false"; });
  }

  map.on("click", function (event) {
    var ll = event.latlng;
    if (mode === "add") {
      changes.push({ action: "add", lon: ll.lng, lat: ll.lat });
      update();
    } else if (mode === "move" && moving) {
      changes.push({ action: "move", code: moving, lon: ll.lng, lat: ll.lat });
      moving = null;
      update();
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (btn) {
    btn.addEventListener("click", function () {
      mode = mode === btn.dataset.mode ? null : btn.dataset.mode;
      moving = null;
      Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
      });
      $("hint").textContent = mode ? T["hint_" + mode] : "";
      map.getContainer().style.cursor = mode === "add" || mode === "move" ? "crosshair" : "";
    });
  });

  $("reset").addEventListener("click", function () {
    changes = [];
    update();
  });

  function toggle(id, layer) {
    $(id).addEventListener("change", function (event) {
      if (event.target.checked) layer.addTo(map); else map.removeLayer(layer);
    });
  }
  toggle("toggle-areas", areas);
  toggle("toggle-uncovered", uncovered);

  $("toggle-gaps").addEventListener("change", function (event) {
    if (!event.target.checked) { map.removeLayer(gaps); return; }
    gaps.addTo(map);
    if (gapsLoaded) return;
    gapsLoaded = true;
    $("gaps-count").textContent = "…";
    api("/api/planning/hydrant-gaps").then(function (out) {
      L.geoJSON(out.stretches, {
        style: { color: "#d7263d", weight: 5, opacity: 0.9, className: "feature feature-gap" },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { renderer: svg, radius: 3, color: "#d7263d",
                                          className: "feature feature-gap" });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(escapeHtml(p.name || p.road) + " " + p.length_m + " m" +
                            (p.side !== "both" ? " (" + p.side + ")" : ""));
        },
      }).addTo(gaps);
      L.geoJSON(out.proposed, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {
            renderer: svg, radius: 5, color: "#ffffff", weight: 1.5, fillColor: "#1d4f91",
            fillOpacity: 1, className: "feature feature-proposed-hydrant",
          }).bindTooltip(T.layer_proposed + " #" + f.properties.rank + " · " +
                         f.properties.year);
        },
      }).addTo(gaps);
      var label = document.querySelector('[data-layer="hydrant-gaps"]');
      label.dataset.count = String(out.stretches.features.length);
      $("gaps-count").textContent = out.uncovered_km.toFixed(2) + " km / " +
        out.proposed_count;
    }).catch(function () { gapsLoaded = false; $("gaps-count").textContent = "!"; });
  });

  function stageText(stage) { return T["stage_" + stage] || stage; }

  function showResult(res) {
    chosen.clearLayers();
    lastSites = res.new_sites;
    res.new_sites.forEach(function (s, i) {
      L.circleMarker([s.lat, s.lon], {
        renderer: svg, radius: 11, weight: 3, color: "#0b3d91", fillColor: "#ffd166",
        fillOpacity: 0.95, className: "feature feature-chosen",
      }).bindTooltip(T.chosen + " " + (i + 1)).addTo(chosen);
    });
    $("siting-result").innerHTML =
      "<p>" + escapeHtml(T.chosen) + ": " + res.new_sites.length + " · " + escapeHtml(T.share) +
      " " + pct(res.population_share_before) + " → <strong>" + pct(res.population_share) +
      "</strong> · " + escapeHtml(T.gap) + " " + (100 * res.gap).toFixed(2) + "%</p>" +
      '<button type="button" class="btn btn-small" id="use-sites">' + escapeHtml(T.use_sites) +
      "</button>";
    $("use-sites").addEventListener("click", function () {
      lastSites.forEach(function (s) { changes.push({ action: "add", lon: s.lon, lat: s.lat }); });
      update();
    });
  }

  function poll(id) {
    return api("/api/planning/siting/" + id).then(function (job) {
      $("siting-progress").value = job.progress;
      $("siting-stage").textContent = T.running + ": " + stageText(job.stage);
      if (job.state === "queued" || job.state === "running") {
        return new Promise(function (ok) { setTimeout(ok, 400); }).then(function () {
          return poll(id);
        });
      }
      $("run-siting").disabled = false;
      if (job.state === "failed") { showProblem(job); return; }
      $("siting-stage").textContent = stageText("done") + " · " + job.seconds + " s";
      showResult(job.result);
    });
  }

  $("siting-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var p = parseInt(event.target.p.value, 10);
    var body = Object.assign({ model: "mclp", p: p, spacing_m: 1000 }, study);
    $("run-siting").disabled = true;
    $("siting-progress").hidden = false;
    $("siting-progress").value = 0;
    api("/api/planning/siting", { method: "POST", body: JSON.stringify(body) })
      .then(function (job) { return poll(job.id); })
      .catch(function () { $("run-siting").disabled = false; });
  });

  var q = "?polygons=true&minutes=" + study.minutes + "&turnout_minutes=" +
    study.turnout_minutes + "&cell_m=" + study.cell_m;
  api("/api/planning/coverage" + q).then(function (out) {
    before = out;
    update();
    var b = L.geoJSON(out.service_areas).getBounds();
    if (!config.home.bounds && b.isValid()) map.fitBounds(b, { padding: [24, 24] });
    $("map").dataset.ready = "true";
  }).catch(function () { $("map").dataset.ready = "failed"; });
})();
