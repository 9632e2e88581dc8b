"""The per-file ingest result and the document library as escaped HTML tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from rag.library import DocumentRecord, IngestReport
from ui.render import source_html


@dataclass(frozen=True)
class Row:
    name: str
    status: str  # added, updated, unchanged, duplicate, failed
    detail: str


def report_rows(report: IngestReport, names: Mapping[str, str]) -> list[Row]:
    """One row per input: the name the user knows, what happened, and why."""

    def name(source: str) -> str:
        base = source.split("#", 1)[0]
        return names.get(source) or names.get(base) or source

    rows: list[Row] = []
    for status, outcomes in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        rows += [Row(name(d.source), status, f"{d.title} · {d.chunks} passages") for d in outcomes]
    rows += [
        Row(name(d.source), "duplicate", f"same text as {d.duplicate_of}")
        for d in report.duplicates
    ]
    rows += [Row(name(f.source), "failed", f.error) for f in report.failed]
    return rows


def report_html(rows: Sequence[Row]) -> str:
    if not rows:
        return '<div class="rag-placeholder">Nothing to add: drop files or paste URLs.</div>'
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    body = "".join(
        f'<tr class="rag-row-{row.status}"><td>{escape(row.name)}</td>'
        f'<td><span class="rag-badge rag-badge-{row.status}">{row.status}</span></td>'
        f"<td>{escape(row.detail)}</td></tr>"
        for row in rows
    )
    return (
        f'<div class="rag-report"><div class="rag-report-summary">{escape(summary)}</div>'
        '<table class="rag-table"><thead><tr><th>File or URL</th><th>Result</th><th>Details</th>'
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


def matches(record: DocumentRecord, query: str) -> bool:
    """Case-insensitive match of every word of ``query`` in title, source or date."""
    haystack = f"{record.title} {record.source} {record.date or ''} {record.doc_id}".lower()
    return all(word in haystack for word in query.lower().split())


def library_html(records: Sequence[DocumentRecord], total: int, matching: int | None = None) -> str:
    """The rows of ``records`` (``matching`` documents pass the filter, ``total`` exist)."""
    matching = len(records) if matching is None else matching
    if not total:
        return '<div class="rag-placeholder">No documents yet: add some above.</div>'
    if not records:
        return '<div class="rag-placeholder">No document matches the filter.</div>'
    body = "".join(
        f'<tr data-doc="{escape(r.doc_id)}"><td class="rag-title-cell">{escape(r.title)}</td>'
        f"<td>{source_html(r.source, r.url, short=True)}</td><td>{escape((r.date or '')[:10])}</td>"
        f'<td class="rag-num">{r.chunks}</td></tr>'
        for r in records
    )
    shown = f"{matching:,} of {total:,}" if matching != total else f"{total:,}"
    summary = f"{shown} documents"
    if len(records) < matching:
        summary += f"; the first {len(records):,} are shown, type in the filter to narrow them"
    return (
        f'<div class="rag-library"><div class="rag-report-summary">{summary}</div>'
        '<table class="rag-table"><thead><tr><th>Title</th><th>Source</th><th>Date</th>'
        f'<th class="rag-num">Passages</th></tr></thead><tbody>{body}</tbody></table></div>'
    )


def choice_label(record: DocumentRecord) -> str:
    """How a document is named in the selection list (plain text, Gradio escapes it)."""
    date = f" ({record.date[:10]})" if record.date else ""
    return f"{record.title or record.source}{date}"
