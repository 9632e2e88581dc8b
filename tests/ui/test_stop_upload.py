"""A stopped upload reports, by name, the files it did not reach."""

from __future__ import annotations

from ingest.report import DocOutcome, Failure, IngestReport
from ui.backend import STOPPED, _not_reached


def test_the_files_a_stopped_upload_did_not_reach_are_listed() -> None:
    report = IngestReport(
        added=[DocOutcome("a", "/up/a.md", "A", 1)],
        unchanged=[DocOutcome("b", "/up/b.jsonl#7", "B", 1)],  # a jsonl file's document
        failed=[Failure("/up/c.pdf", "damaged")],
    )
    inputs = ["/up/a.md", "/up/b.jsonl", "/up/c.pdf", "/up/d.txt", "https://example.org/e"]
    left = _not_reached(inputs, report)
    assert [f.source for f in left] == ["/up/d.txt", "https://example.org/e"]
    assert {f.error for f in left} == {STOPPED} and "add it again" in STOPPED
