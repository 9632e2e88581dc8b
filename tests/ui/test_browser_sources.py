"""The Sources panel in headless chromium: a PDF passage (cited or related) shows its
page as an image, its text reflowed and its stated date, and opens the original file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fpdf import FPDF

from tests.ui.test_browser import TIMEOUT, ask, screenshot_path

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

pytestmark = pytest.mark.browser

TEXT = (
    "Harbour board minutes, 5 March 2023. The ferry Marigold will dock at pier four "
    "from next spring, the board decided after a long debate about the old ferry "
    "terminal, which needs a new roof and a recommended repair of its southern wall."
)


def test_a_pdf_passage_shows_its_page_and_opens_the_original(
    chromium: Any, live_app_factory: Callable[..., LiveApp], tmp_path: Path
) -> None:
    app = live_app_factory(corpus=False)
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, TEXT)  # wrapped: the extracted text has hard line breaks
    path = tmp_path / "minutes.pdf"
    path.write_bytes(bytes(pdf.output()))
    assert app.library.add([str(path)]).ok
    page = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(app.url)
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    ask(page, "Where will the ferry Marigold dock?")
    image = page.locator("#rag-sources img.rag-page-image")
    image.wait_for(timeout=TIMEOUT)
    page.wait_for_function(
        "document.querySelector('#rag-sources img.rag-page-image').naturalWidth > 0",
        timeout=TIMEOUT,
    )
    passage = page.locator("#rag-sources .rag-passage").inner_text()
    assert "the board decided after a long debate" in " ".join(passage.split())
    assert "\n" not in passage.strip()  # one paragraph on the page: no hard breaks left
    assert page.locator("#rag-sources .rag-date").inner_text() == "2023-03-05"
    href = page.locator("#rag-sources a.rag-open").get_attribute("href")
    original = page.request.get(app.url + href)
    assert original.ok and original.body() == path.read_bytes()
    page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-page.png")), full_page=True)
    page.context.close()
