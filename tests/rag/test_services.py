"""Which embedder the settings build: ONNX Runtime by default, torch when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from rag.embedding import SentenceTransformerEmbedder
from rag.onnx_encoder import OnnxEmbedder
from rag.services import ONNX_PRECISION, Services


def test_the_default_embedder_is_onnx_with_the_chosen_precision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAG_EMBEDDER", raising=False)  # the test session pins torch
    settings = Settings(home=tmp_path)
    embedder = Services(settings).embedder
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.precision == ONNX_PRECISION
    # one export per user, whatever RAG_HOME each instance uses
    assert embedder.cache == Settings(home=tmp_path / "other").models_path != tmp_path


def test_a_shared_model_cache_and_an_explicit_precision(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "a", embedder="onnx-fp32", model_cache=tmp_path / "m")
    embedder = Services(settings).embedder
    assert isinstance(embedder, OnnxEmbedder)
    assert (embedder.precision, embedder.cache) == ("fp32", tmp_path / "m")
    assert embedder.name.endswith("+onnx-fp32")  # part of every document's fingerprint


def test_torch_is_the_reference_when_asked(tmp_path: Path) -> None:
    embedder = Services(Settings(home=tmp_path, embedder="torch")).embedder
    assert isinstance(embedder, SentenceTransformerEmbedder)
