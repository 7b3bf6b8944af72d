/* Tranche template: shows the sum of the percentages as the officer types (the server checks it again).
   Rows ticked for removal and empty inputs do not count; sums are done in hundredths, never floats. */
(function () {
  function hundredths(text) {
    var m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + (m[2] ? parseInt((m[2] + "0").slice(0, 2), 10) : 0);
  }
  function update(box) {
    var total = 0, valid = true, out = box.querySelector("[data-sum-output]");
    box.querySelectorAll("[data-row]").forEach(function (row) {
      var del = row.querySelector("[data-delete]");
      if (del && del.checked) return;
      var input = row.querySelector("[data-percent]");
      if (!input || input.value.trim() === "") return;
      var h = hundredths(input.value);
      if (h === null) { valid = false; return; }
      total += h;
    });
    var text = (total / 100).toFixed(2) + "%";
    var ok = valid && total === 10000;
    out.textContent = box.dataset.labelTotal + " " + (valid ? text : "—") + " · " + (ok ? box.dataset.labelOk : box.dataset.labelBad);
    out.className = "sum " + (ok ? "ok" : "bad");
  }
  document.querySelectorAll("[data-percent-sum]").forEach(function (box) {
    box.addEventListener("input", function () { update(box); });
    box.addEventListener("change", function () { update(box); });
    update(box);
  });
})();
