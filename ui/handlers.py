"""Chat event handlers: ask (streamed), show a cited passage, open the whole document.

The conversation of a browser session is its list of ``Answer``s (in a ``gr.State``);
the chatbot's messages are rendered from it, so the server never trusts HTML that comes
back from the browser.
"""

from __future__ import annotations

import html
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from core.errors import RagError
from rag.access import Principal
from rag.answers import Answer, Turn
from rag.saved import title_of
from ui.backend import Backend
from ui.render import (
    Passage,
    answer_html,
    document_html,
    error_html,
    message_text,
    partial_answer_html,
    passage_html,
    pending_html,
    placeholder_html,
    question_html,
    split_statements,
    text_html,
)

SOURCES_HINT = "Click a [n] marker in an answer to see the passage it cites here."
REVEAL_PAUSE = 0.06
_PICK = re.compile(r"^rag-(cite|related)-(\d+)-(\d+)$")

Message = dict[str, str]


# The turns of the window's conversation that a new question carries: the rewriter reads
# the last few, and the Library refuses more than rag.conversation.MAX_HISTORY_TURNS.
WINDOW_TURNS = 20


def history_of(answers: Sequence[Answer]) -> list[Turn]:
    """The last ``WINDOW_TURNS`` exchanges, as the rewriter reads them."""
    return [Turn(a.question, a.text, a.standalone_question) for a in answers[-WINDOW_TURNS:]]


def messages_of(answers: Sequence[Answer]) -> list[Message]:
    out: list[Message] = []
    for turn, answer in enumerate(answers):
        out.append({"role": "user", "content": question_html(answer)})
        out.append({"role": "assistant", "content": answer_html(answer, turn)})
    return out


def first_passage(answer: Answer) -> Passage | None:
    if answer.citations:
        return Passage.of_citation(answer.citations[0], answer.answer_span)
    if answer.related:
        return related_passage(answer, 0)
    return None


def related_passage(answer: Answer, index: int) -> Passage:
    r = answer.related[index]
    p = r.passage
    return Passage(
        title=r.document.title,
        source=r.document.source,
        text=p.text,
        start=p.start,
        end=p.end,
        doc_id=p.doc_id,
        url=r.document.url,
        date=r.document.date,
        label="related",
        date_source=r.document.extra.get("date_source"),
        page=int(page) if (page := p.metadata.get("page")) is not None else None,
    )


def sources_html(passage: Passage | None) -> str:
    return passage_html(passage) if passage else placeholder_html(SOURCES_HINT)


