// Switchboard console: enhancements only; every form works without this script.
"use strict";
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-copy]");
  if (b) {
    var el = document.getElementById(b.getAttribute("data-copy"));
    if (el && navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        var t = b.textContent;
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = t; }, 1500);
      });
    }
    e.preventDefault();
  }
});
document.addEventListener("submit", function (e) {
  var f = e.target;
  var msg = f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
