/* tribescope dashboard: charts, shortlist, job progress.
 * Data from the server is only ever written with textContent / attributes, never innerHTML. */
(function () {
  "use strict";

  // ------------------------------------------------------------------ charts
  function renderCharts() {
    var els = document.querySelectorAll(".chart[data-spec]");
    var state = { total: els.length, rendered: 0, failed: 0 };
    window.__tribescopeCharts = state;
    els.forEach(function (el) {
      var src = document.getElementById("spec-" + el.getAttribute("data-spec"));
      var fail = function (err) {
        state.failed += 1;
        el.setAttribute("data-rendered", "error");
        var p = document.createElement("p");
        p.className = "missing";
        p.textContent = "chart could not be drawn: " + String(err);
        el.appendChild(p);
      };
      if (!src || typeof window.vegaEmbed !== "function") { fail("chart library missing"); return; }
      var spec;
      try { spec = JSON.parse(src.textContent); } catch (e) { fail(e); return; }
      // a string would be fetched as a URL by vega-embed: only inline specs are drawn
      if (!spec || typeof spec !== "object" || Array.isArray(spec)) { fail("not an inline chart specification"); return; }
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        state.rendered += 1;
        el.setAttribute("data-rendered", "1");
      }).catch(fail);
    });
  }

  // ------------------------------------------------------------------ shortlist (localStorage)
  var KEY = "tribescope.shortlist.v1";
  function load() {
    try { var v = JSON.parse(window.localStorage.getItem(KEY) || "{}"); return (v && typeof v === "object") ? v : {}; }
    catch (e) { return {}; }
  }
  function save(v) { window.localStorage.setItem(KEY, JSON.stringify(v)); refreshCount(); }
  function keyOf(platform, id) { return platform + ":" + id; }
  function refreshCount() {
    var el = document.getElementById("shortlist-count");
    if (el) { var n = Object.keys(load()).length; el.textContent = n ? String(n) : ""; }
  }
  function syncButtons() {
    var sl = load();
    document.querySelectorAll("button.sl-toggle").forEach(function (b) {
      var on = !!sl[keyOf(b.dataset.platform, b.dataset.id)];
      b.textContent = on ? "✓ shortlisted" : "+ shortlist";
      var who = (b.dataset.handle || b.dataset.id) + " (" + b.dataset.platform + ")";
      b.setAttribute("aria-label", on ? "remove " + who + " from the shortlist" : "add " + who + " to the shortlist");
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.classList.toggle("on", on);
    });
  }
  function bindShortlistButtons() {
    document.querySelectorAll("button.sl-toggle").forEach(function (b) {
      b.addEventListener("click", function () {
        var sl = load(), k = keyOf(b.dataset.platform, b.dataset.id);
        if (sl[k]) { delete sl[k]; }
        else {
          sl[k] = { platform: b.dataset.platform, creator_id: b.dataset.id, handle: b.dataset.handle,
                    followers: b.dataset.followers === "" ? null : Number(b.dataset.followers),
                    label: b.dataset.label || null,
                    score: b.dataset.score === "" ? null : Number(b.dataset.score) };
        }
        save(sl); syncButtons();
      });
    });
    syncButtons();
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text === null || text === undefined ? "" : String(text);
    tr.appendChild(td); return td;
  }
  // a number as the server's tables show it (web/_render.py _num with 3 digits): whole numbers and ≥ 1000 with
  // thousands separators, ≥ 1 with at most 3 decimals, below 1 to 3 significant digits (0.00239, not 0.0023923444976)
  function num(v) {
    if (!isFinite(v)) return "–";
    if (Number.isInteger(v) || Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en");
    if (Math.abs(v) >= 1) return String(Number(v.toFixed(3)));
    return String(Number(v.toPrecision(3)));
  }
  function fmt(n) { return (n === null || n === undefined || isNaN(n)) ? "–" : Number(n).toLocaleString("en"); }
  function creatorHref(p, id) {  // as web/_render.py creator_href: a dot segment ("." or "..") goes in the query
    var base = "/creator/" + encodeURIComponent(p);
    return (id === "." || id === "..") ? base + "?id=" + encodeURIComponent(id) : base + "/" + encodeURIComponent(id);
  }
  function renderShortlistPage() {
    var table = document.getElementById("shortlist-table");
    if (!table) return;
    var body = table.querySelector("tbody"), sl = load(), items = Object.values(sl);
    while (body.firstChild) body.removeChild(body.firstChild);
    items.sort(function (a, b) { return (b.score || 0) - (a.score || 0); });
    items.forEach(function (it) {
      var tr = document.createElement("tr");
      var td = document.createElement("td"), a = document.createElement("a");
      a.href = creatorHref(it.platform, it.creator_id); a.textContent = it.handle || it.creator_id;
      td.appendChild(a); tr.appendChild(td);
      cell(tr, it.platform); cell(tr, fmt(it.followers), "num");
      cell(tr, it.label ? labelName(it.label) : ""); cell(tr, it.score === null ? "–" : Number(it.score).toFixed(SCORE_DIGITS), "num");
      var rm = document.createElement("button"); rm.type = "button"; rm.textContent = "remove";
      rm.addEventListener("click", function () { var s = load(); delete s[keyOf(it.platform, it.creator_id)]; save(s); renderShortlistPage(); });
      var td2 = document.createElement("td"); td2.appendChild(rm); tr.appendChild(td2);
      body.appendChild(tr);
    });
    document.getElementById("shortlist-empty").hidden = items.length > 0;
    var sum = document.getElementById("shortlist-summary");
    while (sum.firstChild) sum.removeChild(sum.firstChild);
    var labels = {};
    var reach = 0;
    items.forEach(function (it) { reach += it.followers || 0; var l = it.label || "unscored"; labels[l] = (labels[l] || 0) + 1; });
    var kpi = function (k, v) { var d = document.createElement("div"), s = document.createElement("span"), b = document.createElement("b");
      s.textContent = k; b.textContent = v; d.appendChild(s); d.appendChild(b); sum.appendChild(d); };
    kpi("creators", String(items.length)); kpi("total followers", fmt(reach));
    Object.keys(labels).sort().forEach(function (l) { kpi(labelName(l), String(labels[l])); });
  }
  function errorText(j) {  // an API error with what was refused ({"error": …, "detail": [{loc, msg, input}]})
    var why = (j.detail || []).map(function (d) {
      return (d.input !== undefined ? JSON.stringify(d.input) + ": " : "") + d.msg;
    });
    return j.error + (why.length ? " — " + why.join("; ") : "");
  }
  // a label as every view names it (score/_spec.py LABEL_NAMES, given by the page): "too little data"
  function labelName(l) {
    var names = {};
    try { names = JSON.parse(document.body.dataset.labelNames || "{}"); } catch (e) { names = {}; }
    return names[l] || String(l).replace(/_/g, " ");
  }
  var SCORE_DIGITS = 2;  // decimals of a community score in every view (web/_charts.py SCORE_DIGITS)
  var MAX_OVERLAP = 20;  // the API compares at most 20 creators at once
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;  // spreadsheet formula injection
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function bindShortlistPage() {
    if (!document.getElementById("shortlist-table")) return;
    renderShortlistPage();
    document.getElementById("shortlist-clear").addEventListener("click", function () { save({}); renderShortlistPage(); });
    document.getElementById("shortlist-csv").addEventListener("click", function () {
      var cols = ["platform", "creator_id", "handle", "followers", "label", "score"];
      var lines = [cols.join(",")];
      Object.values(load()).forEach(function (it) { lines.push(cols.map(function (c) { return csvCell(it[c]); }).join(",")); });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }));
      a.download = "shortlist.csv"; document.body.appendChild(a); a.click(); a.remove();
    });
    document.getElementById("shortlist-overlap").addEventListener("click", function () {
      var out = document.getElementById("overlap-out"), keys = Object.keys(load());
      if (keys.length < 2) { out.textContent = "Shortlist at least two creators."; return; }
      var used = keys.slice(0, MAX_OVERLAP), left = keys.slice(MAX_OVERLAP);
      var qs = used.map(function (k) { return "creators=" + encodeURIComponent(k); }).join("&");
      out.textContent = "loading…";
      var para = function (cls, text) { var p = document.createElement("p"); p.className = cls; p.textContent = text; out.appendChild(p); return p; };
      fetch("/api/overlap?" + qs, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
        while (out.firstChild) out.removeChild(out.firstChild);
        if (left.length) {
          para("overlap-limit", "Only " + MAX_OVERLAP + " creators can be compared at once: the first " + MAX_OVERLAP + " of the " +
            keys.length + " shortlisted are compared; left out: " + left.join(", ") + ".");
        }
        if (j.error) { para("error overlap-error", errorText(j)); return; }
        if (!j.available) { para("missing", j.reason); return; }
        if (j.rejected && j.rejected.length) { para("overlap-rejected", "Left out: " + j.rejected.join("; ")); }
        var table = function (cls, columns, rows) {  // as the server's tables: scrollable, numbers as _num shows them
          var wrap = document.createElement("div"); wrap.className = "table-wrap";
          var t = document.createElement("table"); t.className = "data small " + cls;
          var head = document.createElement("thead"), h = document.createElement("tr");
          columns.forEach(function (c) {
            var th = document.createElement("th"); th.scope = "col"; th.textContent = c; h.appendChild(th);
          });
          head.appendChild(h); t.appendChild(head);
          var body = document.createElement("tbody");
          rows.forEach(function (r) {
            var tr = document.createElement("tr");
            columns.forEach(function (c) {
              var v = r[c];
              if (typeof v === "number") cell(tr, num(v), "num"); else cell(tr, v);
            });
            body.appendChild(tr);
          });
          t.appendChild(body); wrap.appendChild(t); out.appendChild(wrap);
        };
        table("overlap-pairs", j.columns, j.items);
        if (j.totals && j.totals.reach !== undefined) {
          para("overlap-totals", "The list reaches " + j.totals.reach.toLocaleString("en") + " distinct engaged accounts; " +
            j.totals.duplicated.toLocaleString("en") + " of " + j.totals.sum_audiences.toLocaleString("en") +
            " audience slots are duplicates.");
        }
        if (j.audience && j.audience.length) {
          table("overlap-audience", ["platform", "creator_id", "handle", "audience", "unique", "shared", "unique_share"], j.audience);
        }
      }).catch(function (e) { out.textContent = "failed: " + e; });
    });
  }

  // ------------------------------------------------------------------ jobs
  // a message written for the terminal into el, its Markdown code spans (`tribescope score`) as <code> elements, as
  // web/_render.py code_spans writes them on the server; every part as text, never as HTML
  var CODE_SPAN = /(`+)(?!`)([\s\S]+?)(?<!`)\1(?!`)/g;
  function setMessage(el, text) {
    while (el.firstChild) el.removeChild(el.firstChild);
    var s = text === null || text === undefined ? "" : String(text), end = 0, m;
    CODE_SPAN.lastIndex = 0;
    while ((m = CODE_SPAN.exec(s)) !== null) {
      el.appendChild(document.createTextNode(s.slice(end, m.index)));
      var code = document.createElement("code"); code.textContent = m[2]; el.appendChild(code);
      end = m.index + m[0].length;
    }
    el.appendChild(document.createTextNode(s.slice(end)));
  }
  function showNotes(notes) {  // what the job says to check (e.g. a link to an unknown creator)
    var ul = document.getElementById("job-notes");
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    (notes || []).forEach(function (n) { var li = document.createElement("li"); setMessage(li, n); ul.appendChild(li); });
  }
  function watch(job) {
    var bar = document.getElementById("job-progress"), st = document.getElementById("job-status"),
        msg = document.getElementById("job-message");
    var tick = function () {
      fetch("/api/jobs/" + encodeURIComponent(job.id), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
        bar.value = j.progress || 0; st.textContent = j.status || ""; setMessage(msg, j.message || j.error || "");
        showNotes((j.result || {}).notes);
        if (j.status === "queued" || j.status === "running") window.setTimeout(tick, 400);
      });
    };
    tick();
  }
  function post(url, body) {
    var st = document.getElementById("job-status");
    st.textContent = "starting…";
    fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
      if (j.error) { st.textContent = "refused"; setMessage(document.getElementById("job-message"), errorText(j)); return; }
      watch(j);
    }).catch(function (e) { st.textContent = "failed: " + e; });
  }
  function bindJobs() {
    var form = document.getElementById("import-form");
    if (form) form.addEventListener("submit", function (ev) { ev.preventDefault(); post("/api/jobs/import", new FormData(form)); });
    var sc = document.getElementById("score-start");
    if (sc) sc.addEventListener("click", function () { post("/api/jobs/score", null); });
  }

  function bindFilters() {
    var f = document.getElementById("filters");
    if (!f) return;
    f.addEventListener("submit", function () {  // keep the URL short: leave out fields that are not set
      f.querySelectorAll("input, select").forEach(function (el) { if (el.name && el.value === "") el.disabled = true; });
    });
  }

  function init() {
    bindFilters();
    renderCharts();
    refreshCount();
    bindShortlistButtons();
    bindShortlistPage();
    bindJobs();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
