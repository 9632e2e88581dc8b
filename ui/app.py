"""The chat window: Gradio Blocks layout, event wiring and ``serve()``.

Three tabs: Chat (answers with clickable [n] and a sources panel), Documents (add,
list, filter, remove, restrict the chat) and Settings (per browser session). The
named API (/ask, /ingest, /documents) is registered alongside.
"""

from __future__ import annotations

import atexit
import sys
import threading
from dataclasses import dataclass
from typing import Any

import gradio as gr

from core.errors import RagError
from rag.library import Library
from rag.uploads import SUPPORTED
from rag.writer import RunningApp, announce, refuse_second_app, withdraw
from ui import files, internal_door, mcp_door, openai_door
from ui.api import Api
from ui.assets import (
    CLOSE_SHEET_JS,
    COPY_JS,
    COPY_MESSAGE_JS,
    COPY_TURN_JS,
    CSS,
    PICK_JS,
    SCRIPT,
    SCROLL_TO_QUOTE_JS,
    THEME_JS,
)
from ui.backend import Backend, Preferences
from ui.handlers import SOURCES_HINT, ChatHandlers, copy_text
from ui.library import LibraryHandlers
from ui.login_route import guard_login_route
from ui.logins import LoginGuard
from ui.models_panel import ModelsPanel, models_panel, wire_models
from ui.render import placeholder_html
from ui.routing import mount_first

TITLE = "Ask your articles"
EXAMPLES = (
    "What did Moore say about AI?",
    "How much will the Eastside tram line in Corvale cost?",
    "What pay rise are the Calder dockworkers demanding?",
    "What did Helena Voss say about AI-driven cyber attacks?",
)
# Answers run side by side (one CPU-bound retrieval each); writes go one at a time.
ANSWER_CONCURRENCY = 4
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
UPLOAD_CEILING = 4  # times RAG_MAX_FILE_MB: what the browser may send at all


@dataclass
class ChatTab:
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    copy: gr.Button
    copied: gr.Textbox
    scope_row: gr.Row
    scope_text: gr.HTML
    scope_clear: gr.Button
    sources: gr.HTML
    whole: gr.Button
    document: gr.HTML
    pick: gr.Button
    picked: gr.Textbox
    copy_pick: gr.Button
    copy_turn: gr.Textbox
    comment_row: gr.Row
    comment: gr.Textbox
    send_comment: gr.Button
    saved: gr.Dropdown
    new: gr.Button
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    export: gr.Button
    exported: gr.File


@dataclass
class DocsTab:
    files: gr.File
    urls: gr.Textbox
    add: gr.Button
    stop_add: gr.Button
    report: gr.HTML
    query: gr.Textbox
    table: gr.HTML
    selected: gr.CheckboxGroup
    use: gr.Button
    remove: gr.Button
    confirm_row: gr.Row
    confirm_text: gr.HTML
    confirm: gr.Button
    cancel: gr.Button
    status: gr.Markdown


@dataclass
class SettingsTab:
    mode: gr.Radio
    passages: gr.Slider
    saved: gr.BrowserState
    endpoint: ModelsPanel


# Gradio's Soft theme with its accent one shade darker, and subdued text darker, so that
# text keeps WCAG AA contrast (4.5:1) in both themes (tests/ui/test_browser.py checks).
THEME = gr.themes.Soft().set(
    color_accent="*primary_600",
    link_text_color_dark="*primary_300",
    link_text_color_hover_dark="*primary_200",
    link_text_color_visited_dark="*primary_300",
    button_primary_background_fill="*primary_600",
    button_primary_background_fill_hover="*primary_700",
    body_text_color_subdued="*neutral_600",
    body_text_color_subdued_dark="*neutral_300",
    block_label_text_color="*primary_700",
    block_title_text_color="*primary_700",
    block_label_background_fill_dark="*primary_700",
    checkbox_label_background_fill_selected="*primary_600",
    checkbox_label_background_fill_selected_dark="*primary_700",
    button_primary_background_fill_dark="*primary_600",
    button_primary_background_fill_hover_dark="*primary_700",
)


