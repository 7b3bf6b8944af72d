/* Draft autosave: saves the section on every change (debounced), every 20 s while there are unsaved
   changes, before moving to another section, and when Save is pressed. Nothing typed is lost:
   - the input stays in localStorage until the server confirms a complete save;
   - every save names the edit version the page started from and what the page showed then (the base):
     a stale save writes only what this page changed, and a part changed here and elsewhere comes back
     as a conflict showing both texts, for the person to choose;
   - an ended session says so (登录已失效), offers to log in again without leaving the page, and then
     saves what was pending; an expired CSRF token is renewed and the save retried;
   - refused cells are marked, and the status never says "saved" while something was refused. */
(function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form || form.dataset.autosave !== "1" || !window.fetch) return;
  var key = form.dataset.key, url = form.dataset.url;
  var status = document.getElementById("save-status"), box = document.getElementById("save-problems");
  var conflictBox = document.getElementById("conflict-box"), dialog = document.getElementById("relogin");
  var ROWS = {budget: "b_", milestones: "m_", indicators: "i_"};
  var CONTROL = {csrfmiddlewaretoken: 1, _version: 1, _base: 1, _take_theirs: 1};
  var dirty = false, timer = null, inflight = null, blocked = false, after = null;
  /* True while a copy restored from this device is being saved: the page says it restored unsaved input
     only once the answer shows the server did not have it (the save wrote something, or failed). */
  var restoring = false;
  /* The entries of the last save the server confirmed complete: a change event that leaves the form so
     (the one a field sends when it loses focus, after its input was saved) needs no save of its own. */
  var confirmed = null;
  var version = form.dataset.version || "";

  function entries() {
    var list = [];
    new FormData(form).forEach(function (v, k) { if (!CONTROL[k] && typeof v === "string") list.push([k, v]); });
    return list;
  }
  var base = entries();
  /* Each tab keeps its own copy (key@tab): a tab whose save went through removes only its own, never
     the unsaved input of another tab of the same section. */
  var own = key + "@" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  function keep() {
    try { localStorage.setItem(own, JSON.stringify({ts: Date.now(), version: version, base: base, entries: entries()})); } catch (e) {}
  }
  function forget() { try { localStorage.removeItem(own); } catch (e) {} }
  /* wrote: the answer's word on whether the save changed what is stored (undefined: no such answer). */
  function say(text, bad, wrote) {
    if (restoring && text !== status.dataset.saving) {
      if (wrote || (bad && wrote === undefined)) text = status.dataset.restored + " " + text;
      restoring = !!bad && wrote === undefined;  /* not saved yet: said again with the next answer */
    }
    status.textContent = text; status.classList.toggle("error", !!bad);
  }
  function list(ul, items) {
    ul.innerHTML = "";
    items.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; ul.appendChild(li); });
  }
  function showProblems(items) { list(box.querySelector("ul"), items); box.hidden = !items.length; }
  function showRules(items) {
    var rules = document.getElementById("budget-rule-problems");
    if (!rules || !items) return;
    list(rules.querySelector("ul"), items);
    rules.hidden = !items.length;
  }
  function token() { return form.querySelector('[name="csrfmiddlewaretoken"]'); }

  /* Sets the inputs of the given names from [name, value] pairs, adding or removing rows as needed. */
  function apply(pairs, names) {
    form.querySelectorAll("[data-rows]").forEach(function (c) {
      var first = c.dataset.rows;
      if (names.indexOf(first) < 0 || !window.ycRows) return;
      window.ycRows.ensure(c, pairs.filter(function (e) { return e[0] === first; }).length);
    });
    names.forEach(function (name) {
      var values = pairs.filter(function (e) { return e[0] === name; }).map(function (e) { return e[1]; });
      form.querySelectorAll('[name="' + name + '"]').forEach(function (el, i) {
        if (el.type === "checkbox") el.checked = values.length > 0; else el.value = i < values.length ? values[i] : "";
      });
    });
    if (window.ycBudgetRecompute) window.ycBudgetRecompute();
  }
  function namesOf(part) {
    if (!ROWS[part]) return [part];
    var names = [];
    form.querySelectorAll('[name^="' + ROWS[part] + '"]').forEach(function (el) {
      if (names.indexOf(el.name) < 0) names.push(el.name);
    });
    form.querySelectorAll("template").forEach(function (t) {
      t.content.querySelectorAll('[name^="' + ROWS[part] + '"]').forEach(function (el) {
        if (names.indexOf(el.name) < 0) names.push(el.name);
      });
    });
    return names;
  }
  function applyParts(pairs, parts) {
    var names = [];
    parts.forEach(function (p) { names = names.concat(namesOf(p)); });
    if (names.length) apply(pairs, names);
  }

  /* The cells the server refused, marked where they are; cleared on every answer. */
  function markCells(cells, fields) {
    form.querySelectorAll(".refused-cell").forEach(function (l) { l.classList.remove("refused-cell"); });
    form.querySelectorAll(".cell-error").forEach(function (s) { s.remove(); });
    Object.keys(fields || {}).forEach(function (name) {
      var box = document.getElementById("field-" + name);
      if (!box) return;
      box.classList.add("refused-cell");
      var note = document.createElement("span");
      note.className = "cell-error"; note.textContent = fields[name].join("；");
      box.appendChild(note);
    });
    form.querySelectorAll(".row.refused").forEach(function (r) { r.classList.remove("refused"); });
    Object.keys(cells || {}).forEach(function (part) {
      var container = form.querySelector('[data-rows="' + (ROWS[part] || "") + ({budget: "item", milestones: "title", indicators: "name"})[part] + '"]');
      if (!container) return;
      var rows = container.querySelectorAll(":scope > .row");
      Object.keys(cells[part]).forEach(function (index) {
        var row = rows[Number(index) - 1];
        if (!row) return;
        row.classList.add("refused");
        Object.keys(cells[part][index]).forEach(function (col) {
          var label = row.querySelector('[data-col="' + col + '"]');
          if (!label) return;
          label.classList.add("refused-cell");
          var note = document.createElement("span");
          note.className = "cell-error"; note.textContent = cells[part][index][col];
          label.appendChild(note);
        });
      });
    });
    if (window.ycBudgetRecompute) window.ycBudgetRecompute();
  }

  /* URL-encoded (cheap for the server to parse: on deadline day thousands of drafts save at once), except
     for a save sent while the page closes (keepalive caps the body at 64 KiB, and multipart carries Chinese
     text in a third of the bytes). The form has no file inputs: every entry is text. */
  function body(keepalive) {
    var data = new FormData(form);
    data.set("_version", version);
    data.set("_base", JSON.stringify(base));
    return keepalive ? data : new URLSearchParams(data);
  }

  /* A fresh CSRF token from the page itself; false when the session has ended (the page sends to login). */
  function renewToken() {
    return fetch(location.pathname, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok || /\/login\//.test(r.url)) return false;
      return r.text().then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector('[name="csrfmiddlewaretoken"]');
        if (!fresh) return false;
        token().value = fresh.value;
        return true;
      });
    });
  }

  function save(keepalive) {
    if (blocked) return Promise.resolve(null);
    if (inflight) return inflight.then(function () { return dirty ? save(keepalive) : null; });
    var sent = JSON.stringify(entries());
    dirty = false;
    say(status.dataset.saving);
    inflight = send(keepalive, sent, false)
      .catch(function () { dirty = true; say(status.dataset.offline, true); return null; })
      .finally(function () { inflight = null; });
    return inflight;
  }
  function send(keepalive, sent, retried) {
    return fetch(url, {method: "POST", body: body(keepalive), credentials: "same-origin", keepalive: !!keepalive,
                       redirect: "manual", headers: {"X-Autosave": "1"}})
      .then(function (r) {
        if (r.type === "opaqueredirect" || r.status === 401) return {code: "session_expired"};
        return r.json().catch(function () { return {code: r.status === 403 ? "csrf_expired" : "bad_answer"}; });
      })
      .then(function (data) {
        if (data.code === "csrf_expired" && !retried) {  /* a new token from the page, then once more */
          return renewToken().then(function (ok) {
            if (ok) return send(keepalive, sent, true);
            dirty = true; expired(); return data;
          });
        }
        return answered(data, sent);
      });
  }
  function answered(data, sent) {
    if (data.code === "session_expired" || data.code === "csrf_expired") { dirty = true; expired(); return data; }
    if (data.code === "conflict") { dirty = true; conflict(data); return data; }
    showProblems(data.problems || []);
    showRules(data.rules);
    markCells(data.cells, data.fields);
    if (data.saved) {
      version = String(data.version);
      base = data.base || base;
      var unchanged = JSON.stringify(entries()) === sent;
      if (unchanged && data.refresh_keys && data.refresh_keys.length) applyParts(data.refresh, data.refresh_keys);
      confirmed = unchanged && data.complete ? JSON.stringify(entries()) : null;
      if (data.complete) {
        say(status.dataset.saved + " " + data.saved_at, false, data.wrote);
        if (unchanged) forget(); else keep();
      } else {
        say(status.dataset.refused, true, data.wrote);
        keep();
      }
    } else {
      dirty = true;
      say((data.problems || []).join("；") || status.dataset.offline, true);
    }
    return data;
  }
  function changed() {
    if (!blocked && !inflight && JSON.stringify(entries()) === confirmed) { clearTimeout(timer); dirty = false; forget(); return; }
    dirty = true; keep();
    clearTimeout(timer); timer = setTimeout(save, 1200);
  }

  /* Conflicts: both texts side by side; the person keeps theirs or takes the stored one, part by part. */
  function conflict(data) {
    blocked = true;
    keep();
    say(status.dataset.conflict, true);
    if (data.refresh_keys && data.refresh_keys.length) applyParts(data.refresh, data.refresh_keys);
    var holder = conflictBox.querySelector("[data-conflict-list]"), tpl = document.getElementById("conflict-template");
    holder.innerHTML = "";
    var open = data.conflicts.length;
    data.conflicts.forEach(function (c) {
      var node = tpl.content.firstElementChild.cloneNode(true);
      node.querySelector("[data-label]").textContent = c.label;
      node.querySelector("[data-theirs]").textContent = c.theirs;
      node.querySelector("[data-yours]").textContent = c.yours;
      function done(takeTheirs) {
        if (takeTheirs) applyParts(data.theirs[c.key] || [], [c.key]);
        node.remove();
        open -= 1;
        if (open === 0) {
          conflictBox.hidden = true;
          version = String(data.version);
          base = data.base;
          blocked = false;
          dirty = true;
          keep();
          save().then(continueAfter);
        }
      }
      node.querySelector("[data-keep-mine]").addEventListener("click", function () { done(false); });
      node.querySelector("[data-take-theirs]").addEventListener("click", function () { done(true); });
      holder.appendChild(node);
    });
    conflictBox.hidden = false;
    conflictBox.scrollIntoView({block: "start"});
  }

  /* Session ended: the person logs in again in a dialog (or another tab) and the pending save goes out. */
  function expired() {
    blocked = true;
    keep();
    say(status.dataset.expired, true);
    if (dialog && !dialog.open) {
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    }
  }
  function resumed() {
    if (dialog.open) dialog.close();
    blocked = false;
    dirty = true;
    save().then(continueAfter);
  }
  function reloginError(text) {
    var p = dialog.querySelector("[data-relogin-error]");
    p.textContent = text; p.hidden = !text;
  }
  if (dialog) {
    var loginUrl = dialog.dataset.loginUrl;
    dialog.querySelector("[data-relogin-tab]").href = loginUrl + "?next=" + encodeURIComponent(location.pathname);
    dialog.querySelector("#relogin-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      reloginError("");
      fetch(loginUrl, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var data = new FormData();
        data.set("csrfmiddlewaretoken", doc.querySelector('[name="csrfmiddlewaretoken"]').value);
        data.set("username", document.getElementById("relogin-username").value);
        data.set("password", document.getElementById("relogin-password").value);
        data.set("next", location.pathname);
        return fetch(loginUrl, {method: "POST", body: data, credentials: "same-origin"});
      }).then(function (r) {
        return r.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          if (/\/login\//.test(r.url) || !doc.querySelector("form[data-autosave]")) {
            var why = doc.querySelector('[data-testid="login-failed"], [data-testid="login-locked"], .errorlist');
            reloginError(why ? why.textContent.trim() : dialog.querySelector("[data-relogin-tab]").textContent);
            return;
          }
          token().value = doc.querySelector('[name="csrfmiddlewaretoken"]').value;
          document.getElementById("relogin-password").value = "";
          resumed();
        });
      }).catch(function () { reloginError(status.dataset.offline); });
    });
    dialog.querySelector("[data-relogin-retry]").addEventListener("click", function () {
      renewToken().then(function (ok) { if (ok) resumed(); else reloginError(status.dataset.expired); });
    });
  }

  /* Save buttons save through the same path, and move on only once the server confirms everything. */
  function continueAfter(data) {
    var target = after;
    if (!target || !data || !data.saved || !data.complete || dirty) return;
    after = null;
    location.href = target;
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    after = ev.submitter && ev.submitter.dataset.href ? ev.submitter.dataset.href : url;
    dirty = true;
    keep();
    save().then(continueAfter);
  });

  /* Restore input that never reached the server (closed tab, no connection, ended session). */
  /* The newest copy that differs from this page is restored and becomes this tab's; copies equal to
     the page are done with; other differing copies wait for the next page of the section. */
  var stored = null, storedAt = null, shown = JSON.stringify(entries());
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var k = localStorage.key(i);
      if (k !== key && k.indexOf(key + "@") !== 0) continue;
      var copy = null;
      try { copy = JSON.parse(localStorage.getItem(k) || "null"); } catch (e) {}
      if (!copy || !copy.entries || JSON.stringify(copy.entries) === shown) { localStorage.removeItem(k); continue; }
      if (!stored || (copy.ts || 0) > (stored.ts || 0)) { stored = copy; storedAt = k; }
    }
  } catch (e) {}
  if (stored) {
    try { localStorage.removeItem(storedAt); } catch (e) {}
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
    /* The copy was typed against what its page showed: the save is checked against that, not this page. */
    if (stored.version !== undefined && stored.base) { version = String(stored.version); base = stored.base; }
    if (window.ycBudgetRecompute) window.ycBudgetRecompute();
    /* A copy can outlive its save (sent as the page closed, its answer never read) and differ from the
       page only in how the server writes it (0370 → 370): its save decides what is said. */
    restoring = true;
    say(status.dataset.saving);
    dirty = true;
    keep();
    setTimeout(save, 300);
  }

  /* The status sticks to the bottom of the screen and grows with its message (two lines for a conflict on
     a phone): the field in focus, or a part scrolled to, stays clear of it. */
  if (window.ResizeObserver) new ResizeObserver(function () {
    document.documentElement.style.scrollPaddingBottom = status.offsetHeight ? status.offsetHeight + 8 + "px" : "";
  }).observe(status);
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  setInterval(function () { if (dirty) save(); }, 20000);
  /* Moving to another section saves first, so every section change is a save. */
  document.querySelectorAll("a[data-section-link]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (!dirty) return;
      ev.preventDefault();
      /* Offline, the input waits in localStorage; a conflict or an ended session keeps the person here. */
      save().then(function () { if (!blocked) location.href = a.href; }, function () {});
    });
  });
  window.addEventListener("pagehide", function () { if (dirty) save(true); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden" && dirty) save(true); });
})();
