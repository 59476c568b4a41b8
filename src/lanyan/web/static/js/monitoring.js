/* 监控中心: the live alarm desk. The list is read from /api/monitoring/alarms and kept current
   by the server-sent events of /api/monitoring/alarms/stream (upserts by alarm id, so an event
   that arrives before or after the list read does no harm). Open fire alarms sit at the top in
   red; a new one flashes (no sound: control rooms have their own sounders). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("mon-config").textContent);
  var T = config.text;
  var alarms = new Map();
  var page = 1;
  var PAGE_SIZE = 100;
  var OPEN = { active: true, confirmed: true };
  var list = document.getElementById("alarm-list");
  var errorBox = document.getElementById("mon-error");
  var liveState = document.getElementById("live-state");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function localTime(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleString(config.lang === "zh" ? "zh-CN" : "en-GB", {
      timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(config.lang === "zh" ? "zh-CN" : "en-GB", {
      timeZone: "Asia/Shanghai", hour12: false, hour: "2-digit", minute: "2-digit",
    });
  }

  function pct(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(0) + "%";
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function problemText(body, status) {
    if (!body) return String(status);
    var parts = [body.detail || body.title || String(status)];
    (body.errors || []).forEach(function (e) { parts.push(e.field + ": " + e.rule); });
    return parts.join(" · ");
  }

  function api(method, url, payload) {
    var init = { method: method, credentials: "same-origin", headers: {} };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok) throw new Error(problemText(body, r.status));
        return body;
      });
    });
  }

  // --- filters and order -------------------------------------------------------------------

  function filters() {
    return {
      kind: document.getElementById("filter-kind").value,
      status: document.getElementById("filter-status").value,
      open: document.getElementById("filter-open").checked,
    };
  }

  function passes(a) {
    var f = filters();
    if (f.kind && a.kind !== f.kind) return false;
    if (f.status && a.status !== f.status) return false;
    if (f.open && !OPEN[a.status]) return false;
    return true;
  }

  function rank(a) {
    if (OPEN[a.status] && a.kind === "fire") return 0;
    return OPEN[a.status] ? 1 : 2;
  }

  function ordered() {
    return Array.from(alarms.values()).filter(passes).sort(function (x, y) {
      return rank(x) - rank(y) || (y.raised_at > x.raised_at ? 1 : y.raised_at < x.raised_at ? -1 : y.id - x.id);
    });
  }

  // --- rendering ---------------------------------------------------------------------------

  function badge(choice, value, cls) {
    var c = choice[value] || { label: value, color: "#777" };
    var b = el("span", { className: "badge " + (cls || "") }, [el("i", { style: "background:" + c.color })]);
    b.appendChild(document.createTextNode(c.label));
    return b;
  }

  function marker(cls, text) {
    return el("span", { className: "mon-mark " + cls, text: text });
  }

  // 现场确认: the unit's control room records what it found on an unhandled fire alarm, once.
  function siteActions(a) {
    if (!config.canSite || a.kind !== "fire" || a.status !== "active" || a.site) return null;
    var box = el("div", { className: "alarm-actions site-actions" });
    [["fire", T.site_fire, "btn-fire"], ["false", T.site_false, ""], ["test", T.site_test, ""]]
      .forEach(function (v) {
        box.appendChild(el("button", { type: "button", className: "btn btn-small act-site " + v[2],
                                       "data-action": "site-confirmation", "data-verdict": v[0],
                                       text: v[1] }));
      });
    return box;
  }

  function siteLine(a) {
    if (!a.site) return null;
    var waited = Math.round((new Date(a.site.at) - new Date(a.raised_at)) / 1000);
    return el("div", { className: "alarm-site", "data-verdict": a.site.verdict,
                       text: T.site + ": " + (config.lang === "zh" ? a.site.verdict_zh : a.site.verdict_en) +
                             " · " + a.site.by + " " + localTime(a.site.at) +
                             " (" + T.site_after.replace("{s}", waited) + ")" +
                             (a.site.note ? " — " + a.site.note : "") });
  }

  function actions(a) {
    if (!config.canHandle || a.status !== "active") return null;
    var box = el("div", { className: "alarm-actions" });
    if (a.kind === "fire") {
      box.appendChild(el("button", { type: "button", className: "btn btn-small btn-fire act-confirm",
                                     "data-action": "confirm", text: T.confirm }));
      box.appendChild(el("button", { type: "button", className: "btn btn-small act-false",
                                     "data-action": "false-alarm", text: T.false }));
    } else {
      box.appendChild(el("button", { type: "button", className: "btn btn-small act-ack",
                                     "data-action": "acknowledge", text: T.ack }));
      box.appendChild(el("button", { type: "button", className: "btn btn-small act-false",
                                     "data-action": "false-alarm", text: T.false }));
    }
    return box;
  }

  // An unregistered sender's alarm (未登记设备): one step binds the sender to a registry
  // device, and its quarantined frames and alarms become that device's.
  function binder(a) {
    if (!config.canBind || !a.unverified) return null;
    return el("div", { className: "alarm-bind" }, [
      el("input", { className: "bind-device", maxlength: "64", placeholder: T.bind_hint,
                    "aria-label": T.bind_hint }),
      el("button", { type: "button", className: "btn btn-small act-bind", text: T.bind }),
    ]);
  }

  function alarmItem(a) {
    var unit = a.unit ? a.unit.name : (a.source || "—");
    var where = [a.building ? a.building.name : null, a.location || a.point].filter(Boolean).join(" · ");
    var marks = el("div", { className: "alarm-marks" }, [
      badge(config.kinds, a.kind, "alarm-kind"),
      badge(config.statuses, a.status, "alarm-status"),
      a.escalated ? marker("mark-escalated", T.escalated) : null,
      a.test_mode ? marker("mark-test", T.test_bit) : null,
      a.unverified ? marker("mark-unverified", T.unverified) : null,
      // The device's reset (复位) is shown, never taken as a decision: the fire stays open.
      a.reset_at ? marker("mark-reset", T.reset_at.replace("{t}", clock(a.reset_at))) : null,
      a.repeats > 1 ? marker("mark-repeats", T.repeats.replace("{n}", a.repeats)) : null,
    ]);
    var handled = a.handled_by
      ? el("div", { className: "alarm-handled muted",
                    text: T.handled + ": " + a.handled_by + " " + localTime(a.handled_at) +
                          (a.note ? " — " + a.note : "") })
      : null;
    var li = el("li", {
      className: "alarm alarm-" + a.kind + " alarm-" + a.status + (rank(a) === 0 ? " alarm-hot" : ""),
      "data-id": String(a.id), "data-kind": a.kind, "data-status": a.status,
      "data-escalated": String(a.escalated), "data-test": String(a.test_mode),
    }, [
      el("div", { className: "alarm-head" }, [
        el("span", { className: "alarm-unit", text: unit }),
        el("span", { className: "alarm-time muted", text: localTime(a.raised_at) }),
      ]),
      marks,
      el("div", { className: "alarm-where", text: where || "—" }),
      a.detail ? el("div", { className: "alarm-detail muted",
                             text: config.lang === "zh" ? a.detail_zh : a.detail_en }) : null,
      siteLine(a),
      handled,
      actions(a),
      siteActions(a),
      binder(a),
    ]);
    return li;
  }

  function render(flashIds) {
    var items = ordered();
    list.replaceChildren.apply(list, items.map(alarmItem));
    (flashIds || []).forEach(function (id) {
      var node = list.querySelector('[data-id="' + id + '"]');
      if (node) node.classList.add("alarm-flash");
    });
    document.getElementById("alarm-empty").hidden = items.length > 0 || groupCount > 0;
    var fires = 0, faults = 0;
    alarms.forEach(function (a) {
      if (a.status !== "active") return;
      if (a.kind === "fire") fires += 1;
      else if (a.kind === "fault") faults += 1;
    });
    setCounter("count-fire", fires);
    setCounter("count-fault", faults);
  }

  function setCounter(id, n) {
    var node = document.getElementById(id);
    node.dataset.count = String(n);
    node.querySelector("b").textContent = String(n);
  }

  // --- reading -----------------------------------------------------------------------------

  // Offline alarms (离线) come as one card per unit unless the kind filter asks for them.
  function grouped() { return filters().kind !== "offline"; }

  var groupList = document.getElementById("offline-groups");
  var groupCount = 0;
  var groupTimer = null;

  function groupItem(g) {
    var name = g.unit ? g.unit.name : T.no_unit;
    var li = el("li", { className: "alarm alarm-offline offline-group",
                        "data-unit": g.unit ? g.unit.code : "", "data-devices": String(g.devices) }, [
      el("div", { className: "alarm-head" }, [
        el("span", { className: "alarm-unit", text: name }),
        el("span", { className: "alarm-time muted", text: T.offline_since + " " + localTime(g.since) }),
      ]),
      el("div", { className: "alarm-marks" }, [
        badge(config.kinds, "offline", "alarm-kind"),
        marker("mark-offline-count", T.offline_group.replace("{n}", g.devices)),
        g.acknowledged ? marker("mark-repeats", T.offline_acked.replace("{n}", g.acknowledged)) : null,
      ]),
      g.unit ? el("button", { type: "button", className: "btn btn-small group-toggle",
                              "aria-expanded": "false", text: T.offline_expand }) : null,
      el("ul", { className: "group-devices", hidden: "" }),
    ]);
    return li;
  }

  function loadGroups() {
    if (!grouped()) {
      groupCount = 0;
      groupList.replaceChildren();
      return Promise.resolve();
    }
    return api("GET", "/api/monitoring/offline-units").then(function (groups) {
      groupCount = groups.length;
      groupList.replaceChildren.apply(groupList, groups.map(groupItem));
      document.getElementById("alarm-empty").hidden = alarms.size > 0 || groupCount > 0;
    }).catch(function (e) { showError(e.message); });
  }

  function scheduleGroups() {
    if (groupTimer !== null) return;
    groupTimer = setTimeout(function () { groupTimer = null; loadGroups(); }, 1000);
  }

  groupList.addEventListener("click", function (event) {
    var button = event.target.closest("button.group-toggle");
    if (!button) return;
    var card = button.closest(".offline-group");
    var box = card.querySelector(".group-devices");
    if (!box.hidden) {
      box.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.textContent = T.offline_expand;
      return;
    }
    var params = new URLSearchParams({ kind: "offline", open: "true", unit: card.dataset.unit, size: "500" });
    api("GET", "/api/monitoring/alarms?" + params.toString()).then(function (body) {
      box.replaceChildren.apply(box, body.items.map(function (a) {
        return el("li", { className: "group-device", "data-device": a.device_code || "" }, [
          el("a", { href: "/monitoring/devices/" + encodeURIComponent(a.device_code || ""),
                    className: "mono", text: a.device_code || a.source || "—" }),
          el("span", { className: "muted", text: " " + (config.lang === "zh" ? a.detail_zh : a.detail_en) }),
        ]);
      }));
      box.hidden = false;
      button.setAttribute("aria-expanded", "true");
      button.textContent = T.offline_collapse;
    }).catch(function (e) { showError(e.message); });
  });

  function query(p) {
    var f = filters();
    var params = new URLSearchParams({ page: String(p), size: String(PAGE_SIZE) });
    if (grouped()) params.set("group_offline", "true");
    if (f.kind) params.set("kind", f.kind);
    if (f.status) params.set("status", f.status);
    if (f.open) params.set("open", "true");
    return "/api/monitoring/alarms?" + params.toString();
  }

  function load() {
    page = 1;
    loadGroups();
    return api("GET", query(1)).then(function (body) {
      alarms.clear();
      body.items.forEach(function (a) { alarms.set(a.id, a); });
      document.getElementById("alarm-more").hidden = body.total <= body.items.length;
      var wanted = /^#alarm-(\d+)$/.exec(location.hash);
      render(wanted ? [Number(wanted[1])] : []);
      if (wanted) {
        var node = list.querySelector('[data-id="' + wanted[1] + '"]');
        if (node) node.scrollIntoView({ block: "center" });
      }
      showError("");
    }).catch(function (e) { showError(e.message); });
  }

  document.getElementById("alarm-more").addEventListener("click", function () {
    page += 1;
    api("GET", query(page)).then(function (body) {
      body.items.forEach(function (a) { alarms.set(a.id, a); });
      document.getElementById("alarm-more").hidden = page * PAGE_SIZE >= body.total;
      render();
    }).catch(function (e) { showError(e.message); });
  });

  ["filter-kind", "filter-status", "filter-open"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", load);
  });

  // --- live --------------------------------------------------------------------------------

  var source = null;
  var statsTimer = null;
  var firstLoad = null;

  function setLive(state) {
    liveState.dataset.state = state;
    liveState.textContent = state === "live" ? T.connected : T.reconnecting;
  }

  function upsert(a) {
    if (a.kind === "offline" && grouped()) {
      scheduleGroups();  // counted on its unit's card, never a card of its own
      return;
    }
    var before = alarms.get(a.id);
    if (before && before.updated_at > a.updated_at) return;  // an older change, late
    alarms.set(a.id, a);
    var isNewFire = a.kind === "fire" && a.status === "active" &&
      (!before || before.repeats !== a.repeats || before.status !== a.status);
    render(isNewFire ? [a.id] : []);
    if (statsTimer === null) {
      statsTimer = setTimeout(function () { statsTimer = null; loadStats(); }, 1500);
    }
  }

  function connect() {
    if (source) source.close();
    source = new EventSource("/api/monitoring/alarms/stream");
    source.addEventListener("ready", function () {
      setLive("live");
      if (firstLoad !== null) clearTimeout(firstLoad);
      firstLoad = null;
      load();  // the list, and on a reconnect anything missed meanwhile
    });
    source.addEventListener("alarm", function (event) { upsert(JSON.parse(event.data)); });
    source.addEventListener("resync", function () { setLive("connecting"); connect(); });
    source.onerror = function () { setLive("connecting"); };  // EventSource retries by itself
  }

  // --- handling ----------------------------------------------------------------------------

  var dialog = document.getElementById("note-dialog");
  var pending = null;

  list.addEventListener("click", function (event) {
    var bindButton = event.target.closest("button.act-bind");
    if (bindButton) {
      var card = bindButton.closest(".alarm");
      api("POST", "/api/monitoring/alarms/" + card.dataset.id + "/bind",
          { device_code: card.querySelector(".bind-device").value })
        .then(function (alarm) { showError(""); upsert(alarm); })
        .catch(function (e) { showError(e.message); });
      return;
    }
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var id = Number(button.closest(".alarm").dataset.id);
    pending = { id: id, action: button.dataset.action, verdict: button.dataset.verdict };
    document.getElementById("note-title").textContent = button.textContent + " #" + id;
    document.getElementById("note-text").value = "";
    document.getElementById("note-error").hidden = true;
    dialog.showModal();
    document.getElementById("note-text").focus();
  });

  document.getElementById("note-cancel").addEventListener("click", function () {
    pending = null;
    dialog.close();
  });

  document.getElementById("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pending) return;
    var target = pending;
    var submit = document.getElementById("note-submit");
    submit.disabled = true;
    var body = { note: document.getElementById("note-text").value };
    if (target.verdict) body.verdict = target.verdict;
    api("POST", "/api/monitoring/alarms/" + target.id + "/" + target.action, body)
      .then(function (alarm) {
        pending = null;
        dialog.close();
        upsert(alarm);
        showError("");
      })
      .catch(function (e) {
        var box = document.getElementById("note-error");
        box.textContent = e.message;
        box.hidden = false;
      })
      .then(function () { submit.disabled = false; });
  });

  // --- figures -----------------------------------------------------------------------------

  function loadStats() {
    if (!config.canStats) return;
    api("GET", "/api/monitoring/stats/jurisdictions").then(function (rows) {
      var body = document.querySelector("#jur-stats tbody");
      body.replaceChildren.apply(body, rows.map(function (j) {
        return el("tr", { "data-code": j.code }, [
          el("td", { text: j.name }),
          el("td", { className: "num", text: j.connected + " / " + j.key_units }),
          el("td", { className: "num mon-rate", text: pct(j.connection_rate) }),
        ]);
      }));
    }).catch(function (e) { showError(e.message); });
    loadUnitStats(1);
  }

  // The unit table, least healthy first, a page at a time (a city has tens of thousands).
  var unitPage = 1;
  var UNIT_PAGE_SIZE = 50;

  function loadUnitStats(p) {
    var params = new URLSearchParams({ page: String(p), size: String(UNIT_PAGE_SIZE) });
    api("GET", "/api/monitoring/stats/units?" + params.toString()).then(function (body) {
      unitPage = p;
      var rows = body.items;
      var tbody = document.querySelector("#unit-stats tbody");
      var made = rows.map(function (u) {
        var low = u.online_rate !== null && u.online_rate < 0.9;
        return el("tr", { "data-code": u.code, className: "unit-row" + (low ? " unit-low" : "") }, [
          el("td", {}, [el("a", { href: "#", className: "unit-link", text: u.name })]),
          el("td", { className: "num", text: String(u.devices) }),
          el("td", { className: "num unit-online", text: pct(u.online_rate) }),
          el("td", { className: "num unit-faults" + (u.open_faults ? " has-faults" : ""),
                     text: String(u.open_faults) }),
          el("td", { className: "num", text: pct(u.false_alarm_rate) }),
        ]);
      });
      if (p === 1) tbody.replaceChildren.apply(tbody, made);
      else made.forEach(function (row) { tbody.appendChild(row); });
      var shown = Math.min(body.total, p * UNIT_PAGE_SIZE);
      document.getElementById("unit-stats-total").textContent =
        T.unit_shown.replace("{n}", shown.toLocaleString()).replace("{total}", body.total.toLocaleString());
      document.getElementById("unit-stats-more").hidden = shown >= body.total;
    }).catch(function (e) { showError(e.message); });
  }

  var unitMore = document.getElementById("unit-stats-more");
  if (unitMore) {
    unitMore.addEventListener("click", function () { loadUnitStats(unitPage + 1); });
  }

  var unitTable = document.getElementById("unit-stats");
  if (unitTable) {
    unitTable.addEventListener("click", function (event) {
      var link = event.target.closest(".unit-link");
      if (!link) return;
      event.preventDefault();
      var code = link.closest("tr").dataset.code;
      api("GET", "/api/monitoring/units/" + encodeURIComponent(code) + "/devices").then(function (body) {
        var box = document.getElementById("unit-devices");
        var rows = body.devices.map(function (d) {
          return el("tr", { className: "device-" + d.status, "data-code": d.code }, [
            el("td", { className: "mono" }, [
              el("a", { href: "/monitoring/devices/" + encodeURIComponent(d.code), text: d.code }),
            ]),
            el("td", { text: d.building || "—" }),
            el("td", {}, [el("span", { className: "dev-status dev-" + d.status,
                                       text: config.deviceStatus[d.status] })]),
            el("td", { text: localTime(d.last_heartbeat) }),
          ]);
        });
        box.replaceChildren(
          el("h3", { text: body.unit.name }),
          el("table", { className: "data-table mon-table" }, [
            el("thead", {}, [el("tr", {}, [
              el("th", { text: T.device }), el("th", { text: T.building }),
              el("th", { text: T.status }), el("th", { text: T.last_heartbeat }),
            ])]),
            el("tbody", {}, rows),
          ])
        );
        box.hidden = false;
      }).catch(function (e) { showError(e.message); });
    });
  }

  loadStats();
  if (config.canAlarms) {  // unit managers: devices and figures only
    // One list fetch: the stream's "ready" loads it (subscribed first, so nothing falls
    // between the list and the feed); without a stream after 3 s, load it anyway.
    firstLoad = setTimeout(load, 3000);
    connect();
  }
})();
