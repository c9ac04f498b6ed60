"""Errors raised by the study database (mapped to HTTP status codes by the API)."""

from __future__ import annotations

from painmech.exceptions import PainmechError

__all__ = ["StorageError", "PermissionDenied", "NotFound", "Conflict", "ReasonRequired",
           "AuthenticationError", "SchemaOutdated"]


class StorageError(PainmechError):
    """Base class of database errors."""


class AuthenticationError(StorageError, PermissionError):
    """Wrong user name, password or token (HTTP 401)."""


class PermissionDenied(StorageError, PermissionError):
    """The actor's role in the study does not allow the action (HTTP 403).

    Attributes
    ----------
    action : str
        The permission that was needed (``view``, ``enter``, ``edit``, ...).
    study_id : int or None
    """

    def __init__(self, message: str, action: str = "", study_id: int | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.study_id = study_id


class NotFound(StorageError, LookupError):
    """No such study, subject, visit or observation (HTTP 404)."""


class Conflict(StorageError, ValueError):
    """The change clashes with stored data, e.g. a duplicate key (HTTP 409)."""


class ReasonRequired(StorageError, ValueError):
    """Changing or removing a stored value needs a reason (HTTP 422)."""


class SchemaOutdated(StorageError, RuntimeError):
    """The database schema is older than this painmech; run ``painmech db migrate``."""
