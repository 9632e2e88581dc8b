"""Two users on one live app, over its real HTTP doors: the named API through
``gradio_client`` (also calling handlers by function index, as an attacker would), the
OpenAI-compatible door and MCP. Each user sees, asks about and removes only what they
may; the shared sample corpus stays readable by both and writable by neither."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from gradio_client import Client, handle_file

from tests.ui.test_mcp_door import mcp_call, text_json

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

pytestmark = pytest.mark.slow

ALICE = ("alice", "alice-password")
BOB = ("bob", "bob-password")
SECRET = "The Osprey project budget is 4.2 million crowns, approved by Ines Varga."
QUESTION = "What is the Osprey project budget?"


@pytest.fixture(scope="module")
def team(live_app_factory: Callable[..., LiveApp], tmp_path_factory: pytest.TempPathFactory) -> Any:
    auth = ",".join(":".join(login) for login in (ALICE, BOB))
    app = live_app_factory(auth=auth)
    folder = tmp_path_factory.mktemp("uploads")
    mine = folder / "notes.md"
    mine.write_text(SECRET + "\n")
    report = Client(app.url, auth=ALICE, verbose=False).predict(
        [handle_file(str(mine))], api_name="/ingest"
    )
    assert len(report["added"]) == 1, report
    return app, report["added"][0]["doc_id"], folder


def fn_index(app: LiveApp, name: str) -> int:
    """The function index of a handler method, as a direct caller would find it."""
    found = [i for i, f in app.demo.fns.items() if getattr(f.fn, "__name__", "") == name]
    assert found, name
    return int(found[0])


def test_each_user_lists_and_asks_about_only_what_they_may(team: Any) -> None:
    app, secret_id, _ = team
    alice = Client(app.url, auth=ALICE, verbose=False)
    bob = Client(app.url, auth=BOB, verbose=False)
    alice_docs = {d["doc_id"] for d in alice.predict(api_name="/documents")}
    bob_docs = {d["doc_id"] for d in bob.predict(api_name="/documents")}
    assert secret_id in alice_docs and secret_id not in bob_docs
    assert len(bob_docs) == 8 and bob_docs < alice_docs  # the shared corpus
    hers = alice.predict(QUESTION, [], api_name="/ask")
    assert hers["citations"] and hers["citations"][0]["doc_id"] == secret_id
    his = bob.predict(QUESTION, [], api_name="/ask")
    assert all(c["doc_id"] != secret_id for c in his["citations"]) and "4.2" not in his["answer"]


def test_a_second_users_file_of_the_same_name_is_their_own(team: Any) -> None:
    app, secret_id, folder = team
    same_name = folder / "other" / "notes.md"
    same_name.parent.mkdir()
    same_name.write_text("Bob's notes: the canteen reopens on Monday.\n")
    bob = Client(app.url, auth=BOB, verbose=False)
    report = bob.predict([handle_file(str(same_name))], api_name="/ingest")
    assert len(report["added"]) == 1 and not report["updated"], report
    assert report["added"][0]["doc_id"] != secret_id
    assert app.library.document_text(secret_id) == SECRET + "\n"


class RawSession:
    """Calls handlers by function index over Gradio's queue, as a script would: log in,
    join the queue, read the event stream to its end; one browser session throughout."""

    def __init__(self, app: LiveApp, login: tuple[str, str]) -> None:
        self.http = httpx.Client(base_url=app.url, timeout=60)
        logged_in = self.http.post("login", data={"username": login[0], "password": login[1]})
        assert logged_in.status_code == 200, logged_in.text
        self.session = uuid.uuid4().hex

    def call(self, index: int, data: list[Any]) -> dict[str, Any]:
        """The completion message (``success``, ``output``) of one call."""
        joined = self.http.post("gradio_api/queue/join", json={
            "data": data, "fn_index": index, "session_hash": self.session,
            "event_data": None, "trigger_id": None,
        })  # fmt: skip
        assert joined.status_code == 200, joined.text
        params = {"session_hash": self.session}
        with self.http.stream("GET", "gradio_api/queue/data", params=params) as events:
            for line in events.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return dict(message)
        raise AssertionError("the event stream ended without a result")


def test_logged_out_calls_are_refused(team: Any) -> None:
    app, _, _ = team
    with pytest.raises(Exception):  # noqa: B017 (gradio_client raises its own types)
        Client(app.url, verbose=False).predict(api_name="/documents")
    response = httpx.post(app.url + "gradio_api/queue/join", json={
        "data": [["x"], "", []], "fn_index": fn_index(app, "remove"), "session_hash": "abc",
    }, timeout=10)  # fmt: skip
    assert response.status_code in (401, 403)


def test_the_openai_and_mcp_doors_answer_each_user_from_their_own(team: Any) -> None:
    app, secret_id, _ = team
    body = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}

    def ask(login: tuple[str, str]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {login[0]}:{login[1]}"}
        response = httpx.post(app.url + "v1/chat/completions", json=body, headers=headers,
                              timeout=120)  # fmt: skip
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert [c["doc_id"] for c in ask(ALICE)["citations"]][:1] == [secret_id]
    assert all(c["doc_id"] != secret_id for c in ask(BOB)["citations"])

    def tools(login: tuple[str, str]) -> tuple[Any, Any]:
        async def use(session: Any) -> tuple[Any, Any]:
            listed = await session.call_tool("list_documents", {})
            found = await session.call_tool("search", {"query": QUESTION, "k": 20})
            return text_json(listed), text_json(found)

        return mcp_call(app, use, token=f"{login[0]}:{login[1]}")

    alice_list, alice_found = tools(ALICE)
    bob_list, bob_found = tools(BOB)
    assert secret_id in {d["doc_id"] for d in alice_list}
    assert secret_id not in {d["doc_id"] for d in bob_list}
    assert secret_id in {r["doc_id"] for r in alice_found["results"]}
    assert secret_id not in {r["doc_id"] for r in bob_found["results"]}


def test_added_through_mcp_goes_to_the_users_own_collection(team: Any, tmp_path: Path) -> None:
    app, _, _ = team

    async def use(session: Any) -> Any:
        return text_json(await session.call_tool(
            "add_document", {"text": "Bob's draft: the bridge opens in May.", "title": "Draft"}
        ))  # fmt: skip

    report = mcp_call(app, use, token=f"{BOB[0]}:{BOB[1]}")
    doc_id = report["added"][0]["doc_id"]
    assert doc_id.startswith("bob/")
    record = app.library.document(doc_id)
    assert record is not None and record.collection == "bob"
    assert "/uploads/bob/" in record.source


# last: it removes alice's document at its end
def test_removing_by_function_index_is_checked_too(team: Any) -> None:
    app, secret_id, _ = team
    refresh, remove = fn_index(app, "refresh"), fn_index(app, "remove")
    bob = RawSession(app, BOB)
    listed = bob.call(refresh, ["", []])
    assert listed["success"] and secret_id not in json.dumps(listed["output"])
    sneaky = bob.call(remove, [[secret_id], "", []])
    assert not sneaky["success"]  # not his to list, so not his to remove
    assert app.library.document(secret_id) is not None
    shared = next(r.doc_id for r in app.library.documents() if r.collection == "default")
    refused = bob.call(remove, [[shared], "", []])  # listed to him, but read-only
    assert not refused["success"] and "may not remove" in json.dumps(refused["output"])
    assert app.library.document(shared) is not None
    # the same calls as the owner do remove (the checks above are not vacuous)
    alice = RawSession(app, ALICE)
    assert alice.call(refresh, ["", []])["success"]
    mine = alice.call(remove, [[secret_id], "", []])
    assert mine["success"] and "Removed 1 document" in json.dumps(mine["output"])
    assert app.library.document(secret_id) is None


def test_ingest_urls_refuses_internal_addresses_under_failed(team: Any) -> None:
    app, _, _ = team
    alice = Client(app.url, auth=ALICE, verbose=False)
    internal = [f"{app.url}config", "http://127.0.0.1:9/", "http://0x7f000001/"]
    report = alice.predict(internal, api_name="/ingest_urls")
    assert not report["added"] and sorted(f["source"] for f in report["failed"]) == sorted(internal)
    reasons = {f["source"]: f["error"] for f in report["failed"]}
    assert "only the standard ports" in reasons["http://127.0.0.1:9/"]
    assert "127.0.0.1" not in reasons["http://0x7f000001/"]  # says nothing of what is there
    with pytest.raises(Exception, match="list of addresses"):
        alice.predict("http://example.org/", api_name="/ingest_urls")


def test_collections_and_a_collection_argument_follow_the_user(team: Any, tmp_path: Path) -> None:
    app, _secret_id, _ = team
    alice = Client(app.url, auth=ALICE, verbose=False)
    bob = Client(app.url, auth=BOB, verbose=False)
    note = tmp_path / "kestrel-budget.md"
    note.write_text("The Kestrel survey budget is 7.7 million crowns, set by Ines Varga.\n")
    added = alice.predict([handle_file(str(note))], "alice", api_name="/ingest")
    (kestrel,) = [d["doc_id"] for d in added["added"]]
    question = "What is the Kestrel survey budget?"

    hers = {c["name"]: c for c in alice.predict(api_name="/collections")}
    his = {c["name"]: c for c in bob.predict(api_name="/collections")}
    assert hers["alice"]["documents"] >= 1 and hers["alice"]["writable"], hers
    assert "alice" not in his and not his["default"]["writable"], his

    only_default = alice.predict(question, [], "default", api_name="/ask")
    assert kestrel not in {c["doc_id"] for c in only_default["citations"]}
    only_hers = alice.predict(question, [], "alice", api_name="/ask")
    assert {c["doc_id"] for c in only_hers["citations"]} == {kestrel}
    with pytest.raises(Exception, match="no collection 'alice' you may read"):
        bob.predict(question, [], "alice", api_name="/ask")

    doc = tmp_path / "bob-notes.md"
    doc.write_text("Bob's notes: the Lantern survey starts in May.\n")
    with pytest.raises(Exception, match="bob may not add documents to the collection 'alice'"):
        bob.predict([handle_file(str(doc))], "alice", api_name="/ingest")
    with pytest.raises(Exception, match="may not add documents to the collection 'default'"):
        bob.predict(["https://example.org/a"], "default", api_name="/ingest_urls")
