"""Run every painmech benchmark and print each figure with its ratio to a baseline.

Usage::

    python benchmarks/run_all.py            # full: 1e4, 1e5, 1e6 subject-visits, ...
    python benchmarks/run_all.py --quick    # small sizes (about a minute)

Cases: profile throughput vs a per-subject pandas groupby-apply baseline and a
single numpy pass (the floor); the 1e6 case streamed from a partitioned
Parquet dataset in a fresh process with its peak memory; the simulator
(``bench_simulation.py``); the dorsal-horn model vs Brian2 (own venv,
``benchmarks/brian2/setup.sh``); p50/p95 latency of the profile page and a
REST endpoint under 20 concurrent clients (127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _brian2_case  # noqa: E402
import _http_case  # noqa: E402
import _profile_cases  # noqa: E402
import _synth  # noqa: E402


def _out(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str]) -> int:
    """Run the benchmarks; ``--quick`` for small sizes, ``--skip NAME`` to leave one out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about two minutes)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["profile", "simulation", "brian2", "http"],
                        help="leave a case out (repeatable)")
    args = parser.parse_args(argv)
    quick, skip = args.quick, set(args.skip)
    _out(f"painmech benchmarks ({'quick' if quick else 'full'}) on {platform.platform()}, "
         f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    t0 = time.perf_counter()
    template = _synth.template(700 if quick else 3500)
    _out(f"input: simulated template of {len(template[0]):,} patients x 2 visits, "
         f"{len(template[1]) / (2 * len(template[0])):.0f} observations per subject-visit, "
         "tiled under new pseudonyms")
    if "profile" not in skip:
        sizes = [1_000, 10_000] if quick else [10_000, 100_000]
        _profile_cases.throughput(sizes, template, _out)
        _profile_cases.streamed(20_000 if quick else 1_000_000, template, _out)
    if "simulation" not in skip:
        import bench_simulation

        bench_simulation.main(quick=quick)
    if "brian2" not in skip:
        _brian2_case.compare(2_000 if quick else 20_000, _out)
    if "http" not in skip:
        _http_case.latency(_out, clients=20, per_client=3 if quick else 10)
    _out(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
