"""Collections through the Library, on a real embedded Chroma and the packaged model:
two users each see, search, ask about and remove only what they may; names and ids
cannot collide across collections; an old store joins the default collection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import AccessError
from core.settings import Settings
from rag.access import LOCAL, Principal
from rag.library import Library
from rag.retrieval import SearchFilter
from rag.services import Services
from vectorstore.chroma import SCHEMA, ChromaStore

pytestmark = pytest.mark.slow

ALICE = Principal.of("alice", ["default"], ["alice"], "alice")
BOB = Principal.of("bob", ["default"], ["bob"], "bob")
SECRET = "The Osprey project budget is 4.2 million crowns, approved by Ines Varga."
OTHER = "Bob's notes: the canteen reopens on Monday with a new coffee machine."


def make_library(home: Path, embedder: Any) -> Library:
    services = Services(Settings(home=home))
    services.__dict__["embedder"] = embedder
    return Library(services.settings, services)


@pytest.fixture
def library(tmp_path: Path, embedder: Any, sample_corpus: Path) -> Library:
    library = make_library(tmp_path / "home", embedder)
    assert library.add([str(sample_corpus)]).ok  # the operator's shared default collection
    return library


def upload(tmp_path: Path, who: str, name: str, text: str) -> Path:
    """A file as a user's upload lands: in the uploads folder of their collection."""
    folder = tmp_path / "home" / "uploads" / who
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_each_user_sees_asks_and_removes_only_their_own(library: Library, tmp_path: Path) -> None:
    added = library.add([str(upload(tmp_path, "alice", "notes.md", SECRET))], user=ALICE)
    assert len(added.added) == 1
    alice_doc = added.added[0].doc_id
    assert alice_doc.startswith("alice/")
    bob_added = library.add([str(upload(tmp_path, "bob", "notes.md", OTHER))], user=BOB)
    assert len(bob_added.added) == 1 and bob_added.added[0].doc_id != alice_doc

    bob_sees = {r.doc_id for r in library.documents(BOB)}
    assert alice_doc not in bob_sees and len(bob_sees) == 9  # the 8 shared ones and his
    assert alice_doc in {r.doc_id for r in library.documents(ALICE)}
    assert library.document(alice_doc, BOB) is None
    assert library.document_text(alice_doc, BOB) is None
    assert library.document_text(alice_doc, ALICE) == SECRET

    question = "What is the Osprey project budget?"
    assert all(r.document.doc_id != alice_doc for r in library.search(question, 20, user=BOB))
    scoped = SearchFilter(doc_ids=frozenset({alice_doc}))  # naming her id changes nothing
    assert library.search(question, 5, scoped, user=BOB) == []
    answer = library.ask(question, user=BOB)
    assert all(c.doc_id != alice_doc for c in answer.citations)
    assert "4.2" not in answer.text
    hers = library.ask(question, user=ALICE)
    assert hers.citations and hers.citations[0].doc_id == alice_doc

    removed, unknown = library.remove([alice_doc], BOB)
    assert removed == [] and unknown == [alice_doc]
    shared = next(r.doc_id for r in library.documents(BOB) if r.collection == "default")
    with pytest.raises(AccessError, match="may not remove"):
        library.remove([shared], BOB)  # he reads the default collection, but may not write it
    assert library.document(alice_doc, ALICE) is not None
    with pytest.raises(AccessError):
        library.add([str(upload(tmp_path, "bob", "x.md", OTHER + " again"))], user=BOB,
                    collection="alice")  # fmt: skip


def test_a_jsonl_id_cannot_take_another_collections_document(
    library: Library, tmp_path: Path
) -> None:
    alice_doc = library.add([str(upload(tmp_path, "alice", "a.md", SECRET))], user=ALICE)
    target = alice_doc.added[0].doc_id
    feed = upload(tmp_path, "bob", "feed.jsonl", json.dumps({"id": target, "text": OTHER}) + "\n")
    report = library.add([str(feed)], user=BOB)
    assert [d.doc_id for d in report.added] == [f"bob/{target}"]  # namespaced, not hers
    assert library.document_text(target, ALICE) == SECRET
    # In the default collection ids are bare, so a record may name hers exactly: refused.
    shared = tmp_path / "shared.jsonl"
    shared.write_text(json.dumps({"id": target, "text": "overwritten"}) + "\n")
    refused = library.add([str(shared)])
    assert not refused.added and not refused.updated
    assert "another collection" in refused.failed[0].error
    assert library.document_text(target, ALICE) == SECRET


