"""The reference data shipped with the app (``db/reference/*.yaml``): vocabularies, checklist
templates, setting defaults. One loader, read once per process; the YAML is the seed, the database
holds what a committee changes."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

FOLDER = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """``load("residents")`` is ``db/reference/residents.yaml`` as data."""
    return yaml.safe_load((FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))
