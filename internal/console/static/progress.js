// Switchboard console: moves the import progress bar, and a running campaign's
// status and progress, by themselves. Without this script the page shows the same
// state on every reload.
"use strict";
(function () {
  var box = document.getElementById("import");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = value; }
  }
  function done(s) { return s === "completed" || s === "failed"; }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (imp) {
        var n = imp.rows_imported + imp.rows_rejected;
        var pct = imp.rows_total > 0 ? Math.min(100, Math.floor(n * 100 / imp.rows_total)) : 0;
        if (imp.status === "completed") { pct = 100; }
        ["status", "rows_total", "rows_imported", "rows_created", "rows_updated", "rows_duplicate", "rows_rejected"].forEach(function (k) {
          if (imp[k] !== undefined) { set(k, imp[k]); }
        });
        set("pct", pct);
        document.getElementById("import-bar").value = pct;
        box.setAttribute("data-status", imp.status);
        if (imp.error) { var e = box.querySelector('[data-field="error"]'); e.textContent = imp.error; e.hidden = false; }
        if (done(imp.status)) {
          document.getElementById("reload").hidden = true;
          if (imp.rows_rejected > 0) { document.getElementById("rejected-link").hidden = false; }
          return;
        }
        setTimeout(tick, 500);
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  if (!done(box.getAttribute("data-status"))) { tick(); }
})();
(function () {
  var box = document.getElementById("campaign");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  function live(s) { return s === "running" || s === "paused"; }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (c) {
        var st = document.getElementById("campaign-status");
        if (st) { st.textContent = c.status; }
        box.setAttribute("data-status", c.status);
        var p = c.progress || {};
        Object.keys(p).forEach(function (k) {
          var el = box.querySelector('[data-count="' + k + '"]');
          if (el) { el.textContent = p[k]; }
        });
        var bar = box.querySelector("[data-bar]");
        if (bar && p.audience !== undefined) {
          bar.max = p.audience;
          bar.value = (p.completed || 0) + (p.failed || 0) + (p.do_not_call || 0);
        }
        if (live(c.status)) { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  if (live(box.getAttribute("data-status"))) { setTimeout(tick, 2000); }
})();
