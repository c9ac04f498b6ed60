"""A small synthetic cohort with known effects, written directly as metrics.

Used by the cohort, longitudinal and CLI tests until (and besides) the
simulator: every effect below is put in on purpose, everything else is absent
or null, so the claims check has a known answer.

Known effects (patients = LBP conditions unless stated):
* PPT (kPa) at lumbar and tibialis_anterior falls with the *current* pain
  intensity (state marker): lower in patients, tracks pain within a person,
  recovers when pain is gone; baseline PPT is unrelated to persistence.
* TS (tsp_diff, NRS 0-100) rises with current pain.
* CPM (cpm_effect, kPa; positive = inhibition) falls with pain duration and
  baseline intensity.
* Whiplash: CPT (°C) raised; a higher CPT raises the chance of a
  moderate/severe course (NDI > 30 % at the last visit); PCS rises with CPT;
  DASS-21 stress unrelated.
* Null effects present in the data: CRP, grey matter (DLPFC, thalamus).
* Absent: TMS, tDCS, connectivity, two-point discrimination, graphaesthesia,
  FreBAQ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["subject", "visit", "metric", "site", "side", "value", "unit", "n_trials", "method"]


def make_cohort(seed: int = 7, n_healthy: int = 80, n_lbp: int = 120, n_whiplash: int = 60,
                n_visits: int = 3, crp_effect: float = 0.0):
    rng = np.random.default_rng(seed)
    cond = np.array(["healthy"] * n_healthy
                    + ["chronic_lbp"] * (n_lbp // 2) + ["acute_lbp"] * (n_lbp // 4)
                    + ["subacute_lbp"] * (n_lbp - n_lbp // 2 - n_lbp // 4)
                    + ["whiplash"] * n_whiplash)
    n = len(cond)
    subj = np.array([f"S{i:04d}" for i in range(n)])
    sex = rng.choice(["female", "male"], n)
    age = rng.uniform(20, 65, n).round(1)
    subjects = pd.DataFrame({"subject": subj, "sex": sex, "age": age, "condition": cond})

    patient = cond != "healthy"
    lbp = np.isin(cond, ["chronic_lbp", "acute_lbp", "subacute_lbp"])
    wad = cond == "whiplash"
    duration = np.select(
        [cond == "chronic_lbp", cond == "acute_lbp", cond == "subacute_lbp", wad],
        [rng.uniform(6, 120, n), rng.uniform(0.2, 1.4, n), rng.uniform(1.5, 3, n),
         rng.uniform(0.2, 1, n)], 0.0)
    pain0 = np.where(patient, rng.uniform(3, 8, n), 0.0)
    cpt = np.clip(rng.normal(12, 5, n) + np.where(wad, 4.0, 0.0), 0, 32)
    severe_p = 1 / (1 + np.exp(-(-0.5 + 0.45 * (cpt - 15))))
    persistent = np.where(wad, rng.random(n) < severe_p, rng.random(n) < 0.5) & patient

    v = np.arange(n_visits)
    # pain course: persistent keep their pain, others halve then reach 0
    frac = np.where(persistent[:, None], 1.0, np.clip(1 - v / (n_visits - 1), 0, 1)[None, :])
    pain = np.clip(pain0[:, None] * frac + rng.normal(0, 0.6, (n, n_visits)) * persistent[:, None],
                   0, 10)
    pain[:, 0] = pain0

    rows = []

    def add(metric, values, site="none", side="none", unit="score"):
        vv = np.asarray(values, float)
        if vv.ndim == 1:
            vv = np.repeat(vv[:, None], n_visits, axis=1)
        ii, jj = np.nonzero(np.isfinite(vv))
        rows.append(pd.DataFrame({"subject": subj[ii], "visit": jj.astype("int64"),
                                  "metric": metric, "site": site, "side": side,
                                  "value": vv[ii, jj], "unit": unit, "n_trials": 1,
                                  "method": "synthetic"}))

    add("pain_intensity", np.where(patient[:, None], pain, 0.0), unit="nrs10")
    add("pain_state", (pain > 0).astype(float), unit="flag")
    add("pain_duration", np.where(patient, duration, np.nan), unit="month")
    female = (sex == "female").astype(float)
    person = rng.normal(0, 0.10, n)
    for site, base, slope in (("lumbar", 2.62, 0.030), ("tibialis_anterior", 2.75, 0.020)):
        for side in ("left", "right"):
            logp = (base - 0.06 * female + person)[:, None] - slope * pain \
                + rng.normal(0, 0.04, (n, n_visits))
            add("ppt", 10 ** logp, site, side, unit="kPa")
    add("tsp_diff", 12 + 2.5 * pain + rng.normal(0, 8, (n, n_visits)), "lumbar", "midline",
        unit="nrs100")
    cpm = 60 - 0.35 * duration - 7.0 * pain0 + rng.normal(0, 20, n)
    add("cpm_effect", cpm[:, None] + rng.normal(0, 10, (n, n_visits)), "lumbar", "none",
        unit="kPa")
    add("cpt", np.where((wad | (cond == "healthy"))[:, None],
                        cpt[:, None] + rng.normal(0, 1.0, (n, n_visits)), np.nan),
        "cervical", "none", unit="degC")
    neckish = wad | (cond == "healthy")
    add("pcs", np.where(neckish, np.clip(8 + 0.9 * cpt + rng.normal(0, 5, n), 0, 52), np.nan))
    add("dass21_stress", np.where(neckish, rng.integers(0, 30, n).astype(float), np.nan))
    ndi_last = np.where(persistent, rng.normal(42, 8, n), rng.normal(10, 5, n))
    ndi = np.empty((n, n_visits))
    ndi[:, 0] = 25 + 2 * pain0 + rng.normal(0, 5, n)
    ndi[:, 1:] = np.linspace(ndi[:, 0], ndi_last, n_visits)[1:].T
    add("ndi", np.where(wad[:, None], np.clip(ndi, 0, 100), np.nan), unit="percent")
    add("odi", np.where(lbp[:, None], np.clip(6 * pain + rng.normal(0, 6, (n, n_visits)), 0, 100),
                        np.nan), unit="percent")
    add("pds_hyperarousal", np.where(wad, rng.integers(0, 15, n).astype(float), np.nan))
    crp = 10 ** (rng.normal(0.0, 0.3, n) + crp_effect * patient)
    add("crp", crp, unit="mg/L")
    for side in ("left", "right"):
        add("gmv_dlpfc_frac", rng.normal(0.0125, 0.0012, n), "dlpfc", side, unit="ratio")
        add("gmv_thalamus_frac", rng.normal(0.0050, 0.0004, n), "thalamus", side, unit="ratio")
    metrics = pd.concat(rows, ignore_index=True)[COLUMNS]
    truth = pd.DataFrame({"subject": subj, "persistent": persistent, "pain0": pain0,
                          "duration": duration, "cpt_true": cpt})
    return subjects, metrics, truth
