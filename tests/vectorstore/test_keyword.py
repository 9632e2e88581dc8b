"""BM25 keyword index: ranking, stemming, filters, the cache file, and keeping in step
with the store (also when another store object, like another process, writes)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex
from vectorstore.records import STATE_COMPLETE, STATE_PENDING, DocumentRecord, Passage


class FakeSource:
    """An in-memory PassageSource whose revision changes on every write."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[DocumentRecord, list[Passage]]] = {}
        self.writes = 0
        self.passage_reads = 0

    def put(self, record: DocumentRecord, passages: list[Passage]) -> None:
        self.docs[record.doc_id] = (record, passages)
        self.writes += 1

    def remove(self, doc_id: str) -> None:
        del self.docs[doc_id]
        self.writes += 1

    def revision(self) -> str:
        return f"rev{self.writes}" if self.writes else ""

    def list_documents(self, *, complete_only: bool = True) -> list[DocumentRecord]:
        return [r for r, _ in self.docs.values() if r.state == STATE_COMPLETE or not complete_only]

    def passages_for(self, doc_ids: Sequence[str]) -> list[Passage]:
        self.passage_reads += 1
        return [p for d in doc_ids if d in self.docs for p in self.docs[d][1]]


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def add(source: FakeSource, make_doc):
    """``add(doc_id, text, **kw)``: put a one-passage document (no title words)."""

    def put(doc_id: str, text: str, **kwargs) -> None:
        source.put(*make_doc(doc_id, text, title="", size=10_000, **kwargs))

    return put


def _ranked(index: KeywordIndex, query: str, k: int = 10, **kwargs) -> list[str]:
    return [doc for _pid, doc, _score in index.search(query, k, **kwargs)]


def test_more_occurrences_of_a_term_rank_higher(source, add) -> None:
    add("once", "falcon river stone cloud meadow")
    add("thrice", "falcon falcon falcon river stone")
    add("none", "river stone cloud meadow lantern")
    index = KeywordIndex()
    index.sync(source)

    assert _ranked(index, "falcon") == ["thrice", "once"]


def test_rare_terms_outweigh_common_ones(source, add) -> None:
    add("common", "harbour harbour crane ship dock")
    add("rare", "harbour quasar ship dock crane")
    for i in range(4):
        add(f"filler{i}", f"harbour crane ship dock filler{i}")
    index = KeywordIndex()
    index.sync(source)

    results = index.search("harbour quasar", 10)

    assert results[0][1] == "rare"
    assert results[0][2] > 2 * results[1][2]


def test_longer_passages_are_normalised_down_unless_b_is_zero(source, add) -> None:
    add("short", "glacier melt")
    add("long", "glacier " + " ".join(f"word{i}" for i in range(40)))
    add("other", "nothing relevant here at all")
    normalised, flat = KeywordIndex(b=0.75), KeywordIndex(b=0.0)
    normalised.sync(source)
    flat.sync(source)

    scores = {doc: score for _pid, doc, score in normalised.search("glacier", 10)}
    flat_scores = {doc: score for _pid, doc, score in flat.search("glacier", 10)}

    assert scores["short"] > scores["long"]
    assert flat_scores["short"] == pytest.approx(flat_scores["long"])


def test_stemming_matches_other_forms_of_a_word(source, add) -> None:
    add("running", "She was running along the canal every morning")
    add("walks", "He walks to the office")
    index = KeywordIndex()
    index.sync(source)

    assert _ranked(index, "runs") == ["running"]
    assert _ranked(index, "Run") == ["running"]
    assert _ranked(index, "walking") == ["walks"]


def test_title_words_are_searchable(source, make_doc) -> None:
    source.put(*make_doc("doc", "body text without the word", title="Albatross sighting"))
    index = KeywordIndex()
    index.sync(source)

    assert _ranked(index, "albatross") == ["doc"]


def test_doc_ids_filter_keeps_only_those_documents(source, add) -> None:
    add("best", "volcano volcano volcano ash")
    add("second", "volcano ash cloud")
    add("third", "volcano eruption")
    index = KeywordIndex()
    index.sync(source)

    assert set(_ranked(index, "volcano", doc_ids={"second", "third"})) == {"second", "third"}
    assert _ranked(index, "volcano", doc_ids=set()) == []
    assert _ranked(index, "volcano", k=1) == ["best"]


@pytest.mark.parametrize("query", ["", "   ", "the of and", "zyzzyva"])
def test_queries_without_known_terms_find_nothing(source, add, query) -> None:
    add("doc", "the quick brown fox")
    index = KeywordIndex()
    index.sync(source)

    assert index.search(query, 5) == []


def test_pending_documents_and_other_versions_are_not_indexed(source, make_doc) -> None:
    source.put(*make_doc("pending", "pelican pelican", state=STATE_PENDING))
    record, passages = make_doc("mixed", "pelican in current version", version="v2")
    old = make_doc("mixed", "pelican from the old version", version="v1")[1]
    source.put(record, passages + old)
    index = KeywordIndex()
    index.sync(source)

    assert [pid for pid, _doc, _score in index.search("pelican", 10)] == [passages[0].id]
    assert len(index) == len(passages)