def test_the_same_text_in_two_collections_is_two_documents(
    library: Library, tmp_path: Path
) -> None:
    first = library.add([str(upload(tmp_path, "alice", "a.md", SECRET))], user=ALICE)
    second = library.add([str(upload(tmp_path, "bob", "b.md", SECRET))], user=BOB)
    # a duplicate of a document bob cannot read would leak it, and leave him without it
    assert len(first.added) == 1 and len(second.added) == 1 and not second.duplicates
    assert library.collections(BOB)[0] == {
        "name": "bob", "documents": 1, "passages": 1, "writable": True,
    }  # fmt: skip


def test_a_store_from_before_collections_joins_the_default_one(
    tmp_path: Path, embedder: Any, sample_corpus: Path
) -> None:
    library = make_library(tmp_path / "home", embedder)
    assert library.add([str(sample_corpus)]).ok
    store = library.services.store
    # make it look like an old store: no collection field, no schema entry
    passages = store._passages.get(include=["metadatas"])
    old = [{**m, "collection": None} for m in passages["metadatas"]]
    store._passages.update(ids=passages["ids"], metadatas=old)
    store._meta.delete(ids=["schema"])
    assert store._passages.get(where={"collection": "default"})["ids"] == []

    again = ChromaStore(library.settings.store)
    assert again.upgrade() == len(passages["ids"]) + 0 * len(old)
    assert again.upgrade() == 0
    assert again._meta.get(ids=["schema"])["documents"] == [SCHEMA]
    fresh = make_library(tmp_path / "home", embedder)
    user = Principal.of("carol", ["default"], ["carol"], "carol")
    results = fresh.search("MI6 chief speaks in Prague", user=user)
    assert results and results[0].document.source.endswith("mi6-moore-prague.md")
    assert LOCAL.can_read(results[0].document.collection)


def test_recover_finishes_what_a_killed_ingest_left_pending(tmp_path: Path, embedder: Any) -> None:
    from dataclasses import replace as changed

    from vectorstore.records import STATE_PENDING

    library = make_library(tmp_path / "home", embedder)
    kept, lost, young = (upload(tmp_path, "alice", f"{n}.md", f"{n}: {SECRET}") for n in "abc")
    report = library.add([str(kept), str(lost), str(young)], user=ALICE)
    assert len(report.added) == 3
    store = library.services.store
    records = {Path(r.source).name: r for r in store.list_documents()}
    old = "2020-01-01T00:00:00+00:00"
    # as a SIGKILL between the pending record and the complete one leaves them:
    interrupted = [
        changed(records["a.md"], state=STATE_PENDING, ingested_at=old),
        changed(records["b.md"], state=STATE_PENDING, ingested_at=old),
        changed(records["c.md"], state=STATE_PENDING),  # another replica's, in progress
    ]
    store.set_documents_metadata(interrupted)
    store.bump_revision()
    lost.unlink()
    assert library.documents(ALICE) == []  # hidden: the finding

    done = library.recover()

    assert [d.doc_id for d in done.unchanged + done.added + done.updated] == [
        records["a.md"].doc_id
    ]
    listed = {Path(r.source).name: r for r in library.documents(ALICE)}
    assert set(listed) == {"a.md"} and listed["a.md"].collection == "alice"
    assert store.get_documents([records["b.md"].doc_id]) == {}  # its file is gone: removed
    assert store.passages_for([records["b.md"].doc_id]) == []
    young_record = store.get_documents([records["c.md"].doc_id])[records["c.md"].doc_id]
    assert young_record.state == STATE_PENDING  # left to the ingest that is writing it
