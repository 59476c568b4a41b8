/* Plan dashboard: draws the status summary, one chart per indicator (a gauge for percentages,
   value-against-target bars otherwise), the trend of the selected indicator and the projects
   Gantt from the JSON the page embeds. ECharts is served from /static/vendor/echarts. */
(function () {
  "use strict";
  const root = document.getElementById("plan-dashboard");
  const data = JSON.parse(document.getElementById("plan-data").textContent);
  const zh = root.dataset.lang === "zh";
  const charts = [];
  const statusOf = Object.fromEntries(data.statuses.map((s) => [s.value, s]));
  const stateOf = Object.fromEntries(data.states.map((s) => [s.value, s]));
  const label = (o) => (zh ? o.zh : o.en);
  // Unit words and labels come from the page's catalogue (zh-CN or English), never the raw value.
  const unitWord = (u) => data.units[u] || u;
  const words = data.words;
  const FONT = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';

  function make(el) {
    const chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "—";
    return Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(2);
  }

  // Status summary: a donut of indicator statuses.
  make(document.getElementById("status-chart")).setOption({
    textStyle: { fontFamily: FONT },
    tooltip: { trigger: "item" },
    series: [{
      type: "pie",
      radius: ["45%", "75%"],
      label: { formatter: "{b}\n{c}" },
      data: data.statuses.map((s) => ({
        name: label(s), value: data.counts[s.value], itemStyle: { color: s.color },
      })).filter((d) => d.value > 0),
    }],
  });

  // One chart per indicator.
  for (const ind of data.indicators) {
    const el = document.getElementById("chart-" + ind.id);
    const color = statusOf[ind.status].color;
    const chart = make(el);
    const target = ind.target_this_year !== null ? ind.target_this_year : ind.target;
    if (ind.value === null) {
      chart.setOption({
        textStyle: { fontFamily: FONT },
        title: {
          text: label(statusOf.no_data), subtext: words.target + " " + fmt(target) + " " + unitWord(ind.unit),
          left: "center", top: "middle", textStyle: { color: "#969696", fontSize: 16 },
        },
      });
    } else if (ind.unit === "%") {
      const hi = Math.max(100, ind.value, target);
      const goodAbove = ind.comparison === "at_least";
      const cut = Math.min(1, target / hi);
      chart.setOption({
        textStyle: { fontFamily: FONT },
        series: [{
          type: "gauge", min: 0, max: hi, radius: "95%", center: ["50%", "62%"],
          startAngle: 200, endAngle: -20, splitNumber: 4,
          axisLine: { lineStyle: { width: 10, color: goodAbove
            ? [[cut, "#f4a6a0"], [1, "#9fd5a3"]] : [[cut, "#9fd5a3"], [1, "#f4a6a0"]] } },
          pointer: { width: 4, itemStyle: { color } },
          axisTick: { show: false }, splitLine: { length: 6 }, axisLabel: { fontSize: 9, distance: 12 },
          detail: { formatter: (v) => fmt(v) + "%", fontSize: 16, offsetCenter: [0, "35%"], color },
          title: { offsetCenter: [0, "62%"], fontSize: 10 },
          data: [{ value: ind.value, name: words.target + " " + fmt(target) + "%" }],
        }],
      });
    } else {
      chart.setOption({
        textStyle: { fontFamily: FONT },
        grid: { left: 50, right: 16, top: 14, bottom: 24 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: [words.actual, words.target] },
        yAxis: { type: "value", name: unitWord(ind.unit), nameTextStyle: { fontSize: 9 }, axisLabel: { fontSize: 9 } },
        series: [{
          type: "bar", barWidth: "45%", label: { show: true, position: "top", formatter: (p) => fmt(p.value) },
          data: [{ value: ind.value, itemStyle: { color } }, { value: target, itemStyle: { color: "#9aa7b8" } }],
        }],
      });
    }
  }

  // Trend of the selected indicator, with its target.
  const trend = make(document.getElementById("trend-chart"));
  const select = document.getElementById("trend-select");
  function drawTrend(id) {
    const ind = data.indicators.find((i) => i.id === id);
    const years = Object.keys(ind.series);
    trend.setOption({
      textStyle: { fontFamily: FONT },
      grid: { left: 56, right: 30, top: 30, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: years },
      yAxis: { type: "value", name: unitWord(ind.unit), scale: true },
      series: [{
        type: "line", name: ind.name, connectNulls: false, symbolSize: 7,
        data: years.map((y) => ind.series[y]),
        itemStyle: { color: statusOf[ind.status].color },
        markLine: { symbol: "none", label: { formatter: words.target + " " + fmt(ind.target) + " " + unitWord(ind.unit) },
          lineStyle: { type: "dashed", color: "#0b5cad" }, data: [{ yAxis: ind.target }] },
      }],
    }, true);
    select.value = id;
  }
  select.addEventListener("change", () => drawTrend(select.value));
  for (const card of document.querySelectorAll(".indicator-card")) {
    card.addEventListener("click", () => drawTrend(card.dataset.indicator));
  }
  const firstWithData = data.indicators.find((i) => i.value !== null) || data.indicators[0];
  drawTrend(firstWithData.id);

  // Projects Gantt: a bar from the plan's start to each project's due year, milestones on it.
  const projects = data.projects.slice().reverse();
  const start = data.plan.period_start;
  const end = data.plan.period_end;
  const milestones = [];
  projects.forEach((p, row) => {
    for (const m of p.milestones) {
      const late = m.late || m.reached_late;
      milestones.push({
        value: [m.year, row], name: m.name,
        symbol: m.reached_on ? "circle" : "emptyCircle",
        itemStyle: { color: late ? "#d73027" : "#1d2433" },
        reached: m.reached_on,
      });
    }
  });
  make(document.getElementById("gantt-chart")).setOption({
    textStyle: { fontFamily: FONT },
    grid: { left: 220, right: 24, top: 20, bottom: 30 },
    tooltip: {
      formatter: (p) => p.seriesType === "scatter"
        ? `${projects[p.value[1]].name}<br>${p.value[0]} ${p.name}${p.data.reached ? " ✓" + p.data.reached : ""}`
        : `${projects[p.dataIndex].name}<br>${label(stateOf[projects[p.dataIndex].state])}`,
    },
    xAxis: { type: "value", min: start - 0.5, max: end + 0.5, interval: 1,
      axisLabel: { formatter: (v) => (Number.isInteger(v) ? String(v) : "") } },
    yAxis: { type: "category", data: projects.map((p) => p.name),
      axisLabel: { width: 200, overflow: "truncate", fontSize: 11 } },
    series: [
      { type: "bar", stack: "g", silent: true, itemStyle: { color: "transparent" },
        data: projects.map(() => start - 0.5) },
      { type: "bar", stack: "g", barWidth: 12,
        data: projects.map((p) => ({ value: p.due_year - start + 1, itemStyle: { color: stateOf[p.state].color, opacity: 0.55 } })) },
      { type: "scatter", symbolSize: 9, data: milestones, z: 5 },
    ],
  });

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  root.dataset.charts = String(charts.length);
  root.dataset.ready = "true";
})();
