"""Seals of audit entries: the audit key, the seal of one entry and their check.

A seal is the text ``"<key id>:<mac>"`` where

- ``mac = HMAC-SHA256(key, b"painmech-audit-v1:" + entry hash)`` (64 hex
  characters; the prefix keeps audit seals apart from any other use of the
  same key), and
- ``key id = HMAC-SHA256(key, b"painmech-audit-key-id")`` cut to 16 hex
  characters. It names the key without revealing it, so that a verifier can
  tell "this key is not the one that sealed the log" from "this entry was
  rewritten". It proves nothing by itself (it is copied onto forgeries as
  easily as any text); only the mac does.

See :mod:`painmech.storage._audit` for what the seals protect.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path

from painmech.storage._keys import MIN_KEY_BYTES, read_hex_key, write_new_key

__all__ = ["generate_audit_key", "load_audit_key", "audit_key_id", "seal", "SealCheck"]

_ENV_KEY = "PAINMECH_AUDIT_KEY"
_ENV_FILE = "PAINMECH_AUDIT_KEY_FILE"
_SEAL_PREFIX = b"painmech-audit-v1:"
_KEY_ID_MESSAGE = b"painmech-audit-key-id"
_HINT = "create one with `painmech db audit-key PATH`"


def generate_audit_key(path: str | Path) -> Path:
    """Write a new random 256-bit audit key (hex) to ``path`` with mode 0600.

    Refuses to overwrite an existing file. Keep the key away from the database
    and its backups: whoever holds it can forge sealed entries.
    """
    return write_new_key(path)


def load_audit_key(path: str | Path | None = None, *, required: bool = True) -> bytes | None:
    """Load the audit key.

    Looked up in this order: ``path``; ``$PAINMECH_AUDIT_KEY`` (hex); the file
    named by ``$PAINMECH_AUDIT_KEY_FILE``.

    Parameters
    ----------
    path : str or Path, optional
    required : bool
        When False, return ``None`` if no key is configured.

    Raises
    ------
    KeyError
        When no key is configured and ``required``.
    ValueError
        When the key is shorter than 128 bits or not hexadecimal.
    FileNotFoundError
        When the named key file does not exist.
    """
    key = read_hex_key(path, _ENV_KEY, _ENV_FILE, "audit", _HINT)
    if key is None and required:
        raise KeyError(f"no audit key: set ${_ENV_KEY} or ${_ENV_FILE}, or pass a key file "
                       f"({_HINT})")
    return key


def _check_length(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the audit key must have at least {MIN_KEY_BYTES * 8} bits")


def audit_key_id(key: bytes) -> str:
    """The public name of an audit key: 16 hex characters of an HMAC of a constant."""
    _check_length(key)
    return hmac.new(key, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]


def seal(key: bytes, entry_hash: str) -> str:
    """The seal of an entry: ``"<key id>:" + HMAC-SHA256(key, b"painmech-audit-v1:" + hash)``."""
    mac = hmac.new(key, _SEAL_PREFIX + entry_hash.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{audit_key_id(key)}:{mac}"


_BAD = "bad"
_OTHER = "other"


@dataclass
class SealCheck:
    """Counts the seals of a log read in order and, given the key, checks them.

    Problems are appended to ``problems`` as ``{"id", "problem", "kind"}``.
    """

    key: bytes | None
    problems: list[dict]
    n_sealed: int = 0
    first_sealed_id: int | None = None
    n_unsealed_late: int = 0
    key_ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.key_id = audit_key_id(self.key) if self.key is not None else None

    def add(self, entry_id: int, entry_hash: str, mac: str | None) -> None:
        """Account for one entry (in chain order)."""
        if mac is None:
            if self.first_sealed_id is not None:
                self.n_unsealed_late += 1
                if self.key is not None:
                    self._problem(entry_id, "late", "unsealed entry after sealed ones: it was "
                                  "written without the audit key (forged, or by a program "
                                  "run without the key)")
            return
        self.n_sealed += 1
        self.first_sealed_id = self.first_sealed_id or entry_id
        kid = mac.partition(":")[0]
        self.key_ids.add(kid)
        if self.key is None:
            return
        if kid != self.key_id:
            self._problem(entry_id, _OTHER, f"sealed with another key (key id {kid[:16]}, "
                          f"this key's id is {self.key_id})")
        elif not hmac.compare_digest(mac, seal(self.key, entry_hash)):
            self._problem(entry_id, _BAD, "seal mismatch: the MAC does not match the audit "
                          "key (the entry, or the chain before it, was rewritten)")

    def finish(self, n_entries: int) -> None:
        """Add the problems of the whole log (only when seals were checked)."""
        if self.key is None:
            return
        n_other = sum(p.get("kind") == _OTHER for p in self.problems)
        if self.n_sealed and n_other == self.n_sealed:
            # one line instead of one per entry: none of the seals is of this key
            self.problems[:] = [p for p in self.problems if p.get("kind") != _OTHER]
            ids = ", ".join(sorted(k[:16] for k in self.key_ids)[:3])
            self._problem(-1, "key", f"wrong audit key: its id is {self.key_id}, the "
                          f"{self.n_sealed} sealed entries carry key id {ids}")
        elif n_entries and not self.n_sealed:
            self._problem(-1, "none", "no entry is sealed although a key was given (the "
                          "seals were stripped, or nothing was written with the key yet)")

    def _problem(self, entry_id: int, kind: str, text: str) -> None:
        self.problems.append({"id": entry_id, "problem": text, "kind": kind})
