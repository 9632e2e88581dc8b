"""Each user's LLM endpoint, kept on the server with its key, and the answerers the
Library builds for it."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.errors import AccessError, StoreError, UsageError
from core.settings import Settings
from rag.access import LOCAL, Principal
from rag.answerer_pool import NO_ENDPOINT
from rag.endpoints import Endpoint, PinnedTransport
from rag.generative import OpenAICompatibleAnswerer
from rag.library import Library
from rag.model_choice import FILE_NAME, ModelChoices
from rag.services import Services
from tests.llm_server import MODEL
from tests.rag.endpoint_server import Listing, serving


@pytest.fixture
def endpoint() -> Iterator[Listing]:
    with serving(Listing()) as listing:
        yield listing


def choices(settings: Settings, team: bool = False) -> ModelChoices:
    return ModelChoices(settings, lambda: team)


def test_a_saved_endpoint_is_the_users_own_and_shows_no_key(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    models = choices(settings_factory())
    assert models.view("ada") is None and models.endpoint("ada") is None
    saved = models.save("ada", endpoint.url + "/", " qwen3 ", "sk-ada-secret")
    assert saved == Endpoint(endpoint.url, "qwen3", "sk-ada-secret")
    view = models.view("ada")
    assert view is not None and (view.base_url, view.model, view.has_key, view.own) == (
        endpoint.url, "qwen3", True, True,
    )  # fmt: skip
    assert "sk-ada-secret" not in repr(view)
    assert models.endpoint("grace") is None  # another user's is not hers
    path = models.store.path
    assert path.name == FILE_NAME and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert models.forget("ada") and not models.forget("ada")
    assert models.endpoint("ada") is None


def test_a_blank_key_keeps_the_saved_one_for_the_same_address_only(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    models = choices(settings_factory())
    models.save("ada", endpoint.url, "qwen3", "sk-first")
    assert models.save("ada", endpoint.url, "llama3.2").api_key == "sk-first"
    models.models("ada", endpoint.url)  # Test connection with the key left blank
    assert endpoint.seen[-1]["Authorization"] == "Bearer sk-first"
    assert models.save("ada", "http://127.0.0.1:1/v1", "qwen3").api_key == ""


def test_the_servers_endpoint_serves_users_without_their_own(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    models = choices(settings_factory(llm_base_url=endpoint.url, llm_model="qwen3"))
    view = models.view("ada")
    assert view is not None and not view.own and not view.has_key
    assert models.endpoint("ada") == models.server_default()


def test_a_team_user_cannot_save_an_internal_address(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    models = choices(settings_factory(), team=True)
    with pytest.raises(AccessError, match="RAG_LLM_ALLOW"):
        models.save("ada", endpoint.url, "qwen3")
    with pytest.raises(UsageError, match="pick a model"):
        choices(settings_factory()).save("ada", endpoint.url, "  ")
    assert models.endpoint("ada") is None and endpoint.seen == []


def test_a_damaged_file_says_how_to_recover(settings_factory: Callable[..., Settings]) -> None:
    models = choices(settings_factory())
    models.store.path.parent.mkdir(parents=True, exist_ok=True)
    models.store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="fix or remove the file"):
        models.endpoint("ada")


# --- the Library ---------------------------------------------------------------------


def test_the_llm_mode_runs_for_a_user_once_they_saved_an_endpoint(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    library = Library(settings_factory())
    ada = Principal("ada", frozenset({"ada"}), frozenset({"ada"}), "ada")
    assert library.modes(ada) == {"extractive": True, "openai": False}
    with pytest.raises(UsageError) as caught:
        library.ask("What is the tower made of?", mode="openai", user=ada)
    assert str(caught.value) == NO_ENDPOINT
    library.models.save(ada.name, endpoint.url, "qwen3", "sk-ada")
    assert library.modes(ada)["openai"] is True
    built = library.answerer("openai", ada)
    assert isinstance(built, OpenAICompatibleAnswerer)
    assert built.settings.llm_base_url == endpoint.url and built.settings.llm_model == "qwen3"
    assert library.answerer("openai", ada) is built  # built once per endpoint
    library.models.save(ada.name, endpoint.url, "llama3.2")
    assert library.answerer("openai", ada) is not built


def test_a_team_users_answerer_connects_through_the_pinned_transport(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    library = Library(settings_factory(auth="ada:pw-ada", llm_allow=f"127.0.0.1:{endpoint.port}"))
    ada = library.principal("ada")
    library.models.save("ada", endpoint.url, "qwen3")
    built = library.answerer("openai", ada)
    assert isinstance(built, OpenAICompatibleAnswerer)
    client = built.llm.http_client  # type: ignore[attr-defined]
    assert isinstance(client._transport, PinnedTransport)


@pytest.mark.llm
def test_a_question_is_answered_by_the_users_saved_endpoint(
    llm_url: str, settings_factory: Callable[..., Settings], embedder: Any, tmp_path: Path
) -> None:
    """Against llama_cpp.server: the saved endpoint answers, and the answer says which
    model at which host wrote it."""
    services = Services(settings_factory(llm_max_tokens=64))
    services.__dict__["embedder"] = embedder
    library = Library(services.settings, services)
    note = tmp_path / "tower.txt"
    note.write_text(
        "The Eiffel Tower was finished in 1889 for the World's Fair in Paris.", encoding="utf-8"
    )
    assert library.add([str(note)]).ok
    library.models.save(LOCAL.name, llm_url, MODEL)
    answer = library.ask("When was the Eiffel Tower finished?", mode="openai")
    host = llm_url.removeprefix("http://").removesuffix("/v1")
    assert answer.mode == "openai" and answer.model == f"{MODEL} at {host}"
    assert answer.to_json()["model"] == answer.model
    assert library.ask("When was the Eiffel Tower finished?").model is None  # extractive
