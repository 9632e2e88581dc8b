"""How cost grows with the corpus: Reuters-21578, BBC News and RealTimeQA 2025 in
Chroma server mode.

The three sets are shuffled together (fixed seed) and ingested in stages. At each
checkpoint (about 1k, 10k, 30k, 60k passages, then everything) the benchmark
measures, in the serving process:

- ingest passages/s of the stage just finished;
- `rag search` latency (hybrid, k=5): the first query after the ingest (it syncs the
  keyword index) and p50/p95 of the rest; the same with a source filter;
- `rag ask` latency (extractive) p50/p95;
- `docs list` latency; the serving process's and the Chroma server's RSS, and the
  keyword cache's size.

Results are written after every checkpoint, so a run stopped by ``--max-minutes``
(or by hand) keeps what it measured. ``--cli WORK`` then times the CLI, each command a
fresh process, on what that run stored (`rag reindex` rebuilds the keyword index from
Chroma; `docs list`, `search` and `ask` start cold).

    .venv/bin/python bench/scale.py [--checkpoints 1000,10000,30000,60000,all]
                                    [--max-minutes 100] [--queries 40]
    .venv/bin/python bench/scale.py --cli WORK
    .venv/bin/python bench/scale.py --again WORK   # warm again with today's code, profiled
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench.chroma_server import ChromaServer, rss_mib  # noqa: E402
from bench.common import (  # noqa: E402
    DATA_DIR,
    RESULTS_DIR,
    child_env,
    machine_info,
    markdown_table,
    percentiles,
)
from core.settings import Settings  # noqa: E402
from ingest.chunking import chunk_text  # noqa: E402
from ingest.model import SourceDocument  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from rag.library import Library  # noqa: E402
from rag.retrieval import SearchFilter  # noqa: E402
from rag.services import Services  # noqa: E402

PACKAGES = ["chromadb", "sentence-transformers", "torch"]


# --- the corpus ---------------------------------------------------------------------


def reuters() -> Iterator[SourceDocument]:
    with gzip.open(DATA_DIR / "reuters21578" / "reuters21578.jsonl.gz", "rt") as lines:
        for line in lines:
            d = json.loads(line)
            if (d.get("text") or "").strip():
                yield SourceDocument(
                    source=f"reuters21578/{d['id']}",
                    text=d["text"],
                    title=(d.get("title") or "").strip() or f"Reuters {d['id']}",
                    kind="jsonl",
                    doc_id=f"reuters-{d['id']}",
                    date=d.get("date") or None,
                )


def bbc() -> Iterator[SourceDocument]:
    with (DATA_DIR / "bbc_news" / "bbc_articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            d = json.loads(line)
            yield SourceDocument(
                source=f"bbc_news/{d['id']}",
                text=d["text"],
                title=d["title"],
                kind="jsonl",
                doc_id=f"bbc-{d['id']}",
            )


def realtimeqa() -> Iterator[SourceDocument]:
    seen: set[str] = set()
    for path in sorted((DATA_DIR / "realtimeqa" / "gcs_2025").glob("*_gcs.jsonl.gz")):
        with gzip.open(path, "rt") as lines:
            for line in lines:
                for art in json.loads(line)["search_result"]:
                    if art["url"] in seen or not (art.get("text") or "").strip():
                        continue
                    seen.add(art["url"])
                    yield SourceDocument(
                        source=art["url"],
                        text=art["text"],
                        title=art.get("title") or art["url"],
                        kind="jsonl",
                        doc_id=f"rtqa-{len(seen)}",
                        url=art["url"],
                        date=(art.get("publish_date") or "")[:10] or None,
                    )


def questions(n: int, seed: int) -> list[str]:
    """RealTimeQA 2025 questions: news questions of the kind a reader asks."""
    texts = set()
    for path in sorted((DATA_DIR / "realtimeqa" / "qa").glob("2025*_qa.jsonl")):
        for line in path.open(encoding="utf-8"):
            texts.add(json.loads(line)["question_sentence"])
    ordered = sorted(texts)
    random.Random(seed).shuffle(ordered)
    return ordered[:n]


def corpus(seed: int, chunk_size: int, overlap: int) -> list[tuple[SourceDocument, int]]:
    """Every document with its passage count, shuffled together."""
    docs = [*reuters(), *bbc(), *realtimeqa()]
    random.Random(seed).shuffle(docs)
    return [(d, len(chunk_text(d.text, chunk_size, overlap))) for d in docs]


# --- measuring ----------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(
    pipeline: Library, services: Services, server: ChromaServer, qs: list[str], asks: int
) -> dict[str, Any]:
    retriever = pipeline.retriever
    first = timed(lambda: retriever.retrieve(qs[0], 5))
    search = [timed(lambda q=q: retriever.retrieve(q, 5)) for q in qs[1:]]  # type: ignore[misc]
    sources = frozenset(r.source for r in services.store.list_documents()[::50])
    only = SearchFilter(sources=sources)
    filtered = [timed(lambda q=q: retriever.retrieve(q, 5, only)) for q in qs[1:11]]  # type: ignore[misc]
    ask = [timed(lambda q=q: pipeline.ask(q)) for q in qs[:asks]]  # type: ignore[misc]
    listing: list[Any] = []
    list_ms = timed(lambda: listing.extend(services.store.list_documents()))
    cache = services.keyword.path
    return {
        "search_first_ms": round(first, 1),
        "search_ms": percentiles(search, 1),
        "search_filtered_ms": percentiles(filtered, 1),
        "filter_sources": len(sources),
        "ask_ms": percentiles(ask, 1),
        "docs_list_ms": round(list_ms, 1),
        "documents": len(listing),
        "serving_rss_mib": round(rss_mib(os.getpid()), 1),
        "chroma_rss_mib": round(server.rss_mib(), 1),
        "keyword_cache_mib": round(cache.stat().st_size / 2**20, 1)
        if cache and cache.exists()
        else 0.0,
    }


# --- the run ------------------------------------------------------------------------


def checkpoints(spec: str, total: int) -> list[int]:
    marks = [total if m == "all" else min(int(m), total) for m in spec.split(",")]
    return sorted(set(marks))


def run(args: argparse.Namespace) -> int:
    for needed in ("reuters21578", "bbc_news", "realtimeqa"):
        if not (DATA_DIR / needed).is_dir():
            print(f"skipped: {DATA_DIR / needed} is absent; this benchmark needs it")
            return 0
    work = Path(args.work or tempfile.mkdtemp(prefix="rag-scale-"))
    out = RESULTS_DIR / "scale.json"
    started = time.monotonic()
    budget = args.max_minutes * 60
    qs = questions(args.queries, args.seed)
    with ChromaServer(work / "chroma") as server:
        settings = Settings(home=work / "home", chroma_url=server.url, collection="scale")
        services = Services(settings)
        pipeline = Library(settings, services)
        ingestor = Ingestor(settings.ingest, services.store, services.embedder)
        print("chunking the corpus ...", flush=True)
        docs = corpus(args.seed, settings.chunk_size, settings.chunk_overlap)
        total = sum(n for _, n in docs)
        marks = checkpoints(args.checkpoints, total)
        print(f"{len(docs)} documents, {total} passages; checkpoints {marks}", flush=True)
        payload: dict[str, Any] = {
            "machine": machine_info(PACKAGES),
            "corpus": {"documents": len(docs), "passages": total},
            "checkpoints": [],
            "stopped_early": False,
        }
        position = passages = 0
        for mark in marks:
            stage: list[SourceDocument] = []
            stage_passages = 0
            while position < len(docs) and passages + stage_passages < mark:
                doc, n = docs[position]
                stage.append(doc)
                stage_passages += n
                position += 1
            t0 = time.perf_counter()
            report = ingestor.ingest_documents(_until(stage, started, budget))
            seconds = time.perf_counter() - t0
            embedded = sum(r.chunks for r in report.added + report.updated)
            passages += embedded
            point = {
                "passages": passages,
                "stage_passages": embedded,
                "stage_seconds": round(seconds, 1),
                "ingest_passages_per_s": round(embedded / seconds, 2) if seconds else 0.0,
                "failed": len(report.failed),
                "duplicates": len(report.duplicates),
                "loadavg_1_5": [round(x, 2) for x in os.getloadavg()[:2]],
            }
            point.update(measure(pipeline, services, server, qs, args.asks))
            payload["checkpoints"].append(point)
            payload["elapsed_minutes"] = round((time.monotonic() - started) / 60, 1)
            print(json.dumps(point), flush=True)
            _save(out, payload)
            if time.monotonic() - started > budget:
                payload["stopped_early"] = True
                _save(out, payload)
                print(f"stopped: the {args.max_minutes:.0f}-minute budget is spent", flush=True)
                break
    return 0


def time_cli(work: Path, seed: int) -> int:
    """Each CLI command in a fresh process against the stored corpus in ``work``."""
    out = RESULTS_DIR / "scale.json"
    payload = json.loads(out.read_text())
    rag = Path(sys.executable).parent / "rag"
    qs = questions(3, seed)
    commands = [
        ["reindex"],
        ["docs", "list", "--json"],
        *(["search", "--json", q] for q in qs),
        ["ask", "--json", qs[0]],
    ]
    timings = []
    with ChromaServer(work / "chroma") as server:
        env = child_env()
        env.update(RAG_HOME=str(work / "home"), RAG_CHROMA_URL=server.url, RAG_COLLECTION="scale")
        for command in commands:
            start = time.perf_counter()
            done = subprocess.run([str(rag), *command], env=env, capture_output=True, check=False)
            ms = (time.perf_counter() - start) * 1000
            timings.append(
                {"command": " ".join(command[:2]), "ms": round(ms), "exit": done.returncode}
            )
            print(json.dumps(timings[-1]), flush=True)
    payload["cli"] = timings
    _save(out, payload)
    return 0


def again(work: Path, args: argparse.Namespace) -> int:
    """Warm search and ask again on what a run stored, with today's code and nothing
    else running, then a profile of the searches and asks: where their time goes."""
    import cProfile
    import io
    import pstats
    import subprocess as sp

    out = RESULTS_DIR / "scale.json"
    payload = json.loads(out.read_text())
    qs = questions(args.queries, args.seed)
    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    with ChromaServer(work / "chroma") as server:
        settings = Settings(home=work / "home", chroma_url=server.url, collection="scale")
        services = Services(settings)
        pipeline = Library(settings, services)
        point = measure(pipeline, services, server, qs, args.asks)
        point["loadavg_1_5"] = [round(x, 2) for x in os.getloadavg()[:2]]
        point["commit"] = commit.stdout.strip()
        print(json.dumps(point), flush=True)
        profiles = {}
        for name, call in (
            ("search", lambda q: pipeline.retriever.retrieve(q, 5)),
            ("ask", pipeline.ask),
        ):
            profiler = cProfile.Profile()
            profiler.enable()
            for q in qs[1:16]:
                call(q)
            profiler.disable()
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
            stats.print_stats(r"(rag|vectorstore|core|chromadb|onnxruntime)/", 14)
            profiles[name] = text.getvalue()
            print(text.getvalue(), flush=True)
    payload["again"] = point
    payload["profiles"] = profiles
    _save(out, payload)
    return 0


def _until(stage: list[SourceDocument], started: float, budget: float) -> Iterator[SourceDocument]:
    """The stage's documents, cut short when the time budget is spent."""
    for doc in stage:
        if time.monotonic() - started > budget:
            return
        yield doc


