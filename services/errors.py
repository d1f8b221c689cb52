"""Errors a user can cause. Each carries a catalog key and parameters, never display text,
so that pages show it in the user's language and tests can assert on the key."""
from __future__ import annotations


class DomainError(Exception):
    key = "err.generic"

    def __init__(self, key: str | None = None, **params):
        self.key = key or self.key
        self.params = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class PermissionDenied(DomainError):
    key = "err.permission"


class NotFound(DomainError):
    key = "err.not_found"


class ValidationError(DomainError):
    """``errors`` maps a field name to a catalog key."""

    key = "err.validation"

    def __init__(self, errors: dict[str, str] | None = None, key: str | None = None, **params):
        self.errors = errors or {}
        super().__init__(key, **params)


class StaleEdit(DomainError):
    """Someone else saved the record after this form was loaded."""

    key = "err.stale"


class InUse(DomainError):
    """Delete refused: other records still hang on this one."""

    key = "err.in_use"


class Duplicate(DomainError):
    key = "err.duplicate"
