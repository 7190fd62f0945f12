// The content editor: one CodeMirror per file, checks as the author types, the preview's tabs.
// The textareas stay the form's fields, so saving works without this script; it adds the
// editors, marks the server's problems at their lines and refreshes the preview.
(function () {
  "use strict";

  const form = document.getElementById("content-editor-form");
  if (!form) return;
  const CHECK_DELAY_MS = 700;
  const views = new Map(); // path -> CodeMirror view
  const problemsBox = form.querySelector("[data-problems]");
  const createRubric = form.querySelector("[data-create-rubric]");
  const editorApi = window.ArchboardCodeEditor;
  let timer = null;
  let inFlight = null;

  function csrfToken() {
    const field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function files() {
    const result = {};
    form.querySelectorAll("textarea[name^='file:']").forEach((area) => {
      result[area.name.slice(5)] = area.value;
    });
    return result;
  }

  // File tabs: show one file at a time once the editors are mounted.
  const tabs = Array.from(form.querySelectorAll("[data-file-tab]"));
  const panes = Array.from(form.querySelectorAll("[data-file]"));

  function showFile(path) {
    if (!tabs.length) return;
    panes.forEach((pane) => { pane.hidden = pane.dataset.file !== path; });
    tabs.forEach((tab) => {
      if (tab.dataset.fileTab === path) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
    });
  }

  tabs.forEach((tab) => {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      showFile(tab.dataset.fileTab);
    });
  });

  function goTo(path, line) {
    showFile(path);
    const view = views.get(path);
    if (view && editorApi) {
      editorApi.goToLine(view, line);
    } else {
      const area = form.querySelector(`textarea[name="file:${CSS.escape(path)}"]`);
      if (area) area.focus();
    }
  }

  function problemList(problems) {
    problemsBox.replaceChildren();
    if (!problems.length) {
      const none = document.createElement("p");
      none.className = "muted small";
      none.dataset.noProblems = "";
      none.textContent = "No problems found.";
      problemsBox.append(none);
      return;
    }
    const list = document.createElement("ul");
    list.className = "problem-list";
    problems.forEach((problem) => {
      const item = document.createElement("li");
      item.className = `problem problem-${problem.severity}`;
      const link = document.createElement("a");
      link.href = `?file=${encodeURIComponent(problem.path)}&line=${problem.line}`;
      link.dataset.path = problem.path;
      link.dataset.line = String(problem.line);
      link.textContent = problem.text;
      item.append(link);
      list.append(item);
    });
    problemsBox.append(list);
  }

  problemsBox.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-path]");
    if (!link || !views.has(link.dataset.path)) return;
    event.preventDefault();
    goTo(link.dataset.path, Number(link.dataset.line) || 1);
  });

  function mark(problems) {
    if (!editorApi) return;
    views.forEach((view, path) => {
      editorApi.setProblems(view, problems.filter((p) => p.path === path));
    });
  }

  function showCreateRubric(url) {
    if (!createRubric) return;
    createRubric.replaceChildren();
    createRubric.hidden = !url;
    if (!url) return;
    const link = document.createElement("a");
    link.className = "button button-secondary button-small";
    link.href = url;
    const slug = new URL(url, window.location.href).searchParams.get("slug") || "";
    link.textContent = `Create rubric ${slug}`;
    createRubric.append(link);
  }

  // The preview's HTML is rendered and sanitised by the server (render_markdown).
  function showPreview(data) {
    const candidate = document.getElementById("preview-candidate");
    const reviewer = document.getElementById("preview-reviewer");
    if (candidate) candidate.innerHTML = data.candidate_html;
    if (reviewer) reviewer.innerHTML = data.reviewer_html;
  }

  async function check() {
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    form.dataset.checking = "true";
    try {
      const response = await fetch(form.dataset.checkUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ files: files() }),
        signal: controller.signal,
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => null);
      if (!response.ok || !data || !Array.isArray(data.problems)) {
        const message = (data && (data.message || data.error)) || `The check failed (${response.status}); your text is kept.`;
        problemList([{ path: "", line: 1, severity: "error", text: message }]);
        return;
      }
      const all = data.problems.concat(data.elsewhere || []);
      problemList(all);
      mark(data.problems);
      showPreview(data);
      showCreateRubric(data.create_rubric);
      form.dataset.checked = data.ok ? "ok" : "problems";
    } catch (error) {
      if (error.name !== "AbortError") {
        problemList([{ path: "", line: 1, severity: "error", text: "The check could not reach the server; your text is kept." }]);
      }
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        delete form.dataset.checking;
      }
    }
  }

  function scheduleCheck() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, CHECK_DELAY_MS);
  }

  form.querySelectorAll("textarea[name^='file:']").forEach((area) => {
    const path = area.name.slice(5);
    if (editorApi) views.set(path, editorApi.mount(area));
    area.addEventListener("input", scheduleCheck);
  });

  // Preview tabs (WAI-ARIA tabs: arrows move between them).
  const previewTabs = Array.from(document.querySelectorAll("[data-preview-tab]"));

  function selectTab(tab) {
    previewTabs.forEach((other) => {
      const selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !selected;
    });
  }

  previewTabs.forEach((tab, index) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const next = previewTabs[(index + (event.key === "ArrowRight" ? 1 : previewTabs.length - 1)) % previewTabs.length];
      selectTab(next);
      next.focus();
    });
  });
  if (previewTabs.length) selectTab(previewTabs[0]);

  const focusFile = form.dataset.focusFile;
  const first = panes.length ? panes[0].dataset.file : null;
  showFile(focusFile && views.has(focusFile) ? focusFile : first);
  if (focusFile && form.dataset.focusLine && views.has(focusFile)) {
    goTo(focusFile, Number(form.dataset.focusLine) || 1);
  }
  check();
}());
