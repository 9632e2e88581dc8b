"""What an ingest run reports, in the shape ``rag ingest --json`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vectorstore.records import DocumentRecord


@dataclass(frozen=True)
class DocOutcome:
    doc_id: str
    source: str
    title: str
    chunks: int
    duplicate_of: str | None = None

    @classmethod
    def of(cls, record: DocumentRecord) -> DocOutcome:
        return cls(record.doc_id, record.source, record.title, record.chunks)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "chunks": self.chunks,
        }
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
        return out


@dataclass(frozen=True)
class Failure:
    source: str
    error: str

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "error": self.error}


@dataclass
class IngestReport:
    """Accumulates outcomes while a run goes on; one list per outcome."""

    added: list[DocOutcome] = field(default_factory=list)
    updated: list[DocOutcome] = field(default_factory=list)
    unchanged: list[DocOutcome] = field(default_factory=list)
    duplicates: list[DocOutcome] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def extend(self, other: IngestReport) -> None:
        """Add another run's outcomes to these."""
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates
        self.failed += other.failed

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestReport:
        """The report ``to_json`` wrote (as the running app sends it to the CLI)."""

        def outcomes(key: str) -> list[DocOutcome]:
            return [
                DocOutcome(
                    str(d["doc_id"]),
                    str(d["source"]),
                    str(d["title"]),
                    int(d["chunks"]),
                    d.get("duplicate_of"),
                )
                for d in data.get(key, [])
            ]

        return cls(
            outcomes("added"),
            outcomes("updated"),
            outcomes("unchanged"),
            outcomes("duplicates"),
            [Failure(str(f["source"]), str(f["error"])) for f in data.get("failed", [])],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "added": [d.to_json() for d in self.added],
            "updated": [d.to_json() for d in self.updated],
            "unchanged": [d.to_json() for d in self.unchanged],
            "duplicates": [d.to_json() for d in self.duplicates],
            "failed": [f.to_json() for f in self.failed],
        }
