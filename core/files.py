"""Files the app writes whole and keeps private."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_private_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as JSON to ``path``, readable by its owner only (mkstemp makes
    the file 0600), aside first and renamed, so a reader never sees half of it.
    OSError is the caller's to turn into a message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(payload, out, indent=2)
    os.replace(tmp, path)
