"""The Settings tab's endpoint handlers on a two-user instance: each user's choice is
their own, the key is never in what goes back to a browser, and a team user cannot
point the server at an internal address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from core.settings import Settings
from rag.library import Library
from tests.rag.endpoint_server import Listing, serving
from ui.backend import Backend
from ui.models_panel import KEY_SAVED, ModelHandlers

KEY = "sk-ada-only-7c41"


@pytest.fixture
def endpoint() -> Iterator[Listing]:
    with serving(Listing()) as listing:
        yield listing


def request(user: str) -> Any:
    return SimpleNamespace(username=user)


def handlers(make: Callable[..., Settings], **extra: Any) -> ModelHandlers:
    library = Library(make(auth="ada:pw-ada-1,grace:pw-grace-1", **extra))
    return ModelHandlers(Backend(library))


def test_each_user_sees_only_their_endpoint_and_never_a_key(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    panel = handlers(settings_factory, llm_allow=f"127.0.0.1:{endpoint.port}")
    ada, grace = request("ada"), request("grace")
    listed, said = panel.test(endpoint.url, KEY, None, ada)
    assert listed["choices"] == ["llama3.2", "qwen3"]
    assert listed["value"] == "llama3.2" and "Connected: 2 models listed" in said
    outputs = [panel.save(endpoint.url, KEY, "qwen3", ada), panel.load(ada), panel.load(grace)]
    assert KEY not in repr(outputs)
    saved, ada_view, grace_view = outputs
    assert saved[0]["value"] == "" and saved[0]["placeholder"] == KEY_SAVED
    assert saved[2] == "openai"  # saving turns the LLM mode on
    assert ada_view[0] == endpoint.url and ada_view[2]["value"] == "qwen3"
    assert grace_view[0] == "" and "No endpoint yet" in grace_view[3]
    assert panel.backend.library.modes(panel.backend.user(grace))["openai"] is False
    forgotten = panel.forget(grace)  # grace forgetting leaves ada's alone
    assert "Forgotten" not in forgotten[3] and forgotten[4] == "extractive"
    assert panel.backend.library.models.saved("ada") is not None


def test_a_team_user_is_told_an_internal_address_is_refused(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    panel = handlers(settings_factory)
    for url in (endpoint.url, "http://169.254.169.254/latest", "http://[::1]:8000/v1"):
        _models, said = panel.test(url, "", None, request("ada"))
        assert said.startswith("⚠ this instance connects only to LLM endpoints on public hosts")
        _key, said, mode = panel.save(url, "", "qwen3", request("ada"))
        assert said.startswith("⚠") and mode == gr.skip()  # the mode stays as it was
    assert endpoint.seen == []
    assert panel.backend.library.models.saved("ada") is None
