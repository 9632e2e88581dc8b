"""The page's CSS and the small script that makes [n] markers clickable."""

from __future__ import annotations

# Clicks on a marker (or on a related passage of an abstention) are caught on the
# document, before the chatbot's own link handling, and passed to the server through
# the hidden "pick" button; its click event reads ``window.ragPick`` (see ui.app).
SCRIPT = """
() => {
  if (window.ragCitationsInstalled) { return; }
  window.ragCitationsInstalled = true;
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const copy = target ? target.closest("a.rag-copy-msg") : null;
    if (copy) {  // the copy link under an answer: the server sends its plain text
      event.preventDefault();
      event.stopPropagation();
      window.ragCopy = (copy.getAttribute("href") || "").replace(/^#rag-copy-/, "");
      window.ragCopyLink = copy;
      const button = document.querySelector("#rag-copy-pick button, button#rag-copy-pick");
      if (button) { button.click(); }
      return;
    }
    const link = target ? target.closest("a.rag-cite, a.rag-related") : null;
    if (!link) { return; }
    event.preventDefault();
    event.stopPropagation();
    window.ragPick = (link.getAttribute("href") || "").replace(/^#/, "");
    document.querySelectorAll("a.rag-active").forEach((a) => a.classList.remove("rag-active"));
    link.classList.add("rag-active");
    const button = document.querySelector("#rag-pick button, button#rag-pick");
    if (button) { button.click(); }
    if (window.matchMedia("(max-width: 768px)").matches) {
      // on a phone the Sources open as a sheet over the chat, the passage in view
      const sheet = document.getElementById("rag-sources-panel");
      if (sheet) { sheet.classList.add("rag-sheet-open"); }
      setTimeout(() => {
        const quote = document.querySelector("#rag-sources mark.rag-quote");
        if (quote) { quote.scrollIntoView({block: "center", behavior: "smooth"}); }
      }, 400);
    }
  }, true);
  document.addEventListener("keydown", (event) => {
    const sheet = document.getElementById("rag-sources-panel");
    if (event.key === "Escape" && sheet) { sheet.classList.remove("rag-sheet-open"); }
  });
  // Screen readers announce a citation by what it opens (the chat's sanitiser keeps
  // the title but not aria-label, so the label is set here).
  const label = () => document.querySelectorAll("a.rag-cite:not([aria-label])").forEach((a) => {
    const n = (a.textContent || "").replace(/[\\[\\]]/g, "");
    a.setAttribute("aria-label", `Show source ${n}: ${a.getAttribute("title") || ""}`);
  });
  new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
  // The theme the reader chose last (the toggle), else the system's.
  const chosen = localStorage.getItem("rag-theme");
  if (chosen === "dark") { document.body.classList.add("dark"); }
  if (chosen === "light") { document.body.classList.remove("dark"); }
}
"""

CLOSE_SHEET_JS = """
() => {
  const sheet = document.getElementById("rag-sources-panel");
  if (sheet) { sheet.classList.remove("rag-sheet-open"); }
}
"""

THEME_JS = """
() => {
  const dark = document.body.classList.toggle("dark");
  localStorage.setItem("rag-theme", dark ? "dark" : "light");
}
"""

PICK_JS = "() => window.ragPick || ''"

SCROLL_TO_QUOTE_JS = """
() => {
  const go = (tries) => {
    const anchor = document.getElementById("rag-doc-anchor");
    if (anchor) { anchor.scrollIntoView({block: "center", behavior: "smooth"}); }
    else if (tries > 0) { setTimeout(() => go(tries - 1), 100); }
  };
  setTimeout(() => go(20), 50);
}
"""


def _copy_js(target: str, label: str) -> str:
    """Copies the text it is given, then says so on ``target`` (a JS expression for the
    element) for a moment before putting back ``label``."""
    return f"""
(text) => {{
  const target = {target};
  const say = (said) => {{
    if (!target) {{ return; }}
    target.textContent = said;
    setTimeout(() => {{ target.textContent = "{label}"; }}, 1500);
  }};
  if (!text) {{ say("Nothing to copy yet"); return text; }}
  if (navigator.clipboard) {{
    navigator.clipboard.writeText(text).then(() => say("Copied ✓"), () => say("Copy failed"));
  }}
  return text;
}}
"""


COPY_JS = _copy_js('document.querySelector("#rag-copy")', "Copy answer")
COPY_TURN_JS = "() => String(window.ragCopy ?? '')"
COPY_MESSAGE_JS = _copy_js("window.ragCopyLink", "Copy")

