"""The packaged MiniLM through ONNX Runtime and the Rust tokenizer: no torch at run time.

Same recipe as sentence-transformers: word pieces truncated to the model's max length
(256), mean pooling under the attention mask, L2 normalisation, float32. Texts are
batched by length so that padding stays short.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelError


class OnnxEmbedder:
    """Embeds with an ONNX export of the packaged model, made on first use."""

    def __init__(
        self,
        cache: Path,
        precision: str = "int8",
        model_path: Path | None = None,
        batch_size: int = 64,
    ) -> None:
        from rag.embedding import PACKAGED_MODEL

        self.cache = cache
        self.precision = precision
        self.model_path = model_path
        self.batch_size = batch_size
        base = model_path.name if model_path else PACKAGED_MODEL
        self.name = f"{base}+onnx-{precision}"
        self.dimension = 384
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                from rag.embedding import packaged_model_path
                from rag.onnx_export import cached_model

                folder = self.model_path or packaged_model_path()
                onnx_file = cached_model(self.cache, folder, self.precision)
                tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=_max_length(folder))
                tokenizer.no_padding()
                options = ort.SessionOptions()
                options.intra_op_num_threads = os.cpu_count() or 1
                try:
                    session = ort.InferenceSession(
                        str(onnx_file), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as e:  # onnxruntime raises its own untyped errors
                    raise ModelError(
                        f"could not load {onnx_file}: {e}; delete it and it will be exported again"
                    ) from e
                self._tokenizer = tokenizer
                self._session = session
        return self._session, self._tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        for lo in range(0, len(texts), self.batch_size):
            rows = order[lo : lo + self.batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                ids[j, :n] = e.ids
                types[j, :n] = e.type_ids
                mask[j, :n] = 1
            hidden = session.run(None, {"ids": ids, "mask": mask, "types": types})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled / norms
        return out


def _max_length(folder: Path) -> int:
    """The word-piece limit sentence-transformers uses (sentence_bert_config.json)."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256
