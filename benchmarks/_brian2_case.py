"""The dorsal-horn train: painmech's vectorised numpy model vs the same equations in Brian2."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from painmech.simulation import _dorsal_horn as dh

HERE = Path(__file__).resolve().parent
ENV = Path(os.environ.get("BRIAN2_ENV", "/tmp/brian2-env"))


def _inputs(n: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    amp, kw = rng.uniform(20.0, 40.0, n), rng.uniform(0.0, 0.8, n)
    c_shape, ab_shape = dh._shapes()
    consts = {"M_RATE": dh.M_RATE, "DT": dh.DT, "WINDOW": dh.WINDOW, "N_STIM": 10,
              "ISI_MS": 1000.0, "AB_AMP": 20.0, "W_NMDA": dh.W_NMDA, "K_GAIN": dh.K_GAIN,
              "M_G": dh.M_G, "P_THRESHOLD": dh.P_THRESHOLD_HZ,
              **{f"G_{k.upper()}": v for k, v in dh.G.items()},
              **{f"TAU_{k}": v for k, v in dh.TAU.items()},
              **{f"ALPHA_{k}": v for k, v in dh.ALPHA.items()},
              **{f"BETA_{k}": v for k, v in dh.BETA.items()}}
    np.savez(path, c_amp=amp, k_w=kw, c_shape=c_shape, ab_shape=ab_shape,
             i_trace=dh._inhibitory_trace(20.0), **{k: np.float64(v) for k, v in consts.items()})
    return amp, kw


def compare(n: int, out) -> dict | None:
    """Time both and report the largest difference of the per-stimulus areas."""
    python = ENV / "bin" / "python"
    if not python.exists():
        out("dorsal horn vs Brian2: skipped: no Brian2 env (run benchmarks/brian2/setup.sh)")
        return None
    with tempfile.TemporaryDirectory(prefix="painmech-brian2-") as tmp:
        inp, res = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        amp, kw = _inputs(n, inp)
        subprocess.run([str(python), str(HERE / "brian2" / "dorsal_horn_brian2.py"), str(inp),
                        str(res)], check=True, capture_output=True, text=True)
        b = np.load(res)
        brian, b_sec = b["area"], float(b["seconds"])
    t = time.perf_counter()
    ours = dh.run_train(amp, kw, 1.0, 10, dtype=np.float64)
    sec = time.perf_counter() - t
    diff = np.abs(ours - brian)
    rel = diff.max() / np.abs(brian).max()
    out(f"dorsal-horn train (10 stimuli at 1 Hz), {n:,} patients: painmech {sec:6.2f} s, "
        f"Brian2 2.9 (numpy target) {b_sec:6.2f} s -> {b_sec / sec:5.1f}x; max |difference| "
        f"of the areas {diff.max():.3g} Hz·s ({rel:.2%} of the largest area; Brian2 updates "
        f"E and P simultaneously, painmech in sequence)")
    return {"case": f"dorsal horn vs Brian2, {n:,} patients", "seconds": sec,
            "brian2_s": b_sec, "max_diff": float(diff.max())}
