"""Where inputs come from: expand folders into files, and fetch http(s) URLs.

Fetching streams the body with a size limit and hands it to ``load_bytes``; every
network failure becomes an IngestError that names the URL.
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from core.errors import IngestError
from ingest.loaders import LoadResult, load_bytes

USER_AGENT = "rag-chat/0.1 (offline RAG chatbot; python-urllib)"
_CHUNK = 64 * 1024
_CHECK_NETWORK = "check the address or your connection"


def is_url(item: str) -> bool:
    """True for http:// and https:// addresses."""
    return item.lower().startswith(("http://", "https://"))


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


UrlGuard = Callable[[str], None]
"""Raises IngestError for an address that may not be fetched."""


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Checks every redirect target with the guard before following it."""

    def __init__(self, guard: UrlGuard) -> None:
        self.guard = guard

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        self.guard(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(
    url: str, *, timeout: float, max_bytes: int, guard: UrlGuard | None = None
) -> LoadResult:
    """Download ``url`` and load it; documents get ``source=url`` and the final
    address after redirects as their ``url``. ``guard`` checks the address, and every
    address a redirect leads to, before it is connected to."""
    if not is_url(url):
        raise IngestError(url, "only http:// and https:// addresses can be fetched")
    if guard is not None:
        guard(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    opener = urllib.request.build_opener(*([_GuardedRedirects(guard)] if guard else []))
    try:
        with opener.open(request, timeout=timeout) as response:
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type")
            data = _read_limited(response, url, max_bytes)
    except IngestError as e:  # the guard refused a redirect target
        raise IngestError(url, f"it redirects to {e.source}, which {e.reason}") from e
    except urllib.error.HTTPError as e:
        e.close()  # an HTTPError holds the open response; release its socket
        raise IngestError(
            url, f"the server answered HTTP {e.code} {e.reason}; {_CHECK_NETWORK}"
        ) from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise _timed_out(url, timeout) from e
        raise IngestError(
            url, f"the address cannot be reached ({e.reason}); {_CHECK_NETWORK}"
        ) from e
    except TimeoutError as e:
        raise _timed_out(url, timeout) from e
    except (http.client.HTTPException, OSError, ValueError) as e:
        raise IngestError(
            url, f"the download failed ({type(e).__name__}: {e}); {_CHECK_NETWORK}"
        ) from e
    name = unquote(PurePosixPath(urlsplit(final_url).path).name)
    result = load_bytes(data, url, name=name, content_type=content_type)
    # jsonl records keep their own url; a fetched page is cited by where it was found.
    documents = tuple(
        replace(doc, url=(doc.url if doc.kind == "jsonl" else None) or final_url)
        for doc in result.documents
    )
    return LoadResult(documents, result.failures)


def _read_limited(response: http.client.HTTPResponse, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(url, max_bytes)
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read(_CHUNK):
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
