/* Live budget totals and the labor-cap gauge. Money is integer fen (BigInt) end to end: no floats.
   The server re-checks everything with the same rules (grants.rules.budget); this is only the preview.
   data-cap-value is the cap × 100 (percent in hundredths, or a fixed amount in fen). */
(function () {
  var root = document.getElementById("budget-editor");
  if (!root) return;
  var numbers = window.ycNumbers;  /* static/js/numbers.js: the server's parsing rule, ported */
  var CATEGORIES = {}, SOURCES = {grant: 1, cofund: 1};
  var tpl = root.querySelector("template");
  (tpl ? tpl.content : root).querySelectorAll('[name$="category"] option').forEach(function (o) { if (o.value) CATEGORIES[o.value] = 1; });

  function fmt(fen) {
    var neg = fen < 0n; if (neg) fen = -fen;
    var yuan = (fen / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var f = (fen % 100n).toString().padStart(2, "0");
    return (neg ? "-" : "") + yuan + "." + f;
  }
  function ceilDiv(a, b) { return (a + b - 1n) / b; }
  function out(name) { return root.querySelector('[data-out="' + name + '"]'); }

  function recompute() {
    var byCat = {}, byCatGrant = {}, bySrc = {grant: 0n, cofund: 0n}, total = 0n;
    root.querySelectorAll("[data-budget-row]").forEach(function (row) {
      var get = function (n) { return row.querySelector('[name$="' + n + '"]'); };
      var price = numbers.money(get("unit_price").value), qty = numbers.figure(get("quantity").value);
      var cell = row.querySelector("[data-subtotal]");
      if (price === null || qty === null || qty <= 0n) { cell.textContent = "—"; return; }
      var fen = (price * qty + 50n) / 100n;  /* 单价 × 数量, half up to the fen, as line_amount() */
      cell.textContent = fmt(fen);
      /* Counted only when the server would keep the row: a row it refuses is not in any total. */
      if (!get("item").value.trim() || !CATEGORIES[get("category").value] || !SOURCES[get("source").value]) return;
      var cat = get("category").value, src = get("source").value;
      byCat[cat] = (byCat[cat] || 0n) + fen;
      bySrc[src] = (bySrc[src] || 0n) + fen;
      if (src === "grant") byCatGrant[cat] = (byCatGrant[cat] || 0n) + fen;
      total += fen;
    });
    root.querySelectorAll("[data-cat]").forEach(function (c) { c.textContent = fmt(byCat[c.dataset.cat] || 0n); });
    root.querySelectorAll("[data-cat-grant]").forEach(function (c) { c.textContent = fmt(byCatGrant[c.dataset.catGrant] || 0n); });
    root.querySelectorAll("[data-src]").forEach(function (c) { c.textContent = fmt(bySrc[c.dataset.src] || 0n); });
    out("total").textContent = fmt(total);

    var grant = root.dataset.fixedGrant ? BigInt(root.dataset.fixedGrant) : bySrc.grant;
    var labor = byCatGrant.labor || 0n, kind = root.dataset.capKind;
    var cap = root.dataset.capValue ? BigInt(root.dataset.capValue) : 0n;
    var limit, over;
    if (kind === "pct_grant" || kind === "pct_total") {
      var base = kind === "pct_grant" ? grant : total;
      over = labor * 10000n > base * cap;  /* exact: exactly the cap passes, one fen more fails */
      limit = base * cap / 10000n;         /* the largest fen amount that still passes */
    } else if (kind === "fixed") { limit = cap; over = labor > cap; }
    else { limit = 0n; over = labor > 0n; }
    out("labor").textContent = fmt(labor);
    out("limit").textContent = fmt(limit);
    out("share").textContent = grant > 0n ? fmt(ceilDiv(labor * 10000n, grant)) : "—";
    var width = over ? 100n : (limit > 0n ? labor * 100n / limit : 0n);
    var gauge = document.getElementById("labor-gauge");
    gauge.firstElementChild.style.width = (width > 100n ? 100n : width).toString() + "%";
    gauge.classList.toggle("over", over);
    gauge.dataset.over = over ? "1" : "0";
    document.getElementById("labor-label").classList.toggle("over", over);
    root.querySelector("[data-over-msg]").hidden = !over;
  }
  root.addEventListener("input", recompute);
  root.addEventListener("change", recompute);
  window.ycBudgetRecompute = recompute;
  recompute();
})();
