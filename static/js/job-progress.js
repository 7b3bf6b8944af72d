// Live progress of one background job: polls its JSON status until it is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") { return; }
  var url = box.dataset.statusUrl;
  var delay = 1000;

  function show(s) {
    var state = document.getElementById("job-state");
    state.textContent = s.state_label;
    state.dataset.state = s.state;
    state.className = "badge" + (s.state === "done" ? " ok" : s.state === "failed" ? " bad" : "");
    document.getElementById("job-count").textContent = s.done + " / " + s.total;
    var bar = document.getElementById("job-progress");
    bar.setAttribute("aria-valuenow", s.percent);
    bar.firstElementChild.style.width = s.percent + "%";
    var error = document.getElementById("job-error");
    error.textContent = s.error || "";
    error.hidden = !s.error;
    if (s.download_url) {
      document.getElementById("job-download").href = s.download_url;
      document.getElementById("job-download-wrap").hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        show(s);
        if (s.follow_up && !document.getElementById("job-follow-up")) { window.location.reload(); return; }
        if (s.summary && !document.getElementById("job-summary")) { window.location.reload(); return; }
        if (!s.finished) { delay = 1000; setTimeout(poll, delay); }
      })
      .catch(function () { delay = Math.min(delay * 2, 15000); setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
