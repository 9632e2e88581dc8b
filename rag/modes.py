"""The answer modes, one registry: ``{name: Mode}``. The CLI, the chat's Settings tab
and the doors all read it, so a new answerer is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the registry stays cheap: Settings validates against it
    import httpx

    from core.settings import Settings
    from rag.answers import Answerer
    from rag.services import Services


@dataclass(frozen=True)
class Mode:
    """One way of answering: how to build it, and whether it asks an LLM endpoint (it
    can run only where one is set: the user's in Settings, or ``RAG_LLM_BASE_URL``).

    ``build`` gets the settings with the endpoint filled in, and the HTTP client to
    reach it through (None: the default one)."""

    label: str
    build: Callable[[Services, Settings, httpx.Client | None], Answerer]
    endpoint: bool = False


def _extractive(services: Services, settings: Settings, _client: httpx.Client | None) -> Answerer:
    from rag.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer(
        services.query_embedder, idf=services.keyword.idf, threshold=settings.abstain_threshold
    )


def _openai(services: Services, settings: Settings, client: httpx.Client | None) -> Answerer:
    from rag.generative import OpenAICompatibleAnswerer, chat_model

    return OpenAICompatibleAnswerer(settings, services.query_embedder, chat_model(settings, client))


MODES: dict[str, Mode] = {
    "extractive": Mode("Extractive: quotes sentences from your documents (no LLM)", _extractive),
    "openai": Mode(
        "OpenAI-compatible endpoint: an LLM writes the answer",
        _openai,
        endpoint=True,
    ),
}


def mode_names() -> tuple[str, ...]:
    return tuple(MODES)
