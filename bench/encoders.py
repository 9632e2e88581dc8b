"""Could a faster encoder backend replace PyTorch? Side by side in one run:

- torch fp32: the packaged MiniLM through sentence-transformers (what the app uses);
- ONNX Runtime fp32 and int8 (dynamic, per-channel weights): the same weights
  exported with torch.onnx and quantized with onnxruntime.quantization.

Each variant embeds a SciFact sample (the relevant abstracts of ``--queries`` train
queries plus ``--distractors`` others, one vector per abstract) and the queries.
Reported: abstracts/s, dense nDCG@10 and its change from torch fp32, and the cosine
between each variant's vectors and torch's.

The ONNX files come from the package's own export (rag.onnx_export).

    .venv/bin/python bench/encoders.py [--queries 300] [--distractors 1500]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import DATA_DIR, RESULTS_DIR, machine_info, markdown_table  # noqa: E402
from bench.retrieval import load_eval, ndcg_at  # noqa: E402
from rag import onnx_export  # noqa: E402
from rag.embedding import packaged_model_path  # noqa: E402

Encode = Callable[[list[str]], np.ndarray]
BATCH = 32


def sample(n_queries: int, distractors: int, seed: int) -> tuple[dict, dict, dict]:
    queries, qrels = load_eval()
    folder = DATA_DIR / "scifact"
    rng = random.Random(seed)
    chosen = sorted(queries)
    rng.shuffle(chosen)
    queries = {q: queries[q] for q in chosen[:n_queries]}
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text().splitlines():
        d = json.loads(line)
        corpus[d["_id"]] = f"{d['title']}. {d['text']}"
    relevant = {d for q in queries for d in qrels[q]}
    others = sorted(set(corpus) - relevant)
    rng.shuffle(others)
    docs = {d: corpus[d] for d in sorted(relevant) + others[:distractors]}
    return queries, {q: qrels[q] for q in queries}, docs


def torch_encoder(model: Any) -> Encode:
    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(
            model.encode(texts, batch_size=BATCH, normalize_embeddings=True), dtype=np.float32
        )

    return encode


def export(folder: Path) -> tuple[Path, Path]:
    """The package's own export (``rag.onnx_export``), at both precisions: the bench
    measures the files the app would run."""
    fp32, int8 = folder / "model-fp32.onnx", folder / "model-int8.onnx"
    onnx_export.export(packaged_model_path(), fp32, "fp32")
    onnx_export.export(packaged_model_path(), int8, "int8")
    return fp32, int8


def ort_encoder(model: Any, path: Path) -> Encode:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(texts: list[str]) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for lo in range(0, len(texts), BATCH):
            rows = order[lo : lo + BATCH]
            tokens = model.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=model.max_seq_length,
                return_tensors="np",
            )
            feeds = {
                "ids": tokens["input_ids"].astype(np.int64),
                "mask": tokens["attention_mask"].astype(np.int64),
                "types": tokens["token_type_ids"].astype(np.int64),
            }
            hidden = session.run(None, feeds)[0]
            mask = tokens["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out

    return encode


def evaluate(encode: Encode, queries: dict, qrels: dict, docs: dict) -> dict[str, Any]:
    ids, texts = list(docs), list(docs.values())
    encode(texts[:BATCH])  # warm-up
    start = time.perf_counter()
    doc_vectors = encode(texts)
    seconds = time.perf_counter() - start
    query_vectors = encode(list(queries.values()))
    scores = query_vectors @ doc_vectors.T
    ndcgs = []
    for row, qid in zip(scores, queries, strict=True):
        top = np.argsort(-row)[:10]
        ndcgs.append(ndcg_at([ids[i] for i in top], qrels[qid]))
    return {
        "docs_per_s": round(len(texts) / seconds, 1),
        "ndcg@10": round(statistics.mean(ndcgs), 4),
        "vectors": doc_vectors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--distractors", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (DATA_DIR / "scifact").is_dir():
        print(f"skipped: {DATA_DIR / 'scifact'} is absent")
        return 0
    try:
        import onnx  # noqa: F401
    except ImportError:
        print("skipped: the onnx package is missing; install the bench extra")
        return 0
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    queries, qrels, docs = sample(args.queries, args.distractors, args.seed)
    fp32, int8 = export(Path(tempfile.mkdtemp(prefix="rag-onnx-")))
    variants = {
        "torch fp32 (sentence-transformers)": torch_encoder(model),
        "ONNX Runtime fp32": ort_encoder(model, fp32),
        "ONNX Runtime int8": ort_encoder(model, int8),
    }
    runs = {name: evaluate(encode, queries, qrels, docs) for name, encode in variants.items()}
    base = runs["torch fp32 (sentence-transformers)"]
    rows, payload = [], {}
    for name, run in runs.items():
        cosine = (run["vectors"] * base["vectors"]).sum(axis=1)
        payload[name] = {
            "docs_per_s": run["docs_per_s"],
            "ndcg@10": run["ndcg@10"],
            "ndcg_change": round(run["ndcg@10"] - base["ndcg@10"], 4),
            "speed_ratio": round(run["docs_per_s"] / base["docs_per_s"], 2),
            "cosine_mean": round(float(cosine.mean()), 4),
            "cosine_min": round(float(cosine.min()), 4),
        }
        p = payload[name]
        rows.append(
            [
                name,
                f"{p['docs_per_s']}",
                f"{p['speed_ratio']}x",
                f"{p['ndcg@10']:.4f}",
                f"{p['ndcg_change']:+.4f}",
                f"{p['cosine_mean']:.4f} / {p['cosine_min']:.4f}",
            ]
        )
    result = {
        "machine": machine_info(["torch", "onnxruntime", "onnx", "sentence-transformers"]),
        "sample": {"queries": len(queries), "abstracts": len(docs)},
        "variants": payload,
    }
    (RESULTS_DIR / "encoders.json").write_text(json.dumps(result, indent=2) + "\n")
    headers = ["encoder", "abstracts/s", "speed", "dense nDCG@10", "change", "cosine mean / min"]
    table = markdown_table(headers, rows)
    (RESULTS_DIR / "encoders.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
