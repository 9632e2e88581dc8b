"""The Library facade on a real embedded Chroma and the packaged model: documents in,
search, ask and stream (ending with the same answer), removal, the mode registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from core.errors import UsageError
from core.settings import Settings
from rag.answers import Answer, Turn
from rag.library import Library, resolve
from rag.modes import MODES
from rag.retrieval import SearchFilter
from rag.services import Services
from vectorstore.chroma import ChromaStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory, embedder: Any, sample_corpus: Path
) -> Library:
    home = tmp_path_factory.mktemp("library-home")
    services = Services(Settings(home=home))
    services.__dict__["embedder"] = embedder  # the session's loaded model
    library = Library(services.settings, services)
    report = library.add([str(sample_corpus)])
    assert report.ok and len(report.added) == 8, report.to_json()
    return library


def test_add_again_costs_nothing_and_lists_the_documents(
    library: Library, sample_corpus: Path
) -> None:
    again = library.add([str(sample_corpus)])
    assert not again.added and len(again.unchanged) == 8
    titles = [r.title for r in library.documents()]
    assert len(titles) == 8 and any(t.startswith("MI6 chief") for t in titles)


def test_search_honours_k_filter_and_the_default(library: Library) -> None:
    results = library.search("MI6 chief speaks in Prague")
    assert len(results) == library.settings.top_k
    assert results[0].document.source.endswith("mi6-moore-prague.md")
    moore = results[0].document.doc_id
    others = [r.doc_id for r in library.documents() if r.doc_id != moore]
    scoped = library.search("MI6 chief", 3, SearchFilter(doc_ids=frozenset(others)))
    assert scoped and all(r.document.doc_id != moore for r in scoped)


def test_a_setting_question_naming_its_act_finds_the_place(library: Library) -> None:
    """The article never calls Moore's words an invitation; read as "Where did Moore
    say it?" too, his statements' setting answers (confidence 0.29 without that)."""
    answer = library.ask("Where did Moore make the invitation?")
    assert not answer.abstained and answer.answer_span is not None
    assert answer.answer_span.text == "Prague" and answer.confidence > 0.5


def test_ask_and_stream_give_the_same_complete_answer(library: Library) -> None:
    history = [Turn("What did Moore say about AI?", "Moore said MI6 pairs AI with data. [1]")]
    asked = library.ask("Where did he say it?", history)
    streamed = list(library.stream("Where did he say it?", history))
    assert streamed[-1] == asked and isinstance(streamed[-1], Answer)
    assert asked.question == "Where did he say it?"
    assert "Moore" in asked.standalone_question and asked.standalone_question != asked.question
    assert not asked.abstained and asked.citations


def test_modes_come_from_the_registry(library: Library) -> None:
    assert set(library.modes()) == set(MODES)
    assert library.modes()["extractive"] is True
    assert library.modes()["openai"] is False  # no endpoint in these settings
    with pytest.raises(UsageError, match="RAG_LLM_BASE_URL"):
        library.ask("anything", mode="openai")
    with pytest.raises(UsageError, match="choose one of extractive, openai"):
        library.ask("anything", mode="psychic")


def test_an_unknown_mode_in_settings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="RAG_ANSWER_MODE='psychic'"):
        Library(Settings(home=tmp_path, answer_mode="psychic"))


def test_remove_by_source_and_unknown_targets(
    tmp_path: Path, embedder: Any, sample_corpus: Path
) -> None:
    services = Services(Settings(home=tmp_path / "home"))
    services.__dict__["embedder"] = embedder
    library = Library(services.settings, services)
    library.add(
        [
            str(sample_corpus / "mi6-moore-prague.md"),
            str(sample_corpus / "kestrel-sodium-battery.md"),
        ]
    )
    removed, unknown = library.remove([str(sample_corpus / "mi6-moore-prague.md"), "no-such-doc"])
    assert [r.title[:9] for r in removed] == ["MI6 chief"] and unknown == ["no-such-doc"]
    assert [r.title[:7] for r in library.documents()] == ["Kestrel"] or len(
        library.documents()
    ) == 1
    assert all(not r.document.source.endswith("mi6-moore-prague.md") for r in library.search("MI6"))
    assert library.reindex() == sum(r.chunks for r in library.documents())


