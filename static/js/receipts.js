/* Each spending row of a report has its own receipt input. The server pairs files with rows by the
   row's number, and rows can be added and removed, so the inputs are numbered in row order just
   before the form is sent. */
(function () {
  document.addEventListener("submit", function (e) {
    var container = e.target.querySelector('[data-rows="e_line"]');
    if (!container) return;
    container.querySelectorAll(":scope > .row").forEach(function (row, i) {
      var input = row.querySelector("input[data-receipts]");
      if (input) input.name = "e_receipts_" + (i + 1);
    });
  });
})();
