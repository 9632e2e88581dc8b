"""Human-readable terminal output for the CLI (the --json forms live with the data)."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from ingest.report import IngestReport
from rag.answers import Answer
from rag.retrieval import Result
from vectorstore.records import DocumentRecord


def print_ingest_report(report: IngestReport) -> None:
    for label, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        for d in items:
            typer.echo(f"{label:9} {d.doc_id}  {d.title}  ({d.chunks} passages)")
    for d in report.duplicates:
        typer.echo(f"duplicate {d.source}: same content as {d.duplicate_of}; not stored twice")
    for f in report.failed:
        typer.echo(f"failed    {f.source}: {f.error}", err=True)
    typer.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.duplicates)} duplicates, "
        f"{len(report.failed)} failed",
        err=True,
    )


def print_results(results: Sequence[Result]) -> None:
    if not results:
        typer.echo("no passages found")
    for n, r in enumerate(results, start=1):
        typer.echo(
            f"[{n}] {r.document.title}  ({r.document.source}, {r.passage.start}-{r.passage.end})"
        )
        typer.echo("    " + r.passage.text.replace("\n", "\n    "))


def print_documents(records: Sequence[DocumentRecord]) -> None:
    if not records:
        typer.echo("no documents yet; add some with `rag ingest PATH`")
    width = max((len(r.doc_id) for r in records), default=0)
    chunks = max((len(str(r.chunks)) for r in records), default=1)
    titles = [_cut(r.title, MAX_TITLE_COLUMN) for r in records]
    title_width = max((len(t) for t in titles), default=0)
    for r, title in zip(records, titles, strict=True):
        date = r.date or "-"
        typer.echo(
            f"{r.doc_id:<{width}}  {date:<10}  {r.chunks:>{chunks}} passages  "
            f"{title:<{title_width}}  [{r.source}]"
        )


MAX_TITLE_COLUMN = 60  # longer titles are cut so the sources still line up


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_answer(answer: Answer) -> None:
    typer.echo(answer.text)
    for c in answer.citations:
        where = f"{c.source}" + (f", page {c.page}" if c.page else "")
        mark = "" if c.supported else "  (unsupported)"
        typer.echo(f"  [{c.n}] {c.title} ({where}, chars {c.quote_start}-{c.quote_end}){mark}")
    for _n, r in enumerate(answer.related, start=1):
        snippet = " ".join(r.passage.text.split())[:160]
        typer.echo(f"  - {r.document.title}: {snippet}...")
