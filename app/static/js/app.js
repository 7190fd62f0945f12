// Archboard's own browser code, loaded on every page: the CSRF token for htmx
// and fetch calls, mermaid diagrams, the phone menu, focus on form errors, and
// buttons that wait for the page's scripts.
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Every htmx request carries the token; Flask-WTF reads X-CSRFToken.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // fetch() for calls that change state, with the same token.
  window.archboard = {
    csrfToken: csrfToken,
    fetch: function (url, options) {
      const opts = Object.assign({ credentials: "same-origin" }, options || {});
      const headers = new Headers(opts.headers || {});
      headers.set("X-CSRFToken", csrfToken());
      opts.headers = headers;
      return fetch(url, opts);
    },
  };

  // Mermaid diagrams: fenced ```mermaid blocks arrive as <div class="mermaid">.
  let mermaidInitialised = false;
  function renderDiagrams(root) {
    if (!window.mermaid) return;
    const nodes = Array.from(root.querySelectorAll(".mermaid:not([data-processed])"));
    if (nodes.length === 0) return;
    if (!mermaidInitialised) {
      const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        theme: dark ? "dark" : "neutral",
      });
      mermaidInitialised = true;
    }
    window.mermaid.run({ nodes: nodes, suppressErrors: true }).then(function () {
      nodes.forEach(function (node) {
        const svg = node.querySelector("svg");
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", "Diagram");
        }
      });
    });
  }
  window.archboard.renderDiagrams = renderDiagrams;

  document.addEventListener("htmx:afterSwap", function (event) {
    renderDiagrams(event.detail.target);
  });
  // A refusal answered with a partial of its own (the header X-Partial) is
  // shown like any answer, so the page says why; error pages, which lack the
  // header, are never swapped into a page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.isError && event.detail.xhr.getResponseHeader("X-Partial") === "refusal") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Out-of-band swaps (the live view's answers) replace other parts of the page.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    renderDiagrams(event.detail.target);
  });

  // The phone menu: the nav collapses behind a button once scripts run.
  function setUpMenu() {
    const toggle = document.querySelector(".nav-toggle");
    const nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    document.documentElement.classList.add("js");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("nav-open", !open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("nav-open")) {
        toggle.setAttribute("aria-expanded", "false");
        nav.classList.remove("nav-open");
        toggle.focus();
      }
    });
  }

  // Buttons that destroy something ask first: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    const message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // A button that only a script can serve is rendered <button disabled data-needs-script>:
  // a press before the page's scripts have attached their handlers would do nothing, so
  // it stays disabled until then. Every page script runs before DOMContentLoaded (they
  // are plain or deferred), and content htmx swaps in later is ready when it lands.
  function enableScriptButtons(root) {
    root.querySelectorAll("[data-needs-script]").forEach(function (element) {
      element.removeAttribute("data-needs-script");
      element.disabled = false;
    });
  }
  document.addEventListener("htmx:load", function (event) {
    enableScriptButtons(event.detail.elt.parentNode || document);
  });

  document.addEventListener("DOMContentLoaded", function () {
    enableScriptButtons(document);
    setUpMenu();
    const summary = document.querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
    renderDiagrams(document);
  });
})();
