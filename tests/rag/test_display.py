"""What the CLI prints for people: aligned document listings."""

from __future__ import annotations

import pytest

from rag.display import print_documents
from vectorstore.records import STATE_COMPLETE, DocumentRecord


def _record(doc_id: str, chunks: int, date: str | None) -> DocumentRecord:
    return DocumentRecord(
        doc_id, f"/d/{doc_id}.md", doc_id.upper(), "md", "h", "f", chunks, STATE_COMPLETE, "x",
        date=date,
    )  # fmt: skip


def test_docs_list_columns_line_up(capsys: pytest.CaptureFixture[str]) -> None:
    print_documents(
        [
            _record("a", 3, "2025-01-02"),
            _record("much-longer-id", 120, None),
            _record("mid", 7, None),
        ]
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert len({line.index(" passages") for line in lines}) == 1, lines  # counts end together
    dates = {
        line.index("2025-01-02") if "2025" in line else line.index(" - ") + 1 for line in lines
    }
    assert len(dates) == 1, lines  # dates start together
    assert len({line.index(" [/d/") for line in lines}) == 1, lines  # sources start together


def test_a_long_title_is_cut_so_the_sources_line_up(capsys: pytest.CaptureFixture[str]) -> None:
    print_documents([_record("x" * 90, 1, None), _record("y", 1, None)])
    lines = capsys.readouterr().out.splitlines()
    assert "X" * 59 + "…  [/d/" in lines[0]
    assert len({line.index(" [/d/") for line in lines}) == 1, lines
