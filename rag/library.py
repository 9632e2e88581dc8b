"""The one object every door uses: the CLI, the chat window, the named API, the
OpenAI-compatible and MCP endpoints and the LangChain adapters.

``Library`` adds, removes and lists documents, searches them and answers questions
about them. It is built once per process from ``Settings`` (``open_library``) and is
safe to share between threads: writes (ingest, removal) take one lock, questions run
concurrently.

Every method takes the ``user`` it acts for (a ``rag.access.Principal``; by default
the machine's own user, who may do everything): a user lists, reads, searches, asks
about and removes only the collections they may, and adds only to one they may write.
A document of a collection the user may not read is reported as not found, never as
forbidden, so its existence does not leak.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from core.errors import AccessError, UsageError
from core.settings import Settings
from ingest.report import Failure, IngestReport
from ingest.urlguard import UrlPolicy, is_url
from rag.access import LOCAL, Principal
from rag.answerer_pool import AnswererPool
from rag.answers import Answer, Answerer, Turn
from rag.collection_admin import RemovedCollection, create_collection, remove_collection
from rag.conversation import check_history, rewrite_followup
from rag.feedback import FeedbackLog, Rating
from rag.model_choice import ModelChoices
from rag.modes import MODES
from rag.retrieval import HybridRetriever, Result, SearchFilter
from rag.saved import SavedConversations
from rag.services import Services
from rag.uploads import drop_orphaned_copies
from rag.users import SharedCollection, UserDirectory, parse_logins
from vectorstore.chroma import ChromaStore
from vectorstore.records import STATE_COMPLETE, DocumentRecord

__all__ = ["DocumentRecord", "Failure", "IngestReport", "Library", "open_library"]

# Longer questions are refused: a question is a sentence or two, and a megabyte of
# "question" would hold up everyone else's answers.
MAX_QUESTION_CHARS = 4000
# A document still pending after this long was left by an ingest that was killed.
STALE_PENDING_SECONDS = 600.0

Progress = Callable[[int, int], None]
"""Called with (inputs done, passages embedded so far) while an ingest runs."""


class Library:
    """Documents in, cited answers out; see the module docstring.

    ``services`` shares already-built parts (store, embedder, keyword index);
    ``retriever`` and ``answerers`` replace the built ones (benchmarks compare
    variants this way)."""

    def __init__(
        self,
        settings: Settings,
        services: Services | None = None,
        *,
        retriever: HybridRetriever | None = None,
        answerers: Mapping[str, Answerer] | None = None,
    ) -> None:
        if settings.answer_mode not in MODES:
            raise UsageError(
                f"RAG_ANSWER_MODE={settings.answer_mode!r}: choose one of {', '.join(MODES)}"
            )
        self.settings = settings
        self.services = services or Services(settings)
        self.write_lock = threading.RLock()  # the window stages uploads under it too
        self._answerers = AnswererPool(
            self.services, settings, lambda: self.models, dict(answerers or {})
        )
        self._retriever = retriever
        self._pruned_at: str | None = None  # the store revision uploads were pruned at

    # --- users ---------------------------------------------------------------------

    @cached_property
    def users(self) -> UserDirectory:
        """The logins of ``RAG_AUTH`` and of the users file."""
        return UserDirectory(self.settings.users_path, parse_logins(self.settings.auth))

    @cached_property
    def saved(self) -> SavedConversations:
        """Each user's saved conversations (the chat window's list)."""
        return SavedConversations(self.settings.conversations_path)

    @cached_property
    def feedback(self) -> FeedbackLog:
        """Thumbs up or down on answers (``rag feedback export``)."""
        return FeedbackLog(self.settings.home / "feedback.jsonl")

    def rate(
        self,
        answer: Answer,
        history: Sequence[Turn],
        vote: str,
        comment: str = "",
        user: Principal = LOCAL,
    ) -> Rating:
        """Keep ``user``'s rating of an answer with the conversation it answered."""
        return self.feedback.rate(user.name, answer, history, vote, comment)

    def principal(self, name: str | None) -> Principal:
        """Whom a request acts for: its logged-in user, or the machine's own user when
        logins are off. With logins on, a request without a user is refused."""
        if name is None:
            if self.users.enabled():
                raise AccessError("log in first: this instance has users")
            return LOCAL
        return self.users.principal(name)

    # --- documents -----------------------------------------------------------------

    def add(
        self,
        inputs: Sequence[str],
        progress: Progress | None = None,
        *,
        public_urls: bool = False,
        public_only: bool = False,
        user: Principal = LOCAL,
        collection: str | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> IngestReport:
        """Ingest files, folders and URLs; unchanged documents cost nothing. One ingest
        runs at a time; questions go on meanwhile; ``stop()`` turning true ends it after
        the document in hand (``Ingestor.ingest``).

        For callers other than the machine's own user: ``public_urls`` fetches a URL
        only if it, and every redirect, resolves to public addresses on the standard
        ports, or RAG_URL_ALLOW names it (a refused one is reported as failed);
        ``public_only`` also refuses anything but such URLs. Documents go to
        ``collection`` (by default the user's home collection)."""
        from ingest.pipeline import Ingestor

        target = user.writable_target(collection)
        policy = UrlPolicy.from_lists(self.settings.url_allow, self.settings.url_deny)
        if public_only:  # a remote caller names neither local files nor private hosts
            for item in inputs:
                policy(item)
        guard = policy if public_urls or public_only else None

        with self.write_lock:
            ingestor = Ingestor(
                self.settings.ingest,
                self.services.store,
                self.services.embedder,
                guard,
                collection=target,
                identity_root=self.settings.uploads_path,
            )
            report = ingestor.ingest(list(inputs), progress, stop)
            if report.added or report.updated:
                # index the new passages for keyword search now, while the user expects
                # to wait, rather than in the next question
                self.services.keyword.sync(self.services.store)
        return report

    def remove(
        self, targets: Sequence[str], user: Principal = LOCAL
    ) -> tuple[list[DocumentRecord], list[str]]:
        """Remove documents by id or by source, and the upload copies this app kept of
        them; returns (removed, targets not found). A document the user may read but
        not write is an AccessError; one they may not read is not found."""
        with self.write_lock:
            removed, unknown = remove_documents(self.services.store, targets, user)
            if removed:
                self._drop_copies(among=[r.source for r in removed])
        return removed, unknown

    def prune_uploads(self, older_than: float = STALE_PENDING_SECONDS) -> list[Path]:
        """Delete the upload copies of documents that are gone, removed through another
        replica or process, and return them. Copies younger than ``older_than`` seconds
        stay: an upload is copied before its document is stored. ``rag serve`` runs this
        at start, and ``documents()`` whenever the store has changed."""
        with self.write_lock:
            return self._drop_copies(older_than=older_than)

    def _drop_copies(
        self, among: Sequence[str] | None = None, older_than: float = 0.0
    ) -> list[Path]:
        sources = [r.source for r in self.services.store.list_documents(complete_only=False)]
        return drop_orphaned_copies(
            self.settings.uploads_path, sources, among=among, older_than=older_than
        )

    def documents(self, user: Principal = LOCAL) -> list[DocumentRecord]:
        """The complete documents the user may read; listed from the store only when it
        has changed (and then the copies of documents gone are pruned, unless a write is
        under way)."""
        records = self.services.catalog.records()
        self._prune_when_changed()
        if user.reads_everything:
            return records
        return [r for r in records if user.can_read(r.collection)]

    def _prune_when_changed(self) -> None:
        revision = self.services.store.revision()
        if revision == self._pruned_at or not self.write_lock.acquire(blocking=False):
            return  # a listing never waits for an ingest
        try:
            self.prune_uploads()
            self._pruned_at = revision
        finally:
            self.write_lock.release()

    def document(self, doc_id: str, user: Principal = LOCAL) -> DocumentRecord | None:
        """One document's record, if it exists and the user may read it."""
        record = self.services.store.get_documents([doc_id]).get(doc_id)
        return record if record is not None and user.can_read(record.collection) else None

    def document_text(self, doc_id: str, user: Principal = LOCAL) -> str | None:
        if not user.reads_everything and self.document(doc_id, user) is None:
            return None
        return self.services.store.document_text(doc_id)

    def collections(self, user: Principal = LOCAL) -> list[dict[str, object]]:
        """The collections the user may read: name, documents, passages, writable."""
        counts: dict[str, list[int]] = {}
        for r in self.documents(user):
            entry = counts.setdefault(r.collection, [0, 0])
            entry[0] += 1
            entry[1] += r.chunks
        names = set(counts) | ({user.home} if user.can_write(user.home) else set())
        names |= {c for c in self.users.shared() if user.can_read(c)}  # listed while empty
        return [
            {
                "name": name,
                "documents": counts.get(name, [0, 0])[0],
                "passages": counts.get(name, [0, 0])[1],
                "writable": user.can_write(name),
            }
            for name in sorted(names)
        ]

    def create_collection(
        self, name: str, owner: str | None = None, members: Sequence[str] = ()
    ) -> SharedCollection:
        """A new, empty shared collection (the operator's; ``rag.collection_admin``)."""
        return create_collection(self, name, owner, members)

    def remove_collection(self, name: str) -> RemovedCollection:
        """A shared collection's documents deleted and the collection forgotten (the
        operator's; ``rag.collection_admin``)."""
        return remove_collection(self, name)

    def reindex(self) -> int:
        """Rebuild the keyword index from the store; returns its passage count."""
        with self.write_lock:
            self.services.keyword.clear()
            self.services.keyword.sync(self.services.store)
        return len(self.services.keyword)

    def recover(self, older_than: float = STALE_PENDING_SECONDS) -> IngestReport:
        """Finish what a killed ingest left ``pending`` (hidden from lists and answers).

        A pending document older than ``older_than`` seconds is no one's ingest in
        progress (a replica writing it now would be younger): if its file is still
        here it is ingested again, into its collection, which completes it exactly as
        a clean ingest would; otherwise it is removed with its passages. ``rag serve``
        runs this at start; it is safe to run at any time."""
        store = self.services.store
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than)
        report = IngestReport()
        with self.write_lock:
            stale = [
                r
                for r in store.list_documents(complete_only=False)
                if r.state != STATE_COMPLETE and _started(r) < cutoff
            ]
            again: dict[str, list[str]] = {}
            gone: list[str] = []
            for record in stale:
                path = record.source.partition("#")[0]
                if not is_url(path) and Path(path).is_file():
                    again.setdefault(record.collection, []).append(path)
                else:
                    gone.append(record.doc_id)
            if gone:
                store.delete_documents(gone)
            for collection, paths in sorted(again.items()):
                report.extend(self.add(sorted(set(paths)), collection=collection))
        return report

    def warm_up(self) -> None:
        """Load the embedding model and the keyword index before the first question."""
        self.services.embedder.embed(["warm up"])
        self.services.keyword.sync(self.services.store)

    # --- questions -----------------------------------------------------------------

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            s = self.services
            self._retriever = HybridRetriever(
                s.store, s.query_embedder, s.keyword, catalog=s.catalog
            )
        return self._retriever

    def search(
        self,
        query: str,
        k: int | None = None,
        search_filter: SearchFilter | None = None,
        per_doc: int | None = 1,
        user: Principal = LOCAL,
    ) -> list[Result]:
        """The passages that best match ``query`` (dense + keyword, fused)."""
        scoped = scoped_filter(search_filter, user)
        return self.retriever.retrieve(query, k or self.settings.top_k, scoped, per_doc)

    def modes(self, user: Principal = LOCAL) -> dict[str, bool]:
        """Every answer mode and whether it can run for ``user`` (an LLM mode needs an
        endpoint: theirs from Settings, or ``RAG_LLM_BASE_URL``)."""
        return self._answerers.modes(user.name)

    @cached_property
    def models(self) -> ModelChoices:
        """Each user's LLM endpoint (Settings in the window), kept on the server."""
        return ModelChoices(self.settings, self.users.enabled)

    def answerer(self, mode: str | None = None, user: Principal = LOCAL) -> Answerer:
        """The shared answerer of a mode (the settings' mode by default), built once;
        an LLM mode's is built once per endpoint."""
        return self._answerers.get(mode or self.settings.answer_mode, user.name)[0]

    def standalone(self, question: str, history: Sequence[Turn] = ()) -> str:
        """The question as it reads on its own: a follow-up rewritten with the history."""
        return rewrite_followup(question, history) if history else question

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        search_filter: SearchFilter | None = None,
        k: int | None = None,
        mode: str | None = None,
        user: Principal = LOCAL,
    ) -> Answer:
        question, name, answerer, model = self._prepare(question, history, mode, user)
        query, results = self._retrieve(question, history, scoped_filter(search_filter, user), k)
        return _said(answerer.answer(query, results), question, query, name, model)

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        search_filter: SearchFilter | None = None,
        k: int | None = None,
        mode: str | None = None,
        user: Principal = LOCAL,
    ) -> Iterator[str | Answer]:
        """Text deltas as they come (LLM modes), then the same complete ``Answer`` that
        ``ask`` gives."""
        question, name, answerer, model = self._prepare(question, history, mode, user)
        stream = getattr(answerer, "stream", None)
        query, results = self._retrieve(question, history, scoped_filter(search_filter, user), k)
        if stream is None:
            yield _said(answerer.answer(query, results), question, query, name, model)
            return
        for item in stream(query, results):
            if isinstance(item, Answer):
                yield _said(item, question, query, name, model)
                return
            yield item

    def _prepare(
        self, question: str, history: Sequence[Turn], mode: str | None, user: Principal
    ) -> tuple[str, str, Answerer, str | None]:
        """What ``ask`` and ``stream`` check first: the question, the history's size and
        the mode (its name, its answerer, and the endpoint's model if it has one)."""
        checked = self.check_question(question)
        check_history(history)
        name = mode or self.settings.answer_mode
        answerer, endpoint = self._answerers.get(name, user.name)
        return checked, name, answerer, endpoint.describe() if endpoint else None

    @staticmethod
    def check_question(question: object) -> str:
        """The question stripped, or a UsageError saying what is wrong with it."""
        if not isinstance(question, str):
            raise UsageError(f"the question must be text, not {type(question).__name__}")
        text = question.strip()
        if not text:
            raise UsageError("the question is empty")
        if len(text) > MAX_QUESTION_CHARS:
            raise UsageError(
                f"the question is {len(text):,} characters; ask in at most {MAX_QUESTION_CHARS:,}"
            )
        return text

    def _retrieve(
        self,
        question: str,
        history: Sequence[Turn],
        search_filter: SearchFilter | None,
        k: int | None,
    ) -> tuple[str, list[Result]]:
        query = self.standalone(question, history)
        k = k or self.settings.answer_passages
        return query, self.retriever.retrieve(query, k, search_filter)


