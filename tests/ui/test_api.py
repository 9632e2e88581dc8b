"""The named API through gradio_client: the same JSON as the CLI's --json output."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from gradio_client import Client, handle_file

from ingest.pipeline import Ingestor
from ingest.report import IngestReport

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

NEW_DOC = """---
title: Quillton harbour gets a floating library
date: 2025-03-14
---
The town of Quillton opened a floating library on a converted ferry on Friday.
The ferry, named Marigold, holds 4,800 books and docks at a different pier each week.
"""


@pytest.fixture(scope="module")
def client(live_app: LiveApp) -> Client:
    return Client(live_app.url, verbose=False)


def test_only_the_named_endpoints_are_public(client: Client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert names == {"/ask", "/ingest", "/ingest_urls", "/documents", "/collections"}


def test_documents_equals_docs_list_json(client: Client, live_app: LiveApp) -> None:
    listed = client.predict(api_name="/documents")
    assert listed == [r.summary() for r in live_app.services.store.list_documents()]
    assert len(listed) >= 8 and set(listed[0]) == {
        "doc_id", "source", "title", "chunks", "kind", "url", "author", "date", "ingested_at",
        "collection",
    }  # fmt: skip


def test_ask_equals_rag_ask_json(client: Client, live_app: LiveApp) -> None:
    question = "How much will the Eastside tram line in Corvale cost?"
    got = client.predict(question, [], api_name="/ask")
    expected = live_app.library.ask(question).to_json()
    assert got == expected
    assert not got["abstained"] and "412 million" in got["answer"]
    assert got["citations"][0]["quote_start"] >= got["citations"][0]["start"]


def test_ask_uses_the_history(client: Client) -> None:
    history = [
        {"role": "user", "content": "What did Professor Daniel Okafor say about AI?"},
        {"role": "assistant", "content": "AI narrowed the haystack. [1]"},
    ]
    got = client.predict("What else did he say?", history, api_name="/ask")
    assert "Okafor" in got["standalone_question"]


def test_ingest_equals_rag_ingest_json(client: Client, live_app: LiveApp, tmp_path: Path) -> None:
    doc = tmp_path / "floating library.md"
    doc.write_text(NEW_DOC, encoding="utf-8")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x00\x00")
    got = client.predict([handle_file(str(doc)), handle_file(str(bad))], api_name="/ingest")
    assert set(got) == set(IngestReport().to_json())
    assert [d["title"] for d in got["added"]] == ["Quillton harbour gets a floating library"]
    assert set(got["added"][0]) == {"doc_id", "source", "title", "chunks"}
    assert got["added"][0]["source"].endswith("/uploads/floating_library.md")
    assert (
        got["failed"] == [{"source": "tool.exe", "error": got["failed"][0]["error"]}]
        and "not supported" in got["failed"][0]["error"]
    )

    again = client.predict([handle_file(str(doc))], api_name="/ingest")
    assert [d["doc_id"] for d in again["unchanged"]] == [got["added"][0]["doc_id"]]

    answer = client.predict("How many books does the Marigold hold?", [], api_name="/ask")
    assert "4,800" in answer["answer"]


def test_ask_is_not_blocked_by_a_running_ingest(
    client: Client, live_app: LiveApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()

    class SlowIngestor(Ingestor):
        def ingest(
            self, inputs: Sequence[str], progress: Any = None, stop: Any = None
        ) -> IngestReport:
            entered.set()
            assert release.wait(120), "the test never released the ingest"
            return super().ingest(inputs, progress, stop)

    monkeypatch.setattr("ingest.pipeline.Ingestor", SlowIngestor)  # read by Library.add
    doc = tmp_path / "slow.md"
    doc.write_text("# Slow\n\nThe slow document mentions the Brennock pier.", encoding="utf-8")
    job = client.submit([handle_file(str(doc))], api_name="/ingest")
    try:
        assert entered.wait(60), "the ingest did not start"
        started = time.monotonic()
        answer = client.predict("What did Moore say about AI?", [], api_name="/ask")
        assert not answer["abstained"]
        assert time.monotonic() - started < 60
        assert not job.done(), "the ingest should still be waiting"
    finally:
        release.set()
    assert job.result(timeout=120)["added"][0]["title"] == "Slow"


def test_login_is_required_when_rag_auth_is_set(live_app_factory: Callable[..., LiveApp]) -> None:
    app = live_app_factory(corpus=False, auth="ann:s3cret,bob:pw")
    with pytest.raises(ValueError, match="(?i)login|auth|credentials"):
        Client(app.url, verbose=False)
    with pytest.raises(ValueError):
        Client(app.url, auth=("ann", "wrong"), verbose=False)
    assert Client(app.url, auth=("bob", "pw"), verbose=False).predict(api_name="/documents") == []


@pytest.mark.parametrize(
    ("question", "message"),
    [(5, "must be text"), ("x" * 2_000_000, "ask in at most 4,000")],
)
def test_ask_refuses_non_text_and_huge_questions(
    client: Client, question: object, message: str
) -> None:
    with pytest.raises(Exception, match=message):
        client.predict(question, [], api_name="/ask")


def test_a_refused_upload_leaves_no_copy(client: Client, live_app: LiveApp, tmp_path: Path) -> None:
    broken = tmp_path / "broken report.pdf"
    broken.write_bytes(b"%PDF-1.7\n this is not really a pdf")
    got = client.predict([handle_file(str(broken))], api_name="/ingest")
    assert [f["source"] for f in got["failed"]] == [
        str(live_app.home / "uploads" / "broken_report.pdf")
    ]
    assert not (live_app.home / "uploads" / "broken_report.pdf").exists()
