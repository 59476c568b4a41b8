/* Search-as-you-type picker (选择器) for registry rows: units, buildings, vehicles, stations…
   Placed by the `picker` macro in templates/_macros.html. An ARIA 1.2 combobox: typing searches
   the registry list API (`?q=` on code and name, paged in SQL) after a short pause; up/down move,
   Enter picks, Escape closes; the last row "load more" fetches the next page, so nothing is capped.
   The form posts the code in a hidden input; the server checks it exists and is in scope.
   Without JavaScript the text box itself carries the name, so typing a code still works. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var PAGE_SIZE = 20;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    return node;
  }

  function setup(box) {
    var input = box.querySelector("input.picker-input");
    var list = box.querySelector("ul.picker-list");
    var text = box.dataset;
    var labelField = text.labelField || "name";
    var source = text.source;
    var hidden = el("input", { type: "hidden", name: input.name, value: input.value });
    input.removeAttribute("name");
    box.insertBefore(hidden, input);

    var state = { q: "", page: 0, total: 0, items: [], active: -1, seq: 0, timer: null };

    // A kind chooser beside the picker (e.g. station or vehicle) switches the list searched.
    var chooser = text.sourceFrom ? document.getElementById(text.sourceFrom) : null;
    if (chooser) {
      chooser.addEventListener("change", function () {
        var opt = chooser.options[chooser.selectedIndex];
        source = opt.dataset.source || source;
        labelField = opt.dataset.labelField || labelField;
        hidden.value = "";
        input.value = "";
        open(false);
      });
    }

    function display(item) {
      var label = item[labelField];
      return label ? item.code + " · " + label : item.code;
    }

    function open(flag) {
      list.hidden = !flag;
      input.setAttribute("aria-expanded", flag ? "true" : "false");
      if (!flag) {
        state.active = -1;
        input.removeAttribute("aria-activedescendant");
      }
    }

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    }

    function highlight(index) {
      var opts = options();
      if (!opts.length) return;
      index = Math.max(0, Math.min(index, opts.length - 1));
      opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      state.active = index;
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    }

    function render() {
      list.textContent = "";
      var base = input.id + "-opt-";
      state.items.forEach(function (item, i) {
        var li = el("li", { role: "option", id: base + i, "aria-selected": "false",
                            "data-code": item.code, text: display(item) });
        list.appendChild(li);
      });
      if (!state.items.length) {
        list.appendChild(el("li", { className: "picker-note", text: text.none }));
      } else if (state.items.length < state.total) {
        list.appendChild(el("li", { role: "option", id: base + "more", "aria-selected": "false",
                                    className: "picker-more", "data-more": "1", text: text.more }));
      }
      // Which typed text this list answers, so a reader (or a test) knows the list is current.
      list.dataset.query = state.q;
      open(true);
    }

    function busy(flag) {
      if (flag) list.setAttribute("aria-busy", "true"); else list.removeAttribute("aria-busy");
    }

    function fetchPage(page, keepActive) {
      var seq = ++state.seq;
      busy(true);
      var url = source + "?size=" + PAGE_SIZE + "&page=" + page +
        (state.q ? "&q=" + encodeURIComponent(state.q) : "");
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (body) {
          if (seq !== state.seq) return; // a newer search has started
          busy(false);
          state.page = body.page;
          state.total = body.total;
          state.items = page === 1 ? body.items : state.items.concat(body.items);
          render();
          if (keepActive !== undefined) highlight(keepActive);
        })
        .catch(function () {
          if (seq !== state.seq) return;
          busy(false);
          list.textContent = "";
          list.appendChild(el("li", { className: "picker-note", text: text.failed }));
          open(true);
        });
    }

    function search() {
      state.q = input.value.trim();
      fetchPage(1);
    }

    function choose(li) {
      if (!li) return;
      if (li.dataset.more) {
        clearTimeout(state.timer);
        if (input.value.trim() !== state.q) { search(); return; } // the typing is newer
        var next = state.items.length;
        fetchPage(state.page + 1, next);
        return;
      }
      var item = state.items[options().indexOf(li)];
      // A pick ends the typing: a search still waiting (or on its way) must not reopen the list.
      clearTimeout(state.timer);
      state.seq++;
      busy(false);
      hidden.value = item.code;
      input.value = display(item);
      open(false);
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", function () {
      // A typed exact code still posts (the server checks it); a pick replaces it.
      hidden.value = input.value.trim();
      clearTimeout(state.timer);
      busy(true);
      state.timer = setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener("focus", function () {
      if (list.hidden && !hidden.value) search();
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (list.hidden) search(); else highlight(state.active + 1);
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        if (!list.hidden) highlight(state.active - 1);
      } else if (ev.key === "Enter") {
        if (!list.hidden && state.active >= 0) {
          ev.preventDefault();
          choose(options()[state.active]);
        }
      } else if (ev.key === "Escape") {
        if (!list.hidden) { ev.preventDefault(); open(false); }
      }
    });
    input.addEventListener("blur", function () { open(false); });
    // mousedown, not click: the input must keep focus so blur does not close the list first.
    list.addEventListener("mousedown", function (ev) {
      ev.preventDefault();
      var li = ev.target.closest("[role=option]");
      if (li) choose(li);
    });

    // A value given by the server (a re-shown form, ?unit_code=…) is shown as "code · name".
    if (hidden.value) {
      fetch(source + "?size=5&q=" + encodeURIComponent(hidden.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) {
          body.items.forEach(function (item) {
            if (item.code === hidden.value && input.value === hidden.value) input.value = display(item);
          });
        })
        .catch(function () {});
    }
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-picker]"), function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      setup(box);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  window.lanyanPicker = { init: init };
})();
