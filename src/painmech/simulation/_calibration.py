"""Calibration report: simulated cohorts against the published targets.

Each row compares one target of the simulator design ("Calibration
targets", with the sources in evidence.md) with the value simulated in a
virtual cohort, with a 95 % confidence interval from the simulated sample.
A target with a published interval passes when the simulated interval
overlaps it; a target given as a range passes when the simulated point
estimate lies in the range.

Whiplash cold pain: the odds ratio of CPT ≥ 13 °C for the moderate/severe
trajectory (Sterling 2011: 26.3, 5.0–139.1) was first missed (≈ 2–3): with
the trajectory driven only by *carrying* cold hyperalgesia, the healthy
cold-pain mixture (Lötsch 2015; a mode at 13.2 °C) splits carriers and
non-carriers alike at 13 °C. The course model now grades the whiplash
vulnerability by the person's cold pain threshold itself (prior + ΔT_cold;
Sterling 2005 Pain 114:141 names cold hyperalgesia as a predictor), see
:data:`painmech.simulation._course.W_COLD_WAD`; the odds ratio is then
≈ 17–23 with the 50/25/25 % outcome split kept.

Not produced by the model, hence not in the table: the 1.3 cm³ per year of
pain (no whole-neocortex volume is simulated), PPT/TS minimal detectable
change and the CPM/homeostatic ICCs (reliability targets; not yet
calibrated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import find_peaks
from scipy.stats import gaussian_kde

from painmech.simulation._cohort import simulate_cohort
from painmech.simulation._summary import summarise

__all__ = ["calibration_report"]

_Z = 1.959963984540054  # 97.5 % normal quantile


def _smd(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    na, nb = len(a), len(b)
    sp = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    d = (a.mean() - b.mean()) / sp
    se = np.sqrt((na + nb) / (na * nb) + d * d / (2 * (na + nb)))
    return d, d - _Z * se, d + _Z * se


def _md(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return d, d - _Z * se, d + _Z * se


def _mean_ci(a):
    a = np.asarray(a, float)
    se = a.std(ddof=1) / np.sqrt(len(a))
    return a.mean(), a.mean() - _Z * se, a.mean() + _Z * se


def _corr(x, y):
    r = np.corrcoef(x, y)[0, 1]
    se = 1.0 / np.sqrt(len(x) - 3)
    z = np.arctanh(r)
    return r, np.tanh(z - _Z * se), np.tanh(z + _Z * se)


def _prop(k, n):
    p = k / n
    se = np.sqrt(max(p * (1 - p), 1e-12) / n)
    return p, p - _Z * se, p + _Z * se


def _row(target, source, value, lo, hi, ref, ref_lo, ref_hi, rule, unit=""):
    if rule == "overlap":
        passed = (lo <= ref_hi) and (hi >= ref_lo)
    else:  # point estimate inside the target range
        passed = ref_lo <= value <= ref_hi
    return {"target": target, "source": source, "reference": ref,
            "reference_low": ref_lo, "reference_high": ref_hi, "simulated": value,
            "ci_low": lo, "ci_high": hi, "unit": unit, "rule": rule, "passed": bool(passed)}


def calibration_report(n_per_group: int = 600, seed: int = 20210709) -> pd.DataFrame:
    """Simulate the calibration cohorts and compare them with every target.

    Parameters
    ----------
    n_per_group : int
        Virtual patients per condition and cohort (healthy vs chronic LBP;
        subacute LBP and whiplash followed for 12 months).
    seed : int
        Seed of the simulation.

    Returns
    -------
    pandas.DataFrame
        One row per target: ``target, source, reference, reference_low,
        reference_high, simulated, ci_low, ci_high, unit, rule, passed``.
    """
    cross = simulate_cohort(2 * n_per_group, ["healthy", "chronic_lbp"], seed=seed,
                            instruments=("tdcs",))
    s = summarise(cross)
    h = s[s["condition"] == "healthy"]
    c = s[s["condition"] == "chronic_lbp"]
    rows = [
        _row("CPM (PPT %) SMD, chronic LBP vs healthy", "McPhee 2020 Pain 161:464",
             *_smd(c["cpm_pct"], h["cpm_pct"]), -0.44, -0.64, -0.23, "overlap", "SMD"),
        _row("TS (TSP last - first) SMD, chronic LBP vs healthy", "McPhee 2020 Pain 161:464",
             *_smd(c["tsp_diff"], h["tsp_diff"]), 0.50, 0.29, 0.72, "overlap", "SMD"),
        _row("Remote PPT (scapula) healthy - chronic LBP", "den Bandt 2019 JOSPT 49:698",
             *_md(h["ppt_scapula"], c["ppt_scapula"]), 119.2, 91.8, 146.6, "overlap", "kPa"),
        _row("Parallel CPM rating effect, healthy", "simulator.md (descending block)",
             *_mean_ci(h["cpm_rating"]), 16.7, 16.7 - 5.0, 16.7 + 5.0, "overlap", "nrs100"),
        _row("CPM test rating before conditioning, healthy", "simulator.md (52.6 NRS)",
             *_mean_ci(h["cpm_rating_before"]), 52.6, 47.6, 57.6, "overlap", "nrs100"),
        _row("Lumbar 2PD, healthy mean", "Luomajoki & Moseley 2011 BJSM 45:437",
             *_mean_ci(h["tpd_lumbar"]), 44.0, 44.0 - _Z * 10 / np.sqrt(45),
             44.0 + _Z * 10 / np.sqrt(45), "overlap", "mm"),
        _row("Lumbar 2PD, healthy SD", "Luomajoki & Moseley 2011 BJSM 45:437",
             float(h["tpd_lumbar"].std()), np.nan, np.nan, 10.0, 7.0, 13.0, "range", "mm"),
        _row("Lumbar 2PD, chronic LBP - healthy", "Adamczyk 2018 Clin J Pain 34:82",
             *_md(c["tpd_lumbar"], h["tpd_lumbar"]), 11.74, 8.61, 14.87, "overlap", "mm"),
        _row("PPT vs pain intensity r, chronic LBP", "Hübscher 2013 Pain 154:1497",
             *_corr(c["ppt_lumbar"], c["pain_intensity"]), -0.15, -0.18, -0.11, "overlap", "r"),
    ]
    rows += _gm_rows(cross, h, c)
    rows += _cpt_rows(h["cpt_lumbar"].to_numpy())
    rows += _homeostatic_rows(cross, s)
    rows += _course_rows(n_per_group, seed)
    return pd.DataFrame(rows)


def _gm_rows(result, h, c):
    t = result.truth
    carriers = t.loc[t["mechanism"].eq("grey_matter") & t["active"], "subject"]
    cc = c[c["subject"].isin(set(carriers))]
    pct = 100.0 * (cc["dlpfc_frac"].mean() / h["dlpfc_frac"].mean() - 1.0)
    return [_row("DLPFC grey matter, chronic LBP carriers vs healthy", "Apkarian 2004 "
                 "J Neurosci 24:10410 (5–11 % less)", pct, np.nan, np.nan, -8.0, -11.0, -5.0,
                 "range", "percent")]


def _cpt_rows(cpt):
    grid = np.linspace(0.0, 32.0, 321)
    dens = gaussian_kde(cpt, bw_method=0.12)(grid)
    peaks, _ = find_peaks(dens)
    modes = grid[peaks]
    rows = []
    for m in (23.7, 13.2, 1.5):
        near = modes[np.argmin(np.abs(modes - m))] if len(modes) else np.nan
        rows.append(_row(f"Healthy CPT mode near {m} °C", "Lötsch 2015 PLoS One", near,
                         np.nan, np.nan, m, m - 2.5, m + 2.5, "range", "degC"))
    return rows


def _homeostatic_rows(result, s):
    t = result.truth
    low = t.loc[t["mechanism"].eq("homeostatic_plasticity") & t["active"], "subject"]
    h = s[s["condition"] == "healthy"]
    g0 = s[s["subject"].isin(set(low))]
    return [
        _row("Healthy MEP ratio after block 1 (facilitation)", "Thapa 2018 Clin Neurophysiol",
             *_mean_ci(h["mep_between"]), 1.2, 1.0, np.inf, "overlap", "ratio"),
        _row("Healthy MEP ratio after block 2 (reversal below baseline)",
             "Thapa 2018 Clin Neurophysiol", *_mean_ci(h["mep_post0"]), 0.85, 0.0, 1.0,
             "overlap", "ratio"),
        _row("g_meta near 0: MEP ratio after block 2 (no reversal)",
             "Thapa 2018 Clin Neurophysiol", *_mean_ci(g0["mep_post0"]), 1.2, 1.0, np.inf,
             "overlap", "ratio"),
    ]


def _course_rows(n, seed):
    sub = simulate_cohort(n, "subacute_lbp", visits=(0.0, 12.0), seed=seed + 1, instruments=())
    pi = sub.observations.query("measure == 'pain_intensity'").pivot_table(
        index="subject", columns="visit", values="value")
    persist = (pi[1] >= 0.8 * pi[0]) & (pi[0] > 0)
    wad = simulate_cohort(n, "whiplash", visits=(0.0, 12.0), seed=seed + 2, instruments=())
    obs = wad.observations
    ndi = obs.query("measure == 'ndi'").pivot_table(index="subject", columns="visit",
                                                     values="value")[1]
    cls = np.select([ndi < 10, ndi < 30], ["recovered", "mild"], "severe")
    cpt = obs.query("measure == 'cpt' and visit == 0 and site == 'cervical'").groupby(
        "subject")["value"].mean().reindex(ndi.index)
    severe = cls == "severe"
    cold = (cpt >= 13.0).to_numpy()
    a, b = (cold & severe).sum() + 0.5, (~cold & severe).sum() + 0.5
    c_, d = (cold & ~severe).sum() + 0.5, (~cold & ~severe).sum() + 0.5
    log_or = np.log(a * d / (b * c_))
    se = np.sqrt(1 / a + 1 / b + 1 / c_ + 1 / d)
    rows = [_row("Subacute LBP persisting at 12 months (< 20 % pain decrease)",
                 "eLife 2024 review (25–50 %); definition Hashmi 2013 Brain 136:2751",
                 *_prop(int(persist.sum()), len(persist)), 0.375, 0.25, 0.50, "overlap",
                 "proportion"),
            _row("Whiplash CPT >= 13 °C vs moderate/severe at 12 months (OR)",
                 "Sterling 2011 Pain 152:1272", float(np.exp(log_or)),
                 float(np.exp(log_or - _Z * se)), float(np.exp(log_or + _Z * se)), 26.3, 5.0,
                 139.1, "overlap", "OR")]
    for name, target in (("recovered", 0.50), ("mild", 0.25), ("severe", 0.25)):
        rows.append(_row(f"Whiplash {name} at 12 months (NDI)", "Ritchie 2013 Pain 154:2198",
                         *_prop(int((cls == name).sum()), len(cls)), target, target - 0.1,
                         target + 0.1, "overlap", "proportion"))
    return rows
