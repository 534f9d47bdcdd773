"""Files surge writes: names made safe, and writes that never leave half a file behind."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path


def file_safe(name: str, empty: str = "operation") -> str:
    """A name as a file-name part: letters, digits, '-', '_' and '.' kept."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip(".") or empty


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader
    (or a crash, or Ctrl-C) sees the old file or the new one, never a part of either."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():  # the rename would fail with a less clear message
        raise IsADirectoryError(21, "Is a directory", str(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path
