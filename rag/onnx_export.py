"""Exports the packaged MiniLM to ONNX once, with sentence-transformers and torch.

The export runs on first use and is cached in ``Settings.models_path`` (the user's
cache folder unless ``RAG_MODEL_CACHE`` says otherwise); torch and
sentence-transformers are imported only inside :func:`export`, so a process that finds
the cached file never loads them. The file is written to a temporary name and renamed
into place, so two processes exporting at once both end with a whole file (the last
rename wins; both wrote the same model).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from core.errors import ModelError

log = logging.getLogger(__name__)

PRECISIONS = ("int8", "fp32")
EXPORT_SECONDS = 30  # what the first use announces; measured ~20-30 s on 2 cores


def cached_model(cache: Path, model_path: Path, precision: str) -> Path:
    """The ONNX file for ``precision``, exporting it first if it is not cached yet."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown ONNX precision {precision!r}; use one of {PRECISIONS}")
    target = cache / f"{model_path.name}-{precision}.onnx"
    if target.is_file():
        return target
    message = f"preparing the embedding model, once, ~{EXPORT_SECONDS} s"
    log.info(message)
    print(message, file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        export(model_path, target, precision)
    except OSError as e:
        raise ModelError(
            f"cannot write the embedding model to {cache} ({e.strerror or e}); "
            "set RAG_MODEL_CACHE to a writable folder"
        ) from e
    log.info("embedding model ready in %.1f s: %s", time.perf_counter() - start, target)
    return target


def export(model_path: Path, target: Path, precision: str) -> None:
    """Writes ``target`` (fp32, or int8 dynamic-quantized) atomically."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise ModelError(
            "exporting the embedding model needs torch and sentence-transformers; "
            "reinstall the project (pip install -e .)"
        ) from e
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    target.parent.mkdir(parents=True, exist_ok=True)
    model = SentenceTransformer(str(model_path), device="cpu")

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor
        ) -> torch.Tensor:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    sample = model.tokenizer(["a short text", "and another one"], return_tensors="pt", padding=True)
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        fp32 = Path(tmp) / "model.onnx"
        # the tracer warns about data-dependent branches in transformers' mask code; the
        # export is checked against sentence-transformers (tests/rag/test_onnx.py)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(model[0].auto_model.eval()),  # type: ignore[union-attr]
                (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                str(fp32),
                input_names=["ids", "mask", "types"],
                output_names=["hidden"],
                dynamic_axes={"ids": axes, "mask": axes, "types": axes, "hidden": axes},
                opset_version=17,
                dynamo=False,
            )
        result = fp32
        if precision == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            result = Path(tmp) / "model-int8.onnx"
            quantize_dynamic(str(fp32), str(result), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(result, target)
