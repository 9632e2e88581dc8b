"""The chat window in headless chromium: cited answers, uploads, removal, XSS safety."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

pytestmark = pytest.mark.browser

# The README's picture is rewritten only when asked, so a test run leaves the checkout
# as it was (RAG_TEST_*: the suite clears every other RAG_* variable).
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-answer.png"
UPDATE_SCREENSHOT = "RAG_TEST_UPDATE_SCREENSHOT"
FINISHED = "#rag-chat .rag-answer:not(.rag-streaming), #rag-chat .rag-abstain, #rag-chat .rag-error"
TIMEOUT = 90_000
XSS_DOC = """---
title: "Evil <img src=x onerror=\\"window.xssRan=1\\"> title"
date: 2024-05-01
---
The Zorblax festival <script>window.xssRan=2</script> takes place in Quillton every March.
<img src=x onerror="window.xssRan=3"> The Zorblax festival draws 12,000 visitors a year.
"""
UPLOAD_DOC = """# Pellmore beekeepers count a record harvest

Beekeepers in the village of Pellmore collected 9,350 jars of heather honey this autumn,
the largest harvest the Pellmore Apiary Society has recorded since it was founded in 1921.
"""


@pytest.fixture
def page(chromium: Any, live_app: LiveApp) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(live_app.url)
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    yield page
    context.close()
    assert not errors, errors


def ask(page: Any, question: str) -> Any:
    """Ask and wait for the finished answer bubble; returns it."""
    before = page.locator(FINISHED).count()
    page.fill("#rag-question textarea", question)
    page.click("#rag-send")
    page.wait_for_function(
        f"document.querySelectorAll({FINISHED!r}).length > {before}", timeout=TIMEOUT
    )
    return page.locator(FINISHED).last


def open_documents(page: Any) -> None:
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#rag-library table", timeout=TIMEOUT)


def upload(page: Any, path: Path) -> str:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    open_documents(page)
    listed = page.locator("#rag-files").get_by_text(path.name).first
    for attempt in range(3):
        # Under heavy CPU load the first upload request has been seen to get lost; the
        # file then never appears in the component, so it is set once more.
        page.set_input_files("#rag-files input[type=file]", str(path))
        try:
            listed.wait_for(timeout=TIMEOUT // 3)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.click("#rag-add")
    page.wait_for_selector("#rag-report .rag-badge", timeout=TIMEOUT)
    return page.inner_text("#rag-report")


def screenshot_path(tmp_path: Path, name: str = DOCS_SCREENSHOT.name) -> Path:
    """docs/ when RAG_TEST_UPDATE_SCREENSHOT=1, else the test's own tmp_path."""
    if os.environ.get(UPDATE_SCREENSHOT) == "1":
        return DOCS_SCREENSHOT.parent / name
    return tmp_path / name


def test_the_screenshot_stays_out_of_the_checkout_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UPDATE_SCREENSHOT, raising=False)
    assert screenshot_path(tmp_path) == tmp_path / "screenshot-answer.png"
    monkeypatch.setenv(UPDATE_SCREENSHOT, "1")
    assert screenshot_path(tmp_path) == DOCS_SCREENSHOT


