"""Answer quality of today's answerer (``old``, a git worktree of bee983c) against the
working tree (``new``), through the CLI the evaluation uses, on the dev sets of
``bench/devsets.py``: accuracy, first quote, citation precision, answer span,
abstention, speed, and the new answerer's confidence-threshold sweep.

Every variant runs as fresh ``rag ingest`` / ``rag ask --questions --json`` processes
with its own ``RAG_HOME``; follow-ups are asked turn by turn with the history of the
answers that same variant gave.

    .venv/bin/python bench/answers.py [--set NAME ...] [--variant old|new ...] [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import devsets  # noqa: E402
from bench.common import RESULTS_DIR, child_env, machine_info, markdown_table  # noqa: E402
from bench.devsets import contains  # noqa: E402

OLD_COMMIT = "bee983c"
PYTHON = ROOT / ".venv" / "bin" / "python"
CLI = "from rag.cli import main; main()"
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
RTQA_SETS = {"news-snippets", "news-articles"}
# What the hidden evaluation sets ask of each metric (sets resembling them).
TARGETS = {
    "news": {"first_quote": 0.85, "accuracy": 0.90, "citation_precision": 0.85},
    "encyclopedia": {"accuracy": 0.85, "abstention_unanswerable": 0.50},
    "seed": {"all_right": 1.0},
}


@dataclass
class Run:
    """One way of asking a set's questions: a variant's code with some settings."""

    label: str
    variant: str
    env: dict[str, str] = field(default_factory=dict)
    standalone: bool = False  # follow-ups asked with their standalone text, no history
    calls: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


# --- running the CLI ---


def _env(code: Path, home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = child_env()  # no RAG_* from our own environment
    env.update(HF_HUB_OFFLINE="1", PYTHONPATH=str(code), RAG_HOME=str(home), **extra)
    return env


def _cli(code: Path, env: dict[str, str], args: list[str], log: Path) -> tuple[str, float, str]:
    """Run ``rag ARGS`` from ``code``; stdout, seconds, and an error ('' when fine)."""
    started = time.perf_counter()
    with log.open("a") as err:
        err.write(f"$ rag {' '.join(args)}\n")
        err.flush()
        done = subprocess.run(
            [str(PYTHON), "-c", CLI, *args],
            cwd=code,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            check=False,
        )
    seconds = time.perf_counter() - started
    problem = ""
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-12:]
        problem = f"rag {args[0]} exited {done.returncode}: " + " | ".join(tail)
    return done.stdout, seconds, problem


def _code_of(code: Path, home: Path) -> str:
    probe = "import rag, sys; sys.stdout.write(rag.__file__)"
    env = _env(code, home, {})
    done = subprocess.run([str(PYTHON), "-c", probe], cwd=code, env=env, capture_output=True)
    path = done.stdout.decode()
    if not path.startswith(str(code)):
        raise SystemExit(f"{code}: the variant imports rag from {path!r}, not from its folder")
    return path


def ingest(code: Path, home: Path, paths: list[str], log: Path) -> dict[str, Any]:
    out, seconds, problem = _cli(code, _env(code, home, {}), ["ingest", *paths, "--json"], log)
    try:
        report = json.loads(out)
    except json.JSONDecodeError:
        return {"seconds": round(seconds, 1), "error": problem or "no JSON report"}
    counts = {k: len(v) for k, v in report.items() if isinstance(v, list)}
    failed = [f"{f.get('source')}: {f.get('error')}" for f in report.get("failed", [])][:5]
    return {"seconds": round(seconds, 1), **counts, "failed_examples": failed}


def _history(turns: list[dict[str, Any]], answers: dict[str, dict[str, Any]]) -> list[dict]:
    history = []
    for q in turns:
        history.append({"role": "user", "content": q["text"]})
        history.append({"role": "assistant", "content": answers.get(q["id"], {}).get("answer", "")})
    return history


def ask(run: Run, code: Path, home: Path, questions: list[dict], work: Path, log: Path) -> None:
    """Turn 0 of every conversation in one call, then turn 1 with the history this run
    gave, and so on; with ``run.standalone`` the follow-ups go in one call instead."""
    by_conv: dict[str, list[dict[str, Any]]] = {}
    for q in sorted(questions, key=lambda q: q["turn"]):
        by_conv.setdefault(q["conversation"], []).append(q)
    depth = max((q["turn"] for q in questions), default=0)
    steps = [[1, depth]] if run.standalone else [[t, t] for t in range(depth + 1)]
    for lo, hi in steps:
        batch = []
        for turns in by_conv.values():
            for i, q in enumerate(turns):
                if lo <= q["turn"] <= hi:
                    if run.standalone:
                        batch.append({"id": q["id"], "text": q.get("standalone") or q["text"]})
                    else:
                        item = {"id": q["id"], "text": q["text"]}
                        if i:
                            item["history"] = _history(turns[:i], run.answers)
                        batch.append(item)
        if not batch:
            continue
        path = work / f"ask-{run.label}-{lo}.jsonl"
        path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in batch))
        env = _env(code, home, run.env)
        out, seconds, problem = _cli(code, env, ["ask", "--questions", str(path), "--json"], log)
        for line in out.splitlines():
            try:
                answer = json.loads(line)
                run.answers[str(answer["id"])] = answer
            except (json.JSONDecodeError, KeyError, TypeError):
                problem = problem or f"rag ask printed a line that is not an answer: {line[:200]}"
        run.calls.append({"turns": [lo, hi], "questions": len(batch), "seconds": round(seconds, 1)})
        if problem:
            run.error = problem
            return


# --- judging ---


def _first_citation(answer: dict[str, Any]) -> dict[str, Any] | None:
    cites = answer.get("citations") or []
    by_n = {c.get("n"): c for c in cites}
    for marker in re.finditer(r"\[(\d+)", answer.get("answer") or ""):
        if int(marker.group(1)) in by_n:
            return by_n[int(marker.group(1))]
    return cites[0] if cites else None


def _fraction(items: list[Any], hit: Callable[[Any], bool]) -> float | None:
    return sum(map(hit, items)) / len(items) if items else None


def _any(text: str | None, golds: list[str]) -> bool:
    return any(contains(text, g) for g in golds)


def judge(q: dict[str, Any], answer: dict[str, Any] | None, label: str, set_name: str) -> dict:
    golds = list(q.get("answers") or [])
    answer = answer or {}
    text = answer.get("answer") or ""
    cites = answer.get("citations") or []
    needed = all if q.get("all") else any
    correct = bool(golds) and needed(contains(text, g) for g in golds)
    first = _first_citation(answer)
    span = answer.get("answer_span") or None
    span_text = (span or {}).get("text") or ""
    docs = {q.get("doc"), *(q.get("docs") or [])} - {None}

    def in_docs(c: dict[str, Any]) -> bool:
        return c.get("doc_id") in docs or Path(str(c.get("source"))).name in docs

    passages = [c.get("text") for c in cites] + [r.get("text") for r in answer.get("related") or []]
    return {
        "id": q["id"],
        "set": set_name,
        "variant": label,
        "turn": q["turn"],
        "conversation": q["conversation"],
        "answerable": q["answerable"],
        "trap": q.get("trap"),
        "missing": not answer,
        "abstained": bool(answer.get("abstained", True)),
        "confidence": answer.get("confidence"),
        "correct": correct,
        "first_quote": bool(first) and _any((first or {}).get("quote"), golds),
        "citation_share": _fraction(cites, lambda c: _any(c.get("text"), golds)) or 0.0,
        "citation_doc_share": _fraction(cites, in_docs) if docs else None,
        "span_present": span is not None,
        "span_ok": bool(span_text.strip())
        and (_any(span_text, golds) or any(contains(g, span_text) for g in golds)),
        "citations": len(cites),
        "retrieval_hit": _any(" \n ".join(p or "" for p in passages), golds),
        "standalone_question": answer.get("standalone_question"),
        "answer": text[:300],
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _share(hits: int, n: int) -> float | None:
    return round(hits / n, 3) if n else None


def metrics(records: list[dict], answered: Callable[[dict], bool]) -> dict[str, Any]:
    able = [r for r in records if r["answerable"]]
    unable = [r for r in records if not r["answerable"]]
    done = [r for r in able if answered(r)]
    good = [r for r in done if r["correct"]]
    follow = [r for r in able if r["turn"] > 0]

    def right(r: dict) -> bool:
        return (answered(r) and r["correct"]) if r["answerable"] else not answered(r)

    multi = {r["conversation"] for r in records if r["turn"] > 0}
    convs: dict[str, bool] = {}
    for r in records:
        if r["conversation"] in multi:
            convs[r["conversation"]] = convs.get(r["conversation"], True) and right(r)
    out = {
        "accuracy": _share(len(good), len(able)),
        "first_quote": _share(sum(r["first_quote"] for r in done), len(able)),
        "citation_precision": _mean([r["citation_share"] for r in done]),
        "citation_doc_precision": _mean(
            [r["citation_doc_share"] for r in done if r["citation_doc_share"] is not None]
        ),
        "answer_span": _share(sum(r["span_ok"] for r in done), len(done)),
        "answer_span_present": _share(sum(r["span_present"] for r in done), len(done)),
        "abstention_unanswerable": _share(sum(not answered(r) for r in unable), len(unable)),
        "answer_rate": _share(len(done), len(able)),
        "precision": _share(len(good), len(done)),
        "mean_citations": _mean([r["citations"] for r in records if answered(r)]),
        "retrieval_hit": _share(sum(r["retrieval_hit"] for r in able), len(able)),
        "followup_accuracy": _share(sum(answered(r) and r["correct"] for r in follow), len(follow)),
        "all_right": _share(sum(map(right, records)), len(records)),
        "conversations_all_right": _share(sum(convs.values()), len(convs)),
        "missing": sum(r["missing"] for r in records),
    }
    traps = sorted({r["trap"] for r in unable if r["trap"]})
    if traps:
        out["abstention_by_trap"] = {
            t: _share(
                sum(not answered(r) for r in unable if r["trap"] == t),
                sum(r["trap"] == t for r in unable),
            )
            for t in traps
        }
    return out


def _by_threshold(t: float) -> Callable[[dict], bool]:
    return lambda r: (r["confidence"] or 0.0) >= t and not r["missing"]


def sweep(records: list[dict]) -> list[dict[str, Any]]:
    rows = []
    for t in THRESHOLDS:
        m = metrics(records, _by_threshold(t))
        keys = ("answer_rate", "accuracy", "precision", "abstention_unanswerable")
        rows.append({"threshold": t, **{k: m[k] for k in keys}})
    return rows


def _not_abstained(r: dict) -> bool:
    return not r["abstained"] and not r["missing"]


def default_threshold(records: list[dict]) -> list[float] | None:
    """The interval (lo, hi] the default run's abstentions put its threshold in."""
    confs = [(r["confidence"], r["abstained"]) for r in records if r["confidence"] is not None]
    lo = max((c for c, a in confs if a), default=0.0)
    hi = min((c for c, a in confs if not a), default=1.0)
    return [lo, hi] if confs and lo < hi else None


