"""Secret keys kept outside the database: creation and loading (shared helpers).

Pseudonym keys (:mod:`painmech.storage._pseudonym`) and audit keys
(:mod:`painmech.storage._audit`) are both 256-bit random values written as
hexadecimal text to a file readable by its owner only, or given as hex in an
environment variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_new_key", "read_hex_key", "MIN_KEY_BYTES"]

#: Shortest key accepted, in bytes (128 bits; generated keys have 256).
MIN_KEY_BYTES = 16


def write_new_key(path: str | Path) -> Path:
    """Write a new random 256-bit key (hex) to ``path`` with mode 0600.

    Refuses to overwrite an existing file: a lost key cannot be recovered.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path}: a key exists already; refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


def read_hex_key(path: str | Path | None, env_key: str, env_file: str, what: str,
                 hint: str) -> bytes | None:
    """Load a hex key from ``path``, ``$env_key`` (hex) or the file named by ``$env_file``.

    Returns ``None`` when none of the three is given.

    Raises
    ------
    ValueError
        When the key is not hexadecimal or shorter than :data:`MIN_KEY_BYTES`.
    FileNotFoundError
        When the named key file does not exist.
    """
    if path is None and os.environ.get(env_key):
        text = os.environ[env_key]
    else:
        path = path or os.environ.get(env_file)
        if not path:
            return None
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no {what} key file there ({hint})")
        text = path.read_text(encoding="ascii")
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(f"the {what} key must be hexadecimal text") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the {what} key must have at least {MIN_KEY_BYTES * 8} bits")
    return key
