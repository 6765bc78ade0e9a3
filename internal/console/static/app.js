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
// White label: the preview follows the form as it is typed.
(function () {
  var p = document.getElementById("preview");
  if (!p) { return; }
  var name = document.getElementById("brand_name");
  var color = document.getElementById("primary_color");
  var label = p.querySelector(".bar span");
  function update() {
    if (name && label) { label.textContent = name.value || "Switchboard"; }
    if (color && /^#[0-9a-fA-F]{6}$/.test(color.value)) { p.style.setProperty("--brand", color.value); }
  }
  if (name) { name.addEventListener("input", update); }
  if (color) { color.addEventListener("input", update); }
})();