# --- one set, all variants ---


def _runs(variant: str, conversations: bool) -> list[Run]:
    if variant == "new":
        return [
            Run("new", "new"),
            Run("new-t0", "new", env={"RAG_ABSTAIN_THRESHOLD": "0"}),
        ]
    runs = [Run("old", "old")]
    if conversations:
        runs.append(Run("old-standalone", "old", standalone=True))
    return runs


def evaluate(devset: devsets.DevSet, codes: dict[str, Path], work: Path) -> dict[str, Any]:
    folder = Path(devset.folder)
    questions = [json.loads(line) for line in (folder / "questions.jsonl").open() if line.strip()]
    result: dict[str, Any] = {"devset": asdict(devset), "ingest": {}, "runs": {}}
    for variant, code in codes.items():
        home, log = work / f"home-{devset.name}-{variant}", work / f"{devset.name}-{variant}.log"
        result["code"] = {**result.get("code", {}), variant: _code_of(code, home)}
        print(f"[{devset.name}] {variant}: ingest", file=sys.stderr, flush=True)
        result["ingest"][variant] = report = ingest(code, home, devset.ingest, log)
        for run in _runs(variant, devset.followups > 0):
            if report.get("error"):
                run.error = f"ingest failed: {report['error']}"
            else:
                print(f"[{devset.name}] {run.label}: ask", file=sys.stderr, flush=True)
                ask(run, code, home, questions, folder, log)
            result["runs"][run.label] = _summarise(run, questions, devset.name, result["runs"])
    return result


