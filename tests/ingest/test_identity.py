"""Fingerprints: what changes them, and that stored ones stay valid."""

from __future__ import annotations

import hashlib
import json

from ingest.identity import content_hash, fingerprint
from ingest.model import SourceDocument

RECIPE: dict[str, object] = {"chunk_size": 1000, "chunk_overlap": 150, "title_in_embedding": True}


def _doc() -> SourceDocument:
    return SourceDocument(source="/notes/tides.txt", text="Tides.", title="Tides", kind="txt")


def test_the_embedding_model_is_part_of_the_fingerprint() -> None:
    doc = _doc()
    text_hash = content_hash(doc.text)

    one = fingerprint(doc, text_hash, RECIPE, "all-MiniLM-L6-v2")

    assert fingerprint(doc, text_hash, RECIPE, "all-MiniLM-L6-v2") == one
    assert fingerprint(doc, text_hash, RECIPE, "bge-small-en-v1.5") != one


def test_fingerprints_of_the_packaged_model_match_the_ones_already_stored() -> None:
    # Before the model was an argument the recipe named it; a store built then must
    # not be re-embedded.
    doc = _doc()
    text_hash = content_hash(doc.text)
    old_payload = {
        "text": text_hash,
        "title": doc.title,
        "kind": doc.kind,
        "url": doc.url,
        "author": doc.author,
        "date": doc.date,
        "pages": list(doc.page_starts),
        "extra": {},
        "recipe": {**RECIPE, "model": "all-MiniLM-L6-v2"},
    }
    raw = json.dumps(old_payload, sort_keys=True, ensure_ascii=False).encode("utf-8")

    expected = hashlib.sha256(raw).hexdigest()[:24]
    assert fingerprint(doc, text_hash, RECIPE, "all-MiniLM-L6-v2") == expected
