"""Helpers shared by the benchmarks: where the data is, peak memory, machine facts,
running one variant in a fresh subprocess, and the markdown table."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"
RESULTS_DIR = REPO / "bench" / "results"

# The model always comes from the installed package; never let a library reach for the hub.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}


def require_data(relative: str) -> Path:
    """The data file under ../shared/data, or exit 0 with a message saying why not."""
    path = DATA_DIR / relative
    if not DATA_DIR.is_dir():
        print(f"skipped: {DATA_DIR} is absent; this benchmark needs the shared data sets there")
        raise SystemExit(0)
    if not path.is_file():
        print(f"skipped: {path} is absent; put the data set there to run this benchmark")
        raise SystemExit(0)
    return path


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(ms: list[float], digits: int | None = None) -> dict[str, float]:
    """Median and 95th percentile (nearest rank) of latencies, and how many there were."""
    if not ms:
        return {"p50": 0.0, "p95": 0.0, "n": 0}
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), digits),
        "p95": round(p95, digits),
        "n": len(ms),
    }


def child_env() -> dict[str, str]:
    """The environment for a variant: offline, and without RAG_* overrides so that
    every run measures the default settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(OFFLINE_ENV)
    return env


def run_variant(script: Path, variant: str, out: Path, extra: Sequence[str]) -> dict[str, Any]:
    """Run ``script --variant NAME --out FILE ...`` in a fresh interpreter, so that
    peak memory and imported state never leak from one variant into another."""
    command = [sys.executable, str(script), "--variant", variant, "--out", str(out), *extra]
    print(f"--- {variant}", flush=True)
    done = subprocess.run(command, env=child_env(), cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(f"variant {variant} failed with exit code {done.returncode}")
    return dict(json.loads(out.read_text()))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def head_lines(source: Path, limit: int, folder: Path) -> Path:
    """A copy of the first ``limit`` lines of ``source`` in ``folder`` (same name)."""
    target = folder / source.name
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for number, line in enumerate(lines):
            if number >= limit:
                break
            out.write(line)
    return target


def token_lengths(tokenizer: Any, texts: list[str]) -> list[int]:
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]


def token_stats(texts: list[str], lengths: list[int], limit: int) -> dict[str, Any]:
    """Sizes of the passages a model sees; tokens past ``limit`` are cut by the model."""
    kept = [min(n, limit) for n in lengths]
    return {
        "passages": len(texts),
        "mean_chars": sum(map(len, texts)) / max(len(texts), 1),
        "mean_tokens": sum(kept) / max(len(kept), 1),
        "total_tokens": sum(kept),
        "truncated": sum(n > limit for n in lengths),
    }


def padded_tokens(calls: list[list[int]], limit: int, batch_size: int) -> int:
    """Tokens the encoder really computes: like ``SentenceTransformer.encode``, each
    call is sorted longest first (it sorts by characters; tokens are a close proxy)
    and every batch is padded to its longest member."""
    total = 0
    for lengths in calls:
        ordered = sorted((min(n, limit) for n in lengths), reverse=True)
        for lo in range(0, len(ordered), batch_size):
            batch = ordered[lo : lo + batch_size]
            total += len(batch) * batch[0]
    return total


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")


def versions(packages: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine_info(packages: Sequence[str]) -> dict[str, Any]:
    """Facts that explain the numbers; the load average shows how shared the CPU was."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "versions": versions(packages),
    }


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