def _summarise(run: Run, questions: list[dict], set_name: str, done: dict) -> dict[str, Any]:
    if run.standalone:  # first turns as the plain run answered them
        first = {r["id"]: r for r in done.get("old", {}).get("records", []) if r["turn"] == 0}
        records = [
            {**first[q["id"]], "variant": run.label}
            if q["turn"] == 0 and q["id"] in first
            else judge(q, run.answers.get(q["id"]), run.label, set_name)
            for q in questions
        ]
    else:
        records = [judge(q, run.answers.get(q["id"]), run.label, set_name) for q in questions]
    asked = sum(c["questions"] for c in run.calls)
    seconds = sum(c["seconds"] for c in run.calls)
    out: dict[str, Any] = {
        "variant": run.variant,
        "env": run.env,
        "error": run.error,
        "calls": run.calls,
        "ms_per_question": round(1000 * seconds / asked) if asked else None,
    }
    if run.label == "new-t0":
        out["sweep"] = sweep(records)
        out["withheld_at_threshold_0"] = sum(r["abstained"] for r in records if not r["missing"])
        out["metrics"] = metrics(records, lambda r: not r["missing"])
    else:
        out["metrics"] = metrics(records, _not_abstained)
        if run.label == "new":
            out["default_threshold_between"] = default_threshold(records)
    out["records"] = records
    return out


