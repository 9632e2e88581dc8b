"""The original files behind the Sources panel, through HTTP against the running app:
``/files/{doc_id}`` and ``/files/{doc_id}/pages/{n}.png``, for known documents only and,
with logins, only for a user who may read the document's collection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.rag.test_originals import write_pdf

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

PAGES = ["Harbour report, first page.", "The ferry Marigold docks at pier four on page two."]


@pytest.fixture(scope="module")
def app_with_pdf(
    live_app_factory: Callable[..., LiveApp], tmp_path_factory: pytest.TempPathFactory
) -> tuple[LiveApp, str, bytes]:
    app = live_app_factory(corpus=False)
    pdf = write_pdf(tmp_path_factory.mktemp("pdf") / "harbour.pdf", PAGES)
    report = app.library.add([str(pdf)])
    assert report.ok, report.to_json()
    return app, report.added[0].doc_id, pdf.read_bytes()


def test_the_original_pdf_opens_inline_and_downloads(
    app_with_pdf: tuple[LiveApp, str, bytes],
) -> None:
    app, doc_id, data = app_with_pdf
    with httpx.Client(base_url=app.url, timeout=20) as http:
        shown = http.get(f"files/{doc_id}")
        saved = http.get(f"files/{doc_id}", params={"download": 1})
    assert shown.status_code == 200 and shown.content == data
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")
    assert saved.headers["content-disposition"].startswith("attachment")
    assert 'filename="harbour.pdf"' in saved.headers["content-disposition"]


def test_the_cited_page_is_a_png_cached_under_rag_home(
    app_with_pdf: tuple[LiveApp, str, bytes],
) -> None:
    app, doc_id, _ = app_with_pdf
    with httpx.Client(base_url=app.url, timeout=20) as http:
        page = http.get(f"files/{doc_id}/pages/2.png")
        past = http.get(f"files/{doc_id}/pages/9.png")
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert page.content.startswith(b"\x89PNG")
    assert list((app.home / "pages" / doc_id).glob("*-2.png"))
    assert past.status_code == 404 and "has pages 1 to 2" in past.text


def test_an_unknown_document_is_not_found(app_with_pdf: tuple[LiveApp, str, bytes]) -> None:
    app, _, _ = app_with_pdf
    with httpx.Client(base_url=app.url, timeout=20) as http:
        missing = http.get("files/nosuchdoc")
        escape = http.get("files/..%2F..%2Fetc%2Fpasswd")
    assert missing.status_code == 404 and "no such document" in missing.text
    assert escape.status_code == 404


def test_with_logins_only_a_reader_of_the_collection_gets_the_file(
    live_app_factory: Callable[..., LiveApp], tmp_path: Path
) -> None:
    app = live_app_factory(corpus=False, auth="ann:s3cret,bob:hunter22")
    ann = app.library.principal("ann")
    report = app.library.add([str(write_pdf(tmp_path / "ann.pdf", PAGES))], user=ann)
    doc_id = report.added[0].doc_id
    with httpx.Client(base_url=app.url, timeout=20) as anonymous:
        assert anonymous.get(f"files/{doc_id}").status_code == 401
    for name, password, status in (("ann", "s3cret", 200), ("bob", "hunter22", 404)):
        with httpx.Client(base_url=app.url, timeout=20) as http:
            assert http.post("login", data={"username": name, "password": password}).is_success
            assert http.get(f"files/{doc_id}").status_code == status, name
            assert http.get(f"files/{doc_id}/pages/1.png").status_code == status, name
    bearer = {"Authorization": "Bearer ann:s3cret"}
    assert httpx.get(f"{app.url}files/{doc_id}", headers=bearer, timeout=20).status_code == 200
