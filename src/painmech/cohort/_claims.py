"""Test the fact sheet's statements on a cohort: ``check_claims``.

Verdict rule (fixed before any data are analysed)
-------------------------------------------------
For every claim the effect is estimated as the claim's ``kind`` prescribes
(:mod:`painmech.cohort._claims_run`; group differences adjusted for age and
sex, the unadjusted estimate beside it). Its interval is a Bonferroni
simultaneous interval at the level ``1 − 0.05 / m`` over the m testable
claims of the run, and each claim kind has a smallest effect size of
interest (SESOI). The verdict — ``supported``, ``contradicted``, ``absent``
(no effect of relevant size: the interval inside ±SESOI), ``inconclusive``
(too few people; the minimal detectable effect is stated) or
``not_testable`` — is read from that interval alone; the rule, the margins
and their sources are in :mod:`painmech.cohort._claims_verdict`.

Prognosis claims are scored in the claimed direction: the AUC is the
probability that a person with the poor outcome has the more abnormal
baseline value in the sense of the claim, so a reversed effect gives an AUC
below 0.5 and the verdict ``contradicted``.

p-values are reported alongside (two-sided) with a Holm adjustment over the
testable claims.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from painmech.cohort._claims_run import RUNNERS
from painmech.cohort._claims_spec import CLAIMS, Claim
from painmech.cohort._claims_verdict import (
    ALPHA,
    POWER,
    VERDICTS,
    effect_of,
    family_level,
    interval,
    mde,
    sesoi_of,
    verdict,
)
from painmech.cohort._select import transform_of
from painmech.cohort._stats import holm
from painmech.registry import SITES, get_condition

__all__ = ["check_claims", "claims_table", "VERDICTS", "CLAIM_COLUMNS"]

CLAIM_COLUMNS = [
    "claim", "section", "mechanism", "statement_en", "statement_de", "kind", "metric", "site",
    "scale", "population", "test", "effect_type", "claimed_sign", "effect", "ci_low",
    "ci_high", "ci_level", "adjusted_for", "effect_unadjusted", "ci_low_unadjusted",
    "ci_high_unadjusted", "sesoi", "mde", "n", "n_detail", "p", "p_holm", "verdict", "reason",
]


def claims_table(claims: Iterable[Claim] = CLAIMS) -> pd.DataFrame:
    """The pre-specified claims as a table (what is tested, before any data).

    Besides the claim itself it states the smallest effect size of interest
    (``sesoi``, on the scale of the claim's effect) and its source.
    """
    rows = []
    for c in claims:
        sesoi, source = sesoi_of(c)
        rows.append({
            "claim": c.id, "section": c.section, "mechanism": c.mechanism,
            "statement_en": c.statement_en, "statement_de": c.statement_de, "kind": c.kind,
            "metrics": ", ".join(f"{m} ({'+' if s > 0 else '−' if s < 0 else '0'})"
                                 for m, s in c.metrics),
            "sites": c.sites if isinstance(c.sites, str | None) else ", ".join(c.sites),
            "population": ", ".join(c.population), "comparison": ", ".join(c.comparison),
            "outcome": c.outcome or "", "sesoi": sesoi, "sesoi_source": source,
            "source": c.source,
        })
    return pd.DataFrame(rows)


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


def _run_claim(c: Claim, metrics, subjects, o) -> tuple[dict, dict | None]:
    """The claim's descriptive row and its raw result (None when not testable)."""
    sites = _sites(c)
    base = {"claim": c.id, "section": c.section, "mechanism": c.mechanism,
            "statement_en": c.statement_en, "statement_de": c.statement_de, "kind": c.kind,
            "population": ", ".join(c.population), "site": _site_label(sites),
            "n": 0, "sesoi": sesoi_of(c)[0]}
    present = set(pd.unique(metrics["metric"].astype(str)))
    candidates = [(m, s) for m, s in c.metrics if m in present]
    if not candidates:
        return {**base, "metric": c.metrics[0][0], "claimed_sign": c.metrics[0][1],
                "scale": transform_of(c.metrics[0][0]), "n_detail": "0",
                "verdict": "not_testable",
                "reason": "not measured: " + ", ".join(m for m, _ in c.metrics)}, None
    for m, _sign in candidates:
        res, reason, detail = RUNNERS[c.kind](c, m, sites, metrics, subjects, o)
        if res is not None:
            break
    sign = dict(c.metrics)[m]
    row = {**base, "metric": m, "claimed_sign": sign, "scale": transform_of(m),
           "n_detail": detail}
    if res is None:
        return {**row, "verdict": "not_testable", "reason": reason}, None
    if res["verdict_sign"] is None:
        res["verdict_sign"] = sign
    row.update(n=res["n"], p=res["p"], test=res["test"], effect_type=res["effect_type"],
               adjusted_for=res["adjusted_for"])
    return row, res


def _judge(row: dict, res: dict, level: float) -> dict:
    """Interval at the family-wise ``level``, unadjusted interval, MDE and verdict."""
    back = effect_of(res["est"], res["scale"])
    lo, hi = interval(res["est"], res["se"], res["df"], res["scale"], level)
    out = {"effect": back, "ci_low": lo, "ci_high": hi, "ci_level": level,
           "mde": mde(res["se"], res["df"], res["scale"], res["null"], level)}
    if res["unadj"] is not None:
        est, se, df = res["unadj"]
        out["effect_unadjusted"] = effect_of(est, res["scale"])
        out["ci_low_unadjusted"], out["ci_high_unadjusted"] = interval(
            est, se, df, res["scale"], level)
    v, why = verdict(lo, hi, res["null"], res["verdict_sign"], row["sesoi"])
    if v == "inconclusive":
        why += (f"; at n = {row['n']} the minimal detectable effect is ±{out['mde']:.3g} "
                f"({POWER:.0%} power at the {level:.4g} level)")
    return {**row, **out, "verdict": v, "reason": why}


def check_claims(
    subjects: pd.DataFrame,
    metrics: pd.DataFrame,
    *,
    claims: Iterable[Claim] = CLAIMS,
    min_n: int = 10,
    min_class: int = 5,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = ALPHA,
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
        Accepted for backward compatibility and no longer used: every interval
        is analytic since the intervals became family-wise (a percentile
        bootstrap of a few thousand resamples cannot resolve the 0.1 % tails
        of a Bonferroni interval over ~30 claims), so results do not depend on
        them.
    alpha : float
        Family-wise error rate; each interval has the level ``1 − alpha/m``
        with m the number of testable claims.

    Returns
    -------
    pandas.DataFrame
        One row per claim, columns :data:`CLAIM_COLUMNS`: the claim id, fact
        sheet section, mechanism, statements (en, de), kind, metric used, sites,
        scale of the metric (``log10``/``none``), population, test, effect type,
        the claimed sign, the effect with its family-wise interval
        (``ci_low, ci_high``) and the interval's level ``ci_level``, the
        covariates adjusted for, the unadjusted effect and interval
        (difference and association claims; NaN otherwise), the smallest
        effect size of interest ``sesoi`` and the minimal detectable effect
        ``mde`` (both as a distance from the null on the effect's scale), n
        (and ``n_detail``), two-sided p, Holm-adjusted p, verdict (one of
        :data:`VERDICTS`; rule in :mod:`painmech.cohort._claims_verdict`)
        and the reason.
    """
    del n_boot, seed  # kept in the signature for callers of earlier versions
    o = {"min_n": int(min_n), "min_class": int(min_class)}
    runs = [_run_claim(c, metrics, subjects, o) for c in claims]
    level = family_level(sum(res is not None for _, res in runs), alpha)
    rows = [row if res is None else _judge(row, res, level) for row, res in runs]
    out = pd.DataFrame(rows).reindex(columns=CLAIM_COLUMNS)
    testable = out["verdict"] != "not_testable"
    out["p_holm"] = np.nan
    out.loc[testable, "p_holm"] = holm(out.loc[testable, "p"].to_numpy(float))
    return out