# --- the old code ---


def add_worktree(commit: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="rag-old-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), commit],
        check=True,
        capture_output=True,
    )
    return path


def remove_worktree(path: Path) -> None:
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "remove", "--force", str(path)], check=False, capture_output=True)
    subprocess.run([*git, "prune"], check=False, capture_output=True)
    if path.parent.is_dir() and not any(path.parent.iterdir()):
        path.parent.rmdir()


# --- report ---

LABELS = {
    "old": f"old ({OLD_COMMIT})",
    "old-standalone": "old, follow-ups asked standalone",
    "new": "new (default threshold)",
    "new-t0": "new, never withheld (threshold 0)",
}
ROWS = [
    ("accuracy", "accuracy (gold in answer / answerable)"),
    ("first_quote", "first cited quote holds gold"),
    ("citation_precision", "citation precision (passage holds gold)"),
    ("citation_doc_precision", "citations in the gold document"),
    ("answer_span", "answer_span holds gold / answered"),
    ("answer_span_present", "answer_span present"),
    ("abstention_unanswerable", "abstention on unanswerable"),
    ("answer_rate", "answer rate (answerable)"),
    ("precision", "correct / answered"),
    ("mean_citations", "citations per answer"),
    ("retrieval_hit", "gold in a cited or related passage"),
    ("followup_accuracy", "follow-up accuracy"),
    ("all_right", "questions all right"),
    ("conversations_all_right", "conversations all right"),
    ("ms_per_question", "ms/question (ask process wall)"),
    ("ingest_s", "ingest s"),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1.0 else str(value)


def _targets(name: str) -> dict[str, float]:
    return next((t for key, t in TARGETS.items() if name.startswith(key)), {})


def set_markdown(name: str, result: dict[str, Any]) -> str:
    d = result["devset"]
    runs = result["runs"]
    lines = [
        f"### {name}",
        "",
        f"{d['documents']} documents; {d['questions']} questions ({d['answerable']} "
        f"answerable, {d['unanswerable']} unanswerable; {d['followups']} follow-ups in "
        f"{d['conversations']} conversations). {d['note']}".strip(),
        "",
    ]
    targets = _targets(name)
    headers = ["metric", *(LABELS[k] for k in runs), "target"]
    rows = []
    for key, title in ROWS:
        cells = []
        for run in runs.values():
            if key == "ms_per_question":
                cells.append(_fmt(run["ms_per_question"]))
            elif key == "ingest_s":
                cells.append(_fmt(result["ingest"][run["variant"]].get("seconds")))
            else:
                cells.append(_fmt(run["metrics"].get(key)))
        if any(c != "-" for c in cells):
            rows.append([title, *cells, _fmt(targets.get(key))])
    lines.append(markdown_table(headers, rows))
    if "old-standalone" in runs:
        lines += [
            "",
            "old, follow-ups asked standalone: today's code given each follow-up rewritten by "
            "hand (the set's `standalone` text), with first turns as old answered them. It "
            "bounds what history handling can add on answerable follow-ups; it is no bound on "
            "abstention, since an unanswerable follow-up asked in full is harder to abstain on.",
        ]
    for label, run in runs.items():
        if run["error"]:
            lines += ["", f"**{LABELS[label]} failed**: `{run['error'][:600]}`"]
        traps = run["metrics"].get("abstention_by_trap")
        if traps and label in ("old", "new"):
            detail = ", ".join(f"{t} {_fmt(v)}" for t, v in traps.items())
            lines += ["", f"{LABELS[label]}, abstention by trap: {detail}."]
    if "new-t0" in runs and runs["new-t0"]["metrics"]["missing"] < d["questions"]:
        between = runs.get("new", {}).get("default_threshold_between")
        lines += ["", "New answerer, abstaining when confidence < threshold:", ""]
        keys = ["threshold", "answer_rate", "accuracy", "precision", "abstention_unanswerable"]
        table = [[_fmt(row[k]) for k in keys] for row in runs["new-t0"]["sweep"]]
        lines.append(markdown_table(keys, table))
        withheld = runs["new-t0"]["withheld_at_threshold_0"]
        if withheld:
            lines += [
                "",
                f"**Not a true sweep**: with `RAG_ABSTAIN_THRESHOLD=0` the new code still "
                f"withheld {withheld} answers (the setting is not honoured yet); those count "
                "as answered and wrong at every threshold.",
            ]
        if between:
            lines += [
                "",
                f"The default run's abstentions put its threshold in "
                f"({between[0]:.4f}, {between[1]:.4f}].",
            ]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], tag: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = "answers" + (f"-{tag}" if tag else "")
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
    info = report["machine"]
    head = [
        "## Answers: old against new",
        "",
        f"`bench/answers.py {' '.join(report['argv'])}`, {info['date']}, load average "
        f"{info['loadavg_1_5_15']} on {info['cpu_affinity']} cores. old = {OLD_COMMIT}, "
        "new = the working tree. Each number comes from fresh `rag ingest` and "
        "`rag ask --questions --json` processes; ms/question includes process start and "
        "model load per call.",
        "",
        "Gold answers count when they occur as whole words after normalising (lower case, "
        "quotes straightened, punctuation to spaces). accuracy: answerable questions answered "
        "with a gold answer in the answer text (all of them where the set says so); first "
        "quote: the quote of the citation whose [n] comes first holds a gold answer; citation "
        "precision: over answered answerable questions, the mean share of citations whose "
        "passage holds a gold answer (no citations counts 0); answer_span: the answer's span "
        "holds or lies inside a gold answer (null counts wrong).",
        "",
    ]
    skipped = [f"- {name}: {why}" for name, why in report["skipped"].items()]
    body = [set_markdown(name, result) for name, result in report["sets"].items()]
    text = "\n".join(head + (["Skipped:", *skipped, ""] if skipped else []) + body)
    (RESULTS_DIR / f"{stem}.md").write_text(text)
    return RESULTS_DIR / f"{stem}.md"