def _chat_tab() -> ChatTab:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            with gr.Row(elem_id="rag-conversations", equal_height=True):
                saved = gr.Dropdown(
                    choices=[],
                    value=None,
                    label="Saved conversations",  # for screen readers; not shown
                    show_label=False,
                    container=False,
                    scale=5,
                    min_width=200,
                    elem_id="rag-saved",
                )
                new = gr.Button("New", size="sm", scale=0, min_width=60, elem_id="rag-new")
                title = gr.Textbox(
                    placeholder="Rename to…",
                    show_label=False,
                    container=False,
                    scale=2,
                    min_width=110,
                    elem_id="rag-title",
                )
                rename = gr.Button("Rename", size="sm", scale=0, min_width=70, elem_id="rag-rename")
                delete = gr.Button("Delete", size="sm", scale=0, min_width=60, elem_id="rag-delete")
                export = gr.Button("Export", size="sm", scale=0, min_width=60, elem_id="rag-export")
            exported = gr.File(
                label="Conversation as Markdown", visible=False, elem_id="rag-exported"
            )
            with gr.Row(visible=False) as scope_row:
                scope_text = gr.HTML()
                scope_clear = gr.Button("Use all documents", size="sm", scale=0)
            chatbot = gr.Chatbot(
                elem_id="rag-chat",
                height=560,
                buttons=[],  # its copy button would copy our HTML; "Copy answer" is plain
                feedback_options=("Like", "Dislike"),  # kept by `rag feedback export`
                editable="user",  # edit a question and ask it again
                show_label=False,
                placeholder="**Ask a question about your documents.**<br>"
                "Every claim in an answer cites its passage as [n]; click it to see the quote.",
                examples=[{"text": q} for q in EXAMPLES],
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask a question, or a follow-up…",
                    show_label=False,
                    scale=8,
                    autofocus=True,
                    elem_id="rag-question",
                    max_length=2000,
                )
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-send")
                stop = gr.Button("Stop", variant="stop", scale=1, elem_id="rag-stop")
            with gr.Row():
                copy = gr.Button("Copy answer", size="sm", elem_id="rag-copy")
            with gr.Row(visible=False, elem_id="rag-comment-row") as comment_row:
                comment = gr.Textbox(
                    placeholder="Thanks for rating. What was right or wrong? (optional)",
                    show_label=False,
                    scale=8,
                    max_length=2000,
                    elem_id="rag-comment",
                )
                send_comment = gr.Button("Send", size="sm", scale=1, elem_id="rag-send-comment")
            copied = gr.Textbox(visible=False)
        with gr.Column(scale=2, min_width=320, elem_id="rag-sources-panel"):
            with gr.Row(equal_height=True):
                gr.Markdown("### Sources")
                # on a phone the panel is a sheet over the chat; this closes it
                close_sheet = gr.Button("Close", size="sm", scale=0, elem_id="rag-sheet-close")
            close_sheet.click(None, js=CLOSE_SHEET_JS, **PRIVATE)
            sources = gr.HTML(placeholder_html(SOURCES_HINT), elem_id="rag-sources")
            whole = gr.Button("Show in the whole document", size="sm", elem_id="rag-whole")
            document = gr.HTML(visible=False, elem_id="rag-document")
    pick = gr.Button("pick", elem_id="rag-pick")
    picked = gr.Textbox(elem_id="rag-pick-value", show_label=False, container=False)
    copy_pick = gr.Button("copy", elem_id="rag-copy-pick")
    copy_turn = gr.Textbox(elem_id="rag-copy-turn", show_label=False, container=False)
    return ChatTab(
        chatbot, question, send, stop, copy, copied, scope_row, scope_text, scope_clear,
        sources, whole, document, pick, picked, copy_pick, copy_turn, comment_row, comment,
        send_comment, saved, new, title, rename, delete, export, exported,
    )  # fmt: skip


def _docs_tab(max_mb: float) -> DocsTab:
    gr.Markdown("### Add documents")
    with gr.Row(equal_height=False):
        files = gr.File(
            label=f"Drop files here ({SUPPORTED}; up to {max_mb:g} MB each)",
            file_count="multiple",
            height=160,
            scale=3,
            elem_id="rag-files",
        )
        with gr.Column(scale=2):
            urls = gr.Textbox(
                label="Or paste web addresses, one per line",
                placeholder="https://example.org/article",
                lines=4,
                elem_id="rag-urls",
            )
            with gr.Row():
                add = gr.Button("Add to library", variant="primary", elem_id="rag-add")
                stop_add = gr.Button("Stop", variant="stop", scale=0, elem_id="rag-stop-add")
    report = gr.HTML(elem_id="rag-report")
    gr.Markdown("### Library")
    query = gr.Textbox(
        placeholder="Filter by title, source or date", show_label=False, elem_id="rag-filter"
    )
    table = gr.HTML(elem_id="rag-library")
    selected = gr.CheckboxGroup(label="Select documents", choices=[], elem_id="rag-selected")
    with gr.Row():
        use = gr.Button("Chat with the selected only", size="sm", elem_id="rag-use")
        remove = gr.Button("Remove selected…", size="sm", variant="stop", elem_id="rag-remove")
    with gr.Row(visible=False, elem_id="rag-confirm-row") as confirm_row:
        confirm_text = gr.HTML()
        confirm = gr.Button("Yes, remove", variant="stop", scale=0, elem_id="rag-confirm")
        cancel = gr.Button("Cancel", scale=0, elem_id="rag-cancel")
    status = gr.Markdown(elem_id="rag-status")
    return DocsTab(
        files, urls, add, stop_add, report, query, table, selected, use, remove, confirm_row,
        confirm_text, confirm, cancel, status,
    )  # fmt: skip


