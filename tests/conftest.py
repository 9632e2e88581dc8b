"""Shared fixtures: settings on tmp_path, the real embedding model, a store per backend.

Every test starts with no ``RAG_*`` variables in the environment, so a developer's
own settings cannot change what the tests see; ``RAG_TEST_*`` (set by scripts/test)
are kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings

SERVER_ENV = "RAG_TEST_CHROMA_URL"
SERVER_URL = os.environ.get(SERVER_ENV)
NO_SERVER = (
    f"{SERVER_ENV} is not set; scripts/test starts `chroma run` on 127.0.0.1 and sets it "
    "(or start one yourself and export the URL)"
)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RAG_BIN = Path(sys.executable).parent / "rag"
# One torch thread per process: the suite shares two cores with other work, and
# OpenMP threads that spin while waiting for a core make embedding slower, not faster.
THREADS = os.environ.get("OMP_NUM_THREADS", "1")
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": THREADS}
# Tests embed with the reference runtime (sentence-transformers, loaded once per session
# by the `embedder` fixture); tests/rag/test_onnx.py checks the ONNX default against it
# and runs the CLI with it.
REFERENCE = {"RAG_EMBEDDER": "torch"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Skip before any fixture runs, so that a skipped server test loads no model.
    if SERVER_URL:
        return
    for item in items:
        if item.get_closest_marker("server"):
            item.add_marker(pytest.mark.skip(reason=NO_SERVER))


def unique_collection() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session", autouse=True)
def _clean_rag_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("RAG_") and not name.startswith("RAG_TEST_"):
                patch.delenv(name)
        for name, value in {**OFFLINE, **REFERENCE}.items():
            patch.setenv(name, value)
        yield


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """``make(**overrides)``: Settings on tmp_path with a collection prefix of its own."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"home": tmp_path / "home", "collection": unique_collection()}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real packaged MiniLM, loaded once per session."""
    import torch

    from rag.embedding import SentenceTransformerEmbedder

    torch.set_num_threads(int(THREADS))
    model = SentenceTransformerEmbedder()
    model.embed(["load the model now, not inside the first test"])
    return model


def drop_server_collections(url: str, prefix: str) -> None:
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parts = urlparse(url)
    client = chromadb.HttpClient(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 8000,
        settings=ChromaSettings(anonymized_telemetry=False),
    )
    for collection in client.list_collections():
        if collection.name.startswith(f"{prefix}-"):
            client.delete_collection(collection.name)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def store(
    request: pytest.FixtureRequest, settings_factory: Callable[..., Settings]
) -> Iterator[Any]:
    """A fresh ChromaStore: embedded on tmp_path, or on the test Chroma server."""
    from vectorstore.chroma import ChromaStore

    if request.param == "server":
        if not SERVER_URL:
            pytest.skip(NO_SERVER)
        settings = settings_factory(chroma_url=SERVER_URL)
    else:
        settings = settings_factory()
    yield ChromaStore(settings.store)
    if settings.chroma_url:
        drop_server_collections(settings.chroma_url, settings.collection)


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    corpus = EXAMPLES / "corpus"
    assert corpus.is_dir(), f"the sample corpus is missing at {corpus}"
    return corpus


def _rag_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({**OFFLINE, **REFERENCE, "RAG_HOME": str(home), **extra})
    return env


@pytest.fixture(scope="session")
def rag_env() -> Callable[..., dict[str, str]]:
    """``env(home, **extra)``: the environment for a ``rag`` subprocess, offline."""
    return _rag_env


@pytest.fixture(scope="session")
def run_rag() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run(args, home, **env)``: run the installed ``rag`` command to completion."""

    def run(
        args: list[str], home: Path, *, timeout: float = 300, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RAG_BIN), *args],
            env=_rag_env(home, **env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of llama_cpp.server with SmolLM2 on 127.0.0.1 (tests/llm_server.py),
    started on first use and stopped after the session; skips where it is not installed."""
    from tests.llm_server import missing, run_server

    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    yield from run_server(tmp_path_factory.mktemp("llm") / "server.log")
