/* Row editors (milestones, indicators, budget lines): add and remove rows from a <template>.
   Every row has every input, so the server reads the columns with getlist() and rows stay aligned. */
(function () {
  function rows(container) { return container.querySelectorAll(":scope > .row"); }
  function add(container) {
    var tpl = container.querySelector(":scope > template");
    var row = tpl.content.firstElementChild.cloneNode(true);
    container.insertBefore(row, tpl);
    return row;
  }
  function changed(el) { el.dispatchEvent(new Event("input", {bubbles: true})); }
  document.addEventListener("click", function (e) {
    var addBtn = e.target.closest("[data-add-row]");
    if (addBtn) {
      var container = addBtn.previousElementSibling;
      while (container && !container.hasAttribute("data-rows")) container = container.previousElementSibling;
      if (container) { var row = add(container); var first = row.querySelector("input"); if (first) first.focus(); changed(container); }
    }
    var removeBtn = e.target.closest("[data-remove-row]");
    if (removeBtn) {
      var r = removeBtn.closest(".row"), parent = r.parentNode;
      r.remove();
      changed(parent);
    }
  });
  /* Used by autosave to restore unsaved rows: makes the container hold exactly n rows. */
  window.ycRows = {
    ensure: function (container, n) {
      while (rows(container).length < n) add(container);
      var all = rows(container);
      for (var i = all.length - 1; i >= n; i--) all[i].remove();
    }
  };
  document.querySelectorAll("[data-rows]").forEach(function (c) { if (!rows(c).length) add(c); });
})();
