// The incident workspace: "Cite" puts a reference to an evidence item into the answer at the
// cursor, as typing would, so the usual autosave, preview and history carry it. The list is
// replaced after each "Show", so the buttons are found through the document.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-cite]");
    const textarea = document.getElementById("answer");
    if (!button || !textarea) return;
    const reference = "[evidence: " + button.dataset.cite + "]";
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const before = textarea.value.slice(0, start);
    const spacer = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + spacer + reference + textarea.value.slice(end);
    const caret = start + spacer.length + reference.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input"));
  });
})();
