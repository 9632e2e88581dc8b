"""The only code that talks to Chroma: embedded (PersistentClient) or a server.

Three collections per app prefix: passages (with embeddings), documents (one
record per document holding its full text and state) and meta (a revision token
that changes on every write, so caches in other processes can see changes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from core.errors import StoreError
from core.settings import StoreLocation
from vectorstore.records import DEFAULT_COLLECTION, STATE_COMPLETE, DocumentRecord, Hit, Passage

T = TypeVar("T")
_PAGE = 1000
_REVISION_ID = "revision"
_SCHEMA_ID = "schema"
# What embedded Chroma says when another process wrote the store this one has open
_STALE_INDEX = "Error finding id"
# 2: every document and passage names its collection (stores written before lack it)
SCHEMA = "2"


def _chroma_errors() -> tuple[type[BaseException], ...]:
    import httpx
    from chromadb.errors import ChromaError

    return (ChromaError, httpx.HTTPError, OSError, RuntimeError, ValueError)


def _unreachable(error: BaseException) -> bool:
    """True when ``error``, or an error it was raised from, is a failed connection.

    Chroma's client reports a server it cannot reach as a ValueError raised while
    handling httpx.ConnectError, so the chain is searched, not only ``error``.
    """
    import httpx

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class ChromaStore:
    """Passages, documents and the revision token, in one Chroma database."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self.where = location.where
        self._client = self._guard(self._connect, "open the store")
        prefix = location.collection
        self._passages = self._guard(
            lambda: self._client.get_or_create_collection(
                f"{prefix}-passages",
                embedding_function=None,
                configuration={
                    "hnsw": {"space": "cosine", "ef_search": 400, "ef_construction": 200}
                },
            ),
            "open the passages collection",
        )
        self._documents = self._guard(
            lambda: self._client.get_or_create_collection(
                f"{prefix}-documents", embedding_function=None
            ),
            "open the documents collection",
        )
        self._meta = self._guard(
            lambda: self._client.get_or_create_collection(
                f"{prefix}-meta", embedding_function=None
            ),
            "open the meta collection",
        )

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.location.url:
            url = urlparse(self.location.url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        try:
            self.location.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"cannot create {self.location.path}: {e.strerror}; "
                "set RAG_HOME to a writable folder"
            ) from e
        return chromadb.PersistentClient(path=str(self.location.path), settings=chroma_settings)

    def _guard(self, call: Callable[..., T], what: str, /, **kwargs: Any) -> T:
        """Run ``call(**kwargs)``, turning Chroma's and the network's errors into StoreError."""
        try:
            return call(**kwargs)
        except StoreError:
            raise
        except _chroma_errors() as e:
            raise StoreError(f"could not {what} ({type(e).__name__}: {e}){self._hint(e)}") from e

    def _hint(self, error: BaseException) -> str:
        """The next step for a failed server connection or a failed write to disk; other
        errors (a rejected argument, a bug) are better left with their own message."""
        from chromadb.errors import InternalError

        if self.location.url:
            if not _unreachable(error):
                return ""
            return (
                f"; is the Chroma server at {self.location.url} running? "
                "Start it with `chroma run --host 127.0.0.1 --port PORT --path DIR`"
            )
        if isinstance(error, InternalError) and _STALE_INDEX in str(error):
            # another process wrote the embedded store under this one's feet
            return (
                f"; another process changed the store in {self.location.path} (e.g. `rag "
                "ingest` while `rag serve` runs on the same RAG_HOME): restart `rag serve`, "
                "then add documents through the window, or run a Chroma server "
                "(RAG_CHROMA_URL) for several processes"
            )
        if isinstance(error, OSError | InternalError):
            return f"; check that {self.location.path} is writable and not full"
        return ""

    # --- revision --------------------------------------------------------------

    def revision(self) -> str:
        got = self._guard(lambda: self._meta.get(ids=[_REVISION_ID]), "read the revision")
        return str(got["documents"][0]) if got["ids"] else ""

    def bump_revision(self) -> str:
        token = uuid.uuid4().hex
        self._guard(
            lambda: self._meta.upsert(ids=[_REVISION_ID], embeddings=[[1.0]], documents=[token]),
            "write the revision",
        )
        return token

    # --- schema ----------------------------------------------------------------

    def upgrade(self) -> int:
        """Bring a store written by an older version up to :data:`SCHEMA`: documents
        and passages without a collection join the default one (their metadata only;
        nothing is re-embedded). Returns how many entries changed; cheap (one small
        read) once the store is current."""
        got = self._guard(lambda: self._meta.get(ids=[_SCHEMA_ID]), "read the schema")
        if got["ids"] and got["documents"][0] == SCHEMA:
            return 0
        changed = 0
        for collection in (self._documents, self._passages):
            for page in self._pages(collection, include=["metadatas"]):
                missing = [
                    pid
                    for pid, meta in zip(page["ids"], page["metadatas"] or [], strict=True)
                    if not (meta or {}).get("collection")
                ]
                if missing:
                    self._guard(
                        collection.update,
                        "upgrade the store",
                        ids=missing,
                        metadatas=[{"collection": DEFAULT_COLLECTION}] * len(missing),
                    )
                    changed += len(missing)
        self._guard(
            lambda: self._meta.upsert(ids=[_SCHEMA_ID], embeddings=[[1.0]], documents=[SCHEMA]),
            "write the schema",
        )
        return changed

    # --- documents -------------------------------------------------------------

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        out: dict[str, DocumentRecord] = {}
        for batch in _batches(list(doc_ids), _PAGE):
            got = self._guard(
                self._documents.get, "read documents", ids=batch, include=["metadatas"]
            )
            for meta in got["metadatas"] or []:
                record = DocumentRecord.from_metadata(meta)
                out[record.doc_id] = record
        return out

    def find_by_content(self, content_hash: str) -> list[DocumentRecord]:
        got = self._guard(
            lambda: self._documents.get(
                where={"content_hash": content_hash}, include=["metadatas"]
            ),
            "look up a content hash",
        )
        return [DocumentRecord.from_metadata(m) for m in got["metadatas"] or []]

    def find_by_source(self, source: str) -> list[DocumentRecord]:
        got = self._guard(
            lambda: self._documents.get(where={"source": source}, include=["metadatas"]),
            "look up a source",
        )
        return [DocumentRecord.from_metadata(m) for m in got["metadatas"] or []]

    def list_documents(self, *, complete_only: bool = True) -> list[DocumentRecord]:
        records = [
            DocumentRecord.from_metadata(m)
            for page in self._pages(self._documents, include=["metadatas"])
            for m in page["metadatas"] or []
        ]
        if complete_only:
            records = [r for r in records if r.state == STATE_COMPLETE]
        return sorted(records, key=lambda r: (r.title.lower(), r.doc_id))

    def document_text(self, doc_id: str) -> str | None:
        got = self._guard(
            lambda: self._documents.get(ids=[doc_id], include=["documents"]),
            "read a document",
        )
        return str(got["documents"][0]) if got["ids"] else None

    def put_documents(self, records: Sequence[DocumentRecord], texts: Sequence[str]) -> None:
        if not records:
            return
        for batch in _batches(list(zip(records, texts, strict=True)), _PAGE):
            self._guard(
                self._documents.upsert,
                "write document records",
                ids=[r.doc_id for r, _ in batch],
                embeddings=[[1.0]] * len(batch),
                documents=[t for _, t in batch],
                metadatas=[_record_metadata(r) for r, _ in batch],
            )

    def set_documents_metadata(self, records: Sequence[DocumentRecord]) -> None:
        for batch in _batches(list(records), _PAGE):
            self._guard(
                self._documents.update,
                "update document records",
                ids=[r.doc_id for r in batch],
                metadatas=[_record_metadata(r) for r in batch],
            )

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        for batch in _batches(list(doc_ids), _PAGE):
            self._guard(self._passages.delete, "delete passages", where={"doc_id": {"$in": batch}})
            self._guard(self._documents.delete, "delete documents", ids=batch)
        if doc_ids:
            self.bump_revision()

    # --- passages --------------------------------------------------------------

    def add_passages(self, passages: Sequence[Passage], embeddings: np.ndarray) -> None:
        for lo in range(0, len(passages), _PAGE):
            batch = passages[lo : lo + _PAGE]
            self._guard(
                self._passages.upsert,
                "write passages",
                ids=[p.id for p in batch],
                embeddings=embeddings[lo : lo + _PAGE],
                documents=[p.text for p in batch],
                metadatas=[_passage_metadata(p) for p in batch],
            )

    def delete_stale_passages(self, doc_id: str, version: str) -> None:
        """Remove a document's passages that belong to another version of it."""
        self._guard(
            lambda: self._passages.delete(
                where={"$and": [{"doc_id": doc_id}, {"version": {"$ne": version}}]}
            ),
            "delete stale passages",
        )

    def passages_for(self, doc_ids: Sequence[str]) -> list[Passage]:
        out: list[Passage] = []
        for batch in _batches(list(doc_ids), 200):
            where = {"doc_id": {"$in": batch}}
            for page in self._pages(
                self._passages, include=["documents", "metadatas"], where=where
            ):
                out.extend(_to_passages(page))
        return out

    def get_passages(self, ids: Sequence[str]) -> dict[str, Passage]:
        return {p.id: p for p, _ in self._get_passages(ids, with_embeddings=False)}

    def get_passages_with_embeddings(self, ids: Sequence[str]) -> list[tuple[Passage, np.ndarray]]:
        return self._get_passages(ids, with_embeddings=True)

    def _get_passages(
        self, ids: Sequence[str], *, with_embeddings: bool
    ) -> list[tuple[Passage, Any]]:
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        out: list[tuple[Passage, Any]] = []
        for batch in _batches(list(ids), _PAGE):
            got = self._guard(self._passages.get, "read passages", ids=batch, include=include)
            vectors = got["embeddings"] if with_embeddings else [None] * len(got["ids"])
            out.extend(zip(_to_passages(got), vectors, strict=True))
        return out

    def iter_passages(self) -> Iterator[list[Passage]]:
        for page in self._pages(self._passages, include=["documents", "metadatas"]):
            yield _to_passages(page)

    def count_passages(self) -> int:
        return int(self._guard(self._passages.count, "count passages"))

    def dense_search(
        self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        # Chroma returns what there is when asked for more: no count call per search
        n = max(k, 1)
        got = self._guard(
            lambda: self._passages.query(
                query_embeddings=[embedding],
                n_results=n,
                where=where,
                include=["documents", "metadatas", "distances"],
            ),
            "search passages",
        )
        hits = []
        for pid, text, meta, dist in zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        ):
            hits.append(Hit(_passage(pid, text, meta), 1.0 - float(dist)))
        return hits

    def _pages(
        self, collection: Any, *, include: list[str], where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self._guard(
                collection.get,
                "read the store",
                include=include,
                where=where,
                limit=_PAGE,
                offset=offset,
            )
            if not page["ids"]:
                return
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]


def _record_metadata(r: DocumentRecord) -> dict[str, Any]:
    # Chroma merges metadata on upsert and update; None removes a key that an
    # older version of the record had and this one lacks.
    return {"url": None, "author": None, "date": None, **r.to_metadata()}


def _passage_metadata(p: Passage) -> dict[str, Any]:
    meta = {k: v for k, v in p.metadata.items() if v is not None and v != ""}
    meta.update(doc_id=p.doc_id, start=p.start, end=p.end)
    return meta


def _passage(pid: str, text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        id=pid,
        doc_id=str(meta["doc_id"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        metadata=meta,
    )


def _to_passages(page: dict[str, Any]) -> list[Passage]:
    return [
        _passage(pid, text, meta)
        for pid, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
    ]
