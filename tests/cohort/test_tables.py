"""Subject-level selection, group comparison, associations, mixed models, subgroups."""

import numpy as np
import pandas as pd
import pytest

from painmech.cohort import (
    associations,
    group_comparison,
    hedges_g,
    mixed_model,
    partial_spearman,
    profile_matrix,
    repeated_measures,
    subgroups,
    subject_values,
)


def _tiny():
    subjects = pd.DataFrame({"subject": ["a", "b"], "sex": ["female", "male"],
                             "age": [30.0, 40.0], "condition": ["chronic_lbp", "healthy"]})
    rows = [("a", 0, "ppt", "lumbar", "left", 100.0), ("a", 0, "ppt", "lumbar", "right", 1000.0),
            ("a", 0, "ppt", "thenar", "left", 10.0), ("a", 1, "ppt", "lumbar", "left", 100.0),
            ("b", 0, "ppt", "lumbar", "left", 100.0), ("b", 0, "ppt", "thenar", "left", 1000.0)]
    metrics = pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value"])
    return subjects, metrics


def test_subject_values_log_mean_and_site_roles():
    subjects, metrics = _tiny()
    out = subject_values(metrics, subjects, "ppt", sites=["lumbar"])
    # log10 mean of 100 and 1000 kPa = 2.5 for "a" (registry: ppt is log10), 2 for "b"
    assert out.set_index("subject")["value"].to_dict() == pytest.approx({"a": 2.5, "b": 2.0})
    local = subject_values(metrics, subjects, "ppt", sites="local")
    # lumbar is local only for the back-pain patient; healthy "b" has no local site
    assert local["subject"].tolist() == ["a"]
    remote = subject_values(metrics, subjects, "ppt", sites="remote").set_index("subject")
    assert remote.loc["a", "value"] == pytest.approx(1.0)
    assert remote.loc["b", "value"] == pytest.approx(2.5)  # mean of log10(100), log10(1000)
    raw = subject_values(metrics, subjects, "ppt", sites=["lumbar"], visit="all",
                         transform=False)
    assert len(raw) == 3 and raw["value"].iloc[0] == pytest.approx(550.0)
    with pytest.raises(ValueError, match="'sites' parameter"):
        subject_values(metrics, subjects, "ppt", sites="elsewhere")
    with pytest.raises(ValueError, match="missing the column"):
        subject_values(metrics.drop(columns="side"), subjects, "ppt")


def test_group_comparison_matches_direct_hedges_g(cohort):
    subjects, metrics, _ = cohort
    tab = group_comparison(metrics, subjects, metric_ids=["ppt"], n_boot=500)
    row = tab[(tab["site"] == "lumbar")].iloc[0]
    v = subject_values(metrics, subjects, "ppt", sites=["lumbar"])
    x = v.loc[v["condition"] != "healthy", "value"]
    y = v.loc[v["condition"] == "healthy", "value"]
    assert row["g"] == pytest.approx(hedges_g(x, y))
    assert row["scale"] == "log10"
    assert row["n_patients"] == len(x) and row["n_controls"] == len(y)
    assert row["ci_low"] < row["g"] < row["ci_high"] < 0
    assert set(tab["site"]) == {"lumbar", "tibialis_anterior"}


def test_associations_partial_rho_matches_function(cohort):
    subjects, metrics, _ = cohort
    tab = associations(metrics, subjects, metric_ids=["tsp_diff"], outcomes=["pain_intensity"],
                       population=["chronic_lbp", "acute_lbp", "subacute_lbp"])
    assert len(tab) == 1
    row = tab.iloc[0]
    assert row["partial_rho"] > 0.2 and row["partial_ci_low"] > 0
    assert row["adjusted_for"] == "age, sex"
    assert np.isfinite(row["rho"]) and row["n"] == 120
    same = partial_spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])["r"]
    assert same == pytest.approx(0.8)  # Spearman by hand: 1 - 6*4/(5*24) = 0.8


def test_mixed_model_recovers_slope_and_equals_statsmodels(rng):
    import statsmodels.formula.api as smf

    n, k = 60, 4
    subj = np.repeat(np.arange(n), k)
    visit = np.tile(np.arange(k), n)
    y = 5 + rng.normal(0, 2, n)[subj] - 0.8 * visit + rng.normal(0, 0.5, n * k)
    data = pd.DataFrame({"subject": subj.astype(str), "visit": visit, "value": y})
    tab = mixed_model(data, "value ~ visit").set_index("term")
    ref = smf.mixedlm("value ~ visit", data, groups=data["subject"]).fit()
    assert tab.loc["visit", "coef"] == pytest.approx(ref.fe_params["visit"], rel=1e-10)
    assert tab.loc["visit", "se"] == pytest.approx(ref.bse_fe["visit"], rel=1e-10)
    assert tab.loc["visit", "ci_low"] < -0.8 < tab.loc["visit", "ci_high"]
    assert tab.attrs["converged"] and tab.attrs["n_groups"] == n
    assert tab.attrs["group_var"] == pytest.approx(4.0, rel=0.5)


def test_repeated_measures_on_cohort(cohort):
    subjects, metrics, _ = cohort
    tab = repeated_measures(metrics, subjects, "ppt", predictors=("pain_intensity",),
                            sites=["lumbar"], population=["chronic_lbp"]).set_index("term")
    # synthetic truth: log10 PPT falls 0.030 per NRS point at the lumbar site
    assert tab.loc["pain_intensity", "ci_low"] < -0.030 < tab.loc["pain_intensity", "ci_high"]
    with pytest.raises(ValueError, match="too few subjects"):
        repeated_measures(metrics, subjects, "ppt", population=["neck_pain"])


def test_subgroups_find_two_clusters_and_are_stable(rng):
    a = rng.normal([2.5, 2.5, 0, 0], 0.4, size=(60, 4))
    b = rng.normal([0, 0, 2.5, 2.5], 0.4, size=(60, 4))
    m = pd.DataFrame(np.vstack([a, b]), columns=["ppt", "tsp", "cpm", "tpd"],
                     index=[f"s{i}" for i in range(120)])
    m.iloc[0, 0] = np.nan  # one gap, imputed as the reference mean 0
    m["sparse"] = np.nan
    res = subgroups(m, k_max=4, n_boot=10, covariance_type="diag")
    assert res.k == 2
    assert res.dropped == ["sparse"]
    assert res.stability.loc[0, "ari_mean"] > 0.95
    truth = np.r_[np.zeros(60), np.ones(60)]
    from sklearn.metrics import adjusted_rand_score
    assert adjusted_rand_score(truth, res.labels["subgroup"]) > 0.95
    one = subgroups(pd.DataFrame(rng.normal(size=(100, 3))), k_max=4, n_boot=5,
                    covariance_type="diag")
    assert one.k == 1


def test_profile_matrix_pivots_baseline():
    prof = pd.DataFrame({"subject": ["a", "a", "a", "b"], "visit": [0, 0, 1, 0],
                         "mechanism": ["m1", "m2", "m1", "m1"], "score": [1.0, 2.0, 9.0, 3.0]})
    mat = profile_matrix(prof)
    assert mat.loc["a", "m1"] == 1.0 and np.isnan(mat.loc["b", "m2"])
