"""Dev sets for ``bench/answers.py``, each written into a folder as ``questions.jsonl``
(with gold fields), the corpus to ingest, and ``set.json`` (what to ingest, sizes).

Shared-data sets read ../shared/data and use only held-out questions (``bench/splits``);
they are built in a temporary folder and never inside the repository.

    .venv/bin/python bench/devsets.py news-snippets --out /tmp/news-snippets [--limit 150]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.splits import side_of  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RTQA = DATA / "realtimeqa"
SEED_ARTICLE = ROOT.parent / "shared" / "corpus" / "mi6-chief-moore-join-hands.txt"
OWN = ROOT / "bench" / "devsets"
EXAMPLES = ROOT / "examples"


class Skip(Exception):
    """A set's input is missing; the message names it."""


@dataclass(frozen=True)
class DevSet:
    name: str
    folder: str
    ingest: list[str]
    documents: int
    questions: int
    answerable: int
    unanswerable: int
    conversations: int
    followups: int
    note: str = ""


# --- judging text: shared with bench/answers.py so that building and scoring agree ---

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})


def normalise(text: str) -> str:
    """Lower case, curly quotes straight, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def contains(haystack: str | None, needle: str | None) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as whole words, after normalising."""
    n = normalise(needle or "")
    return bool(n) and f" {n} " in f" {normalise(haystack or '')} "


# --- small helpers ---


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _need(path: Path) -> Path:
    if not path.exists():
        raise Skip(f"{path} is absent")
    return path


