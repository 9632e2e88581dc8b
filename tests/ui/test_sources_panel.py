"""The Sources panel's text: PDF line breaks joined with the marks kept on the same
characters, the exact answer marked inside the quote, and links to the original."""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from rag.answers import AnswerSpan, Citation
from ui.render import Passage, document_html, highlighted, passage_html, reflowed

PDF_TEXT = (
    "The council's recom-\nmended budget for the\n  Eastside line was approved\n"
    "on 4 May.\n\nNext steps:\n- tender\n- build"
)


def _marked(html: str, cls: str) -> str:
    """The text inside the mark of class ``cls`` (the quote holds the answer's mark)."""
    lazy = "" if cls == "rag-quote" else "?"
    match = re.search(rf'<mark class="{cls}"[^>]*>(.*{lazy})</mark>', html, re.DOTALL)
    assert match, html
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_reflow_joins_lines_and_hyphens_but_keeps_paragraphs_and_lists() -> None:
    shown, _ = reflowed(PDF_TEXT)
    assert shown == (
        "The council's recommended budget for the Eastside line was approved on 4 May."
        "\n\nNext steps:\n- tender\n- build"
    )


def test_reflow_keeps_a_hyphen_before_a_capital_or_a_number() -> None:
    assert reflowed("North-\nEast and 2019-\n2020")[0] == "North- East and 2019- 2020"


@given(st.text(alphabet="ab- \n\t", max_size=40), st.data())
def test_reflow_map_puts_every_kept_character_where_it_was(text: str, data: st.DataObject) -> None:
    shown, at = reflowed(text)
    assert len(at) == len(text) + 1 and at[0] == 0 and at[-1] == len(shown)
    assert all(x <= y for x, y in zip(at, at[1:], strict=False))  # order kept
    for i, ch in enumerate(text):
        if ch not in "\n \t-":
            assert shown[at[i]] == ch


def test_the_quote_and_the_answer_cover_the_same_words_after_reflow() -> None:
    offset = 1000
    q_start = offset + PDF_TEXT.index("budget")
    q_end = offset + PDF_TEXT.index("May.") + 4
    a_start = offset + PDF_TEXT.index("approved")
    span = (a_start, a_start + len("approved\non 4 May"))
    html = highlighted(PDF_TEXT, offset, q_start, q_end, span, reflow=True)
    assert _marked(html, "rag-quote") == "budget for the Eastside line was approved on 4 May."
    assert _marked(html, "rag-answer-span") == "approved on 4 May"
    plain = highlighted(PDF_TEXT, offset, q_start, q_end, span)
    assert _marked(plain, "rag-answer-span") == "approved\non 4 May"  # not a PDF: as stored


def _citation(source: str, page: int | None, n: int = 1) -> Citation:
    quote_start = PDF_TEXT.index("Eastside")
    return Citation(
        n=n, doc_id="doc-1", source=source, title="Budget", text=PDF_TEXT, start=0,
        end=len(PDF_TEXT), quote=PDF_TEXT[quote_start : quote_start + 13],
        quote_start=quote_start, quote_end=quote_start + 13, page=page,
    )  # fmt: skip


def test_the_answer_span_is_marked_only_in_its_own_citation() -> None:
    start = PDF_TEXT.index("Eastside")
    span = AnswerSpan("Eastside", 1, start, start + 8)
    html = passage_html(Passage.of_citation(_citation("/x/budget.pdf", 1), span))
    assert _marked(html, "rag-answer-span") == "Eastside"
    other = passage_html(Passage.of_citation(_citation("/x/budget.pdf", 1, n=2), span))
    assert "rag-answer-span" not in other and "rag-quote" in other


def test_a_pdf_passage_shows_its_page_and_links_to_the_original() -> None:
    html = passage_html(Passage.of_citation(_citation("/x/budget.pdf", 2)))
    assert '<img class="rag-page-image" src="files/doc-1/pages/2.png"' in html
    assert 'href="files/doc-1"' in html and 'href="files/doc-1?download=1"' in html
    assert "page 2" in html


def test_a_web_document_has_no_original_file_link() -> None:
    html = passage_html(Passage.of_citation(_citation("https://news.example/budget", None)))
    assert "files/" not in html and "rag-page-image" not in html


def test_the_whole_document_view_reflows_and_marks_the_answer() -> None:
    start = PDF_TEXT.index("Eastside")
    span = AnswerSpan("Eastside line", 1, start, start + 13)
    html = document_html("Budget", PDF_TEXT, Passage.of_citation(_citation("/b.pdf", 1), span))
    assert "recommended budget for the Eastside" in re.sub(r"<[^>]+>", "", html)
    assert 'id="rag-doc-anchor"' in html and _marked(html, "rag-answer-span") == "Eastside line"


def test_a_file_date_is_marked_as_such() -> None:
    base = Passage.of_citation(_citation("/x/budget.pdf", 1))
    dated = passage_html(replace(base, date="2019-06-07", date_source="metadata"))
    assert '<span class="rag-date">2019-06-07</span>' in dated
    filed = passage_html(replace(base, date="2019-06-07", date_source="file"))
    assert '<span class="rag-date">file date 2019-06-07</span>' in filed
