"""Uploaded files and pasted URLs made ready for ingest.

Uploads are copied from Gradio's temporary folder to ``<RAG_HOME>/uploads/<safe name>``
so a document keeps the same source (and id) when the same file is uploaded again:
re-uploading reports it unchanged, or updated if its content changed.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ingest.detect import SUFFIXES, SUPPORTED
from ingest.report import Failure
from ingest.urlguard import is_url
from rag.access import DEFAULT_COLLECTION

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 120


def safe_filename(name: str) -> str:
    """A name that is safe as one path component: no folders, no leading dots, only
    letters, digits, ``.``, ``_`` and ``-``; the suffix is kept (lower-cased)."""
    base = PurePath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[: _MAX_NAME - 10] or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()[:10]
    return f"{stem}.{suffix}" if suffix else stem


@dataclass
class Staged:
    """What is ready for ingest, and what was refused before it."""

    inputs: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # source -> name the user knows
    refused: list[Failure] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # files written to uploads_dir

    def discard_unstored(self, stored_sources: Iterable[str]) -> None:
        """Delete the copies that did not become a stored document (refused, failed,
        duplicates of another document, or left by an ingest that broke off), so
        ``uploads/`` holds only what the store refers to."""
        stored = set(stored_sources)
        prefixes = tuple(sorted({s.partition("#")[0] for s in stored}))  # jsonl records
        for copy in self.copies:
            if copy not in stored and copy not in prefixes:
                Path(copy).unlink(missing_ok=True)


def drop_copies(uploads: Path, sources: Iterable[str]) -> list[Path]:
    """Delete the files among ``sources`` that are copies kept in ``uploads`` (at its top
    or in a collection's folder); returns what was deleted."""
    root = uploads.resolve()
    dropped = []
    for source in sources:
        path = Path(source)
        inside = path.parent == root or path.parent.parent == root
        if path.is_absolute() and inside and path.is_file():
            path.unlink(missing_ok=True)
            dropped.append(path)
    return dropped


def collection_folder(uploads: Path, collection: str) -> Path:
    """Where uploads to a collection are kept: one folder per collection (``default``'s
    at the top), so two users' files of one name are two files, and two documents."""
    return uploads if collection == DEFAULT_COLLECTION else uploads / collection


def stage(files: Sequence[str], urls: str, uploads_dir: Path, max_bytes: int) -> Staged:
    """Copy acceptable uploads into ``uploads_dir``; collect the http(s) URLs."""
    staged = Staged()
    for file in files:
        _stage_file(Path(file), uploads_dir, max_bytes, staged)
    for line in urls.splitlines():
        url = line.strip()
        if not url:
            continue
        if is_url(url):
            staged.inputs.append(url)
            staged.names[url] = url
        else:
            staged.refused.append(Failure(url, "not a web address; URLs start with http(s)://"))
    staged.inputs = list(dict.fromkeys(staged.inputs))
    return staged


def _stage_file(path: Path, uploads_dir: Path, max_bytes: int, staged: Staged) -> None:
    name = safe_filename(path.name)
    suffix = PurePath(name).suffix
    if suffix not in SUFFIXES:
        kind = f"{suffix} files" if suffix else "files without an extension"
        staged.refused.append(Failure(name, f"{kind} are not supported; upload {SUPPORTED} files"))
        return
    size = path.stat().st_size
    if size > max_bytes:
        staged.refused.append(
            Failure(
                name,
                f"the file is {size / 2**20:.1f} MiB, over the limit of "
                f"{max_bytes / 2**20:.0f} MiB; split it or raise RAG_MAX_FILE_MB",
            )
        )
        return
    uploads_dir.mkdir(parents=True, exist_ok=True)
    target = (uploads_dir / name).resolve()
    shutil.copyfile(path, target)
    staged.inputs.append(str(target))
    staged.names[str(target)] = name
    staged.copies.append(str(target))
