"""Cold start on a store of about 10k passages: BBC News (2,225 articles) ingested into
an embedded store, then each command as a fresh process, as a user runs them:

- `rag search` and `rag ask --json` (median of ``--runs``);
- `rag docs list`;
- `rag serve`: from the command to its first page answering HTTP 200.

    .venv/bin/python bench/cold_store.py [--runs 5]

Needs ../shared/data/bbc_news; writes bench/results/cold-store.json and .md.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA_DIR, RESULTS_DIR, child_env, machine_info, markdown_table  # noqa: E402

RAG = Path(sys.executable).parent / "rag"
CORPUS = DATA_DIR / "bbc_news" / "bbc_articles.jsonl"
SEARCH = "What did the chancellor say about interest rates?"
ASK = "Who won the Australian Open?"


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_first_page(env: dict[str, str]) -> float:
    port = _free_port()
    start = time.perf_counter()
    app = subprocess.Popen(
        [str(RAG), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < 120:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SystemExit("rag serve did not answer within 120 s")
    finally:
        app.terminate()
        app.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent; this benchmark needs it")
        return 0
    home = Path(tempfile.mkdtemp(prefix="rag-cold-store-"))
    env = child_env()
    env.update(RAG_HOME=str(home))
    ingest_s, _ = _timed([str(RAG), "ingest", str(CORPUS)], env)
    listing_s, listing = _timed([str(RAG), "docs", "list", "--json"], env)
    documents = json.loads(listing)
    passages = sum(int(d["chunks"]) for d in documents)
    search, ask, serve = [], [], []
    for _ in range(args.runs):
        search.append(_timed([str(RAG), "search", SEARCH], env)[0])
        ask.append(_timed([str(RAG), "ask", ASK, "--json"], env)[0])
        serve.append(_serve_first_page(env))
    out: dict[str, Any] = {
        "machine": machine_info(["onnxruntime", "chromadb"]),
        "runs": args.runs,
        "documents": len(documents),
        "passages": passages,
        "ingest_s": round(ingest_s, 1),
        "docs_list_s": round(listing_s, 2),
        "search_s": round(statistics.median(search), 2),
        "ask_s": round(statistics.median(ask), 2),
        "serve_first_page_s": round(statistics.median(serve), 2),
    }
    (RESULTS_DIR / "cold-store.json").write_text(json.dumps(out, indent=1) + "\n")
    m = out["machine"]
    rows = [
        ["`rag search` (fresh process)", f"{out['search_s']} s", "2 s"],
        ["`rag ask --json` (fresh process)", f"{out['ask_s']} s", "2 s"],
        ["`rag serve` to its first page", f"{out['serve_first_page_s']} s", "3 s"],
        ["`rag docs list --json`", f"{out['docs_list_s']} s", "-"],
    ]
    text = (
        f"## Cold start at {passages:,} passages ({len(documents):,} BBC News articles, "
        f"embedded store)\n\n`bench/cold_store.py --runs {args.runs}`, {m['date']}, load "
        f"average {m['loadavg_1_5_15']} on {m['cpu_count']} cores; medians of fresh "
        f"processes. Ingest of the corpus by `rag ingest`: {out['ingest_s']} s.\n\n"
        + markdown_table(["command", "wall", "target"], rows)
        + "\n"
    )
    (RESULTS_DIR / "cold-store.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
