"""The OpenAI-compatible door on the live app: the official ``openai`` client,
streaming and not, and a raw request shaped as Open WebUI sends it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import openai
import pytest

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

QUESTION = "How much will the Eastside tram line in Corvale cost?"


@pytest.fixture(scope="module")
def client(live_app: LiveApp) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_app.url + "v1", api_key="not-needed", max_retries=0)


def test_models_lists_rag(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["rag"]


def test_a_completion_is_the_cited_answer_of_rag_ask(
    client: openai.OpenAI, live_app: LiveApp
) -> None:
    reply = client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": QUESTION}], temperature=0.7
    )
    content = reply.choices[0].message.content or ""
    expected = live_app.library.ask(QUESTION)
    assert content.startswith(expected.text) and "412 million" in content
    assert "**Sources**" in content and "1. " in content
    extra = reply.model_extra or {}
    assert extra["citations"] == [c.to_json() for c in expected.citations]
    assert reply.choices[0].finish_reason == "stop"


def test_streaming_sends_the_answer_in_chunks_then_the_citations(
    client: openai.OpenAI, live_app: LiveApp
) -> None:
    chunks = list(
        client.chat.completions.create(
            model="rag", messages=[{"role": "user", "content": QUESTION}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    expected = live_app.library.ask(QUESTION)
    assert text.startswith(expected.text) and "**Sources**" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"] == [c.to_json() for c in expected.citations]


def test_follow_up_uses_the_earlier_messages(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="rag",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What did Moore say about AI?"},
            {"role": "assistant", "content": "Moore said MI6 pairs AI with bulk data. [1]"},
            {"role": "user", "content": "Where did he say it?"},
        ],
    )
    answer = (reply.model_extra or {})["answer"]
    assert "Moore" in answer["standalone_question"]
    assert "Prague" in (reply.choices[0].message.content or "")


def test_an_open_webui_shaped_request(live_app: LiveApp) -> None:
    body = {
        "model": "rag",
        "stream": True,
        "messages": [{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        "stream_options": {"include_usage": True},
        "user": {"name": "ann", "id": "1"},
        "max_tokens": 400,
    }
    headers = {"Authorization": "Bearer sk-anything", "Accept": "text/event-stream"}
    with httpx.stream(
        "POST", live_app.url + "v1/chat/completions", json=body, headers=headers, timeout=60
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[6:]) for line in lines[:-1]]
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
    assert "412 million" in text and "[1]" in text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}, 404),
        ({"model": "rag", "messages": []}, 422),
        ({"model": "rag", "messages": [{"role": "assistant", "content": "hi"}]}, 400),
        ({"model": "rag", "messages": [{"role": "user", "content": "x" * 5000}]}, 400),
        (
            {
                "model": "rag",
                "messages": [{"role": "robot", "content": "a"}, {"role": "user", "content": "b"}],
            },
            400,
        ),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    live_app: LiveApp, body: dict[str, object], status: int
) -> None:
    response = httpx.post(live_app.url + "v1/chat/completions", json=body, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_logins_are_bearer_tokens(live_app_factory: Callable[..., LiveApp]) -> None:
    app = live_app_factory(corpus=False, auth="ann:s3cret,bob:p:w")
    url = app.url + "v1/models"
    assert httpx.get(url, timeout=10).status_code == 401
    assert (
        httpx.get(url, headers={"Authorization": "Bearer ann:wrong"}, timeout=10).status_code == 401
    )
    ok = httpx.get(url, headers={"Authorization": "Bearer bob:p:w"}, timeout=10)
    assert ok.status_code == 200 and ok.json()["data"][0]["id"] == "rag"
    client = openai.OpenAI(base_url=app.url + "v1", api_key="ann:s3cret", max_retries=0)
    assert [m.id for m in client.models.list()] == ["rag"]
