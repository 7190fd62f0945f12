// Archboard's whiteboard: Excalidraw mounted in an element, behind a small API on
// window.ArchboardWhiteboard so templates never deal with React:
//   mount(element, {scene, readOnly, onChange}) -> {getScene(), setScene(json), unmount(), ready}
//   fromMermaid(text) -> Promise<scene>
// A scene is the JSON {type: "excalidraw", version: 2, elements, appState} with only
// live elements and the two view settings we keep; the server validates it again.
import "./whiteboard-assets.js";
import "@excalidraw/excalidraw/index.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import {
  CaptureUpdateAction,
  Excalidraw,
  convertToExcalidrawElements,
  restoreElements,
} from "@excalidraw/excalidraw";

const CHANGE_DELAY_MS = 500;

// Image elements would carry their pixels in a side table we do not save,
// and embeds would load third-party pages, so neither is offered.
const UI_OPTIONS = {
  tools: { image: false },
  canvasActions: { loadScene: false, saveToActiveFile: false, export: false },
};

function toScene(elements, appState) {
  return {
    type: "excalidraw",
    version: 2,
    elements: JSON.parse(JSON.stringify(elements.filter((element) => !element.isDeleted))),
    appState: {
      viewBackgroundColor: appState?.viewBackgroundColor ?? "#ffffff",
      gridSize: appState?.gridSize ?? null,
    },
  };
}

function parseScene(scene) {
  if (scene == null || scene === "") return toScene([], null);
  const data = typeof scene === "string" ? JSON.parse(scene) : scene;
  if (data.type !== "excalidraw" || !Array.isArray(data.elements)) {
    throw new TypeError("Not an Excalidraw scene");
  }
  // restoreElements fills the fields a hand-written or older scene lacks.
  return toScene(restoreElements(data.elements, null), data.appState);
}

function mount(element, { scene = null, readOnly = false, onChange = null } = {}) {
  let current = parseScene(scene);
  let lastSent = JSON.stringify(current);
  let api = null;
  let loaded = false;
  let pending = false;
  let timer = null;
  let resolveReady;
  const ready = new Promise((resolve) => { resolveReady = resolve; });

  function apply() {
    api.updateScene({
      elements: current.elements,
      appState: current.appState,
      captureUpdate: CaptureUpdateAction.NEVER,
    });
    fit();
  }

  // A read-only board is shown inert (nobody pans or zooms it), so the whole
  // drawing is fitted into its frame.
  function fit() {
    if (readOnly && current.elements.length > 0) {
      api.scrollToContent(current.elements, { fitToViewport: true, viewportZoomFactor: 0.85 });
    }
  }

  // Excalidraw calls onChange for every pointer move and selection; only a
  // scene that differs from the last one handed out is announced, at most
  // once per CHANGE_DELAY_MS.
  function announce() {
    timer = null;
    if (!api) return;
    current = toScene(api.getSceneElements(), api.getAppState());
    const json = JSON.stringify(current);
    if (json === lastSent) return;
    lastSent = json;
    onChange(current);
  }

  // The API object exists before Excalidraw has loaded initialData; the first
  // change with isLoading false is the moment the scene can be read or replaced.
  function changed(elements, appState) {
    if (!loaded) {
      if (!api || appState.isLoading) return;
      loaded = true;
      if (pending) apply();
      else fit();
      pending = false;
      resolveReady();
      return;
    }
    if (readOnly || !onChange) return;
    clearTimeout(timer);
    timer = setTimeout(announce, CHANGE_DELAY_MS);
  }

  const root = createRoot(element);
  root.render(
    createElement(Excalidraw, {
      // A saved drawing opens scrolled to show it, wherever on the canvas it was drawn.
      initialData: { elements: current.elements, appState: current.appState,
        scrollToContent: current.elements.length > 0 },
      viewModeEnabled: readOnly,
      UIOptions: UI_OPTIONS,
      validateEmbeddable: false,
      excalidrawAPI: (instance) => { api = instance; },
      onChange: changed,
    }),
  );

  return {
    // Resolves once the initial scene is on the board.
    ready,
    getScene() {
      return loaded ? toScene(api.getSceneElements(), api.getAppState()) : current;
    },
    // Replacing the scene from outside (restore, conflict resolution) is not
    // announced through onChange: the caller already holds this scene.
    setScene(json) {
      current = parseScene(json);
      lastSent = JSON.stringify(current);
      if (loaded) apply();
      else pending = true;
    },
    unmount() {
      clearTimeout(timer);
      timer = null;
      loaded = false;
      api = null;
      root.unmount();
    },
  };
}

// Mermaid is large: it is loaded only when a diagram is first converted.
async function fromMermaid(text) {
  const { parseMermaidToExcalidraw } = await import("@excalidraw/mermaid-to-excalidraw");
  const { elements, files } = await parseMermaidToExcalidraw(text);
  // Diagram kinds the converter cannot turn into shapes come back as a picture,
  // which a scene does not keep.
  if (files && Object.keys(files).length > 0) {
    throw new Error("This kind of Mermaid diagram cannot be turned into shapes");
  }
  return toScene(convertToExcalidrawElements(elements, { regenerateIds: true }), null);
}

window.ArchboardWhiteboard = { mount, fromMermaid };
