"""Answer quality: accuracy, citation precision, abstention, ms/question.

Sets: ``seed`` (examples/questions/seed.jsonl over the sample corpus), ``multiturn``
(examples/questions/multiturn.jsonl, follow-ups rewritten from the history) and
``realtimeqa`` (2025 RealTimeQA questions over the articles retrieved for them, from
../shared/data; questions of weeks whose articles are not ingested serve as
unanswerable). Each question is answered once with abstention off; the threshold
sweep then shows, for each threshold, the answer rate and accuracy it would give.

    .venv/bin/python bench/answers.py --set seed --set multiturn --set realtimeqa
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.answers import Turn  # noqa: E402
from rag.ask import AskPipeline  # noqa: E402
from rag.extractive import DEFAULT_THRESHOLD, ExtractiveAnswerer  # noqa: E402
from rag.services import Services  # noqa: E402
from rag.settings import Settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Record:
    set: str
    qid: str
    answerable: bool
    correct: bool
    choice_correct: bool | None
    cite_doc: float | None
    cite_evidence: float | None
    confidence: float
    ms: float


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def contains(answer: str, gold: str) -> bool:
    a, g = f" {_norm(answer)} ", f" {_norm(gold)} "
    return g.strip() != "" and g in a


def _content(text: str) -> set[str]:
    from vectorstore.tokenize import terms

    return set(terms(text))


def best_choice(answer: str, choices: list[str]) -> str:
    """The multiple-choice option whose content words the answer covers best."""
    words = _content(answer)

    def score(choice: str) -> float:
        c = _content(choice)
        return len(c & words) / len(c) if c else 0.0

    return max(choices, key=score)


def _pipeline(home: Path, corpus: list[str]) -> AskPipeline:
    services = Services(Settings(home=home))
    from ingest.pipeline import Ingestor

    report = Ingestor(services.settings, services.store, services.embedder).ingest(corpus)
    print(
        f"ingested {len(report.added) + len(report.unchanged)} documents "
        f"({len(report.failed)} failed)",
        file=sys.stderr,
    )
    answerer = ExtractiveAnswerer(services.embedder, idf=services.keyword.idf, threshold=-1.0)
    return AskPipeline(services, answerer)


def _judge(pipeline: AskPipeline, set_name: str, item: dict, history: list[Turn]) -> Record:
    started = time.perf_counter()
    answer = pipeline.ask(item["text"], history)
    ms = (time.perf_counter() - started) * 1000
    golds = item.get("answers") or []
    if set_name == "seed" and item["id"] == "s01":
        correct = all(contains(answer.text, g) for g in golds)
    else:
        correct = any(contains(answer.text, g) for g in golds)
    choice_correct = None
    if item.get("choices") and golds:
        choice_correct = best_choice(answer.text, item["choices"]) == golds[0]
    doc, evidence = item.get("doc"), item.get("evidence")
    cites = answer.citations
    cite_doc = cite_ev = None
    if item.get("answerable", True) and cites:
        if doc:
            cite_doc = sum(Path(c.source.split("#")[0]).name == doc for c in cites) / len(cites)
        if evidence:
            cite_ev = sum(contains(c.text, evidence) for c in cites) / len(cites)
    history.append(Turn(item["text"], answer.text, answer.standalone_question))
    return Record(
        set_name,
        str(item["id"]),
        bool(item.get("answerable", True)),
        correct,
        choice_correct,
        cite_doc,
        cite_ev,
        answer.confidence,
        ms,
    )


def run_seed(home: Path) -> list[Record]:
    pipeline = _pipeline(home, [str(ROOT / "examples" / "corpus")])
    lines = (ROOT / "examples/questions/seed.jsonl").read_text().splitlines()
    return [_judge(pipeline, "seed", json.loads(line), []) for line in lines if line.strip()]


def run_multiturn(home: Path) -> list[Record]:
    pipeline = _pipeline(home, [str(ROOT / "examples" / "corpus")])
    out = []
    for line in (ROOT / "examples/questions/multiturn.jsonl").read_text().splitlines():
        conv = json.loads(line)
        history: list[Turn] = []
        for i, turn in enumerate(conv["turns"]):
            item = {"id": f"{conv['id']}.{i}", "answerable": True, **turn}
            record = _judge(pipeline, "multiturn", item, history)
            if i > 0:
                out.append(record)
    return out


def _gz_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt") as f:
        return f.read().splitlines()


def run_realtimeqa(home: Path, weeks: int, unanswerable_weeks: int) -> list[Record]:
    folder = DATA / "realtimeqa"
    files = sorted((folder / "gcs_2025").glob("*_gcs.jsonl.gz"))
    corpus_files, held_out = files[:weeks], files[weeks : weeks + unanswerable_weeks]
    corpus_path = home / "rtqa_corpus.jsonl"
    home.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    with corpus_path.open("w") as out:
        for f in corpus_files:
            for line in _gz_lines(f):
                for art in json.loads(line)["search_result"]:
                    if art["url"] in seen or not art.get("text", "").strip():
                        continue
                    seen.add(art["url"])
                    out.write(
                        json.dumps(
                            {
                                "id": f"rtqa-{len(seen)}",
                                "text": art["text"],
                                "title": art["title"],
                                "url": art["url"],
                                "date": art.get("publish_date"),
                            }
                        )
                        + "\n"
                    )
    questions = {}
    for qa in sorted((folder / "qa").glob("2025*_qa.jsonl")):
        for line in qa.open():
            q = json.loads(line)
            questions.setdefault(q["question_id"], q)

    def items(files: list[Path], answerable: bool) -> list[dict]:
        ids = [json.loads(line)["question_id"] for f in files for line in _gz_lines(f)]
        out = []
        for qid in ids:
            q = questions.get(qid)
            if q is None or not q.get("answer"):
                continue
            gold = q["choices"][int(q["answer"][0])]
            out.append(
                {
                    "id": qid,
                    "text": q["question_sentence"],
                    "choices": q["choices"],
                    "answers": [gold] if answerable else [],
                    "answerable": answerable,
                }
            )
        return out

    pipeline = _pipeline(home, [str(corpus_path)])
    todo = items(corpus_files, True) + items(held_out, False)
    return [_judge(pipeline, "realtimeqa", item, []) for item in todo]


def summarise(records: list[Record], threshold: float) -> dict:
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    answered = [r for r in answerable if r.confidence >= threshold]

    def mean(xs: list[float]) -> float | None:
        return round(statistics.mean(xs), 3) if xs else None

    return {
        "questions": len(records),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answer_rate": mean([r.confidence >= threshold for r in answerable]),
        "accuracy_all_answerable": mean(
            [r.correct and r.confidence >= threshold for r in answerable]
        ),
        "accuracy_when_answered": mean([r.correct for r in answered]),
        "accuracy_ignoring_abstention": mean([r.correct for r in answerable]),
        "choice_accuracy_when_answered": mean(
            [r.choice_correct for r in answered if r.choice_correct is not None]
        ),
        "abstention_on_unanswerable": mean([r.confidence < threshold for r in unanswerable]),
        "citation_doc_precision": mean([r.cite_doc for r in answered if r.cite_doc is not None]),
        "citation_evidence_precision": mean(
            [r.cite_evidence for r in answered if r.cite_evidence is not None]
        ),
        "ms_per_question_p50": round(statistics.median(r.ms for r in records), 1),
    }


def sweep(records: list[Record]) -> list[dict]:
    rows = []
    for t in [0.30, 0.35, 0.40, 0.42, 0.45, 0.48, 0.50, 0.55, 0.60]:
        s = summarise(records, t)
        rows.append(
            {
                "threshold": t,
                **{
                    k: s[k]
                    for k in ("answer_rate", "accuracy_when_answered", "abstention_on_unanswerable")
                },
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", action="append", choices=["seed", "multiturn", "realtimeqa"])
    parser.add_argument("--weeks", type=int, default=4, help="RealTimeQA weeks ingested")
    parser.add_argument("--unanswerable-weeks", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    sets = args.set or ["seed", "multiturn"]
    if "realtimeqa" in sets and not (DATA / "realtimeqa").exists():
        print(f"skipping realtimeqa: {DATA / 'realtimeqa'} is absent", file=sys.stderr)
        sets.remove("realtimeqa")
    report: dict = {"threshold": args.threshold, "sets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sets:
            home = Path(tmp) / name
            if name == "seed":
                records = run_seed(home)
            elif name == "multiturn":
                records = run_multiturn(home)
            else:
                records = run_realtimeqa(home, args.weeks, args.unanswerable_weeks)
            report["sets"][name] = {
                "summary": summarise(records, args.threshold),
                "sweep": sweep(records),
                "records": [r.__dict__ for r in records],
            }
            print(name, json.dumps(report["sets"][name]["summary"], indent=1))
            for row in report["sets"][name]["sweep"]:
                print("  ", row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-".join(sets)
    (RESULTS / f"answers-{suffix}.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
