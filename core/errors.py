"""The project's error hierarchy; every message names the culprit and the next step.

    RagError
    ├── UsageError     a bad argument or setting (CLI exit code 2)
    ├── IngestError    one input could not be loaded (file, URL, record)
    ├── StoreError     Chroma or the keyword cache failed or is unreachable
    ├── ModelError     an embedding model or answer backend could not be used
    ├── AnswerError    a question could not be answered (backend failure)
    └── AccessError    the user may not read or write that collection

Only the edges (CLI, UI) turn these into exit codes or user-facing messages.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error this project raises on purpose."""


class UsageError(RagError):
    """A bad argument, setting or combination of them."""


class IngestError(RagError):
    """One input (a file, a URL or a record) could not be ingested.

    ``source`` names the input; ``reason`` says what was wrong and what to do.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class StoreError(RagError):
    """The vector store or the keyword cache could not be read or written."""


class ModelError(RagError):
    """A model could not be loaded or used."""


class AnswerError(RagError):
    """An answer backend failed."""


class AccessError(RagError):
    """The user may not read or write a collection (or a document in one)."""
