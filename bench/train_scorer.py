"""Trains the answer scorer (``rag/scorer_params.json``) from labelled sentences.

The rows come from the real pipeline: each training corpus is ingested into a fresh
embedded Chroma, each question is retrieved with the hybrid retriever as ``rag ask``
would, and every sentence of the retrieved passages is featurised by ``rag.features``.
A sentence is labelled 1 when it contains a gold answer. The data:

- RealTimeQA questions of the ``train`` side (``bench/splits``) over their evidence
  snippets, with other questions' snippets as distractors (as ``news-snippets``);
- 2025 RealTimeQA questions of the ``train`` side over whole weeks of search results,
  so other questions' articles are the negatives (as ``news-articles``);
- our encyclopedia dev paragraphs, whose unanswerable questions give only negatives;
- entity swaps: a RealTimeQA question with its named entity replaced by another
  question's, which the corpus cannot answer (only negatives).

SciFact is not used: its claims are judged true or false against abstracts, with no
answer span to locate in a sentence.

``rows`` writes ``bench/results/scorer-rows.csv.gz`` (needs ../shared/data, ~15 min);
``fit`` refits from those rows, reports a held-out fold and writes the parameters
(seconds; ``tests/rag/test_scorer.py`` checks that it reproduces them).

    .venv/bin/python bench/train_scorer.py rows
    .venv/bin/python bench/train_scorer.py fit
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from bench import devsets  # noqa: E402
from bench.common import RESULTS_DIR  # noqa: E402
from rag.features import FEATURES  # noqa: E402
from rag.scorer import PARAMS_FILE, Scorer, calibrate, fit  # noqa: E402

ROWS_FILE = RESULTS_DIR / "scorer-rows.csv.gz"
PARAMS_PATH = ROOT / "rag" / PARAMS_FILE
REPORT_FILE = RESULTS_DIR / "scorer.json"
L2 = 1.0
# One training question in four is kept out of the fit to report held-out numbers.
FOLDS = 4


def fold_of(question_id: str) -> int:
    return int(hashlib.sha1(f"fold:{question_id}".encode()).hexdigest(), 16) % FOLDS


# --- building rows ---


def _swap_entities(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions with their first named entity replaced by another question's: made to
    look answerable, but the corpus does not hold the answer."""
    from rag.analysis import analyse

    entities = []
    for q in questions:
        found = analyse(q["text"]).constraints.entities
        entities.append(found[0] if found else None)
    pool = sorted({e for e in entities if e})
    out = []
    for i, (q, entity) in enumerate(zip(questions, entities, strict=True)):
        if not entity or i % 3 or len(pool) < 2:
            continue
        digest = int(hashlib.sha1(q["id"].encode()).hexdigest(), 16)
        other = pool[digest % len(pool)]
        if other == entity:
            other = pool[(digest + 1) % len(pool)]
        if other.lower() in q["text"].lower():
            continue
        out.append(
            {
                **q,
                "id": f"{q['id']}.swap",
                "text": q["text"].replace(entity, other, 1),
                "answers": [],
                "answerable": False,
            }
        )
    return out


def _labelled(folder: Path, source: str, swaps: bool) -> Iterator[list[Any]]:
    from core.settings import Settings
    from ingest.pipeline import Ingestor
    from rag.analysis import analyse
    from rag.features import featurise
    from rag.retrieval import HybridRetriever
    from rag.services import Services

    devset = json.loads((folder / "set.json").read_text())
    questions = [json.loads(line) for line in (folder / "questions.jsonl").open()]
    if swaps:
        questions += _swap_entities(questions)
    settings = Settings(home=folder / "home")
    services = Services(settings)
    started = time.perf_counter()
    report = Ingestor(settings.ingest, services.store, services.embedder).ingest(devset["ingest"])
    services.keyword.sync(services.store)
    print(
        f"{source}: ingested {len(report.added)} documents in "
        f"{time.perf_counter() - started:.0f} s; {len(questions)} questions",
        file=sys.stderr,
    )
    retriever = HybridRetriever(
        services.store, services.query_embedder, services.keyword, catalog=services.catalog
    )
    for q in questions:
        results = retriever.retrieve(q["text"], settings.answer_passages)
        analysis = analyse(q["text"])
        for s in featurise(analysis, results, services.query_embedder, services.keyword.idf):
            label = int(
                bool(q["answerable"]) and any(devsets.contains(s.text, a) for a in q["answers"])
            )
            yield [source, q["id"], label, *(round(float(v), 5) for v in s.features)]


def build_rows(work: Path, limit: int | None) -> int:
    sets = [
        (
            "rtqa-snippets",
            lambda f: devsets.build_news_snippets(f, limit or 500, side="train"),
            True,
        ),
        (
            "rtqa-articles",
            lambda f: devsets.build_news_articles(f, limit or 120, side="train"),
            False,
        ),
        ("encyclopedia-dev", lambda f: devsets.build("encyclopedia-dev", f, limit), False),
    ]
    ROWS_FILE.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with gzip.open(ROWS_FILE, "wt", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["source", "question", "label", *FEATURES])
        for source, builder, swaps in sets:
            folder = work / source
            try:
                builder(folder)
            except devsets.Skip as e:
                print(f"skipped {source}: {e}", file=sys.stderr)
                continue
            for row in _labelled(folder, source, swaps):
                writer.writerow(row)
                count += 1
    return count


# --- fitting ---


