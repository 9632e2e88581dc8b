"""The Settings tab's LLM endpoint: a base URL and API key, "Test connection" to list
the endpoint's models, a model to pick, and Save / Forget.

The choice is each user's, kept on the server (``rag.model_choice``). The key goes from
the browser to the server when typed, and never back: the key field is always empty
when the tab loads, and its placeholder only says whether a key is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from core.errors import RagError
from ui.backend import Backend

KEY_SAVED = "A key is saved for this address; leave blank to keep it"
KEY_NONE = "Only if the endpoint needs one (OpenAI, a hosted server)"


@dataclass
class ModelsPanel:
    base_url: gr.Textbox
    api_key: gr.Textbox
    test: gr.Button
    model: gr.Dropdown
    save: gr.Button
    forget: gr.Button
    status: gr.Markdown


def models_panel() -> ModelsPanel:
    """The endpoint's controls, inside the Settings tab."""
    with gr.Column(elem_id="rag-endpoint"):
        gr.Markdown("### LLM endpoint\nAny OpenAI-compatible server: Ollama, llama.cpp, vLLM, …")
        with gr.Row():
            base_url = gr.Textbox(
                label="Base URL",
                placeholder="http://127.0.0.1:11434/v1",
                max_length=2048,
                scale=3,
                elem_id="rag-endpoint-url",
            )
            api_key = gr.Textbox(
                label="API key",
                type="password",
                placeholder=KEY_NONE,
                max_length=1024,
                scale=2,
                elem_id="rag-endpoint-key",
            )
        model = gr.Dropdown(
            choices=[],
            label="Model",
            info="Test connection lists the endpoint's models.",
            allow_custom_value=True,
            elem_id="rag-endpoint-model",
        )
        with gr.Row():
            test = gr.Button("Test connection", size="sm", scale=0, elem_id="rag-endpoint-test")
            save = gr.Button(
                "Save endpoint", variant="primary", size="sm", scale=0, elem_id="rag-endpoint-save"
            )
            forget = gr.Button("Forget endpoint", size="sm", scale=0, elem_id="rag-endpoint-forget")
        status = gr.Markdown(elem_id="rag-endpoint-status")
    return ModelsPanel(base_url, api_key, test, model, save, forget, status)


class ModelHandlers:
    """The panel's events; each acts for the request's user."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def load(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """The user's endpoint as the tab shows it. Outputs: base URL, key, model, status."""
        try:
            user = self.backend.user(request)
            view = self.backend.library.models.view(user.name)
        except RagError as e:
            return gr.skip(), gr.skip(), gr.skip(), _problem(e)
        if view is None:
            return (
                "",
                gr.update(value="", placeholder=KEY_NONE),
                gr.update(value=None),
                ("No endpoint yet: the LLM mode answers once one is saved."),
            )
        model = gr.update(choices=[view.model], value=view.model)
        key = gr.update(value="", placeholder=KEY_SAVED if view.has_key else KEY_NONE)
        said = (
            f"Saved: **{view.model}** at `{view.base_url}`."
            if view.own
            else f"The server's endpoint: **{view.model}** at `{view.base_url}`."
        )
        return view.base_url, key, model, said

    def test(
        self, base_url: str, api_key: str, model: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """The endpoint's models, to pick from. Outputs: model, status."""
        try:
            user = self.backend.user(request)
            names = self.backend.library.models.models(user.name, base_url or "", api_key or "")
        except RagError as e:
            return gr.skip(), _problem(e)
        chosen = model if model in names else names[0]
        count = f"{len(names)} model{'s' if len(names) != 1 else ''}"
        return gr.update(choices=names, value=chosen), f"✓ Connected: {count} listed."

    def save(
        self, base_url: str, api_key: str, model: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Keep the endpoint for this user. Outputs: key (emptied), status, answer mode."""
        try:
            user = self.backend.user(request)
            endpoint = self.backend.library.models.save(
                user.name, base_url or "", model or "", api_key or ""
            )
        except RagError as e:
            return gr.skip(), _problem(e), gr.skip()
        key = gr.update(value="", placeholder=KEY_SAVED if endpoint.api_key else KEY_NONE)
        said = f"✓ Saved: **{endpoint.model}** at `{endpoint.base_url}`; the LLM mode is on."
        return key, said, "openai"

    def forget(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Drop this user's endpoint (and its key). Outputs: as ``load``, and the mode."""
        try:
            user = self.backend.user(request)
            dropped = self.backend.library.models.forget(user.name)
        except RagError as e:
            return gr.skip(), gr.skip(), gr.skip(), _problem(e), gr.skip()
        url, key, model, said = self.load(request)
        mode = gr.skip() if self.backend.library.modes(user)["openai"] else "extractive"
        return url, key, model, ("✓ Forgotten. " if dropped else "") + said, mode


def _problem(error: RagError) -> str:
    return f"⚠ {error}"


def wire_models(
    demo: gr.Blocks, panel: ModelsPanel, backend: Backend, mode: gr.Radio, events: dict[str, Any]
) -> None:
    """The panel's events, each with ``events`` (the window's options for its own,
    unlisted events)."""
    handlers = ModelHandlers(backend)
    shown = [panel.base_url, panel.api_key, panel.model, panel.status]
    demo.load(handlers.load, None, shown, **events)
    typed = [panel.base_url, panel.api_key, panel.model]
    panel.test.click(handlers.test, typed, [panel.model, panel.status], **events)
    panel.save.click(handlers.save, typed, [panel.api_key, panel.status, mode], **events)
    panel.forget.click(handlers.forget, None, [*shown, mode], **events)
