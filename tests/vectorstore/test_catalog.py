"""The document list is read from the store once per revision, not once per use."""

from __future__ import annotations

import pytest

from vectorstore.catalog import DocumentCatalog


def test_listing_follows_the_revision(store, write_doc, monkeypatch: pytest.MonkeyPatch) -> None:
    write_doc(store, "a", "alpha text " * 10)
    listings = []
    real = store.list_documents

    def counted(**kwargs):
        listings.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(store, "list_documents", counted)
    catalog = DocumentCatalog(store)

    assert [r.doc_id for r in catalog.records()] == ["a"]
    assert [r.doc_id for r in catalog.records()] == ["a"]
    assert len(listings) == 1

    write_doc(store, "b", "beta text " * 10)  # bumps the revision
    assert sorted(r.doc_id for r in catalog.records()) == ["a", "b"]
    store.delete_documents(["a"])
    assert [r.doc_id for r in catalog.records()] == ["b"]
    assert len(listings) == 3