def load_rows(path: Path = ROWS_FILE) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    sources, questions, labels, rows = [], [], [], []
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header[3:]) != FEATURES:
            raise SystemExit(f"{path} has other features than rag.features; rebuild with `rows`")
        for line in reader:
            sources.append(line[0])
            questions.append(line[1])
            labels.append(int(line[2]))
            rows.append([float(v) for v in line[3:]])
    return sources, questions, np.array(labels), np.array(rows, dtype=np.float64)


def _weights(questions: list[str]) -> np.ndarray:
    """Each question weighs the same, however many sentences its passages have."""
    counts: dict[str, int] = {}
    for q in questions:
        counts[q] = counts.get(q, 0) + 1
    return np.array([1.0 / counts[q] for q in questions])


def train(questions: list[str], labels: np.ndarray, rows: np.ndarray) -> Scorer:
    return fit(rows, labels, _weights(questions) * 20.0, l2=L2)


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def question_metrics(
    questions: list[str], labels: np.ndarray, p: np.ndarray
) -> dict[str, float | int | None]:
    """Per question: does its best sentence hold the answer, and how well does the best
    probability separate questions whose passages hold an answer from those that don't."""
    best: dict[str, tuple[float, int]] = {}
    has: dict[str, int] = {}
    for q, y, score in zip(questions, labels, p, strict=True):
        has[q] = max(has.get(q, 0), int(y))
        if q not in best or score > best[q][0]:
            best[q] = (float(score), int(y))
    answerable = [q for q in best if has[q]]
    top1 = sum(best[q][1] for q in answerable) / len(answerable) if answerable else None
    confidence = np.array([best[q][0] for q in best])
    holds = np.array([has[q] for q in best])
    return {
        "questions": len(best),
        "with_answer_retrieved": len(answerable),
        "top1": None if top1 is None else round(top1, 4),
        "confidence_auc": None if (a := auc(holds, confidence)) is None else round(a, 4),
    }


def keys_of(sources: list[str], questions: list[str]) -> list[str]:
    return [f"{s}/{q}" for s, q in zip(sources, questions, strict=True)]


def train_full(keys: list[str], labels: np.ndarray, rows: np.ndarray) -> Scorer:
    """The packaged scorer: fitted on every row, then its confidence calibrated per
    question."""
    scorer = train(keys, labels, rows)
    best, right = _leads(keys, labels, scorer.probability(rows))
    return calibrate(scorer, best, right)


def _leads(keys: list[str], labels: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per question: its best sentence's probability, and whether that sentence holds
    the answer."""
    best: dict[str, tuple[float, int]] = {}
    for k, y, score in zip(keys, labels, p, strict=True):
        if k not in best or score > best[k][0]:
            best[k] = (float(score), int(y))
    values = list(best.values())
    return np.array([v[0] for v in values]), np.array([v[1] for v in values])


def _reliability(confidence: np.ndarray, right: np.ndarray) -> list[dict[str, Any]]:
    """Questions by calibrated confidence: how many, and the share answered right."""
    out = []
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        mask = (confidence >= lo) & (confidence < lo + 0.2 + (1e-9 if lo == 0.8 else 0))
        if mask.any():
            out.append(
                {
                    "confidence": f"{lo:.1f}-{lo + 0.2:.1f}",
                    "questions": int(mask.sum()),
                    "mean_confidence": round(float(confidence[mask].mean()), 3),
                    "right": round(float(right[mask].mean()), 3),
                }
            )
    return out


def fit_and_report() -> dict[str, Any]:
    sources, questions, labels, rows = load_rows()
    keys = keys_of(sources, questions)
    folds = np.array([fold_of(k.removesuffix(".swap")) for k in keys])
    held = folds == 0
    part = train([k for k, h in zip(keys, held, strict=True) if not h], labels[~held], rows[~held])
    p = part.probability(rows[held])
    held_keys = [k for k, h in zip(keys, held, strict=True) if h]
    report: dict[str, Any] = {
        "rows": len(labels),
        "positives": int(labels.sum()),
        "questions": len(set(keys)),
        "heldout_fold": {
            "sentence_auc": round(auc(labels[held], p) or 0.0, 4),
            **question_metrics(held_keys, labels[held], p),
        },
        "heldout_by_source": {},
    }
    for source in sorted(set(sources)):
        mask = held & (np.array(sources) == source)
        sub_keys = [k for k, m in zip(keys, mask, strict=True) if m]
        report["heldout_by_source"][source] = question_metrics(
            sub_keys, labels[mask], part.probability(rows[mask])
        )
    scorer = train_full(keys, labels, rows)
    best, right = _leads(keys, labels, scorer.probability(rows))
    report["calibration"] = _reliability(np.array([scorer.confidence(b) for b in best]), right)
    PARAMS_PATH.write_text(json.dumps(scorer.to_json(), indent=1) + "\n")
    report["weights"] = dict(
        sorted(
            ((n, round(float(w), 3)) for n, w in zip(scorer.names, scorer.weights, strict=True)),
            key=lambda kv: -abs(kv[1]),
        )
    )
    REPORT_FILE.write_text(json.dumps(report, indent=1) + "\n")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=["rows", "fit"])
    parser.add_argument("--limit", type=int, help="questions per source (rows)")
    args = parser.parse_args()
    if args.step == "rows":
        with tempfile.TemporaryDirectory(prefix="scorer-rows-") as work:
            count = build_rows(Path(work), args.limit)
        print(f"wrote {count} rows to {ROWS_FILE}")
        return
    print(json.dumps(fit_and_report(), indent=1))
    print(f"wrote {PARAMS_PATH} and {REPORT_FILE}")


if __name__ == "__main__":
    main()
