"""Shared collections made and removed through the Library, on a real embedded Chroma
and the packaged model: an empty one is listed, a removed one's documents are gone
from search (dense and keyword) while other collections' stay, and the names that
must not be created or removed are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.errors import UsageError
from core.settings import Settings
from rag.access import LOCAL
from rag.library import Library
from rag.services import Services

pytestmark = pytest.mark.slow

PLAN = "# Heron bridge\n\nThe Heron bridge opens on 9 June; crossing it costs 3 crowns.\n"
BUDGET = "# Osprey budget\n\nThe Osprey project budget is 4.2 million crowns.\n"


@pytest.fixture
def library(settings_factory: Callable[..., Settings], embedder: Any) -> Library:
    services = Services(settings_factory())
    services.__dict__["embedder"] = embedder
    library = Library(services.settings, services)
    library.users.add("alice", "correct horse")
    library.users.add("bob", "battery staple")
    return library


def upload(library: Library, collection: str, name: str, text: str) -> Path:
    """A file where the window keeps an upload to ``collection``."""
    folder = library.settings.uploads_path / collection
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def rows(library: Library, user: str | None = None) -> dict[str, dict[str, object]]:
    """``library.collections`` by name, for a user or the operator (LOCAL)."""
    principal = library.users.principal(user) if user else LOCAL
    return {str(r["name"]): r for r in library.collections(principal)}


def keyword_docs(library: Library, query: str) -> set[str]:
    return {doc for _passage, doc, _score in library.services.keyword.search(query, 5)}


def test_create_lists_it_empty_and_grants_owner_and_members(library: Library) -> None:
    created = library.create_collection("team", owner="alice", members=["bob", "alice"])
    assert created.to_json() == {"name": "team", "owner": "alice", "members": ["bob"]}
    assert rows(library)["team"]["documents"] == 0
    assert rows(library, "alice")["team"] == {
        "name": "team", "documents": 0, "passages": 0, "writable": True,
    }  # fmt: skip
    assert rows(library, "bob")["team"]["writable"] is False
    assert library.users.principal("bob").can_read("team")
    assert not library.users.principal("bob").can_write("team")
    assert library.users.shared() == ("team",)


def test_remove_deletes_its_documents_grants_and_copies_and_keeps_the_rest(
    library: Library,
) -> None:
    library.create_collection("team", owner="alice", members=["bob"])
    plan = upload(library, "team", "plan.md", PLAN)
    plan_id = library.add([str(plan)], collection="team").added[0].doc_id
    budget = upload(library, "finance", "budget.md", BUDGET)
    budget_id = library.add([str(budget)], collection="finance").added[0].doc_id
    assert {r.document.collection for r in library.search("Heron bridge crossing", 5)} == {
        "team",
        "finance",
    }
    assert keyword_docs(library, "Heron bridge") == {plan_id}

    removed = library.remove_collection("team")

    assert [d.collection for d in removed.documents] == ["team"]
    assert removed.users == ("alice", "bob")
    found = library.search("Heron bridge crossing costs 3 crowns", 5)
    assert found and {r.document.collection for r in found} == {"finance"}
    library.services.keyword.sync(library.services.store)  # as the next question does
    assert keyword_docs(library, "Heron bridge") == set()
    assert keyword_docs(library, "Osprey budget") == {budget_id}
    assert not plan.exists() and not plan.parent.exists()  # the upload copy and its folder
    assert budget.exists()
    assert "team" not in rows(library)
    assert [r["name"] for r in rows(library).values()] == ["default", "finance"]
    for user in ("alice", "bob"):
        assert not library.users.principal(user).can_read("team")
    assert library.users.shared() == ()
    with pytest.raises(UsageError, match="no collection 'team'"):
        library.remove_collection("team")  # gone: a second removal says so


def test_a_collection_known_only_from_documents_or_grants_can_be_removed(
    library: Library,
) -> None:
    assert library.add([str(upload(library, "notes", "n.md", PLAN))], collection="notes").ok
    library.users.grant("bob", read=["notes", "drafts"])
    assert len(library.remove_collection("notes").documents) == 1
    assert library.remove_collection("drafts").users == ("bob",)
    assert library.users.principal("bob").read == {"bob", "default"}


@pytest.mark.parametrize(
    ("name", "owner", "message"),
    [
        ("Team Notes", None, "not a collection name"),
        ("default", None, "exists"),
        ("alice", None, "alice's own collection"),
        ("team", "nobody", "no user 'nobody'"),
    ],
)
def test_create_refuses(library: Library, name: str, owner: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        library.create_collection(name, owner=owner)
    assert library.users.shared() == ()  # nothing half-done


def test_create_refuses_a_listed_or_used_name(library: Library) -> None:
    library.create_collection("team")
    with pytest.raises(UsageError, match="'team' exists"):
        library.create_collection("team")
    assert library.add([str(upload(library, "finance", "b.md", BUDGET))], collection="finance").ok
    with pytest.raises(UsageError, match=r"'finance' exists \(1 documents\)"):
        library.create_collection("finance")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("default", "default collection cannot be removed"),
        ("alice", "alice's own collection and cannot be removed"),
        ("nothing", "no collection 'nothing'"),
        ("../x", "not a collection name"),
    ],
)
def test_remove_refuses(library: Library, name: str, message: str) -> None:
    mine = library.add([str(upload(library, "alice", "a.md", PLAN))], collection="alice")
    with pytest.raises(UsageError, match=message):
        library.remove_collection(name)
    assert [d.doc_id for d in library.documents()] == [mine.added[0].doc_id]
    assert library.users.principal("alice").can_write("alice")
