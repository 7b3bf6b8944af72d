/* Draft autosave: saves the section on every change (debounced), every 20 s while there are
   unsaved changes, and before moving to another section. Until the server confirms a complete
   save, the input is also kept in localStorage, so a closed tab or a lost connection loses nothing. */
(function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form || form.dataset.autosave !== "1" || !window.fetch) return;
  var key = form.dataset.key, url = form.dataset.url;
  var status = document.getElementById("save-status"), box = document.getElementById("save-problems");
  var dirty = false, timer = null, inflight = null;

  function entries() {
    var list = [];
    new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken" && typeof v === "string") list.push([k, v]); });
    return list;
  }
  function keep() { try { localStorage.setItem(key, JSON.stringify({ts: Date.now(), entries: entries()})); } catch (e) {} }
  function forget() { try { localStorage.removeItem(key); } catch (e) {} }
  function say(text, bad) { status.textContent = text; status.classList.toggle("error", !!bad); }
  function showProblems(list) {
    var ul = box.querySelector("ul"); ul.innerHTML = "";
    list.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; ul.appendChild(li); });
    box.hidden = !list.length;
  }
  function showRules(list) {
    var rules = document.getElementById("budget-rule-problems");
    if (!rules || !list) return;
    var ul = rules.querySelector("ul"); ul.innerHTML = "";
    list.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; ul.appendChild(li); });
    rules.hidden = !list.length;
  }

  function save(keepalive) {
    if (inflight) return inflight.then(function () { return dirty ? save(keepalive) : null; });
    var sent = JSON.stringify(entries());
    dirty = false;
    say(status.dataset.saving);
    inflight = fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: !!keepalive,
                           headers: {"X-Autosave": "1"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        showProblems(data.problems || []);
        showRules(data.rules);
        if (data.saved) {
          say(status.dataset.saved + " " + data.saved_at);
          if (data.complete && JSON.stringify(entries()) === sent) forget();
        } else { say((data.problems || []).join("；"), true); }
      })
      .catch(function () { dirty = true; say(status.dataset.offline, true); })
      .finally(function () { inflight = null; });
    return inflight;
  }
  function changed() {
    dirty = true; keep();
    clearTimeout(timer); timer = setTimeout(save, 1200);
  }

  /* Restore input that never reached the server (closed tab, no connection). */
  var stored = null;
  try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) {}
  if (stored && stored.entries && JSON.stringify(stored.entries) !== JSON.stringify(entries())) {
    form.querySelectorAll("[data-rows]").forEach(function (c) {
      var first = c.dataset.rows;
      var n = stored.entries.filter(function (e) { return e[0] === first; }).length;
      if (window.ycRows) window.ycRows.ensure(c, n);
    });
    var seen = {};
    form.querySelectorAll('input[type="checkbox"]').forEach(function (cb) { cb.checked = false; });
    stored.entries.forEach(function (e) {
      var i = seen[e[0]] = (seen[e[0]] || 0);
      seen[e[0]]++;
      var el = form.querySelectorAll('[name="' + e[0] + '"]')[i];
      if (!el) return;
      if (el.type === "checkbox") el.checked = true; else el.value = e[1];
    });
    if (window.ycBudgetRecompute) window.ycBudgetRecompute();
    say(status.dataset.restored);
    dirty = true;
    setTimeout(save, 300);
  } else if (stored) { forget(); }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { clearTimeout(timer); forget(); });
  setInterval(function () { if (dirty) save(); }, 20000);
  /* Moving to another section saves first, so every section change is a save. */
  document.querySelectorAll("a[data-section-link]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (!dirty) return;
      ev.preventDefault();
      save().then(function () { location.href = a.href; }, function () { location.href = a.href; });
    });
  });
  window.addEventListener("pagehide", function () { if (dirty) save(true); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden" && dirty) save(true); });
})();