class _Store:
    """Knows no document; records which sources it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_documents(self, doc_ids: list[str]) -> dict[str, Any]:
        return {}

    def find_by_source(self, source: str) -> list[Any]:
        self.asked.append(source)
        return []

    def list_documents(self, *, complete_only: bool = True) -> list[Any]:
        raise AssertionError("a URL is never matched as a path prefix")


def test_an_upper_case_url_is_looked_up_as_a_url_not_as_a_path() -> None:
    store = _Store()
    assert resolve(cast(ChromaStore, store), "HTTPS://example.org/a") == []
    assert store.asked == ["HTTPS://example.org/a"]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (5, "must be text, not int"),
        (None, "must be text, not NoneType"),
        ("   ", "empty"),
        ("x" * 4001, "4,001 characters; ask in at most 4,000"),
    ],
)
def test_a_bad_question_is_a_usage_error(question: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Library.check_question(question)


def test_a_question_is_stripped() -> None:
    assert Library.check_question("  Who won?\n") == "Who won?"


def test_an_answer_names_the_mode_that_answered(tmp_path: Path, embedder: Any) -> None:
    services = Services(Settings(home=tmp_path / "home"))
    services.__dict__["embedder"] = embedder
    library = Library(services.settings, services)
    answer = library.ask("Who won?")
    assert answer.mode == "extractive" and answer.to_json()["mode"] == "extractive"
    streamed = list(library.stream("Who won?"))[-1]
    assert isinstance(streamed, Answer) and streamed.mode == "extractive"


def test_a_removal_through_one_replica_prunes_the_other_replicas_copy(
    tmp_path: Path, embedder: Any
) -> None:
    import os
    import time

    def replica(home: Path, store: ChromaStore | None = None) -> Library:
        services = Services(Settings(home=home))
        services.__dict__["embedder"] = embedder
        if store is not None:
            services.__dict__["store"] = store  # one store, as a Chroma server is shared
        return Library(services.settings, services)

    a = replica(tmp_path / "home-a")
    b = replica(tmp_path / "home-b", a.services.store)
    copies: dict[tuple[str, str], Path] = {}
    for lib, who in ((a, "a"), (b, "b")):  # each replica kept its copy of both uploads
        for name, text in (("harbour.md", "The ferry runs twice."), ("keep.md", "Tea at four.")):
            path = lib.settings.uploads_path / "team" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {name}\n\n{text}\n")
            hour_ago = time.time() - 3600
            os.utime(path, (hour_ago, hour_ago))
            copies[who, name] = path
    stored = a.add([str(copies["a", "harbour.md"]), str(copies["a", "keep.md"])], collection="team")
    again = b.add([str(copies["b", "harbour.md"])], collection="team")
    harbour = stored.added[0].doc_id
    assert [d.doc_id for d in again.unchanged + again.updated] == [harbour]  # one document
    assert len(a.documents()) == 2  # a listing with nothing gone prunes nothing
    assert all(path.exists() for path in copies.values())

    removed, _ = b.remove([harbour])  # through b, whatever replica's path the store kept

    assert [r.doc_id for r in removed] == [harbour]
    assert not copies["b", "harbour.md"].exists()
    assert copies["a", "harbour.md"].exists()  # a has not looked yet
    assert [r.title for r in a.documents()] == ["keep.md"]  # a lists: the store has changed
    assert not copies["a", "harbour.md"].exists()
    assert copies["a", "keep.md"].exists() and copies["b", "keep.md"].exists()
    fresh = a.settings.uploads_path / "team" / "staged.md"  # being uploaded right now
    fresh.write_text("# Staged\n\nNot stored yet.\n")
    assert a.prune_uploads() == [] and fresh.exists()
    assert b.prune_uploads() == []
