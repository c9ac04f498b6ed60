"""Keyed-hash (HMAC-SHA256) pseudonyms whose key lives outside the database.

The same identifier and key always give the same pseudonym, so a clinic can
re-identify its own patients with the key while the database, its backups and
exports hold pseudonyms only. Without the key the pseudonym cannot be
recomputed from a guessed name (unlike a plain hash).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from pathlib import Path

import pandas as pd

from painmech.storage._keys import MIN_KEY_BYTES as _MIN_KEY_BYTES
from painmech.storage._keys import read_hex_key, write_new_key

__all__ = ["pseudonymize", "load_pseudonym_key", "generate_pseudonym_key"]

_ENV_KEY = "PAINMECH_PSEUDONYM_KEY"
_ENV_FILE = "PAINMECH_PSEUDONYM_KEY_FILE"


def generate_pseudonym_key(path: str | Path) -> Path:
    """Write a new random 256-bit key (hex) to ``path``, readable by the owner only.

    Refuses to overwrite an existing key: losing a key makes every pseudonym
    derived with it unreproducible.
    """
    return write_new_key(path)


def load_pseudonym_key(path: str | Path | None = None) -> bytes:
    """Load the pseudonym key.

    Looked up in this order: ``path``; ``$PAINMECH_PSEUDONYM_KEY`` (hex);
    the file named by ``$PAINMECH_PSEUDONYM_KEY_FILE``.

    Raises
    ------
    KeyError
        When no key is configured.
    ValueError
        When the key is shorter than 128 bits or not hexadecimal.
    """
    key = read_hex_key(path, _ENV_KEY, _ENV_FILE, "pseudonym",
                       "create one with generate_pseudonym_key")
    if key is None:
        raise KeyError(f"no pseudonym key: set ${_ENV_KEY} or ${_ENV_FILE}, or pass a "
                       "key file (create one with generate_pseudonym_key)")
    return key


def pseudonymize(identifiers: pd.Series | list[str] | str, key: bytes, *,
                 prefix: str = "p", length: int = 12) -> pd.Series | str:
    """Derive pseudonyms ``prefix + base32(HMAC-SHA256(key, identifier))[:length]``.

    Identifiers are normalised first (Unicode NFC, surrounding spaces removed,
    case folded), so ``" Müller "`` and ``"MÜLLER"`` give the same pseudonym.

    Parameters
    ----------
    identifiers : str or sequence of str
    key : bytes
        From :func:`load_pseudonym_key`; never stored in the database.
    prefix : str
        Letters put in front (pseudonyms then never look like numbers).
    length : int
        Base32 characters kept (5 bits each; 12 → 60 bits).

    Returns
    -------
    str or pandas.Series of str
    """
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key must have at least {_MIN_KEY_BYTES * 8} bits")
    if not 8 <= length <= 52:
        raise ValueError(f"length must be 8–52 characters, got {length}")

    def one(text: object) -> str:
        norm = unicodedata.normalize("NFC", str(text)).strip().casefold()
        if not norm:
            raise ValueError("cannot pseudonymise an empty identifier")
        digest = hmac.new(key, norm.encode("utf-8"), hashlib.sha256).digest()
        return prefix + base64.b32encode(digest).decode("ascii").lower()[:length]

    if isinstance(identifiers, str):
        return one(identifiers)
    series = pd.Series(identifiers)
    return series.map(one).astype(object)
