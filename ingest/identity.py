"""Deterministic identities: document ids, content hashes, fingerprints, passage ids."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePath

from ingest.model import SourceDocument
from vectorstore.records import DEFAULT_COLLECTION

_SLUG = re.compile(r"[^a-z0-9]+")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def doc_id_for(
    doc: SourceDocument, collection: str = DEFAULT_COLLECTION, key: str | None = None
) -> str:
    """The record id a jsonl line gave, else a readable slug plus a hash of ``key`` (by
    default the source). Outside the default collection the id starts with the
    collection's name and a ``/``, so that no id chosen in one collection (a jsonl
    record's, a file's) can name a document of another."""
    if doc.doc_id:
        base = doc.doc_id
    else:
        name = doc.source.rstrip("/")
        stem = PurePath(name.split("?")[0]).stem or "document"
        slug = _SLUG.sub("-", stem.lower()).strip("-")[:40] or "document"
        identity = key or doc.source
        digest = hashlib.sha1(identity.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        base = f"{slug}-{digest}"
    return base if collection == DEFAULT_COLLECTION else f"{collection}/{base}"


def fingerprint(doc: SourceDocument, text_hash: str, recipe: dict[str, object], model: str) -> str:
    """Changes whenever the text, the metadata, the chunking recipe or the embedding
    model change."""
    extra = dict(sorted(doc.extra.items()))
    date = doc.date
    if extra.get("date_source") == "file":
        # a file's own date changes when it is copied (every upload is a copy): it
        # must not make an unchanged document look changed
        date = None
        del extra["date_source"]
    payload = {
        "text": text_hash,
        "title": doc.title,
        "kind": doc.kind,
        "url": doc.url,
        "author": doc.author,
        "date": date,
        "pages": list(doc.page_starts),
        "extra": extra,
        # the model inside the recipe, where it always was: stored fingerprints still match
        "recipe": {**recipe, "model": model},
    }
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def passage_id(doc_id: str, version: str, index: int) -> str:
    return f"{doc_id}:{version[:12]}:{index:05d}"
