// painmech: live validation of the visit entry form. Sends the rows to
// /api/validate (same origin, CSRF header) and marks the fields it names.
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) { return; }
  const live = document.getElementById("live");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const fields = ["measure", "site", "side", "trial", "value", "unit"];
  let timer = null;

  function rows() {
    const out = [];
    form.querySelectorAll("#entry-rows tbody tr").forEach(function (tr, index) {
      const rec = {};
      fields.forEach(function (f) { rec[f] = tr.querySelector('[name="' + f + '"]').value.trim(); });
      if (rec.measure || rec.value) { out.push({ index: index, tr: tr, rec: rec }); }
    });
    return out;
  }

  function show(problems, used) {
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    live.textContent = "";
    if (!problems.length) {
      if (used.length) { live.textContent = live.dataset.ok; }
      return;
    }
    const list = document.createElement("ul");
    problems.forEach(function (p) {
      const entry = used[p.row - 2];
      const li = document.createElement("li");
      const label = entry ? "#" + (entry.index + 1) + " " : "";
      li.textContent = label + p.column + " " + JSON.stringify(p.value) + ": " + p.reason;
      list.appendChild(li);
      if (entry) {
        const el = entry.tr.querySelector('[name="' + p.column + '"]');
        if (el) { el.setAttribute("aria-invalid", "true"); }
      }
    });
    live.appendChild(list);
  }

  function check() {
    const used = rows();
    if (!used.length) { show([], used); return; }
    const visit = document.getElementById("visit").value.trim() || "0";
    const body = used.map(function (u) {
      return Object.assign({ subject: form.dataset.subject, visit: visit }, u.rec,
                           { site: u.rec.site || "none", trial: u.rec.trial || "1" });
    });
    fetch("/api/validate", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function (res) {
      if (res.problems) { show(res.problems, used); }
      else if (res.error && res.error.problems) { show(res.error.problems.map(function (p) {
        const m = /^(\d+)\.(\w+)$/.exec(p.column.replace(/^body\./, ""));
        return m ? { row: Number(m[1]) + 2, column: m[2], value: p.value, reason: p.reason } : p;
      }), used); }
    }).catch(function () { /* the server check on saving still applies */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
