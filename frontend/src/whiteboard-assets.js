// Excalidraw fetches its hand-drawn fonts at run time and falls back to a public
// CDN when no asset path is set. Point it at the copies build.mjs puts beside
// this bundle, before Excalidraw's own modules run (this module is imported first).
if (typeof window.EXCALIDRAW_ASSET_PATH === "undefined") {
  window.EXCALIDRAW_ASSET_PATH = new URL("whiteboard/", import.meta.url).href;
}
