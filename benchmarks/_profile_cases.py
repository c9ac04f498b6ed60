"""Profile throughput, its two baselines and the peak memory of the 10^6 case."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _synth
import numpy as np
import pandas as pd

from painmech.pipeline import profile_partition, run_profile

HERE = Path(__file__).resolve().parent


def groupby_apply(obs: pd.DataFrame, subjects: pd.DataFrame, ref) -> pd.DataFrame:
    """Baseline: the same rules applied one subject at a time with groupby-apply."""
    # grouping by the array keeps the subject column inside each group (pandas 3)
    return (obs.groupby(obs["subject"].to_numpy(), sort=True, group_keys=False)
            .apply(lambda g: profile_partition(g, subjects, ref)))


def numpy_floor(obs: pd.DataFrame) -> np.ndarray:
    """Floor: one numpy pass over the same columns — factorise the keys, mean per
    (subject-visit, measure, site, side), z against the column's mean and SD,
    count |z| > 1.96 per subject-visit. No rules, no text; the least any
    pipeline over these columns must do."""
    codes = [pd.factorize(obs[c].to_numpy())[0].astype(np.int64)
             for c in ("subject", "measure", "site", "side")]
    sizes = [int(c.max()) + 1 for c in codes]
    visit = obs["visit"].to_numpy(dtype=np.int64)
    unit = codes[0] * (int(visit.max()) + 1) + visit
    cell = ((unit * sizes[1] + codes[1]) * sizes[2] + codes[2]) * sizes[3] + codes[3]
    cells, inv = np.unique(cell, return_inverse=True)
    n = np.bincount(inv)
    mean = np.bincount(inv, obs["value"].to_numpy()) / n
    metric = (cells // (sizes[2] * sizes[3])) % sizes[1]
    mu = np.bincount(metric, mean) / np.bincount(metric)
    sd = np.sqrt(np.bincount(metric, (mean - mu[metric]) ** 2) / np.bincount(metric))
    z = (mean - mu[metric]) / np.where(sd > 0, sd, 1.0)[metric]
    units = cells // (sizes[1] * sizes[2] * sizes[3])
    return np.bincount(np.unique(units, return_inverse=True)[1], np.abs(z) > 1.96)


def _visits(obs: pd.DataFrame) -> int:
    return obs[["subject", "visit"]].drop_duplicates().shape[0]


def throughput(sizes, template, out) -> list[dict]:
    """In-memory whole-table pipeline vs groupby-apply and the numpy floor."""
    s0, o0 = template
    rows = []
    for n in sizes:
        subj, obs = _synth.make(n, s0, o0)
        n_sv = _visits(obs)
        t = time.perf_counter()
        res = run_profile(obs, subj, keep=())
        sec = time.perf_counter() - t
        t = time.perf_counter()
        numpy_floor(obs)
        floor = time.perf_counter() - t
        # baseline on a subsample of subjects, extrapolated linearly per subject-visit
        some = subj["subject"].iloc[:: max(1, len(subj) // 40)]
        sample = obs[obs["subject"].isin(some)]
        ref = res.reference
        t = time.perf_counter()
        groupby_apply(sample, subj, ref)
        base = (time.perf_counter() - t) / _visits(sample) * n_sv
        out(f"profile {n_sv:>9,} subject-visits ({len(obs):,} obs): {sec:7.1f} s "
            f"= {n_sv / sec:8,.0f} subject-visits/s | groupby-apply {base:8,.0f} s "
            f"(timed on {_visits(sample)} subject-visits, extrapolated linearly) -> "
            f"{base / sec:5.0f}x faster | numpy floor {floor:5.2f} s -> {sec / floor:4.1f}x "
            f"the floor")
        rows.append({"case": f"profile {n_sv:,} subject-visits", "seconds": sec,
                     "groupby_apply_s": base, "numpy_floor_s": floor})
        del subj, obs, res
    return rows


_CHILD = r"""
import json, resource, sys, time
import pandas as pd
from painmech.distributed import profile_dataset
subjects = pd.read_parquet(sys.argv[2])
t = time.perf_counter()
counts, ref = profile_dataset(sys.argv[1], subjects, output=sys.argv[3], progress=False)
sec = time.perf_counter() - t
print(json.dumps({"seconds": sec, "rows": int(counts["n"].sum()),
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def streamed(n: int, template, out) -> dict:
    """The partitioned, streamed run of ``n`` subject-visits in a fresh process."""
    s0, o0 = template
    with tempfile.TemporaryDirectory(prefix="painmech-bench-") as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        subj, n_obs = _synth.write_dataset(tmp / "obs", n, s0, o0)
        subj.to_parquet(tmp / "subjects.parquet")
        gen = time.perf_counter() - t
        n_sv = len(subj) * 2
        del subj
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(tmp / "obs"),
                               str(tmp / "subjects.parquet"), str(tmp / "profile")],
                              capture_output=True, text=True, check=True)
        res = json.loads(proc.stdout.strip().splitlines()[-1])
    parts = len(list(range(0, max(1, round(n / (len(s0) * 2))), 8)))
    out(f"profile {n_sv:>9,} subject-visits streamed from a {parts}-partition Parquet "
        f"dataset ({n_obs:,} obs, input written in {gen:.0f} s): {res['seconds']:7.1f} s = "
        f"{n_sv / res['seconds']:,.0f} subject-visits/s; peak memory (ru_maxrss) "
        f"{res['maxrss_mb'] / 1024:.2f} GB -> {res['maxrss_mb'] / 4096:.2f}x the 4 GB budget")
    return {"case": f"profile {n_sv:,} subject-visits (streamed)", "seconds": res["seconds"],
            "peak_gb": res["maxrss_mb"] / 1024}

