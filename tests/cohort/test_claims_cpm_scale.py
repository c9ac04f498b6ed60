"""The CPM claims prefer the effect in % of baseline: a cohort whose patients only
have lower PPTs (the same relative inhibition) must not "support" impaired CPM.

Also checks the claim's statistics against statsmodels (OLS t-test of the group
coefficient) and the Hedges g formula (Hedges & Olkin 1985: g = J·d,
J = 1 − 3 / (4·df − 1)).
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from painmech.cohort import CLAIMS, check_claims

CPM = [c for c in CLAIMS if c.id == "cpm_impaired"]


def _cohort(rng, n=80):
    subjects = pd.DataFrame({"subject": [f"s{i:03d}" for i in range(2 * n)],
                             "sex": np.tile(["female", "male"], n), "age": 45.0,
                             "condition": ["healthy"] * n + ["chronic_lbp"] * n})
    # baseline PPT: controls ~450 kPa, patients ~300 kPa (pressure hyperalgesia);
    # relative CPM effect identical in both groups: 12 % ± 8 % (arbitrary test values)
    baseline = np.concatenate([rng.normal(450, 60, n), rng.normal(300, 40, n)])
    pct = rng.normal(12.0, 8.0, 2 * n)
    kpa = pct / 100.0 * baseline
    rows = [pd.DataFrame({"subject": subjects["subject"], "visit": 0, "metric": metric,
                          "site": "thenar", "side": "left", "value": value})
            for metric, value in (("cpm_effect_pct", pct), ("cpm_effect", kpa))]
    return subjects, pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def cohort():
    return _cohort(np.random.default_rng(42))


def test_lower_baseline_alone_does_not_support_impaired_cpm(cohort):
    subjects, metrics = cohort
    row = check_claims(subjects, metrics, claims=CPM).iloc[0]
    assert row["metric"] == "cpm_effect_pct"
    assert row["verdict"] == "inconclusive"
    # the absolute kPa effect alone would have "supported" the claim
    only_kpa = metrics[metrics["metric"] == "cpm_effect"]
    row_kpa = check_claims(subjects, only_kpa, claims=CPM).iloc[0]
    assert row_kpa["metric"] == "cpm_effect"
    assert row_kpa["verdict"] == "supported"


def test_claim_statistics_match_scipy_and_the_hedges_formula(cohort):
    subjects, metrics = cohort
    only_kpa = metrics[metrics["metric"] == "cpm_effect"]
    row = check_claims(subjects, only_kpa, claims=CPM).iloc[0]
    v = only_kpa.merge(subjects, on="subject")
    x = v.loc[v["condition"] == "chronic_lbp", "value"].to_numpy()
    y = v.loc[v["condition"] == "healthy", "value"].to_numpy()
    df = len(x) + len(y) - 2
    sp = np.sqrt(((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / df)
    j = 1 - 3 / (4 * df - 1)
    assert row["effect_unadjusted"] == pytest.approx(j * (x.mean() - y.mean()) / sp, rel=1e-10)
    # adjusted for sex (age is 45 for everybody, so it cannot enter the model):
    # statsmodels smf.ols("value ~ group + C(sex)")
    frame = v.assign(group=v["condition"].ne("healthy").astype(int))
    fit = smf.ols("value ~ group + C(sex)", frame).fit()
    assert row["adjusted_for"] == "sex"
    assert row["effect"] == pytest.approx(j * fit.params["group"] / sp, rel=1e-10)
    assert row["p"] == pytest.approx(fit.pvalues["group"], rel=1e-9)
    assert row["n"] == len(x) + len(y) and row["n_detail"] == f"{len(x)} vs {len(y)}"
    assert row["ci_low"] < row["effect"] < row["ci_high"]
