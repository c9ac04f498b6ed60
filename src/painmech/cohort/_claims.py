"""Test the fact sheet's statements on a cohort: ``check_claims``.

Verdict rule (fixed before any data are analysed)
-------------------------------------------------
For every claim the effect and its 95 % confidence interval are computed as
the claim's ``kind`` prescribes (:class:`painmech.cohort.Claim`). With the
null value ``0`` (differences, correlations, slopes, changes) or ``0.5``
(AUC) and the claimed sign s:

* ``supported`` — the whole interval lies on the claimed side of the null;
* ``contradicted`` — the whole interval lies on the other side;
* ``inconclusive`` — the interval contains the null (or cannot be computed);
* ``not_testable`` — no metric of the claim is in the data, the design is
  absent (no controls, one visit, nobody recovered …) or fewer than
  ``min_n`` subjects per group (``min_class`` per outcome class for prognosis).

Claims of *no* prognostic value (``no_prognosis``) use the cross-validated
AUC: ``contradicted`` when its interval lies above 0.5; ``supported`` when
the interval reaches 0.5 and stays below 0.7, the lower bound of "acceptable"
discrimination (Hosmer & Lemeshow 2000); ``inconclusive`` otherwise.

p-values are reported alongside (two-sided) with a Holm adjustment over the
testable claims; the verdict itself rests on the interval only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from painmech.cohort._claims_spec import CLAIMS, Claim
from painmech.cohort._compare import _g_and_ci, covariate_matrix
from painmech.cohort._mixed import mixed_model
from painmech.cohort._prognosis import prognostic_performance
from painmech.cohort._select import subject_values, transform_of, wide_values
from painmech.cohort._stats import holm, partial_spearman, welch_test
from painmech.registry import SITES, get_condition

__all__ = ["check_claims", "claims_table", "VERDICTS", "CLAIM_COLUMNS"]

VERDICTS = ("supported", "contradicted", "inconclusive", "not_testable")
AUC_USEFUL = 0.7  # Hosmer & Lemeshow 2000: 0.7–0.8 "acceptable" discrimination
PERSISTENCE_DROP = 0.2  # Hashmi 2013: persistent = < 20 % decrease of pain
NDI_MODERATE_SEVERE = 30.0  # Sterling 2003: moderate/severe = NDI > 30 %

CLAIM_COLUMNS = [
    "claim", "section", "mechanism", "statement_en", "statement_de", "kind", "metric", "site",
    "scale", "population", "test", "effect_type", "claimed_sign", "effect", "ci_low",
    "ci_high", "n", "n_detail", "p", "p_holm", "verdict", "reason",
]


def claims_table(claims: Iterable[Claim] = CLAIMS) -> pd.DataFrame:
    """The pre-specified claims as a table (what is tested, before any data)."""
    return pd.DataFrame([{
        "claim": c.id, "section": c.section, "mechanism": c.mechanism,
        "statement_en": c.statement_en, "statement_de": c.statement_de, "kind": c.kind,
        "metrics": ", ".join(f"{m} ({'+' if s > 0 else '−' if s < 0 else '0'})"
                             for m, s in c.metrics),
        "sites": c.sites if isinstance(c.sites, str | None) else ", ".join(c.sites),
        "population": ", ".join(c.population), "comparison": ", ".join(c.comparison),
        "outcome": c.outcome or "", "source": c.source,
    } for c in claims])


def _sites(claim: Claim):
    if not isinstance(claim.sites, str):
        return claim.sites
    local = {s for c in claim.population for s in get_condition(c).local_sites}
    return tuple(sorted(local)) if claim.sites == "local" else tuple(
        s for s in SITES if s not in local)


def _site_label(sites) -> str:
    if sites is None:
        return "all"
    return ", ".join(sites) if len(sites) <= 3 else f"{len(sites)} sites"


def _verdict(effect_lo, effect_hi, null, sign):
    if not (np.isfinite(effect_lo) and np.isfinite(effect_hi)):
        return "inconclusive", "interval could not be computed"
    lo, hi = sign * (effect_lo - null), sign * (effect_hi - null)
    lo, hi = min(lo, hi), max(lo, hi)
    if lo > 0:
        return "supported", "interval on the claimed side"
    if hi < 0:
        return "contradicted", "interval on the opposite side"
    return "inconclusive", "interval includes the null value"


def _difference(c, m, sites, metrics, subjects, o):
    vals = subject_values(metrics, subjects, m, sites=sites)
    x = vals.loc[vals["condition"].isin(c.population), "value"].to_numpy(float)
    y = vals.loc[vals["condition"].isin(c.comparison), "value"].to_numpy(float)
    detail = f"{len(x)} vs {len(y)}"
    if min(len(x), len(y)) < o["min_n"]:
        return None, f"fewer than {o['min_n']} subjects per group ({detail})", detail
    g, lo, hi = _g_and_ci(x, y, o["n_boot"], o["seed"])
    return dict(effect=g, ci_low=lo, ci_high=hi, n=len(x) + len(y), p=welch_test(x, y),
                effect_type="hedges_g",
                test=f"Hedges g, percentile bootstrap CI (B={o['n_boot']}); Welch t-test"
                ), "", detail


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
    if len(wide) < o["min_n"]:
        return None, f"fewer than {o['min_n']} subjects ({len(wide)})", str(len(wide))
    r = partial_spearman(wide[m], wide[c.outcome], covariate_matrix(wide, c.covariates))
    return dict(effect=r["r"], ci_low=r["ci_low"], ci_high=r["ci_high"], n=r["n"], p=r["p"],
                effect_type="partial_spearman_rho",
                test=f"partial Spearman (adjusted for {', '.join(c.covariates)}), Fisher z CI "
                     "with Bonett-Wright SE"), "", str(r["n"])


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
    if d["pain_within"].abs().max() == 0:
        return None, "pain intensity never changes within a subject", str(n)
    fit = mixed_model(d, "value ~ pain_within + pain_between").set_index("term")
    row = fit.loc["pain_within"]
    return dict(effect=row["coef"], ci_low=row["ci_low"], ci_high=row["ci_high"], n=n,
                p=row["p"], effect_type="within_subject_slope_per_nrs_point",
                test="linear mixed model, random intercept per subject, person-mean-centred "
                     "pain intensity (statsmodels MixedLM, Wald CI)"), "", f"{n} subjects"


def _recovery(c, m, sites, metrics, subjects, o):
    v = subject_values(metrics, subjects, m, sites=sites, visit="all")
    v = v[v["condition"].isin(c.population)]
    st = _pain_states(metrics, subjects).merge(v[["subject", "visit", "value"]],
                                               on=["subject", "visit"], how="inner")
    st = st.dropna(subset=["value"]).sort_values(["subject", "visit"])
    had_pain = st.groupby("subject")["in_pain"].cummax()
    free = st[~st["in_pain"].astype(bool) & had_pain.astype(bool)]
    first_free = free.groupby("subject", as_index=False).first()[["subject", "visit", "value"]]
    pain_rows = st[st["in_pain"].astype(bool)].merge(
        first_free.rename(columns={"visit": "free_visit", "value": "free_value"}), on="subject")
    pain_rows = pain_rows[pain_rows["visit"] < pain_rows["free_visit"]]
    before = pain_rows.sort_values("visit").groupby("subject").last()
    change = (before["free_value"] - before["value"]).to_numpy(float)
    n = len(change)
    if n < o["min_n"]:
        return None, (f"fewer than {o['min_n']} subjects measured in pain and later pain-free "
                      f"({n})"), str(n)
    t = stats.ttest_1samp(change, 0.0)
    ci = t.confidence_interval(0.95)
    return dict(effect=float(change.mean()), ci_low=float(ci.low), ci_high=float(ci.high),
                n=n, p=float(t.pvalue), effect_type="mean_change",
                test="paired change, last in-pain visit to first pain-free visit; one-sample "
                     "t-test and t interval"), "", f"{n} recovered subjects"


def _outcome(c, metrics, subjects):
    if c.outcome == "persistence":
        pain = subject_values(metrics, subjects, "pain_intensity", visit="all",
                              transform=False)
        g = pain.sort_values("visit").groupby("subject")
        first, last = g.first(), g.last()
        ok = (last["visit"] > first["visit"]) & (first["value"] > 0)
        y = last["value"] > (1.0 - PERSISTENCE_DROP) * first["value"]
        return y[ok].astype(float)
    ndi = subject_values(metrics, subjects, "ndi", visit="all", transform=False)
    g = ndi.sort_values("visit").groupby("subject")
    first, last = g.first(), g.last()
    y = last["value"] > NDI_MODERATE_SEVERE
    return y[last["visit"] > first["visit"]].astype(float)


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
    r = prognostic_performance(joined["x"], joined["y"], n_boot=o["n_boot"], seed=o["seed"])
    return dict(effect=r["auc"], ci_low=r["ci_low"], ci_high=r["ci_high"], n=r["n"], p=r["p"],
                effect_type="cv_auc",
                test=f"logistic regression, stratified 5-fold cross-validated AUC, percentile "
                     f"bootstrap CI (B={o['n_boot']}); Mann-Whitney p; outcome {c.outcome}"
                ), "", detail


_RUNNERS = {"difference": _difference, "association": _association, "tracking": _tracking,
            "recovery": _recovery, "prognosis": _prognosis, "no_prognosis": _prognosis}


def _run_claim(c: Claim, metrics, subjects, o) -> dict:
    sites = _sites(c)
    base = {"claim": c.id, "section": c.section, "mechanism": c.mechanism,
            "statement_en": c.statement_en, "statement_de": c.statement_de, "kind": c.kind,
            "population": ", ".join(c.population), "site": _site_label(sites),
            "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0, "p": np.nan,
            "scale": "", "test": "", "effect_type": ""}
    present = set(pd.unique(metrics["metric"].astype(str)))
    candidates = [(m, s) for m, s in c.metrics if m in present]
    if not candidates:
        return {**base, "metric": c.metrics[0][0], "claimed_sign": c.metrics[0][1],
                "verdict": "not_testable", "n_detail": "0",
                "reason": "not measured: " + ", ".join(m for m, _ in c.metrics)}
    reason, detail = "", "0"
    for m, sign in candidates:  # noqa: B007  (the metric used is the one we stop at)
        res, reason, detail = _RUNNERS[c.kind](c, m, sites, metrics, subjects, o)
        if res is not None:
            break
    row = {**base, "metric": m, "claimed_sign": sign, "scale": transform_of(m),
           "n_detail": detail}
    if res is None:
        return {**row, "verdict": "not_testable", "reason": reason}
    row.update(res)
    if c.kind == "no_prognosis":
        lo, hi = row["ci_low"], row["ci_high"]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            verdict, why = "inconclusive", "interval could not be computed"
        elif lo > 0.5:
            verdict, why = "contradicted", "AUC interval above 0.5"
        elif hi < AUC_USEFUL:
            verdict, why = "supported", f"AUC interval below {AUC_USEFUL}"
        else:
            verdict, why = "inconclusive", f"AUC interval reaches {AUC_USEFUL}"
    else:
        null = 0.5 if c.kind == "prognosis" else 0.0
        verdict, why = _verdict(row["ci_low"], row["ci_high"], null, sign)
    return {**row, "verdict": verdict, "reason": why}


def check_claims(
    subjects: pd.DataFrame,
    metrics: pd.DataFrame,
    *,
    claims: Iterable[Claim] = CLAIMS,
    min_n: int = 10,
    min_class: int = 5,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Run every pre-specified claim on a cohort and give each a verdict.

    Parameters
    ----------
    subjects : pandas.DataFrame
        Subjects table (``subject, sex, age, condition``).
    metrics : pandas.DataFrame
        Metrics table of all visits (``subject, visit, metric, site, side,
        value``), including the clinical questionnaires (pain_intensity,
        pain_state, pain_duration, odi/ndi, pcs, dass21_stress …).
    claims : iterable of Claim
        The claims to test (default: :data:`painmech.cohort.CLAIMS`).
    min_n : int
        Smallest number of subjects per group (or in total for
        associations, changes and prognosis) for a claim to be testable.
    min_class : int
        Smallest number of subjects per outcome class for prognosis claims.
    n_boot, seed : int
        Bootstrap resamples and seed (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        One row per claim, columns :data:`CLAIM_COLUMNS`: the claim id, fact
        sheet section, mechanism, statements (en, de), kind, metric used, sites,
        scale of the metric (``log10``/``none``), population, test, effect type,
        the claimed sign, effect with 95 % CI, n (and ``n_detail``), two-sided
        p, Holm-adjusted p, verdict (see the module docstring) and the reason.
    """
    o = {"min_n": int(min_n), "min_class": int(min_class), "n_boot": int(n_boot),
         "seed": int(seed)}
    rows = [_run_claim(c, metrics, subjects, o) for c in claims]
    out = pd.DataFrame(rows).reindex(columns=CLAIM_COLUMNS)
    testable = out["verdict"] != "not_testable"
    out["p_holm"] = np.nan
    out.loc[testable, "p_holm"] = holm(out.loc[testable, "p"].to_numpy(float))
    return out
