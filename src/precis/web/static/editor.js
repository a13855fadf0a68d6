// The editor page's few things htmx cannot do: the <@ menu at the caret, "edit both together" in a
// merge, taking a suggested category or title, copying a review link, and letting htmx swap 409/422 answers (the merge view,
// an error line) instead of dropping them.
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

  // A merge view swapped in by autosave: show its note, not wherever the caret was.
  document.addEventListener("htmx:afterSwap", function () {
    var note = document.querySelector(".merge-note");
    if (note) note.scrollIntoView({ block: "start" });
  });

  function csrf() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["x-csrftoken"]; } catch (e) { return ""; }
  }

  function changed(el) {
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  }

  // -- the <@ menu ---------------------------------------------------------------------------
  var menu = null;
  var timer = null;

  function closeMenu() {
    if (menu) { menu.remove(); menu = null; }
  }

  function openAt(textarea) {
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret);
    var start = before.lastIndexOf("<@");
    if (start < 0 || before.slice(start).indexOf("@>") >= 0 || /\n/.test(before.slice(start))) { closeMenu(); return; }
    var query = before.slice(start + 2);
    var form = textarea.closest("form");
    var body = new URLSearchParams({ q: query, text: textarea.value, entry_id: form ? (form.dataset.entry || "") : "" });
    fetch("/newsroom/entries/references", {
      method: "POST", body: body, credentials: "same-origin", headers: { "x-csrftoken": csrf() },
    }).then(function (r) { return r.json(); }).then(function (data) {
      closeMenu();
      if (!data.titles || !data.titles.length) return;
      menu = document.createElement("ul");
      menu.className = "ref-menu";
      menu.setAttribute("role", "listbox");
      data.titles.forEach(function (title) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.tabIndex = 0;
        li.textContent = title;
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); insert(textarea, start, title); });
        li.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter") { ev.preventDefault(); insert(textarea, start, title); }
          else if (ev.key === "ArrowDown" && li.nextSibling) { ev.preventDefault(); li.nextSibling.focus(); }
          else if (ev.key === "ArrowUp") { ev.preventDefault(); (li.previousSibling || textarea).focus(); }
        });
        menu.appendChild(li);
      });
      textarea.insertAdjacentElement("afterend", menu);
    });
  }

  function insert(textarea, start, title) {
    var caret = textarea.selectionStart;
    var text = "<@" + title + "@>";
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(caret);
    var at = start + text.length;
    textarea.focus();
    textarea.setSelectionRange(at, at);
    closeMenu();
    changed(textarea);
  }

  document.addEventListener("input", function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLTextAreaElement) || !t.classList.contains("markup")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { openAt(t); }, 150);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") closeMenu();
    if (ev.key === "ArrowDown" && menu && ev.target instanceof HTMLTextAreaElement) {
      ev.preventDefault();
      menu.firstChild.focus();
    }
  });
  document.addEventListener("click", function (ev) {
    if (menu && !menu.contains(ev.target)) closeMenu();
  });

  // -- buttons -------------------------------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button") : null;
    if (!b) return;
    if (b.classList.contains("both")) {  // a merge: both texts in my field, to edit together
      var field = document.getElementById(b.dataset.field);
      var box = b.closest(".theirs");
      var theirs = box.querySelector("input[type=hidden]").value;
      field.value = field.value + "\n\n" + theirs;
      box.querySelector("input[value=mine]").checked = true;
      changed(field);
    } else if (b.classList.contains("take-category")) {
      var select = document.getElementById("f-category");
      select.value = b.dataset.category;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (b.classList.contains("copy-link")) {  // a review link, shown once
      var shown = b.parentNode.querySelector(".review-link");
      if (shown) shown.select();
      var done = function () { b.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(b.dataset.link).then(done, function () {});
      else if (document.execCommand("copy")) done();
    } else if (b.classList.contains("ref-fix")) {  // replace an unknown reference by a suggested title
      var preview = b.closest(".preview");
      var area = preview && document.getElementById("f-" + preview.id.replace(/^preview-/, ""));
      if (!area) return;
      area.value = area.value.split("<@" + b.dataset.key + "@>").join("<@" + b.dataset.title + "@>")
        .split("(@" + b.dataset.key + "@)").join("(@" + b.dataset.title + "@)");
      changed(area);
    }
  });
})();
