"""Before/after of this round's speed work, side by side in one run.

- chunking: the chunker before the bounded abbreviation look-back (read from git at
  ``--before``) against the current one, on RealTimeQA articles; the chunks must be
  identical;
- asking: the seed and multi-turn questions on the sample corpus, with the plain
  model against the model behind the query cache (CachingEmbedder); the answers
  must be identical;
- keyword tokenising: the pure-Python Snowball stemmer against the C one (PyStemmer)
  that snowballstemmer now picks up, on the passages of the same articles; the stems
  must be identical;
- start-up: wall time of `rag --help` (imports stay lazy).

    .venv/bin/python bench/speed.py [--before 96e5565] [--articles 300]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import (  # noqa: E402
    DATA_DIR,
    RESULTS_DIR,
    machine_info,
    markdown_table,
    percentiles,
    read_jsonl,
)
from core.settings import Settings  # noqa: E402
from ingest import chunking  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from rag.answers import Turn  # noqa: E402
from rag.embedding import CachingEmbedder  # noqa: E402
from rag.extractive import ExtractiveAnswerer  # noqa: E402
from rag.library import Library  # noqa: E402
from rag.retrieval import HybridRetriever  # noqa: E402
from rag.services import Services  # noqa: E402


def old_module(commit: str, path: str, name: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="rag-before-"))
    (folder / f"{name}.py").write_text(source)
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def articles(limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((DATA_DIR / "realtimeqa" / "gcs_2025").glob("*_gcs.jsonl.gz")):
        with gzip.open(path, "rt") as lines:
            for line in lines:
                texts += [a["text"] for a in json.loads(line)["search_result"] if a.get("text")]
                if len(texts) >= limit:
                    return texts[:limit]
    return texts


def bench_chunking(commit: str, limit: int) -> dict[str, Any]:
    texts = articles(limit)
    if not texts:
        return {"skipped": f"no RealTimeQA articles under {DATA_DIR}"}
    before = old_module(commit, "ingest/chunking.py", "chunking_before")
    out: dict[str, Any] = {"articles": len(texts), "chars": sum(map(len, texts))}
    spans = {}
    for label, module in (("before", before), ("after", chunking)):
        start = time.perf_counter()
        spans[label] = [[(c.start, c.end) for c in module.chunk_text(t, 700, 150)] for t in texts]
        out[f"{label}_s"] = round(time.perf_counter() - start, 3)
    out["identical_chunks"] = spans["before"] == spans["after"]
    out["chunks"] = sum(map(len, spans["after"]))
    out["speedup"] = round(out["before_s"] / max(out["after_s"], 1e-9), 1)
    return out


def bench_tokenising(limit: int) -> dict[str, Any]:
    import re

    import Stemmer
    from snowballstemmer.english_stemmer import EnglishStemmer

    from core.tokenize import STOP_WORDS

    passages = [c.text for t in articles(limit) for c in chunking.chunk_text(t, 700, 150)]
    word = re.compile(r"\w+", re.UNICODE)
    out: dict[str, Any] = {"passages": len(passages)}
    stems = {}
    for label, stemmer in (("before", EnglishStemmer()), ("after", Stemmer.Stemmer("english"))):
        cache: dict[str, str] = {}  # as the index does: each distinct word stemmed once

        def stem(w: str, cache: dict[str, str] = cache, stemmer: Any = stemmer) -> str:
            if w not in cache:
                cache[w] = stemmer.stemWord(w)
            return cache[w]

        start = time.perf_counter()
        stems[label] = [
            [stem(w) for w in word.findall(p.lower()) if w not in STOP_WORDS] for p in passages
        ]
        out[f"{label}_s"] = round(time.perf_counter() - start, 2)
    out["identical_terms"] = stems["before"] == stems["after"]
    out["speedup"] = round(out["before_s"] / max(out["after_s"], 1e-9), 1)
    return out


def questions() -> list[tuple[str, list[Turn]]]:
    """Every seed question alone, then every conversation with its history."""
    folder = ROOT / "examples" / "questions"
    out: list[tuple[str, list[Turn]]] = [(q["text"], []) for q in read_jsonl(folder / "seed.jsonl")]
    for conv in read_jsonl(folder / "multiturn.jsonl"):
        history: list[Turn] = []
        for turn in conv["turns"]:
            out.append((turn["text"], list(history)))
            history.append(Turn(turn["text"], ""))
    return out


def bench_asking() -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="rag-speed-"))
    services = Services(Settings(home=home))
    Ingestor(services.settings.ingest, services.store, services.embedder).ingest(
        [str(ROOT / "examples" / "corpus")]
    )
    plain = Library(
        services.settings,
        services,
        retriever=HybridRetriever(services.store, services.embedder, services.keyword),
        answerers={"extractive": ExtractiveAnswerer(services.embedder, idf=services.keyword.idf)},
    )
    cached_embedder = CachingEmbedder(services.embedder)
    cached = Library(
        services.settings,
        services,
        retriever=HybridRetriever(services.store, cached_embedder, services.keyword),
        answerers={"extractive": ExtractiveAnswerer(cached_embedder, idf=services.keyword.idf)},
    )
    todo = questions()
    plain.ask("warm up the model and the keyword index")
    out: dict[str, Any] = {"questions": len(todo)}
    answers = {}
    for label, pipeline in (("before", plain), ("after", cached)):
        times, texts = [], []
        for question, history in todo:
            start = time.perf_counter()
            texts.append(pipeline.ask(question, history).to_json()["answer"])
            times.append((time.perf_counter() - start) * 1000)
        answers[label] = texts
        out[f"{label}_ms_per_question"] = round(statistics.mean(times), 1)
        out[f"{label}_p95_ms"] = percentiles(times, 1)["p95"]
    out["identical_answers"] = answers["before"] == answers["after"]
    out["cache_hit_rate"] = round(
        cached_embedder.hits / max(cached_embedder.hits + cached_embedder.misses, 1), 3
    )
    out["speedup"] = round(out["before_ms_per_question"] / out["after_ms_per_question"], 2)
    return out


def bench_help(runs: int = 5) -> dict[str, Any]:
    rag = Path(sys.executable).parent / "rag"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(rag), "--help"], capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return {"runs": runs, "median_ms": round(statistics.median(times)), "min_ms": round(min(times))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="96e5565", help="commit of the 'before' chunker")
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    result = {
        "machine": machine_info(["torch", "sentence-transformers", "chromadb"]),
        "chunking": bench_chunking(args.before, args.articles),
        "tokenising": bench_tokenising(args.articles),
        "asking": bench_asking(),
        "rag_help": bench_help(),
    }
    (RESULTS_DIR / "speed.json").write_text(json.dumps(result, indent=2) + "\n")
    c, a, h = result["chunking"], result["asking"], result["rag_help"]
    k = result["tokenising"]
    rows = [
        [
            f"chunk {c.get('articles')} RealTimeQA articles ({c.get('chars', 0):,} chars)",
            f"{c.get('before_s')} s",
            f"{c.get('after_s')} s",
            f"{c.get('speedup')}x",
            f"identical chunks: {c.get('identical_chunks')}",
        ],
        [
            f"ask {a['questions']} seed + follow-up questions (sample corpus)",
            f"{a['before_ms_per_question']} ms/q",
            f"{a['after_ms_per_question']} ms/q",
            f"{a['speedup']}x",
            f"identical answers: {a['identical_answers']}; cache hits {a['cache_hit_rate']:.0%}",
        ],
        [
            f"BM25 terms of their {k['passages']:,} passages (keyword index update)",
            f"{k['before_s']} s",
            f"{k['after_s']} s",
            f"{k['speedup']}x",
            f"identical terms: {k['identical_terms']}",
        ],
        ["`rag --help`", "", f"{h['median_ms']} ms", "", f"median of {h['runs']}"],
    ]
    table = markdown_table(["path", "before", "after", "speed-up", "check"], rows)
    (RESULTS_DIR / "speed.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
