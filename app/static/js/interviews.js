// Interview pages: the creation form, the live view's notes, and the
// scorecard (quoting evidence from the answer, accepting suggestions). htmx
// polls the live view and autosaves the scorecard (see the templates).
(function () {
  "use strict";

  // Times are printed in UTC by the server; show them in the reader's zone,
  // in the page and in what htmx swaps in.
  function localTimes(root) {
    root.querySelectorAll("time[data-local-time]").forEach(function (node) {
      const at = new Date(node.getAttribute("datetime"));
      if (!isNaN(at)) node.textContent = at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    });
  }
  localTimes(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { localTimes(event.detail.target); });
  document.body.addEventListener("htmx:oobAfterSwap", function (event) { localTimes(event.detail.target); });

  // Copy buttons: <button data-copy="#input-id">.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", async function () {
      const input = document.querySelector(button.getAttribute("data-copy"));
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
        button.textContent = "Copied";
      } catch (e) {
        button.textContent = "Press Ctrl+C";
      }
    });
  });

  // The creation form: the browser's time zone, and only the fields the mode needs.
  const form = document.querySelector("[data-interview-form]");
  if (form) {
    const offset = form.querySelector("[data-tz-offset]");
    if (offset) offset.value = String(new Date().getTimezoneOffset());
    const modes = form.querySelectorAll("[data-mode]");
    const showMode = function () {
      const chosen = form.querySelector("[data-mode]:checked");
      form.querySelectorAll("[data-when]").forEach(function (part) {
        part.hidden = chosen && part.getAttribute("data-when") !== chosen.value;
      });
    };
    modes.forEach(function (radio) { radio.addEventListener("change", showMode); });
    showMode();
    const total = form.querySelector("[data-minutes-total]");
    const sumMinutes = function () {
      let minutes = 0;
      form.querySelectorAll("input[name=prompts]:checked").forEach(function (box) {
        minutes += Number(box.getAttribute("data-minutes"));
      });
      total.hidden = minutes === 0;
      total.textContent = "The chosen prompts add up to " + minutes + " minutes.";
    };
    form.querySelectorAll("input[name=prompts]").forEach(function (box) { box.addEventListener("change", sumMinutes); });
    sumMinutes();
  }

  // The live view's notes: a note htmx added leaves an empty form behind.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.target.matches("[data-note-form]") && event.detail.successful) event.target.reset();
  });

  // Evidence: quote the text selected inside the answer, and find it again.
  function answerOf(ref) {
    return document.querySelector('[data-answer="' + ref + '"]');
  }
  function squash(text) {
    return text.replace(/\s+/g, " ").trim();
  }
  function findRange(root, quote) {
    // Walk the text nodes, matching the quote with whitespace runs as one space.
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const chars = [];  // [node, offset] of each kept character
    let text = "";
    let lastSpace = true;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const value = node.nodeValue;
      for (let i = 0; i < value.length; i++) {
        const space = /\s/.test(value[i]);
        if (space && lastSpace) continue;
        text += space ? " " : value[i];
        chars.push([node, i]);
        lastSpace = space;
      }
    }
    const at = text.indexOf(squash(quote));
    if (at < 0) return null;
    const end = at + squash(quote).length - 1;
    const range = document.createRange();
    range.setStart(chars[at][0], chars[at][1]);
    range.setEnd(chars[end][0], chars[end][1] + 1);
    return range;
  }
  function showQuote(ref, quote) {
    const root = answerOf(ref);
    if (!root) return;
    const folded = root.closest("details");
    if (folded) folded.open = true;
    const range = findRange(root, quote);
    if (!range) return;
    const rect = range.getBoundingClientRect();
    root.scrollTop += rect.top - root.getBoundingClientRect().top - 40;
    range.startContainer.parentElement.scrollIntoView({ block: "center", behavior: "smooth" });
    if (window.CSS && CSS.highlights && window.Highlight) {
      CSS.highlights.set("evidence", new Highlight(range));
    } else {
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
  }
  // "Show in answer" on any page that has the answer (scorecard, comparison).
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-show-quote]");
    if (!button) return;
    const item = button.closest("li");
    showQuote(button.getAttribute("data-answer-ref"), item.querySelector("blockquote").textContent);
  });

  // The scorecard. htmx saves the draft a moment after each change (the
  // form's hx-trigger) and puts the server's answer in the status line; this
  // says what happens meanwhile and when the server cannot be reached.
  const card = document.querySelector("[data-scorecard]");
  if (!card) return;
  const status = card.querySelector("[data-scorecard-status]");
  // Changes made by buttons here (quotes, suggestions) are edits like typing.
  function edited() { card.dispatchEvent(new Event("archboard:edit")); }
  card.addEventListener("htmx:beforeRequest", function () { status.textContent = "Saving…"; });
  card.addEventListener("htmx:sendError", function () {
    status.textContent = "Offline: not saved yet. It will be saved when you next change something, or press Save draft.";
  });
  card.addEventListener("htmx:responseError", function (event) {
    status.textContent = "Not saved (the server answered " + event.detail.xhr.status + "). It will be saved when you next change something, or press Save draft.";
  });
  // htmx sets the form up once the page has loaded (after the scripts below
  // it): changes made before then are changes like any other.
  document.addEventListener("DOMContentLoaded", function () {
    const changed = Array.from(card.elements).some(function (field) {
      if (field.type === "radio" || field.type === "checkbox") return field.checked !== field.defaultChecked;
      if (field.tagName === "TEXTAREA") return field.value !== field.defaultValue;
      return false;
    });
    if (changed) edited();
  });

  // Accepting a suggested level.
  card.querySelectorAll("[data-accept-suggestion]").forEach(function (button) {
    button.addEventListener("click", function () {
      const fieldset = button.closest("[data-criterion]");
      const level = fieldset.getAttribute("data-suggested");
      const radio = fieldset.querySelector('input[type=radio][value="' + level + '"]');
      if (radio) { radio.checked = true; radio.focus(); edited(); }
    });
  });

  function addQuote(list, name, ref, quote) {
    const item = document.createElement("li");
    item.className = "evidence-item";
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = quote;
    const block = document.createElement("blockquote");
    block.textContent = quote;
    const show = document.createElement("button");
    show.type = "button";
    show.className = "button button-ghost button-small";
    show.textContent = "Show in answer";
    show.setAttribute("data-show-quote", "");
    show.setAttribute("data-answer-ref", ref);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button-ghost button-small";
    remove.textContent = "Remove";
    remove.setAttribute("data-remove-quote", "");
    item.append(input, block, show, remove);
    list.appendChild(item);
  }
  card.addEventListener("click", function (event) {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-add-quote")) {
      const ref = target.getAttribute("data-answer-ref");
      const root = answerOf(ref);
      const selection = window.getSelection();
      const box = target.closest("[data-evidence]");
      const hint = box.querySelector(".hint");
      if (!root || !selection.rangeCount || selection.isCollapsed ||
          !root.contains(selection.getRangeAt(0).commonAncestorContainer)) {
        hint.textContent = "First select some words in this prompt's answer, then press the button.";
        hint.classList.add("field-error");
        return;
      }
      const quote = squash(selection.toString()).slice(0, 1000);
      hint.textContent = "Quoted. Select more words to add another quote.";
      hint.classList.remove("field-error");
      addQuote(box.querySelector("[data-evidence-list]"), target.getAttribute("data-name"), ref, quote);
      selection.removeAllRanges();
      edited();
    } else if (target.hasAttribute("data-remove-quote")) {
      target.closest("li").remove();
      edited();
    }
  });
  // The button takes focus on click, which would clear the selection in some
  // browsers before the handler runs: keep it by not focusing on mousedown.
  card.querySelectorAll("[data-add-quote]").forEach(function (button) {
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  });
  // The page renders these tools hidden: without this script they would be
  // buttons that do nothing. They appear once their handlers are in place.
  card.querySelectorAll("[data-accept-suggestion], [data-quote-tools]").forEach(function (tool) {
    tool.hidden = false;
  });
})();
