// Playback of an answer's revisions: a slider over the saved versions, Play/Pause
// at a chosen speed, and the text of the version shown with what changed since
// the one before it marked. The page holds the timeline only; each version is
// fetched as one JSON frame ({number, saved_at, seconds_in, body, size,
// restored_from, ...}) when it is shown, and the next few while playing. Text
// from a frame is always put in the page as text, never as HTML.
(function () {
  "use strict";

  const root = document.querySelector("[data-playback]");
  const dataNode = document.getElementById("playback-data");
  if (!root || !dataNode) return;

  const timeline = JSON.parse(dataNode.textContent);
  const points = timeline.revisions;
  const frameUrl = root.dataset.frameUrl.replace(/0$/, "");
  const scrub = root.querySelector("[data-scrub]");
  const playButton = root.querySelector("[data-play]");
  const meta = root.querySelector("[data-frame-meta]");
  const textNode = root.querySelector("[data-frame-text]");
  const changeNode = root.querySelector("[data-frame-change]");
  const drawingNode = root.querySelector("[data-frame-drawing]");
  const boardNode = root.querySelector("[data-whiteboard-player]");

  const PREFETCH = 3;          // versions fetched ahead while playing
  const CACHE_LIMIT = 40;      // frames kept (each can be 200 KB of text)
  const LONGEST_PAUSE_S = 10;  // a longer pause between saves plays as this long
  const SHORTEST_STEP_MS = 150;

  let speed = 4;
  let playing = false;
  let timer = null;
  let shown = 0;  // index into points of the version on screen
  const cache = new Map();  // number -> Promise of the frame

  // Frames ------------------------------------------------------------------------------

  function fetchFrame(number) {
    if (cache.has(number)) {
      const hit = cache.get(number);
      cache.delete(number);  // kept as the most recently used
      cache.set(number, hit);
      return hit;
    }
    const promise = fetch(frameUrl + number, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
    promise.catch(function () { cache.delete(number); });
    cache.set(number, promise);
    while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value);
    return promise;
  }

  function prefetch(index) {
    for (let i = index + 1; i <= index + PREFETCH && i < points.length; i++) fetchFrame(points[i].number);
  }

  // Rendering ---------------------------------------------------------------------------

  function minutesIn(seconds) { return Math.floor(seconds / 60) + " min in"; }

  function clockTime(iso) { return iso.slice(11, 19) + " UTC"; }

  function describe(point) {
    let text = "Version " + point.number + " of " + points[points.length - 1].number +
      ", saved " + clockTime(point.saved_at) + ", " + minutesIn(point.seconds_in);
    if (point.restored_from) text += ", restored from version " + point.restored_from;
    const reveals = timeline.reveals.filter(function (r) { return r.after_revision === point.number; });
    reveals.forEach(function (r) { text += "; hint " + r.hint + " revealed after it"; });
    (timeline.asked || []).forEach(function (a) {
      if (a.after_revision === point.number) text += "; asked for " + a.title + " after it";
    });
    return text;
  }

  // The text of a frame, with what changed since ``previous`` (a frame or null) marked:
  // the common start and end are kept, the middle shown as removed and added.
  function renderText(frame, previous) {
    const before = previous ? previous.body : "";
    const after = frame.body;
    let start = 0;
    const limit = Math.min(before.length, after.length);
    while (start < limit && before[start] === after[start]) start++;
    let end = 0;
    while (end < limit - start &&
           before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
    // Whole words are marked: the change starts after a space and ends before one.
    while (start > 0 && !/\s/.test(after[start - 1])) start--;
    while (end > 0 && !/\s/.test(after[after.length - end])) end--;
    const removed = before.slice(start, before.length - end);
    const added = after.slice(start, after.length - end);

    textNode.replaceChildren();
    textNode.append(document.createTextNode(after.slice(0, start)));
    if (removed) textNode.append(marked("del", "removed", removed));
    if (added) textNode.append(marked("ins", "added", added));
    textNode.append(document.createTextNode(after.slice(after.length - end)));
    changeNode.textContent = previous
      ? "· " + added.length + " characters added, " + removed.length + " removed since version " + previous.number
      : "· the first version";
    const first = textNode.querySelector("ins, del");
    if (first && !playing) first.scrollIntoView({ block: "nearest" });
  }

  function marked(tag, label, text) {
    const node = document.createElement(tag);
    node.className = "playback-" + label;
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = "[" + label + ": ";
    node.append(hidden, document.createTextNode(text));
    const close = document.createElement("span");
    close.className = "visually-hidden";
    close.textContent = "]";
    node.append(close);
    return node;
  }

  // The version's drawing, when the prompt has a whiteboard: a summary in words here,
  // and the scene handed to the read-only board (whiteboard-panel.js draws it).
  function renderScene(frame) {
    if (!drawingNode) return;
    const drawing = frame.drawing;
    if (!drawing || !drawing.elements) {
      drawingNode.textContent = "No drawing in this version.";
    } else {
      const parts = drawing.by_type.map(function (pair) {
        return pair[1] + " " + pair[0] + (pair[1] === 1 ? "" : "s");
      });
      drawingNode.textContent = drawing.elements + " element" + (drawing.elements === 1 ? "" : "s") +
        ": " + parts.join(", ") + (drawing.labels.length ? "; labels: " + drawing.labels.join(", ") : "") + ".";
    }
    if (boardNode) boardNode.dispatchEvent(new CustomEvent("archboard:show-scene", { detail: frame.scene || "" }));
  }

  // One frame on screen: every part of it is drawn from here.
  function renderFrame(frame, previous) {
    renderText(frame, previous);
    renderScene(frame);
  }

  function show(index) {
    index = Math.max(0, Math.min(points.length - 1, index));
    shown = index;
    const point = points[index];
    scrub.value = String(index + 1);
    scrub.setAttribute("aria-valuetext", describe(point));
    meta.textContent = describe(point);
    root.dataset.shown = String(point.number);
    const previousPoint = index > 0 ? points[index - 1] : null;
    return Promise.all([fetchFrame(point.number), previousPoint ? fetchFrame(previousPoint.number) : null])
      .then(function (frames) {
        if (shown !== index) return;  // a later choice won
        renderFrame(frames[0], frames[1]);
        root.dataset.loaded = String(point.number);
      })
      .catch(function () {
        if (shown !== index) return;
        textNode.textContent = "This version could not be loaded. Check the connection and try again.";
        pause();
      });
  }

  // Playing -----------------------------------------------------------------------------

  function delayAfter(index) {
    if (index + 1 >= points.length) return 0;
    const gap = Math.min(LONGEST_PAUSE_S, points[index + 1].seconds_in - points[index].seconds_in);
    return Math.max(SHORTEST_STEP_MS, gap * 1000 / speed);
  }

  function tick() {
    if (!playing) return;
    if (shown >= points.length - 1) { pause(); return; }
    const next = shown + 1;
    prefetch(next);
    show(next).then(function () {
      if (playing) timer = setTimeout(tick, delayAfter(next));
    });
  }

  function play() {
    if (shown >= points.length - 1) show(0);  // from the start once the end is reached
    playing = true;
    playButton.textContent = "Pause";
    meta.setAttribute("aria-live", "off");  // no announcement per version while it plays
    prefetch(shown);
    timer = setTimeout(tick, delayAfter(shown));
  }

  function pause() {
    playing = false;
    clearTimeout(timer);
    playButton.textContent = "Play";
    meta.setAttribute("aria-live", "polite");
  }

  function toggle() { if (playing) pause(); else play(); }

  // Controls ----------------------------------------------------------------------------

  playButton.addEventListener("click", toggle);
  scrub.addEventListener("input", function () {
    pause();
    show(Number(scrub.value) - 1);
  });
  root.addEventListener("keydown", function (event) {
    // Space plays and pauses from the slider or the text; on a button it presses it.
    if (event.key === " " && (event.target === scrub || event.target === textNode)) {
      event.preventDefault();
      toggle();
    }
  });
  root.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      pause();
      show(shown + Number(button.dataset.step));
    });
  });
  root.querySelectorAll("[data-speed]").forEach(function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) speed = Number(radio.value); });
    if (radio.checked) speed = Number(radio.value);
  });
  document.querySelectorAll("[data-goto]").forEach(function (button) {
    button.addEventListener("click", function () {
      const index = points.findIndex(function (p) { return p.number === Number(button.dataset.goto); });
      if (index < 0) return;
      pause();
      show(index);
      scrub.focus();
    });
  });

  show(points.length - 1);
})();
