"""Staging uploaded files: safe names, allowed suffixes, refusals reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.uploads import safe_filename, stage


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
