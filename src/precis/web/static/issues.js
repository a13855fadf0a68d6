// The issue page's few things htmx cannot do: filtering the approved entries as one types, dragging
// an entry to a new place, copying the forum post in one click, and letting htmx swap 4xx answers
// (a library error's one line) instead of dropping them.
(function () {
  "use strict";
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "4..", swap: true, error: true },
      { code: "...", swap: false, error: true },
    ];
  }

  // -- the filter box over the approved entries ------------------------------------------------
  function filterCandidates() {
    var box = document.getElementById("candidate-filter");
    var list = document.getElementById("candidate-list");
    if (!box || !list) return;
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.querySelectorAll("li").forEach(function (li) {
      var text = li.dataset.text || "";
      li.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  }
  document.addEventListener("input", function (ev) {
    if (ev.target.id === "candidate-filter") filterCandidates();
  });
  // How many are ticked, the hidden ones too (a filter hides entries, it does not untick them).
  document.addEventListener("change", function (ev) {
    var list = document.getElementById("candidate-list");
    var said = document.getElementById("ticked");
    if (!list || !said || !list.contains(ev.target)) return;
    var n = list.querySelectorAll("input[type=checkbox]:checked").length;
    said.textContent = n ? n + " ticked" : "";
  });
  // The box survives a swap of the compose part (hx-preserve); the new list is filtered again.
  document.addEventListener("htmx:afterSwap", filterCandidates);

  // -- the problems, kept in view while they are checked again ----------------------------------
  // Each change swaps the compose part, whose problems load a moment later, above the list. Showing
  // the last ones meanwhile keeps the list from jumping under the editor's pointer mid-drag.
  var lastProblems = null;
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var old = document.getElementById("problems");
    var loaded = old && old.hasAttribute("aria-labelledby");
    lastProblems = loaded && ev.detail.target && ev.detail.target.id === "compose" ? old.innerHTML : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var fresh = document.getElementById("problems");
    if (lastProblems !== null && fresh && !fresh.hasAttribute("aria-labelledby")) {
      fresh.innerHTML = lastProblems;
      fresh.classList.add("rechecking");
    }
    lastProblems = null;
  });

  // -- dragging an entry to a new place ---------------------------------------------------------
  var dragged = null;

  function clearMarks(list) {
    list.querySelectorAll(".drop-before").forEach(function (li) { li.classList.remove("drop-before"); });
  }

  document.addEventListener("dragstart", function (ev) {
    var li = ev.target.closest ? ev.target.closest("#issue-entries > li") : null;
    if (!li) return;
    dragged = li;
    li.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", li.dataset.id);
  });
  document.addEventListener("dragover", function (ev) {
    if (!dragged) return;
    var li = ev.target.closest ? ev.target.closest("#issue-entries > li") : null;
    if (!li) return;
    ev.preventDefault();
    clearMarks(li.parentNode);
    if (li !== dragged) li.classList.add("drop-before");
  });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    clearMarks(dragged.parentNode);
    dragged = null;
  });
  document.addEventListener("drop", function (ev) {
    if (!dragged) return;
    var li = ev.target.closest ? ev.target.closest("#issue-entries > li") : null;
    if (!li || li === dragged) return;
    ev.preventDefault();
    var list = li.parentNode;
    list.insertBefore(dragged, li);
    var form = document.getElementById(list.dataset.orderForm);
    if (!form) return;
    form.querySelectorAll("input[name=entry_id]").forEach(function (i) { i.remove(); });
    list.querySelectorAll(":scope > li").forEach(function (item) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "entry_id";
      input.value = item.dataset.id;
      form.appendChild(input);
    });
    form.requestSubmit();
  });

  // -- copying the forum post -------------------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button.copy") : null;
    if (!b) return;
    var area = document.getElementById(b.dataset.copy);
    var said = b.parentNode.querySelector(".copied");
    if (!area) return;
    function done(words) { if (said) said.textContent = words; }
    function selectAll() {
      area.focus();
      area.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      done(copied ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(function () { done("Copied."); }, selectAll);
    } else {
      selectAll();
    }
  });
})();
