"""Cold and warm timings of the two embedding runtimes, side by side in one run.

``torch`` (sentence-transformers, the reference and the old default) against ``onnx``
(the int8 ONNX Runtime export, the default now), on the sample corpus:

- the one-time export of the ONNX model (first use on a machine, or a new cache);
- ingest of the sample corpus by ``rag ingest`` (a fresh process and store);
- cold: wall time of a fresh ``rag search`` and ``rag ask --json`` process on that
  store, alternating the runtimes, median of ``--runs``;
- warm: per-question latency of ``Library.ask`` in one long-lived process (the chat
  window, the API) over the seed questions, after one warm-up question.

    .venv/bin/python bench/cold.py [--runs 5]

Writes bench/results/cold.json and cold.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS_DIR, child_env, machine_info, markdown_table  # noqa: E402

RUNTIMES = ("torch", "onnx")
RAG = Path(sys.executable).parent / "rag"
CORPUS = ROOT / "examples" / "corpus"
QUESTIONS = ROOT / "examples" / "questions" / "seed.jsonl"
SEARCH = "Who went to Prague?"
ASK = "What did Moore say about AI?"

WARM = """
import json, statistics, sys, time
from rag.library import open_library
library = open_library()
questions = [json.loads(line)["text"] for line in open(sys.argv[1]) if line.strip()]
library.ask("warm up the model and the keyword index")
times = []
for q in questions:
    start = time.perf_counter()
    library.ask(q)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"questions": len(times), "median_ms": statistics.median(times),
                  "mean_ms": statistics.mean(times), "max_ms": max(times)}))
"""


def _env(home: Path, models: Path, runtime: str) -> dict[str, str]:
    env = child_env()
    env.update(RAG_HOME=str(home), RAG_MODEL_CACHE=str(models), RAG_EMBEDDER=runtime)
    return env


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-cold-"))
    models = work / "models"
    out: dict[str, Any] = {"machine": machine_info(["onnxruntime", "torch"]), "runs": args.runs}
    # The export happens once per machine (or model cache); measured on its own.
    export_home = work / "export"
    out["onnx_export_s"] = round(
        _timed([str(RAG), "search", "warm"], _env(export_home, models, "onnx")), 1
    )
    homes = {r: work / r for r in RUNTIMES}
    out["ingest_s"] = {
        r: round(_timed([str(RAG), "ingest", str(CORPUS)], _env(homes[r], models, r)), 2)
        for r in RUNTIMES
    }
    cold: dict[str, dict[str, list[float]]] = {r: {"search": [], "ask": []} for r in RUNTIMES}
    for _ in range(args.runs):
        for r in RUNTIMES:  # alternating, so that machine noise falls on both
            env = _env(homes[r], models, r)
            cold[r]["search"].append(_timed([str(RAG), "search", SEARCH], env))
            cold[r]["ask"].append(_timed([str(RAG), "ask", ASK, "--json"], env))
    out["cold_s"] = {
        r: {k: round(statistics.median(v), 2) for k, v in cold[r].items()} for r in RUNTIMES
    }
    out["warm"] = {}
    for r in RUNTIMES:
        done = subprocess.run(
            [sys.executable, "-c", WARM, str(QUESTIONS)],
            env=_env(homes[r], models, r),
            capture_output=True,
            text=True,
            check=True,
        )
        out["warm"][r] = json.loads(done.stdout.strip().splitlines()[-1])
    (RESULTS_DIR / "cold.json").write_text(json.dumps(out, indent=1) + "\n")
    (RESULTS_DIR / "cold.md").write_text(render(out))
    print(render(out))
    return 0


def render(out: dict[str, Any]) -> str:
    t, o = "torch", "onnx"

    def row(label: str, a: float, b: float, unit: str) -> list[str]:
        return [label, f"{a:g} {unit}", f"{b:g} {unit}", f"{a / max(b, 1e-9):.2f}x"]

    rows = [
        row(
            "ingest the sample corpus (fresh process)", out["ingest_s"][t], out["ingest_s"][o], "s"
        ),
        row("cold `rag search`", out["cold_s"][t]["search"], out["cold_s"][o]["search"], "s"),
        row("cold `rag ask --json`", out["cold_s"][t]["ask"], out["cold_s"][o]["ask"], "s"),
        row(
            "warm ask, median per question",
            round(out["warm"][t]["median_ms"], 1),
            round(out["warm"][o]["median_ms"], 1),
            "ms",
        ),
        row(
            "warm ask, mean per question",
            round(out["warm"][t]["mean_ms"], 1),
            round(out["warm"][o]["mean_ms"], 1),
            "ms",
        ),
    ]
    m = out["machine"]
    return (
        "## Cold and warm: torch against ONNX int8\n\n"
        f"`bench/cold.py --runs {out['runs']}`, {m['date']}, load average "
        f"{m['loadavg_1_5_15']} on {m['cpu_count']} cores. Cold numbers are medians "
        "of fresh processes, the runtimes alternating.\n\n"
        + markdown_table(["path", "torch", "onnx (default)", "torch / onnx"], rows)
        + f"\n\nThe ONNX export, once per machine or model cache: {out['onnx_export_s']} s "
        "(a first `rag search` that exports, then answers).\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
