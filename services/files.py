"""Uploaded files kept beside the database: content-addressed under the data folder
(``data/<folder>/<sha[:2]>/<sha>.<ext>``), written whole or not at all (a ``.part`` file renamed
into place), so the same bytes are stored once and no uploaded name reaches the file system.
Photos (services.photos) and documents (services.attachments) check the bytes first."""
from __future__ import annotations

import hashlib
from pathlib import Path

from db.engine import data_dir


def path_of(folder: str, sha: str, ext: str) -> Path:
    where = data_dir() / folder / sha[:2]
    where.mkdir(parents=True, exist_ok=True)
    return where / f"{sha}.{ext}"


def store(folder: str, data: bytes, ext: str) -> str:
    """Keep ``data`` (once); returns its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    path = path_of(folder, sha, ext)
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha
