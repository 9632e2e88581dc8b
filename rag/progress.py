"""A progress bar on stderr for long ingests (documents, passages per second)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def ingest_progress() -> Iterator[Callable[[int, int], None]]:
    from tqdm import tqdm

    bar = tqdm(unit="doc", desc="ingest", dynamic_ncols=True, disable=None, leave=False)
    started = time.perf_counter()

    def update(done: int, passages: int) -> None:
        bar.update(done - bar.n)
        rate = passages / max(time.perf_counter() - started, 1e-6)
        bar.set_postfix(passages=passages, per_s=f"{rate:.1f}", refresh=False)

    try:
        yield update
    finally:
        bar.close()