CSS = """
#rag-pick, #rag-pick-value, #rag-copy-pick, #rag-copy-turn { display: none !important; }
/* Gradio draws chat text at 80% opacity, which costs citations and small text their
   AA contrast; full strength here (tests/ui/test_browser.py checks the contrast). */
#rag-chat .md.chatbot { opacity: 1 !important; }
/* where the keyboard's focus is, on every control (some of Gradio's show none) */
:is(a, button, input, textarea, select, [tabindex], [role=button], [role=tab]):focus-visible {
  outline: 2px solid var(--color-accent) !important; outline-offset: 2px;
}
/* on a phone the Sources are a sheet over the chat, opened by a citation (the class is on
   the panel: Gradio scopes rules in @media to its container, so body classes miss) */
#rag-sheet-close { display: none; }
@media (max-width: 768px) {
  #rag-sources-panel.rag-sheet-open {
    position: fixed; left: 0; right: 0; bottom: 0; max-height: 70vh; overflow-y: auto;
    z-index: 1000; padding: 12px; border-radius: 14px 14px 0 0;
    background: var(--background-fill-primary); box-shadow: 0 -6px 24px rgba(0, 0, 0, 0.3);
    display: flex; flex-direction: column; flex-wrap: nowrap; box-sizing: border-box;
    width: 100vw; max-width: 100vw; min-width: 0 !important;
  }
  #rag-sources-panel.rag-sheet-open > * { width: 100%; max-width: 100%; min-width: 0; }
  .rag-sheet-open #rag-sheet-close { display: block; }
}
/* the theme has one accent for both modes; on dark backgrounds a lighter shade */
.dark { --color-accent: var(--primary-300); }
.rag-answer, .rag-abstain, .rag-error, .rag-pending { line-height: 1.55; }
.rag-mode { margin-top: 4px; font-size: 0.75em; color: var(--body-text-color-subdued); }
a.rag-copy-msg { color: var(--color-accent) !important; cursor: pointer; font-weight: 600; }
a.rag-cite {
  display: inline-block; margin: 0 1px; padding: 0 5px; border-radius: 6px;
  font-size: 0.8em; font-weight: 600; line-height: 1.5; vertical-align: 0.1em;
  text-decoration: none !important; cursor: pointer;
  background: var(--color-accent-soft); color: var(--color-accent) !important;
  border: 1px solid var(--color-accent);
}
a.rag-cite:hover, a.rag-cite.rag-active {
  background: var(--color-accent); color: var(--background-fill-primary) !important;
}
.rag-unsupported {
  font-size: 0.75em; padding: 0 4px; border-radius: 4px; margin-left: 2px;
  background: #fde68a; color: #7c2d12;
}
.rag-streaming::after { content: " ▍"; opacity: 0.6; }
.rag-pending { opacity: 0.7; font-style: italic; }
.rag-abstain { border-left: 4px solid #f59e0b; padding-left: 10px; }
.rag-standalone { font-size: 0.85em; color: var(--body-text-color-subdued); margin-top: 4px; }
.rag-abstain-head { font-weight: 700; color: #b45309; margin-bottom: 4px; }
.rag-related-list { margin: 6px 0 0 0; padding-left: 18px; }
.rag-related-list li { margin-bottom: 6px; }
a.rag-related { font-weight: 600; cursor: pointer; }
.rag-snippet { display: block; font-size: 0.85em; color: var(--body-text-color-subdued); }
.rag-error { border-left: 4px solid #dc2626; padding-left: 10px; color: #b91c1c; }
.rag-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px; }
.rag-card-title { font-weight: 700; font-size: 1.05em; margin-bottom: 4px; }
.rag-label {
  display: inline-block; margin-right: 8px; padding: 0 6px; border-radius: 6px;
  background: var(--color-accent); color: var(--background-fill-primary); font-size: 0.85em;
}
.rag-meta { font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 8px;
  word-break: break-all; }
.rag-passage, .rag-doc-text { white-space: pre-wrap; line-height: 1.6; }
mark.rag-quote { background: #fde047; color: #111827; padding: 1px 0; border-radius: 2px; }
mark.rag-answer-span { background: #f59e0b; color: #111827; font-weight: 700;
  border-bottom: 2px solid #b45309; }
.rag-original { margin-top: 8px; }
.rag-original img { max-width: 100%; border: 1px solid var(--border-color-primary);
  border-radius: 6px; margin-top: 6px; }
.rag-doc-passage { background: rgba(59, 130, 246, 0.12); border-radius: 2px; }
.rag-unsupported-note { color: #b45309; font-size: 0.85em; margin-bottom: 6px; }
.rag-doc { max-height: 460px; overflow-y: auto; padding: 12px;
  border: 1px solid var(--border-color-primary); border-radius: 10px; }
.rag-placeholder { color: var(--body-text-color-subdued); font-style: italic; padding: 8px 0; }
.rag-table { width: 100%; border-collapse: collapse; font-size: 0.9em; }
.rag-table th, .rag-table td { text-align: left; padding: 6px 8px;
  border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
.rag-table td { word-break: break-word; }
.rag-num { text-align: right !important; }
.rag-title-cell { font-weight: 600; }
.rag-report-summary { font-weight: 600; margin: 4px 0 6px 0; }
.rag-badge { padding: 1px 8px; border-radius: 10px; font-size: 0.85em; font-weight: 600; }
.rag-badge-added { background: #dcfce7; color: #166534; }
.rag-badge-updated { background: #dbeafe; color: #1e40af; }
.rag-badge-unchanged { background: #f3f4f6; color: #374151; }
.rag-badge-duplicate { background: #fef9c3; color: #854d0e; }
.rag-badge-failed { background: #fee2e2; color: #991b1b; }
.rag-scope { padding: 6px 10px; border-radius: 8px; background: var(--color-accent-soft); }
"""
