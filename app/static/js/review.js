// The code-review workspace: comments on lines of the change and a verdict, kept in the
// answer's textarea as JSON so that workspace.js saves, restores and merges them like any
// answer. The textarea stays the one source: every change here is written to it, and every
// change to it (a restored local copy, a resolved conflict, Clear) is drawn again here.
(function () {
  "use strict";
  const root = document.querySelector("[data-review]");
  const textarea = document.getElementById("answer");
  if (!root || !textarea) return;
  // The controls below write the JSON; the raw text stays for a page without this script.
  textarea.hidden = true;

  const list = root.querySelector("[data-review-comments]");
  const empty = root.querySelector("[data-review-empty]");
  const form = root.querySelector("[data-review-form]");
  const target = root.querySelector("[data-review-target]");
  const input = root.querySelector("#review-comment");
  const verdicts = root.querySelectorAll("[data-review-verdict]");
  let editing = null;  // {file, line, button} while the comment form is open

  // JSON typed by hand stays in the textarea for the server to judge; this view shows only
  // what it can read.
  function read() {
    if (!textarea.value.trim()) return { verdict: "", comments: [] };
    try {
      const data = JSON.parse(textarea.value);
      if (data && typeof data === "object" && !Array.isArray(data)) {
        return {
          verdict: typeof data.verdict === "string" ? data.verdict : "",
          comments: Array.isArray(data.comments) ? data.comments.filter(function (c) {
            return c && typeof c.file === "string" && typeof c.line === "number" && typeof c.body === "string";
          }) : [],
        };
      }
    } catch (e) { /* not JSON: leave it to the server's message */ }
    return null;
  }

  function write(review) {
    const blank = !review.verdict && review.comments.length === 0;
    textarea.value = blank ? "" : JSON.stringify({ verdict: review.verdict, comments: review.comments }, null, 1);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function draw() {
    const review = read();
    list.textContent = "";
    if (!review) {
      empty.textContent = "The review text is not valid JSON; Clear starts again.";
      empty.hidden = false;
      return;
    }
    verdicts.forEach(function (radio) { radio.checked = radio.value === review.verdict; });
    review.comments.forEach(function (comment, index) {
      const item = document.createElement("li");
      const where = document.createElement("strong");
      where.textContent = comment.file + " line " + comment.line + ": ";
      const body = document.createElement("span");
      body.textContent = comment.body;  // text, never markup
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-ghost button-small";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove the comment on " + comment.file + " line " + comment.line);
      remove.addEventListener("click", function () {
        const now = read();
        if (!now) return;
        now.comments.splice(index, 1);
        write(now);
        draw();
      });
      item.append(where, body, " ", remove);
      list.appendChild(item);
    });
    empty.textContent = "No comments yet: press a line number to comment on that line.";
    empty.hidden = review.comments.length > 0;
  }

  root.querySelectorAll("[data-review-line]").forEach(function (button) {
    button.addEventListener("click", function () {
      editing = { file: button.dataset.file, line: Number(button.dataset.line), button: button };
      target.textContent = editing.file + " line " + editing.line;
      form.hidden = false;
      input.value = "";
      input.focus();
    });
  });

  function closeForm() {
    form.hidden = true;
    if (editing) editing.button.focus();
    editing = null;
  }

  root.querySelector("[data-review-add]").addEventListener("click", function () {
    const review = read();
    if (!editing || !review || !input.value.trim()) return;
    review.comments.push({ file: editing.file, line: editing.line, body: input.value });
    write(review);
    draw();
    closeForm();
  });
  root.querySelector("[data-review-cancel]").addEventListener("click", closeForm);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closeForm(); }
  });

  verdicts.forEach(function (radio) {
    radio.addEventListener("change", function () {
      const review = read();
      if (!review) return;
      review.verdict = radio.value;
      write(review);
    });
  });

  textarea.addEventListener("input", draw);
  textarea.addEventListener("archboard:replace", draw);
  draw();
})();