def _settings_tab(backend: Backend) -> SettingsTab:
    defaults = backend.default_preferences()
    mode = gr.Radio(
        choices=backend.mode_choices(),
        value=defaults.mode,
        label="Answer mode",
        info="The LLM mode asks the endpoint below (or the server's, if it has one).",
        elem_id="rag-mode",
    )
    passages = gr.Slider(
        1, 20, value=defaults.passages, step=1, label="Passages read per question",
        elem_id="rag-passages",
    )  # fmt: skip
    gr.Markdown(
        "The mode and passages apply to this browser and are kept across reloads; the "
        "endpoint is kept on the server for you."
    )
    saved = gr.BrowserState(
        {"mode": defaults.mode, "passages": defaults.passages}, storage_key="rag-settings"
    )
    endpoint = models_panel()
    return SettingsTab(mode, passages, saved, endpoint)


def build_app(backend: Backend) -> gr.Blocks:
    chat_handlers = ChatHandlers(backend)
    library = LibraryHandlers(backend)
    with gr.Blocks(title=TITLE, fill_width=True) as demo:
        with gr.Row():
            gr.Markdown(f"## {TITLE}\nAnswers come only from your documents, with citations.")
            theme = gr.Button(
                "Light / dark", size="sm", scale=0, elem_id="rag-theme", min_width=120
            )
        theme.click(None, js=THEME_JS, **PRIVATE)
        answers = gr.State([])
        restrict = gr.State([])
        current = gr.State(None)
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab()
            with gr.Tab("Documents", id="documents"):
                docs = _docs_tab(backend.settings.max_file_mb)
            with gr.Tab("Settings", id="settings"):
                prefs = _settings_tab(backend)
        conversation = _wire_chat(chat, chat_handlers, answers, restrict, current, prefs)
        demo.load(chat_handlers.conversations, conversation, chat.saved, **PRIVATE)
        _wire_docs(docs, chat, library, restrict, tabs)
        _wire_settings(demo, prefs, backend.default_preferences())
        wire_models(demo, prefs.endpoint, backend, prefs.mode, PRIVATE)
        demo.load(library.refresh, docs.query, [docs.table, docs.selected], **PRIVATE)
        _register_api(Api(backend))
    return demo


