"""Where inputs come from: expand folders into files, and fetch http(s) URLs.

Fetching streams the body with a size limit and hands it to ``load_bytes``; every
network failure becomes an IngestError that names the URL.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from core.errors import IngestError
from ingest.loaders import LoadResult, load_bytes
from ingest.urlguard import NOT_FETCHED, is_url

USER_AGENT = "rag-chat/0.1 (offline RAG chatbot; python-http.client)"
_CHUNK = 64 * 1024
_CHECK_NETWORK = "check the address or your connection"


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files, folders and URLs in; URLs and absolute file paths out, in order.

    Folders expand recursively in sorted order, skipping hidden files and folders;
    a path that does not exist is passed through for ``load_file`` to report.
    """
    expanded: list[str] = []
    for item in inputs:
        if is_url(item):
            expanded.append(item)
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            expanded.extend(str(file) for file in _walk(path.resolve()))
        elif path.exists():
            expanded.append(str(path.resolve()))
        else:
            expanded.append(item)
    return list(dict.fromkeys(expanded))


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(root, name) for name in names if not name.startswith("."))
    return sorted(files, key=lambda file: file.relative_to(folder).parts)


UrlGuard = Callable[[str], Sequence[str] | None]
"""Raises IngestError for an address that may not be fetched; returns the IP addresses
it checked, the only ones then connected to (None: connect wherever the name resolves)."""

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}


def fetch_url(
    url: str, *, timeout: float, max_bytes: int, guard: UrlGuard | None = None
) -> LoadResult:
    """Download ``url`` and load it; documents get ``source=url`` and the final
    address after redirects as their ``url``. ``timeout`` bounds the whole fetch,
    redirects included.

    ``guard`` checks the address, and every address a redirect leads to, before it is
    connected to, and the connection goes to an address the guard checked. A guarded
    fetch is for someone else than the machine's user: its failures all read the same
    (``NOT_FETCHED``), so they do not tell which hosts and ports answer."""
    if not is_url(url):
        raise IngestError(url, "only http:// and https:// addresses can be fetched")
    deadline = time.monotonic() + timeout
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            addresses = guard(current) if guard is not None else None
            status, location, content_type, data = _get(
                current, url, addresses, (deadline, timeout), max_bytes
            )
            if status in _REDIRECTS and location:
                current = urljoin(current, location)
                if not is_url(current):
                    raise IngestError(current, "only http:// and https:// addresses can be fetched")
                continue
            if status >= 400:
                raise _HttpStatus(status)
            break
        else:
            raise IngestError(url, f"it redirects more than {MAX_REDIRECTS} times")
    except IngestError as e:
        if e.source == url:
            raise
        if e.reason == NOT_FETCHED:  # where a refused redirect led stays unsaid
            raise IngestError(url, NOT_FETCHED) from e
        raise IngestError(url, f"it redirects to {e.source}, which {e.reason}") from e
    except _HttpStatus as e:
        raise IngestError(
            url, f"the server answered HTTP {e.status} {e.reason}; {_CHECK_NETWORK}"
        ) from e
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as e:
        if guard is not None:
            raise IngestError(url, NOT_FETCHED) from e
        if isinstance(e, TimeoutError):
            raise _timed_out(url, timeout) from e
        if isinstance(e, OSError) and not isinstance(e, ssl.SSLError):
            raise IngestError(url, f"the address cannot be reached ({e}); {_CHECK_NETWORK}") from e
        raise IngestError(
            url, f"the download failed ({type(e).__name__}: {e}); {_CHECK_NETWORK}"
        ) from e
    name = unquote(PurePosixPath(urlsplit(current).path).name)
    result = load_bytes(data, url, name=name, content_type=content_type)
    # jsonl records keep their own url; a fetched page is cited by where it was found.
    documents = tuple(
        replace(doc, url=(doc.url if doc.kind == "jsonl" else None) or current)
        for doc in result.documents
    )
    return LoadResult(documents, result.failures)


class _HttpStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
        self.reason = http.client.responses.get(status, "")


def _get(
    url: str,
    source: str,
    addresses: Sequence[str] | None,
    limits: tuple[float, float],
    max_bytes: int,
) -> tuple[int, str | None, str | None, bytes]:
    """One GET: (status, Location, Content-Type, body); the body only when 2xx.
    ``limits`` is (deadline of the whole fetch, timeout of one socket operation)."""
    deadline, timeout = limits
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    remaining = _remaining(deadline)
    connection: http.client.HTTPConnection
    if https:
        connection = _PinnedHTTPS(host, port, addresses, min(timeout, remaining))
    else:
        connection = _PinnedHTTP(host, port, addresses, min(timeout, remaining))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        status = response.status
        if status >= 300:
            return status, response.getheader("Location"), None, b""
        content_type = response.getheader("Content-Type")
        data = _read_limited(response, source, max_bytes, deadline)
        return status, None, content_type, data
    finally:
        connection.close()


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the time limit for the fetch ran out")
    return left


def _connect(
    host: str, port: int, addresses: Sequence[str] | None, timeout: float | None
) -> socket.socket:
    """A socket to the first of ``addresses`` that answers (or to ``host`` as resolved)."""
    if addresses is None:
        return socket.create_connection((host, port), timeout)
    last: OSError = OSError(f"no address to connect to for {host}")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as e:
            last = e
    raise last


class _PinnedHTTP(http.client.HTTPConnection):
    """Sends ``Host: host`` but connects only to the checked ``addresses``."""

    def __init__(
        self, host: str, port: int, addresses: Sequence[str] | None, timeout: float
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.addresses, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked ``addresses``, with SNI and certificate checked for ``host``."""

    def __init__(
        self, host: str, port: int, addresses: Sequence[str] | None, timeout: float
    ) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        raw = _connect(self.host, self.port, self.addresses, self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _read_limited(
    response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float
) -> bytes:
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(url, max_bytes)
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read1(_CHUNK):
        _remaining(deadline)  # a server that trickles the body still stops in time
        total += len(chunk)
        if total > max_bytes:
            raise _too_big(url, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _timed_out(url: str, timeout: float) -> IngestError:
    return IngestError(url, f"no answer within {timeout:g} seconds; {_CHECK_NETWORK}")


def _too_big(url: str, max_bytes: int) -> IngestError:
    return IngestError(
        url,
        f"the download is larger than the limit of {max_bytes / (1024 * 1024):.1f} MiB; "
        "raise RAG_MAX_FILE_MB or download and split the file",
    )
