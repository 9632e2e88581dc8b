"""Chat handlers without a server: streaming (LLM deltas, statement by statement),
errors as a bubble, citation picks and the clipboard text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from core.errors import AnswerError
from rag.access import LOCAL, Principal
from rag.answers import Answer, Citation, Turn
from rag.retrieval import SearchFilter
from ui.backend import Backend
from ui.handlers import ChatHandlers, copy_text

TEXT = "The tram costs 412 million euros. [1] It has 14 stops. [2]"


def citation(n: int, quote: str) -> Citation:
    return Citation(n, "tram", "/d/tram.md", "Tram", quote, 0, len(quote), quote, 0, len(quote))


ANSWER = Answer("q", TEXT, False, (citation(1, "412 million\neuros"), citation(2, "14 stops")), ())


class FakeLibrary:
    """Stands in for ``Library.stream``: yields the given items, records the calls."""

    def __init__(self, items: Sequence[str | Answer] = (), error: Exception | None = None):
        self.items = items
        self.error = error
        self.calls: list[tuple[Any, ...]] = []

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        search_filter: SearchFilter | None = None,
        k: int | None = None,
        mode: str | None = None,
        user: Principal = LOCAL,
    ) -> Iterator[str | Answer]:
        self.calls.append((question, tuple(history), search_filter, k, mode))
        if self.error:
            raise self.error
        yield from self.items


class FakeBackend:
    """The real Backend's scope rule around a stand-in library."""

    search_filter = staticmethod(Backend.search_filter)

    def __init__(self, library: FakeLibrary) -> None:
        self.library = library

    @staticmethod
    def user(request: Any) -> Principal:
        return LOCAL


def run(pipeline: FakeLibrary, answers: list[Answer] | None = None, **kw: Any) -> list[Any]:
    handlers = ChatHandlers(FakeBackend(pipeline))  # type: ignore[arg-type]
    args = {"restrict": [], "mode": "openai", "passages": 5.0, **kw}
    return list(handlers.respond("How much?", answers or [], **args))


def bubble(update: tuple[Any, ...]) -> str:
    return str(update[1][-1]["content"])


def test_llm_deltas_stream_then_the_verified_answer_replaces_them() -> None:
    pipeline = FakeLibrary(["The tram ", "costs [1]", ANSWER])
    updates = run(pipeline, restrict=["tram"])
    assert "Searching your documents" in bubble(updates[0]) and updates[0][0] == ""
    assert "The tram " in bubble(updates[1]) and "rag-streaming" in bubble(updates[1])
    assert "The tram costs [1]" in bubble(updates[2])
    final = updates[-1]
    assert 'href="#rag-cite-0-2"' in bubble(final) and "rag-streaming" not in bubble(final)
    (answer,) = final[2]
    assert answer is ANSWER  # the library's complete answer is kept as it came
    assert pipeline.calls[0][0] == "How much?" and pipeline.calls[0][4] == "openai"
    assert "rag-quote" in final[3]  # the first citation opens in the sources panel
    assert pipeline.calls[0][2] == SearchFilter(doc_ids=frozenset({"tram"}))
    assert pipeline.calls[0][3] == 5


def test_extractive_answer_is_revealed_statement_by_statement() -> None:
    updates = run(FakeLibrary([ANSWER]))
    bubbles = [bubble(u) for u in updates]
    assert "It has 14 stops" not in bubbles[1] and "412 million" in bubbles[1]
    assert "It has 14 stops" in bubbles[-1]


def test_follow_up_passes_the_conversation() -> None:
    pipeline = FakeLibrary([ANSWER])
    run(pipeline, answers=[ANSWER])
    assert pipeline.calls[0][1] == (Turn("q", TEXT, None),)


def test_backend_errors_become_an_error_bubble() -> None:
    updates = run(FakeLibrary(error=AnswerError("the LLM at http://x did not answer")))
    assert 'class="rag-error"' in bubble(updates[-1])
    assert updates[-1][2] == []  # the failed turn is not kept in the conversation


def test_pick_shows_the_clicked_citation() -> None:
    handlers = ChatHandlers(FakeBackend(FakeLibrary()))  # type: ignore[arg-type]
    html, passage = handlers.pick("rag-cite-0-2", [ANSWER])
    assert passage.label == "[2]" and "14 stops" in html
    skipped = handlers.pick("rag-cite-5-1", [ANSWER])
    assert skipped[1] is not None and not hasattr(skipped[1], "label")  # gr.skip()


def test_copy_text_is_plain_with_sources() -> None:
    text = copy_text([ANSWER])
    assert text.startswith(TEXT)
    assert "[1] Tram (/d/tram.md): \u201c412 million euros\u201d" in text
    assert copy_text([]) == ""
    other = replace(ANSWER, text="Another answer.", citations=())
    assert copy_text([ANSWER, other], "0") == text  # the copy link under the first answer
    assert copy_text([ANSWER, other]) == copy_text([ANSWER, other], "1") == "Another answer."
    assert copy_text([ANSWER], "5") == copy_text([ANSWER], "x") == ""
