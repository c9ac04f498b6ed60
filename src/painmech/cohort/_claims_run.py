"""How each kind of claim is estimated: effect, standard error, test.

Every runner takes ``(claim, metric, sites, metrics, subjects, options)`` and
returns ``(result, reason, detail)``. ``result`` is ``None`` when the claim is
not testable (``reason`` says why); otherwise it holds the estimate and its
standard error on a *working scale* (``identity``, ``fisher_z`` or
``logit``), so that :func:`painmech.cohort.check_claims` can form every
interval at the family-wise level once it knows how many claims are testable
(:mod:`painmech.cohort._claims_verdict`).

Effect scales (what the ``effect`` column holds):

* difference — standardised mean difference (Hedges' g scale) of the
  population minus the comparison group, *adjusted for age and sex*: the
  group coefficient b of the OLS model ``value ~ group + age + sex`` divided
  by the pooled within-group SD s and multiplied by Hedges' J; variance
  J²·(SE_b²/s² + d²/(2N)) (Borenstein et al. 2009 ch. 4, with the adjusted
  SE_b in place of s·√(1/n₁ + 1/n₀)). The unadjusted g (the same formula
  with the model ``value ~ group``) is kept beside it;
* association — partial Spearman rho (age, sex), Fisher z working scale with
  the Bonett–Wright SE; the plain rho of the same people beside it;
* tracking — standardised within-person slope: the mixed-model slope of the
  metric on person-mean-centred pain times SD(pain within) / SD(metric
  within) (SD units of the metric per SD of pain);
* recovery — standardised mean change: mean change / SD of the metric at the
  first of the two visits (Becker 1988 Br J Math Stat Psychol 41:257);
* prognosis — AUC = P(case more abnormal than non-case), the Mann–Whitney
  AUC of the baseline metric oriented by the claimed sign (for claims of *no*
  prognostic value: by the registry's direction of gain), DeLong SE, logit
  working scale. A single pre-oriented predictor has no fitted parameter, so
  the AUC needs no cross-validation.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from painmech.cohort._mixed import mixed_model
from painmech.cohort._select import subject_values, wide_values
from painmech.cohort._stats import auc_delong, ols, partial_spearman
from painmech.registry import get_metric

__all__ = ["RUNNERS"]

PERSISTENCE_DROP = 0.2  # Hashmi 2013: persistent = < 20 % decrease of pain
NDI_MODERATE_SEVERE = 30.0  # Sterling 2003: moderate/severe = NDI > 30 %
RELIEF_DROP = 0.3  # Dworkin 2008 J Pain 9:105 (IMMPACT): ≥ 30 % = moderately important


def _result(est, se, df, scale, p, n, effect_type, test, **extra) -> dict:
    return {"est": float(est), "se": float(se), "df": df, "scale": scale, "p": float(p),
            "n": int(n), "effect_type": effect_type, "test": test, "adjusted_for": "",
            "unadj": None, "null": 0.0, "verdict_sign": None, **extra}


def _design(frame: pd.DataFrame, covariates) -> tuple[np.ndarray, list[str], np.ndarray, str]:
    """Covariate columns for adjustment and what they are.

    ``age`` enters as it is, ``sex`` as indicators of ``female`` and ``other``
    (``male`` the reference). A covariate nobody has is left out (named in the
    note); people lacking a used covariate are left out (counted in the note);
    columns constant among the rest carry no information and are dropped.

    Returns
    -------
    (matrix, names of the covariates used, rows kept, note)
    """
    cols, owner, notes = [], [], []
    ok = np.ones(len(frame), bool)
    for c in covariates:
        if c == "sex":
            sex = frame["sex"].astype("string")
            block = [(sex == v).fillna(False).to_numpy(float) for v in ("female", "other")]
            present = sex.notna().to_numpy()
        else:
            block = [pd.to_numeric(frame[c], errors="coerce").to_numpy(float)]
            present = np.isfinite(block[0])
        if not present.any():
            notes.append(f"{c} not recorded")
            continue
        cols += block
        owner += [c] * len(block)
        ok &= present
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} without {'/'.join(dict.fromkeys(owner))} left out")
    x = np.column_stack(cols) if cols else np.empty((len(frame), 0))
    keep = (np.ptp(x[ok], axis=0) > 0) if ok.any() else np.zeros(x.shape[1], bool)
    names = list(dict.fromkeys(o for o, k in zip(owner, keep, strict=True) if k))
    return x[:, keep], names, ok, "; ".join(notes)


def _difference(c, m, sites, metrics, subjects, o):
    vals = subject_values(metrics, subjects, m, sites=sites)
    vals = vals[vals["condition"].isin([*c.population, *c.comparison])]
    cov, names, ok, note = _design(vals, c.covariates)
    y = vals["value"].to_numpy(float)[ok]
    g = vals["condition"].isin(c.population).to_numpy(float)[ok]
    n1, n0 = int(g.sum()), int(len(g) - g.sum())
    detail = f"{n1} vs {n0}" + (f" ({note})" if note else "")
    if min(n1, n0) < max(o["min_n"], 2):  # a group SD needs 2 people
        return None, f"fewer than {max(o['min_n'], 2)} subjects per group ({detail})", detail
    n = n1 + n0
    s = np.sqrt(((n1 - 1) * y[g == 1].var(ddof=1) + (n0 - 1) * y[g == 0].var(ddof=1))
                / (n - 2))
    j = 1.0 - 3.0 / (4.0 * (n - 2) - 1.0)  # Hedges' J (Borenstein 2009 eq. 4.22)
    ones = np.ones(n)
    try:
        adj = ols(y, np.column_stack([ones, g, cov]))
        raw = ols(y, np.column_stack([ones, g]))
    except ValueError as err:
        return None, f"group model not estimable: {err}", detail

    def smd(fit):
        d = fit["coef"][1] / s
        return j * d, j * np.sqrt(fit["se"][1] ** 2 / s**2 + d**2 / (2.0 * n)), fit["df"]

    est, se, df = smd(adj)
    p = 2.0 * stats.t.sf(abs(adj["coef"][1] / adj["se"][1]), adj["df"])
    return _result(est, se, df, "identity", p, n, "hedges_g_adjusted",
                   f"OLS value ~ group + {' + '.join(names) or '1'}; group coefficient / "
                   "pooled SD × Hedges J, t interval; t-test of the coefficient",
                   adjusted_for=", ".join(names), unadj=smd(raw)), "", detail


def _measured_outcome(outcome: str, metrics) -> str:
    """The first of ``a|b|c`` alternatives present in ``metrics`` (else the first)."""
    options = outcome.split("|")
    present = [x for x in options if (metrics["metric"] == x).any()]
    return (present or options)[0]


def _association(c, m, sites, metrics, subjects, o):
    c = replace(c, outcome=_measured_outcome(c.outcome, metrics))
    wide = wide_values(metrics, subjects, [m, c.outcome])
    if sites is not None:
        v = subject_values(metrics, subjects, m, sites=sites)
        wide = wide.drop(columns=[m], errors="ignore").merge(
            v[["subject", "visit", "value"]].rename(columns={"value": m}),
            on=["subject", "visit"], how="inner")
    if m not in wide or c.outcome not in wide:
        return None, f"outcome {c.outcome!r} not measured with {m!r}", "0"
    wide = wide[wide["condition"].isin(c.population)].dropna(subset=[m, c.outcome])
    cov, names, ok, note = _design(wide, c.covariates)
    wide, n = wide[ok], int(ok.sum())
    detail = str(n) + (f" ({note})" if note else "")
    if n < o["min_n"]:
        return None, f"fewer than {o['min_n']} subjects ({detail})", detail
    r = partial_spearman(wide[m], wide[c.outcome], cov[ok])
    r0 = partial_spearman(wide[m], wide[c.outcome])

    def fisher(res):
        return (np.arctanh(np.clip(res["r"], -1 + 1e-15, 1 - 1e-15)),
                np.sqrt((1.0 + res["r"] ** 2 / 2.0) / (res["n"] - 3 - res["k"])), None)

    est, se, _ = fisher(r)
    used = ", ".join(names) or "nothing"
    return _result(est, se, None, "fisher_z", r["p"], r["n"], "partial_spearman_rho",
                   f"partial Spearman with {c.outcome} (adjusted for {used}), Fisher z "
                   "interval with the Bonett-Wright SE",
                   adjusted_for=", ".join(names), unadj=fisher(r0)), "", detail


def _pain_states(metrics, subjects):
    """Per subject and visit: in pain (True/False) from pain_state, else pain_intensity > 0."""
    state = subject_values(metrics, subjects, "pain_state", visit="all", transform=False)
    inten = subject_values(metrics, subjects, "pain_intensity", visit="all", transform=False)
    both = inten[["subject", "visit", "value"]].rename(columns={"value": "intensity"}).merge(
        state[["subject", "visit", "value"]].rename(columns={"value": "state"}),
        on=["subject", "visit"], how="outer")
    in_pain = np.where(both["state"].notna(), both["state"] > 0.5, both["intensity"] > 0)
    return both.assign(in_pain=in_pain)


def _tracking(c, m, sites, metrics, subjects, o):
    v = subject_values(metrics, subjects, m, sites=sites, visit="all")
    v = v[v["condition"].isin(c.population)]
    pain = subject_values(metrics, subjects, "pain_intensity", visit="all", transform=False)
    d = v.merge(pain[["subject", "visit", "value"]].rename(columns={"value": "pain"}),
                on=["subject", "visit"], how="inner").dropna(subset=["value", "pain"])
    d = d[d.groupby("subject")["visit"].transform("size") >= 2]
    n = d["subject"].nunique()
    if n < o["min_n"]:
        return None, f"fewer than {o['min_n']} subjects with ≥ 2 visits ({n})", str(n)
    d = d.assign(pain_between=d.groupby("subject")["pain"].transform("mean"))
    d = d.assign(pain_within=d["pain"] - d["pain_between"])
    sd_pain = d["pain_within"].std(ddof=1)
    sd_value = (d["value"] - d.groupby("subject")["value"].transform("mean")).std(ddof=1)
    if not sd_pain > 0 or not sd_value > 0:
        return None, "pain intensity or the metric never changes within a subject", str(n)
    fit = mixed_model(d, "value ~ pain_within + pain_between").set_index("term")
    row, k = fit.loc["pain_within"], sd_pain / sd_value
    return _result(row["coef"] * k, row["se"] * k, None, "identity", row["p"], n,
                   "standardised_within_person_slope",
                   "linear mixed model, random intercept per subject, person-mean-centred "
                   "pain intensity (statsmodels MixedLM, Wald interval); slope × SD(pain "
                   f"within) / SD({m} within)"), "", f"{n} subjects"


def _course_pairs(c, st):
    """One (before, after) pair of visits per subject as the claim's course defines."""
    if c.course == "relief":
        g = st.groupby("subject")
        first, last = g.first(), g.last()
        ok = ((last["visit"] > first["visit"]) & (first["intensity"] > 0)
              & (last["intensity"] <= (1.0 - RELIEF_DROP) * first["intensity"]))
        return first.loc[ok, "value"], last.loc[ok, "value"]
    had_pain = st.groupby("subject")["in_pain"].cummax()
    free = st[~st["in_pain"].astype(bool) & had_pain.astype(bool)]
    first_free = free.groupby("subject", as_index=False).first()[["subject", "visit", "value"]]
    pain_rows = st[st["in_pain"].astype(bool)].merge(
        first_free.rename(columns={"visit": "free_visit", "value": "free_value"}), on="subject")
    pain_rows = pain_rows[pain_rows["visit"] < pain_rows["free_visit"]]
    before = pain_rows.sort_values("visit").groupby("subject").last()
    return before["value"], before["free_value"]


