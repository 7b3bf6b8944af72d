/* Countdown to a deadline given as an ISO timestamp with its Beijing offset; the server decides, this only shows.
   Wording comes from the template (translated there): data-format with {d} {h} {m}, data-over. */
(function () {
  var nodes = document.querySelectorAll(".countdown[data-deadline]");
  if (!nodes.length) return;
  function tick() {
    var now = Date.now();
    nodes.forEach(function (n) {
      var ms = Date.parse(n.dataset.deadline) - now;
      if (ms <= 0) { n.textContent = n.dataset.over || ""; return; }
      n.textContent = (n.dataset.format || "{d} {h}:{m}")
        .replace("{d}", Math.floor(ms / 86400000))
        .replace("{h}", Math.floor(ms % 86400000 / 3600000))
        .replace("{m}", Math.floor(ms % 3600000 / 60000));
    });
  }
  tick();
  setInterval(tick, 30000);
})();