def _wire_chat(
    chat: ChatTab,
    handlers: ChatHandlers,
    answers: gr.State,
    restrict: gr.State,
    current: gr.State,
    prefs: SettingsTab,
) -> gr.State:
    """Wires the chat tab; returns the state holding the saved conversation's id."""
    ask: dict[str, Any] = {
        "fn": handlers.respond,
        "inputs": [chat.question, answers, restrict, prefs.mode, prefs.passages],
        "outputs": [chat.question, chat.chatbot, answers, chat.sources, current],
        "concurrency_id": "answer",
        "concurrency_limit": ANSWER_CONCURRENCY,
        "show_progress": "hidden",
        **PRIVATE,
    }
    asked = [
        chat.question.submit(**ask),
        chat.send.click(**ask),
        chat.chatbot.example_select(_example, None, chat.question, **PRIVATE).then(**ask),
        chat.chatbot.retry(
            **{
                **ask,
                "fn": handlers.regenerate,
                "inputs": [answers, restrict, prefs.mode, prefs.passages],
            }
        ),
        chat.chatbot.edit(
            **{
                **ask,
                "fn": handlers.edit_question,
                "inputs": [answers, restrict, prefs.mode, prefs.passages],
            }
        ),
    ]
    conversation = gr.State(None)
    for event in asked:
        event.then(
            handlers.save_conversation,
            [answers, conversation],
            [conversation, chat.saved],
            **PRIVATE,
        )
    view = [chat.chatbot, answers, chat.sources, current, chat.document]
    chat.saved.input(handlers.open_conversation, chat.saved, [*view, conversation], **PRIVATE)
    # New, and the chat's own trash button (the one clear control): an empty chat and a
    # new conversation; the saved one stays
    for cleared in (chat.new.click, chat.chatbot.clear):
        cleared(handlers.clear, None, view, **PRIVATE).then(
            lambda: (None, gr.update(value=None)), None, [conversation, chat.saved], **PRIVATE
        )
    chat.rename.click(
        handlers.rename_conversation,
        [conversation, chat.title],
        [chat.saved, chat.title],
        **PRIVATE,
    )
    chat.delete.click(
        handlers.delete_conversation, conversation, [*view, conversation, chat.saved], **PRIVATE
    )
    chat.export.click(handlers.export_conversation, conversation, chat.exported, **PRIVATE)
    # Stop cancels the running answer on the server (the generator is closed, and with it
    # an LLM's stream), not only in the browser; what was answered before stays.
    chat.stop.click(None, None, None, cancels=asked, **PRIVATE)
    chat.pick.click(None, None, chat.picked, js=PICK_JS, **PRIVATE).then(
        handlers.pick, [chat.picked, answers], [chat.sources, current], **PRIVATE
    )
    chat.whole.click(handlers.whole_document, current, chat.document, **PRIVATE).then(
        None, js=SCROLL_TO_QUOTE_JS, **PRIVATE
    )
    rated = gr.State(None)
    chat.chatbot.like(handlers.rate, answers, [rated, chat.comment_row, chat.comment], **PRIVATE)
    comment = {
        "fn": handlers.comment,
        "inputs": [chat.comment, rated, answers],
        "outputs": [rated, chat.comment_row, chat.comment],
        **PRIVATE,
    }
    chat.send_comment.click(**comment)
    chat.comment.submit(**comment)
    chat.copy.click(copy_text, answers, chat.copied, **PRIVATE).then(
        None, chat.copied, None, js=COPY_JS, **PRIVATE
    )
    chat.copy_pick.click(None, None, chat.copy_turn, js=COPY_TURN_JS, **PRIVATE).then(
        copy_text, [answers, chat.copy_turn], chat.copied, **PRIVATE
    ).then(None, chat.copied, None, js=COPY_MESSAGE_JS, **PRIVATE)
    return conversation


def _example(event: gr.SelectData) -> str:
    value = event.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def _wire_docs(
    docs: DocsTab, chat: ChatTab, library: LibraryHandlers, restrict: gr.State, tabs: gr.Tabs
) -> None:
    docs.add.click(
        library.add,
        [docs.files, docs.urls, docs.query],
        [docs.report, docs.files, docs.urls, docs.table, docs.selected],
        concurrency_id="write",
        concurrency_limit=1,
        show_progress_on=docs.report,
        **PRIVATE,
    )
    # not queued: the ingest it stops holds the write queue
    docs.stop_add.click(library.stop_adding, None, None, queue=False, **PRIVATE)
    docs.query.change(
        library.refresh, [docs.query, docs.selected], [docs.table, docs.selected], **PRIVATE
    )
    docs.use.click(
        library.restrict,
        docs.selected,
        [restrict, chat.scope_text, chat.scope_row, tabs],
        **PRIVATE,
    )
    chat.scope_clear.click(
        lambda: ([], "", gr.update(visible=False)),
        None,
        [restrict, chat.scope_text, chat.scope_row],
        **PRIVATE,
    )
    docs.remove.click(
        library.confirm_remove, docs.selected, [docs.confirm_text, docs.confirm_row], **PRIVATE
    )
    docs.cancel.click(lambda: gr.update(visible=False), None, docs.confirm_row, **PRIVATE)
    docs.confirm.click(
        library.remove,
        [docs.selected, docs.query, restrict],
        [
            docs.confirm_row, docs.status, docs.table, docs.selected, restrict,
            chat.scope_text, chat.scope_row,
        ],
        concurrency_id="write",
        concurrency_limit=1,
        **PRIVATE,
    )  # fmt: skip


