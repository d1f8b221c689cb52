"""Secrets generated once into the data folder (mode 600) when not given by the environment."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from db.engine import data_dir


def file_secret(name: str, make=lambda: secrets.token_urlsafe(48)) -> str:
    """Read ``data/<name>``, or create it with a fresh secret readable by the owner only."""
    path: Path = data_dir() / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value)
    return value


def cookie_key(configured: str | None = None) -> str:
    return os.environ.get("COMMUNITY_COOKIE_KEY") or configured or file_secret("cookie_key")