def test_cited_answer_opens_the_highlighted_quote(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    answer = ask(page, "What did Moore say about AI?")
    markers = answer.locator("a.rag-cite")
    assert markers.count() >= 1
    markers.last.click()
    quote = page.locator("#rag-sources mark.rag-quote")
    expect(quote).to_be_visible(timeout=TIMEOUT)
    n = markers.count()
    expect(page.locator("#rag-sources .rag-label")).to_have_text(f"[{n}]")
    expect(page.locator("#rag-sources .rag-card-title")).to_contain_text("MI6 chief")
    expect(page.locator("#rag-sources .rag-date")).to_have_text("2023-07-19")
    expect(page.locator("#rag-sources a.rag-source")).to_have_attribute("target", "_blank")
    assert "AI" in quote.inner_text()
    page.screenshot(path=str(screenshot_path(tmp_path)))

    page.click("#rag-whole")
    anchor = page.locator("#rag-document #rag-doc-anchor")
    expect(anchor).to_be_visible(timeout=TIMEOUT)
    expect(anchor).to_be_in_viewport(timeout=10_000)
    assert anchor.inner_text() == quote.inner_text()


def test_follow_up_uses_the_conversation_then_clear(page: Any) -> None:
    from playwright.sync_api import expect

    ask(page, "What did Professor Daniel Okafor say about AI?")
    follow = ask(page, "Where does he work?")
    follow.locator("a.rag-cite").first.click()
    expect(page.locator("#rag-sources .rag-card-title")).to_contain_text("Kestrel", timeout=TIMEOUT)
    page.click("#rag-copy")
    copied = ""
    for _ in range(50):
        copied = page.evaluate("navigator.clipboard.readText()")
        if copied:
            break
        page.wait_for_timeout(200)
    assert copied.startswith(follow.inner_text().split("[")[0].strip()[:40])
    assert "<" not in copied and "\n[1] " in copied
    page.click("#rag-chat button[aria-label='Clear']")  # the one clear control
    expect(page.locator(FINISHED)).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("#rag-sources .rag-placeholder")).to_be_visible()


def test_the_exact_answer_is_marked_inside_its_quote(page: Any) -> None:
    from playwright.sync_api import expect

    answer = ask(page, "How much will the Eastside tram line in Corvale cost?")
    answer.locator("a.rag-cite").first.click()
    span = page.locator("#rag-sources mark.rag-answer-span")
    expect(span).to_be_visible(timeout=TIMEOUT)
    assert span.inner_text() in answer.inner_text().split(":")[0]  # the answer's lead
    colours = page.evaluate(
        """() => ['mark.rag-answer-span', 'mark.rag-quote'].map(
            (s) => getComputedStyle(document.querySelector('#rag-sources ' + s)).backgroundColor)"""
    )
    assert colours[0] != colours[1]  # marked more strongly than the rest of the quote


def test_abstention_shows_related_passages(page: Any) -> None:
    from playwright.sync_api import expect

    answer = ask(page, "What is the population of Mars colony Ares Nine?")
    expect(answer).to_have_class("rag-abstain")
    expect(answer).to_contain_text("No answer in your documents")
    expect(answer).to_contain_text('("What is the population of Mars colony Ares Nine?")')
    related = answer.locator("a.rag-related")
    assert related.count() >= 1
    titles = related.all_inner_texts()
    assert len(titles) == len(set(titles)), titles  # one entry per document
    related.first.click()
    expect(page.locator("#rag-sources .rag-label")).to_have_text("related", timeout=TIMEOUT)


def test_upload_list_ask_remove(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    doc = tmp_path / "pellmore honey.md"
    doc.write_text(UPLOAD_DOC, encoding="utf-8")
    report = upload(page, doc)
    assert "pellmore_honey.md" in report and "added" in report
    title = "Pellmore beekeepers count a record harvest"
    expect(page.locator("#rag-library")).to_contain_text(title)

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "How many jars of honey did the Pellmore beekeepers collect?")
    expect(answer).to_contain_text("9,350")

    open_documents(page)
    page.fill("#rag-filter textarea, #rag-filter input", "pellmore")
    expect(page.locator("#rag-library")).to_contain_text("1 of")
    page.locator("#rag-selected label", has_text="Pellmore").click()
    page.click("#rag-remove")
    expect(page.locator("#rag-confirm-row")).to_contain_text(title, timeout=TIMEOUT)
    page.click("#rag-confirm")
    expect(page.locator("#rag-status")).to_contain_text("Removed 1 document", timeout=TIMEOUT)
    expect(page.locator("#rag-library")).not_to_contain_text(title)


def test_unsupported_upload_is_reported(page: Any, tmp_path: Path) -> None:
    bad = tmp_path / "setup.exe"
    bad.write_bytes(b"MZ\x90\x00")
    report = upload(page, bad)
    assert "failed" in report and ".exe files are not supported" in report


