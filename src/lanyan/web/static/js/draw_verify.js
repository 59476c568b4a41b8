// Re-run a published 双随机 draw in the visitor's browser (version-2 records, see
// lanyan/prevention/draw.py): no computation of the server is trusted, only its public JSON.
// SHA-256 through WebCrypto; 52-bit draws compared exactly with BigInt.
"use strict";

(function () {
  const PPM = 1000000n;
  const TWO52 = 2n ** 52n;

  async function sha256hex(text) {
    const bytes = new TextEncoder().encode(text);
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The JSON text Python's json.dumps(sort_keys=True, separators=(",", ":"),
  // ensure_ascii=False) writes; version-2 inputs hold only strings, integers and lists.
  function canonical(value) {
    if (value === null) return "null";
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (typeof value === "object") {
      const keys = Object.keys(value).sort();
      return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  async function x52(seed, ...parts) {
    const hex = await sha256hex([seed, ...parts].join("|"));
    return BigInt("0x" + hex.slice(0, 13));
  }

  function cmpStr(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  async function rerun(input, seed) {
    const pool = input.pool.map((u) => ({ code: u.code, w: BigInt(u.weight) }));
    pool.sort((a, b) => cmpStr(a.code, b.code));
    for (const u of pool) u.x = await x52(seed, "unit", u.code);
    let chosen;
    if (input.sample_size === 0) {
      chosen = pool.filter((u) => u.x * PPM < u.w * TWO52).map((u) => u.code);
    } else {
      const keyed = pool.filter((u) => u.w > 0n);
      keyed.sort((a, b) => {
        const left = a.x * b.w;
        const right = b.x * a.w;
        if (left !== right) return left < right ? -1 : 1;
        return cmpStr(a.code, b.code);
      });
      chosen = keyed.slice(0, input.sample_size).map((u) => u.code).sort(cmpStr);
    }
    const barred = new Set(input.recusals.map(([i, u]) => i + "\u0000" + u));
    const inspectors = Array.from(new Set(input.inspectors)).sort(cmpStr);
    const load = new Map(inspectors.map((i) => [i, 0]));
    const result = [];
    for (const code of chosen) {
      const eligible = [];
      for (const i of inspectors) {
        if (!barred.has(i + "\u0000" + code)) eligible.push({ i, x: await x52(seed, "pair", code, i) });
      }
      if (eligible.length < input.team_size) throw new Error("unit " + code + ": too few inspectors");
      eligible.sort((a, b) => {
        const la = load.get(a.i);
        const lb = load.get(b.i);
        if (la !== lb) return la - lb;
        if (a.x !== b.x) return a.x < b.x ? -1 : 1;
        return cmpStr(a.i, b.i);
      });
      const team = eligible.slice(0, input.team_size).map((e) => e.i).sort(cmpStr);
      for (const i of team) load.set(i, load.get(i) + 1);
      result.push({ unit: code, inspectors: team });
    }
    return result;
  }

  async function verify(record) {
    const problems = [];
    const input = record.input;
    if ((await sha256hex(record.seed)) !== record.seed_sha256) {
      problems.push("seed ≠ seed_sha256");
    }
    const units = input.pool.map((u) => u.code).join("\n");
    if ((await sha256hex(units)) !== record.units_sha256) problems.push("units ≠ units_sha256");
    if ((await sha256hex(canonical(input))) !== record.input_sha256) {
      problems.push("input ≠ input_sha256");
    }
    const again = await rerun(input, record.seed);
    if (canonical(again) !== canonical(record.result)) problems.push("result ≠ re-run");
    return problems;
  }

  function show(box, ok, text) {
    box.hidden = false;
    box.dataset.ok = ok ? "true" : "false";
    box.className = ok ? "verify-ok" : "verify-bad";
    box.textContent = text;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("verify-js");
    const box = document.getElementById("verify-js-result");
    if (!button || !box) return;
    button.addEventListener("click", async () => {
      if (!window.crypto || !crypto.subtle) {
        show(box, false, box.dataset.nocryptoText);
        return;
      }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      try {
        const reply = await fetch(button.dataset.record, { headers: { Accept: "application/json" } });
        if (!reply.ok) throw new Error("HTTP " + reply.status);
        const record = (await reply.json()).record;
        if (!record.verifiable_by_anyone) {
          show(box, false, box.dataset.unverifiableText);
          return;
        }
        const problems = await verify(record);
        if (problems.length === 0) show(box, true, box.dataset.okText);
        else show(box, false, box.dataset.badText + problems.join("; "));
      } catch (err) {
        show(box, false, box.dataset.badText + String(err.message || err));
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    });
  });
})();
