// Précis archive: typeset math with KaTeX (vendored), nothing else needed on most pages.
(function () {
  "use strict";
  function typeset() {
    if (!window.katex) return;
    document.querySelectorAll(".math").forEach(function (el) {
      var tex = el.textContent.trim();
      var display = el.classList.contains("math-display");
      tex = tex.replace(/^\\[\(\[]/, "").replace(/\\[\)\]]$/, "");
      try {
        window.katex.render(tex, el, { displayMode: display, throwOnError: false });
      } catch (e) {
        el.classList.add("math-error");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", typeset);
  } else {
    typeset();
  }
})();
