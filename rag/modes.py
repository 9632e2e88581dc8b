"""The answer modes, one registry: ``{name: Mode}``. The CLI, the chat's Settings tab
and the doors all read it, so a new answerer is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the registry stays cheap: Settings validates against it
    from core.settings import Settings
    from rag.answers import Answerer
    from rag.services import Services


def _always(_settings: Settings) -> bool:
    return True


@dataclass(frozen=True)
class Mode:
    """One way of answering: how to build it and when it can run."""

    label: str
    build: Callable[[Services, Settings], Answerer]
    available: Callable[[Settings], bool] = _always
    needs: str = ""  # what to set when it is not available


def _extractive(services: Services, settings: Settings) -> Answerer:
    from rag.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer(
        services.query_embedder, idf=services.keyword.idf, threshold=settings.abstain_threshold
    )


def _openai(services: Services, settings: Settings) -> Answerer:
    from rag.generative import OpenAICompatibleAnswerer

    return OpenAICompatibleAnswerer(settings, services.query_embedder)


MODES: dict[str, Mode] = {
    "extractive": Mode("Extractive: quotes sentences from your documents (no LLM)", _extractive),
    "openai": Mode(
        "OpenAI-compatible endpoint: an LLM writes the answer",
        _openai,
        available=lambda settings: bool(settings.llm_base_url),
        needs="RAG_LLM_BASE_URL",
    ),
}


def mode_names() -> tuple[str, ...]:
    return tuple(MODES)
