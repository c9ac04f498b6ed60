"""Errors raised by the study database (mapped to HTTP status codes by the API)."""

from __future__ import annotations

from painmech.exceptions import PainmechError

__all__ = ["StorageError", "PermissionDenied", "NotFound", "Conflict", "ReasonRequired",
           "AuthenticationError", "SchemaOutdated", "TooManyRequests", "DatabaseMissing"]


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
    study_code : str or None
        Code of the study, when the actor holds no role in it at all
        (``hidden``): the API then answers exactly as for a study that does
        not exist, so that outsiders cannot learn which studies exist.
    """

    def __init__(self, message: str, action: str = "", study_id: int | None = None,
                 study_code: str | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.study_id = study_id
        self.study_code = study_code

    @property
    def hidden(self) -> bool:
        """True when the actor is no member of the study (answered like "no such study")."""
        return self.study_code is not None


class NotFound(StorageError, LookupError):
    """No such study, subject, visit or observation (HTTP 404)."""


class Conflict(StorageError, ValueError):
    """The change clashes with stored data, e.g. a duplicate key (HTTP 409)."""


class ReasonRequired(StorageError, ValueError):
    """Changing or removing a stored value needs a reason (HTTP 422)."""


class SchemaOutdated(StorageError, RuntimeError):
    """The database schema is older than this painmech; run ``painmech db migrate``."""


class TooManyRequests(StorageError, RuntimeError):
    """Too many attempts or jobs: try again later (HTTP 429).

    Attributes
    ----------
    retry_after : float or None
        Seconds after which a new attempt may succeed (``None``: when earlier
        work has finished).
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseMissing(StorageError, FileNotFoundError):
    """There is no painmech database at the given place (a SQLite file that does not exist)."""
