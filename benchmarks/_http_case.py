"""p50/p95 latency of the profile page and a REST endpoint on the demo database.

A bounded load against 127.0.0.1 only: uvicorn serves the demo study from a
temporary SQLite file in a subprocess on a free port; ``clients`` keep-alive
connections send ``per_client`` requests each, one after the other. The
baseline is one client alone.

The load comes from asyncio tasks speaking plain HTTP/1.1 over one socket
each (about 0.2 ms of client CPU per request), so the figures are the
server's: a pool of 20 Python client threads spent about 5 ms of CPU per
request on the same two cores and added its own interpreter contention to
the latencies. Each endpoint is measured against the server's default number
of request threads (40) and against ``--threads 4`` (twice the cores).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_SERVER = r"""
import sys, uvicorn
from painmech.api import create_app
threads = int(sys.argv[3]) if sys.argv[3] != "default" else None
uvicorn.run(create_app(sys.argv[1], request_threads=threads), host="127.0.0.1",
            port=int(sys.argv[2]), log_level="warning", access_log=False)
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


async def _client(port: int, request: bytes, n: int, times: list[float]) -> None:
    """``n`` requests one after the other on one keep-alive connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(n):
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            if status != b"200":
                raise RuntimeError(f"HTTP {status.decode()}: {head[:200]!r}")
            fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
            length = {k.strip().lower(): v for k, v in fields.items()}.get(b"content-length")
            if length is None:
                raise RuntimeError("response without content-length")
            await reader.readexactly(int(length))
            times.append(time.perf_counter() - start)
    finally:
        writer.close()


def _load(port: int, request: bytes, clients: int, per_client: int) -> np.ndarray:
    """Latencies (ms) of ``clients`` concurrent connections."""
    times: list[float] = []

    async def run():
        await asyncio.gather(*(_client(port, request, per_client, times)
                               for _ in range(clients)))

    asyncio.run(run())
    return np.array(times) * 1000.0


def _server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency(out, clients: int = 20, per_client: int = 10, n_subjects: int = 60) -> list[dict]:
    """Run the load test and print p50/p95 per endpoint and thread setting (ms)."""
    import httpx

    from painmech.simulation import simulate_cohort
    from painmech.storage import build_demo_database

    rows = []
    with tempfile.TemporaryDirectory(prefix="painmech-http-") as tmp:
        sim = simulate_cohort(n_subjects, visits=2, seed=1, instruments=())
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        login = build_demo_database(url, sim.subjects, sim.observations, password="bench-pw")
        subject = str(sim.subjects["subject"].iloc[-1])
        targets = {"profile page": f"/studies/{login.study}/subjects/{subject}/profile",
                   "REST profiles": f"/api/studies/{login.study}/profiles?subject={subject}"}
        for threads in ("default", "4"):
            port = _free_port()
            proc = subprocess.Popen([sys.executable, "-c", _SERVER, url, str(port), threads],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            try:
                _wait(port, proc)
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60.0) as auth:
                    auth.post("/api/auth/login", json={"username": login.username,
                                                       "password": "bench-pw"}
                              ).raise_for_status()
                    cookie = "; ".join(f"{k}={v}" for k, v in auth.cookies.items())
                label = "40 threads" if threads == "default" else f"{threads} threads"
                for name, path in targets.items():
                    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               f"Cookie: {cookie}\r\n\r\n").encode()
                    _load(port, request, 1, 3)  # warm-up (the study analysis is cached)
                    one = _load(port, request, 1, per_client * 2)
                    cpu0, wall0 = _server_cpu(proc.pid), time.perf_counter()
                    many = _load(port, request, clients, per_client)
                    cpu_ms = (_server_cpu(proc.pid) - cpu0) / many.size * 1000.0
                    wall = time.perf_counter() - wall0
                    p50, p95 = np.percentile(many, [50, 95])
                    b50, b95 = np.percentile(one, [50, 95])
                    out(f"{name:13s} {label:10s} {clients} clients x {per_client}: p50 "
                        f"{p50:5.0f} ms, p95 {p95:5.0f} ms ({many.size / wall:4.0f} req/s, "
                        f"server CPU {cpu_ms:4.1f} ms/req) | 1 client: p50 {b50:4.1f} ms, "
                        f"p95 {b95:4.1f} ms -> p95 {p95 / b95:4.1f}x the single-client p95")
                    rows.append({"case": f"{name}, {clients} clients, {label}",
                                 "p50_ms": p50, "p95_ms": p95, "single_p95_ms": b95})
            finally:
                proc.terminate()
                proc.wait(timeout=20)
    return rows
