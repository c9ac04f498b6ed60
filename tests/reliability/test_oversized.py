"""Oversized input against a real server process: a multi-GB streamed upload and huge
multipart forms are refused quickly with bounded memory; a long background job runs
with a timeout while a cheap endpoint stays responsive.
"""

from __future__ import annotations

import socket
import statistics
import time

import httpx
import psutil
import pytest
from relhelpers import Server, record_figures

from painmech import storage

GB = 1024**3


def _rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def _stream_upload(server: Server, headers: dict, total: int, chunked: bool):
    """Send up to ``total`` bytes as a multipart body without holding them; stop at refusal."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    head = ["POST /api/studies/s1/imports HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
            f"Authorization: {headers['Authorization']}",
            "Content-Type: multipart/form-data; boundary=zzz"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    part = (b'--zzz\r\nContent-Disposition: form-data; name="observations"; '
            b'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n')
    first = part + b"x" * ((1 << 20) - len(part))  # a valid file part, then 4 GB of it
    chunk = b"x" * (1 << 20)
    def framed(data):
        return f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data
    sent, started = 0, time.monotonic()
    sock.settimeout(0.001)
    reply = b""
    try:
        while sent < total:
            try:
                reply += sock.recv(65536)
                if reply:
                    break
            except (TimeoutError, BlockingIOError):
                pass
            sock.settimeout(30)
            sock.sendall(framed(first if sent == 0 else chunk))
            sock.settimeout(0.001)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(30)
    try:
        while b"\r\n\r\n" not in reply:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    except (TimeoutError, ConnectionResetError):
        pass
    sock.close()
    return reply.split(b"\r\n", 1)[0].decode(errors="replace"), sent, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("template", ["sqlite"], indirect=True)
def test_oversized_uploads_are_refused_with_bounded_memory(seeded, tokens_for, tmp_path):
    db = storage.Database(seeded)
    headers = tokens_for(db, ["editor"])["editor"]
    db.dispose()
    server = Server(seeded, tmp_path / "server.log", max_body_bytes=50 * 2**20)
    try:
        rss0 = _rss_mb(server.pid)
        declared = _stream_upload(server, headers, 4 * GB, chunked=False)
        streamed = _stream_upload(server, headers, 4 * GB, chunked=True)
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            fields = {f"f{i}": "x" for i in range(5000)}
            many = http.post("/api/studies/s1/imports", data=fields,
                             files={"observations": ("a.csv", b"subject\n", "text/csv")})
            big_field = http.post("/api/studies/s1/imports", data={"note": "y" * (5 * 2**20)},
                                  files={"observations": ("a.csv", b"subject\n", "text/csv")})
            many_files = http.post("/api/studies/s1/imports", files=[
                ("observations", (f"{i}.csv", b"subject\n", "text/csv")) for i in range(50)])
            alive = http.get("/api/auth/me").status_code
        rss1 = _rss_mb(server.pid)
    finally:
        server.stop()
    assert declared[0].startswith("HTTP/1.1 413") and declared[1] < 2**30, declared
    assert streamed[0].startswith("HTTP/1.1 413"), streamed
    assert streamed[1] < 50 * 2**20 + 256 * 2**20, streamed  # stopped near the limit
    for response in (many, big_field, many_files):
        assert 400 <= response.status_code < 500, response.text
    assert alive == 200
    assert rss1 - rss0 < 200, (rss0, rss1)
    record_figures("oversized_upload", offered_gb=4, declared_status=declared[0][9:12],
                   declared_bytes_sent_mb=round(declared[1] / 2**20),
                   declared_seconds=round(declared[2], 2), chunked_status=streamed[0][9:12],
                   chunked_bytes_sent_mb=round(streamed[1] / 2**20),
                   chunked_seconds=round(streamed[2], 2),
                   form_5000_fields=many.status_code, form_5mb_field=big_field.status_code,
                   form_50_files=many_files.status_code, server_rss_mb_before=round(rss0),
                   server_rss_mb_after=round(rss1))


@pytest.mark.slow
@pytest.mark.parametrize("template", ["sqlite"], indirect=True)
def test_long_job_times_out_in_the_background_while_the_api_answers(seeded, tokens_for,
                                                                     tmp_path):
    db = storage.Database(seeded)
    headers = tokens_for(db, ["owner"])["owner"]
    db.dispose()
    server = Server(seeded, tmp_path / "server.log", job_timeout_s=4.0)
    latencies = []
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            job = http.post("/api/simulations", json={"n": 2000, "visits": 10, "seed": 1})
            assert job.status_code == 202, job.text
            job_id = job.json()["id"]
            deadline = time.monotonic() + 60
            status = "queued"
            while time.monotonic() < deadline and status in ("queued", "running"):
                t0 = time.perf_counter()
                assert http.get("/api/auth/me").status_code == 200
                latencies.append(time.perf_counter() - t0)
                status = http.get(f"/api/jobs/{job_id}").json()["status"]
                time.sleep(0.1)
    finally:
        server.stop()
    assert status == "timeout", status
    assert max(latencies) < 5.0  # generous: the job runs in its own process
    record_figures("background_job", job_timeout_s=4.0, final_status=status,
                   cheap_requests=len(latencies),
                   latency_median_ms=round(statistics.median(latencies) * 1000, 1),
                   latency_max_ms=round(max(latencies) * 1000, 1))