def _wire_settings(demo: gr.Blocks, prefs: SettingsTab, defaults: Preferences) -> None:
    def restore(saved: dict[str, Any] | None) -> tuple[Any, Any]:
        saved = saved or {}
        mode = saved.get("mode", defaults.mode)
        return mode, int(saved.get("passages", defaults.passages))

    def save(mode: str, passages: float) -> dict[str, Any]:
        return {"mode": mode, "passages": int(passages)}

    gr.on(
        [prefs.mode.change, prefs.passages.release],
        save,
        [prefs.mode, prefs.passages],
        prefs.saved,
        **PRIVATE,
    )
    demo.load(restore, prefs.saved, [prefs.mode, prefs.passages], **PRIVATE)


def _register_api(api: Api) -> None:
    gr.api(api.ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
    gr.api(api.documents, api_name="documents")
    gr.api(api.collections, api_name="collections")
    gr.api(api.ingest_urls, api_name="ingest_urls", concurrency_id="write", concurrency_limit=1)
    with gr.Column(visible=False):
        files = gr.File(file_count="multiple")
        collection = gr.Textbox(value="")
        report = gr.JSON()
        trigger = gr.Button()
    trigger.click(
        api.ingest,
        [files, collection],
        report,
        api_name="ingest",
        concurrency_id="write",
        concurrency_limit=1,
    )


def serve(
    library: Library, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True
) -> gr.Blocks:
    """Start the chat window; with ``block=False`` return once it is listening. Refused
    while another app serves the same embedded store (``rag.writer``)."""
    refuse_second_app(library.settings.home, library.settings.chroma_url)
    users = library.users  # RAG_AUTH and the users file
    auth = users.enabled()
    # one throttle for the window and the doors
    guard = LoginGuard([], verify=users.verify) if auth else None
    backend = Backend(library)
    library.warm_up()
    threading.Thread(target=_recover, args=(library,), daemon=True, name="recover").start()
    demo = build_app(backend)
    demo.queue(default_concurrency_limit=8)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=guard.check if guard else None,
        auth_message="Log in to ask your documents." if auth else None,
        # uploads a little over RAG_MAX_FILE_MB reach the handler, which refuses each in
        # the per-file report and adds the rest of the batch; Gradio's own check (a
        # pop-up that drops the whole batch) only stops what is far over the limit
        max_file_size=UPLOAD_CEILING * backend.settings.max_file_bytes,
        prevent_thread_lock=True,
        show_error=True,
        quiet=not block,
        css=CSS,
        js=SCRIPT,
        theme=THEME,
        footer_links=["api"],
    )
    mount_doors(demo.app, library, guard, host)
    files.mount(demo.app, library, guard, library.settings.home / "pages")
    if guard:
        guard_login_route(demo.app, guard)
    announced = _announce(demo, library)
    if block:
        try:
            demo.block_thread()
        finally:
            if announced is not None:
                withdraw(library.settings.home, announced)
    return demo


def _announce(demo: gr.Blocks, library: Library) -> RunningApp | None:
    """On an embedded store, let the CLI of this RAG_HOME send its writes here
    (``rag.writer``): one process writes the store."""
    if library.settings.chroma_url:
        return None  # a Chroma server is the one writer already
    announced = announce(library.settings.home, int(demo.server_port or 0))
    mount_first(demo.app, internal_door.router(library, announced))
    atexit.register(withdraw, library.settings.home, announced)
    return announced


def _recover(library: Library) -> None:
    """Finish what a killed ingest left pending, and delete the upload copies of
    documents removed elsewhere, beside the starting app; say what it did."""
    try:
        report = library.recover()
    except RagError as e:
        print(f"rag serve: could not finish interrupted ingests: {e}", file=sys.stderr)
        return
    done = len(report.added) + len(report.updated) + len(report.unchanged)
    failed = f"; {len(report.failed)} failed" if report.failed else ""
    if done or failed:
        message = f"rag serve: finished {done} document(s) an interrupted ingest left pending"
        print(message + failed, file=sys.stderr)
    try:
        pruned = library.prune_uploads()
    except RagError as e:
        print(f"rag serve: could not prune the upload copies: {e}", file=sys.stderr)
        return
    if pruned:
        print(f"rag serve: deleted {len(pruned)} copies of removed uploads", file=sys.stderr)


def mount_doors(
    app: Any, library: Library, auth: LoginGuard | None, host: str = "127.0.0.1"
) -> None:
    """Put the OpenAI-compatible routes and the MCP endpoint in front of Gradio's own on
    its FastAPI app."""
    mount_first(app, openai_door.router(library, auth), mcp_door.route(library, auth, host))
