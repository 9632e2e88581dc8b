"""Uploaded files and pasted URLs made ready for ingest.

Uploads are copied from Gradio's temporary folder to ``<RAG_HOME>/uploads/<safe name>``
so a document keeps the same source (and id) when the same file is uploaded again:
re-uploading reports it unchanged, or updated if its content changed. A copy whose
document is gone, removed through any replica, is found by ``orphaned_copies``.
"""

from __future__ import annotations

import re
import shutil
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from core.errors import StoreError
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


def orphaned_copies(
    uploads: Path,
    stored_sources: Iterable[str],
    *,
    among: Iterable[str] | None = None,
    older_than: float = 0.0,
) -> list[Path]:
    """The copies in ``uploads`` that no stored document refers to.

    A copy is known by its path below an ``uploads`` folder (``team/notes.md``), which
    is also what its document's id is made of (``Ingestor``): so a document stored from
    another replica's copy of the same upload (another ``RAG_HOME``, one store) keeps
    this replica's copy, and once it is removed, through whichever replica, every
    replica's copy is an orphan. ``among`` keeps to the copies these sources refer to
    (the documents just removed); a copy changed in the last ``older_than`` seconds is
    left alone (an upload being staged, not yet stored)."""
    referred = {tail for source in stored_sources for tail in _tails(source)}
    wanted = None if among is None else {tail for source in among for tail in _tails(source)}
    cutoff = time.time() - older_than
    found = []
    for copy in _copies(uploads):
        key = copy.relative_to(uploads).as_posix()
        if key in referred or (wanted is not None and key not in wanted):
            continue
        try:
            if older_than and copy.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue  # removed meanwhile (another replica's prune, a removal)
        found.append(copy)
    return found


def drop_orphaned_copies(
    uploads: Path,
    stored_sources: Iterable[str],
    *,
    among: Iterable[str] | None = None,
    older_than: float = 0.0,
) -> list[Path]:
    """Delete what ``orphaned_copies`` finds; returns it."""
    copies = orphaned_copies(uploads, stored_sources, among=among, older_than=older_than)
    for copy in copies:
        try:
            copy.unlink(missing_ok=True)
        except OSError as e:
            raise StoreError(
                f"cannot delete the upload copy {copy}: {e.strerror}; check the "
                f"permissions of {uploads}"
            ) from e
    return copies


def _copies(uploads: Path) -> Iterator[Path]:
    """The files kept in ``uploads``: at its top (``default``) and in collections' folders."""
    if not uploads.is_dir():
        return
    try:
        for entry in sorted(uploads.iterdir()):
            if entry.is_file():
                yield entry
            elif entry.is_dir():
                yield from (f for f in sorted(entry.iterdir()) if f.is_file())
    except FileNotFoundError:
        return  # a collection's folder removed while it was listed
    except OSError as e:
        raise StoreError(
            f"cannot list the upload copies in {uploads} ({e}); check its permissions"
        ) from e


def _tails(source: str) -> list[str]:
    """What a source's path is below each ``uploads`` folder in it (a jsonl record's
    ``#id`` left off): the keys of the copies it may be."""
    parts = source.partition("#")[0].split("/uploads/")
    return ["/uploads/".join(parts[i:]) for i in range(1, len(parts))]


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
