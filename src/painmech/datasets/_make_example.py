"""Regenerate the small illustrative example study shipped with painmech.

Run ``python -m painmech.datasets._make_example`` to rewrite the CSV files in
``datasets/data/``. The values are drawn from rough normal distributions chosen
for illustration only: they are not patients, not a reference and not a
finding. The test suite checks that the shipped files equal what this script
writes, so the files and their recipe cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data"
SEED = 20210709  # the fact sheet's publication date, as a memorable seed


def make_example(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(subjects, observations)`` of the example study."""
    rng = np.random.default_rng(seed)
    n_ctrl, n_pat = 6, 6
    subj = pd.DataFrame({
        "subject": [f"ex{i:02d}" for i in range(1, n_ctrl + n_pat + 1)],
        "sex": rng.choice(["female", "male"], n_ctrl + n_pat),
        "age": rng.integers(25, 66, n_ctrl + n_pat).astype(float),
        "condition": ["healthy"] * n_ctrl + ["chronic_lbp"] * n_pat,
    })
    patient = subj["condition"].ne("healthy").to_numpy()
    rows = []
    sites = [("lumbar", "left"), ("lumbar", "right"), ("scapula", "left"),
             ("tibialis_anterior", "right")]
    for (site, side) in sites:
        base = np.where(patient, 330.0, 420.0)
        subj_level = base * rng.lognormal(0.0, 0.2, len(subj))
        for trial in (1, 2, 3):
            val = np.round(subj_level * rng.lognormal(0.0, 0.08, len(subj)), 1)
            rows.append(pd.DataFrame({"subject": subj["subject"], "measure": "ppt", "site": site,
                                      "side": side, "trial": trial, "value": val,
                                      "unit": "kPa"}))
    first = np.clip(rng.normal(30, 10, len(subj)), 5, 90)
    gain = np.where(patient, 18.0, 6.0) + rng.normal(0, 5, len(subj))
    for trial in range(1, 11):
        val = np.clip(first + gain * (trial - 1) / 9, 0, 100).round(0)
        rows.append(pd.DataFrame({"subject": subj["subject"], "measure": "tsp_rating",
                                  "site": "lumbar", "side": "right", "trial": trial,
                                  "value": val, "unit": "nrs100"}))
    before = np.round(np.where(patient, 330.0, 420.0) * rng.lognormal(0, 0.2, len(subj)), 1)
    effect = np.where(patient, 0.03, 0.18) + rng.normal(0, 0.08, len(subj))
    rows.append(pd.DataFrame({"subject": subj["subject"], "measure": "cpm_ppt_before",
                              "site": "forearm", "side": "right", "trial": 1, "value": before,
                              "unit": "kPa"}))
    rows.append(pd.DataFrame({"subject": subj["subject"], "measure": "cpm_ppt_during",
                              "site": "forearm", "side": "right", "trial": 1,
                              "value": np.round(before * (1 + effect), 1), "unit": "kPa"}))
    scalar = {
        "pain_intensity": (np.where(patient, rng.integers(3, 8, len(subj)), 0), "nrs10"),
        "pain_duration": (np.where(patient, rng.integers(4, 120, len(subj)), 0), "month"),
        "pcs": (np.where(patient, rng.integers(10, 35, len(subj)), rng.integers(0, 12, len(subj))),
                "score"),
        "crp": (np.round(rng.lognormal(0.0, 0.7, len(subj)), 2), "mg/L"),
    }
    for measure, (val, unit) in scalar.items():
        rows.append(pd.DataFrame({"subject": subj["subject"], "measure": measure, "site": "none",
                                  "side": "none", "trial": 1, "value": val.astype(float),
                                  "unit": unit}))
    obs = pd.concat(rows, ignore_index=True)
    obs.insert(1, "visit", 1)
    obs = obs.sort_values(["subject", "measure", "site", "side", "trial"], kind="stable")
    return subj, obs.reset_index(drop=True)


def write_example(directory: Path = DATA) -> None:
    """Write ``example_subjects.csv`` and ``example_observations.csv``."""
    subj, obs = make_example()
    subj.to_csv(directory / "example_subjects.csv", index=False)
    obs.to_csv(directory / "example_observations.csv", index=False)


if __name__ == "__main__":  # pragma: no cover
    write_example()
