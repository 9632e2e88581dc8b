"""Load: concurrent chat sessions through the /ask API while documents are uploaded.

One `rag serve` process on a Chroma server, driven over HTTP by gradio_client as a
program would drive it:

1. the sample corpus is uploaded through /ingest;
2. one session asks the seed questions one after another (the baseline);
3. ``--sessions`` sessions ask conversations (follow-ups carry their history) for at
   least ``--seconds``, while one uploader sends ``--docs`` BBC articles through
   /ingest in batches; the run lasts until both are done;
4. /documents is checked: every uploaded article is there, complete, once.

With ``--users N`` the app has N logins (``RAG_AUTH``); the sample corpus goes into
the shared default collection first (``rag ingest`` on the same Chroma server), each
session logs in as one of the users, and the uploads are spread over the users, so
every user's own collection fills up during the run. Also checked then: 0 answers
cite a document of a collection the asking user may not read, and each user's
/documents lists exactly the shared corpus and their own uploads.

Reported: errors, ask p50/p95 under load next to the single session's, asks/s,
upload passages/s, and the peak RSS of the app and of Chroma.

    .venv/bin/python bench/load.py [--sessions 20] [--seconds 60] [--docs 500]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.error import URLError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chroma_server import ChromaServer, free_port, rss_mib  # noqa: E402
from bench.common import (  # noqa: E402
    DATA_DIR,
    RESULTS_DIR,
    child_env,
    machine_info,
    markdown_table,
    percentiles,
    read_jsonl,
)

QUESTIONS = ROOT / "examples" / "questions"
CORPUS = ROOT / "examples" / "corpus"


class App:
    """`rag serve` in a subprocess, on a free port."""

    def __init__(self, home: Path, chroma_url: str, auth: str = "") -> None:
        self.port = free_port()
        env = child_env()
        env.update(RAG_HOME=str(home), RAG_CHROMA_URL=chroma_url)
        if auth:
            env["RAG_AUTH"] = auth
        rag = Path(sys.executable).parent / "rag"
        self.log = (home.parent / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [str(rag), "serve", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def wait(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"rag serve exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except (URLError, OSError):
                time.sleep(0.5)
        raise SystemExit(f"rag serve did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def client(url: str, login: tuple[str, str] | None = None) -> Any:
    from gradio_client import Client

    return Client(url, auth=login, verbose=False)


def logins(count: int) -> list[tuple[str, str]]:
    return [(f"user{i}", f"password-{i}") for i in range(count)]


def readable(user: str | None, doc_id: str) -> bool:
    """Whether ``user`` may read a document: the shared ones (bare ids) and their own."""
    return user is None or "/" not in doc_id or doc_id.startswith(f"{user}/")


def bbc_files(folder: Path, count: int) -> list[Path]:
    """``count`` BBC articles with distinct texts, as .txt files (title on line one)."""
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    files: list[Path] = []
    for article in read_jsonl(DATA_DIR / "bbc_news" / "bbc_articles.jsonl"):
        digest = hashlib.sha256(article["text"].strip().encode()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        path = folder / f"bbc-{str(article['id']).replace('/', '-')}.txt"
        path.write_text(f"{article['title']}\n\n{article['text']}", encoding="utf-8")
        files.append(path)
        if len(files) == count:
            break
    return files


class Sampler(threading.Thread):
    """Peak RSS of the app and of Chroma, read from /proc once a second."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0.0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mib(pid))