def spread(items: list[Any], k: int | None) -> list[Any]:
    """``k`` items spread evenly over ``items`` (all of them when k is None or larger)."""
    if k is None or k >= len(items):
        return list(items)
    return [items[(i * len(items)) // k] for i in range(k)]


def _iso(date: str | None) -> str | None:
    match = re.match(r"(\d{4})[/-](\d{2})[/-](\d{2})", date or "")
    return "-".join(match.groups()) if match else None


def _short_title(text: str, words: int = 8) -> str:
    head = text.split()
    return " ".join(head[:words]) + (" …" if len(head) > words else "")


def _question(qid: str, text: str, answers: list[str], **gold: Any) -> dict[str, Any]:
    row = {"id": qid, "text": text, "answers": answers, "all": False, "answerable": True}
    row.update({"doc": None, "turn": 0, "conversation": qid})
    row.update(gold)
    return row


# --- RealTimeQA ---


def _rtqa_questions(pattern: str) -> dict[str, dict[str, Any]]:
    """Weekly files overlap: the first record of each question id wins."""
    files = sorted(_need(RTQA / "qa").glob(pattern))
    if not files:
        raise Skip(f"no {RTQA / 'qa' / pattern}")
    out: dict[str, dict[str, Any]] = {}
    for path in files:
        for q in _jsonl(path):
            out.setdefault(str(q["question_id"]), q)
    return out


def _gold(q: dict[str, Any]) -> str | None:
    try:
        return str(q["choices"][int(q["answer"][0])])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _snippet(evidence: str | None) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", evidence or "")).split())


_STOP_WORDS = (
    "the a an and or of to in on for with at by from as is was were be been are this that "
    "which who whom what when where why how did does do has have had its it his her their "
    "they he she than then not but into over after before about most more new year week "
    "recently last first says said according will would can could"
)
_STOP = frozenset(_STOP_WORDS.split())


def _words(text: str) -> set[str]:
    return {w for w in normalise(text).split() if len(w) > 2 and w not in _STOP}


def _distractors(topics: list[set[str]], pool: dict[str, set[str]], count: int) -> list[str]:
    """Up to ``count`` pool keys, taken in turn for each question's topic words, most shared
    IDF-weighted words first, so that every question meets snippets on its own topic."""
    df = Counter(w for words in pool.values() for w in words)
    idf = {w: math.log(len(pool) / n) for w, n in df.items()}
    rankings = []
    for words in topics:
        scored = [(sum(idf[w] for w in words & other), key) for key, other in pool.items()]
        rankings.append([key for score, key in sorted(scored, key=lambda s: (-s[0], s[1]))])
    taken: list[str] = []
    seen: set[str] = set()
    for depth in range(len(pool)):
        for ranking in rankings:
            if len(taken) >= count:
                return taken
            key = ranking[depth]
            if key not in seen:
                seen.add(key)
                taken.append(key)
    return taken


def build_news_snippets(
    folder: Path, limit: int | None, max_docs: int = 1500, side: str = "heldout"
) -> DevSet:
    questions = _rtqa_questions("*_qa.jsonl")
    snippets: dict[str, tuple[str, dict[str, Any]]] = {}  # normalised text -> (doc id, q)
    doc_of: dict[str, str] = {}
    for qid in sorted(questions):
        q = questions[qid]
        text = _snippet(q.get("evidence"))
        if len(text) < 20:
            continue
        key = normalise(text)
        if key not in snippets:
            snippets[key] = (f"rtqa-{qid}", {**q, "_text": text})
        doc_of[qid] = snippets[key][0]
    eligible = [
        qid
        for qid in sorted(doc_of)
        if side_of(qid) == side
        and (gold := _gold(questions[qid]))
        and contains(_snippet(questions[qid].get("evidence")), gold)
    ]
    chosen = spread(eligible, 150 if limit is None else limit)
    own = {doc_of[qid] for qid in chosen}
    by_id = {doc_id: q for doc_id, q in snippets.values()}
    pool = {doc_id: _words(q["_text"]) for doc_id, q in by_id.items() if doc_id not in own}
    topics = [
        _words(questions[qid]["question_sentence"]) | _words(by_id[doc_of[qid]]["_text"])
        for qid in chosen
    ]
    extra = _distractors(topics, pool, max(0, max_docs - len(own)))
    docs = [
        {
            "id": doc_id,
            "title": _short_title(by_id[doc_id]["_text"]),
            "text": by_id[doc_id]["_text"],
            "url": None,
            "date": _iso(by_id[doc_id].get("question_date")),
        }
        for doc_id in sorted(own | set(extra))
    ]
    rows = [
        _question(
            qid,
            questions[qid]["question_sentence"],
            [_gold(questions[qid])],
            doc=doc_of[qid],
            date=_iso(questions[qid].get("question_date")),
            choices=questions[qid]["choices"],
        )
        for qid in chosen
    ]
    note = f"{len(eligible)} {side} questions have the gold answer in their evidence snippet"
    return _finish("news-snippets", folder, docs, rows, note)


def _articles(path: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for row in _jsonl(path):
        yield (
            str(row["question_id"]),
            [a for a in row["search_result"] if a.get("text", "").strip()],
        )


def build_news_articles(
    folder: Path, limit: int | None, max_docs: int = 600, side: str = "heldout"
) -> DevSet:
    """Whole weeks (all their search results, so other questions' articles are the
    distractors), richest in eligible held-out questions per article first, while the
    corpus stays under ``max_docs`` articles."""
    questions = _rtqa_questions("2025*_qa.jsonl")
    weeks = sorted(_need(RTQA / "gcs_2025").glob("*_gcs.jsonl.gz"))
    if not weeks:
        raise Skip(f"no {RTQA / 'gcs_2025'}/*_gcs.jsonl.gz")
    stats = []
    for path in weeks:
        urls: dict[str, dict[str, Any]] = {}
        good: dict[str, list[str]] = {}
        for qid, results in _articles(path):
            for a in results:
                urls.setdefault(a["url"], a)
            gold = _gold(questions.get(qid, {}))
            if side_of(qid) == side and gold:
                hits = [a["url"] for a in results if contains(a["text"], gold)]
                if hits:
                    good[qid] = hits
        if good:
            stats.append((len(good) / len(urls), path.name, urls, good))
    stats.sort(key=lambda s: (-s[0], s[1]))
    corpus: dict[str, dict[str, Any]] = {}
    chosen: dict[str, list[str]] = {}
    want = 120 if limit is None else limit
    for _, _, urls, good in stats:
        if len(chosen) >= want:
            break
        if len(corpus | urls) > max_docs:
            continue
        corpus |= urls
        chosen |= good
    doc_id = {url: "art-" + hashlib.sha1(url.encode()).hexdigest()[:12] for url in corpus}
    docs = [
        {
            "id": doc_id[url],
            "title": a.get("title") or _short_title(a["text"]),
            "text": a["text"],
            "url": url,
            "date": _iso(a.get("publish_date")),
        }
        for url, a in sorted(corpus.items(), key=lambda kv: doc_id[kv[0]])
    ]
    rows = [
        _question(
            qid,
            questions[qid]["question_sentence"],
            [_gold(questions[qid])],
            doc=doc_id[chosen[qid][0]],
            docs=[doc_id[u] for u in chosen[qid]],
            date=_iso(questions[qid].get("question_date")),
            choices=questions[qid]["choices"],
        )
        for qid in spread(sorted(chosen), want)
    ]
    total = sum(len(s[3]) for s in stats)
    note = (
        f"{total} {side} 2025 questions have the gold in a search result; whole weeks "
        f"under {max_docs} articles hold {len(chosen)}"
    )
    return _finish("news-articles", folder, docs, rows, note)


# --- the project's own sets ---


def _encyclopedia(name: str) -> Callable[[Path, int | None], DevSet]:
    def build(folder: Path, limit: int | None) -> DevSet:
        paragraphs = list(_jsonl(_need(OWN / f"{name}.jsonl")))
        docs = [
            {"id": p["id"], "title": p.get("title"), "text": p["text"], "url": None, "date": None}
            for p in paragraphs
        ]
        rows = [
            _question(
                q["id"],
                q["text"],
                list(q.get("answers") or []) if q["answerable"] else [],
                answerable=bool(q["answerable"]),
                doc=p["id"] if q["answerable"] else None,
                paragraph=p["id"],
                trap=q.get("trap"),
                plausible_answer=q.get("plausible_answer"),
            )
            for p in paragraphs
            for q in p["questions"]
        ]
        return _finish(name, folder, docs, spread(rows, limit))

    return build


def _turn_rows(conversations: list[dict[str, Any]], doc: str | None) -> list[dict[str, Any]]:
    rows = []
    for conv in conversations:
        for i, turn in enumerate(conv["turns"]):
            answerable = bool(turn.get("answerable", True))
            extra = {k: turn[k] for k in ("standalone", "kind") if k in turn}
            rows.append(
                _question(
                    f"{conv['id']}.{i}",
                    turn["text"],
                    list(turn.get("answers") or []) if answerable else [],
                    all=bool(turn.get("all", False)),
                    answerable=answerable,
                    doc=turn.get("doc", doc) if answerable else None,
                    turn=i,
                    conversation=conv["id"],
                    **extra,
                )
            )
    return rows


def build_seed_article(folder: Path, limit: int | None) -> DevSet:
    _need(SEED_ARTICLE)
    conversations = spread(list(_jsonl(_need(OWN / "seed-article.jsonl"))), limit)
    rows = _turn_rows(conversations, SEED_ARTICLE.name)
    return _finish("seed-article", folder, None, rows, ingest=[SEED_ARTICLE], documents=1)


def build_sample(folder: Path, limit: int | None) -> DevSet:
    corpus = _need(EXAMPLES / "corpus")
    seed = list(_jsonl(_need(EXAMPLES / "questions" / "seed.jsonl")))
    multi = list(_jsonl(_need(EXAMPLES / "questions" / "multiturn.jsonl")))
    singles = [
        {
            "id": q["id"],
            # s01 asks for everything Moore said about AI: every part must be there.
            "turns": [{**q, "all": q["id"] == "s01"}],
        }
        for q in seed
    ]
    rows = _turn_rows(spread(singles + multi, limit), None)
    for row in rows:  # single questions keep their own ids
        if row["conversation"] in {q["id"] for q in seed}:
            row["id"] = row["conversation"]
    documents = sum(1 for p in corpus.iterdir() if p.is_file())
    return _finish("sample", folder, None, rows, ingest=[corpus], documents=documents)


def _finish(
    name: str,
    folder: Path,
    docs: list[dict[str, Any]] | None,
    rows: list[dict[str, Any]],
    note: str = "",
    ingest: list[Path] | None = None,
    documents: int = 0,
) -> DevSet:
    folder.mkdir(parents=True, exist_ok=True)
    if docs is not None:
        documents = _write_jsonl(folder / "corpus.jsonl", docs)
        ingest = [folder / "corpus.jsonl"]
    _write_jsonl(folder / "questions.jsonl", rows)
    answerable = sum(r["answerable"] for r in rows)
    devset = DevSet(
        name=name,
        folder=str(folder),
        ingest=[str(p) for p in ingest or []],
        documents=documents,
        questions=len(rows),
        answerable=answerable,
        unanswerable=len(rows) - answerable,
        conversations=len({r["conversation"] for r in rows if r["turn"] > 0}),
        followups=sum(r["turn"] > 0 for r in rows),
        note=note,
    )
    (folder / "set.json").write_text(json.dumps(asdict(devset), indent=1) + "\n")
    return devset


BUILDERS: dict[str, Callable[[Path, int | None], DevSet]] = {
    "news-snippets": build_news_snippets,
    "news-articles": build_news_articles,
    "encyclopedia-dev": _encyclopedia("encyclopedia-dev"),
    "encyclopedia-heldout": _encyclopedia("encyclopedia-heldout"),
    "seed-article": build_seed_article,
    "sample": build_sample,
}
FROM_SHARED_DATA = {"news-snippets", "news-articles"}


def build(name: str, folder: Path, limit: int | None = None) -> DevSet:
    """Write set ``name`` into ``folder``; raises Skip when its input is missing."""
    if name in FROM_SHARED_DATA and folder.resolve().is_relative_to(ROOT):
        raise SystemExit(f"{folder}: shared data must not be written inside {ROOT}")
    return BUILDERS[name](folder, limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", choices=sorted(BUILDERS))
    parser.add_argument("--out", type=Path, required=True, help="folder to write the set into")
    parser.add_argument("--limit", type=int, help="at most this many questions/conversations")
    args = parser.parse_args()
    try:
        devset = build(args.set, args.out, args.limit)
    except Skip as e:
        print(f"skipped {args.set}: {e}", file=sys.stderr)
        return
    print(json.dumps(asdict(devset), indent=1))


if __name__ == "__main__":
    main()
