/* 指挥大屏: the live map (roads and boundaries as the basemap, open incidents, fire alarms; the
   vehicles are vehicle_layer.js's) and the panels, redrawn from /screen/figures every 30 s. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("screen-config").textContent);
  var text = cfg.text;
  var zh = cfg.lang === "zh";

  var map = L.map("screen-map", {
    zoomControl: false, attributionControl: false, keyboard: false, zoomSnap: 0.25,
  });
  window.lanyanScreenMap = map;
  if (cfg.home.bounds) map.fitBounds(cfg.home.bounds, { padding: [20, 20] });
  else if (cfg.home.center) map.setView(cfg.home.center, 12);
  else map.setView([35.0, 105.0], 4);

  map.createPane("incidents").style.zIndex = 640;
  var basemap = L.layerGroup().addTo(map);
  var alarmGroup = L.layerGroup().addTo(map);
  var incidentGroup = L.layerGroup().addTo(map);

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // The basemap, once: boundaries as land, roads as light lines above it (own panes, so the
  // order the two answers arrive in does not matter).
  map.createPane("land").style.zIndex = 300;
  map.createPane("roads").style.zIndex = 350;
  var land = L.svg({ pane: "land" });
  var canvas = L.canvas({ pane: "roads", padding: 0.3 });
  Promise.all([
    getJson("/api/map/layers/jurisdictions").then(function (data) {
      L.geoJSON(data, {
        renderer: land, interactive: false,
        style: { color: "#3b6fb6", weight: 2, dashArray: "8 6", fillColor: "#12243f", fillOpacity: 0.9 },
      }).addTo(basemap);
    }),
    getJson("/api/map/layers/roads").then(function (data) {
      L.geoJSON(data, {
        renderer: canvas, interactive: false,
        style: function (f) {
          var major = f.properties.road_class === "expressway" || f.properties.road_class === "arterial";
          return { color: major ? "#8fb0dd" : "#55739f", weight: major ? 3 : 1.6, opacity: 0.9 };
        },
      }).addTo(basemap);
    }),
  ]).catch(function () { /* the screen still shows the live layers without a basemap */ })
    .then(function () { document.getElementById("screen-map").dataset.basemap = "ready"; });

  function drawAlarms() {
    if (!cfg.alarms) return;
    getJson("/api/map/layers/alarms").then(function (data) {
      alarmGroup.clearLayers();
      var n = 0;
      data.features.forEach(function (f) {
        if (f.properties.kind !== "fire") return;
        n += 1;
        var c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], {
          radius: 11, color: "#ffe0b2", weight: 2, fillColor: "#ff9100", fillOpacity: 0.95,
          className: "screen-alarm",
        }).addTo(alarmGroup);
      });
      document.getElementById("screen-map").dataset.fireAlarms = String(n);
    });
  }

  function drawIncidents(open) {
    incidentGroup.clearLayers();
    open.drawn.forEach(function (i) {
      if (i.lon === null || i.lat === null) return;
      var type = cfg.types[i.type] || { label: i.type, color: "#ff1744" };
      L.circleMarker([i.lat, i.lon], {
        pane: "incidents", radius: 16, color: "#ff1744", weight: 5, fillColor: type.color,
        fillOpacity: 0.95, className: "screen-incident",
      }).bindTooltip(type.label + " · " + i.at, {
        permanent: true, direction: "right", offset: [18, 0], className: "screen-tooltip",
      }).addTo(incidentGroup);
    });
    document.getElementById("screen-map").dataset.incidents = String(incidentGroup.getLayers().length);
  }

  function bars(list, node) {
    var most = Math.max.apply(null, list.map(function (x) { return x.count; }).concat([1]));
    node.innerHTML = list.map(function (x) {
      return '<li><span>' + escapeHtml(x.label) + '</span><span class="bar"><i style="--c:' +
        x.color + ";width:" + (100 * x.count / most).toFixed(1) + '%"></i></span><span class="n">' +
        x.count.toLocaleString() + "</span></li>";
    }).join("");
  }

  function number(id, value) {
    document.getElementById(id).textContent = value === null || value === undefined ? "–" : String(value);
  }

  function show(f) {
    number("today-total", f.today.total);
    bars(f.today.types, document.getElementById("today-types"));
    if (f.vehicles) bars(f.vehicles, document.getElementById("vehicle-statuses"));
    if (f.alarms) {
      number("alarms-fire", f.alarms.fire);
      number("alarms-other", f.alarms.other);
    }
    number("response-mean", f.response.mean);
    number("response-median", f.response.median);
    number("response-count", f.response.count);
    number("open-total", f.open.total);
    var items = f.open.drawn.slice(0, f.open.listed);
    document.getElementById("open-list").innerHTML = items.length ? items.map(function (i) {
      var type = cfg.types[i.type] || { label: i.type, color: "#7f7f7f" };
      return '<li data-code="' + escapeHtml(i.code) + '"><span class="when">' + escapeHtml(i.at) +
        '</span><span class="tag" style="--c:' + type.color + '">' + escapeHtml(type.label) +
        "</span>" + escapeHtml(i.address) + "</li>";
    }).join("") : '<li class="empty">' + escapeHtml(text.screen_none_open) + "</li>";
    if (f.plans) {
      document.getElementById("plan-cards").innerHTML = f.plans.map(function (p) {
        var split = p.statuses.map(function (s) {
          return '<i style="--c:' + s.color + ";flex:" + s.count + '"></i>';
        }).join("");
        var words = p.statuses.filter(function (s) { return s.count; }).map(function (s) {
          return escapeHtml(s.label) + " " + s.count;
        }).join(zh ? "　" : "  ");
        return '<li><div class="region">' + escapeHtml(p.region) + '</div><div class="met">' +
          p.met + "<small> / " + p.total + " " + escapeHtml(text.screen_plan_met) +
          '</small></div><div class="split">' + split + '</div><div class="statuses">' + words +
          "</div></li>";
      }).join("");
    }
    number("screen-updated", f.updated);
    drawIncidents(f.open);
    document.documentElement.dataset.figures = "shown";
  }

  function refresh() {
    getJson("/screen/figures").then(show).catch(function () { /* keep the last figures */ });
    drawAlarms();
  }

  function tick() {
    document.getElementById("screen-clock").textContent = new Date().toLocaleString(
      zh ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false }
    );
  }

  show(JSON.parse(document.getElementById("screen-figures").textContent));
  drawAlarms();
  tick();
  setInterval(tick, 1000);
  setInterval(refresh, cfg.refreshS * 1000);
  // Alarms redraw when the monitoring centre's live feed says one changed.
  if (cfg.alarms && window.EventSource) {
    var pending = null;
    new EventSource("/api/monitoring/alarms/stream").addEventListener("alarm", function () {
      if (pending) return;
      pending = setTimeout(function () { pending = null; refresh(); }, 800);
    });
  }
})();
