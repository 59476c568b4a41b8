// The board's block of turnout orders (出动指令) a station has not acknowledged (签收) within the
// set time: polled from /api/dispatches/unacknowledged, listed in red.
(function () {
  "use strict";
  const block = document.getElementById("turnout-late-block");
  if (!block) return;
  const list = document.getElementById("turnout-late");
  const count = document.getElementById("turnout-late-count");
  async function load() {
    const res = await fetch("/api/dispatches/unacknowledged?size=50", { credentials: "same-origin" });
    if (!res.ok) return;
    const page = await res.json();
    count.textContent = page.total ? `(${page.total})` : "";
    list.replaceChildren();
    if (!page.items.length) {
      const li = document.createElement("li");
      li.className = "hint";
      li.style.color = "inherit";
      li.textContent = block.dataset.none;
      list.append(li);
      return;
    }
    for (const o of page.items) {
      const li = document.createElement("li");
      li.dataset.dispatch = o.id;
      const when = new Date(o.dispatched_at).toLocaleTimeString(document.documentElement.lang, { hour12: false });
      li.textContent = `${o.incident_code} · ${o.station_name} · ${o.vehicle_code} · ${when}`;
      list.append(li);
    }
    if (page.total > page.items.length) {
      const li = document.createElement("li");
      li.textContent = block.dataset.more.replace("{n}", page.total - page.items.length);
      list.append(li);
    }
  }
  load().catch(() => {});
  setInterval(() => load().catch(() => {}), 5000);
})();
