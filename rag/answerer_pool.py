"""The answerers a Library has built: one per mode, and for an LLM mode one per
endpoint in use (users may each pick their own in Settings), the least recently used
dropped past ``MAX_ENDPOINT_ANSWERERS``."""

from __future__ import annotations

import threading
from collections.abc import Callable

from core.errors import UsageError
from core.settings import Settings
from rag.answers import Answerer
from rag.endpoints import Endpoint
from rag.model_choice import ModelChoices
from rag.modes import MODES
from rag.services import Services

MAX_ENDPOINT_ANSWERERS = 32

NO_ENDPOINT = (
    "the LLM mode needs an endpoint: enter its base URL in Settings, press Test "
    "connection, pick a model and save (or start the app with RAG_LLM_BASE_URL); or "
    "choose the extractive mode"
)


class AnswererPool:
    """Builds answerers on first use and keeps them; thread-safe.

    ``given`` holds answerers handed in by name (benchmarks and tests), used for every
    user."""

    def __init__(
        self,
        services: Services,
        settings: Settings,
        models: Callable[[], ModelChoices],
        given: dict[str, Answerer],
    ) -> None:
        self.services = services
        self.settings = settings
        self._models = models
        self._given = given
        self._built: dict[str, Answerer] = {}
        self._by_endpoint: dict[tuple[str, Endpoint], Answerer] = {}
        self._lock = threading.Lock()

    def modes(self, user: str) -> dict[str, bool]:
        """Every mode and whether it can run for ``user``."""
        endpoint = self._models().endpoint(user)
        return {
            name: name in self._given or not mode.endpoint or endpoint is not None
            for name, mode in MODES.items()
        }

    def get(self, name: str, user: str) -> tuple[Answerer, Endpoint | None]:
        """The answerer of mode ``name`` for ``user``, and the endpoint it asks (None
        for modes that ask none)."""
        spec = MODES.get(name)
        if spec is None:
            raise UsageError(f"unknown answer mode {name!r}; choose one of {', '.join(MODES)}")
        if name in self._given:
            return self._given[name], None
        if not spec.endpoint:
            with self._lock:
                if name not in self._built:
                    settings = self.settings.model_copy(update={"answer_mode": name})
                    self._built[name] = spec.build(self.services, settings, None)
                return self._built[name], None
        models = self._models()
        endpoint = models.endpoint(user)
        if endpoint is None:
            raise UsageError(NO_ENDPOINT)
        with self._lock:
            built = self._by_endpoint.pop((name, endpoint), None)
            if built is None:
                own = endpoint != models.server_default()  # the operator's is trusted
                client = models.policy.client(self.settings.llm_timeout) if own else None
                settings = self.settings.model_copy(
                    update={
                        "answer_mode": name,
                        "llm_base_url": endpoint.base_url,
                        "llm_model": endpoint.model,
                        "llm_api_key": endpoint.api_key or "not-needed",
                    }
                )
                built = spec.build(self.services, settings, client)
            self._by_endpoint[(name, endpoint)] = built  # the latest used comes last
            while len(self._by_endpoint) > MAX_ENDPOINT_ANSWERERS:
                self._by_endpoint.pop(next(iter(self._by_endpoint)))
            return built, endpoint
