// Incident board 警情调度: everything goes through /api/incidents…; errors are shown in the page.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("board-config").textContent);
  const zh = cfg.lang === "zh";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const W = (key) => (key in cfg.words ? cfg.words[key] : key); // words of the catalogue, in the page's language
  const when = (t) => new Date(t).toLocaleString(zh ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" });
  let current = null; // the incident shown
  let rec = null; // its recommendation

  const map = L.map("board-map");
  window.__boardMap = map; // the browser test clicks at a known point
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution }).addTo(map);
  if (cfg.home.bounds) map.fitBounds(cfg.home.bounds);
  else if (cfg.home.center) map.setView(cfg.home.center, 13);
  else map.setView([33.2, 120.47], 12);
  const stations = L.layerGroup().addTo(map);
  for (const s of cfg.stations) {
    L.circleMarker([s.lat, s.lon], { radius: 7, color: "#1f4e8c", fillColor: "#2f6fc4", fillOpacity: 0.9 })
      .bindTooltip(`${esc(s.name)} (${esc(s.code)})`).addTo(stations);
  }
  // The road network (light) and every water source (damaged ones flagged) under the overlay.
  const roadsLayer = L.layerGroup().addTo(map);
  const waterLayer = L.layerGroup().addTo(map);
  let baseBox = null;
  async function loadBase() {
    if (map.getZoom() < 12) return;
    const b = map.getBounds().pad(0.3);
    if (baseBox && baseBox.contains(map.getBounds())) return;
    baseBox = b;
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5)).join(",");
    try {
      const [roads, water] = await Promise.all([
        call("GET", `/api/map/layers/roads?bbox=${bbox}`),
        call("GET", `/api/map/layers/water-sources?bbox=${bbox}`),
      ]);
      roadsLayer.clearLayers();
      L.geoJSON(roads, { interactive: false, style: { color: "#9aa3ad", weight: 2, opacity: 0.55, className: "road-line" } }).addTo(roadsLayer);
      waterLayer.clearLayers();
      for (const f of water.features) {
        const ok = f.properties.status === "intact";
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], { radius: 4, weight: 1, color: ok ? "#0277bd" : "#b3261e", fillColor: ok ? "#b3e5fc" : "#ffcdd2", fillOpacity: 1, className: ok ? "water-dot" : "water-dot water-damaged" })
          .bindTooltip(`${esc(f.properties.code)}${ok ? "" : " " + W("board_damaged")}`).addTo(waterLayer);
      }
    } catch (e) { /* the base layers are context only: the board works without them */ }
  }
  map.on("moveend", () => loadBase());
  const routesLayer = L.layerGroup().addTo(map);
  const overlay = L.layerGroup().addTo(map);
  let pick = null;
  let picked = null;

  function showError(err) {
    const box = $("board-error");
    box.textContent = err;
    box.hidden = false;
  }
  function clearError() { $("board-error").hidden = true; }

  // RFC 9457 problem → "field: rule" lines, else the title.
  async function call(method, url, body) {
    const res = await fetch(url, {
      method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const problems = (data.errors || []).map((p) => `${p.field}: ${p.rule}`).join("; ");
      throw new Error(`${W("board_failed")}: ${data.detail || data.title || res.status}${problems ? " — " + problems : ""}`);
    }
    return data;
  }

  // The place of the call (警情位置): a geocoder hit or a map click, cleared after each create.
  const form = $("new-incident");
  function setPick(lon, lat, text) {
    picked = { lon: +(+lon).toFixed(6), lat: +(+lat).toFixed(6) };
    if (pick) pick.setLatLng([picked.lat, picked.lon]); else pick = L.marker([picked.lat, picked.lon]).addTo(map);
    $("picked").textContent = text;
    $("picked").dataset.lon = picked.lon;
    $("picked").dataset.lat = picked.lat;
  }
  function clearPick() {
    picked = null;
    if (pick) { map.removeLayer(pick); pick = null; }
    $("picked").textContent = W("geo_pick_hint");
    delete $("picked").dataset.lon;
    delete $("picked").dataset.lat;
    form.elements.building_code.value = "";
    form.elements.unit_code.value = "";
  }
  function chooseHit(h) {
    setPick(h.lon, h.lat, `${W("geo_picked")}: ${W("geo_kind_" + h.kind)} ${h.label} (${h.lon}, ${h.lat})`);
    form.elements.building_code.value = h.kind === "building" ? h.code : "";
    form.elements.unit_code.value = h.kind === "unit" ? h.code : "";
    if (!form.elements.address.value.trim()) form.elements.address.value = h.label;
    map.setView([h.lat, h.lon], Math.max(map.getZoom(), 15));
  }

  map.on("click", async (e) => {
    const lon = +e.latlng.lng.toFixed(6);
    const lat = +e.latlng.lat.toFixed(6);
    setPick(lon, lat, `${W("geo_point")}: ${lon}, ${lat}`);
    form.elements.building_code.value = "";
    form.elements.unit_code.value = "";
    try {
      const snap = await call("GET", `/api/geocode/snap?lon=${lon}&lat=${lat}&within_m=${cfg.snapMetres}`);
      if (!picked || picked.lon !== lon || picked.lat !== lat) return; // a newer pick
      if (snap.building) {
        const b = snap.building;
        setPick(b.lon, b.lat, `${W("geo_snapped")} ${b.label} (${b.code}), ${Math.round(snap.distance_m)} ${W("geo_metres")}`);
        form.elements.building_code.value = b.code;
      } else {
        $("picked").textContent = `${W("geo_point")}: ${lon}, ${lat} (${cfg.snapMetres} ${W("geo_snap_far")})`;
      }
    } catch (err) { showError(err.message); }
  });

  // One search box over the geocoder, as the dispatcher types (like static/js/picker.js).
  const search = $("place-search");
  const hitsList = $("place-hits");
  let searchTimer = null;
  let searchSeq = 0;
  function showHits(open) {
    hitsList.hidden = !open;
    search.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function hitItem(h, prefix) {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.className = "place-hit";
    li.dataset.kind = h.kind;
    li.dataset.reason = h.reason;
    li.title = h.why; // the matcher's own words (with the road it took), for the curious
    li.textContent = `${prefix}${W("geo_kind_" + h.kind)} · ${h.label} · ${W("geo_confidence")} ${Math.round(h.confidence * 100)}% · ${W("geo_why_" + h.reason)}`;
    li.addEventListener("click", () => { chooseHit(h); search.value = h.label; showHits(false); });
    return li;
  }
  async function runSearch() {
    const q = search.value.trim();
    const seq = ++searchSeq;
    if (!q) { showHits(false); return; }
    hitsList.setAttribute("aria-busy", "true");
    try {
      // A town-sized view (zoom ≥ 13) is the dispatcher's context: names the text leaves
      // equal are ordered nearest its centre first. A whole-county view says nothing.
      let near = "";
      if (map.getZoom() >= 13) {
        const c = map.getCenter();
        near = `&near_lon=${c.lng.toFixed(6)}&near_lat=${c.lat.toFixed(6)}`;
      }
      const ans = await call("GET", `/api/geocode?limit=8&q=${encodeURIComponent(q)}${near}`);
      if (seq !== searchSeq) return;
      hitsList.textContent = "";
      const note = (text) => { const li = document.createElement("li"); li.className = "picker-note"; li.textContent = text; hitsList.appendChild(li); };
      if (!ans.hits.length) {
        note(W("geo_no_match"));
        if (ans.nearest) hitsList.appendChild(hitItem(ans.nearest, W("geo_nearest") + ": "));
      } else {
        if (ans.ambiguous) note(W("geo_choose"));
        for (const h of ans.hits) hitsList.appendChild(hitItem(h, ""));
      }
      hitsList.dataset.query = q;
      showHits(true);
    } catch (err) {
      if (seq !== searchSeq) return;
      hitsList.textContent = "";
      const li = document.createElement("li"); li.className = "picker-note"; li.textContent = `${W("geo_failed")}: ${err.message}`;
      hitsList.appendChild(li);
      showHits(true);
    } finally {
      if (seq === searchSeq) hitsList.removeAttribute("aria-busy");
    }
  }
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    hitsList.setAttribute("aria-busy", "true");
    searchTimer = setTimeout(runSearch, 200);
  });
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") showHits(false);
    if (ev.key === "Enter") { ev.preventDefault(); clearTimeout(searchTimer); runSearch(); }
  });

  // The active incidents, 100 a page; a last line says how many more there are and loads
  // the next page when clicked (the list never silently stops at a page).
  let listPages = 1; // pages the dispatcher has opened: the 5 s refresh keeps them
  async function loadList(pages = listPages) {
    listPages = pages;
    let items = [], total = 0;
    for (let p = 1; p <= pages; p++) {
      const data = await call("GET", `/api/incidents?status=active&size=100&page=${p}`);
      items = items.concat(data.items);
      total = data.total;
      if (items.length >= total) break;
    }
    openIncidents = items;
    $("incident-list").innerHTML = items.map((i) =>
      `<li data-id="${i.id}" data-source="${esc(i.source)}" data-located="${i.located}">${i.located ? "" : `<span class="tag-unlocated">${W("board_unlocated")}</span> `}${i.source === "iot_alarm" ? `<span class="tag-iot">${W("board_iot")}</span> ` : ""}${esc(i.code)} · ${esc(cfg.types[i.incident_type])} · ${esc(i.address)}</li>`).join("") +
      (total > items.length ? `<li class="list-more" data-pages="${pages + 1}">${esc(W("board_more").replace("{n}", total - items.length))}</li>` : "");
    for (const li of $("incident-list").querySelectorAll("li[data-id]")) li.onclick = () => open(+li.dataset.id).catch((e) => showError(e.message));
    const more = $("incident-list").querySelector("li.list-more");
    if (more) more.onclick = () => loadList(+more.dataset.pages).catch((e) => showError(e.message));
  }

  const km = (m) => (m == null ? "—" : (m / 1000).toFixed(2) + " km");
  const min = (s) => (s == null ? "—" : (s / 60).toFixed(1) + " min");

  // Where the vehicle's ETA counts from: its station, or its reported position when away.
  const startText = (v) =>
    v.start === "position"
      ? W("start_position").replace("{n}", v.reported_min_ago).replace("{km}", v.station_km)
      : W("start_station");

  function renderCard(r) {
    let html = `<p>${W("board_run_card")}: ${esc(r.run_card.label)}</p>`;
    // Committed vehicles are skipped by the recommendation, so after a dispatch the card lists
    // what could be sent in addition; say so rather than let it read as the first call.
    if (current && current.dispatches.length) html += `<p class="muted" id="rec-extra">${W("board_rec_extra")}</p>`;
    for (const g of r.requirements) {
      html += `<h4>${esc(zh ? g.zh : g.en)} × ${g.count}${g.missing ? ` <span class="tag-short">${W("board_short")} ${g.missing}</span>` : ""}</h4>`;
      html += `<table><tr><th>${W("board_vehicle")}</th><th>${W("board_station")}</th><th>${W("board_eta")}</th><th>${W("board_distance")}</th><th>${W("board_start")}</th><th></th></tr>`;
      for (const v of g.vehicles) {
        html += `<tr class="rec-vehicle" data-code="${esc(v.code)}"><td>${esc(v.code)}</td><td>${esc(v.station_name)}</td><td>${min(v.eta_s)}</td><td>${km(v.meters)}</td><td class="rec-start" data-start="${esc(v.start)}">${esc(startText(v))}</td><td>${v.reinforcement ? `<span class="tag-reinf">${W("board_cross_district")}</span>` : ""} ${reinfAction(v, g.capability)}</td></tr>`;
      }
      html += "</table>";
      for (const f of g.shortfalls || []) {
        const text = W("short_" + f.reason).replace("{n}", f.count).replace("{h}", f.height_m == null ? "" : f.height_m);
        html += `<p class="muted shortfall" data-reason="${esc(f.reason)}">${esc(text)}</p>`;
      }
    }
    html += `<h4>${W("board_nearest_water")}</h4><ul id="water">`;
    for (const w of r.water_sources) {
      html += `<li>${esc(w.code)} · ${km(w.meters)}${w.usable ? "" : ` <span class="tag-damaged">${W("board_damaged")}</span>`}</li>`;
    }
    html += "</ul>" + renderPlace(r.place);
    html += renderRoutes(r.routes || []);
    $("rec-card").innerHTML = html;
    wireCard();
  }

  // A vehicle outside the user's jurisdiction: 请求增援, then (once approved) 调派.
  function reinfAction(v, capability) {
    if (!v.needs_request) return "";
    const data = `data-code="${esc(v.code)}" data-capability="${esc(capability)}" data-eta="${v.eta_s == null ? "" : v.eta_s}"`;
    if (v.request_state === "approved") return `<button type="button" class="btn btn-small reinf-dispatch" ${data}${cfg.canWrite ? "" : " disabled"}>${esc(W("reinf_dispatch_btn"))}</button>`;
    if (v.request_state) return `<span class="reinf-state">${esc(cfg.reinforcementStates[v.request_state])}</span>`;
    return `<button type="button" class="btn btn-small reinf-request" ${data}${cfg.canWrite ? "" : " disabled"}>${esc(W("reinf_request_btn"))}</button>`;
  }

  function wireCard() {
    for (const b of $("rec-card").querySelectorAll(".reinf-request")) {
      b.onclick = async () => {
        clearError();
        const body = { vehicles: [{ vehicle_code: b.dataset.code, capability: b.dataset.capability, eta_s: b.dataset.eta === "" ? null : +b.dataset.eta }] };
        try { await call("POST", `/api/incidents/${current.id}/reinforcements`, body); await open(current.id); } catch (e) { showError(e.message); }
      };
    }
    for (const b of $("rec-card").querySelectorAll(".reinf-dispatch")) {
      b.onclick = async () => {
        clearError();
        const body = { vehicles: [{ vehicle_code: b.dataset.code, capability: b.dataset.capability, eta_s: b.dataset.eta === "" ? null : +b.dataset.eta }] };
        try { await call("POST", `/api/incidents/${current.id}/dispatch`, body); await open(current.id); } catch (e) { showError(e.message); }
      };
    }
  }

  function renderRequests(items) {
    if (!items.length) { $("reinf-list").innerHTML = `<li class="muted">${esc(W("reinf_none"))}</li>`; return; }
    $("reinf-list").innerHTML = items.map((r) =>
      `<li class="reinf-item" data-code="${esc(r.code)}" data-state="${esc(r.state)}"><b>${esc(r.code)}</b> · <span class="reinf-state">${esc(cfg.reinforcementStates[r.state])}</span> · ${esc(W("reinf_to"))}: ${esc(r.target_jurisdiction_name)} · ${r.vehicles.map((v) => esc(v.vehicle_code)).join("、")}${r.reason ? ` · ${esc(r.reason)}` : ""}${r.decided_by ? ` (${esc(r.decided_by)})` : ""}${r.can_cancel && cfg.canWrite ? ` <button type="button" class="btn btn-small reinf-cancel" data-id="${r.id}">${esc(W("reinf_cancel"))}</button>` : ""}</li>`).join("");
    for (const b of $("reinf-list").querySelectorAll(".reinf-cancel")) {
      b.onclick = async () => {
        clearError();
        try { await call("POST", `/api/reinforcements/${b.dataset.id}/cancel`, {}); await open(current.id); } catch (e) { showError(e.message); }
      };
    }
  }

  // The answering side: requests naming vehicles of my jurisdiction, with the incident's facts.
  async function loadQueue() {
    if (!cfg.canWrite) return;
    const data = await call("GET", "/api/reinforcements?status=pending&side=incoming&size=50");
    const items = data.items.filter((r) => r.can_decide);
    $("reinf-queue-block").hidden = !items.length;
    const box = $("reinf-queue");
    // Keep what the approver is typing: redraw only when the set of requests changed.
    const key = items.map((r) => r.id + ":" + r.vehicles.map((v) => v.busy || "").join("|")).join(",");
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.innerHTML = items.map((r) => {
      const i = r.incident;
      const vehicles = r.vehicles.map((v) => `<li data-code="${esc(v.vehicle_code)}">${esc(v.vehicle_code)} · ${esc(v.station_name)}${v.busy ? ` <span class="tag-short reinf-busy">${esc(W("reinf_busy"))}: ${esc(v.busy)}</span>` : ""}</li>`).join("");
      return `<li class="reinf-item" data-id="${r.id}" data-code="${esc(r.code)}"><b>${esc(r.code)}</b> · ${esc(i.code)} · ${esc(cfg.types[i.incident_type])} · ${esc(W("reinf_level"))} ${i.alarm_level}<br>${esc(i.jurisdiction_name)} · ${esc(i.address)} · ${esc(W("reinf_received"))} ${esc(when(i.received_at))}${i.summary ? `<br>${esc(i.summary)}` : ""}<br>${esc(W("reinf_from"))}: ${esc(r.requested_by)}${r.note ? ` · ${esc(r.note)}` : ""}<ul>${vehicles}</ul><textarea class="reinf-reason" rows="2" maxlength="200" placeholder="${esc(W("reinf_reason"))}" aria-label="${esc(W("reinf_reason"))}"></textarea><button type="button" class="btn btn-small btn-primary reinf-approve">${esc(W("reinf_approve"))}</button> <button type="button" class="btn btn-small reinf-refuse">${esc(W("reinf_refuse"))}</button></li>`;
    }).join("");
    for (const li of box.querySelectorAll(".reinf-item")) {
      for (const [cls, action] of [[".reinf-approve", "approve"], [".reinf-refuse", "refuse"]]) {
        li.querySelector(cls).onclick = async () => {
          clearError();
          const reason = li.querySelector(".reinf-reason").value.trim();
          try {
            await call("POST", `/api/reinforcements/${li.dataset.id}/${action}`, { reason });
            box.dataset.key = "";
            await loadQueue();
          } catch (e) { showError(e.message); }
        };
      }
    }
  }

  function renderRoutes(routes) {
    if (!routes.length) return "";
    let html = `<h4>${W("board_routes")}</h4><ul id="routes">`;
    for (const rt of routes) {
      const from = rt.vehicle ? `${esc(rt.vehicle)}（${W("board_route_from_position")}）` : esc(rt.station_name);
      html += `<li data-station="${esc(rt.station)}" data-start="${esc(rt.start || "station")}"${rt.vehicle ? ` data-vehicle="${esc(rt.vehicle)}"` : ""}><i class="route-swatch" style="background:${routeColour(routeKey(rt))}"></i>${from} → ${rt.reachable ? `${min(rt.seconds)} · ${km(rt.meters)}` : `<span class="tag-short">${W("board_unreachable")}</span> ${esc(rt.reason || "")}`}</li>`;
    }
    return html + "</ul>";
  }

  const routeKey = (rt) => (rt.vehicle ? "vehicle:" + rt.vehicle : rt.station);
  const PALETTE = ["#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457"];
  const colourOf = {};
  function routeColour(code) {
    if (!(code in colourOf)) colourOf[code] = PALETTE[Object.keys(colourOf).length % PALETTE.length];
    return colourOf[code];
  }

  function renderPlace(place) {
    if (!place) return "";
    let html = `<div id="place" class="rec-place">`;
    const b = place.building;
    if (b) {
      html += `<h4>${W("board_building")}: ${esc(b.name)}</h4><p id="building-facts">${W("board_height")} ${b.height_m} m · ${W("board_above")} ${b.floors_above} ${W("board_floors")} / ${W("board_below")} ${b.floors_below}${b.is_high_rise ? ` · <b>${W("board_high_rise")}</b>` : ""}</p>`;
    }
    const u = place.unit;
    if (u) html += `<p>${W("board_unit")}: ${esc(u.name)} · ${W("board_responsible")} ${esc(u.responsible_person || "—")} ${esc(u.responsible_phone || "")}</p>`;
    const p = place.preplan;
    html += `<h4>${W("board_preplan")}</h4>`;
    if (p) {
      html += `<div id="preplan"><a href="${esc(p.url)}" target="_blank">${esc(p.code)} ${esc(p.title)}</a> (${esc(W("board_revision").replace("{n}", p.revision))}) · <a href="${esc(p.print_url)}" target="_blank">${W("board_print")}</a>`;
      const facts = [];
      if (p.structure) facts.push(esc(p.structure));
      if (p.occupants_day != null) facts.push(`${W("board_day")} ${p.occupants_day} ${W("board_people")}`);
      if (p.occupants_night != null) facts.push(`${W("board_night")} ${p.occupants_night} ${W("board_people")}`);
      if (facts.length) html += `<br>${facts.join(" · ")}`;
      if (p.key_parts.length) html += `<br>${W("board_key_parts")}: ${p.key_parts.map(esc).join("、")}`;
      if (p.hazardous_materials.length) html += `<br><span class="tag-short">⚠ ${p.hazardous_materials.map(esc).join("、")}</span>`;
      if (p.control_room) html += `<br>${W("board_control_room")}: ${esc(p.control_room)}`;
      html += "</div>";
    } else html += `<p class="muted" id="preplan">${W("board_no_preplan")}</p>`;
    const m = place.monitoring;
    if (m && m.devices.length) {
      html += `<h4>${W("board_devices")}</h4><p id="devices">${W("board_online")} ${m.online} · ${W("board_offline")} ${m.offline} · ${W("board_never_reported")} ${m.never_reported}${m.fire_alarms_open ? ` · <span class="tag-short">${W("board_fire_alarms")} ${m.fire_alarms_open}</span>` : ""}${m.faults_open ? ` · ${W("board_faults")} ${m.faults_open}` : ""}</p>`;
    }
    if (place.risk) html += `<p id="risk">${W("board_risk_grade")}: <b>${esc(place.risk.grade ?? JSON.stringify(place.risk))}</b></p>`;
    return html + "</div>";
  }

  function drawIncident(inc, r) {
    overlay.clearLayers();
    if (inc.lat == null) return;
    const pt = [inc.lat, inc.lon];
    L.circleMarker(pt, { radius: 10, color: "#b3261e", fillColor: "#e53935", fillOpacity: 0.9 }).bindTooltip(inc.code).addTo(overlay);
    for (const w of (r ? r.water_sources : [])) {
      L.circleMarker([w.lat, w.lon], { radius: 5, color: w.usable ? "#0277bd" : "#b3261e", fillColor: w.usable ? "#4fc3f7" : "#ffcdd2", fillOpacity: 1 })
        .bindTooltip(`${w.code}${w.usable ? "" : " " + W("board_damaged")}`).addTo(overlay);
    }
    routesLayer.clearLayers();
    const bounds = L.latLngBounds([pt]);
    for (const rt of (r && r.routes) || []) {
      if (!rt.reachable || rt.path.length < 2) continue;
      const line = rt.path.map(([lon, lat]) => [lat, lon]);
      L.polyline(line, { color: routeColour(routeKey(rt)), weight: 5, opacity: 0.85, className: "route-line" + (rt.vehicle ? " route-from-position" : "") })
        .bindTooltip(`${rt.vehicle ? esc(rt.vehicle) + "（" + W("board_route_from_position") + "）" : esc(rt.station_name)} · ${min(rt.seconds)}`).addTo(routesLayer);
      for (const ll of line) bounds.extend(ll);
    }
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) map.setView(pt, Math.max(map.getZoom(), 14));
    else map.fitBounds(bounds.pad(0.15), { maxZoom: 16 });
    loadBase();
  }

  async function renderIncident(inc) {
    current = inc;
    $("incident-view").hidden = false;
    $("incident-title").textContent = `${inc.code} · ${cfg.types[inc.incident_type]} · ${inc.address}`;
    $("incident-source").innerHTML = inc.alarm_id != null
      ? `<span class="tag-iot">${W("board_iot_fire_alarm")}</span> ${W("board_alarm_no")} #${inc.alarm_id} · ${esc(inc.summary)}`
      : "";
    $("timeline").innerHTML = inc.timeline.map((s) =>
      `<li data-step="${s.step}"><b>${esc(cfg.steps[s.step])}</b> ${esc(new Date(s.at).toLocaleString(zh ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" }))} ${esc(s.recorded_by)}</li>`).join("");
    let status = {};
    if (inc.dispatches.length) {
      const vs = await call("GET", "/api/vehicles?size=500");
      for (const v of vs.items) status[v.code] = v.status;
    }
    $("dispatched").innerHTML = inc.dispatches.map((d) =>
      `<li data-code="${esc(d.vehicle_code)}">${esc(d.vehicle_code)} (${esc(d.station_code)}) · ${W("board_status")}: <span class="vehicle-status">${esc(statusLabel(status[d.vehicle_code]))}</span>${d.is_reinforcement ? ` <span class="tag-reinf">${W("board_cross_district")}</span>` : ""}</li>`).join("");
    // 调派, then 增派 at any time while the incident is open (处置中).
    const open_ = inc.status === "active";
    $("dispatch-btn").disabled = !cfg.canWrite || !open_;
    $("dispatch-btn").textContent = W(inc.dispatches.length ? "board_reinforce" : "board_dispatch");
    renderLifecycle(inc, open_);
    renderRequests(await call("GET", `/api/incidents/${inc.id}/reinforcements`));
    // A closed 火灾 incident leads to its fire statistics record (lanyan.stats).
    const closedFire = inc.incident_type === "fire" && inc.status === "closed";
    $("fire-record-link").hidden = !closedFire;
    $("fire-record-link").href = `/stats/records/new?incident=${encodeURIComponent(inc.code)}`;
  }

  const statusLabel = (s) => cfg.vehicleStatus[s] || s || "—";

  // State, level, 接警 time, the calls (多次报警) and the lifecycle forms of the incident shown.
  let openIncidents = [];
  function renderLifecycle(inc, open_) {
    $("incident-status").textContent = cfg.statuses[inc.status] || inc.status;
    $("incident-status").dataset.status = inc.status;
    $("incident-level").textContent = inc.alarm_level;
    $("incident-received").textContent = when(inc.received_at);
    $("incident-floor").textContent = inc.floor == null ? "" : ` · ${W("board_floor_n").replace("{n}", inc.floor)}`;
    if (inc.merged_into_code) $("incident-floor").textContent += ` · ${W("board_merged_into")} ${inc.merged_into_code}`;
    if (inc.cancel_reason) $("incident-floor").textContent += ` · ${cfg.cancelReasons[inc.cancel_reason]} ${inc.cancel_note}`;
    $("calls").innerHTML = inc.calls.map((c) =>
      `<li data-kind="${esc(c.kind)}"><b>${esc(cfg.callKinds[c.kind])}</b> ${esc(when(c.at))} ${esc(c.caller_name)} ${esc(c.caller_phone)}${c.alarm_id != null ? ` #${c.alarm_id}` : ""} ${esc(c.note)}</li>`).join("");
    $("incident-actions").hidden = !open_ || !cfg.canWrite;
    if (!open_) { rec = null; $("rec-card").innerHTML = ""; }
    $("level-form").elements.level.value = String(inc.alarm_level);
    const ef = $("edit-form").elements;
    ef.e_incident_type.value = inc.incident_type;
    ef.e_address.value = inc.address;
    ef.e_building_code.value = inc.building_code || "";
    ef.e_floor.value = inc.floor == null ? "" : inc.floor;
    ef.e_note.value = "";
    // 撤销 only before any dispatch; after one the incident ends with 归队.
    const sent = inc.dispatches.length > 0;
    $("cancel-form").querySelector("button").disabled = sent;
    $("cancel-form").title = sent ? W("board_cancel_sent") : "";
    const others = openIncidents.filter((i) => i.id !== inc.id);
    $("merge-form").elements.into.innerHTML = others.length
      ? others.map((i) => `<option value="${esc(i.code)}">${esc(i.code)} · ${esc(cfg.types[i.incident_type])} · ${esc(i.address)}</option>`).join("")
      : `<option value="">${esc(W("board_merge_none"))}</option>`;
  }

  function formBody(form) {
    const body = {};
    // The edit and call forms prefix their names (e_, c_) so they never clash with the new-call form.
    for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) body[k.replace(/^[ec]_/, "")] = String(v).trim();
    return body;
  }
  function onSubmit(id, send) {
    $(id).addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearError();
      try {
        const inc = await send(formBody(ev.target));
        ev.target.reset();
        for (const d of $("incident-actions").querySelectorAll("details")) d.open = false;
        await loadList();
        await open(inc.id);
      } catch (e) { showError(e.message); }
    });
  }
  onSubmit("level-form", (b) => call("POST", `/api/incidents/${current.id}/level`, { level: +b.level }));
  onSubmit("call-form", (b) => call("POST", `/api/incidents/${current.id}/calls`, b));
  onSubmit("merge-form", (b) => call("POST", `/api/incidents/${current.id}/merge`, { into: b.into || "", reason: b.reason || "" }));
  onSubmit("cancel-form", (b) => call("POST", `/api/incidents/${current.id}/cancel`, b));
  onSubmit("edit-form", (b) => {
    // Send only what differs from the incident shown: an edit names the fields it changes.
    const body = {};
    if (b.incident_type !== current.incident_type) body.incident_type = b.incident_type;
    if ((b.address || "") !== current.address) body.address = b.address || "";
    if ((b.building_code || "") !== (current.building_code || "")) body.building_code = b.building_code || "";
    const floor = b.floor === undefined ? null : +b.floor;
    if (floor !== current.floor) body.floor = floor;
    if (b.note) body.note = b.note;
    return call("PATCH", `/api/incidents/${current.id}`, body);
  });

  async function open(id) {
    clearError();
    const inc = await call("GET", `/api/incidents/${id}`);
    rec = null;
    $("rec-card").innerHTML = "";
    $("reinf-note").hidden = true;
    await renderIncident(inc);
    // A closed, cancelled or merged incident is a record: no card to dispatch from.
    if (inc.status === "active") {
      try {
        rec = await call("GET", `/api/incidents/${id}/recommendation`);
        renderCard(rec);
      } catch (e) { showError(e.message); }
    }
    drawIncident(inc, rec);
  }

  $("new-incident").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearError();
    const f = new FormData(ev.target);
    const body = {};
    for (const [k, v] of f.entries()) if (String(v).trim()) body[k] = String(v).trim();
    // No incident without a point from the board: a picked hit, a map click or a building code.
    if (!picked && !body.building_code) return showError(W("geo_need_point"));
    if (picked) Object.assign(body, picked);
    if (!body.building_code && !body.unit_code && cfg.jurisdictionCode) body.jurisdiction_code = cfg.jurisdictionCode;
    try {
      const inc = await call("POST", "/api/incidents", body);
      // The pick served this call: the next one starts clean (a stale click moved a fire 3.2 km).
      ev.target.reset();
      clearPick();
      search.value = "";
      showHits(false);
      await loadList();
      await open(inc.id);
    } catch (e) { showError(e.message); }
  });

  $("dispatch-btn").addEventListener("click", async () => {
    clearError();
    if (!rec) return showError(W("board_no_recommendation"));
    const vehicles = [];
    let skipped = 0;
    // Vehicles outside the user's jurisdiction go only under an approved reinforcement request.
    for (const g of rec.requirements) for (const v of g.vehicles) {
      if (v.needs_request && v.request_state !== "approved") { skipped += 1; continue; }
      vehicles.push({ vehicle_code: v.code, capability: g.capability, eta_s: v.eta_s });
    }
    $("reinf-note").hidden = !skipped;
    $("reinf-note").textContent = skipped ? W("reinf_skipped") : "";
    if (!vehicles.length) return showError(W("board_no_vehicle"));
    try { await renderIncident(await call("POST", `/api/incidents/${current.id}/dispatch`, { vehicles })); } catch (e) { showError(e.message); }
  });

  for (const b of document.querySelectorAll(".step-btn")) {
    b.disabled = !cfg.canWrite;
    b.addEventListener("click", async () => {
      clearError();
      try { await renderIncident(await call("POST", `/api/incidents/${current.id}/timeline`, { step: b.dataset.step })); } catch (e) { showError(e.message); }
    });
  }

  loadList().catch((e) => showError(e.message));
  loadQueue().catch((e) => showError(e.message));
  loadBase();
  // Incidents opened elsewhere (a confirmed IoT fire alarm, another dispatcher) appear by polling.
  setInterval(() => { loadList().catch(() => {}); loadQueue().catch(() => {}); }, cfg.pollMs || 5000);
})();
