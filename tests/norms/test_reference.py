"""ReferenceSet: fitting (hand calculations), smoothing, save/load, synthetic controls."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from painmech.measures import compute_metrics
from painmech.norms import REFERENCE_COLUMNS, Provenance, ReferenceSet, zscore
from painmech.registry import MEASURES, METRICS


def metrics_rows(rows):
    """rows: (subject, visit, metric, site, side, value)."""
    df = pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value"])
    return df.assign(unit=df["metric"].map({k: v.unit for k, v in METRICS.items()}),
                     n_trials=1, method="", censored="")


def subjects_table(rows):
    """rows: (subject, sex, age, condition)."""
    return pd.DataFrame(rows, columns=["subject", "sex", "age", "condition"])


# --------------------------------------------------------------------------- hand calculations
def test_fit_mean_and_sd_on_the_log_scale():
    subj = subjects_table([("a", "female", 30, "healthy"), ("b", "female", 40, "healthy"),
                           ("c", "female", 50, "healthy"), ("p", "female", 45, "chronic_lbp")])
    m = metrics_rows([("a", 1, "ppt", "lumbar", "left", 100.0),
                      ("b", 1, "ppt", "lumbar", "left", 1000.0),
                      ("c", 1, "ppt", "lumbar", "left", 10000.0),
                      ("p", 1, "ppt", "lumbar", "left", 5.0)])  # a patient: not used
    ref = ReferenceSet(min_n=3).fit(m, subj)
    row = ref.table_.set_index("sex").loc["female"]
    # log10: 2, 3, 4 -> mean 3, SD (ddof 1) sqrt(((−1)² + 0 + 1²) / 2) = 1
    assert row["mean"] == pytest.approx(3.0)
    assert row["sd"] == pytest.approx(1.0)
    assert (row["n"], row["transform"]) == (3, "log10")
    assert set(ref.table_["sex"]) == {"female", "all"}
    assert list(ref.table_.columns) == REFERENCE_COLUMNS
    assert ref.provenance_.n == 3 and not ref.provenance_.synthetic
    assert "fitted on 3 'healthy' subjects" in ref.provenance_.source


def test_fit_uses_the_first_visit_and_keeps_sides_as_values():
    subj = subjects_table([(s, "male", 30, "healthy") for s in "abc"])
    m = metrics_rows([("a", 1, "tpd", "lumbar", "left", 40.0),
                      ("a", 1, "tpd", "lumbar", "right", 44.0),
                      ("a", 2, "tpd", "lumbar", "left", 90.0),  # later visit: ignored
                      ("b", 1, "tpd", "lumbar", "left", 50.0),
                      ("c", 1, "tpd", "lumbar", "left", 46.0)])
    row = ReferenceSet(min_n=3, by_sex=False).fit(m, subj).table_.iloc[0]
    # values 40, 44, 50, 46 (no transform): mean 45; SD sqrt((25 + 1 + 25 + 1) / 3) = sqrt(52/3)
    assert row["mean"] == pytest.approx(45.0)
    assert row["sd"] == pytest.approx(np.sqrt(52.0 / 3.0))
    # 3 people, 4 values
    assert (row["n"], row["n_eff"], row["sex"]) == (3, 4.0, "all")


def test_age_bands_and_min_n():
    subj = subjects_table([("a", "female", 25, "healthy"), ("b", "female", 35, "healthy"),
                           ("c", "female", 45, "healthy"), ("d", "female", 55, "healthy"),
                           ("e", "female", 58, "healthy")])
    m = metrics_rows([(s, 1, "vdt", "thenar", "right", v)
                      for s, v in zip("abcde", [8.0, 7.0, 6.0, 5.0, 4.0], strict=True)])
    table = ReferenceSet(min_n=2, by_sex=False, age_bands=(20, 40, 60)).fit(m, subj).table_
    young, old = table.iloc[0], table.iloc[1]
    # 20–40: 8, 7 -> mean 7.5; 40–60: 6, 5, 4 -> mean 5, SD 1
    assert (young["age_min"], young["age_max"], young["mean"]) == (20, 40, 7.5)
    assert (old["mean"], old["sd"], old["n"]) == (5.0, 1.0, 3)
    # with min_n = 3 the young band (2 people) is dropped
    table3 = ReferenceSet(min_n=3, by_sex=False, age_bands=(20, 40, 60)).fit(m, subj).table_
    assert table3["age_min"].tolist() == [40]


def test_age_smoothing_gaussian_kernel_hand_calculation():
    subj = subjects_table([("a", "male", 30, "healthy"), ("b", "male", 40, "healthy"),
                           ("c", "male", 50, "healthy")])
    m = metrics_rows([("a", 1, "tpd", "lumbar", "left", 1.0),
                      ("b", 1, "tpd", "lumbar", "left", 2.0),
                      ("c", 1, "tpd", "lumbar", "left", 3.0)])
    ref = ReferenceSet(by_sex=False, age_bands=(20, 60), smooth_age=10.0, min_n=1).fit(m, subj)
    row = ref.table_.iloc[0]
    # band centre 40; weights exp(−0.5 (Δ/10)²) = w, 1, w with w = exp(−0.5) = 0.60653
    w = np.exp(-0.5)
    v1, v2 = 1 + 2 * w, 1 + 2 * w**2
    # weighted mean (w·1 + 2 + w·3) / (1 + 2w) = 2 by symmetry
    assert row["mean"] == pytest.approx(2.0)
    # unbiased weighted variance 2w / (V1 − V2/V1) = 1.21306 / 1.42874 = 0.84905
    assert row["sd"] == pytest.approx(np.sqrt(2 * w / (v1 - v2 / v1)))
    assert row["sd"] == pytest.approx(0.92144, abs=1e-5)
    # Kish effective n: V1² / V2 = 2.21306² / 1.73576 = 2.8217
    assert row["n_eff"] == pytest.approx(v1**2 / v2)
    assert row["n"] == 3
    # one value per person: the Crawford–Howell sample size is the Kish n_eff itself,
    # df = n_eff − 1 = 1.8217 and v_00 = 1 / n_eff
    assert row["df"] == pytest.approx(v1**2 / v2 - 1) and row["model"] == "band"
    assert row["v_00"] == pytest.approx(v2 / v1**2)


def test_only_z_metrics_of_healthy_subjects_are_fitted():
    subj = subjects_table([(s, "female", 30, "healthy") for s in "abc"])
    m = metrics_rows([(s, 1, metric, site, side, v) for s in "abc" for metric, site, side, v in [
        ("phs", "thenar", "right", 1.0), ("pcs", "none", "none", 10.0),
        ("ppt", "thenar", "right", 300.0 + ord(s))]])
    assert set(ReferenceSet(min_n=3).fit(m, subj).table_["metric"]) == {"ppt"}


@pytest.mark.parametrize("kwargs, match", [
    ({"age_bands": (40, 20)}, "increasing band edges"),
    ({"smooth_age": 0.0}, "bandwidth"),
])
def test_bad_fit_parameters(kwargs, match):
    subj = subjects_table([("a", "female", 30, "healthy")])
    m = metrics_rows([("a", 1, "ppt", "thenar", "right", 300.0)])
    with pytest.raises(ValueError, match=match):
        ReferenceSet(**kwargs).fit(m, subj)


# --------------------------------------------------------------------------- regression
def _regression_cohort(n_female=12, n_male=12, seed=7):
    """Controls with one lumbar PPT value each (log10 linear in age and sex) and patients."""
    rng = np.random.default_rng(seed)
    n = n_female + n_male
    ids = [f"c{i:02d}" for i in range(n)]
    sex = ["female"] * n_female + ["male"] * n_male
    age = rng.uniform(20, 70, n).round(1)
    logppt = 2.4 + 0.004 * (age - 45) + 0.1 * np.array([s == "male" for s in sex]) \
        + rng.normal(0, 0.08, n)
    subj = subjects_table([(i, s_, a, "healthy") for i, s_, a in zip(ids, sex, age, strict=True)])
    m = metrics_rows([(i, 1, "ppt", "lumbar", "left", 10 ** v) for i, v in
                      zip(ids, logppt, strict=True)])
    return subj, m


def test_regression_reference_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    subj, m = _regression_cohort()
    ref = ReferenceSet(min_n=10).fit(m, subj)
    reg = ref.table_.loc[ref.table_["model"].eq("regression")].iloc[0]
    # reference software: OLS of log10 PPT on centred age and a male dummy
    age = subj["age"].to_numpy()
    male = subj["sex"].eq("male").to_numpy(float)
    x = sm.add_constant(np.column_stack([age - age.mean(), male]))
    y = np.log10(m["value"].to_numpy())
    ols = sm.OLS(y, x).fit()
    assert [reg["mean"], reg["b_age"], reg["b_male"]] == pytest.approx(ols.params)
    assert reg["sd"] == pytest.approx(np.sqrt(ols.scale))
    assert (reg["n"], reg["df"], reg["age_ref"]) == (24, 21, pytest.approx(age.mean()))
    assert (reg["age_min"], reg["age_max"]) == (age.min(), age.max())
    # a 50-year-old woman with PPT 150 kPa: Crawford & Garthwaite 2006 t = residual over
    # the prediction SE of a new observation (statsmodels se_obs) on n − 3 = 21 df
    patients = subjects_table([("p1", "female", 50.0, "chronic_lbp")])
    scores = zscore(metrics_rows([("p1", 1, "ppt", "lumbar", "left", 150.0)]),
                    pd.concat([subj, patients]), ref).iloc[0]
    pred = ols.get_prediction(np.array([[1.0, 50.0 - age.mean(), 0.0]]))
    resid = np.log10(150.0) - pred.predicted_mean[0]
    assert scores["z"] == pytest.approx(-resid / np.sqrt(ols.scale))  # gain −1: low PPT > 0
    assert scores["t_ch"] == pytest.approx(-resid / pred.se_obs[0])
    assert scores["df_ch"] == 21
    assert scores["z_limit"] == pytest.approx(
        stats.t.ppf(0.975, 21) * pred.se_obs[0] / np.sqrt(ols.scale))
    assert scores["ref_model"] == "regression(age,sex)"


def test_ref_model_names_the_fallback():
    subj, m = _regression_cohort()
    ref = ReferenceSet(min_n=10).fit(m, subj)
    others = subjects_table([("p1", "other", 50.0, "chronic_lbp"),
                             ("p2", "male", 85.0, "chronic_lbp"),
                             ("p3", "male", 40.0, "chronic_lbp")])
    rows = metrics_rows([(p, 1, "ppt", "lumbar", "left", 300.0) for p in ("p1", "p2", "p3")])
    out = zscore(rows, pd.concat([subj, others]), ref).set_index("subject")["ref_model"]
    assert out["p1"] == "pooled: no sex-specific reference for sex 'other'"
    lo, hi = subj["age"].min(), subj["age"].max()
    # 85 y: the men's stratum, not the regression (fitted on ages lo–hi)
    assert out["p2"] == f"stratified(sex): age outside the regression's range {lo:g}–{hi:g} y"
    assert out["p3"] == "regression(age,sex)"
    # 9 men: no regression and no male stratum; men are scored against the pooled row
    subj9, m9 = _regression_cohort(n_male=9)
    ref9 = ReferenceSet(min_n=10).fit(m9, subj9)
    assert not ref9.table_["model"].eq("regression").any()
    out9 = zscore(rows, pd.concat([subj9, others]), ref9).set_index("subject")["ref_model"]
    assert out9["p3"] == ("pooled: too few controls (regression(age,sex) and sex strata need "
                          ">= 10 of each sex; female 12, male 9)")
    women = zscore(metrics_rows([("c00", 1, "ppt", "lumbar", "left", 300.0)]), subj9, ref9)
    assert women["ref_model"].iloc[0] == "stratified(sex)"
    # bands only, by choice
    bands = ReferenceSet(min_n=10, model="bands").fit(m, subj)
    assert set(bands.table_["model"]) == {"band"}
    with pytest.raises(ValueError, match="'model' parameter"):
        ReferenceSet(model="gam").fit(m, subj)


def test_regression_round_trips_through_save_and_load(tmp_path):
    subj, m = _regression_cohort()
    ref = ReferenceSet("lab", min_n=10).fit(m, subj)
    ref.save(tmp_path / "lab")
    back = ReferenceSet.load(tmp_path / "lab.csv")
    pd.testing.assert_frame_equal(back.table_, ref.table_, check_dtype=False, atol=1e-9)
    assert json.loads((tmp_path / "lab.json").read_text())["format_version"] == 2
    patients = subjects_table([("p1", "female", 50.0, "chronic_lbp")])
    rows = metrics_rows([("p1", 1, "ppt", "lumbar", "left", 150.0)])
    a = zscore(rows, pd.concat([subj, patients]), ref)
    b = zscore(rows, pd.concat([subj, patients]), back)
    pd.testing.assert_frame_equal(a, b, atol=1e-9)


def test_a_format_1_file_still_loads(tmp_path):
    # a table as painmech wrote it before the row models: band rows only
    text = ("metric,site,sex,age_min,age_max,mean,sd,n,n_eff,transform\n"
            "tpd,lumbar,all,0,120,40,8,10,10,none\n")
    (tmp_path / "old.csv").write_text(text, encoding="utf-8")
    import hashlib

    meta = {"format": "painmech-reference-set", "format_version": 1, "name": "old",
            "source": "lab 2023", "n": 10,
            "table_sha256": hashlib.sha256(text.encode()).hexdigest()}
    (tmp_path / "old.json").write_text(json.dumps(meta), encoding="utf-8")
    ref = ReferenceSet.load(tmp_path / "old.csv")
    row = ref.table_.iloc[0]
    assert (row["model"], row["df"], row["v_00"]) == ("band", 9.0, 0.1)
    s = zscore(metrics_rows([("p", 1, "tpd", "lumbar", "left", 57.6)]),
               subjects_table([("p", "female", 40.0, "chronic_lbp")]), ref).iloc[0]
    assert s["z_limit"] == pytest.approx(stats.t.ppf(0.975, 9) * np.sqrt(1.1))


def test_controls_measured_twice_give_the_retest_error(tmp_path):
    # 10 controls, tpd (no transform) at two visits; differences 1, -1, 2, 0, -2 (twice):
    # SD (ddof 1) = sqrt(20 / 9) = 1.49071, SEM = 1.49071 / sqrt(2) = 1.05409 mm
    diffs = [1.0, -1.0, 2.0, 0.0, -2.0] * 2
    base = [40.0, 44.0, 48.0, 52.0, 56.0, 42.0, 46.0, 50.0, 54.0, 58.0]
    ids = [f"c{i}" for i in range(10)]
    subj = subjects_table([(i, "female", 30 + k, "healthy") for k, i in enumerate(ids)]
                          + [("p", "female", 40, "chronic_lbp")])
    m = metrics_rows([(i, 1, "tpd", "lumbar", "left", b) for i, b in zip(ids, base, strict=True)]
                     + [(i, 2, "tpd", "lumbar", "left", b + d)
                        for i, b, d in zip(ids, base, diffs, strict=True)]
                     + [("p", 1, "tpd", "lumbar", "left", 60.0)])
    ref = ReferenceSet(min_n=10, model="bands").fit(m, subj)
    row = ref.retest_.iloc[0]
    assert (row["metric"], row["site"], row["n"]) == ("tpd", "lumbar", 10)
    assert row["sem"] == pytest.approx(np.sqrt(20 / 9) / np.sqrt(2))
    # z units: SEM / reference SD (first visits: SD of the ten base values)
    s = zscore(m[m["subject"].eq("p")], subj, ref).iloc[0]
    assert s["sem_z"] == pytest.approx(row["sem"] / np.std(base, ddof=1))
    ref.save(tmp_path / "r")
    back = ReferenceSet.load(tmp_path / "r.csv")
    pd.testing.assert_frame_equal(back.retest_, ref.retest_, check_dtype=False)
    # 9 controls measured twice: fewer than min_n, no retest error
    assert ReferenceSet(min_n=10).fit(m[m["subject"].ne("c0")], subj).retest_.empty


# --------------------------------------------------------------------------- save / load
def _small_ref():
    table = pd.DataFrame({"metric": ["ppt"], "site": ["lumbar"], "sex": ["all"], "age_min": [0],
                          "age_max": [120], "mean": [2.5], "sd": [0.1], "n": [40]})
    return ReferenceSet.from_table(table, Provenance("lab2024", "fitted on lab controls 2024",
                                                     version="2", n=40))


def test_save_and_load_round_trip(tmp_path):
    ref = _small_ref()
    csv, js = ref.save(tmp_path / "ref")
    assert csv.name == "ref.csv" and js.name == "ref.json"
    back = ReferenceSet.load(tmp_path / "ref.csv")
    pd.testing.assert_frame_equal(back.table_, ref.table_, check_dtype=False)
    assert back.provenance_ == ref.provenance_
    assert back.name == "lab2024"
    meta = json.loads(js.read_text())
    assert meta["format"] == "painmech-reference-set" and meta["synthetic"] is False


def test_load_detects_an_edited_table(tmp_path):
    csv, _ = _small_ref().save(tmp_path / "ref.csv")
    csv.write_text(csv.read_text().replace("2.5", "2.4"))
    with pytest.raises(ValueError, match="does not match the checksum"):
        ReferenceSet.load(csv)


def test_load_needs_both_files(tmp_path):
    csv, js = _small_ref().save(tmp_path / "ref.csv")
    js.unlink()
    with pytest.raises(FileNotFoundError, match="ref.json"):
        ReferenceSet.load(csv)


def test_load_refuses_foreign_json(tmp_path):
    csv, js = _small_ref().save(tmp_path / "ref.csv")
    js.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a painmech reference set"):
        ReferenceSet.load(csv)


@pytest.mark.parametrize("change, match", [
    ({"metric": ["pptx"]}, "unknown metric"),
    ({"sd": [0.0]}, "sd > 0"),
    ({"sex": ["w"]}, "unknown sex"),
    ({"mean": [np.nan]}, "non-numeric"),
])
def test_from_table_checks_the_table(change, match):
    table = pd.DataFrame({"metric": ["ppt"], "site": ["lumbar"], "sex": ["all"], "age_min": [0],
                          "age_max": [120], "mean": [2.5], "sd": [0.1], "n": [40]})
    with pytest.raises(ValueError, match=match):
        ReferenceSet.from_table(table.assign(**change), Provenance("x", "y"))


def test_unfitted_set_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        ReferenceSet().save(tmp_path / "r.csv")


# --------------------------------------------------------------------------- synthetic controls
def synthetic_controls(rng, n, prefix):
    """Observations of n healthy people (arbitrary test parameters, not reference values)."""
    ids = np.array([f"{prefix}{i:05d}" for i in range(n)])
    female = rng.random(n) < 0.5
    subjects = pd.DataFrame({"subject": ids, "sex": np.where(female, "female", "male"),
                             "age": rng.uniform(20, 70, n), "condition": "healthy"})
    parts = []

    def add(measure, site, side, values):
        k = values.shape[1]
        parts.append(pd.DataFrame({
            "subject": np.repeat(ids, k), "measure": measure, "site": site, "side": side,
            "trial": np.tile(np.arange(1, k + 1), n), "value": values.ravel()}))

    log_ppt = rng.normal(2.6, 0.15, n) - 0.08 * female
    for side in ("left", "right"):
        add("ppt", "lumbar", side, 10 ** (log_ppt[:, None] + rng.normal(0, 0.04, (n, 3))))
    delta = 10 ** rng.normal(-0.1, 0.2, n)
    add("cdt", "hand_dorsum", "right", 32 - delta[:, None] * rng.uniform(0.9, 1.1, (n, 3)))
    add("cpt", "hand_dorsum", "right", np.clip(rng.normal(12, 4, n)[:, None]
                                               + rng.normal(0, 1, (n, 3)), 0.5, 31))
    add("mdt", "hand_dorsum", "right", 10 ** (rng.normal(0.3, 0.3, n)[:, None]
                                              + rng.normal(0, 0.1, (n, 5))))
    single = 10 ** rng.normal(1.2, 0.2, n)
    add("wur_single", "hand_dorsum", "right", single[:, None] * rng.uniform(0.8, 1.2, (n, 5)))
    add("wur_train", "hand_dorsum", "right",
        (single * 10 ** rng.normal(0.25, 0.1, n))[:, None] * rng.uniform(0.8, 1.2, (n, 5)))
    first = rng.normal(25, 5, n)
    add("tsp_rating", "lumbar", "right", np.column_stack([first, first + rng.normal(10, 5, n)]))
    before = 10 ** rng.normal(2.6, 0.12, n)
    add("cpm_ppt_before", "forearm", "right", before[:, None])
    add("cpm_ppt_during", "forearm", "right", (before * rng.normal(1.1, 0.1, n))[:, None])
    add("tpd", "lumbar", "left", rng.normal(44, 10, n)[:, None] + rng.normal(0, 3, (n, 3)))
    obs = pd.concat(parts, ignore_index=True).assign(visit=1)
    obs["unit"] = obs["measure"].map({m.id: m.unit for m in MEASURES.values()})
    return subjects, obs


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(20240607)
    subj_a, obs_a = synthetic_controls(rng, 1500, "a")
    subj_b, obs_b = synthetic_controls(rng, 1500, "b")
    return subj_a, compute_metrics(obs_a), subj_b, compute_metrics(obs_b)


def _z_by_metric(scores):
    z = scores.loc[scores["z"].notna()]
    return z.groupby(["metric", "site"])["z"].agg(["mean", "std", "size"])


def test_scoring_the_fitted_control_group_gives_mean_0_sd_1(synthetic):
    subj_a, met_a, _, _ = synthetic
    ref = ReferenceSet("synthetic_a", synthetic=True).fit(met_a, subj_a)
    stats = _z_by_metric(zscore(met_a, subj_a, ref))
    expected = {"cdt", "cpt", "mdt", "wur", "ppt", "ppt_side_diff", "tsp_diff", "tsp_ratio",
                "cpm_effect", "cpm_effect_pct", "tpd"}
    assert set(stats.index.get_level_values("metric")) == expected
    # by construction (same people, sex-specific rows): mean exactly 0, SD ≈ 1
    np.testing.assert_allclose(stats["mean"], 0.0, atol=1e-9)
    np.testing.assert_allclose(stats["std"], 1.0, atol=0.01)


def test_an_independent_control_group_scores_near_mean_0_sd_1(synthetic):
    subj_a, met_a, subj_b, met_b = synthetic
    ref = ReferenceSet("synthetic_a", synthetic=True, age_bands=(20, 45, 70)).fit(met_a, subj_a)
    scores = zscore(met_b, subj_b, ref)
    stats = _z_by_metric(scores)
    # 1500 new people: sampling error of a mean z ≈ 1/sqrt(1500) = 0.026
    np.testing.assert_allclose(stats["mean"], 0.0, atol=0.1)
    np.testing.assert_allclose(stats["std"], 1.0, atol=0.1)
    # log-normal PPT on the log scale: about 5 % outside ±1.96
    ppt = scores.loc[scores["metric"].eq("ppt")]
    assert 0.03 < ppt["abnormal"].astype(bool).mean() < 0.07
