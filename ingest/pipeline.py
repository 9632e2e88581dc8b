"""The ingest pipeline: inputs in, documents chunked, embedded and stored.

Write order makes every step safe to interrupt: a document record is first
written as ``pending``, then its passages are upserted (deterministic ids), then
passages of older versions are deleted, and only then is the record marked
``complete``. Running the same command again after a crash redoes exactly the
unfinished documents and converges to the state of a clean ingest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from core.embedder import Embedder
from core.errors import IngestError
from core.settings import IngestOptions
from ingest.chunking import chunk_text
from ingest.identity import content_hash, doc_id_for, fingerprint, passage_id
from ingest.loaders import LoadResult, load_file
from ingest.model import SourceDocument
from ingest.report import DocOutcome, Failure, IngestReport
from ingest.sources import UrlGuard, expand_inputs, fetch_url, is_url
from vectorstore.chroma import ChromaStore
from vectorstore.records import (
    DEFAULT_COLLECTION,
    STATE_COMPLETE,
    STATE_PENDING,
    DocumentRecord,
    Passage,
)

ProgressCallback = Callable[[int, int], None]
"""Called with (documents done, passages embedded so far) after each group."""

_GROUP_PASSAGES = 1024


@dataclass
class _Planned:
    doc: SourceDocument
    record: DocumentRecord
    passages: list[Passage]
    action: str


@dataclass
class _Batch:
    planned: list[_Planned] = field(default_factory=list)

    @property
    def passages(self) -> int:
        return sum(len(p.passages) for p in self.planned)


class Ingestor:
    """Loads inputs and keeps Chroma in step with them.

    Documents go to ``collection``. A file under ``identity_root`` (the app's uploads
    folder) is identified by its path below it, not by its absolute path, so two
    replicas with different homes give one upload the same id and converge on one
    document when they store it at the same time."""

    def __init__(
        self,
        options: IngestOptions,
        store: ChromaStore,
        embedder: Embedder,
        url_guard: UrlGuard | None = None,
        *,
        collection: str = DEFAULT_COLLECTION,
        identity_root: Path | None = None,
    ) -> None:
        self.options = options
        self.url_guard = url_guard  # checks each URL and redirect before it is fetched
        self.store = store
        self.embedder = embedder
        self.collection = collection
        self.identity_root = identity_root.resolve() if identity_root else None
        self.recipe: dict[str, object] = {
            "chunk_size": options.chunk_size,
            "chunk_overlap": options.chunk_overlap,
            "title_in_embedding": options.title_in_embedding,
        }

    def ingest(
        self,
        inputs: Sequence[str],
        progress: ProgressCallback | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> IngestReport:
        """Ingest files, folders and URLs; failures are reported, never raised. When
        ``stop()`` turns true the run ends after the document in hand: what was read is
        written, what was not is left alone (the report lists neither)."""
        report = IngestReport()
        return self.ingest_documents(self._load_all(inputs, report), report, progress, stop)

    def _load_all(self, inputs: Sequence[str], report: IngestReport) -> Iterator[SourceDocument]:
        for item in expand_inputs(inputs):
            try:
                result = self._load_one(item)
            except IngestError as e:
                report.failed.append(Failure(e.source, e.reason))
                continue
            report.failed.extend(Failure(f.source, f.reason) for f in result.failures)
            yield from result.documents

    def _load_one(self, item: str) -> LoadResult:
        if is_url(item):
            return fetch_url(
                item,
                timeout=self.options.url_timeout,
                max_bytes=self.options.max_file_bytes,
                guard=self.url_guard,
            )
        return load_file(
            Path(item), max_bytes=self.options.max_file_bytes, options=self.options, isolate=True
        )

    def ingest_documents(
        self,
        docs: Iterable[SourceDocument],
        report: IngestReport | None = None,
        progress: ProgressCallback | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> IngestReport:
        report = report if report is not None else IngestReport()
        batch = _Batch()
        seen_hashes: dict[str, str] = {}
        done = embedded = 0
        for doc in docs:
            if stop is not None and stop():
                break
            planned = self._plan(doc, report, seen_hashes)
            done += 1
            if planned is not None:
                batch.planned.append(planned)
            if batch.passages >= _GROUP_PASSAGES:
                embedded += self._write(batch, report)
                batch = _Batch()
            if progress:
                progress(done, embedded)
        if batch.planned:
            embedded += self._write(batch, report)
        if progress:
            progress(done, embedded)
        return report

    def _plan(
        self, doc: SourceDocument, report: IngestReport, seen: dict[str, str]
    ) -> _Planned | None:
        doc_id = doc_id_for(doc, self.collection, self._identity_key(doc.source))
        text_hash = content_hash(doc.text)
        version = fingerprint(doc, text_hash, self.recipe, self.embedder.name)
        existing = self.store.get_documents([doc_id]).get(doc_id)
        if existing and existing.collection != self.collection:
            # only a jsonl record can name an id; it may not take another's document
            report.failed.append(
                Failure(
                    doc.source,
                    f"the id {doc_id!r} is taken by a document of another collection; "
                    "give the record another id",
                )
            )
            return None
        if existing and existing.fingerprint == version and existing.state == STATE_COMPLETE:
            report.unchanged.append(DocOutcome.of(existing))
            return None
        original = seen.get(text_hash) or next(
            (
                r.doc_id
                for r in self.store.find_by_content(text_hash)
                if r.doc_id != doc_id
                and r.state == STATE_COMPLETE
                and r.collection == self.collection  # others' documents are not seen
            ),
            None,
        )
        if original is not None:
            if existing is not None:
                # The input now holds another document's text; its old version is gone.
                self.store.delete_documents([doc_id])
            report.duplicates.append(
                DocOutcome(doc_id, doc.source, doc.title, 0, duplicate_of=original)
            )
            return None
        seen[text_hash] = doc_id
        record = self._record(doc, doc_id, text_hash, version)
        passages = self._passages(doc, record)
        record = replace(record, chunks=len(passages))
        action = "updated" if existing and existing.state == STATE_COMPLETE else "added"
        return _Planned(doc, record, passages, action)

    def _identity_key(self, source: str) -> str | None:
        if self.identity_root is None or not source.startswith("/"):
            return None
        path, hash_, record = source.partition("#")
        try:
            relative = Path(path).resolve().relative_to(self.identity_root)
        except ValueError:
            return None
        return f"uploads/{relative.as_posix()}{hash_}{record}"

    def _record(
        self, doc: SourceDocument, doc_id: str, text_hash: str, version: str
    ) -> DocumentRecord:
        return DocumentRecord(
            doc_id=doc_id,
            source=doc.source,
            title=doc.title,
            kind=doc.kind,
            content_hash=text_hash,
            fingerprint=version,
            chunks=0,
            state=STATE_PENDING,
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            url=doc.url,
            author=doc.author,
            date=doc.date,
            page_starts=doc.page_starts,
            extra=doc.extra,
            collection=self.collection,
        )

    def _passages(self, doc: SourceDocument, record: DocumentRecord) -> list[Passage]:
        chunks = chunk_text(doc.text, self.options.chunk_size, self.options.chunk_overlap)
        base = {
            "source": record.source,
            "title": record.title,
            "version": record.fingerprint,
            "date": record.date,
            "url": record.url,
            "collection": record.collection,
        }
        passages = []
        for chunk in chunks:
            meta = dict(base, index=chunk.index)
            if record.page_starts:
                meta["page"] = _page_of(record.page_starts, chunk.start)
            passages.append(
                Passage(
                    id=passage_id(record.doc_id, record.fingerprint, chunk.index),
                    doc_id=record.doc_id,
                    text=chunk.text,
                    start=chunk.start,
                    end=chunk.end,
                    metadata=meta,
                )
            )
        return passages

    def _embedding_text(self, passage: Passage) -> str:
        title = passage.title.strip()
        if not self.options.title_in_embedding or not title or passage.text.startswith(title):
            return passage.text
        return f"{title}\n\n{passage.text}"

    def _write(self, batch: _Batch, report: IngestReport) -> int:
        planned = batch.planned
        self.store.put_documents([p.record for p in planned], [p.doc.text for p in planned])
        passages = [x for p in planned for x in p.passages]
        vectors = self.embedder.embed([self._embedding_text(x) for x in passages])
        self.store.add_passages(passages, vectors)
        for p in planned:
            self.store.delete_stale_passages(p.record.doc_id, p.record.fingerprint)
        complete = [replace(p.record, state=STATE_COMPLETE) for p in planned]
        self.store.set_documents_metadata(complete)
        self.store.bump_revision()
        for p, record in zip(planned, complete, strict=True):
            target = report.added if p.action == "added" else report.updated
            target.append(DocOutcome.of(record))
        return len(passages)


def _page_of(page_starts: Sequence[int], offset: int) -> int:
    page = 1
    for number, start in enumerate(page_starts, start=1):
        if start <= offset:
            page = number
    return page
