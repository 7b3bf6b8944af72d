/* Live 统一社会信用代码 check: asks the server (the same rule it applies on submit) while the user types. */
(function () {
  var input = document.querySelector("[data-credit-code]");
  var out = document.getElementById("credit-code-check");
  if (!input || !out) return;
  var timer = null;
  function check(retry) {
    var code = input.value.replace(/\s+/g, "").toUpperCase();
    if (!code) { out.textContent = ""; return; }
    fetch(out.dataset.url + "?code=" + encodeURIComponent(code), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        out.className = data.ok ? "check-ok" : "check-bad";
        out.dataset.ok = data.ok ? "1" : "0";
        out.textContent = data.ok ? "✓ " + data.code : data.problems.join("；");
      })
      .catch(function () {
        // A dropped request is asked once more; the server checks again on submit either way.
        out.textContent = "";
        if (!retry) { clearTimeout(timer); timer = setTimeout(function () { check(true); }, 1000); }
      });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { check(false); }, 300); });
  input.addEventListener("blur", function () { check(false); });
})();
