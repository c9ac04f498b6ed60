"""Benchmark: virtual cohorts through the full battery, and the vectorised dorsal horn.

Run ``python benchmarks/bench_simulation.py [--quick]``. Prints wall-clock
seconds for

1. ``simulate_cohort`` with 10,000 patients, every instrument (TMS grid,
   tDCS MEP series, ROI time series of 150 volumes);
2. ``simulate_cohort`` with 100,000 patients, TMS and tDCS but **without the
   ROI time series** (they would be 120 million rows; simulate them for a
   subset when needed);
3. the dorsal-horn wind-up train (10 stimuli at 1 Hz) vectorised over
   100,000 patients against a plain per-patient Python loop of the same
   equations, timed on a small n in the same process and extrapolated
   linearly to 100,000 (the per-patient loop has no per-batch overhead, so
   linear extrapolation is fair to it).
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from painmech.simulation import _dorsal_horn as dh
from painmech.simulation import simulate_cohort


def _per_patient_train(c_amp: float, k_w: float, isi_s: float, n_stim: int) -> list[float]:
    """The dorsal-horn train for one patient with Python floats (baseline)."""
    c_shape, _ = dh._shapes()
    i_tr = dh._inhibitory_trace(20.0)
    _, ab_shape = dh._shapes()
    nmda = dh.W_NMDA * (1.0 + dh.K_GAIN * k_w)
    k_p = 1.0 - math.exp(-dh.DT / dh.TAU["P"])
    k_e = 1.0 - math.exp(-dh.DT / dh.TAU["E"])
    g_n, areas = 0.0, []
    for _ in range(n_stim):
        e = p = area = 0.0
        for j in range(dh.WINDOW):
            c = c_amp * c_shape[j]
            se = 25.0 * (1 + math.tanh((dh.G["CE"] * c - dh.G["IE"] * i_tr[j] - 29.2) / 5.2))
            e += (se - e) * k_e
            x = (dh.G["CP"] * (1 + nmda * g_n) * c + dh.G["EP"] * e
                 + dh.G["AbP"] * 20.0 * ab_shape[j] - dh.G["IP"] * i_tr[j])
            p += (25.0 * (1 + math.tanh((x - 28.2) / 11.5)) - p) * k_p
            g_n += (1.0 + math.tanh((p - 38.0) / 10.0) - g_n) * dh.DT / dh.TAU["N"]
            area += max(p - 25.0, 0.0)
        areas.append(area * dh.DT / 1000.0)
        g_n *= math.exp(-(isi_s * 1000.0 - dh.WINDOW * dh.DT) / dh.TAU["N"])
    return areas


def _time(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def main(quick: bool = False) -> None:
    """Run the benchmark and print the results."""
    big = 20_000 if quick else 100_000
    dh.ramp_table(), dh._single_table()  # build lookup tables once (cached)
    sec10, res10 = _time(simulate_cohort, 10_000, seed=1)
    print(f"simulate_cohort 10,000 patients, all instruments: {sec10:6.1f} s "
          f"({len(res10.observations):,} observations, {len(res10.tms):,} TMS rows, "
          f"{len(res10.roi):,} ROI rows)")
    del res10
    sec_big, res_big = _time(simulate_cohort, big, seed=1, instruments=("tms", "tdcs"))
    print(f"simulate_cohort {big:,} patients, no ROI series:  {sec_big:6.1f} s "
          f"({len(res_big.observations):,} observations, {len(res_big.tms):,} TMS rows)")
    del res_big
    rng = np.random.default_rng(0)
    amp = rng.uniform(20.0, 40.0, big)
    kw = rng.uniform(0.0, 0.8, big)
    sec_vec, vec = _time(dh.run_train, amp, kw, 1.0, 10)
    n_loop = 20
    sec_loop, loop = _time(lambda: [_per_patient_train(a, k, 1.0, 10)
                                    for a, k in zip(amp[:n_loop], kw[:n_loop], strict=True)])
    agree = np.allclose(np.array(loop), vec[:n_loop], rtol=2e-3, atol=2e-3)
    extrapolated = sec_loop / n_loop * big
    print(f"dorsal-horn train, {big:,} patients: vectorised {sec_vec:6.2f} s; per-patient "
          f"Python loop {sec_loop:.2f} s for {n_loop} patients -> {extrapolated:,.0f} s "
          f"extrapolated; ratio {extrapolated / sec_vec:,.0f}x (results agree: {agree})")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
