"""A live chat window for the API and browser tests: ``serve()`` on a free port, in this
process, over a fresh RAG_HOME holding the ingested sample corpus."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from rag.library import Library
from rag.services import Services


@dataclass
class LiveApp:
    url: str
    library: Library  # the one the app serves
    demo: Any = None  # the gr.Blocks it serves

    @property
    def services(self) -> Services:
        return self.library.services

    @property
    def home(self) -> Path:
        return self.library.settings.home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_app_factory(
    tmp_path_factory: pytest.TempPathFactory, embedder: Any, sample_corpus: Path
) -> Iterator[Callable[..., LiveApp]]:
    """``start(corpus=True, **settings)``: the app, on the sample corpus unless told
    otherwise; closed after the module."""
    from ingest.pipeline import Ingestor
    from ui.app import serve

    demos: list[Any] = []

    def start(corpus: bool = True, **overrides: Any) -> LiveApp:
        home = tmp_path_factory.mktemp("ui-home")
        values: dict[str, Any] = {"home": home, "collection": "t" + uuid.uuid4().hex[:10]}
        values.update(overrides)
        services = Services(Settings(**values))
        services.__dict__["embedder"] = embedder  # the session's model, already loaded
        if corpus:
            ingestor = Ingestor(services.settings.ingest, services.store, embedder)
            report = ingestor.ingest([str(sample_corpus)])
            assert report.ok and len(report.added) == 8, report.to_json()
        port = free_port()
        library = Library(services.settings, services)
        demos.append(serve(library, port=port, block=False))
        return LiveApp(f"http://127.0.0.1:{port}/", library, demos[-1])

    yield start
    for demo in demos:
        demo.close()


@pytest.fixture(scope="module")
def live_app(live_app_factory: Callable[..., LiveApp]) -> LiveApp:
    return live_app_factory()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Debian chromium through Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing; install it with `apt-get install -y chromium` "
            "(scripts/test does this)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
