"""A file over the size limit, uploaded in headless chromium: refused in the per-file
report with the limit and what to do, the other file of the batch added, and no
traceback in the server's log for a refusal that was expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.ui.test_browser import TIMEOUT

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

pytestmark = pytest.mark.browser


def test_an_oversized_file_is_refused_in_the_report_and_the_rest_added(
    chromium: Any,
    live_app_factory: Callable[..., LiveApp],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from playwright.sync_api import expect

    app = live_app_factory(corpus=False, max_file_mb=0.05)  # 51 KiB
    big = tmp_path / "big-report.txt"
    big.write_text("The harbour board met again. " * 4000, encoding="utf-8")  # ~116 KiB
    small = tmp_path / "small-note.txt"
    small.write_text("The ferry Marigold docks at pier four from next spring.", encoding="utf-8")
    page = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(app.url)
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#rag-files input[type=file]", state="attached", timeout=TIMEOUT)
    page.set_input_files("#rag-files input[type=file]", [str(big), str(small)])
    page.locator("#rag-files").get_by_text(small.stem).first.wait_for(timeout=TIMEOUT)
    page.click("#rag-add")
    page.wait_for_selector("#rag-report .rag-badge-failed", timeout=TIMEOUT)
    report = " ".join(page.inner_text("#rag-report").split())
    assert "big-report.txt" in report and "over the limit of" in report
    assert "raise RAG_MAX_FILE_MB" in report
    expect(page.locator("#rag-report .rag-badge-added")).to_have_count(1)
    assert page.locator(".toast-body").count() == 0  # no generic pop-up besides the report
    assert [Path(d.source).name for d in app.library.documents()] == ["small-note.txt"]
    page.context.close()
    logged = capfd.readouterr()
    assert "Traceback" not in logged.err + logged.out