def _said(answer: Answer, question: str, standalone: str, mode: str, model: str | None) -> Answer:
    """The answerer's answer as the Library gives it: to the question as asked, with
    the standalone question it was searched as and the mode (and model) that answered."""
    return replace(
        answer, question=question, standalone_question=standalone, mode=mode, model=model
    )


def _started(record: DocumentRecord) -> datetime:
    try:
        when = datetime.fromisoformat(record.ingested_at)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unreadable: as old as can be
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def scoped_filter(search_filter: SearchFilter | None, user: Principal) -> SearchFilter | None:
    """``search_filter`` narrowed to the collections the user may read."""
    readable = user.readable()
    if readable is None:
        return search_filter
    if search_filter is None:
        return SearchFilter(collections=readable)
    if search_filter.collections is not None:
        readable = readable & search_filter.collections
    return replace(search_filter, collections=readable)


def resolve(store: ChromaStore, target: str) -> list[DocumentRecord]:
    """Documents named by ``target``: a doc id, else a source (path or URL)."""
    found = store.get_documents([target])
    if found:
        return list(found.values())
    matches = store.find_by_source(target)
    if matches or is_url(target):
        return matches
    absolute = str(Path(target).expanduser().resolve())
    matches = store.find_by_source(absolute)
    if matches:
        return matches
    prefix = absolute + "#"  # the records of a .jsonl file
    return [r for r in store.list_documents(complete_only=False) if r.source.startswith(prefix)]


def remove_documents(
    store: ChromaStore, targets: Sequence[str], user: Principal = LOCAL
) -> tuple[list[DocumentRecord], list[str]]:
    """Remove documents by id or source; returns (removed, targets not found). A
    document the user may not read is not found; one they may read but not write is an
    AccessError."""
    removed: list[DocumentRecord] = []
    unknown: list[str] = []
    for target in targets:
        records = [r for r in resolve(store, target) if user.can_read(r.collection)]
        if not records:
            unknown.append(target)
            continue
        refused = [r for r in records if not user.can_write(r.collection)]
        if refused:
            raise AccessError(
                f"{user.name} may not remove {refused[0].title!r} from the collection "
                f"{refused[0].collection!r}; ask someone who may write it"
            )
        store.delete_documents([r.doc_id for r in records])
        removed.extend(records)
    return removed, unknown


def open_library(settings: Settings | None = None) -> Library:
    """The library of these settings (by default, the environment's ``RAG_*``)."""
    return Library(settings or Settings())
