"""Generative answers from any OpenAI-compatible endpoint, streamed, then verified.

Ollama, vLLM, llama.cpp's server, LM Studio and OpenAI all speak the Chat Completions
API; langchain-openai's ``ChatOpenAI`` talks to them. The finished text goes through
``rag.verify`` before it becomes an ``Answer``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from core.embedder import Embedder
from core.errors import AnswerError, UsageError
from core.settings import Settings
from rag.answers import Answer, abstention
from rag.prompting import build_messages
from rag.retrieval import Result
from rag.verify import verify

_ABSTAINS = re.compile(
    r"^\W*the\s+documents?\s+(?:don['’]?t|do\s+not|doesn['’]?t|does\s+not)\s+say", re.IGNORECASE
)
# Reasoning models served through Ollama or vLLM may put their thoughts in the content.
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


def chat_model(settings: Settings, client: httpx.Client | None = None) -> ChatOpenAI:
    """A streaming ``ChatOpenAI`` for ``settings.llm_base_url``, through ``client`` if
    given (a team instance's pinned connections, ``rag.endpoints``).

    ChatOpenAI sends ``max_tokens`` as ``max_completion_tokens``, which OpenAI wants but
    llama-cpp-python's server (0.3.x) and other local servers silently ignore, so for
    any host but OpenAI's the limit travels as ``max_tokens`` in the request body.
    """
    if not settings.llm_base_url:
        raise UsageError("the openai answer mode needs RAG_LLM_BASE_URL (http://host:port/v1)")
    host = urlparse(settings.llm_base_url).hostname or ""
    is_openai = host == "openai.com" or host.endswith(".openai.com")
    limits: dict[str, Any] = (
        {"max_tokens": settings.llm_max_tokens}
        if is_openai
        else {"extra_body": {"max_tokens": settings.llm_max_tokens}}
    )
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=SecretStr(settings.llm_api_key),
        model=settings.llm_model,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=1,
        streaming=True,
        use_responses_api=False,
        stream_usage=False,
        http_client=client,
        **limits,
    )


class OpenAICompatibleAnswerer:
    """Answers with an LLM from the retrieved passages, with verified [n] citations."""

    def __init__(
        self, settings: Settings, embedder: Embedder, llm: BaseChatModel | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.llm = llm if llm is not None else chat_model(settings)

    def answer(self, question: str, results: Sequence[Result]) -> Answer:
        for item in self.stream(question, results):
            if isinstance(item, Answer):
                return item
        raise AnswerError("the answer stream ended without an answer")

    def stream(self, question: str, results: Sequence[Result]) -> Iterator[str | Answer]:
        """Text deltas as the model writes them, then the verified ``Answer``.

        The deltas are the raw model output; the final ``Answer.text`` is the verified
        rewrite (repaired markers, ``[unsupported]`` marks) that should replace them.
        """
        if not results:
            yield abstention(question, ())
            return
        parts: list[str] = []
        for delta in self._deltas(question, results):
            parts.append(delta)
            yield delta
        yield self._finish(question, results, "".join(parts))

    def _deltas(self, question: str, results: Sequence[Result]) -> Iterator[str]:
        url = self.settings.llm_base_url
        model = self.settings.llm_model
        try:
            for chunk in self.llm.stream(build_messages(question, results)):
                if chunk.text:
                    yield chunk.text
        except openai.APITimeoutError as e:
            raise AnswerError(
                f"the LLM at {url} did not answer within {self.settings.llm_timeout:g} s; "
                "check that the server is not overloaded, or raise RAG_LLM_TIMEOUT"
            ) from e
        except openai.APIConnectionError as e:
            raise AnswerError(
                f"could not connect to the LLM at {url} ({e}); check that the server is "
                "running and that the base URL (Settings, or RAG_LLM_BASE_URL) is right; it "
                "usually ends in /v1"
            ) from e
        except openai.AuthenticationError as e:
            raise AnswerError(
                f"the LLM at {url} refused the API key ({e.status_code}); check the key "
                "in Settings (or RAG_LLM_API_KEY)"
            ) from e
        except openai.NotFoundError as e:
            raise AnswerError(
                f"the LLM at {url} returned 404 for model {model!r}; pick a model the "
                "endpoint lists (Settings, Test connection) and check that the base URL "
                "ends in /v1"
            ) from e
        except openai.APIStatusError as e:
            raise AnswerError(
                f"the LLM at {url} failed with HTTP {e.status_code}: {e.message}"
            ) from e

    def _finish(self, question: str, results: Sequence[Result], raw: str) -> Answer:
        text = _THINKING.sub("", raw).strip()
        if not text or _ABSTAINS.match(text):
            return abstention(question, results)
        checked = verify(text, results, self.embedder, question=question)
        if checked.supported == 0:
            return abstention(question, results, confidence=checked.confidence)
        return Answer(
            question,
            checked.text,
            False,
            checked.citations,
            confidence=checked.confidence,
        )
