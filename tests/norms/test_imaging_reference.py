"""ImagingReference: OLS on age, sex and eTIV checked against statsmodels."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from painmech.norms import ImagingReference


@pytest.fixture
def cohort(rng):
    n = 60
    subjects = pd.DataFrame({
        "subject": [f"c{i}" for i in range(n)] + ["p1", "p2"],
        "sex": rng.choice(["female", "male"], n).tolist() + ["female", "other"],
        "age": np.r_[rng.uniform(20, 70, n), 50.0, 40.0],
        "condition": ["healthy"] * n + ["chronic_lbp"] * 2,
    })
    etiv = np.r_[rng.normal(1.5e6, 1.2e5, n), 1.5e6, 1.4e6]
    # a made-up linear truth for the test only (not a literature value)
    vol = 8000 - 20 * subjects["age"] + 300 * subjects["sex"].eq("male") + 0.004 * etiv
    vol = vol + np.r_[rng.normal(0, 400, n), -1500.0, 0.0]
    rows = []
    for i, s in enumerate(subjects["subject"]):
        rows.append((s, "gmv_dlpfc", "left", vol[i], "mm3"))
        rows.append((s, "etiv", "none", etiv[i], "mm3"))
    metrics = pd.DataFrame(rows, columns=["subject", "metric", "side", "value", "unit"]).assign(
        visit=0, site="none", n_trials=1, method="", censored="")
    return metrics, subjects


def test_coefficients_and_z_match_statsmodels(cohort):
    metrics, subjects = cohort
    ref = ImagingReference(metrics=("gmv_dlpfc",)).fit(metrics, subjects)
    ctrl = subjects.loc[subjects["condition"].eq("healthy")].reset_index(drop=True)
    wide = metrics.pivot(index="subject", columns="metric", values="value").loc[ctrl["subject"]]
    x = sm.add_constant(pd.DataFrame({
        "age": ctrl["age"].to_numpy(), "male": ctrl["sex"].eq("male").astype(float).to_numpy(),
        "etiv": wide["etiv"].to_numpy()}))
    ols = sm.OLS(wide["gmv_dlpfc"].to_numpy(), x).fit()
    coef = ref.coef_.set_index("term")["coef"]
    assert coef["age"] == pytest.approx(ols.params["age"], rel=1e-8)
    assert coef["sex[male]"] == pytest.approx(ols.params["male"], rel=1e-8)
    assert coef["etiv"] == pytest.approx(ols.params["etiv"], rel=1e-8)
    assert ref.fit_["resid_sd"].item() == pytest.approx(np.sqrt(ols.scale), rel=1e-10)

    scores = ref.zscore(metrics, subjects)
    p1 = scores.loc[scores["subject"].eq("p1") & scores["metric"].eq("gmv_dlpfc")]
    pred = ols.predict(np.array([[1.0, 50.0, 0.0, 1.5e6]]))[0]
    vol = metrics.loc[metrics["subject"].eq("p1") & metrics["metric"].eq("gmv_dlpfc"),
                      "value"].item()
    # gain −1: a volume below the prediction gives a positive z
    expected = -(vol - pred) / np.sqrt(ols.scale)
    assert p1["z"].item() == pytest.approx(expected, rel=1e-8)
    assert p1["z"].item() > 1.96 and bool(p1["abnormal"].item())
    assert p1["direction"].item() == "gain" and p1["ref"].item() == "imaging_ols"
    assert ref.provenance_.n == 60
    # Crawford & Garthwaite 2006: the residual over statsmodels' prediction SE of a new
    # observation, on n − p = 60 − 4 = 56 df
    se_obs = ols.get_prediction(np.array([[1.0, 50.0, 0.0, 1.5e6]])).se_obs[0]
    assert p1["t_ch"].item() == pytest.approx(-(vol - pred) / se_obs, rel=1e-8)
    assert p1["df_ch"].item() == 56
    assert p1["z_limit"].item() == pytest.approx(
        stats.t.ppf(0.975, 56) * se_obs / np.sqrt(ols.scale), rel=1e-8)
    assert p1["ref_model"].item() == "regression(age,sex,etiv)"


def test_saved_reference_keeps_the_limit(cohort, tmp_path):
    metrics, subjects = cohort
    ref = ImagingReference(metrics=("gmv_dlpfc",)).fit(metrics, subjects)
    back = ImagingReference.load(ref.save(tmp_path / "img"))
    pd.testing.assert_frame_equal(back.zscore(metrics, subjects), ref.zscore(metrics, subjects))


def test_notes_for_unscored_rows(cohort):
    metrics, subjects = cohort
    ref = ImagingReference(metrics=("gmv_dlpfc",)).fit(metrics, subjects)
    scores = ref.zscore(metrics, subjects)
    other = scores.loc[scores["subject"].eq("p2") & scores["metric"].eq("gmv_dlpfc")]
    assert np.isnan(other["z"].item())  # sex "other" not among the controls
    assert other["score_note"].item().startswith("covariate missing")
    etiv_row = scores.loc[scores["subject"].eq("p1") & scores["metric"].eq("etiv")]
    assert etiv_row["score_note"].item() == "not modelled by this reference"
    assert pd.isna(etiv_row["abnormal"].item())


def test_too_few_controls(cohort):
    metrics, subjects = cohort
    few = subjects.iloc[:5]
    with pytest.raises(ValueError, match="need at least 6"):
        ImagingReference(metrics=("gmv_dlpfc",)).fit(metrics, few)


def test_unfitted_and_bad_covariate(cohort):
    metrics, subjects = cohort
    with pytest.raises(ValueError, match="not fitted"):
        ImagingReference().zscore(metrics, subjects)
    with pytest.raises(ValueError, match="covariates must be among"):
        ImagingReference(covariates=("height",))


def test_save_and_load_reproduce_z(cohort, tmp_path):
    metrics, subjects = cohort
    ref = ImagingReference(metrics=("gmv_dlpfc",)).fit(metrics, subjects)
    path = ref.save(tmp_path / "gm_ref")
    again = ImagingReference.load(path)
    pd.testing.assert_frame_equal(again.zscore(metrics, subjects), ref.zscore(metrics, subjects))
    assert again.provenance_.n == 60
    path.write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="not a painmech imaging reference"):
        ImagingReference.load(path)
