"""The attachment store: evidence files kept in a folder under content-addressed names."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path


def store_bytes(folder: Path, content: bytes, content_type: str | None = None, suffix: str = "") -> Path:
    """Write a file once under its SHA-256 name and return its path (the same content is stored once)."""
    suffix = suffix or (mimetypes.guess_extension(content_type or "") or "")
    digest = hashlib.sha256(content).hexdigest()
    target = folder / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(content)
        partial.replace(target)  # a crash mid-write never leaves a truncated file under the final name
    return target
