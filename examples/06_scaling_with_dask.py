"""Scale the profile pipeline: subject partitions, streaming, and a Dask cluster.

A large study does not need to fit into memory at once. painmech splits the
observations into Parquet files by subject (every subject in exactly one
partition). Metrics, z-scores and profiles are per subject, so each partition
can be processed alone — one after another on a laptop (memory bounded by one
partition), or in parallel as tasks on a Dask cluster. The reference set is
fitted once, on the healthy controls of the whole dataset, before the
partitions are scored. The results are the same, to the last bit, on every
route; this script checks that.

The cluster here is a ``dask.distributed.LocalCluster`` on this machine; pass
``address="tcp://scheduler:8786"`` instead of ``client=`` to use a real one.

Run::

    python examples/06_scaling_with_dask.py [OUTPUT_DIR]

Outputs: ``observations/part-*.parquet`` (the partitioned dataset),
``profile/part-*.parquet`` (the profile written partition by partition),
``profile.csv``, ``reference.csv`` + ``reference.json``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from painmech.distributed import map_partitions, profile_dataset, read_profile
from painmech.io import list_partitions, write_partitioned
from painmech.pipeline import run_profile
from painmech.simulation import simulate_cohort


def observations_per_measure(part: pd.DataFrame) -> pd.DataFrame:
    """A custom per-partition function: rows per measure (partitions split by subject)."""
    return part.groupby("measure", sort=True).size().rename("n").reset_index()


def main(out: Path) -> None:
    # --- 1. a study as a partitioned Parquet dataset ------------------------------------------
    sim = simulate_cohort(200, {"healthy": 0.5, "chronic_lbp": 0.5}, seed=42, instruments=())
    subjects, obs = sim.subjects, sim.observations
    # Tiny partitions keep the example quick, but each partition has a fixed
    # cost (about a second for compute_metrics alone), so on real data choose
    # partitions of thousands of subjects: then streaming costs little extra
    # time and the cluster's parallelism pays off.
    write_partitioned(obs, out / "observations", n_partitions=4)
    parts = list_partitions(out / "observations")
    print(f"{len(obs):,} observations of {len(subjects)} virtual people in {len(parts)} "
          f"partitions, e.g. {parts[0].name}")

    # --- 2. reference route: the whole table in memory ------------------------------------
    t0 = time.perf_counter()
    whole = run_profile(obs, subjects)
    print(f"\nwhole table in memory:           {time.perf_counter() - t0:5.1f} s")
    whole.reference.save(out / "reference.csv")

    # --- 3. streaming, one partition at a time (bounded memory) ----------------------------
    t0 = time.perf_counter()
    streamed, ref_streamed = profile_dataset(out / "observations", subjects, progress=False)
    print(f"streamed partition by partition: {time.perf_counter() - t0:5.1f} s")

    # --- 4. the same partitions as tasks on a Dask cluster ---------------------------------
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t0 = time.perf_counter()
        # with output=, every worker writes its partition's profile itself and
        # only small counts travel back
        counts, ref_dask = profile_dataset(out / "observations", subjects, client=client,
                                           output=out / "profile", progress=False)
        print(f"Dask, 2 workers:                 {time.perf_counter() - t0:5.1f} s "
              "(includes sending work to the worker processes)")
        # any pure per-partition function can run the same way
        per_measure = map_partitions(observations_per_measure, out / "observations",
                                     client=client, progress=False)
    on_dask = read_profile(out / "profile")
    on_dask.to_csv(out / "profile.csv", index=False)

    # --- 5. identical results ---------------------------------------------------------------
    pd.testing.assert_frame_equal(whole.reference.table_, ref_streamed.table_)
    pd.testing.assert_frame_equal(whole.reference.table_, ref_dask.table_)
    pd.testing.assert_frame_equal(whole.profile, streamed)
    pd.testing.assert_frame_equal(whole.profile, on_dask)
    print("\nreference set and profile identical on all three routes "
          f"({len(on_dask):,} profile rows)")
    total = per_measure.groupby("measure")["n"].sum()
    assert total.equals(obs.groupby("measure").size().rename("n"))
    print("custom map_partitions result equals the whole-table count")

    print("\nmechanisms by status (subject-visits), from the workers' counts:")
    print(counts.pivot(index="mechanism", columns="status", values="n").fillna(0)
          .astype(int).to_string())
    print(f"\nfiles written to {out}")


if __name__ == "__main__":  # needed: Dask starts worker processes that import this file
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="pm-"))
    target.mkdir(parents=True, exist_ok=True)
    main(target)
