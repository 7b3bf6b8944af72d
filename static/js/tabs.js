/* The section tabs scroll sideways on a phone: the current one is brought into the strip's view (from
   section 4 on it was off the screen). */
(function () {
  var current = document.querySelector(".tabs a.current");
  if (!current) return;
  var strip = current.closest(".tabs"), s = strip.getBoundingClientRect(), c = current.getBoundingClientRect();
  if (c.left < s.left || c.right > s.right) strip.scrollLeft += c.left - s.left - (s.width - c.width) / 2;
})();
