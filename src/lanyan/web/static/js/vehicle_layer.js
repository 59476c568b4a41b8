/* The live vehicles layer (车辆实时位置) on a Leaflet map: the one map (window.lanyanMap), the
   incident board (window.__boardMap) and the big screen (window.lanyanScreenMap).

   Current positions come from /api/vehicles/positions (every page), then each change from the
   server-sent events of /api/vehicles/positions/stream; the list is read again every minute so
   a vehicle that stopped reporting turns stale (the server decides what is stale). A marker is
   an arrow turned to the heading, coloured by the vehicle's status, grey and dashed when
   stale; its popup gives speed and time; a click draws the last hour's track. */
(function () {
  "use strict";

  var node = document.getElementById("vehicle-layer-config");
  var map = window.lanyanScreenMap || window.lanyanMap || window.__boardMap;
  if (!node || !map) return;
  var cfg = JSON.parse(node.textContent);
  var text = cfg.text;
  var zh = cfg.lang === "zh";
  var PAGE = 500;
  var REFRESH_MS = 60000;
  var SIZE = window.lanyanScreenMap ? 34 : 26; // the big screen is read from across the hall

  map.createPane("vehicles").style.zIndex = 630; // above the alarms, under the popups
  var group = L.layerGroup().addTo(map);
  var trackLine = null;
  var markers = {}; // vehicle code → { marker, item }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function when(iso) {
    return new Date(iso).toLocaleString(zh ? "zh-CN" : "en-GB", {
      timeZone: "Asia/Shanghai", hour12: false,
    });
  }

  function colour(item) {
    var s = cfg.status[item.vehicle_status];
    return item.stale ? "#8a8f98" : (s ? s.color : "#1d4f91");
  }

  function iconOf(item) {
    var html =
      '<div class="vehicle-arrow" style="--c:' + colour(item) + ";transform:rotate(" +
      Number(item.heading || 0) + 'deg)"><svg viewBox="0 0 24 24" width="' + SIZE +
      '" height="' + SIZE + '" ' +
      'aria-hidden="true"><path d="M12 2 L20 21 L12 16 L4 21 Z"/></svg></div>';
    return L.divIcon({
      className: "vehicle-marker" + (item.stale ? " vehicle-stale" : ""),
      html: html,
      iconSize: [SIZE, SIZE],
      iconAnchor: [SIZE / 2, SIZE / 2],
      popupAnchor: [0, -12],
    });
  }

  function popupHtml(item) {
    var s = cfg.status[item.vehicle_status];
    var rows = [
      [text.veh_plate, item.plate || "—"],
      [text.veh_status, s ? s.label : item.vehicle_status],
      [text.veh_speed, item.speed_kmh.toFixed(1) + " " + text.veh_kmh],
      [text.veh_heading, item.heading + "°"],
      [text.veh_reported, when(item.reported_at)],
    ];
    if (item.stale) rows.push([text.veh_stale, text.staleNote]);
    return '<div class="popup popup-vehicle" data-vehicle="' + escapeHtml(item.vehicle_code) + '">' +
      '<div class="popup-kind">' + escapeHtml(text.veh_layer) + "</div>" +
      '<div class="popup-title">' + escapeHtml(item.vehicle_code) + "</div>" +
      '<table class="popup-fields">' + rows.map(function (r) {
        return "<tr><th>" + escapeHtml(r[0]) + "</th><td>" + escapeHtml(r[1]) + "</td></tr>";
      }).join("") + "</table>" +
      '<div class="popup-track" data-track="">' + escapeHtml(text.veh_track) + "…</div></div>";
  }

  function mark(el, item) {
    if (!el) return;
    el.dataset.vehicle = item.vehicle_code;
    el.dataset.lat = String(item.lat);
    el.dataset.lon = String(item.lon);
    el.dataset.heading = String(item.heading);
    el.dataset.stale = String(item.stale);
    el.setAttribute("title", item.vehicle_code);
  }

  function place(item) {
    var entry = markers[item.vehicle_code];
    if (!entry) {
      var marker = L.marker([item.lat, item.lon], {
        icon: iconOf(item), pane: "vehicles", keyboard: false,
      });
      marker.bindPopup("", { maxWidth: 320 });
      marker.on("click", function (event) {
        L.DomEvent.stopPropagation(event);
        showTrack(markers[item.vehicle_code].item);
      });
      marker.on("popupopen", function () {
        marker.setPopupContent(popupHtml(markers[item.vehicle_code].item));
      });
      entry = markers[item.vehicle_code] = { marker: marker, item: item };
      marker.addTo(group);
    } else {
      var old = entry.item;
      entry.item = item;
      entry.marker.setLatLng([item.lat, item.lon]);
      if (old.heading !== item.heading || old.stale !== item.stale ||
          old.vehicle_status !== item.vehicle_status) {
        entry.marker.setIcon(iconOf(item));
      }
      if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(popupHtml(item));
    }
    mark(entry.marker.getElement(), item);
    counted();
  }

  function counted() {
    var n = Object.keys(markers).length;
    var box = document.getElementById("vehicle-count");
    if (box) box.textContent = n.toLocaleString();
    document.documentElement.dataset.vehicles = String(n);
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // Every page of a paged list (the API pages in SQL; the map wants all of them).
  function allPages(url, page, items) {
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    return fetchJson(url + sep + "size=" + PAGE + "&page=" + page).then(function (data) {
      items = items.concat(data.items);
      if (page * PAGE < data.total) return allPages(url, page + 1, items);
      return items;
    });
  }

  function loadAll() {
    return allPages("/api/vehicles/positions", 1, []).then(function (items) {
      items.forEach(place);
    });
  }

  function showTrack(item) {
    var url = "/api/vehicles/" + encodeURIComponent(item.vehicle_code) + "/track?minutes=" +
      cfg.trackMinutes;
    allPages(url, 1, []).then(function (points) {
      if (trackLine) map.removeLayer(trackLine);
      var line = points.map(function (p) { return [p.lat, p.lon]; });
      trackLine = L.polyline(line, {
        pane: "vehicles", color: colour(item), weight: 4, opacity: 0.8, dashArray: "6 6",
        className: "vehicle-track",
      }).addTo(map);
      var el = trackLine.getElement();
      if (el) el.dataset.points = String(points.length);
      document.documentElement.dataset.trackPoints = String(points.length);
      var note = document.querySelector(".popup-vehicle .popup-track");
      if (note) note.textContent = text.veh_track + " · " + text.veh_track_points + " " + points.length;
    });
  }

  if (cfg.control) {
    var Control = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "leaflet-bar vehicle-control");
        div.innerHTML = '<label><input type="checkbox" id="vehicle-toggle" checked> ' +
          escapeHtml(text.veh_layer) + ' <b id="vehicle-count">0</b></label>';
        L.DomEvent.disableClickPropagation(div);
        div.querySelector("input").addEventListener("change", function (event) {
          if (event.target.checked) group.addTo(map);
          else {
            map.removeLayer(group);
            if (trackLine) map.removeLayer(trackLine);
          }
        });
        return div;
      },
    });
    new Control({ position: "topright" }).addTo(map);
  }

  loadAll().then(function () {
    document.documentElement.dataset.vehiclesReady = "true";
    if (!window.EventSource) return;
    var feed = new EventSource("/api/vehicles/positions/stream");
    feed.addEventListener("ready", function () {
      document.documentElement.dataset.vehicleFeed = "open";
    });
    feed.addEventListener("position", function (event) {
      place(JSON.parse(event.data));
    });
  });
  setInterval(loadAll, REFRESH_MS);
})();
