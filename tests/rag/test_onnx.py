"""The ONNX encoder against the sentence-transformers reference, and a torch-free CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from ingest.pipeline import Ingestor
from rag.onnx_encoder import OnnxEmbedder
from vectorstore.chroma import ChromaStore

pytestmark = pytest.mark.slow

TEXTS = [
    "The cat sat on the mat.",
    "Vitamin D deficiency is associated with an increased risk of fractures in older adults.",
    "short",
    "Quantum entanglement violates Bell inequalities in controlled experiments.",
]


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_onnx_matches_sentence_transformers(model_cache, embedder, precision) -> None:
    onnx = OnnxEmbedder(model_cache, precision=precision)

    ours = onnx.embed(TEXTS)
    reference = embedder.embed(TEXTS)

    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * reference).sum(1)
    if precision == "fp32":
        assert cosines.min() >= 0.999
    else:  # int8 moves single short texts to ~0.984; on average it stays at 0.99
        assert cosines.mean() >= 0.99 and cosines.min() >= 0.98
    assert onnx.name == f"all-MiniLM-L6-v2+onnx-{precision}"
    assert list(model_cache.glob(f"*-{precision}.onnx"))


def test_search_and_ask_import_neither_torch_nor_sentence_transformers(
    tmp_path, sample_corpus, rag_env, model_cache
) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)
    onnx = OnnxEmbedder(model_cache, precision="int8")
    report = Ingestor(settings.ingest, ChromaStore(settings.store), onnx).ingest(
        [str(sample_corpus)]
    )
    assert report.ok and report.added
    check = (
        "import sys\n"
        "from rag.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "heavy = ('torch', 'sentence_transformers')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    for args in (["search", "Prague"], ["ask", "Who went to Prague?"]):
        result = subprocess.run(
            [sys.executable, "-c", check, *args],
            env=rag_env(home, RAG_EMBEDDER="onnx", RAG_MODEL_CACHE=str(model_cache)),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "LOADED []" in result.stdout, result.stdout


def test_an_unwritable_model_cache_says_which_setting_to_change(tmp_path) -> None:
    from core.errors import ModelError
    from rag.embedding import packaged_model_path
    from rag.onnx_export import cached_model

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(ModelError, match="set RAG_MODEL_CACHE to a writable folder"):
        cached_model(blocker / "models", packaged_model_path(), "int8")


def test_rag_prepare_makes_the_export_ahead_of_use(model_cache, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from rag.cli import app

    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_EMBEDDER", "onnx")
    monkeypatch.setenv("RAG_MODEL_CACHE", str(model_cache))
    result = CliRunner().invoke(app, ["prepare"])
    assert result.exit_code == 0, result.output
    assert "embedding model ready: all-MiniLM-L6-v2+onnx-int8" in result.output
    assert list(model_cache.glob("*-int8.onnx"))


def test_a_new_embedder_re_embeds_documents_at_their_next_ingest(
    model_cache, embedder, tmp_path, sample_corpus
) -> None:
    from rag.library import Library
    from rag.services import Services

    doc = str(sample_corpus / "mi6-moore-prague.md")
    home = tmp_path / "home"
    torch_services = Services(Settings(home=home, embedder="torch"))
    torch_services.__dict__["embedder"] = embedder  # the session's reference model
    first = Library(torch_services.settings, torch_services).add([doc])
    assert len(first.added) == 1

    onnx = Library(Settings(home=home, embedder="onnx", model_cache=model_cache))
    again = onnx.add([doc])
    assert len(again.updated) == 1 and not again.unchanged  # the recipe names the model
    (result,) = onnx.search("Where did Moore speak?", k=1)
    assert result.passage.metadata["version"] == result.document.fingerprint
    assert len(onnx.add([doc]).unchanged) == 1  # and then costs nothing
