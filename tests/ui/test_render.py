"""The chat window's HTML: markers become links, document text is always escaped."""

from __future__ import annotations

import pytest

from rag.answers import Answer, Citation
from rag.retrieval import Result
from ui.render import (
    ANCHOR_ID,
    Passage,
    answer_html,
    document_html,
    highlighted,
    linked_text,
    passage_html,
    safe_url,
    source_html,
    split_statements,
    text_html,
)
from vectorstore.records import DocumentRecord
from vectorstore.records import Passage as StoredPassage

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
DOC = "Intro. The tram will cost 412 million euros. Outro."


def citation(n: int = 1, title: str = "Tram", **changes: object) -> Citation:
    start = DOC.index("The tram")
    end = DOC.index(" Outro")
    values: dict[str, object] = {
        "n": n,
        "doc_id": "tram-1",
        "source": "/data/tram.html",
        "title": title,
        "text": DOC[start:end],
        "start": start,
        "end": end,
        "quote": "412 million euros",
        "quote_start": DOC.index("412"),
        "quote_end": DOC.index("412") + len("412 million euros"),
    }
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


def result(title: str, text: str) -> Result:
    record = DocumentRecord(
        doc_id="d1", source="/d.md", title=title, kind="md", content_hash="h",
        fingerprint="f", chunks=1, state="complete", ingested_at="2025-01-01",
    )  # fmt: skip
    return Result(StoredPassage("p1", "d1", text, 0, len(text)), record, 1.0)


def test_markers_become_links_that_name_turn_and_number() -> None:
    html = linked_text("It costs 412 million euros. [1]", 3, [citation()])
    assert '<a class="rag-cite" href="#rag-cite-3-1"' in html
    assert html.startswith("It costs 412 million euros. ")


def test_unknown_markers_stay_text() -> None:
    assert linked_text("See [7].", 0, [citation()]) == "See [7]."


def test_answer_text_is_escaped_around_markers() -> None:
    answer = Answer("q", f"{EVIL} [1]", False, (citation(title=EVIL),))
    html = answer_html(answer, 0)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;' in html


def test_answer_is_one_html_block_without_blank_lines() -> None:
    answer = Answer("q", "First. [1]\n\nSecond. [1]", False, (citation(),))
    html = answer_html(answer, 0)
    assert "\n" not in html and html.count("<br>") == 2


def test_unsupported_mark_is_styled() -> None:
    html = linked_text("Claim. [1] [unsupported]", 0, [citation(supported=False)])
    assert 'class="rag-unsupported"' in html and "[unsupported]" not in html


def test_abstention_lists_related_passages_as_links() -> None:
    answer = Answer("q", "The documents don't say that.", True, (), (result(EVIL, "x " + EVIL),))
    html = answer_html(answer, 2)
    assert 'class="rag-abstain"' in html
    assert 'href="#rag-related-2-0"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_quote_is_highlighted_inside_the_escaped_passage() -> None:
    c = citation()
    html = highlighted(c.text, c.start, c.quote_start, c.quote_end)
    assert html == 'The tram will cost <mark class="rag-quote">412 million euros</mark>.'


def test_highlight_offsets_are_clamped_to_the_passage() -> None:
    assert highlighted("abc", 10, 5, 99) == '<mark class="rag-quote">abc</mark>'
    assert highlighted("a<b", 0, None, None) == "a&lt;b"


def test_passage_card_escapes_title_text_and_source() -> None:
    c = citation(title=EVIL, text=EVIL, start=0, end=len(EVIL), quote_start=0, quote_end=4)
    html = passage_html(Passage.of_citation(c))
    assert "<script>" not in html and "<img" not in html
    assert "[1]" in html and "rag-quote" in html


def test_source_links_only_web_addresses() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert "<a " not in source_html("/x/y.md", "javascript:alert(1)")
    link = source_html("/x/y.md", 'https://example.org/?q="><script>')
    assert 'href="https://example.org/?q=&quot;&gt;&lt;script&gt;"' in link
    assert 'rel="noopener noreferrer nofollow"' in link


def test_short_source_shows_the_file_name() -> None:
    assert ">y.md</span>" in source_html("/x/y.md", None, short=True)


def test_document_view_marks_the_quote_with_the_scroll_anchor() -> None:
    c = citation()
    html = document_html("Tram <b>", DOC, Passage.of_citation(c))
    assert f'<mark class="rag-quote" id="{ANCHOR_ID}">412 million euros</mark>' in html
    assert "Tram &lt;b&gt;" in html
    assert html.index("rag-doc-passage") < html.index(ANCHOR_ID)


def test_statements_split_after_markers() -> None:
    assert split_statements("One. [1] Two? [2] Three [3]") == ["One. [1]", "Two? [2]", "Three [3]"]


def test_a_rewritten_follow_up_shows_the_question_it_was_searched_as() -> None:
    from ui.render import question_html

    rewritten = Answer(
        "Where did he say it?", "x", False, standalone_question="Where did Moore say <that>?"
    )
    html = question_html(rewritten)
    assert html.startswith("Where did he say it?")
    assert 'class="rag-standalone"' in html and "Moore say &lt;that&gt;" in html
    plain = Answer("Who?", "x", False, standalone_question="Who?")
    assert "rag-standalone" not in question_html(plain)


@pytest.mark.parametrize(
    "text",
    [
        "What is this? ![pixel](https://tracker.example/p.png)",
        "![a][ref]\n\n[ref]: https://tracker.example/r.png",
        "see [here](javascript:alert(1)) and <img src=https://tracker.example/i.png>",
    ],
)
def test_user_text_stays_inert_as_markdown(text: str) -> None:
    # the Chatbot renders bubbles as Markdown; rendered so, nothing may load or link
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(text_html(text))
    assert "<img" not in html and "<a " not in html
    unsafe = MarkdownIt("commonmark").render(text)
    assert "<img" in unsafe or "<a " in unsafe  # the text alone would (the test can fail)


def test_the_answer_says_which_mode_answered() -> None:
    from dataclasses import replace

    from rag.answers import Answer

    answer = Answer("Q?", "An answer.", False)
    assert "answered by" not in answer_html(answer, 0)
    assert 'class="rag-copy-msg" href="#rag-copy-0"' in answer_html(answer, 0)
    assert "answered by extractive (no LLM)" in answer_html(replace(answer, mode="extractive"), 0)
    assert "answered by openai (LLM)" in answer_html(replace(answer, mode="openai"), 0)
    by_model = replace(answer, mode="openai", model="qwen3 at 127.0.0.1:11434")
    assert "answered by qwen3 at 127.0.0.1:11434 (LLM)" in answer_html(by_model, 0)
    withheld = replace(by_model, abstained=True)
    assert "answered by qwen3 at 127.0.0.1:11434 (LLM)" in answer_html(withheld, 0)