class ChatHandlers:
    """Bound to one Backend; every method is a Gradio event handler."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def respond(
        self,
        message: str,
        answers: list[Answer],
        restrict: list[str],
        mode: str,
        passages: float,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Outputs: textbox, chatbot, answers state, sources panel, current passage."""
        question = (message or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        shown = messages_of(answers)
        user = {"role": "user", "content": text_html(question)}
        turn = len(answers)
        yield "", [*shown, user, _bot(pending_html())], answers, gr.skip(), gr.skip()
        try:
            answer = None
            principal = self.backend.user(request)
            for item in self._answer(question, answers, restrict, mode, int(passages), principal):
                if isinstance(item, Answer):
                    answer = item
                    break
                yield gr.skip(), [*shown, user, _bot(item)], answers, gr.skip(), gr.skip()
        except RagError as e:
            yield gr.skip(), [*shown, user, _bot(error_html(str(e)))], answers, gr.skip(), gr.skip()
            return
        if answer is None:
            return
        for count in range(1, len(split_statements(answer.text))):
            partial = partial_answer_html(answer, turn, count)
            yield gr.skip(), [*shown, user, _bot(partial)], answers, gr.skip(), gr.skip()
            time.sleep(REVEAL_PAUSE)
        answers = [*answers, answer]
        current = first_passage(answer)
        yield gr.skip(), messages_of(answers), answers, sources_html(current), current

    def _answer(
        self,
        question: str,
        answers: list[Answer],
        restrict: list[str],
        mode: str,
        k: int,
        user: Principal,
    ) -> Iterator[str | Answer]:
        """Raw streamed text (LLM mode) as pending bubbles, then the final Answer."""
        history = history_of(answers)
        search_filter = self.backend.search_filter(restrict)
        streamed = ""
        library = self.backend.library
        for item in library.stream(question, history, search_filter, k, mode, user=user):
            if isinstance(item, Answer):
                yield item
                return
            streamed += item
            yield pending_html(streamed)

    def pick(self, picked: str, answers: list[Answer]) -> tuple[str, Passage | None]:
        """A click on ``[n]`` (or a related passage): show it in the sources panel."""
        match = _PICK.match(picked or "")
        if not match:
            return gr.skip(), gr.skip()
        kind, turn, number = match.group(1), int(match.group(2)), int(match.group(3))
        if turn >= len(answers):
            return gr.skip(), gr.skip()
        answer = answers[turn]
        passage: Passage | None = None
        if kind == "cite":
            cited = [c for c in answer.citations if c.n == number]
            passage = Passage.of_citation(cited[0], answer.answer_span) if cited else None
        elif number < len(answer.related):
            passage = related_passage(answer, number)
        return sources_html(passage), passage

    def whole_document(
        self, passage: Passage | None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """The document of the shown passage, scrolled (by the page) to the quote."""
        if passage is None:
            return gr.update(value=placeholder_html(SOURCES_HINT), visible=True)
        try:
            user = self.backend.user(request)
            text = self.backend.library.document_text(passage.doc_id, user)
        except RagError as e:
            return gr.update(value=error_html(str(e)), visible=True)
        if text is None:
            message = "This document has been removed from the library."
            return gr.update(value=error_html(message), visible=True)
        return gr.update(value=document_html(passage.title, text, passage), visible=True)

    def regenerate(
        self,
        answers: list[Answer],
        restrict: list[str],
        mode: str,
        passages: float,
        data: gr.RetryData,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """The retry button under an answer: that question asked again (with the mode and
        passages now set), in place of it and of what followed. Outputs as ``respond``."""
        turn = _turn_of(data)
        if not 0 <= turn < len(answers):
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        question = answers[turn].question
        yield from self.respond(question, answers[:turn], restrict, mode, passages, request)

    def edit_question(
        self,
        answers: list[Answer],
        restrict: list[str],
        mode: str,
        passages: float,
        data: gr.EditData,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """An edited question bubble: the edited question asked in its place; the turns
        after it go. Outputs as ``respond``."""
        turn = _turn_of(data)
        question = plain_question(data.value)
        if not question or not 0 <= turn <= len(answers):
            yield gr.skip(), messages_of(answers), gr.skip(), gr.skip(), gr.skip()
            return
        yield from self.respond(question, answers[:turn], restrict, mode, passages, request)

    def rate(
        self, answers: list[Answer], data: gr.LikeData, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """A thumb on an answer: kept with its conversation; the comment box opens.
        Outputs: the rated (turn, vote), the comment row, the comment box."""
        vote = _vote(data.liked)
        turn = _turn_of(data)
        if vote is None or not 0 <= turn < len(answers):
            return None, gr.update(visible=False), gr.skip()
        try:
            user = self.backend.user(request)
            self.backend.library.rate(answers[turn], history_of(answers[:turn]), vote, user=user)
        except RagError as e:
            raise gr.Error(str(e)) from e
        return (turn, vote), gr.update(visible=True), ""

    def comment(
        self,
        text: str,
        rated: tuple[int, str] | None,
        answers: list[Answer],
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The comment on the last rating: the rating is kept again, with it."""
        if not rated or not (text or "").strip() or rated[0] >= len(answers):
            return rated, gr.update(visible=False), ""
        turn, vote = rated
        try:
            user = self.backend.user(request)
            history = history_of(answers[:turn])
            self.backend.library.rate(answers[turn], history, vote, text, user=user)
        except RagError as e:
            raise gr.Error(str(e)) from e
        gr.Info("Thanks: your comment is kept with the rating.")
        return None, gr.update(visible=False), ""

    # --- saved conversations ---------------------------------------------------------

    def conversations(self, current: str | None, request: gr.Request | None = None) -> Any:
        """The user's saved conversations as the list's choices, ``current`` selected."""
        try:
            user = self.backend.user(request)
            listed = self.backend.library.saved.of_user(user.name)
        except RagError as e:
            raise gr.Error(str(e)) from e
        choices = [(f"{c.title} · {c.updated[:10]}", c.id) for c in listed]
        known = {c.id for c in listed}
        return gr.update(choices=choices, value=current if current in known else None)

    def save_conversation(
        self, answers: list[Answer], current: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """After each answer: the conversation is saved (started, titled by its first
        question, on its first answer). Outputs: the conversation id, the list."""
        if not answers:
            return current, gr.skip()
        try:
            user = self.backend.user(request)
            saved = self.backend.library.saved
            if current is None:
                current = saved.create(user.name, title_of(answers[0].question)).id
            saved.save(user.name, current, answers)
        except RagError as e:
            raise gr.Error(str(e)) from e
        return current, self.conversations(current, request)

    def open_conversation(
        self, chosen: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """A conversation picked from the list, back in the chat. Outputs: chatbot,
        answers, sources panel, current passage, document view, conversation id."""
        if not chosen:
            return (*self.clear(), None)
        try:
            user = self.backend.user(request)
            answers = self.backend.library.saved.answers(user.name, chosen)
        except RagError as e:
            raise gr.Error(str(e)) from e
        current = first_passage(answers[-1]) if answers else None
        hidden = gr.update(value="", visible=False)
        return messages_of(answers), answers, sources_html(current), current, hidden, chosen

    def rename_conversation(
        self, current: str | None, title: str, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Outputs: the list, the title box."""
        if not current:
            raise gr.Error("ask a question first: there is no conversation to rename yet")
        try:
            user = self.backend.user(request)
            self.backend.library.saved.rename(user.name, current, title)
        except RagError as e:
            raise gr.Error(str(e)) from e
        return self.conversations(current, request), ""

    def delete_conversation(
        self, current: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Outputs: chatbot, answers, sources, current passage, document view,
        conversation id, the list."""
        if current:
            try:
                user = self.backend.user(request)
                self.backend.library.saved.delete(user.name, current)
            except RagError as e:
                raise gr.Error(str(e)) from e
        return (*self.clear(), None, self.conversations(None, request))

    def export_conversation(self, current: str | None, request: gr.Request | None = None) -> Any:
        """The conversation as a Markdown file with its citations, to download."""
        if not current:
            raise gr.Error("ask a question first: there is no conversation to export yet")
        try:
            user = self.backend.user(request)
            saved = self.backend.library.saved
            text = saved.markdown(user.name, current)
            title = saved.get(user.name, current).title
        except RagError as e:
            raise gr.Error(str(e)) from e
        folder = Path(tempfile.mkdtemp(prefix="rag-export-"))
        name = re.sub(r"[^\w-]+", "-", title).strip("-")[:60] or "conversation"
        path = folder / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def clear(self) -> tuple[Any, ...]:
        """Outputs: chatbot, answers, sources panel, current passage, document view."""
        return [], [], sources_html(None), None, gr.update(value="", visible=False)


_STANDALONE_NOTE = re.compile(r'<div class="rag-standalone">.*?</div>', re.S)
_TAG = re.compile(r"<[^>]+>")


def plain_question(value: object) -> str:
    """The text of an edited question bubble: our HTML (the "Searched as" note, tags,
    character references) taken off again."""
    text = _STANDALONE_NOTE.sub("", message_text(value))
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _turn_of(data: gr.EventData) -> int:
    """The turn of the chat message an event (retry, edit, like) is about: user and
    assistant messages alternate, two per turn."""
    index = getattr(data, "index", 0)
    return int(index[0] if isinstance(index, list | tuple) else index) // 2


def _vote(liked: object) -> str | None:
    """Gradio's like value as our vote: True or "Like" is up, False or "Dislike" down;
    anything else (a thumb taken back) is no vote."""
    if liked is True or liked == "Like":
        return "up"
    if liked is False or liked == "Dislike":
        return "down"
    return None


def _index(turn: object) -> int | None:
    try:
        return int(str(turn))
    except ValueError:
        return None


def _bot(content: str) -> Message:
    return {"role": "assistant", "content": content}


def copy_text(answers: Sequence[Answer], turn: object = None) -> str:
    """An answer (the last, or the one of ``turn``: its index, as the copy link under
    each answer sends it) as plain text with its sources listed, for the clipboard."""
    index = -1 if turn in (None, "") else _index(turn)
    if not answers or index is None or not -len(answers) <= index < len(answers):
        return ""
    answer = answers[index]
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines += [
            f"[{c.n}] {c.title} ({c.url or c.source}): \u201c{' '.join(c.quote.split())}\u201d"
            for c in answer.citations
        ]
    return "\n".join(lines)
