// Archboard's code editor: CodeMirror 6 with Python, SQL or Markdown, mounted over a textarea.
// The textarea stays the source of truth for forms and autosave: every change
// in the editor is copied into it and announced with an "input" event.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { sql, SQLite } from "@codemirror/lang-sql";
import { markdown } from "@codemirror/lang-markdown";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

// Token colours come from the page's CSS variables, so they follow the light
// and dark themes and keep AA contrast in both (CodeMirror's defaults do not).
const archboardHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword], color: "var(--code-keyword)", fontWeight: "600" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--code-string)" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: "var(--code-comment)", fontStyle: "italic" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--code-number)" },
  { tag: [tags.function(tags.definition(tags.variableName)), tags.definition(tags.className), tags.className], color: "var(--code-function)" },
  { tag: [tags.operator, tags.punctuation, tags.variableName, tags.propertyName, tags.self], color: "var(--text)" },
]);

// The textarea's data-language (the prompt kind's) picks the highlighting; Python by default.
// SQL answers carry their plan as comments, so long lines wrap rather than scroll sideways.
const LANGUAGES = {
  python: () => python(),
  sql: () => [sql({ dialect: SQLite }), EditorView.lineWrapping],
  markdown: () => [markdown(), EditorView.lineWrapping],
  plain: () => [],
};

function mount(textarea) {
  const wrapper = document.createElement("div");
  wrapper.className = "code-editor";
  textarea.after(wrapper);
  textarea.hidden = true;
  const view = new EditorView({
    doc: textarea.value,
    parent: wrapper,
    extensions: [
      basicSetup,
      (LANGUAGES[textarea.dataset.language] || LANGUAGES.python)(),
      // Editors that show validation problems (data-lint) get a gutter marking their lines.
      "lint" in textarea.dataset ? lintGutter() : [],
      syntaxHighlighting(archboardHighlight),
      keymap.of([indentWithTab]),
      EditorView.contentAttributes.of({
        "aria-label": textarea.getAttribute("aria-label") || "Code editor",
        "aria-describedby": textarea.getAttribute("aria-describedby") || "",
      }),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }),
    ],
  });
  // Replacing the text from outside (conflict resolution, restore) goes through here.
  textarea.addEventListener("archboard:replace", () => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
  });
  return view;
}

// Problems found outside the editor (the server's checks), marked at their lines:
// [{ line, message, severity }] with 1-based lines; lines past the end mark the last.
function setProblems(view, problems) {
  const doc = view.state.doc;
  const diagnostics = problems.map((problem) => {
    const line = doc.line(Math.min(Math.max(problem.line, 1), doc.lines));
    return { from: line.from, to: line.to, severity: problem.severity === "warning" ? "warning" : "error", message: problem.message };
  });
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

// Moves the cursor to the start of a 1-based line, scrolls it into view and focuses.
function goToLine(view, number) {
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(number, 1), doc.lines));
  view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
  view.focus();
}

window.ArchboardCodeEditor = { mount, setProblems, goToLine };