class Session(threading.Thread):
    """One user: walks through conversations, each follow-up with its history."""

    def __init__(
        self,
        url: str,
        conversations: list[list[str]],
        offset: int,
        stop: threading.Event,
        limit: int | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.login = login
        self.leaks: list[str] = []  # cited documents the user may not read
        self.limit = limit
        self.conversations = conversations
        self.offset = offset
        self.stop_event = stop
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        api = client(self.url, self.login)
        user = self.login[0] if self.login else None
        turn = 0
        while not self.stop_event.is_set():
            conversation = self.conversations[(self.offset + turn) % len(self.conversations)]
            turn += 1
            history: list[list[str]] = []
            for question in conversation:
                asked = len(self.latencies) + len(self.errors)
                if self.stop_event.is_set() or (self.limit and asked >= self.limit):
                    return
                start = time.perf_counter()
                try:
                    answer = api.predict(question, history, api_name="/ask")
                except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                    self.errors.append(f"{type(e).__name__}: {e}")
                    continue
                self.latencies.append((time.perf_counter() - start) * 1000)
                if not isinstance(answer, dict) or "answer" not in answer:
                    self.errors.append(f"malformed answer: {str(answer)[:200]}")
                    continue
                cited = [c["doc_id"] for c in answer.get("citations", [])]
                self.leaks += [d for d in cited if not readable(user, d)]
                history.append([question, answer["answer"]])


def conversations() -> list[list[str]]:
    convs = [[t["text"] for t in c["turns"]] for c in read_jsonl(QUESTIONS / "multiturn.jsonl")]
    convs += [[q["text"]] for q in read_jsonl(QUESTIONS / "seed.jsonl")]
    return convs


def upload(
    url: str, files: list[Path], batch: int, users: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Upload ``files`` in batches; with ``users``, batch i is uploaded by user i % n."""
    from gradio_client import handle_file

    apis = [client(url, login) for login in users] if users else [client(url)]
    added = failed = duplicates = passages = 0
    errors: list[str] = []
    start = time.perf_counter()
    owner: dict[str, str] = {}
    for number, lo in enumerate(range(0, len(files), batch)):
        part = files[lo : lo + batch]
        api = apis[number % len(apis)]
        if users:
            owner.update((p.name, users[number % len(users)][0]) for p in part)
        try:
            report = api.predict([handle_file(str(p)) for p in part], api_name="/ingest")
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(e).__name__}: {e}")
            continue
        added += len(report["added"])
        failed += len(report["failed"])
        duplicates += len(report["duplicates"])
        passages += sum(d["chunks"] for d in report["added"])
    seconds = time.perf_counter() - start
    return {
        "files": len(files),
        "added": added,
        "failed": failed,
        "duplicates": duplicates,
        "passages": passages,
        "seconds": round(seconds, 1),
        "passages_per_s": round(passages / seconds, 2) if seconds else 0.0,
        "errors": errors,
        "owner": owner,
    }


def run(args: argparse.Namespace) -> int:
    if not (DATA_DIR / "bbc_news" / "bbc_articles.jsonl").is_file():
        print(f"skipped: {DATA_DIR / 'bbc_news'} is absent; the uploads come from it")
        return 0
    work = Path(tempfile.mkdtemp(prefix="rag-load-"))
    files = bbc_files(work / "uploads", args.docs)
    convs = conversations()
    users = logins(args.users)
    auth = ",".join(f"{u}:{p}" for u, p in users)
    corpus = sorted(str(p) for p in CORPUS.iterdir() if p.is_file())
    with ChromaServer(work / "chroma") as chroma:
        if users:  # the operator's shared corpus, before the app starts
            env = child_env()
            env.update(RAG_HOME=str(work / "operator"), RAG_CHROMA_URL=chroma.url)
            rag = Path(sys.executable).parent / "rag"
            done = subprocess.run(
                [str(rag), "ingest", str(CORPUS), "--json"],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            seeded = {"added": len(json.loads(done.stdout.splitlines()[-1])["added"])}
        app = App(work / "home", chroma.url, auth)
        try:
            app.wait()
            sampler = Sampler({"app": app.process.pid, "chroma": chroma.process.pid})  # type: ignore[union-attr]
            sampler.start()
            if not users:
                seeded = upload(app.url, [Path(p) for p in corpus], batch=len(corpus))
            print(f"sample corpus: {seeded['added']} added", flush=True)

            alone = [[q] for c in convs for q in c]
            first = users[0] if users else None
            single = Session(app.url, alone, 0, threading.Event(), args.single, first)
            single.run()  # in this thread: one user, nobody else
            print(f"single session: {percentiles(single.latencies)}", flush=True)

            stop = threading.Event()
            sessions = [
                Session(app.url, convs, i * 3, stop, None, users[i % len(users)] if users else None)
                for i in range(args.sessions)
            ]
            started = time.perf_counter()
            for s in sessions:
                s.start()
            uploaded = upload(app.url, files, args.batch, users)
            while time.perf_counter() - started < args.seconds:
                time.sleep(0.5)
            stop.set()
            for s in sessions:
                s.join(timeout=600)
            duration = time.perf_counter() - started
            sampler.done.set()

            per_user = {u: client(app.url, (u, p)).predict(api_name="/documents") for u, p in users}
            listed = client(app.url, first).predict(api_name="/documents")
            if users:
                listed = [d for docs in per_user.values() for d in docs if "/" in d["doc_id"]]
                listed += [d for d in per_user[users[0][0]] if "/" not in d["doc_id"]]
            listed_names = {Path(d["source"]).name for d in listed}
            missing = sorted(p.name for p in files if p.name not in listed_names)
            owners = uploaded.pop("owner")
            misplaced = sorted(
                Path(d["source"]).name
                for u, docs in per_user.items()
                for d in docs
                if "/" in d["doc_id"] and owners.get(Path(d["source"]).name) != u
            )
        finally:
            app.stop()
    latencies = [ms for s in sessions for ms in s.latencies]
    errors = [e for s in sessions for e in s.errors] + uploaded["errors"]
    result = {
        "machine": machine_info(["gradio", "gradio_client", "chromadb"]),
        "sessions": args.sessions,
        "duration_s": round(duration, 1),
        "single_session_ask_ms": percentiles(single.latencies),
        "loaded_ask_ms": percentiles(latencies),
        "asks": len(latencies),
        "asks_per_s": round(len(latencies) / duration, 2),
        "ask_errors": sum(len(s.errors) for s in sessions),
        "upload": uploaded,
        "documents_listed": len(listed),
        "expected_documents": seeded["added"] + len(files),
        "uploads_missing": missing,
        "users": args.users,
        "answers_citing_unreadable": sum(len(s.leaks) for s in sessions + [single]),
        "documents_listed_to_the_wrong_user": misplaced,
        "peak_rss_mib": {k: round(v) for k, v in sampler.peak.items()},
        "errors_sample": errors[:10],
    }
    _save(result)
    print(json.dumps(result, indent=2))
    ok = not errors and not missing and len(listed) == result["expected_documents"]
    ok = ok and not result["answers_citing_unreadable"] and not misplaced
    return 0 if ok else 1


def _save(result: dict[str, Any]) -> None:
    out = RESULTS_DIR / ("load-users.json" if result["users"] else "load.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    single, loaded = result["single_session_ask_ms"], result["loaded_ask_ms"]
    rows = [
        ["1 session, idle app", f"{single['n']}", f"{single['p50']}", f"{single['p95']}", "-"],
        [
            f"{result['sessions']} sessions + uploads",
            f"{loaded['n']}",
            f"{loaded['p50']}",
            f"{loaded['p95']}",
            f"{result['ask_errors']}",
        ],
    ]
    table = markdown_table(["load", "asks", "p50 ms", "p95 ms", "errors"], rows)
    up = result["upload"]
    lines = [
        table,
        "",
        f"Uploads during the load: {up['added']} of {up['files']} added, {up['failed']} failed, "
        f"{up['passages']} passages in {up['seconds']} s ({up['passages_per_s']} passages/s); "
        f"/documents lists {result['documents_listed']} of {result['expected_documents']} "
        f"expected, {len(result['uploads_missing'])} missing.",
        f"Users: {result['users']}; answers citing a collection the user may not read: "
        f"{result['answers_citing_unreadable']}; documents listed to the wrong user: "
        f"{len(result['documents_listed_to_the_wrong_user'])}.",
        f"Peak RSS: app {result['peak_rss_mib']['app']} MiB, "
        f"Chroma {result['peak_rss_mib']['chroma']} MiB. "
        f"{result['asks']} asks in {result['duration_s']} s ({result['asks_per_s']}/s).",
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--batch", type=int, default=25, help="files per /ingest call")
    parser.add_argument("--single", type=int, default=20, help="baseline questions")
    parser.add_argument(
        "--users", type=int, default=0, help="logins the sessions and uploads are spread over"
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
