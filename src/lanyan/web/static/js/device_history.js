/* /monitoring/devices/{code}: messages per day as bars, silent days marked red on the axis. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("dev-data").textContent);
  var T = data.text;
  var box = document.getElementById("dev-chart");
  var chart = echarts.init(box, null, { renderer: "svg" });
  var silent = data.frames.map(function (n) { return n ? null : 0; });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 56, right: 16, top: 16, bottom: 40 },
    xAxis: { type: "category", data: data.days,
             axisLabel: { formatter: function (d) { return d.slice(5); } } },
    yAxis: { type: "value", minInterval: 1, name: T.dev_frames },
    series: [
      { name: T.dev_frames, type: "bar", data: data.frames, itemStyle: { color: "#2f6db5" } },
      { name: T.dev_silent, type: "scatter", data: silent, symbol: "rect", symbolSize: [8, 4],
        itemStyle: { color: "#c8102e" }, tooltip: { show: false } },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
  box.dataset.ready = "true";
})();
