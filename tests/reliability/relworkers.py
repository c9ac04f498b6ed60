"""Code that runs in the processes the crash and concurrency tests start and kill.

Kept in its own module (preloaded by a multiprocessing fork server) so that a
new worker starts in milliseconds with painmech already imported.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd

from painmech import storage

#: observations per import in the crash test (2 new subjects x 100 PPT trials)
ROWS_PER_IMPORT = 200


def import_frames_for(tag: str, i: int, n_rows: int = ROWS_PER_IMPORT):
    """The deterministic subjects and observations of import ``i`` of worker ``tag``."""
    subjects = pd.DataFrame({"subject": [f"{tag}_{i}_a", f"{tag}_{i}_b"],
                             "sex": ["female", "male"], "age": [40.0, 50.0],
                             "condition": ["chronic_lbp", "healthy"]})
    half = n_rows // 2
    obs = pd.DataFrame({
        "subject": [f"{tag}_{i}_a"] * half + [f"{tag}_{i}_b"] * (n_rows - half),
        "visit": 0, "measure": "ppt", "site": "lumbar", "side": "left",
        "trial": list(range(1, half + 1)) + list(range(1, n_rows - half + 1)),
        "value": [100.0 + (j * 7 + i) % 900 for j in range(n_rows)], "unit": "kPa"})
    return subjects, obs


def content_digest(rows) -> str:
    """SHA-256 of ``(subject, trial, value)`` rows sorted (the check of an import's content)."""
    text = "\n".join(f"{s}|{int(t)}|{float(v):.6f}" for s, t, v in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()


def expected_digest(tag: str, i: int, n_rows: int = ROWS_PER_IMPORT) -> str:
    """Digest of what import ``i`` of ``tag`` stores."""
    _, obs = import_frames_for(tag, i, n_rows)
    return content_digest(zip(obs["subject"], obs["trial"], obs["value"], strict=True))


def import_loop(db_url: str, tag: str, log_path: str, n_rows: int = ROWS_PER_IMPORT,
                limit: int | None = None) -> None:
    """Import batch after batch into study s1, logging ``B tag i`` before and ``C tag i``
    after each commit (unbuffered appends), until killed or ``limit`` imports are done.
    """
    db = storage.Database(db_url)
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    i = 0
    while limit is None or i < limit:
        subjects, obs = import_frames_for(tag, i, n_rows)
        os.write(fd, f"B {tag} {i}\n".encode())
        with db.write() as session:
            result = storage.import_frames(session, storage.SYSTEM,
                                           storage.get_study(session, "s1"), obs, subjects,
                                           source=f"crash {tag} {i}")
        if not result.ok:
            raise RuntimeError(result.problems.to_string())
        os.write(fd, f"C {tag} {i}\n".encode())
        i += 1
    os.close(fd)
    db.dispose()