def tree_state() -> dict[str, str]:
    """What ``new`` is: the working tree's change against the old commit, as a hash,
    since other people edit it while benchmarks run."""
    diff = ["git", "-C", str(ROOT), "diff", OLD_COMMIT, "--", "rag", "ingest", "vectorstore"]
    patch = subprocess.run(diff, capture_output=True, check=False).stdout
    stat = subprocess.run([*diff[:5], "--shortstat", *diff[5:]], capture_output=True, text=True)
    others = ["git", "-C", str(ROOT), "ls-files", "--others", "--exclude-standard", *diff[5:]]
    untracked = subprocess.run(others, capture_output=True, text=True).stdout.split()
    for name in untracked:
        patch += (ROOT / name).read_bytes()
    return {
        "diff_sha1": hashlib.sha1(patch).hexdigest()[:12],
        "shortstat": stat.stdout.strip(),
        "untracked": " ".join(untracked),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", action="append", choices=sorted(devsets.BUILDERS))
    parser.add_argument("--variant", action="append", choices=["old", "new"])
    parser.add_argument("--limit", type=int, help="questions (or conversations) per set")
    parser.add_argument("--keep", type=Path, help="keep the built sets and logs here")
    parser.add_argument("--tag", default="", help="write answers-TAG.json/.md instead")
    parser.add_argument("--render", type=Path, help="only rewrite the .md from this .json")
    args = parser.parse_args()
    if args.render:
        print(f"wrote {write_report(json.loads(args.render.read_text()), args.tag)}")
        return
    variants = args.variant or ["old", "new"]
    report: dict[str, Any] = {
        "argv": sys.argv[1:],
        "machine": machine_info(["chromadb", "sentence-transformers", "torch"]),
        "old_commit": OLD_COMMIT,
        "new_tree_at_start": tree_state(),
        "sets": {},
        "skipped": {},
    }
    with tempfile.TemporaryDirectory(prefix="rag-answers-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        old = add_worktree(OLD_COMMIT) if "old" in variants else None
        try:
            codes = {"old": old, "new": ROOT} if old else {"new": ROOT}
            codes = {k: v for k, v in codes.items() if k in variants and v is not None}
            for name in args.set or list(devsets.BUILDERS):
                try:
                    devset = devsets.build(name, work / name, args.limit)
                except devsets.Skip as e:
                    print(f"skipped {name}: {e}", file=sys.stderr)
                    report["skipped"][name] = str(e)
                    continue
                report["sets"][name] = evaluate(devset, codes, work)
                print(set_markdown(name, report["sets"][name]), flush=True)
                write_report(report, args.tag)
        finally:
            if old:
                remove_worktree(old)
    print(f"wrote {write_report(report, args.tag)}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