def _recovery(c, m, sites, metrics, subjects, o):
    v = subject_values(metrics, subjects, m, sites=sites, visit="all")
    v = v[v["condition"].isin(c.population)]
    st = _pain_states(metrics, subjects).merge(v[["subject", "visit", "value"]],
                                               on=["subject", "visit"], how="inner")
    st = st.dropna(subset=["value"]).sort_values(["subject", "visit"])
    before, after = _course_pairs(c, st)
    change = (after - before).to_numpy(float)
    n = len(change)
    what = ("with pain relief of ≥ 30 % (first to last visit)" if c.course == "relief"
            else "measured in pain and later pain-free")
    if n < o["min_n"]:
        return None, f"fewer than {o['min_n']} subjects {what} ({n})", str(n)
    sd = float(np.std(before.to_numpy(float), ddof=1))
    if not (sd > 0 and np.std(change) > 0):
        return None, (f"{m} or its change is the same in every subject ({n}): no interval "
                      "can be formed"), str(n)
    t = stats.ttest_1samp(change, 0.0)
    pair = ("first to last visit" if c.course == "relief"
            else "last in-pain visit to first pain-free visit")
    return _result(change.mean() / sd, change.std(ddof=1) / np.sqrt(n) / sd, n - 1,
                   "identity", t.pvalue, n, "standardised_mean_change",
                   f"paired change, {pair}, / SD before; one-sample t-test and t interval"
                   ), "", f"{n} subjects {what}"


