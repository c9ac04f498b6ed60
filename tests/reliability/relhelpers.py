"""Helpers of the reliability suite (a module with a unique name, imported by the tests).

- :func:`fingerprint`: row counts and a SHA-256 of the content of every table, to
  prove that a refused action left the database unchanged.
- :func:`record_figures`: the figures a test measured, appended to a JSON-lines
  file (``$PAINMECH_RELIABILITY_OUT`` or the pytest base temp folder) and printed
  (visible with ``-s``); docs/reliability.md copies them from a real run.
- :class:`Server`: ``painmech`` served by uvicorn in a subprocess on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

HERE = Path(__file__).parent
_FIGURES_DIR: list[Path] = []


def fingerprint(db) -> dict[str, tuple[int, str]]:
    """``{table: (row count, sha256 of all rows ordered by the first column)}``."""
    out = {}
    with db.read() as s:
        for name in sorted(sa.inspect(db.engine).get_table_names()):
            rows = s.execute(sa.text(f'SELECT * FROM "{name}" ORDER BY 1')).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            out[name] = (len(rows), digest)
    return out


def set_figures_dir(path: Path) -> None:
    """Folder of the figures file (set once per session by conftest)."""
    _FIGURES_DIR[:] = [Path(path)]


def record_figures(scenario: str, **figures) -> dict:
    """Append one scenario's figures to ``reliability-figures.jsonl`` and print them."""
    entry = {"scenario": scenario, **figures}
    folder = _FIGURES_DIR[0] if _FIGURES_DIR else Path()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "reliability-figures.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, sort_keys=True, default=str) + "\n")
    print(f"\nFIGURES {json.dumps(entry, sort_keys=True, default=str)}")
    return entry


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The painmech app served by uvicorn in a subprocess (see ``relserver.py``).

    Parameters
    ----------
    db_url : str
    log : path
        File that receives the server's stdout and stderr.
    preexec_fn : callable, optional
        Run in the server process before it starts (e.g. resource limits).
    **options
        ``job_timeout_s``, ``max_body_bytes`` ... passed to ``create_app``.
    """

    def __init__(self, db_url: str, log: Path, *, preexec_fn=None, **options) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(log)
        args = [sys.executable, str(HERE / "relserver.py"), db_url, str(self.port),
                json.dumps(options)]
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                     preexec_fn=preexec_fn)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server ended early:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/login", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    @property
    def pid(self) -> int:
        """Process id of the server."""
        return self.proc.pid

    def output(self) -> str:
        """What the server printed so far."""
        self._log.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
