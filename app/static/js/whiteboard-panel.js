// The whiteboard (Excalidraw, vendor/whiteboard.js) on the pages that have one.
// The bundle is about 0.8 MB, so it is fetched only when needed: when the
// candidate opens the workspace's panel (or the answer already has a drawing),
// and on reviewers' pages that show a drawing. Scenes reach the page as JSON
// data in <script type="application/json"> elements, never as markup.
// The workspace's panel talks to workspace.js by events on the panel:
//   "archboard:scene" (detail: the scene's JSON text) after each change, and
//   "archboard:set-scene" (detail: JSON text, "" for an empty board) to replace it.
(function () {
  "use strict";

  const me = document.currentScript;
  const bundleUrl = me.getAttribute("data-bundle");
  const stylesUrl = me.getAttribute("data-styles");
  let loading = null;

  function load() {
    if (window.ArchboardWhiteboard) return Promise.resolve(window.ArchboardWhiteboard);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = stylesUrl;
        document.head.appendChild(link);
        const script = document.createElement("script");
        script.type = "module";  // Excalidraw finds its fonts and chunks from the module's URL
        script.src = bundleUrl;
        script.onload = function () {
          if (window.ArchboardWhiteboard) resolve(window.ArchboardWhiteboard);
          else reject(new Error("the whiteboard did not start"));
        };
        script.onerror = function () {
          loading = null;  // try again next time (the server may be back)
          reject(new Error("the whiteboard could not be loaded"));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function elementCount(scene) {
    const data = typeof scene === "string" ? (scene ? JSON.parse(scene) : null) : scene;
    return data && Array.isArray(data.elements) ? data.elements.length : 0;
  }

  // Read-only drawings (result page, live view, scorecard, comparison).
  function mountViews() {
    const views = Array.prototype.filter.call(
      document.querySelectorAll("[data-whiteboard-view]"),
      function (el) { return !el.hasAttribute("data-mounted"); });
    if (!views.length) return;
    views.forEach(function (el) { el.setAttribute("data-mounted", ""); });
    load().then(function (whiteboard) {
      views.forEach(function (el) {
        const data = document.getElementById(el.getAttribute("data-whiteboard-view"));
        if (!data) return;
        let scene;
        try { scene = JSON.parse(data.textContent); } catch (e) { return; }
        const handle = whiteboard.mount(el, { scene: scene, readOnly: true });
        handle.ready.then(function () {
          el.setAttribute("data-whiteboard-ready", String(elementCount(scene)));
        });
      });
    }).catch(function () {
      views.forEach(function (el) { el.hidden = true; });  // the text summary stays
    });
  }
  mountViews();
  // The live view swaps new drawings in as the candidate works.
  document.addEventListener("htmx:afterSettle", mountViews);

  // Playback: one read-only board whose drawing the player replaces version by
  // version ("archboard:show-scene", detail: JSON text, "" or null for none).
  // Only the newest request is drawn, however fast the player steps.
  document.querySelectorAll("[data-whiteboard-player]").forEach(function (el) {
    let handle = null;
    let wanted = null;
    el.addEventListener("archboard:show-scene", function (event) {
      const text = event.detail || "";
      wanted = text;
      load().then(function (whiteboard) {
        if (!handle) handle = whiteboard.mount(el, { scene: text || null, readOnly: true });
        else handle.setScene(text || null);
        return handle.ready;
      }).then(function () {
        if (wanted === text) el.setAttribute("data-whiteboard-ready", String(elementCount(text)));
      }).catch(function () {
        el.hidden = true;  // the summary beside it stays
      });
    });
  });

  // The workspace's panel.
  const panel = document.querySelector("[data-whiteboard]");
  if (!panel) return;
  const openButton = panel.querySelector("[data-whiteboard-open]");
  const mermaidButton = panel.querySelector("[data-whiteboard-mermaid]");
  const status = panel.querySelector("[data-whiteboard-status]");
  const canvas = panel.querySelector("[data-whiteboard-canvas]");
  const stored = document.getElementById("whiteboard-scene");
  let scene = stored ? JSON.parse(stored.textContent) : "";
  let handle = null;
  let opening = null;

  function say(text) { status.textContent = text; }

  // Which elements, at which versions, the board holds: Excalidraw bumps an
  // element's version on every edit, so an unchanged fingerprint is no edit
  // (the board settling after it loads is not one, and is not saved).
  function fingerprint(data) {
    const parsed = typeof data === "string" ? (data ? JSON.parse(data) : null) : data;
    const elements = parsed && Array.isArray(parsed.elements) ? parsed.elements : [];
    return elements.map(function (el) { return el.id + "@" + el.version; }).join(",");
  }
  let baseline = fingerprint(scene);

  function announce(json) {
    const next = fingerprint(json);
    if (next === baseline) return;
    baseline = next;
    // The count of what was last handed to the autosave, for tests and tools to read.
    canvas.setAttribute("data-whiteboard-elements", String(elementCount(json)));
    panel.dispatchEvent(new CustomEvent("archboard:scene", { bubbles: true, detail: json }));
  }

  function open() {
    if (opening) return opening;
    say("Loading the whiteboard…");
    openButton.disabled = true;
    opening = load().then(function (whiteboard) {
      canvas.hidden = false;
      openButton.setAttribute("aria-expanded", "true");
      openButton.hidden = true;
      mermaidButton.hidden = false;
      handle = whiteboard.mount(canvas, {
        scene: scene,
        onChange: function (next) { announce(JSON.stringify(next)); },
      });
      return handle.ready.then(function () {
        // How many elements are on the board once it is up (tests and tools read it).
        canvas.setAttribute("data-whiteboard-ready", String(handle.getScene().elements.length));
        say("");
        return handle;
      });
    }).catch(function (error) {
      opening = null;
      openButton.disabled = false;
      say("The whiteboard could not be opened (" + error.message + "). Your answer still saves; try again later.");
      throw error;
    });
    return opening;
  }

  openButton.addEventListener("click", function () { open().catch(function () {}); });

  panel.addEventListener("archboard:set-scene", function (event) {
    scene = event.detail || "";
    baseline = fingerprint(scene);
    if (handle) handle.setScene(scene);
    else if (scene) open().catch(function () {});
  });

  // The answer's first ```mermaid block, added to the board beside what is drawn.
  mermaidButton.addEventListener("click", function () {
    const text = document.getElementById("answer").value;
    const block = /^```mermaid[^\n]*\n([\s\S]*?)^```/m.exec(text);
    if (!block || !block[1].trim()) {
      say("There is no ```mermaid block in your answer to import.");
      return;
    }
    say("Converting the diagram…");
    Promise.all([open(), load()]).then(function (loaded) {
      return loaded[1].fromMermaid(block[1]).then(function (imported) {
        const now = loaded[0].getScene();
        // Placed to the right of the drawing, so nothing is covered.
        let right = -Infinity;
        now.elements.forEach(function (el) { right = Math.max(right, el.x + (el.width || 0)); });
        const shift = now.elements.length ? right + 80 : 0;
        imported.elements.forEach(function (el) { el.x += shift; });
        const merged = Object.assign({}, now, { elements: now.elements.concat(imported.elements) });
        loaded[0].setScene(merged);
        announce(JSON.stringify(merged));
        say("Imported " + imported.elements.length + " elements from the mermaid diagram.");
      });
    }).catch(function (error) {
      say("The diagram could not be imported: " + error.message + ".");
    });
  });

  if (panel.hasAttribute("data-has-scene")) open().catch(function () {});
})();
