/* The one rule for typed figures, ported from core/money.py (_figure, parse_figure, money) so the live
   budget preview counts exactly what the server accepts. Both sides are tested on the same cases:
   tests/fixtures/number_cases.json. Values are integer hundredths (BigInt): no floats anywhere.
   money(text) → hundredths or null; figure(text) → hundredths or null. */
(function (root) {
  var FULL = "０１２３４５６７８９．，－＋", ASCII = "0123456789.,-+";
  var NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
  var GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;
  var MAX_UPPER = 99999999999999n;  /* 999,999,999,999.99 yuan in hundredths: what every money column holds */

  function ascii(text) {
    return String(text).replace(/[０-９．，－＋]/g, function (c) { return ASCII.charAt(FULL.indexOf(c)); });
  }
  /* Python's str.strip() and JS trim() agree on the whitespace a person can type (incl. U+3000). */
  function figureHundredths(text) {
    if (!text || /\s/.test(text)) return null;
    if (text.indexOf(",") >= 0) {
      if (!GROUPED.test(text)) return null;
      text = text.replace(/,/g, "");
    }
    if (!NUMBER.test(text)) return null;
    var negative = text.charAt(0) === "-";
    if (text.charAt(0) === "+" || negative) text = text.slice(1);
    var parts = text.split("."), whole = parts[0] || "0", frac = parts[1] || "";
    if (/[1-9]/.test(frac.slice(2))) return null;  /* more than two decimals (trailing zeros are fine) */
    var value = BigInt(whole) * 100n + BigInt((frac + "00").slice(0, 2));
    return negative ? -value : value;
  }
  function figure(raw) {
    var value = figureHundredths(ascii(raw == null ? "" : raw).trim());
    return value === -0n ? 0n : value;
  }
  function money(raw) {
    var text = ascii(raw == null ? "" : raw).trim();
    if (text.slice(-1) === "元") text = text.slice(0, -1).replace(/\s+$/, "");
    var sign = "";
    if ("+-".indexOf(text.charAt(0)) >= 0 && text.charAt(0) !== "" && "¥￥".indexOf(text.charAt(1)) >= 0 && text.charAt(1) !== "") {
      sign = text.charAt(0); text = text.slice(1);
    }
    if (text.charAt(0) === "¥" || text.charAt(0) === "￥") text = text.slice(1).replace(/^\s+/, "");
    var value = figureHundredths(sign + text);
    if (value === null || value < 0n || value > MAX_UPPER) return null;
    return value;
  }
  var api = {money: money, figure: figure};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.ycNumbers = api;
})(this);