def test_chat_restricted_to_selected_documents(page: Any) -> None:
    from playwright.sync_api import expect

    open_documents(page)
    page.locator("#rag-selected label", has_text="Northern Reserve Bank").click()
    page.click("#rag-use")
    expect(page.locator(".rag-scope")).to_contain_text("1 selected document", timeout=TIMEOUT)
    answer = ask(page, "How much will the Eastside tram line in Corvale cost?")
    assert "412 million" not in answer.inner_text()
    page.get_by_role("button", name="Use all documents").click()
    expect(page.locator(".rag-scope")).to_be_hidden(timeout=TIMEOUT)
    answer = ask(page, "How much will the Eastside tram line in Corvale cost?")
    expect(answer).to_contain_text("412 million")


def test_xss_document_does_not_run_script(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    doc = tmp_path / '<b onmouseover="window.xssRan=4">evil.md'
    doc.write_text(XSS_DOC, encoding="utf-8")
    upload(page, doc)
    expect(page.locator("#rag-library")).to_contain_text('<img src=x onerror="window.xssRan=1">')
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "How many visitors does the Zorblax festival draw?")
    expect(answer).to_contain_text('<img src=x onerror="window.xssRan=3">')  # shown as text
    expect(answer).to_contain_text("12,000")
    answer.locator("a.rag-cite").first.click()
    expect(page.locator("#rag-sources")).to_contain_text("<img src=x", timeout=TIMEOUT)
    page.click("#rag-whole")
    expect(page.locator("#rag-document")).to_contain_text("<script>", timeout=TIMEOUT)
    page.wait_for_timeout(500)
    assert page.evaluate("window.xssRan") is None
    injected = page.locator("#rag-document img, #rag-sources img, #rag-chat .rag-answer img")
    assert injected.count() == 0


def test_a_thumb_and_its_comment_are_kept_for_the_export(page: Any, live_app: LiveApp) -> None:
    from playwright.sync_api import expect

    from rag.feedback import FeedbackLog

    ask(page, "Who is the head of MI6?")
    buttons = page.locator(
        "#rag-chat button[aria-label='Dislike'], #rag-chat button[title='Dislike']"
    )
    labels = page.eval_on_selector_all(
        "#rag-chat button", "bs => bs.map(b => b.getAttribute('aria-label') || b.title)"
    )
    assert buttons.count() >= 1, labels
    buttons.last.click()
    expect(page.locator("#rag-comment textarea")).to_be_visible(timeout=TIMEOUT)
    page.fill("#rag-comment textarea", "should name the embassy")
    page.click("#rag-send-comment")
    expect(page.locator("#rag-comment-row")).to_be_hidden(timeout=TIMEOUT)
    log = FeedbackLog(live_app.home / "feedback.jsonl")
    for _ in range(50):
        if log.ratings() and log.ratings()[-1].comment:
            break
        page.wait_for_timeout(200)
    (rating,) = log.ratings()
    assert (rating.vote, rating.comment) == ("down", "should name the embassy")
    assert rating.question == "Who is the head of MI6?" and rating.answer["citations"]


def test_regenerate_asks_the_question_again_in_place(page: Any) -> None:
    from playwright.sync_api import expect

    first = ask(page, "Who is the head of MI6?")
    text = first.text_content() or ""
    retry = page.locator("#rag-chat button[aria-label='Retry'], #rag-chat button[title='Retry']")
    labels = page.eval_on_selector_all(
        "#rag-chat button", "bs => bs.map(b => b.getAttribute('aria-label') || b.title)"
    )
    assert retry.count() >= 1, labels
    retry.last.click()
    page.wait_for_timeout(500)
    expect(page.locator(FINISHED)).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator(FINISHED).last).to_have_text(text, timeout=TIMEOUT)
    assert page.inner_text("#rag-chat").count("Who is the head of MI6?") == 1


