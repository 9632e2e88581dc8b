"""One typed settings object, read from ``RAG_*`` environment variables.

Built once at the edge (CLI or UI start) and passed down; nothing here touches the
filesystem or the environment at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("rag-chat", appauthor=False))


@dataclass(frozen=True)
class StoreLocation:
    """Where the store lives: a Chroma server (``url``) or a folder (``path``), and the
    prefix of its collections. What ``vectorstore`` takes instead of ``Settings``."""

    path: Path
    url: str | None = None
    collection: str = "rag"

    @property
    def where(self) -> str:
        return self.url or str(self.path)


@dataclass(frozen=True)
class IngestOptions:
    """How documents are read and cut into passages. What ``ingest`` takes instead of
    ``Settings``; the first three are the chunking recipe of every fingerprint."""

    chunk_size: int = 700
    chunk_overlap: int = 150
    title_in_embedding: bool = True
    url_timeout: float = 20.0
    max_file_bytes: int = 50 * 1024 * 1024
    # Caps that keep a small hostile file from costing gigabytes or minutes.
    max_unzipped_bytes: int = 50 * 1024 * 1024
    max_zip_entries: int = 2000
    max_zip_ratio: float = 100.0
    max_pdf_pages: int = 2000
    max_text_chars: int = 5_000_000
    max_repeated_content_bytes: int = 2 * 1024 * 1024
    parse_timeout: float = 60.0
    parse_memory_bytes: int = 2048 * 1024 * 1024


class Settings(BaseSettings):
    """Every knob of the application, with its environment variable ``RAG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid", frozen=True)

    home: Path = Field(
        default_factory=_default_home,
        description="Folder for the embedded Chroma database and the keyword cache.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="http://host:port of a Chroma server; when set, server mode is used.",
    )
    collection: str = Field(
        default="rag", description="Name prefix of the Chroma collections this app owns."
    )
    chunk_size: int = Field(
        default=700, ge=100, le=20_000, description="Target passage length in characters."
    )
    chunk_overlap: int = Field(
        default=150,
        ge=0,
        description="Characters of trailing sentences repeated at the start of the next passage.",
    )
    max_file_mb: float = Field(
        default=50.0, gt=0, description="Files larger than this many MiB are refused."
    )
    embed_batch_size: int = Field(
        default=64, ge=1, le=4096, description="Passages embedded per model call."
    )
    title_in_embedding: bool = Field(
        default=True,
        description="Prefix each passage with its document title when embedding it.",
    )
    url_timeout: float = Field(
        default=20.0,
        gt=0,
        description="Seconds a whole URL fetch may take (connect, redirects, body).",
    )
    top_k: int = Field(default=5, ge=1, le=200, description="Passages returned by search.")
    answer_passages: int = Field(
        default=8, ge=1, le=50, description="Passages an answerer reads for one question."
    )
    abstain_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Answers whose confidence (the probability that the documents support them) is "
            "below this are withheld; unset: the answerer's calibrated default."
        ),
    )
    answer_mode: str = Field(
        default="extractive",
        description=(
            "How questions are answered: extractive (no LLM, default) or openai (any "
            "OpenAI-compatible endpoint); the Library checks it against rag.modes.MODES."
        ),
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Base URL of the OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1.",
    )
    llm_model: str = Field(default="local", description="Model name sent to the endpoint.")
    llm_api_key: str = Field(
        default="not-needed", description="API key for the endpoint (local servers ignore it)."
    )
    llm_temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature.")
    llm_timeout: float = Field(default=120.0, gt=0, description="Seconds to wait for the LLM.")
    llm_max_tokens: int = Field(default=512, ge=16, description="Longest generated answer.")
    llm_allow: str = Field(
        default="",
        description=(
            "On a team instance: hosts, host:port or networks (comma-separated) of LLM "
            "endpoints that users may pick in Settings although they are not public or not "
            "on port 80/443 (e.g. ollama.internal:11434); RAG_LLM_BASE_URL's host is always "
            "allowed."
        ),
    )
    auth: str | None = Field(
        default=None,
        description="Logins for `rag serve` as user:password[,user2:password2]; unset: no login.",
    )
    conversations_file: Path | None = Field(
        default=None,
        description=(
            "The SQLite file of saved conversations (each user's own); unset: "
            "<home>/conversations.sqlite3."
        ),
    )
    users_file: Path | None = Field(
        default=None,
        description=(
            "The users file of a team instance (argon2 hashes and each user's collections, "
            "managed with `rag users`); unset: <home>/users.json."
        ),
    )
    url_allow: str = Field(
        default="",
        description=(
            "Hosts, host:port or networks (comma-separated, e.g. wiki.internal,10.0.0.0/8) "
            "that the app may fetch for its users although they are not public or not on "
            "port 80/443; the CLI fetches any address."
        ),
    )
    url_deny: str = Field(
        default="",
        description=(
            "Hosts (.example.org: with subdomains), host:port or networks the app never "
            "fetches for its users; wins over RAG_URL_ALLOW."
        ),
    )
    max_unzipped_mb: float = Field(
        default=50.0, gt=0, description="A .docx that unzips to more MiB than this is refused."
    )
    max_zip_entries: int = Field(
        default=2000, ge=1, description="A .docx with more files inside it is refused."
    )
    max_zip_ratio: float = Field(
        default=100.0,
        gt=1,
        description="A .docx part over 1 MiB that unzips to more times its packed size is refused.",
    )
    max_pdf_pages: int = Field(default=2000, ge=1, description="PDFs with more pages are refused.")
    max_text_chars: int = Field(
        default=5_000_000, ge=1, description="A PDF or .docx with more text than this is refused."
    )
    max_repeated_content_mb: float = Field(
        default=2.0,
        ge=0,
        description="A PDF whose pages reuse more MiB of already-seen page content is refused.",
    )
    parse_timeout: float = Field(
        default=60.0, gt=0, description="Seconds a PDF or .docx may take to parse."
    )
    parse_memory_mb: float = Field(
        default=2048.0,
        ge=256,
        description="Address space (MiB) of the process that parses one PDF or .docx.",
    )
    embedder: Literal["onnx", "onnx-fp32", "onnx-int8", "torch"] = Field(
        default="onnx",
        description=(
            "The embedding runtime: onnx (ONNX Runtime at the precision rag.services chose, "
            "exported once from the packaged model, no torch at run time), onnx-fp32, "
            "onnx-int8, or torch (sentence-transformers, the reference the export is tested "
            "against). Changing it changes every document's fingerprint, so the next ingest "
            "embeds them again."
        ),
    )
    model_cache: Path | None = Field(
        default=None,
        description=(
            "Where the ONNX export of the embedding model is kept; unset: the user's cache "
            "folder (rag-chat/models), so every RAG_HOME of a user shares one export."
        ),
    )

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"RAG_CHROMA_URL={value!r} must look like http://host:port")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.answer_mode == "openai" and not self.llm_base_url:
            raise ValueError("RAG_ANSWER_MODE=openai needs RAG_LLM_BASE_URL (http://host:port/v1)")
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"RAG_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"RAG_CHUNK_SIZE ({self.chunk_size})"
            )
        return self

    @property
    def store(self) -> StoreLocation:
        return StoreLocation(self.chroma_path, self.chroma_url, self.collection)

    @property
    def ingest(self) -> IngestOptions:
        return IngestOptions(
            self.chunk_size,
            self.chunk_overlap,
            self.title_in_embedding,
            self.url_timeout,
            self.max_file_bytes,
            max_unzipped_bytes=int(self.max_unzipped_mb * 1024 * 1024),
            max_zip_entries=self.max_zip_entries,
            max_zip_ratio=self.max_zip_ratio,
            max_pdf_pages=self.max_pdf_pages,
            max_text_chars=self.max_text_chars,
            max_repeated_content_bytes=int(self.max_repeated_content_mb * 1024 * 1024),
            parse_timeout=self.parse_timeout,
            parse_memory_bytes=int(self.parse_memory_mb * 1024 * 1024),
        )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def uploads_path(self) -> Path:
        return self.home / "uploads"

    @property
    def conversations_path(self) -> Path:
        return self.conversations_file or self.home / "conversations.sqlite3"

    @property
    def users_path(self) -> Path:
        return self.users_file or self.home / "users.json"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def cache_path(self) -> Path:
        return self.home / "cache"

    @property
    def models_path(self) -> Path:
        if self.model_cache is not None:
            return self.model_cache
        return Path(platformdirs.user_cache_dir("rag-chat", appauthor=False)) / "models"
