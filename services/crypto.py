"""Field encryption for personal data: Fernet for the value, a keyed hash for exact search.

Keys come from COMMUNITY_FERNET_KEY / COMMUNITY_HASH_KEY, or are generated once into the data
folder beside the cookie key (mode 600, never committed). Losing them makes encrypted
fields unreadable: back up the data folder's key files with the database.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet

from services.keys import file_secret


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode("ascii"))


def _keys() -> tuple[str, bytes]:
    return _load_keys(os.environ.get("COMMUNITY_FERNET_KEY"), os.environ.get("COMMUNITY_HASH_KEY"),
                      os.environ.get("COMMUNITY_DATA_DIR"))


@lru_cache(maxsize=8)
def _load_keys(fernet_env: str | None, hash_env: str | None, _data_dir: str | None) -> tuple[str, bytes]:
    """Read (or create) once per configuration, not per value."""
    fkey = fernet_env or file_secret("fernet_key", lambda: Fernet.generate_key().decode())
    hkey = hash_env or file_secret("hash_key", lambda: secrets.token_hex(32))
    return fkey, hkey.encode("ascii")


def encrypt(value: str) -> str:
    return _fernet(_keys()[0]).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    return _fernet(_keys()[0]).decrypt(token.encode("ascii")).decode("utf-8")


def keyed_hash(value: str) -> str:
    """HMAC-SHA256: the same number always gives the same hash; without the key it reveals nothing."""
    return hmac.new(_keys()[1], value.encode("utf-8"), hashlib.sha256).hexdigest()
