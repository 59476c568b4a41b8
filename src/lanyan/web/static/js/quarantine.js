/* 设备隔离区: unknown senders; accept binds one to a registered device, reject refuses it. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("mon-config").textContent);
  var T = config.text;
  var body = document.querySelector("#quarantine tbody");
  var errorBox = document.getElementById("mon-error");

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
    return new Date(iso).toLocaleString(config.lang === "zh" ? "zh-CN" : "en-GB",
                                        { timeZone: "Asia/Shanghai", hour12: false });
  }

  function api(method, url, payload) {
    var init = { method: method, credentials: "same-origin", headers: {} };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (b) {
        if (!r.ok) {
          var parts = [(b && (b.detail || b.title)) || String(r.status)];
          ((b && b.errors) || []).forEach(function (e) { parts.push(e.field + ": " + e.rule); });
          throw new Error(parts.join(" · "));
        }
        return b;
      });
    });
  }

  function row(q) {
    var status = config.statuses[q.status];
    // A sender that raised a fire (火警) says so: it must not wait unseen.
    var fire = q.fire_alarms
      ? el("span", { className: "mon-mark q-fire" + (q.open_fires ? " q-fire-open" : ""),
                     text: (q.open_fires ? T.q_open_fire.replace("{n}", q.open_fires)
                                         : T.q_fire.replace("{n}", q.fire_alarms)) })
      : null;
    var tr = el("tr", { "data-id": String(q.id), "data-status": q.status,
                        "data-fires": String(q.fire_alarms || 0) }, [
      el("td", { className: "mono" }, [document.createTextNode(q.address + " "), fire]),
      el("td", { text: q.protocol }),
      el("td", { className: "num", text: String(q.frames) }),
      el("td", { text: localTime(q.first_seen) }),
      el("td", { text: localTime(q.last_seen) }),
      el("td", { className: "mono", text: q.last_peer || "—" }),
      el("td", {}, [el("span", { className: "badge" }, [el("i", { style: "background:" + status.color })])]),
    ]);
    tr.lastChild.firstChild.appendChild(document.createTextNode(status.label));
    if (q.status === "pending" && config.canWrite) {
      tr.appendChild(el("td", {}, [el("input", { className: "q-device", maxlength: "64",
                                                 placeholder: T.q_device_code,
                                                 "aria-label": T.q_device_code })]));
      tr.appendChild(el("td", { className: "q-actions" }, [
        el("button", { type: "button", className: "btn btn-small btn-primary q-accept", text: T.q_accept }),
        el("button", { type: "button", className: "btn btn-small btn-danger q-reject", text: T.q_reject }),
      ]));
    } else {
      tr.appendChild(el("td", { className: "mono", text: q.device_code || "—" }));
      tr.appendChild(el("td", { className: "muted", text: q.decided_by || "" }));
    }
    return tr;
  }

  function load() {
    return api("GET", "/api/monitoring/quarantine").then(function (rows) {
      body.replaceChildren.apply(body, rows.map(row));
      document.getElementById("q-empty").hidden = rows.length > 0;
    }).catch(function (e) { errorBox.textContent = e.message; errorBox.hidden = false; });
  }

  body.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var tr = button.closest("tr");
    var id = tr.dataset.id;
    var call = button.classList.contains("q-accept")
      ? api("POST", "/api/monitoring/quarantine/" + id + "/accept",
            { device_code: tr.querySelector(".q-device").value })
      : api("POST", "/api/monitoring/quarantine/" + id + "/reject");
    call.then(function () { errorBox.hidden = true; return load(); })
        .catch(function (e) { errorBox.textContent = e.message; errorBox.hidden = false; });
  });

  load();
})();
