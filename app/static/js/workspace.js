// The answer workspace: autosave to the server as numbered revisions, a copy
// in this browser while the server cannot be reached, conflict resolution
// when another tab or device saved first, and the timer. htmx draws the
// preview, adds hints and polls test runs (see the templates); this file
// only saves the code before a run and names the preview's field.
(function () {
  "use strict";

  // The result page clears the local copy once an attempt is submitted.
  const done = document.querySelector("[data-clear-draft]");
  if (done) {
    try { localStorage.removeItem("archboard:attempt:" + done.getAttribute("data-clear-draft")); } catch (e) { /* storage off */ }
  }

  const root = document.querySelector("[data-workspace]");
  if (!root) return;

  const SAVE_DELAY_MS = 1500;
  const RETRY_MAX_MS = 10000;

  const textarea = root.querySelector("#answer");
  const status = root.querySelector("[data-save-status]");
  const preview = root.querySelector("[data-preview]");
  const basedOnInput = root.querySelector("[data-based-on]");
  const clientInput = root.querySelector("[data-client-id]");
  const dialog = root.querySelector("[data-conflict]");
  const storageKey = "archboard:attempt:" + root.dataset.attempt;
  const maxBytes = Number(root.dataset.maxBytes);
  // The whiteboard (whiteboard-panel.js), on kinds that have one.
  const board = root.querySelector("[data-whiteboard]");
  const sceneInput = root.querySelector("[data-scene-input]");

  // A code editor (the prompt kind's, data-editor) is CodeMirror, which mirrors
  // every change into the textarea.
  if (root.dataset.editor === "code" && window.ArchboardCodeEditor) {
    window.ArchboardCodeEditor.mount(textarea);
  }
  function setText(value) {
    textarea.value = value;
    textarea.dispatchEvent(new Event("archboard:replace"));
  }

  const state = {
    base: Number(root.dataset.revision),   // the server revision this text builds on
    // The text the server holds at `base`: the page as served, not what may
    // have been typed while this script was still loading.
    saved: textarea.defaultValue,
    saving: false,
    again: false,                           // more typing arrived during a save
    retryMs: 2000,
    timer: null,
    retryTimer: null,
    conflict: null,
    // The whiteboard's scene as JSON text once it changed on this page (null:
    // unchanged since the page loaded, so saves leave the server's scene as it
    // is), and the one the server acknowledged last.
    scene: null,
    sceneSaved: null,
    // The scene on the board when nothing was drawn here: the page's, or one taken from a conflict.
    sceneShown: (function () {
      const served = document.getElementById("whiteboard-scene");
      return served ? JSON.parse(served.textContent) : "";
    })(),
    clientId: (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2),
  };
  clientInput.value = state.clientId;

  function setStatus(text, kind) {
    status.textContent = text;
    status.setAttribute("data-state", kind);
  }

  function sceneDirty() {
    return state.scene !== null && state.scene !== state.sceneSaved;
  }

  function dirty() {
    return textarea.value !== state.saved || sceneDirty();
  }

  function keepLocally() {
    try {
      const copy = { base: state.base, body: textarea.value, at: Date.now() };
      if (sceneDirty()) copy.scene = state.scene;
      localStorage.setItem(storageKey, JSON.stringify(copy));
    } catch (e) { /* storage full or disabled: the server copy still applies */ }
  }

  function forgetLocally() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  function bytes(text) {
    return new TextEncoder().encode(text).length;
  }

  function scheduleSave(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(save, delay);
  }

  function retryLater(message) {
    setStatus(message, "offline");
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(save, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, RETRY_MAX_MS);
  }

  async function save(force) {
    clearTimeout(state.timer);
    if (state.conflict) return;
    if (state.saving) { state.again = true; return; }
    // force: save even unchanged text, e.g. a starter that was never saved.
    if (!dirty() && !(force === true && state.base === 0)) {
      // Keep "All changes saved at <time>" when a retry or the return of the network
      // finds that a save already went through.
      if (status.getAttribute("data-state") !== "saved") setStatus("All changes saved", "saved");
      forgetLocally();
      return;
    }
    const body = textarea.value;
    const scene = sceneDirty() ? state.scene : null;
    if (bytes(body) > maxBytes) {
      keepLocally();
      setStatus("Too long to save (over " + Math.round(maxBytes / 1000) + " KB): shorten it. Your text is kept on this device.", "error");
      return;
    }
    state.saving = true;
    setStatus("Saving…", "saving");
    let response;
    const payload = { body: body, based_on: state.base, client_id: state.clientId };
    if (scene !== null) payload.scene = scene;
    try {
      response = await window.archboard.fetch(root.dataset.draftUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(payload),
      });
    } catch (e) {
      state.saving = false;
      keepLocally();
      retryLater("Offline: your text is kept on this device and will be sent when the server is back");
      return;
    }
    state.saving = false;
    if (response.ok) {
      const data = await response.json();
      state.base = data.revision;
      basedOnInput.value = String(state.base);
      state.saved = body;
      if (scene !== null) state.sceneSaved = scene;
      state.retryMs = 2000;
      clearTimeout(state.retryTimer);  // a retry still waiting has nothing left to send
      if (dirty()) {
        keepLocally();
        scheduleSave(SAVE_DELAY_MS);
        setStatus("Unsaved changes", "dirty");
      } else {
        forgetLocally();
        const at = new Date(data.saved_at);
        setStatus("All changes saved at " + at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), "saved");
      }
      if (state.again) { state.again = false; if (dirty()) scheduleSave(0); }
      return;
    }
    keepLocally();
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: a proxy's page */ }
    if (response.status === 409 && data.error === "time_up") {  // the interview's clock ran out: the server has the answer
      state.saved = textarea.value;
      setStatus(data.message, "error");
      window.location.assign(data.url);
    } else if (response.status === 409 && data.current) {
      showConflict(data.current);
    } else if (response.status === 413) {
      setStatus("Too long to save: shorten it. Your text is kept on this device.", "error");
    } else if (response.status === 401 || response.status === 400) {
      retryLater("Your session ended: sign in again in another tab. Your text is kept on this device");
    } else if (response.status >= 500 || response.status === 408 || response.status === 429) {
      retryLater("The server could not save (" + response.status + "). Your text is kept on this device; retrying");
    } else {
      // Any other refusal (422: text the server cannot store, 404, a submitted
      // attempt) would be refused again: say why and wait for the next edit.
      refused(data.message || data.detail || "Not saved: the server refused this text (" + response.status + ").");
    }
  }

  function refused(reason) {
    clearTimeout(state.retryTimer);
    state.retryMs = 2000;
    setStatus(reason + " Your text is kept in the editor and on this device.", "error");
  }

  function drawingSize(json) {
    let count = 0;
    try { count = json ? JSON.parse(json).elements.length : 0; } catch (e) { count = 0; }
    return count ? count + (count === 1 ? " element" : " elements") : "no drawing";
  }

  function showConflict(current) {
    state.conflict = current;
    setStatus("Changed elsewhere: choose which text to keep", "conflict");
    dialog.querySelector("[data-conflict-mine]").textContent = textarea.value;
    dialog.querySelector("[data-conflict-theirs]").textContent = current.body;
    const sceneLine = dialog.querySelector("[data-conflict-scene]");
    if (board && sceneLine) {
      // Only when the drawings differ is there a choice to explain.
      const differs = sceneDirty() || (current.scene || "") !== (state.sceneSaved || "");
      sceneLine.hidden = !(sceneDirty() || current.scene) || !differs;
      dialog.querySelector("[data-conflict-scene-mine]").textContent =
        sceneDirty() ? drawingSize(state.scene) : "the drawing you loaded";
      dialog.querySelector("[data-conflict-scene-theirs]").textContent = drawingSize(current.scene);
    }
    if (!dialog.open) dialog.showModal();
  }

  function setScene(json) {
    if (board) board.dispatchEvent(new CustomEvent("archboard:set-scene", { detail: json }));
  }

  function resolve(choice) {
    const current = state.conflict;
    if (!current) return;
    const mine = textarea.value;
    state.conflict = null;
    state.base = current.revision;
    basedOnInput.value = String(state.base);
    state.saved = current.body;
    // The server's scene is the saved one now; keeping mine sends mine again.
    state.sceneSaved = current.scene || "";
    if (choice === "theirs") {
      setText(current.body);
      if (board) { state.scene = null; state.sceneShown = current.scene || ""; setScene(state.sceneShown); }
    } else if (board && state.scene === null) {
      state.scene = state.sceneShown;  // keeping mine keeps the drawing on this board too
    }
    if (choice === "merge") {
      setText("<<<<<<< this tab\n" + mine + "\n=======\n" + current.body + "\n>>>>>>> saved version\n");
    }
    dialog.close();
    textarea.focus();  // setText had htmx redraw the preview
    if (dirty()) { keepLocally(); save(); } else { forgetLocally(); setStatus("All changes saved", "saved"); }
  }

  dialog.querySelectorAll("[data-resolve]").forEach(function (button) {
    button.addEventListener("click", function () { resolve(button.getAttribute("data-resolve")); });
  });
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); });

  // The preview (htmx) posts the editor's text; the preview endpoint calls it "markdown".
  if (preview) {
    preview.addEventListener("htmx:configRequest", function (event) {
      event.detail.parameters.markdown = textarea.value;
      delete event.detail.parameters.body;
    });
  }

  if (board) board.addEventListener("archboard:scene", function (event) {
    state.scene = event.detail;
    keepLocally();
    setStatus("Unsaved changes", "dirty");
    scheduleSave(SAVE_DELAY_MS);
  });

  textarea.addEventListener("input", function () {
    keepLocally();
    setStatus("Unsaved changes", "dirty");
    scheduleSave(SAVE_DELAY_MS);
  });

  root.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });

  window.addEventListener("online", function () { if (dirty()) save(); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty() || state.saving) {
      keepLocally();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The answer template: keep it, clear it, or put it back.
  const template = root.querySelector("template[data-template]");
  const insertTemplate = root.querySelector("[data-insert-template]");
  if (insertTemplate) insertTemplate.addEventListener("click", function () {
    const text = template.innerHTML.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&");
    textarea.value = textarea.value.trim() ? textarea.value.replace(/\s*$/, "\n\n") + text : text;
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  });
  root.querySelector("[data-clear]").addEventListener("click", function () {
    if (textarea.value.trim() && !window.confirm("Clear the editor? Saved versions stay in the history.")) return;
    setText("");
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  });

  // Submitting sends the text in the form itself, based on the newest save.
  root.querySelector("[data-submit-form]").addEventListener("submit", function () {
    basedOnInput.value = String(state.base);
    clearTimeout(state.timer);
    if (sceneInput && sceneDirty()) {  // the drawing goes with the text
      sceneInput.name = "scene";
      sceneInput.value = state.scene;
    }
    state.saved = textarea.value;  // leaving through submit is not "unsaved"
    state.scene = null;
  });

  // An interview counts down to the server's deadline. At zero the editor
  // stops, sends what it has at once (the server accepts it during the
  // grace period), then moves on to the interview page, which the server
  // has closed by then.
  const deadlineClock = root.querySelector("[data-deadline-clock]");
  if (deadlineClock) {
    const endsAt = Date.now() + Number(root.dataset.secondsLeft) * 1000;
    const closesIn = new Date(root.dataset.closes).getTime() - new Date(root.dataset.deadline).getTime();
    let finished = false;
    const tick = function () {
      const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      const hours = Math.floor(left / 3600);
      const minutes = Math.floor((left % 3600) / 60);
      const seconds = String(left % 60).padStart(2, "0");
      deadlineClock.textContent = (hours ? hours + ":" + String(minutes).padStart(2, "0") : minutes) + ":" + seconds;
      deadlineClock.classList.toggle("timer-over", left <= 60);
      if (left === 0 && !finished) {
        finished = true;
        root.querySelector("[data-time-up]").hidden = false;
        textarea.readOnly = true;
        save(true).finally(function () {
          state.saved = textarea.value;  // leaving now loses nothing the server has not got
          setTimeout(function () { window.location.assign(root.dataset.interviewUrl); },
            Math.min(closesIn, 10000) + 1000);
        });
      }
    };
    tick();
    setInterval(tick, 1000);
  }

  // The timer counts up from the server's figure; pausing is recorded there.
  const clock = root.querySelector("[data-timer-clock]");
  const toggle = root.querySelector("[data-timer-toggle]");
  const timeUp = root.querySelector("[data-time-up]");
  const limit = Number(root.dataset.limitMinutes) * 60;
  let elapsed = Number(root.dataset.elapsed);
  let running = root.dataset.running === "true";
  let lastTick = Date.now();
  function renderClock() {
    if (!clock) return;
    const seconds = Math.floor(elapsed);
    clock.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    toggle.textContent = running ? "Pause" : "Resume";
    toggle.setAttribute("aria-pressed", String(!running));
    clock.classList.toggle("timer-over", seconds >= limit);
    if (seconds >= limit) timeUp.hidden = false;
  }
  if (clock) setInterval(function () {
    const now = Date.now();
    if (running) elapsed += (now - lastTick) / 1000;
    lastTick = now;
    renderClock();
  }, 1000);
  if (toggle) toggle.addEventListener("click", async function () {
    running = !running;
    renderClock();
    const form = new URLSearchParams();
    form.set("running", String(running));
    try {
      const response = await window.archboard.fetch(root.dataset.timerUrl, { method: "POST", body: form });
      if (response.ok) {
        const data = await response.json();
        running = data.running;
        elapsed = data.elapsed;
        renderClock();
      }
    } catch (e) { /* the local clock keeps going; the server catches up on the next toggle */ }
  });
  renderClock();

  // Public test runs (htmx): save first, so the run tests the code on screen;
  // the run's partial then polls itself until it is finished.
  const runButton = root.querySelector("[data-run-tests]");
  const runPanel = root.querySelector("[data-run-panel]");
  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  function runMessage(text) {
    const line = document.createElement("p");
    line.className = "alert alert-error";
    line.textContent = text;
    runPanel.replaceChildren(line);
  }
  if (runButton) {
    runButton.addEventListener("htmx:confirm", function (event) {
      event.preventDefault();
      runButton.disabled = true;
      (async function () {
        while (state.saving) await sleep(100);
        if (dirty() || state.base === 0) await save(true);
        while (state.saving) await sleep(100);
        runButton.disabled = false;
        if (dirty() || state.base === 0) { runMessage("Save your code first: " + status.textContent); return; }
        event.detail.issueRequest(true);
      })();
    });
    runButton.addEventListener("htmx:responseError", function (event) {
      const code = event.detail.xhr.status;
      runMessage("Could not start the tests (" + (code === 429 ? "too many runs: wait a minute" : "status " + code) + ").");
    });
    runButton.addEventListener("htmx:sendError", function () {
      runMessage("The server cannot be reached; try again when it is back.");
    });
    // One run at a time: the button waits while a run is queued or running
    // (after settling, as htmx enables the button again once it has swapped).
    runPanel.addEventListener("htmx:afterSettle", function () {
      runButton.disabled = runPanel.querySelector("[data-run-pending]") !== null;
    });
  }

  // On load: a local copy newer than the server's text comes back, and is sent.
  (function restoreLocalCopy() {
    let local = null;
    try { local = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { local = null; }
    if (!local || typeof local.body !== "string") return;
    // A drawing kept here comes back with the text, exactly as the text does.
    const localScene = board && typeof local.scene === "string" ? local.scene : null;
    const changed = local.body !== state.saved || localScene !== null;
    if (local.base === state.base && changed) {
      setText(local.body);
      if (localScene !== null) { state.scene = localScene; setScene(localScene); }
      setStatus("Restored unsaved " + (localScene !== null ? "work" : "text") + " from this device", "dirty");
      scheduleSave(0);
    } else if (local.base < state.base && changed && (local.body !== textarea.value || localScene !== null)) {
      // Typed here against an older version that was since replaced elsewhere.
      setText(local.body);
      const serverScene = state.sceneShown;
      if (localScene !== null) { state.scene = localScene; setScene(localScene); }
      showConflict({ revision: state.base, body: state.saved, scene: serverScene });
    }
  })();
  // Text typed before this script ran is unsaved work like any other.
  if (dirty() && !state.conflict) {
    keepLocally();
    setStatus("Unsaved changes", "dirty");
    scheduleSave(SAVE_DELAY_MS);
  }
  // The page came with the saved draft's HTML (its diagrams are drawn with the
  // rest of the page; without a draft, htmx asks on load): ask the server for a
  // preview only of other text, once htmx has set the preview up.
  document.addEventListener("DOMContentLoaded", function () {
    if (preview && preview.hasAttribute("data-preview-of-draft") && dirty()) {
      htmx.trigger(textarea, "archboard:replace");
    }
  });
})();
