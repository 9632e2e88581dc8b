"""Parse one PDF or .docx in a child process that can be killed: a hard time budget,
an address-space cap, and memory that returns to the system when the child exits.

The child comes from a ``forkserver`` (a clean process started once, which imports
the loaders), never from a fork of the threaded app.
"""

from __future__ import annotations

import multiprocessing
import resource
from dataclasses import fields as dataclass_fields
from multiprocessing.connection import Connection
from types import MappingProxyType
from typing import Any

from core.errors import IngestError
from core.settings import IngestOptions
from ingest.model import SourceDocument

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["ingest.loaders"])


def parse_in_worker(kind: str, data: bytes, source: str, options: IngestOptions) -> SourceDocument:
    """``loaders.parse_document`` in a fresh child; an IngestError names ``source``
    when the child fails, runs out of memory or takes longer than the budget."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, kind, data, source, options), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(options.parse_timeout):
            raise IngestError(
                source,
                f"took longer than {options.parse_timeout:g} s to parse; the file may be "
                "built to be slow (a PDF or zip bomb?): re-save it or raise RAG_PARSE_TIMEOUT",
            )
        try:
            status, payload = receiver.recv()
        except EOFError as e:
            child.join()
            raise IngestError(
                source,
                f"the parser stopped (exit code {child.exitcode}) without a result; the "
                "file may need more memory than RAG_PARSE_MEMORY_MB "
                f"({options.parse_memory_bytes // 2**20} MiB) or be damaged",
            ) from e
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if status == "error":
        raise IngestError(source, payload)
    payload["extra"] = MappingProxyType(payload["extra"])
    payload["page_starts"] = tuple(payload["page_starts"])
    return SourceDocument(**payload)


def _child(sender: Connection, kind: str, data: bytes, source: str, options: IngestOptions) -> None:
    from ingest.loaders import parse_document

    limit = options.parse_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result: tuple[str, Any]
    try:
        document = parse_document(kind, data, source, options)
        fields = {f.name: getattr(document, f.name) for f in dataclass_fields(document)}
        fields["extra"] = dict(document.extra)  # a mappingproxy does not pickle
        result = ("ok", fields)
    except IngestError as e:
        result = ("error", e.reason)
    except MemoryError:
        result = (
            "error",
            f"parsing needs more than {limit // 2**20} MiB of memory (a zip bomb?); "
            "re-save the file or raise RAG_PARSE_MEMORY_MB",
        )
    sender.send(result)
    sender.close()