def _save(out: Path, payload: dict[str, Any]) -> None:
    out.write_text(json.dumps(payload, indent=2) + "\n")
    rows = [
        [
            f"{c['passages']:,}",
            f"{c['documents']:,}",
            f"{c['ingest_passages_per_s']}",
            f"{c['search_first_ms']:.0f}",
            f"{c['search_ms']['p50']:.0f} / {c['search_ms']['p95']:.0f}",
            f"{c['search_filtered_ms']['p50']:.0f} / {c['search_filtered_ms']['p95']:.0f}",
            f"{c['ask_ms']['p50']:.0f} / {c['ask_ms']['p95']:.0f}",
            f"{c['docs_list_ms']:.0f}",
            f"{c['serving_rss_mib']:.0f} + {c['chroma_rss_mib']:.0f}",
        ]
        for c in payload["checkpoints"]
    ]
    headers = [
        "passages",
        "documents",
        "ingest passages/s",
        "first search ms",
        "search p50/p95 ms",
        "filtered search p50/p95 ms",
        "ask p50/p95 ms",
        "docs list ms",
        "RSS MiB (app + Chroma)",
    ]
    table = markdown_table(headers, rows)
    if payload.get("cli"):
        passages = payload["checkpoints"][-1]["passages"]
        cli_rows = [
            [f"`rag {t['command']}`", f"{t['ms']:,}", str(t["exit"])] for t in payload["cli"]
        ]
        table += f"\n\nThe CLI at {passages:,} passages, each command a fresh process:\n\n"
        table += markdown_table(["command", "wall ms", "exit"], cli_rows)
    if payload.get("again"):
        a = payload["again"]
        table += (
            f"\n\nAgain at {payload['checkpoints'][-1]['passages']:,} passages with "
            f"{a['commit']}, nothing else running (load {a['loadavg_1_5']}): search p50/p95 "
            f"{a['search_ms']['p50']:.0f} / {a['search_ms']['p95']:.0f} ms, filtered "
            f"{a['search_filtered_ms']['p50']:.0f} / {a['search_filtered_ms']['p95']:.0f} ms "
            f"({a['filter_sources']} sources), ask {a['ask_ms']['p50']:.0f} / "
            f"{a['ask_ms']['p95']:.0f} ms, docs list {a['docs_list_ms']:.0f} ms.\n"
        )
    out.with_suffix(".md").write_text(table + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", default="1000,10000,30000,60000,all")
    parser.add_argument("--max-minutes", type=float, default=100)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--asks", type=int, default=15)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--work", help="folder for the Chroma data (default: a new temp dir)")
    parser.add_argument("--cli", type=Path, help="time the CLI on the data a run left in CLI")
    parser.add_argument(
        "--again", type=Path, help="measure warm search and ask again on a run's data, profiled"
    )
    args = parser.parse_args()
    if args.again:
        return again(args.again, args)
    return time_cli(args.cli, args.seed) if args.cli else run(args)


if __name__ == "__main__":
    raise SystemExit(main())
