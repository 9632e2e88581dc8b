"""Two replicas (separate RAG_HOME, one Chroma server) given the same upload at the same
moment converge on one document; done one after the other, the second is unchanged."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from rag.library import Library
from rag.services import Services
from tests.conftest import SERVER_URL, drop_server_collections
from ui.backend import Backend

pytestmark = [pytest.mark.server, pytest.mark.slow]

TEXT = "# Harbour notes\n\nThe ferry timetable changes on 4 May, with two extra crossings.\n"


class Rendezvous:
    """The real model, but both replicas embed only once both have planned their write:
    the worst interleaving, every time (each has checked the store before either wrote)."""

    def __init__(self, inner: Any, barrier: threading.Barrier) -> None:
        self.inner, self.barrier = inner, barrier
        self.name, self.dimension = inner.name, inner.dimension

    def embed(self, texts: Any) -> Any:
        self.barrier.wait(60)
        return self.inner.embed(texts)


def replica(home: Path, prefix: str, embedder: Any) -> Backend:
    services = Services(Settings(home=home, chroma_url=SERVER_URL, collection=prefix))
    services.__dict__["embedder"] = embedder
    return Backend(Library(services.settings, services))


def test_two_replicas_racing_on_one_upload_store_it_once(tmp_path: Path, embedder: Any) -> None:
    prefix = "t" + uuid.uuid4().hex[:10]
    try:
        both_planned = threading.Barrier(2)
        racing = Rendezvous(embedder, both_planned)
        replicas = [replica(tmp_path / f"home-{i}", prefix, racing) for i in range(2)]
        upload = tmp_path / "browser" / "harbour.md"  # Gradio's temporary copy of the file
        upload.parent.mkdir()
        upload.write_text(TEXT)
        start = threading.Barrier(2)
        reports: list[Any] = [None, None]

        def run(i: int) -> None:
            start.wait()
            reports[i] = replicas[i].ingest_uploads([str(upload)])[0]

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert all(r is not None and r.ok for r in reports), reports
        ids = {d.doc_id for r in reports for d in r.added + r.unchanged}
        store = replicas[0].library.services.store
        listed = store.list_documents(complete_only=False)
        assert len(ids) == 1 and [d.doc_id for d in listed] == sorted(ids)
        assert store.count_passages() == listed[0].chunks
        replicas[1].library.services.__dict__["embedder"] = embedder  # no one to wait for
        again = replicas[1].ingest_uploads([str(upload)])[0]
        assert [d.doc_id for d in again.unchanged] == sorted(ids) and not again.added
    finally:
        drop_server_collections(str(SERVER_URL), prefix)