def test_stop_cancels_every_way_of_asking(live_app: LiveApp) -> None:
    config = live_app.demo.config
    deps = config["dependencies"]
    ids = {c["id"]: c for c in config["components"]}

    def triggers(dep: dict[str, Any]) -> set[str]:
        """The elem_ids that start ``dep``, through the event it follows (``.then``)."""
        found = {
            ids[t[0]].get("props", {}).get("elem_id") or "" for t in dep["targets"] if t[0] in ids
        }
        after = dep.get("trigger_after")
        return found | (triggers(deps[after]) if after is not None else set())

    stops = [d for d in deps if "rag-stop" in triggers(d) and d["cancels"]]
    assert stops, "the Stop button cancels nothing"
    cancelled = [deps[i] for d in stops for i in d["cancels"]]
    from_question = {"rag-question", "rag-send", "rag-chat"}
    assert len(cancelled) >= 4 and set().union(*(triggers(d) for d in cancelled)) >= from_question


def test_a_conversation_is_saved_reopened_renamed_exported_and_deleted(
    page: Any, live_app: LiveApp
) -> None:
    from playwright.sync_api import expect

    ask(page, "Where did Richard Moore speak?")
    saved = live_app.library.saved

    def newest() -> Any:
        # the newest of this title (the module's other tests may have asked it too)
        return next((c for c in saved.of_user("local") if c.title.startswith("Where did")), None)

    for _ in range(50):
        if newest() is not None:
            break
        page.wait_for_timeout(200)
    conversation = newest()
    assert conversation is not None
    assert conversation.turns == 1

    page.reload()
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    expect(page.locator(FINISHED)).to_have_count(0)
    page.click("#rag-saved input")
    page.get_by_role("option", name=re.compile("Where did Richard Moore speak")).first.click()
    expect(page.locator(FINISHED)).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#rag-chat")).to_contain_text("Prague")

    page.fill("#rag-title textarea, #rag-title input", "Moore in Prague")
    page.click("#rag-rename")
    for _ in range(50):
        if saved.get("local", conversation.id).title == "Moore in Prague":
            break
        page.wait_for_timeout(200)
    assert saved.get("local", conversation.id).title == "Moore in Prague"

    page.click("#rag-export")
    link = page.locator("#rag-exported a").first
    expect(link).to_be_visible(timeout=TIMEOUT)
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Moore in Prague") and "[1]" in text

    page.click("#rag-delete")
    expect(page.locator(FINISHED)).to_have_count(0, timeout=TIMEOUT)
    for _ in range(50):
        if not [c for c in saved.of_user("local") if c.id == conversation.id]:
            break
        page.wait_for_timeout(200)
    assert conversation.id not in {c.id for c in saved.of_user("local")}


def test_theme_toggle_is_kept_across_a_reload(page: Any) -> None:
    dark_before = page.evaluate("document.body.classList.contains('dark')")
    page.click("#rag-theme")
    assert page.evaluate("document.body.classList.contains('dark')") is (not dark_before)
    page.reload()
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    page.wait_for_function(
        f"document.body.classList.contains('dark') === {str(not dark_before).lower()}",
        timeout=TIMEOUT,
    )


