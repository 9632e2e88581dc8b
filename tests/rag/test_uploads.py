"""Staging uploaded files: safe names, allowed suffixes, refusals reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.uploads import orphaned_copies, safe_filename, stage


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.PDF", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        (".hidden.md", "hidden.md"),
        ("my notes (final).md", "my_notes_final.md"),
        ("<script>.html", "script.html"),
        ("Café olé.txt", "Cafe_ole.txt"),
        ("....", "upload"),
        ("a" * 300 + ".md", "a" * 110 + ".md"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_stage_copies_allowed_files_and_refuses_others(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    good = tmp_path / "in" / "notes (1).md"
    good.write_text("# Notes\n\nText.", encoding="utf-8")
    exe = tmp_path / "in" / "tool.exe"
    exe.write_bytes(b"MZ")
    big = tmp_path / "in" / "big.txt"
    big.write_text("x" * 2000, encoding="utf-8")
    uploads = tmp_path / "uploads"
    staged = stage(
        [str(good), str(exe), str(big)], "https://a.example/x\nftp://b\n\n", uploads, 1000
    )
    copy = uploads / "notes_1.md"
    assert copy.read_text(encoding="utf-8") == "# Notes\n\nText."
    assert staged.inputs == [str(copy.resolve()), "https://a.example/x"]
    assert staged.names[str(copy.resolve())] == "notes_1.md"
    reasons = {f.source: f.error for f in staged.refused}
    assert ".exe files are not supported" in reasons["tool.exe"]
    assert "over the limit" in reasons["big.txt"]
    assert "not a web address" in reasons["ftp://b"]


@pytest.mark.parametrize("suffix", [".text", ".log", ".ndjson", ".xhtml", ".mkd"])
def test_stage_accepts_every_suffix_that_ingest_knows(tmp_path: Path, suffix: str) -> None:
    upload = tmp_path / f"notes{suffix}"
    upload.write_text("Text.", encoding="utf-8")

    staged = stage([str(upload)], "", tmp_path / "uploads", 1000)

    assert staged.refused == []
    assert staged.inputs == [str((tmp_path / "uploads" / f"notes{suffix}").resolve())]


def test_copies_that_did_not_become_documents_are_removed(tmp_path: Path) -> None:
    inbox, uploads = tmp_path / "in", tmp_path / "uploads"
    inbox.mkdir()
    for name in ["kept.md", "twin.md", "broken.pdf", "records.jsonl"]:
        (inbox / name).write_text("x")
    staged = stage(
        [str(inbox / n) for n in sorted(p.name for p in inbox.iterdir())], "", uploads, 10**6
    )
    assert sorted(p.name for p in uploads.iterdir()) == [
        "broken.pdf", "kept.md", "records.jsonl", "twin.md",
    ]  # fmt: skip
    staged.discard_unstored([str(uploads / "kept.md"), f"{uploads / 'records.jsonl'}#r1"])
    assert sorted(p.name for p in uploads.iterdir()) == ["kept.md", "records.jsonl"]


def test_orphaned_copies_are_known_by_their_path_below_uploads(tmp_path: Path) -> None:
    import os
    import time

    uploads = tmp_path / "home-b" / "uploads"
    names = ["top.md", "team/mine.md", "team/feed.jsonl", "team/gone.md", "alice/gone.md"]
    for name in names:
        (uploads / name).parent.mkdir(parents=True, exist_ok=True)
        (uploads / name).write_text("x")
        hour_ago = time.time() - 3600
        os.utime(uploads / name, (hour_ago, hour_ago))
    other = "/srv/home-a/uploads"  # another replica's home stored these documents
    stored = [f"{other}/top.md", f"{other}/team/mine.md", f"{other}/team/feed.jsonl#r7"]

    def found(among: list[str] | None = None, older_than: float = 0.0) -> list[str]:
        copies = orphaned_copies(uploads, stored, among=among, older_than=older_than)
        return [p.relative_to(uploads).as_posix() for p in copies]

    assert found() == ["alice/gone.md", "team/gone.md"]
    assert found(among=[f"{other}/team/gone.md"]) == ["team/gone.md"]  # the one just removed
    assert found(among=[f"{other}/alice/gone.md#r1", "/elsewhere/gone.md"]) == ["alice/gone.md"]
    (uploads / "team" / "gone.md").touch()  # just copied: an upload not yet stored
    assert found(older_than=600) == ["alice/gone.md"]
    assert orphaned_copies(tmp_path / "nowhere", stored) == []


def test_a_duplicate_or_broken_upload_leaves_no_copy(
    tmp_path: Path, embedder: object, sample_corpus: Path
) -> None:
    from core.settings import Settings
    from rag.library import Library
    from rag.services import Services
    from ui.backend import Backend

    services = Services(Settings(home=tmp_path / "home"))
    services.__dict__["embedder"] = embedder
    backend = Backend(Library(services.settings, services))
    original = sample_corpus / "corvale-tram-line.html"
    twin = tmp_path / "same text, other name.html"
    twin.write_bytes(original.read_bytes())
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not a pdf")
    report, _ = backend.ingest_uploads([str(original)])
    assert len(report.added) == 1
    report, _ = backend.ingest_uploads([str(twin), str(broken)])
    assert len(report.duplicates) == 1 and len(report.failed) == 1
    assert sorted(p.name for p in backend.uploads_dir.iterdir()) == ["corvale-tram-line.html"]
