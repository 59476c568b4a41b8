/* /stats: the analysis drawn with the vendored ECharts — the four figures by year, cause,
   place, month, hour, weekday and jurisdiction — and the fire map (points + choropleth). */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var cfg = JSON.parse(document.getElementById("stats-config").textContent);
  var zh = cfg.lang !== "en";
  var T = function (a, b) { return zh ? a : b; };
  var charts = [];

  function chart(id, option) {
    var c = echarts.init(document.getElementById(id), null, { renderer: "svg" });
    c.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" },
                                grid: { left: 50, right: 20, top: 30, bottom: 40 } }, option));
    charts.push(c);
    return c;
  }

  var years = data.by_year.map(function (y) { return String(y.year); });
  chart("chart-trend", {
    legend: { top: 0 },
    grid: { left: 50, right: 70, top: 36, bottom: 30 },
    xAxis: { type: "category", data: years },
    yAxis: [
      { type: "value", name: T("起 / 人", "count"), minInterval: 1 },
      { type: "value", name: T("万元", "10k yuan"), position: "right" },
    ],
    series: [
      { name: T("起数", "Fires"), type: "bar", data: data.by_year.map(function (y) { return y.fires; }) },
      { name: T("死亡", "Deaths"), type: "line", data: data.by_year.map(function (y) { return y.deaths; }) },
      { name: T("受伤", "Injuries"), type: "line", data: data.by_year.map(function (y) { return y.injuries; }) },
      { name: T("直接财产损失", "Loss"), type: "line", yAxisIndex: 1, lineStyle: { type: "dashed" },
        data: data.by_year.map(function (y) { return +(y.loss_yuan / 10000).toFixed(2); }) },
    ],
  });

  function pie(id, rows) {
    chart(id, {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", orient: "vertical", right: 0, top: 10, bottom: 10 },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["38%", "52%"],
                 data: rows.filter(function (r) { return r.fires; }).map(function (r) {
                   return { name: zh ? r.zh : r.en, value: r.fires, itemStyle: { color: r.color } };
                 }) }],
    });
  }
  pie("chart-cause", data.by_cause);

  function bars(id, labels, rows, color, rotate) {
    chart(id, {
      xAxis: { type: "category", data: labels, axisLabel: { rotate: rotate || 0, interval: 0 } },
      yAxis: { type: "value", minInterval: 1, name: T("起", "fires") },
      series: [{ type: "bar", name: T("起数", "Fires"), itemStyle: { color: color },
                 data: rows.map(function (r) { return r.fires; }) }],
    });
  }
  var places = data.by_place;
  chart("chart-place", {
    grid: { left: 110, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: places.map(function (p) { return zh ? p.zh : p.en; }), inverse: true },
    series: [{ type: "bar", name: T("起数", "Fires"),
               data: places.map(function (p) { return { value: p.fires, itemStyle: { color: p.color } }; }) }],
  });
  bars("chart-month", data.by_month.map(function (m) { return m.month + T("月", ""); }), data.by_month, "#e6550d");
  bars("chart-hour", data.by_hour.map(function (h) { return String(h.hour); }), data.by_hour, "#1f77b4");
  bars("chart-weekday", data.by_weekday.map(function (w) { return zh ? w.zh : w.en; }), data.by_weekday, "#9467bd");
  bars("chart-jurisdiction", data.by_jurisdiction.map(function (j) { return j.name; }),
       data.by_jurisdiction, "#d62728", data.by_jurisdiction.length > 6 ? 30 : 0);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.getElementById("stats-charts").dataset.ready = "true";

  var mapEl = document.getElementById("stats-map");
  var map = L.map(mapEl, { minZoom: 3, maxZoom: 19 });
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution }).addTo(map);
  if (cfg.home.bounds) map.fitBounds(cfg.home.bounds);
  else if (cfg.home.center) map.setView(cfg.home.center, 11);
  else map.setView([33.2, 120.5], 9);
  window.LanyanFireLayers(map, cfg.mapUrl, cfg.grades, cfg.lang).then(function (layers) {
    layers.areas.addTo(map);
    layers.points.addTo(map);
    L.control.layers(null, (function () {
      var o = {};
      o[T("火灾点位", "Fires")] = layers.points;
      o[T("区域火灾起数", "Fires per area")] = layers.areas;
      return o;
    })(), { collapsed: false }).addTo(map);
    var all = L.featureGroup([layers.areas, layers.points]).getBounds();
    if (all.isValid()) map.fitBounds(all, { padding: [20, 20], maxZoom: 14 });
    mapEl.dataset.count = String(layers.count);
    mapEl.dataset.ready = "true";
  }).catch(function () { mapEl.dataset.ready = "failed"; });
})();
