"""Each user's LLM endpoint, kept on the server: ``<RAG_HOME>/llm-endpoints.json``.

The file is written whole (a temporary file, then a rename) under a file lock, with
mode 0600, since it holds API keys. Nothing here hands a key back to a browser: the
window learns only the address, the model and whether a key is saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from core.errors import StoreError
from core.files import write_private_json
from core.settings import Settings
from rag.endpoints import (
    Endpoint,
    EndpointPolicy,
    check_key,
    check_model,
    list_models,
    normalise_base_url,
)

FILE_NAME = "llm-endpoints.json"
LOCK_SECONDS = 10.0


@dataclass(frozen=True)
class EndpointView:
    """What the Settings tab may show of a user's endpoint: never the key."""

    base_url: str
    model: str
    has_key: bool
    own: bool  # False: the operator's RAG_LLM_BASE_URL, which users do not change


class EndpointStore:
    """Read and write the users' endpoints (each call reads the file: it is small, and
    another process may have changed it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(path.with_name(path.name + ".lock"), timeout=LOCK_SECONDS)

    def get(self, user: str) -> Endpoint | None:
        entry = self._read().get(user)
        if not isinstance(entry, dict):
            return None
        try:
            return Endpoint(str(entry["base_url"]), str(entry["model"]), str(entry.get("key", "")))
        except KeyError:
            return None

    def put(self, user: str, endpoint: Endpoint) -> None:
        with self._lock:
            entries = self._read()
            entries[user] = {
                "base_url": endpoint.base_url,
                "model": endpoint.model,
                "key": endpoint.api_key,
            }
            self._write(entries)

    def forget(self, user: str) -> bool:
        with self._lock:
            entries = self._read()
            if entries.pop(user, None) is None:
                return False
            self._write(entries)
            return True

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise StoreError(
                f"cannot read {self.path} ({e}); fix or remove the file, then save the "
                "endpoint again in Settings"
            ) from e
        users = data.get("users") if isinstance(data, dict) else None
        return dict(users) if isinstance(users, dict) else {}

    def _write(self, entries: dict[str, Any]) -> None:
        try:
            write_private_json(self.path, {"users": dict(sorted(entries.items()))})
        except OSError as e:
            raise StoreError(
                f"cannot write {self.path}: {e}; check that RAG_HOME is writable"
            ) from e


class ModelChoices:
    """The endpoint each user answers with in the LLM mode: their own, saved in
    Settings, or else the operator's ``RAG_LLM_BASE_URL``."""

    def __init__(self, settings: Settings, team: Callable[[], bool]) -> None:
        self.settings = settings
        self.store = EndpointStore(settings.home / FILE_NAME)
        self._team = team  # logins can be turned on while the app runs

    @property
    def policy(self) -> EndpointPolicy:
        return EndpointPolicy.for_instance(self.settings, self._team())

    def server_default(self) -> Endpoint | None:
        s = self.settings
        return Endpoint(s.llm_base_url, s.llm_model, s.llm_api_key) if s.llm_base_url else None

    def saved(self, user: str) -> Endpoint | None:
        return self.store.get(user)

    def endpoint(self, user: str) -> Endpoint | None:
        return self.saved(user) or self.server_default()

    def view(self, user: str) -> EndpointView | None:
        saved = self.saved(user)
        if saved is not None:
            return EndpointView(saved.base_url, saved.model, bool(saved.api_key), True)
        default = self.server_default()
        if default is None:
            return None
        return EndpointView(default.base_url, default.model, False, False)

    def models(self, user: str, base_url: str, api_key: str = "") -> list[str]:
        """The models at ``base_url``; a blank key uses the key saved for that address."""
        url = normalise_base_url(base_url)
        return list_models(url, self._key(user, url, api_key), self.policy)

    def save(self, user: str, base_url: str, model: str, api_key: str = "") -> Endpoint:
        """Keep ``user``'s endpoint (its address checked by the policy first); a blank
        key keeps the key saved for the same address."""
        url = normalise_base_url(base_url)
        self.policy.check(url)
        endpoint = Endpoint(url, check_model(model), self._key(user, url, api_key))
        self.store.put(user, endpoint)
        return endpoint

    def forget(self, user: str) -> bool:
        return self.store.forget(user)

    def _key(self, user: str, url: str, typed: str) -> str:
        key = check_key(typed)
        if key:
            return key
        saved = self.saved(user)
        return saved.api_key if saved is not None and saved.base_url == url else ""