def _first_last(frame):
    g = frame.sort_values("visit").groupby("subject")
    return g.first(), g.last()


def _outcome(c, metrics, subjects):
    if c.outcome == "onset":
        first, last = _first_last(_pain_states(metrics, subjects))
        ok = (last["visit"] > first["visit"]) & ~first["in_pain"].astype(bool)
        return last.loc[ok, "in_pain"].astype(float)
    metric = "pain_intensity" if c.outcome == "persistence" else "ndi"
    first, last = _first_last(subject_values(metrics, subjects, metric, visit="all",
                                             transform=False))
    if c.outcome == "persistence":
        ok = (last["visit"] > first["visit"]) & (first["value"] > 0)
        y = last["value"] > (1.0 - PERSISTENCE_DROP) * first["value"]
        return y[ok].astype(float)
    return (last["value"] > NDI_MODERATE_SEVERE)[last["visit"] > first["visit"]].astype(float)


def _prognosis(c, m, sites, metrics, subjects, o):
    v = subject_values(metrics, subjects, m, sites=sites)
    v = v[v["condition"].isin(c.population)].set_index("subject")["value"]
    y = _outcome(c, metrics, subjects)
    joined = pd.concat([v.rename("x"), y.rename("y")], axis=1, join="inner").dropna()
    n1 = int(joined["y"].sum())
    n0 = len(joined) - n1
    detail = f"{n1} events / {n0} non-events"
    if len(joined) < o["min_n"] or min(n0, n1) < o["min_class"]:
        return None, (f"too few subjects with follow-up ({detail}; need {o['min_n']} and "
                      f"{o['min_class']} per class)"), detail
    sign = dict(c.metrics)[m]
    orient = sign if sign != 0 else (get_metric(m).gain or 1)
    x = orient * joined["x"].to_numpy(float)
    yy = joined["y"].to_numpy(float)
    r = auc_delong(x[yy == 1], x[yy == 0])
    a, se, how = r["auc"], r["se"], "DeLong SE"
    if not se > 0:  # complete separation (or all tied): DeLong's variance is 0
        a, se = _separated(a, n1, n0)
        how = "complete separation: AUC moved half a pair inward, Hanley-McNeil SE"
    p = stats.mannwhitneyu(x[yy == 1], x[yy == 0], alternative="two-sided").pvalue
    direction = "higher" if orient > 0 else "lower"
    return _result(np.log(a / (1 - a)), se / (a * (1 - a)), None, "logit", p, len(x),
                   "auc_claimed_direction",
                   f"Mann-Whitney AUC = P(event has the {direction} {m}), {how}, logit "
                   f"interval; Mann-Whitney p; outcome {c.outcome}",
                   null=0.5, verdict_sign=1 if sign != 0 else 0), "", detail


def _separated(auc: float, n1: int, n0: int) -> tuple[float, float]:
    """AUC and SE when DeLong's variance is 0 (e.g. every case above every non-case).

    The AUC is moved half a case–non-case pair away from 0 or 1 and its variance
    taken from Hanley & McNeil 1982 Radiology 143:29: a zero-width
    interval would claim certainty that 5 vs 5 people cannot give.
    """
    half = 0.5 / (n1 * n0)
    a = float(np.clip(auc, half, 1.0 - half))
    q1, q2 = a / (2.0 - a), 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)
    return a, float(np.sqrt(var))


RUNNERS = {"difference": _difference, "association": _association, "tracking": _tracking,
           "recovery": _recovery, "prognosis": _prognosis, "no_prognosis": _prognosis}
