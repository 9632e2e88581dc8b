"""The installed ``rag`` command, run as a subprocess: JSON shapes and exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import Settings
from ingest.pipeline import Ingestor
from rag.cli import app
from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex

pytestmark = pytest.mark.slow

MOORE = "mi6-moore-prague.md"
REPORT_KEYS = {"added", "updated", "unchanged", "duplicates", "failed"}
DOC_KEYS = {"doc_id", "source", "title", "chunks"}
RESULT_KEYS = {"doc_id", "source", "title", "text", "start", "end", "score"}


def _json(result: subprocess.CompletedProcess[str]):
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(
            f"no JSON (exit {result.returncode}):\n{result.stdout}\nstderr:\n{result.stderr}"
        ) from e


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, run_rag, sample_corpus, embedder):
    """A RAG_HOME holding the sample corpus, and what ``rag ingest --json`` printed.

    The corpus is first ingested in-process with the session's model, so that the
    ``rag ingest`` run finds every document unchanged and loads no model of its own:
    the CLI must agree with the library on ids and fingerprints. (Adding through the
    CLI is covered by test_urls and test_crash_recovery.)
    """
    home = tmp_path_factory.mktemp("cli") / "home"
    settings = Settings(home=home)
    report = Ingestor(settings.ingest, ChromaStore(settings.store), embedder).ingest(
        [str(sample_corpus)]
    )
    assert report.ok and len(report.added) == 8
    return home, report, run_rag(["ingest", str(sample_corpus), "--json"], home)


def test_ingest_json_has_the_documented_shape(ingested, sample_corpus) -> None:
    _home, first, result = ingested

    assert result.returncode == 0, result.stderr
    report = _json(result)
    assert set(report) == REPORT_KEYS
    assert report["unchanged"] == [d.to_json() for d in first.added]
    assert not (report["added"] or report["updated"] or report["duplicates"])
    assert report["failed"] == []
    for doc in report["unchanged"]:
        assert set(doc) == DOC_KEYS
        assert Path(doc["source"]).parent == sample_corpus
        assert doc["title"] and doc["chunks"] > 0


def test_docs_list_json_lists_the_ingested_documents(ingested, run_rag) -> None:
    home, first, _ = ingested

    result = run_rag(["docs", "list", "--json"], home)

    assert result.returncode == 0, result.stderr
    listed = _json(result)
    added = {d.doc_id: d.to_json() for d in first.added}
    assert {d["doc_id"] for d in listed} == set(added)
    for doc in listed:
        assert {k: doc[k] for k in DOC_KEYS} == added[doc["doc_id"]]
    (moore,) = [d for d in listed if d["source"].endswith(MOORE)]
    assert moore["date"] == "2023-07-19"
    assert moore["url"] == "https://example.com/world/2023/07/19/mi6-chief-moore-prague"


def test_search_json_ranks_the_moore_article_first(ingested, run_rag) -> None:
    home, _, _ = ingested

    result = run_rag(["search", "What did Moore say about AI?", "-k", "3", "--json"], home)

    assert result.returncode == 0, result.stderr
    out = _json(result)
    assert out["query"] == "What did Moore say about AI?"
    results = out["results"]
    assert 1 <= len(results) <= 3
    for r in results:
        assert set(r) == RESULT_KEYS
        assert 0 <= r["start"] < r["end"] and r["end"] - r["start"] == len(r["text"])
    assert results[0]["source"].endswith(MOORE)
    assert "AI" in results[0]["text"] or "artificial intelligence" in results[0]["text"]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_search_returns_rag_top_k_passages_without_k(ingested, run_rag) -> None:
    home, _, _ = ingested

    result = run_rag(["search", "Moore", "--per-doc", "0", "--json"], home, RAG_TOP_K="2")

    assert result.returncode == 0, result.stderr
    assert len(_json(result)["results"]) == 2


def test_search_queries_file_prints_one_line_per_query(ingested, run_rag, tmp_path) -> None:
    home, _, _ = ingested
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"id": "moore", "text": "What did Moore say about AI?"})
        + "\n\n"
        + json.dumps({"id": 7, "text": "olive oil harvest drought"})
        + "\n",
        encoding="utf-8",
    )

    result = run_rag(["search", "--queries", str(queries), "-k", "2", "--json"], home)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["moore", 7]
    for line in lines:
        assert set(line) == {"id", "results"}
        assert 1 <= len(line["results"]) <= 2
    assert lines[0]["results"][0]["source"].endswith(MOORE)
    assert lines[1]["results"][0]["source"].endswith("spain-olive-drought.html")


def test_ask_questions_file_takes_history_and_gives_spans(ingested, run_rag, tmp_path) -> None:
    home, _, _ = ingested
    first = "What did Moore say about AI?"
    lines = [
        {"id": "ai", "text": first},
        {
            "id": "where",
            "text": "Where did he say it?",
            "history": [
                {"role": "user", "content": first},
                {"role": "assistant", "content": "Moore said MI6 pairs AI with bulk data. [1]"},
            ],
        },
        {"id": "penalty", "text": "What is the penalty for spying in Russia?"},
    ]
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")

    result = run_rag(["ask", "--questions", str(questions), "--json"], home)

    assert result.returncode == 0, result.stderr
    out = {a["id"]: a for a in map(json.loads, result.stdout.splitlines())}
    assert out["ai"]["standalone_question"] == first
    assert out["ai"]["answer_span"] is None
    where = out["where"]
    assert where["question"] == "Where did he say it?"
    assert "Moore" in where["standalone_question"] and "AI" in where["standalone_question"]
    assert not where["abstained"] and "Prague" in where["answer"]
    span = where["answer_span"]
    assert span is not None and span["text"] == "Prague", where["answer"]
    cited = next(c for c in where["citations"] if c["n"] == span["n"])
    assert cited["quote_start"] <= span["start"] < span["end"] <= cited["quote_end"]
    # offsets are into the parsed document, whose text the cited passage holds
    at = span["start"] - cited["start"]
    assert cited["text"][at : at + len(span["text"])] == span["text"]
    # "what is the penalty" asks for a description: the sentence that states it leads
    assert out["penalty"]["answer"].startswith("Spying is punishable by a 20-year sentence")
    assert 0.0 <= where["confidence"] <= 1.0


def test_ask_json_for_one_question_has_the_shape_of_a_questions_line(
    ingested, run_rag, tmp_path
) -> None:
    home, _, _ = ingested
    question = "What did Moore say about AI?"
    questions = tmp_path / "one.jsonl"
    questions.write_text(json.dumps({"id": "q1", "text": question}) + "\n", encoding="utf-8")

    single = run_rag(["ask", question, "--json"], home)
    batch = run_rag(["ask", "--questions", str(questions), "--json"], home)

    assert single.returncode == 0, single.stderr
    assert batch.returncode == 0, batch.stderr
    one, line = _json(single), _json(batch)
    assert one["id"] is None and line["id"] == "q1"
    assert list(one) == list(line)


def test_ask_history_with_a_bad_role_is_a_usage_error(ingested, run_rag, tmp_path) -> None:
    home, _, _ = ingested
    questions = tmp_path / "bad.jsonl"
    line = {"id": 1, "text": "And why?", "history": [{"role": "robot", "content": "hi"}]}
    questions.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = run_rag(["ask", "--questions", str(questions), "--json"], home)
    assert result.returncode == 2
    assert "bad.jsonl:1" in result.stderr and "robot" in result.stderr


def test_reindex_rebuilds_the_keyword_index_from_chroma(ingested, run_rag) -> None:
    home, first, _ = ingested
    passages = sum(d.chunks for d in first.added)

    first = run_rag(["reindex"], home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"keyword index rebuilt: {passages} passages"

    # Empty the cache file but keep it valid and at the current revision: only a
    # real rebuild from Chroma brings the passages back.
    (cache,) = (home / "cache").glob("keyword-*.bin")
    index = KeywordIndex(cache)
    assert index.load() and len(index) == passages
    for doc_id in list(index._docs):
        index.remove_document(doc_id)
    index.save()

    second = run_rag(["reindex"], home)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == f"keyword index rebuilt: {passages} passages"


def test_docs_remove_of_an_unknown_id_exits_1_with_a_message(ingested, run_rag) -> None:
    home, _, _ = ingested

    result = run_rag(["docs", "remove", "no-such-doc"], home)

    assert result.returncode == 1
    assert "no-such-doc" in result.stderr and "rag docs list" in result.stderr


def test_a_failed_input_makes_ingest_exit_1(run_rag, tmp_path) -> None:
    missing = tmp_path / "nowhere.txt"

    result = run_rag(["ingest", str(missing), "--json"], tmp_path / "home")

    assert result.returncode == 1
    report = _json(result)
    assert report["added"] == []
    assert [f["source"] for f in report["failed"]] == [str(missing)]
    assert set(report["failed"][0]) == {"source", "error"}


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["ingest", "--bogus"], {}, "--bogus"),
        (["search", "--json"], {}, "QUERY"),
        (["docs", "list"], {"RAG_CHUNK_SIZE": "5"}, "RAG_CHUNK_SIZE"),
        (["docs", "list"], {"RAG_CHROMA_URL": "localhost:8000"}, "RAG_CHROMA_URL"),
        (["search", "x", "--since", "yesterday"], {}, "'yesterday' is not a date"),
        (["ask", "x", "--until", "2023-02-30"], {}, "'2023-02-30' is not a date"),
    ],
    ids=[
        "unknown-option",
        "search-without-query",
        "chunk-size-too-small",
        "bad-chroma-url",
        "since-not-a-date",
        "until-not-a-day",
    ],
)
def test_usage_errors_and_invalid_settings_exit_2(run_rag, tmp_path, args, env, expected) -> None:
    result = run_rag(args, tmp_path / "home", **env)

    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"]], ids=["rag", "ask"])
def test_help_shows_the_citation_marker(args: list[str]) -> None:
    # wide enough that rich does not wrap the line (its width follows the terminal)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "citing each claim as [n]." in result.output


def test_help_exits_0(run_rag, tmp_path) -> None:
    result = run_rag(["--help"], tmp_path / "home")

    assert result.returncode == 0, result.stderr
    for command in ("ingest", "search", "docs", "reindex"):
        assert command in result.stdout