def test_sync_adds_changes_and_removes_documents(source, add) -> None:
    add("a", "walrus on the ice")
    add("b", "penguin colony")
    index = KeywordIndex()
    assert index.sync(source) is True
    assert index.sync(source) is False

    add("a", "narwhal in the fjord", version="v2")
    source.remove("b")
    add("c", "penguin parade")

    assert index.sync(source) is True
    assert _ranked(index, "walrus") == []
    assert _ranked(index, "narwhal") == ["a"]
    assert _ranked(index, "penguin") == ["c"]


def _built(source: FakeSource, add, path: Path) -> KeywordIndex:
    add("a", "copper mining in the north")
    add("b", "copper wire and silver coins")
    add("c", "silver lining of clouds")
    index = KeywordIndex(path)
    index.sync(source)
    return index


def test_cache_file_round_trip(source, add, tmp_path) -> None:
    built = _built(source, add, tmp_path / "kw.bin")

    loaded = KeywordIndex(tmp_path / "kw.bin")
    reads = source.passage_reads

    assert loaded.load() is True
    assert loaded.revision == built.revision == source.revision()
    assert len(loaded) == len(built) == 3
    for query in ("copper", "silver coins", "north clouds"):
        assert loaded.search(query, 5) == built.search(query, 5)
    assert loaded.sync(source) is False
    assert source.passage_reads == reads


@pytest.mark.parametrize("damage", ["flip a byte", "flip a digest byte", "truncate", "empty"])
def test_a_damaged_cache_file_is_detected_logged_and_rebuilt(
    source, add, tmp_path, caplog, damage
) -> None:
    path = tmp_path / "kw.bin"
    built = _built(source, add, path)
    blob = bytearray(path.read_bytes())
    if damage == "flip a byte":
        blob[len(blob) // 2] ^= 0x40
    elif damage == "flip a digest byte":
        blob[3] ^= 0x01
    elif damage == "truncate":
        del blob[len(blob) // 2 :]
    else:
        blob.clear()
    path.write_bytes(bytes(blob))

    index = KeywordIndex(path)
    with caplog.at_level(logging.WARNING, logger="vectorstore.keyword"):
        assert index.sync(source) is True

    assert any(str(path) in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert index.search("copper", 5) == built.search("copper", 5)
    assert KeywordIndex(path).load() is True


def test_a_cache_written_with_other_bm25_parameters_is_discarded(
    source, add, tmp_path, caplog
) -> None:
    path = tmp_path / "kw.bin"
    _built(source, add, path)

    other = KeywordIndex(path, k1=2.0, b=0.5)
    with caplog.at_level(logging.WARNING, logger="vectorstore.keyword"):
        assert other.load() is False
    assert "BM25 parameters" in caplog.text
    assert len(other) == 0

    assert other.sync(source) is True
    assert len(other) == 3
    assert KeywordIndex(path, k1=2.0, b=0.5).load() is True
    assert KeywordIndex(path).load() is False


def test_clear_then_sync_rebuilds_from_the_store_not_the_cache_file(source, add, tmp_path) -> None:
    path = tmp_path / "kw.bin"
    _built(source, add, path)
    # A write that did not bump the revision leaves the cache wrong; clearing
    # (what `rag reindex` does) must rebuild from the store.
    del source.docs["b"]

    index = KeywordIndex(path)
    index.clear()
    index.sync(source)

    assert len(index) == 2
    assert _ranked(index, "copper") == ["a"]


def test_writes_through_another_store_object_are_seen_at_the_next_sync(
    store, write_doc, tmp_path
) -> None:
    write_doc(store, "alpha", "the walrus sleeps on the ice floe")
    write_doc(store, "gamma", "a gannet dives for fish")
    index = KeywordIndex(tmp_path / "kw.bin")
    index.sync(store)
    assert _ranked(index, "walrus") == ["alpha"]
    assert _ranked(index, "gannet") == ["gamma"]

    other = ChromaStore(store.location)
    write_doc(other, "beta", "a zeppelin drifts over the city")
    write_doc(other, "alpha", "the narwhal hunts under the ice", version="v2")
    other.delete_documents(["gamma"])
    other.bump_revision()

    assert index.sync(store) is True
    assert index.revision == store.revision() == other.revision()
    assert _ranked(index, "zeppelin") == ["beta"]
    assert _ranked(index, "walrus") == []
    assert _ranked(index, "narwhal") == ["alpha"]
    assert _ranked(index, "gannet") == []
    assert index.sync(store) is False


def test_an_unwritable_cache_is_logged_and_the_index_still_serves(
    source, add, tmp_path, caplog
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    add("d1", "Copper prices rose.")
    index = KeywordIndex(blocker / "cache" / "kw.bin")

    with caplog.at_level(logging.WARNING, logger="vectorstore.keyword"):
        assert index.sync(source) is True

    assert "cannot write the keyword cache" in caplog.text
    assert "RAG_HOME is writable" in caplog.text
    assert _ranked(index, "copper") == ["d1"]
