/* Fire statistics layers for a Leaflet map (火灾分布): the year's fires as points coloured by
   grade, and each jurisdiction's outline shaded by its fire count (choropleth). Used on /stats
   and on the 一张图. window.LanyanFireLayers(map, url, grades, lang) → Promise of
   { points, areas, count } (Leaflet layers and the number of fires drawn). */
(function () {
  "use strict";

  var SHADES = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function shade(value, max) {
    if (!value || !max) return SHADES[0];
    var i = Math.min(SHADES.length - 1, 1 + Math.floor((value / max) * (SHADES.length - 1.0001)));
    return SHADES[i];
  }

  window.LanyanFireLayers = function (map, url, grades, lang) {
    var zh = lang !== "en";
    var gradeOf = {};
    grades.forEach(function (g) { gradeOf[g.value] = g; });
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var max = 0;
        data.areas.features.forEach(function (f) { max = Math.max(max, f.properties.fires); });
        var areas = L.geoJSON(data.areas, {
          style: function (f) {
            return { color: "#7a4a1d", weight: 1.2, fillColor: shade(f.properties.fires, max),
                     fillOpacity: 0.6, className: "fire-area" };
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindTooltip(esc(p.name) + "：" + p.fires + (zh ? " 起，亡 " : " fires, deaths ") +
              p.deaths + (zh ? " 人" : ""));
          },
        });
        var points = L.geoJSON(data.points, {
          pointToLayer: function (f, latlng) {
            var g = gradeOf[f.properties.grade] || {};
            return L.circleMarker(latlng, {
              radius: f.properties.deaths ? 8 : 5, color: "#ffffff", weight: 1,
              fillColor: g.color || "#d62728", fillOpacity: 0.95,
              className: "feature feature-fire",
            });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties, g = gradeOf[p.grade] || {};
            layer.bindPopup('<div class="popup"><div class="popup-kind">' + (zh ? "火灾" : "Fire") +
              '</div><div class="popup-title">' + esc(p.code) + "</div>" +
              '<table class="popup-fields"><tr><th>' + (zh ? "日期" : "Date") + "</th><td>" + esc(p.date) +
              "</td></tr><tr><th>" + (zh ? "等级" : "Grade") + "</th><td>" + esc(zh ? g.zh : g.en) +
              "</td></tr><tr><th>" + (zh ? "伤亡" : "Casualties") + "</th><td>" + p.deaths + " / " + p.injuries +
              "</td></tr><tr><th>" + (zh ? "损失(元)" : "Loss (yuan)") + "</th><td>" +
              Math.round(p.loss_yuan).toLocaleString() + "</td></tr></table></div>");
          },
        });
        return { points: points, areas: areas, count: data.points.features.length, max: max,
                 shades: SHADES };
      });
  };
})();