def test_citations_are_labelled_and_copy_confirms(page: Any) -> None:
    from playwright.sync_api import expect

    answer = ask(page, "Who is the head of MI6?")
    marker = answer.locator("a.rag-cite").first
    expect(marker).to_have_attribute("role", "button")
    label = marker.get_attribute("aria-label") or ""
    assert label.startswith("Show source 1: ") and "MI6" in label
    page.click("#rag-copy")
    expect(page.locator("#rag-copy")).to_have_text("Copied ✓", timeout=10_000)
    expect(page.locator("#rag-copy")).to_have_text("Copy answer", timeout=10_000)
    # each answer has its own copy link, which copies that answer, not the last one
    shown = answer.inner_text()
    ask(page, "What did Moore say about AI?")
    first = page.locator("#rag-chat a.rag-copy-msg").first
    first.click()
    expect(first).to_have_text("Copied ✓", timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "MI6" in copied and copied[:20] == shown[:20]
    expect(first).to_have_text("Copy", timeout=10_000)


def test_on_a_phone_a_citation_brings_its_source_into_view(
    chromium: Any, live_app: LiveApp, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(live_app.url)
        phone.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
        answer = ask(phone, "Where did Richard Moore speak?")
        answer.locator("a.rag-cite").first.click()
        expect(phone.locator("#rag-sources mark.rag-quote")).to_be_in_viewport(timeout=TIMEOUT)
        # the Sources open as a sheet over the chat, with a way to close it
        panel = phone.locator("#rag-sources-panel")
        assert panel.evaluate("(e) => getComputedStyle(e).position") == "fixed"
        phone.screenshot(path=str(screenshot_path(tmp_path, "screenshot-phone.png")))
        phone.click("#rag-sheet-close")
        expect(panel).not_to_have_class(re.compile("rag-sheet-open"), timeout=TIMEOUT)
        assert panel.evaluate("(e) => getComputedStyle(e).position") != "fixed"
        answer.locator("a.rag-cite").first.click()  # opens again; Escape closes it too
        expect(phone.locator("#rag-sheet-close")).to_be_visible(timeout=TIMEOUT)
        phone.keyboard.press("Escape")
        expect(phone.locator("#rag-sheet-close")).to_be_hidden(timeout=TIMEOUT)
    finally:
        context.close()


def test_a_batch_upload_shows_progress_and_stops_when_asked(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    paths = []
    for i in range(40):
        path = tmp_path / f"harbour-log-{i:02d}.md"
        lines = [
            f"Entry {j} of log {i}: the harbour of Brenn logged ship {i * 100 + j}."
            for j in range(120)
        ]
        path.write_text(f"# Harbour log {i}\n\n" + "\n\n".join(lines), encoding="utf-8")
        paths.append(str(path))
    open_documents(page)
    page.set_input_files("#rag-files input[type=file]", paths)
    listed = page.locator("#rag-files").get_by_text("harbour-log-39").first
    listed.wait_for(state="attached", timeout=TIMEOUT)
    page.click("#rag-add")
    progress = page.get_by_text(re.compile(r"files read · \d+ passages embedded, \d+/s"))
    expect(progress.first).to_be_visible(timeout=TIMEOUT)
    page.click("#rag-stop-add")
    page.wait_for_selector("#rag-report .rag-badge", timeout=TIMEOUT)
    report = page.inner_text("#rag-report")
    assert "added" in report
    assert "the upload was stopped before this file was read" in report, report[:2000]


def test_an_edited_question_is_asked_again_in_its_place(page: Any) -> None:
    from playwright.sync_api import expect

    ask(page, "Who is the head of MI6?")
    edit = page.locator("#rag-chat button[aria-label='Edit'], #rag-chat button[title='Edit']")
    labels = page.eval_on_selector_all(
        "#rag-chat button", "bs => bs.map(b => b.getAttribute('aria-label') || b.title)"
    )
    assert edit.count() >= 1, labels
    edit.first.click()
    box = page.locator("#rag-chat textarea").first
    expect(box).to_be_visible(timeout=TIMEOUT)
    box.fill("Where did Richard Moore speak?")
    page.click("#rag-chat button[aria-label='Submit']")
    expect(page.locator(FINISHED)).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator(FINISHED).last).to_contain_text("Prague", timeout=TIMEOUT)
    chat = page.inner_text("#rag-chat")
    assert "Where did Richard Moore speak?" in chat and "Who is the head of MI6?" not in chat


# WCAG 2 contrast of every visible text in the chat, the sources and the controls,
# over its composited background; large text (24 px, or 18.66 px bold) needs 3:1.
CONTRAST_JS = """
(roots) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) { return null; }
    const p = m[1].split(",").map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, base) => ({
    r: top.r * top.a + base.r * (1 - top.a),
    g: top.g * top.a + base.g * (1 - top.a),
    b: top.b * top.a + base.b * (1 - top.a), a: 1,
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) { break; } }
    }
    let base = layers.length && layers[layers.length - 1].a >= 1 ? layers.pop()
      : parse(getComputedStyle(document.body).backgroundColor) || {r: 255, g: 255, b: 255, a: 1};
    if (base.a < 1) { base = over(base, {r: 255, g: 255, b: 255, a: 1}); }
    for (let i = layers.length - 1; i >= 0; i--) { base = over(layers[i], base); }
    return base;
  };
  const failures = [];
  const seen = new Set();
  for (const selector of roots) {
    for (const root of document.querySelectorAll(selector)) {
      for (const el of [root, ...root.querySelectorAll("*")]) {
        if (seen.has(el)) { continue; }
        seen.add(el);
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own) { continue; }
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        const hidden = box.width < 2 || box.height < 2 || style.visibility !== "visible";
        if (hidden || el.closest("[disabled]")) { continue; }  // sr-only text is 1 px
        let opacity = 1;
        let faded = "";
        for (let e = el; e; e = e.parentElement) {
          const o = Number(getComputedStyle(e).opacity);
          if (o < 1) { faded += ` ${e.tagName.toLowerCase()}.${e.className}@${o}`; }
          opacity *= o;
        }
        if (opacity === 0) { continue; }
        const bg = background(el);
        const color = parse(style.color);
        const fg = over({...color, a: color.a * opacity}, bg);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) {
          const what = `${el.tagName.toLowerCase()}.${el.className}`;
          const text = el.textContent.trim().slice(0, 40);
          failures.push(`${ratio.toFixed(2)} ${style.color} on rgb(${bg.r | 0},${bg.g | 0},`
            + `${bg.b | 0}): ${what} "${text}"${faded}`);
        }
      }
    }
  }
  return failures;
}
"""


def test_text_has_enough_contrast_in_both_themes(page: Any) -> None:
    answer = ask(page, "Who is the head of MI6?")
    answer.locator("a.rag-cite").first.click()
    page.wait_for_selector("#rag-sources mark.rag-quote", timeout=TIMEOUT)
    roots = ["#rag-chat", "#rag-sources", "#rag-question", "button", "[role=tab]", "label"]
    for dark in (False, True):
        page.evaluate(f"document.body.classList.toggle('dark', {str(dark).lower()})")
        page.wait_for_timeout(300)  # the theme's transitions
        failures = page.evaluate(CONTRAST_JS, roots)
        assert not failures, ("dark" if dark else "light", failures)


def _focused(page: Any) -> str:
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          if (!e || e === document.body) { return ""; }
          const holder = e.closest("[id^=rag-]");
          const style = getComputedStyle(e);
          const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
            || style.boxShadow !== "none";
          return [holder ? holder.id : "", e.tagName.toLowerCase(), e.getAttribute("role") || "",
                  (e.getAttribute("aria-label") || e.textContent || "").trim().slice(0, 30),
                  ring ? "ring" : "no-ring"].join("|");
        }"""
    )


def test_every_control_is_reached_and_used_by_the_keyboard(page: Any) -> None:
    from playwright.sync_api import expect

    ask(page, "Who is the head of MI6?")
    page.locator("body").click(position={"x": 5, "y": 5})
    reached: list[str] = []
    for _ in range(150):
        page.keyboard.press("Tab")
        reached.append(_focused(page))
    wanted = {
        "question box": lambda f: f.startswith("rag-question|textarea"),
        "send": lambda f: f.startswith("rag-send|"),
        "citation": lambda f: "|a|button|Show source" in f,
        "copy": lambda f: f.startswith("rag-copy|"),
        "theme": lambda f: f.startswith("rag-theme|"),
        "documents tab": lambda f: "|tab|Documents" in f,
    }
    missing = [name for name, hit in wanted.items() if not any(hit(f) for f in reached)]
    assert not missing, (missing, reached)
    no_ring = sorted({f for f in reached if f.endswith("no-ring")})
    assert not no_ring, no_ring  # every focused control shows where the focus is
    # a citation opens its source from the keyboard
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(150):
        page.keyboard.press("Tab")
        if "|a|button|Show source" in _focused(page):
            break
    page.keyboard.press("Enter")
    expect(page.locator("#rag-sources mark.rag-quote")).to_be_visible(timeout=TIMEOUT)
