// The planner page: how much of the posting the planner will read, and on the
// interview form the browser's time zone and the fields the chosen mode needs.
(function () {
  "use strict";

  const text = document.querySelector("[data-max-chars]");
  const count = document.querySelector("[data-char-count]");
  if (text && count) {
    const limit = Number(text.getAttribute("data-max-chars"));
    const show = function () {
      // The server counts a line break as one character, as the browser's length does.
      const length = text.value.length;
      count.hidden = false;
      count.textContent = length > limit
        ? length.toLocaleString() + " characters: " + (length - limit).toLocaleString() + " over the limit of " + limit.toLocaleString() + "."
        : length.toLocaleString() + " of " + limit.toLocaleString() + " characters.";
      count.classList.toggle("field-error", length > limit);
    };
    text.addEventListener("input", show);
    show();
  }

  const form = document.querySelector("[data-plan-interview-form]");
  if (form) {
    const offset = form.querySelector("[data-tz-offset]");
    if (offset) offset.value = String(new Date().getTimezoneOffset());
    const showMode = function () {
      const chosen = form.querySelector("[data-mode]:checked");
      form.querySelectorAll("[data-when]").forEach(function (part) {
        part.hidden = chosen && part.getAttribute("data-when") !== chosen.value;
      });
    };
    form.querySelectorAll("[data-mode]").forEach(function (radio) { radio.addEventListener("change", showMode); });
    showMode();
  }
})();
