"""Fast synthetic input for the profile benchmarks: ~30 observations per subject-visit.

A template cohort is simulated once with :func:`painmech.simulation.simulate_cohort`
(all seven conditions, two visits, canonical registry units) and reduced to a
compact battery of at most 30 observations per subject-visit (30 with this battery)
that touches seven of the ten mechanisms (PPT at a local and a remote site, CPM,
cold pain, temporal
summation, blood markers, two-point discrimination, grey matter, clinical
context). Larger inputs tile the template under new pseudonyms: the rows of
copy ``k`` are the template's rows with subject ``t<k>_<template id>``. The
pipeline's cost does not depend on the values, so tiling measures throughput
fairly while keeping every value a simulated, registry-valid one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from painmech.simulation import simulate_cohort

#: (measure, sites, highest trial kept) of the compact battery (at most 30 rows per subject-visit).
BATTERY = [
    ("ppt", ("lumbar", "thenar"), 2),            # 2 sites x 2 sides x 2 trials = 8
    ("cpm_ppt_before", ("forearm",), 2),         # 2
    ("cpm_ppt_during", ("forearm",), 2),         # 2
    ("cpt", ("cervical",), 2),                   # 2
    ("tsp_rating", ("lumbar",), 3),              # 3
    ("crp", ("none",), 1), ("il6", ("none",), 1),
    ("tpd_vertical", ("lumbar",), 1),            # 2 sides = 2 (the simulator states orientation)
    # FreeSurfer aseg thalamus, 2 sides = 2 (gmv sites are FreeSurfer names, as the
    # simulator writes them; the two DLPFC parcels would add 4 rows and exceed 30)
    ("gmv", ("thalamus",), 1), ("etiv", ("none",), 1),
    ("pain_intensity", ("none",), 1), ("pain_duration", ("none",), 1),
    ("pain_state", ("none",), 1), ("odi", ("none",), 1),
    ("pcs", ("none",), 1), ("dass21_stress", ("none",), 1),
]
OBS_COLUMNS = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]


def template(n_subjects: int = 3500, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated template (subjects, observations) with the compact battery, 2 visits."""
    res = simulate_cohort(n_subjects, visits=2, seed=seed, instruments=())
    obs = res.observations
    keep = np.zeros(len(obs), dtype=bool)
    for measure, sites, max_trial in BATTERY:
        keep |= (obs["measure"].eq(measure) & obs["site"].isin(sites)
                 & obs["trial"].le(max_trial)).to_numpy()
    obs = obs.loc[keep, OBS_COLUMNS].reset_index(drop=True)
    subjects = res.subjects[["subject", "sex", "age", "condition"]].reset_index(drop=True)
    return subjects, obs


def tile(subjects: pd.DataFrame, obs: pd.DataFrame, copies: range
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copies ``copies`` of the template under new pseudonyms (vectorised)."""
    k = np.asarray(copies)
    prefix = pd.Series(np.char.add(np.char.add("t", k.astype(str)), "_"))
    subj = subjects.loc[np.tile(np.arange(len(subjects)), len(k))].reset_index(drop=True)
    subj["subject"] = (np.repeat(prefix.to_numpy(dtype=object), len(subjects))
                       + subj["subject"].to_numpy(dtype=object))
    o = obs.loc[np.tile(np.arange(len(obs)), len(k))].reset_index(drop=True)
    o["subject"] = (np.repeat(prefix.to_numpy(dtype=object), len(obs))
                    + o["subject"].to_numpy(dtype=object))
    return subj.astype({"subject": "str"}), o.astype({"subject": "str"})


def make(n_visits: int, subjects: pd.DataFrame, obs: pd.DataFrame
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An in-memory input with about ``n_visits`` subject-visits."""
    per_copy = obs[["subject", "visit"]].drop_duplicates().shape[0]
    copies = max(1, round(n_visits / per_copy))
    return tile(subjects, obs, range(copies))


def write_dataset(directory: Path, n_visits: int, subjects: pd.DataFrame, obs: pd.DataFrame,
                  copies_per_part: int = 8) -> tuple[pd.DataFrame, int]:
    """Write ~``n_visits`` subject-visits as a subject-partitioned Parquet dataset.

    Each ``part-*.parquet`` holds whole subjects (a block of template copies),
    so only one block is ever in memory. Returns the subjects table and the
    number of observation rows.
    """
    directory.mkdir(parents=True, exist_ok=True)
    per_copy = obs[["subject", "visit"]].drop_duplicates().shape[0]
    copies = max(1, round(n_visits / per_copy))
    all_subjects, rows = [], 0
    for part, start in enumerate(range(0, copies, copies_per_part)):
        subj, o = tile(subjects, obs, range(start, min(start + copies_per_part, copies)))
        pq.write_table(pa.Table.from_pandas(o, preserve_index=False),
                       directory / f"part-{part:05d}.parquet")
        all_subjects.append(subj)
        rows += len(o)
    return pd.concat(all_subjects, ignore_index=True), rows
