// The station terminal (出动终端): turnout orders by server-sent events, a WebAudio alert, the
// printable 出车单 (A4 or 80 mm receipt) and the 签收 button.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const W = (key) => config.words[key] || key;
  const $ = (id) => document.getElementById(id);
  const shown = new Map();
  let audio = null;

  function fmt(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.toLocaleString(config.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
  }
  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const c of children || []) node.append(c);
    return node;
  }
  function showError(text) { const box = $("to-error"); box.textContent = text; box.hidden = false; }

  // WebAudio beep: a browser may block sound until a user gesture, hence the 启用提示音 button.
  $("to-sound").addEventListener("click", () => {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    audio.resume().then(() => { $("to-sound").textContent = W("to_sound_ready"); beep(1); });
  });
  // Each alert is counted on <body data-alerts>, each alert actually sounded on data-beeps.
  function beep(times) {
    if (!audio || audio.state !== "running") return;
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    for (let i = 0; i < times; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      const t = audio.currentTime + i * 0.5;
      osc.start(t);
      osc.stop(t + 0.3);
    }
  }

  // A4 or 80 mm receipt: the page's @page size and the sheet's width follow the toggle.
  for (const radio of document.querySelectorAll("input[name=paper]")) {
    radio.addEventListener("change", () => {
      const receipt = radio.value === "receipt" && radio.checked;
      document.body.classList.toggle("paper-receipt", receipt);
      document.body.classList.toggle("paper-a4", !receipt);
      $("to-page").textContent = receipt
        ? "@page { size: 80mm auto; margin: 4mm; }"
        : "@page { size: A4 portrait; margin: 12mm 10mm; }";
    });
  }

  function row(label, value) {
    return el("tr", {}, [el("th", { textContent: label }), el("td", {}, [value])]);
  }
  function route(o) {
    const parts = [];
    const mins = o.eta_s == null ? null : String(Math.max(1, Math.round(o.eta_s / 60)));
    if (mins && o.road_m != null) parts.push(W("to_route_road").replace("{d}", o.road_m).replace("{m}", mins));
    else if (mins) parts.push(W("to_route_eta").replace("{m}", mins));
    if (mins && o.eta_source) parts.push(W("to_eta_" + o.eta_source));
    if (o.distance_m != null) parts.push((parts.length ? "；" : "") + W("to_route_line").replace("{d}", o.distance_m));
    return parts.length ? parts.join("") : W("to_route_none");
  }
  function water(o) {
    if (!o.water.length) return document.createTextNode(W("to_water_none"));
    return el("ul", {}, o.water.map((w) => el("li", {
      textContent: `${w.code} ${config.waterKinds[w.kind] || w.kind} ${w.meters} ${W("to_meters")}${w.address ? " · " + w.address : ""}`,
    })));
  }
  function ackState(o, box) {
    box.replaceChildren();
    if (o.acknowledged_at) {
      box.append(el("span", { className: "to-acked", textContent: `${W("to_acked")} ${fmt(o.acknowledged_at)} ${o.acknowledged_by || ""}` }));
      return;
    }
    if (!config.canAck) return;
    const button = el("button", { type: "button", className: "to-ack", textContent: W("to_ack") });
    button.addEventListener("click", async () => {
      button.disabled = true;
      const res = await fetch(`/api/dispatches/${o.id}/acknowledge`, { method: "POST", credentials: "same-origin" });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) { button.disabled = false; showError(`${W("to_failed")}: ${data.detail || res.status}`); return; }
      shown.get(o.id).classList.remove("fresh");
      ackState(data, box);
    });
    box.append(button, el("button", { type: "button", textContent: W("to_print"), onclick: () => window.print() }));
  }
  function sheet(o) {
    const vehicles = el("ul", {}, o.vehicles.map((v) => el("li", {}, [
      `${v.code} ${config.vehicleTypes[v.type] || v.type} `,
      el("a", { className: "to-crew no-print", href: `/crew/${encodeURIComponent(v.code)}`, textContent: W("to_crew") }),
    ])));
    const plan = o.preplan_id
      ? el("a", { href: `/preplans/${o.preplan_id}`, textContent: W("to_preplan_open") })
      : document.createTextNode(W("to_preplan_none"));
    const actions = el("div", { className: "to-actions" });
    const card = el("section", { className: "to-sheet" + (o.acknowledged_at ? "" : " fresh"), id: `order-${o.id}` }, [
      el("h2", { textContent: W("to_sheet") }),
      el("table", {}, [el("tbody", {}, [
        row(W("to_incident"), o.incident_code),
        row(W("to_address"), o.address || "—"),
        row(W("to_type"), config.types[o.incident_type] || o.incident_type),
        row(W("to_level"), el("span", { className: "to-level", textContent: W("to_level_n").replace("{n}", o.alarm_level) })),
        row(W("to_vehicles"), vehicles),
        row(W("to_route"), route(o)),
        row(W("to_water"), water(o)),
        row(W("to_preplan"), plan),
        row(W("to_dispatched"), `${fmt(o.dispatched_at)} · ${o.station_name}`),
      ])]),
      actions,
    ]);
    ackState(o, actions);
    return card;
  }

  // One 出车单 per incident and dispatch time: the vehicles of one commit share a sheet.
  function add(o) {
    const key = `${o.incident_id}@${o.dispatched_at}`;
    if (shown.has(o.id) || document.querySelector(`[data-key="${CSS.escape(key)}"]`)) {
      shown.set(o.id, document.querySelector(`[data-key="${CSS.escape(key)}"]`));
      return;
    }
    const card = sheet(o);
    card.dataset.key = key;
    shown.set(o.id, card);
    $("to-orders").prepend(card);
    $("to-empty").hidden = true;
    if (!o.acknowledged_at) {
      document.body.dataset.alerts = String(Number(document.body.dataset.alerts || 0) + 1);
      beep(3);
    }
  }

  const source = new EventSource(`/api/stations/${encodeURIComponent(config.station)}/orders/stream`);
  source.addEventListener("ready", () => { $("to-status").textContent = W("to_connected"); });
  source.addEventListener("order", (event) => add(JSON.parse(event.data)));
  source.onerror = () => { $("to-status").textContent = W("to_reconnecting"); };
})();
