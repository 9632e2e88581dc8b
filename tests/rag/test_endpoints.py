"""LLM endpoints picked in the window: the base URL's checks, the model list, and the
team instance's address policy with connections pinned to the checked address."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from core.errors import AccessError, ModelError, UsageError
from core.settings import Settings
from rag.endpoints import REFUSED, Endpoint, EndpointPolicy, list_models, normalise_base_url
from tests.rag.endpoint_server import Listing, serving


@pytest.fixture
def endpoint() -> Iterator[Listing]:
    with serving(Listing()) as listing:
        yield listing


def test_base_url_is_trimmed_of_blanks_and_the_trailing_slash() -> None:
    assert normalise_base_url("  http://127.0.0.1:11434/v1/ ") == "http://127.0.0.1:11434/v1"
    assert normalise_base_url("HTTPS://api.example.com/v1") == "HTTPS://api.example.com/v1"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "enter the endpoint's base URL"),
        ("ftp://files.example.com/v1", "must start with http:// or https://"),
        ("http:///v1", "must start with http:// or https://"),
        ("http://me:sk-123@api.example.com/v1", "not in the base URL"),
        ("http://api.example.com/v1?key=1", "no ?query"),
        ("http://api.example.com:99999/v1", "malformed"),
        ("http://" + "a" * 3000 + ".com", "longer than"),
    ],
)
def test_a_base_url_that_is_not_a_plain_web_address_is_refused(url: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        normalise_base_url(url)
    assert says in str(caught.value)


def test_models_are_listed_sorted_with_the_key_as_bearer(endpoint: Listing) -> None:
    assert list_models(endpoint.url, "sk-test", EndpointPolicy()) == ["llama3.2", "qwen3"]
    assert endpoint.seen[-1]["path"] == "/v1/models"
    assert endpoint.seen[-1]["Authorization"] == "Bearer sk-test"
    list_models(endpoint.url + "/", "", EndpointPolicy())
    assert "Authorization" not in endpoint.seen[-1]


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (401, b'{"error": "bad key"}', "refused the API key (HTTP 401)"),
        (404, b"not found", "usually ends in /v1"),
        (500, b"oops", "answered HTTP 500"),
        (200, b"<html>a web page</html>", "OpenAI-compatible model list (not JSON)"),
        (200, b'{"models": []}', "no 'data' list"),
        (200, b'{"data": [{"name": "x"}, 7]}', "lists no models"),
    ],
)
def test_a_broken_endpoint_is_reported_with_what_to_check(
    status: int, body: bytes, says: str
) -> None:
    with serving(Listing(status=status, body=body)) as broken, pytest.raises(ModelError) as caught:
        list_models(broken.url, "", EndpointPolicy())
    assert says in str(caught.value)


def test_an_endpoint_that_is_not_running_is_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ModelError, match="could not connect to .* server is running"):
        list_models(f"http://127.0.0.1:{port}/v1", "", EndpointPolicy())


def test_the_endpoint_describes_itself_without_its_key() -> None:
    endpoint = Endpoint("http://127.0.0.1:11434/v1", "qwen3", "sk-secret")
    assert endpoint.describe() == "qwen3 at 127.0.0.1:11434"
    assert "sk-secret" not in repr(endpoint)


# --- a team instance ------------------------------------------------------------------


def team(make: Callable[..., Settings], **overrides: object) -> EndpointPolicy:
    return EndpointPolicy.for_instance(make(**overrides), team=True)


def test_a_team_instance_refuses_loopback_without_connecting(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    policy = team(settings_factory)
    for url in (endpoint.url, f"http://localhost:{endpoint.port}/v1", "http://10.0.0.8/v1"):
        with pytest.raises(AccessError) as caught:
            list_models(url, "", policy)
        assert str(caught.value) == REFUSED
    assert endpoint.seen == []
    # the machine's own user may name any address
    assert EndpointPolicy.for_instance(settings_factory(), team=False).check(endpoint.url) is None


def test_the_operator_opens_hosts_in_llm_allow_and_their_own_endpoint(
    endpoint: Listing, settings_factory: Callable[..., Settings]
) -> None:
    allowed = team(settings_factory, llm_allow=f"127.0.0.1:{endpoint.port}")
    assert list_models(endpoint.url, "", allowed) == ["llama3.2", "qwen3"]
    own = team(settings_factory, llm_base_url=f"http://127.0.0.1:{endpoint.port}/v1")
    assert list_models(endpoint.url, "", own) == ["llama3.2", "qwen3"]
    other_port = team(settings_factory, llm_allow=f"127.0.0.1:{endpoint.port + 1}")
    with pytest.raises(AccessError):
        list_models(endpoint.url, "", other_port)
    denied = team(settings_factory, llm_allow=f"127.0.0.1:{endpoint.port}", url_deny="127.0.0.0/8")
    with pytest.raises(AccessError):
        list_models(endpoint.url, "", denied)


def test_the_connection_goes_to_the_address_that_was_checked(
    endpoint: Listing,
    settings_factory: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``llm.test`` resolves nowhere but in the policy's one lookup, so an answer proves
    the connection went to the checked address, with the name kept in ``Host``."""
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr("ingest.urlguard.resolve", resolve)
    policy = team(settings_factory, llm_allow=f"llm.test:{endpoint.port}")
    assert list_models(f"http://llm.test:{endpoint.port}/v1", "", policy) == ["llama3.2", "qwen3"]
    assert endpoint.seen[-1]["Host"] == f"llm.test:{endpoint.port}"
    assert lookups == ["llm.test", "llm.test"]  # the plain check, then the connection's
