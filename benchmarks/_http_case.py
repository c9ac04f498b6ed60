"""p50/p95 latency of the profile page and a REST endpoint on the demo database.

A bounded load against 127.0.0.1 only: uvicorn serves the demo study from a
temporary SQLite file in a subprocess on a free port; ``clients`` threads send
``per_client`` requests each. The baseline is one client alone.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

_SERVER = r"""
import sys, uvicorn
from painmech.api import create_app
uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _load(client_factory, url: str, clients: int, per_client: int) -> np.ndarray:
    times: list[float] = []
    lock = threading.Lock()

    def worker():
        c = client_factory()
        mine = []
        for _ in range(per_client):
            t = time.perf_counter()
            r = c.get(url)
            mine.append(time.perf_counter() - t)
            if r.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {r.status_code}")
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return np.array(times) * 1000.0


def latency(out, clients: int = 20, per_client: int = 10, n_subjects: int = 60) -> list[dict]:
    """Run the load test and print p50/p95 per endpoint (ms)."""
    import httpx

    from painmech.simulation import simulate_cohort
    from painmech.storage import build_demo_database

    rows = []
    with tempfile.TemporaryDirectory(prefix="painmech-http-") as tmp:
        sim = simulate_cohort(n_subjects, visits=2, seed=1, instruments=())
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        login = build_demo_database(url, sim.subjects, sim.observations, password="bench-pw")
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-c", _SERVER, url, str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _wait(port, proc)
            base = f"http://127.0.0.1:{port}"
            subject = str(sim.subjects["subject"].iloc[-1])
            auth = httpx.Client(base_url=base, timeout=60.0)
            r = auth.post("/api/auth/login", json={"username": login.username,
                                                   "password": "bench-pw"})
            r.raise_for_status()
            cookies = dict(auth.cookies)

            def factory():
                return httpx.Client(base_url=base, cookies=cookies, timeout=60.0)

            targets = {"profile page": f"/studies/{login.study}/subjects/{subject}/profile",
                       "REST profiles": f"/api/studies/{login.study}/profiles?subject={subject}"}
            for name, path in targets.items():
                _load(factory, path, 1, 3)  # warm-up (the study analysis is cached)
                one = _load(factory, path, 1, per_client * 2)
                many = _load(factory, path, clients, per_client)
                p50, p95 = np.percentile(many, [50, 95])
                b50, b95 = np.percentile(one, [50, 95])
                out(f"{name:13s} {clients} clients x {per_client}: p50 {p50:6.0f} ms, p95 "
                    f"{p95:6.0f} ms | 1 client: p50 {b50:5.0f} ms, p95 {b95:5.0f} ms -> p95 "
                    f"{p95 / b95:4.1f}x the single-client p95")
                rows.append({"case": f"{name}, {clients} clients", "p50_ms": p50,
                             "p95_ms": p95, "single_p95_ms": b95})
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return rows
