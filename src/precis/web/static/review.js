// The author's review page: text selected in the summary becomes the passage a comment is about.
// Without this script the passage field is a plain textarea to paste into.
(function () {
  "use strict";
  function start() {
    var summary = document.getElementById("summary");
    var passage = document.getElementById("passage");
    if (!summary || !passage) { return; }
    function take() {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || selection.rangeCount === 0) { return; }
      var range = selection.getRangeAt(0);
      if (!summary.contains(range.commonAncestorContainer)) { return; }
      var text = selection.toString().replace(/\s+/g, " ").trim();
      if (!text) { return; }
      passage.value = text.slice(0, Number(passage.getAttribute("maxlength")) || text.length);
      passage.dispatchEvent(new Event("input", { bubbles: true }));
    }
    summary.addEventListener("mouseup", take);
    summary.addEventListener("keyup", take);
    summary.addEventListener("touchend", take);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
