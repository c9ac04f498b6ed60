"""The verdict rule of the claims check: family-wise intervals and equivalence margins.

Multiplicity: Bonferroni simultaneous intervals
-----------------------------------------------
Every claim's interval is computed at the level ``1 − α / m`` (α = 0.05, m =
the number of claims that turned out testable in the run), so the m intervals
cover their true effects *simultaneously* with probability ≥ 1 − α. A verdict
other than ``inconclusive`` therefore holds for the whole family, not just for
one claim read in isolation; Holm-adjusted p-values (Holm 1979) stay in the
table for reference — every ``supported`` or ``contradicted`` verdict has a
Holm p below α when p and interval come from the same test (Bonferroni
rejects a subset of what Holm rejects), not conversely.

Why Bonferroni intervals rather than Holm-consistent ones: the intervals
that match Holm's step-down test exactly (Strassburger & Bretz 2008 Stat Med
27:4914) collapse to the null value for every rejected hypothesis, so they
cannot show how large an effect is, and cannot show that it lies inside the
margin of irrelevance — which the ``absent`` verdict needs. Bonferroni
intervals are informative for every claim at the price of a little power.

Smallest effect size of interest (SESOI)
----------------------------------------
painmech anchors every margin on one choice: a standardised mean difference
of d = 0.2, Cohen's (1988) "small" effect, well below the pooled effects the
fact sheet rests on (temporal summation SMD 0.50, CPM −0.44, McPhee 2020 Pain
161:464). The margins of the other effect scales are the same effect
converted: r = d / √(d² + 4) = 0.0995 (Cohen 1988, equal groups) for
(partial) correlations and standardised within-person slopes, AUC =
Φ(d / √2) = 0.556 (McGraw & Wong 1992 Psychol Bull 111:361, two normal
distributions of equal variance) for discrimination; Rice & Harris 2005 Law
Hum Behav 29:615 tabulate both. A claim may carry its own sourced margin
instead.

Verdicts (``VERDICTS``; ``lo``, ``hi`` the interval, ``δ`` the SESOI, ``s``
the claimed sign, all measured from the null value 0, or 0.5 for an AUC):

* ``absent`` — the whole interval lies inside (−δ, +δ): no effect of
  relevant size, whatever its sign (equivalence, the two one-sided tests of
  Schuirmann 1987 read from the same interval; Lakens, Scheel & Isager 2018
  Adv Methods Pract Psychol Sci 1:259). For a claim of *no* effect
  (``s = 0``, e.g. no prognostic value) this outcome is ``supported``;
* ``supported`` — ``s·lo > 0``: the whole interval on the claimed side;
* ``contradicted`` — ``s·hi < 0``: the whole interval on the other side (for
  a claim of no effect: the interval excludes the null);
* ``inconclusive`` — the interval contains the null and reaches beyond the
  margin: too few people. The reason states the minimal detectable effect
  (MDE): the true effect the design detects with 80 % power at the same
  level, ``(q₁₋α/(2m) + z₀.₈)·SE`` on the working scale;
* ``not_testable`` — the data lack the metric, the design or the people.

The same interval serves the equivalence and the superiority decision, so
the equivalence test runs at α/(2m) per side — conservative by a factor 2.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["ALPHA", "POWER", "SESOI_BY_KIND", "SESOI_D", "VERDICTS", "effect_of",
           "family_level", "interval", "mde", "sesoi_of", "verdict"]

#: The verdicts, in the order tables show them.
VERDICTS = ("supported", "contradicted", "absent", "inconclusive", "not_testable")
#: Family-wise error rate of the claims check.
ALPHA = 0.05
#: Power of the minimal detectable effect (the conventional 80 %, Cohen 1988).
POWER = 0.8
#: The anchor SESOI: Cohen's (1988) "small" standardised mean difference (painmech choice).
SESOI_D = 0.2
_R = SESOI_D / np.sqrt(SESOI_D**2 + 4.0)          # 0.0995 (Cohen 1988)
_AUC = float(stats.norm.cdf(SESOI_D / np.sqrt(2.0))) - 0.5  # 0.0562 (McGraw & Wong 1992)

_SESOI_SOURCE = "painmech choice: d = 0.2 (Cohen 1988 'small')"
#: Default SESOI per claim kind (distance from the null on the effect's own scale).
SESOI_BY_KIND: dict[str, tuple[float, str]] = {
    "difference": (SESOI_D, f"{_SESOI_SOURCE}; standardised mean difference"),
    "association": (float(_R), f"{_SESOI_SOURCE}, as r = d/√(d²+4) = 0.0995"),
    "tracking": (float(_R), f"{_SESOI_SOURCE}, as r = d/√(d²+4) = 0.0995; "
                            "standardised within-person slope"),
    "recovery": (SESOI_D, f"{_SESOI_SOURCE}; standardised mean change"),
    "prognosis": (_AUC, f"{_SESOI_SOURCE}, as AUC = Φ(d/√2) = 0.556 (McGraw & Wong 1992)"),
}
SESOI_BY_KIND["no_prognosis"] = SESOI_BY_KIND["prognosis"]

_FORWARD = {"identity": lambda v: v, "fisher_z": np.arctanh,
            "logit": lambda v: np.log(v / (1.0 - v))}
_BACK = {"identity": lambda v: v, "fisher_z": np.tanh,
         "logit": lambda v: 1.0 / (1.0 + np.exp(-v))}


def sesoi_of(claim) -> tuple[float, str]:
    """The SESOI of a claim and its source: the claim's own or its kind's default."""
    if claim.sesoi is not None:
        return float(claim.sesoi), claim.sesoi_source
    return SESOI_BY_KIND[claim.kind]


def family_level(m: int, alpha: float = ALPHA) -> float:
    """Bonferroni level ``1 − α/m`` of each of ``m`` simultaneous intervals."""
    return 1.0 - alpha / max(int(m), 1)


def _quantile(level: float, df) -> float:
    p = 0.5 + level / 2.0
    return float(stats.t.ppf(p, df) if df is not None and np.isfinite(df)
                 else stats.norm.ppf(p))


def interval(est: float, se: float, df, scale: str, level: float) -> tuple[float, float]:
    """Wald interval ``est ± q·se`` on the working scale, returned on the effect scale.

    Parameters
    ----------
    est, se : float
        Estimate and standard error on the working scale (identity, Fisher z or
        logit).
    df : float or None
        Degrees of freedom of a t quantile; ``None`` for the normal quantile.
    scale : {"identity", "fisher_z", "logit"}
    level : float
        Coverage, e.g. :func:`family_level`.
    """
    if not (np.isfinite(est) and np.isfinite(se)):
        return float("nan"), float("nan")
    q = _quantile(level, df)
    back = _BACK[scale]
    return float(back(est - q * se)), float(back(est + q * se))


def effect_of(est: float, scale: str) -> float:
    """An estimate on the working scale back on the effect scale."""
    return float(_BACK[scale](est))


def mde(se: float, df, scale: str, null: float, level: float, power: float = POWER) -> float:
    """Minimal detectable effect: distance from the null (effect scale) of the true
    effect found with probability ``power`` by an interval at ``level``.
    """
    if not np.isfinite(se):
        return float("nan")
    k = _quantile(level, df) + float(stats.norm.ppf(power))
    null_w = _FORWARD[scale](null)
    return float(_BACK[scale](null_w + k * se) - null)


def verdict(lo: float, hi: float, null: float, sign: int, sesoi: float) -> tuple[str, str]:
    """Verdict and reason from an interval (see the module docstring)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive", "interval could not be computed"
    a, b = lo - null, hi - null
    margin = f"±{sesoi:.3g}"
    if -sesoi < a and b < sesoi:
        side = ("" if a <= 0 <= b else
                "; it excludes 0 but the effect is smaller than the SESOI")
        if sign == 0:
            return "supported", f"interval inside the margin {margin} (no relevant effect{side})"
        return "absent", f"interval inside the margin {margin}: no effect of relevant size{side}"
    if sign == 0:
        if a > 0 or b < 0:
            return "contradicted", f"interval excludes {null:g} and reaches beyond {margin}"
        return "inconclusive", f"interval includes {null:g} and reaches beyond {margin}"
    a, b = sorted((sign * a, sign * b))
    if a > 0:
        return "supported", "interval on the claimed side"
    if b < 0:
        return "contradicted", "interval on the opposite side"
    return "inconclusive", f"interval includes {null:g} and reaches beyond {margin}"
