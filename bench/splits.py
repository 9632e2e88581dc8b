"""One rule for which questions train the answer scorer and which are held out.

Everything that trains (``bench/train_scorer.py``) takes the ``train`` side and every
dev-set builder (``bench/answers.py``) takes the ``heldout`` side, so no question that
shaped the model's weights is ever used to report its accuracy.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Side = Literal["train", "heldout"]

# One question in five is held out.
HELDOUT_SHARE = 5


def side_of(key: str) -> Side:
    """``heldout`` for one key in five (stable across runs and machines), else ``train``."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    return "heldout" if int(digest, 16) % HELDOUT_SHARE == 0 else "train"
