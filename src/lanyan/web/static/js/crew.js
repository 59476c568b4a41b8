// The crew terminal (移动作战终端): the vehicle's assignment, its status buttons, and the
// phone's geolocation sent as the vehicle's position (when the browser allows it).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("crew-config").textContent);
  const W = (key) => config.words[key] || key;
  const $ = (id) => document.getElementById(id);
  const MOVES = ["turned_out", "en_route", "arrived", "water_on", "controlled", "returning", "back"];
  const FIELD = { turned_out: "turned_out_at", en_route: "en_route_at", arrived: "arrived_at", water_on: "water_on_at", controlled: "controlled_at", returning: "returning_at", back: "back_at" };
  const base = `/api/crew/${encodeURIComponent(config.vehicle)}`;
  let current = null;
  let map = null;
  let layer = null;
  let busy = false;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const c of children || []) node.append(c);
    return node;
  }
  function time(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleTimeString(config.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
  }
  function showError(text) { const box = $("crew-error"); box.textContent = text; box.hidden = !text; }

  async function load() {
    const res = await fetch(base, { credentials: "same-origin" });
    if (!res.ok) { showError(`${W("crew_failed")}: ${res.status}`); return; }
    render(await res.json());
  }

  async function move(status) {
    if (busy || !current || !current.dispatch) return;
    busy = true;
    try {
      const res = await fetch(`/api/dispatches/${current.dispatch.id}/status`, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ status }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        const rule = (data.errors || []).map((e) => e.rule).join("；");
        showError(`${W("crew_failed")}: ${data.detail || res.status}${rule ? "（" + rule + "）" : ""}`);
        await load();
        return;
      }
      showError("");
      render(data);
    } finally { busy = false; }
  }

  function buttons(d) {
    const nav = $("crew-buttons");
    nav.replaceChildren();
    const next = d ? d.next : [];
    for (const m of MOVES) {
      const done = d && d[FIELD[m]];
      const open = next.includes(m);
      const button = el("button", { type: "button", textContent: config.statuses[m], disabled: !open || !config.canMove });
      button.dataset.status = m;
      if (done) button.classList.add("done");
      if (open) button.classList.add("open");
      if (open && next[0] !== m) button.classList.add("skip");
      button.addEventListener("click", () => move(m));
      nav.append(button);
    }
  }

  function route(d) {
    const r = d.route;
    if (d.status === "back") return W("crew_done");
    if (!r) return W("crew_route_none");
    const from = r.to === "station" ? W("crew_route_to_station")
      : r.start === "position" ? W("crew_route_from_position") : W("crew_route_from_station");
    if (r.seconds == null) return `${from}；${W("crew_route_none")}`;
    const mins = String(Math.max(1, Math.round(r.seconds / 60)));
    return `${from}；${W("crew_route_eta").replace("{d}", r.meters).replace("{m}", mins)}`;
  }

  function drawMap(d) {
    if (!window.L || d.lat == null) return;
    if (!map) {
      map = L.map("crew-map", { zoomControl: true, attributionControl: false, maxZoom: 19 });
      if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
      layer = L.layerGroup().addTo(map);
    }
    layer.clearLayers();
    const pt = [d.lat, d.lon];
    const bounds = L.latLngBounds([pt]);
    L.circleMarker(pt, { radius: 9, color: "#b3261e", fillColor: "#e53935", fillOpacity: 0.9 }).addTo(layer);
    const r = d.route;
    if (r) {
      const from = [r.from_lat, r.from_lon];
      L.circleMarker(from, { radius: 7, color: "#0d47a1", fillColor: "#1e88e5", fillOpacity: 1 }).addTo(layer);
      bounds.extend(from);
      if (r.path.length > 1) {
        const line = r.path.map(([lon, lat]) => [lat, lon]);
        L.polyline(line, { color: "#1565c0", weight: 5, opacity: 0.85, className: "crew-route-line" }).addTo(layer);
        for (const ll of line) bounds.extend(ll);
      }
    }
    map.invalidateSize();
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) map.setView(pt, 15);
    else map.fitBounds(bounds.pad(0.15), { maxZoom: 17 });
  }

  function place(d) {
    const box = $("crew-place");
    box.replaceChildren();
    const p = d.place;
    if (!p || (!p.building && !p.unit)) { box.append(el("p", { textContent: W("crew_place_none") })); return; }
    if (p.building) {
      const b = p.building;
      const bits = [b.name];
      if (b.height_m != null) bits.push(W("crew_height").replace("{h}", b.height_m));
      if (b.floors_above != null) bits.push(W("crew_floors").replace("{a}", b.floors_above).replace("{b}", b.floors_below || 0));
      if (b.is_high_rise) bits.push(W("crew_high_rise"));
      box.append(el("p", { textContent: bits.join("，") }));
    }
    if (p.unit) {
      const u = p.unit;
      const who = [u.name, u.manager_person || u.responsible_person, u.manager_phone || u.responsible_phone].filter(Boolean).join(" ");
      box.append(el("p", { textContent: `${W("crew_unit_contact")}：${who}` }));
    }
  }

  function render(data) {
    current = data;
    const d = data.dispatch;
    document.body.dataset.status = d ? d.status : "none";
    $("crew-status").textContent = d ? config.statuses[d.status] : "—";
    buttons(d);
    $("crew-none").hidden = !!d;
    $("crew-main").hidden = !d;
    if (!d) return;
    if (d.status === "back") $("crew-status").textContent = `${config.statuses.back} · ${W("crew_done")}`;
    $("crew-incident").textContent = `${d.incident_code} · ${config.types[d.incident_type] || d.incident_type}`;
    $("crew-address").textContent = d.address || "—";
    $("crew-type").replaceChildren(el("span", { className: "crew-level", textContent: W("crew_level_n").replace("{n}", d.alarm_level) }));
    $("crew-route").textContent = route(d);
    $("crew-water").replaceChildren(...(d.water.length
      ? d.water.map((w) => el("li", { textContent: `${w.code} ${config.waterKinds[w.kind] || w.kind} ${w.meters} ${W("crew_meters")}${w.address ? " · " + w.address : ""}` }))
      : [el("li", { textContent: W("crew_water_none") })]));
    place(d);
    $("crew-preplan").replaceChildren(d.preplan_id
      ? el("a", { href: `/preplans/${d.preplan_id}`, textContent: W("crew_preplan_open") })
      : document.createTextNode(W("crew_preplan_none")));
    $("crew-times").replaceChildren(...MOVES.map((m) => el("tr", { className: d[FIELD[m]] ? "done" : "" }, [
      el("th", { textContent: config.statuses[m] }), el("td", { textContent: time(d[FIELD[m]]) }),
    ])));
    const s = d.response_s;
    $("crew-response").textContent = s == null ? "" : `${W("crew_response")}：${W("crew_minutes").replace("{m}", Math.floor(s / 60)).replace("{s}", Math.round(s % 60))}`;
    $("crew-response").dataset.seconds = s == null ? "" : String(s);
    drawMap(d);
  }

  // The phone's position, at most every 15 s, through the vehicles service.
  let lastSent = 0;
  function located(pos) {
    const now = Date.now();
    if (now - lastSent < 15000) return;
    lastSent = now;
    const c = pos.coords;
    const body = { lat: c.latitude, lon: c.longitude, at: new Date(pos.timestamp || now).toISOString() };
    if (c.speed != null && c.speed >= 0) body.speed_kmh = Math.min(300, c.speed * 3.6);
    if (c.heading != null && c.heading >= 0) body.heading = Math.round(c.heading) % 360;
    fetch(`/api/vehicles/${encodeURIComponent(config.vehicle)}/position`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).then((res) => {
      const gps = $("crew-gps");
      if (res.ok) { gps.classList.add("on"); gps.textContent = W("crew_gps_sent").replace("{t}", time(new Date(now).toISOString())); gps.dataset.sent = String(Number(gps.dataset.sent || 0) + 1); }
    }).catch(() => {});
  }
  if (config.canLocate && navigator.geolocation) {
    navigator.geolocation.watchPosition(located, () => { $("crew-gps").textContent = W("crew_gps_off"); },
      { enableHighAccuracy: true, maximumAge: 10000 });
  }

  load();
  setInterval(() => { if (!busy) load(); }, 15000);
})();
