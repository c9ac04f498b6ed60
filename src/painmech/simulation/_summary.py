"""Per-visit summary numbers of a simulated cohort (for calibration and tests).

These are simple, documented reductions of the raw tables — not the
project's metric definitions (those live in :mod:`painmech.measures`):
means over trials and sides, the CPM effect as percent change of the PPT
(positive = inhibition, evidence.md §4 convention), the rating effect
before − during, TSP last − first rating, wind-up ratio of means, TMS
centre-of-gravity distance between the two muscles (amplitude-weighted
means of grid coordinates, evidence.md §7), MEP ratios to baseline and an
affective-minus-sensory Fisher-z connectivity index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.simulation._connectivity import AFFECTIVE, ROIS, SENSORY

__all__ = ["summarise"]

_KEY = ["subject", "visit"]


def _mean(obs, measure, site=None, trial=None) -> pd.Series:
    sel = obs["measure"].eq(measure)
    if site is not None:
        sel &= obs["site"].eq(site)
    if trial is not None:
        sel &= obs["trial"].eq(trial)
    return obs.loc[sel].groupby(_KEY, sort=True)["value"].mean()


def summarise(result) -> pd.DataFrame:
    """One row per subject and visit with the summary numbers used for calibration.

    Columns include ``condition``, ``ppt_<site>``, ``cpm_pct``,
    ``cpm_seq_pct``, ``cpm_rating``, ``cpm_rating_before``, ``tsp_diff``,
    ``wur``, ``cpt_<site>``, ``tpd_lumbar`` (all orientations) and
    ``tpd_lumbar_vertical``/``_horizontal``, ``graph_errors``, ``frebaq``,
    ``crp``, ``dlpfc_frac``, ``pain_intensity``, ``ndi``, plus
    ``tms_cog_dist``/``tms_volume``, ``mep_between``/``mep_post0``/``mep_post10``/
    ``mep_post20`` and
    ``fc_index`` when the instrument tables are present.
    """
    obs = result.observations
    cols = {}
    for site in ("lumbar", "trapezius", "scapula", "tibialis_anterior", "thenar"):
        cols[f"ppt_{site}"] = _mean(obs, "ppt", site)
    before = _mean(obs, "cpm_ppt_before")
    cols["cpm_pct"] = 100.0 * (_mean(obs, "cpm_ppt_during") - before) / before
    cols["cpm_seq_pct"] = 100.0 * (_mean(obs, "cpm_ppt_after") - before) / before
    cols["cpm_rating_before"] = _mean(obs, "cpm_rating_before")
    cols["cpm_rating"] = cols["cpm_rating_before"] - _mean(obs, "cpm_rating_during")
    cols["tsp_diff"] = _mean(obs, "tsp_rating", trial=10) - _mean(obs, "tsp_rating", trial=1)
    cols["wur"] = (_mean(obs, "wur_train", "lumbar")
                   / _mean(obs, "wur_single", "lumbar").replace(0.0, np.nan))
    for site in ("lumbar", "cervical"):
        cols[f"cpt_{site}"] = _mean(obs, "cpt", site)
        cols[f"hpt_{site}"] = _mean(obs, "hpt", site)
    cols["mpt_lumbar"] = np.exp(np.log(obs.loc[obs["measure"].eq("mpt")
                                               & obs["site"].eq("lumbar")]
                                       .set_index(_KEY)["value"]).groupby(_KEY).mean())
    # 2PD: mean over every trial of any orientation at the lumbar site (the simulator
    # writes tpd_vertical and tpd_horizontal with equal trial counts)
    tpd = obs.loc[obs["measure"].isin(["tpd", "tpd_vertical", "tpd_horizontal"])
                  & obs["site"].eq("lumbar")]
    cols["tpd_lumbar"] = tpd.groupby(_KEY, sort=True)["value"].mean()
    for orient in ("vertical", "horizontal"):
        cols[f"tpd_lumbar_{orient}"] = _mean(obs, f"tpd_{orient}", "lumbar")
    cols["graph_errors"] = obs.loc[obs["measure"].eq("graphesthesia_error")].groupby(_KEY)[
        "value"].sum()
    cols["frebaq"] = obs.loc[obs["measure"].eq("frebaq_item")].groupby(_KEY)["value"].sum()
    for m in ("crp", "il6", "pain_intensity", "ndi", "odi", "etiv"):
        cols[m] = _mean(obs, m)
    gm = obs.loc[obs["measure"].eq("gmv")
                 & obs["site"].isin(["rostralmiddlefrontal", "caudalmiddlefrontal"])]
    cols["dlpfc_frac"] = gm.groupby(_KEY)["value"].sum() / cols["etiv"]
    out = pd.DataFrame(cols)
    if len(result.tms):
        out = out.join(_tms_summary(result.tms))
    if len(result.tdcs):
        out = out.join(_tdcs_summary(result.tdcs))
    if len(result.roi):
        out = out.join(_fc_summary(result.roi))
    subj = result.subjects.set_index("subject")["condition"]
    out = out.reset_index()
    out.insert(2, "condition", subj.reindex(out["subject"]).to_numpy())
    return out


def _tms_summary(tms: pd.DataFrame) -> pd.DataFrame:
    m = tms.groupby([*_KEY, "muscle", "x_cm", "y_cm"], sort=True)["mep_uv"].mean()
    df = m.reset_index()
    df["wx"] = df["x_cm"] * df["mep_uv"]
    df["wy"] = df["y_cm"] * df["mep_uv"]
    g = df.groupby([*_KEY, "muscle"])[["wx", "wy", "mep_uv"]].sum()
    cog = pd.DataFrame({"x": g["wx"] / g["mep_uv"], "y": g["wy"] / g["mep_uv"],
                        "vol": g["mep_uv"]}).unstack("muscle")
    dist = np.hypot(cog["x"].iloc[:, 0] - cog["x"].iloc[:, 1],
                    cog["y"].iloc[:, 0] - cog["y"].iloc[:, 1])
    return pd.DataFrame({"tms_cog_dist": dist, "tms_volume": cog["vol"].sum(axis=1)})


def _tdcs_summary(tdcs: pd.DataFrame) -> pd.DataFrame:
    m = tdcs.groupby([*_KEY, "timepoint"])["mep_uv"].mean().unstack("timepoint")
    return pd.DataFrame({"mep_between": m["between"] / m["baseline"],
                         "mep_post0": m["post0"] / m["baseline"],
                         "mep_post10": m["post10"] / m["baseline"],
                         "mep_post20": m["post20"] / m["baseline"]})


def _fc_summary(roi: pd.DataFrame) -> pd.DataFrame:
    keys = roi[_KEY].drop_duplicates()
    n_k = len(keys)
    sig = roi["signal"].to_numpy().reshape(n_k, len(ROIS), -1)
    sig = sig - sig.mean(axis=2, keepdims=True)
    sig = sig / np.linalg.norm(sig, axis=2, keepdims=True)
    r = np.einsum("nat,nbt->nab", sig, sig)
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))

    def edges(names):
        idx = [ROIS.index(x) for x in names]
        pairs = [(a, b) for i, a in enumerate(idx) for b in idx[i + 1:]]
        return np.mean([z[:, a, b] for a, b in pairs], axis=0)

    index = pd.MultiIndex.from_frame(keys)
    return pd.DataFrame({"fc_index": edges(AFFECTIVE) - edges(SENSORY)}, index=index)
