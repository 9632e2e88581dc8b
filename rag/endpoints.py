"""OpenAI-compatible endpoints picked in the chat window: the address, model and key one
user chose, the check a team instance applies to the address, connections pinned to the
checked addresses, and the endpoint's model list (``GET {base_url}/models``).

On the machine's own instance (no logins) any http(s) address is its user's own choice:
Ollama or llama.cpp on localhost is the usual one. On a team instance the server
connects on its users' behalf, so an address passes only if its host is public and the
port standard (``https://api.example.com/v1``), or if the operator lists it in
``RAG_LLM_ALLOW`` (the host of ``RAG_LLM_BASE_URL`` is always allowed). As with fetched
pages, the host is resolved once per request and the connection goes to an address
that was checked, so a DNS answer that changes in between cannot reach the local
network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from core.errors import AccessError, IngestError, ModelError, UsageError
from core.settings import Settings
from ingest.urlguard import UrlPolicy, parse_rules

MAX_URL_CHARS = 2048
MAX_KEY_CHARS = 1024
MAX_MODEL_CHARS = 256
MAX_MODELS = 1000
MAX_LIST_BYTES = 2 * 1024 * 1024
LIST_TIMEOUT = 10.0

REFUSED = (
    "this instance connects only to LLM endpoints on public hosts at the standard ports "
    "(e.g. https://api.example.com/v1) and to those its operator lists in RAG_LLM_ALLOW; "
    "ask the operator to add yours"
)


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible endpoint and the model to ask there."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)

    @property
    def host(self) -> str:
        parts = urlsplit(self.base_url)
        return parts.netloc.rpartition("@")[2]

    def describe(self) -> str:
        """What the window shows under an answer: ``model at host``."""
        return f"{self.model} at {self.host}"


def normalise_base_url(url: str) -> str:
    """The base URL without surrounding blanks or a trailing slash; UsageError unless it
    is a plain http(s) address."""
    text = url.strip().rstrip("/")
    example = "e.g. http://127.0.0.1:11434/v1"
    if not text:
        raise UsageError(f"enter the endpoint's base URL, {example}")
    if len(text) > MAX_URL_CHARS:
        raise UsageError(f"the base URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(text)
        _port = parts.port
    except ValueError as e:
        raise UsageError(f"the base URL is malformed ({e}); {example}") from e
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the base URL must start with http:// or https://, {example}")
    if parts.username or parts.password:
        raise UsageError("put the key in the API key field, not in the base URL")
    if parts.query or parts.fragment:
        raise UsageError(f"the base URL takes no ?query or #fragment, {example}")
    return text


def check_model(model: str) -> str:
    name = model.strip()
    if not name:
        raise UsageError("pick a model: press Test connection to list the endpoint's models")
    if len(name) > MAX_MODEL_CHARS or any(not c.isprintable() for c in name):
        raise UsageError("the model name is not one an endpoint lists")
    return name


def check_key(key: str) -> str:
    text = key.strip()
    if len(text) > MAX_KEY_CHARS or any(not c.isprintable() or c.isspace() for c in text):
        raise UsageError("the API key holds spaces or control characters; paste it again")
    return text


@dataclass(frozen=True)
class EndpointPolicy:
    """Which endpoint addresses the server may connect to for its users; ``urls`` None:
    any (the machine's own user chose it)."""

    urls: UrlPolicy | None = None

    @classmethod
    def for_instance(cls, settings: Settings, team: bool) -> EndpointPolicy:
        if not team:
            return cls()
        allow = parse_rules(settings.llm_allow, "RAG_LLM_ALLOW")
        if settings.llm_base_url:  # the operator's own endpoint
            netloc = urlsplit(settings.llm_base_url).netloc.rpartition("@")[2]
            allow += parse_rules(netloc, "RAG_LLM_BASE_URL")
        deny = parse_rules(settings.url_deny, "RAG_URL_DENY")
        return cls(UrlPolicy(allow, deny))

    def check(self, url: str) -> tuple[str, ...] | None:
        """The addresses ``url`` may be connected at (None: any); AccessError if none."""
        if self.urls is None:
            return None
        try:
            return self.urls.check(url)
        except IngestError as e:
            raise AccessError(REFUSED) from e

    def client(self, timeout: float) -> httpx.Client | None:
        """An HTTP client that connects only where this policy allows (None: the
        default client will do)."""
        if self.urls is None:
            return None
        return httpx.Client(transport=PinnedTransport(self), timeout=timeout)


class PinnedTransport(httpx.BaseTransport):
    """Checks every request's address (redirects included, as each is a new request)
    and connects to an address the check returned, keeping the host name for the
    ``Host`` header and for TLS (SNI and the certificate check)."""

    def __init__(self, policy: EndpointPolicy) -> None:
        self.policy = policy
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        addresses = self.policy.check(str(request.url))
        if addresses:
            host = request.url.host
            request.url = request.url.copy_with(host=addresses[0])
            if request.url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def list_models(
    base_url: str, api_key: str, policy: EndpointPolicy, timeout: float = LIST_TIMEOUT
) -> list[str]:
    """The model names the endpoint at ``base_url`` lists, sorted; ModelError saying
    what went wrong (no answer, refused key, no model list) otherwise."""
    url = normalise_base_url(base_url) + "/models"
    policy.check(url)  # a refused address is said plainly, before connecting
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = policy.client(timeout) or httpx.Client(timeout=timeout)
    try:
        with client, client.stream("GET", url, headers=headers) as response:
            body = _read_limited(response)
            status = response.status_code
    except httpx.TimeoutException as e:
        raise ModelError(f"{base_url} did not answer within {timeout:g} s") from e
    except httpx.HTTPError as e:
        raise ModelError(
            f"could not connect to {base_url} ({type(e).__name__}); check the address and "
            "that the server is running"
        ) from e
    if status in (401, 403):
        raise ModelError(f"{base_url} refused the API key (HTTP {status}); check the key")
    if status == 404:
        raise ModelError(
            f"{url} has no model list (HTTP 404); an OpenAI-compatible base URL usually ends in /v1"
        )
    if status >= 400:
        raise ModelError(f"{url} answered HTTP {status}")
    return _model_ids(body, url)


def _read_limited(response: httpx.Response) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_LIST_BYTES:
            raise ModelError(f"{response.url} sent more than {MAX_LIST_BYTES:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _model_ids(body: bytes, url: str) -> list[str]:
    not_a_list = f"{url} did not send an OpenAI-compatible model list"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{not_a_list} (not JSON)") from e
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ModelError(f"{not_a_list} (no 'data' list)")
    names = {
        item["id"]
        for item in items[:MAX_MODELS]
        if isinstance(item, dict)
        and isinstance(item.get("id"), str)
        and 0 < len(item["id"]) <= MAX_MODEL_CHARS
        and item["id"].isprintable()
    }
    if not names:
        raise ModelError(f"{url} lists no models")
    return sorted(names)
