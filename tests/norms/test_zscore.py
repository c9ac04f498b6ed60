"""zscore: hand-calculated z, the sign convention of every metric, notes, QC."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from painmech.exceptions import ValidationError
from painmech.norms import (
    Provenance,
    ReferenceSet,
    crawford_howell_limit,
    quality_check,
    transform_values,
    zscore,
)
from painmech.registry import METRICS
from painmech.registry._metrics_qst import QST_METRICS


def metrics_rows(rows):
    """rows: (subject, metric, site, side, value[, censored])."""
    rows = [r if len(r) == 6 else (*r, "") for r in rows]
    df = pd.DataFrame(rows, columns=["subject", "metric", "site", "side", "value", "censored"])
    df.insert(1, "visit", 1)
    return df.assign(unit=df["metric"].map({k: v.unit for k, v in METRICS.items()}),
                     n_trials=1, method="")


SUBJECTS = pd.DataFrame({"subject": ["f40", "m40", "f80"], "sex": ["female", "male", "female"],
                         "age": [40.0, 40.0, 80.0],
                         "condition": ["chronic_lbp", "healthy", "healthy"]})


def reference(rows, n=50):
    """rows: (metric, site, sex, age_min, age_max, mean, sd); n reference people per row."""
    table = pd.DataFrame(rows, columns=["metric", "site", "sex", "age_min", "age_max", "mean",
                                       "sd"]).assign(n=n)
    return ReferenceSet.from_table(table, Provenance("test_ref", "hand-made test values"))


def test_hand_calculated_ppt_z():
    ref = reference([("ppt", "lumbar", "all", 18, 70, 2.5, 0.1)])
    s = zscore(metrics_rows([("f40", "ppt", "lumbar", "left", 200.0)]), SUBJECTS, ref).iloc[0]
    # z = −1 × (log10(200) − 2.5) / 0.1 = −(2.30103 − 2.5) / 0.1 = +1.9897 (PPT low = gain)
    assert s["z"] == pytest.approx(1.9897, abs=1e-4)
    assert s["direction"] == "gain" and s["ref"] == "test_ref" and s["score_note"] == ""
    # beyond 1.96, but a reference of 50 people has the Crawford–Howell limit
    # t(0.975, 49) · sqrt(1 + 1/50) = 2.00958 · 1.00995 = 2.0296: not abnormal
    assert s["z_limit"] == pytest.approx(2.0296, abs=1e-4)
    assert not s["abnormal"]
    assert s["ref_model"] == "pooled, age 18–70 y"
    normal = zscore(metrics_rows([("f40", "ppt", "lumbar", "left", 200.0)]), SUBJECTS, ref,
                    method="normal").iloc[0]
    assert normal["abnormal"] and normal["z_limit"] == 1.96


def test_crawford_howell_limit_at_n_10_by_hand():
    # Crawford & Howell 1998: t on n − 1 = 9 df, scale sqrt(1 + 1/10).
    # t(0.975, 9) = 2.262 (t table); 2.262 · sqrt(1.1) = 2.262 · 1.04881 = 2.3724
    assert crawford_howell_limit(9.0) == pytest.approx(2.262 * np.sqrt(1.1), abs=5e-4)
    assert crawford_howell_limit(9.0) == pytest.approx(stats.t.ppf(0.975, 9) * np.sqrt(1.1))
    # a large reference tends to the normal 1.96
    assert crawford_howell_limit(1e6) == pytest.approx(1.95996, abs=1e-4)


def test_small_reference_follows_crawford_howell():
    # 10 controls: mean 40 mm, SD 8 mm (tpd, no transform)
    ref = reference([("tpd", "lumbar", "all", 0, 120, 40.0, 8.0)], n=10)
    m = metrics_rows([("f40", "tpd", "lumbar", "left", 57.6),   # z = 17.6 / 8 = 2.2
                      ("m40", "tpd", "lumbar", "left", 60.0)])  # z = 20 / 8 = 2.5
    s = zscore(m, SUBJECTS, ref).set_index("subject")
    assert s.loc["f40", "z"] == pytest.approx(2.2)  # the DFNS z is kept
    # |z| 2.2 > 1.96 but below the limit 2.3726 -> not abnormal with 10 controls
    assert not s.loc["f40", "abnormal"]
    assert s.loc["m40", "abnormal"]
    assert s.loc["f40", "z_limit"] == pytest.approx(stats.t.ppf(0.975, 9) * np.sqrt(1.1))
    # t = 2.2 / sqrt(1.1) = 2.09762 on 9 df; p two-sided from scipy
    assert s.loc["f40", "t_ch"] == pytest.approx(2.2 / np.sqrt(1.1))
    assert s.loc["f40", "df_ch"] == 9
    assert s.loc["f40", "p_ch"] == pytest.approx(2 * stats.t.sf(2.2 / np.sqrt(1.1), 9))
    assert s.loc["f40", "p_ch"] > 0.05 > s.loc["m40", "p_ch"]


def test_cdt_is_scored_on_the_log_of_its_distance_from_baseline():
    ref = reference([("cdt", "thenar", "all", 0, 120, 0.0, 0.2)])
    s = zscore(metrics_rows([("f40", "cdt", "thenar", "right", -0.5)]), SUBJECTS, ref).iloc[0]
    # log10(|−0.5|) = −0.30103; z = −1 × (−0.30103 − 0) / 0.2 = +1.505 (small change felt = gain)
    assert s["z"] == pytest.approx(1.50515, abs=1e-4)


def test_own_sex_row_is_preferred_and_age_band_respected():
    ref = reference([("tpd", "lumbar", "all", 18, 70, 44.0, 10.0),
                     ("tpd", "lumbar", "female", 18, 70, 40.0, 8.0)])
    m = metrics_rows([("f40", "tpd", "lumbar", "left", 56.0), ("m40", "tpd", "lumbar", "left",
                                                                 56.0),
                      ("f80", "tpd", "lumbar", "left", 56.0)])
    s = zscore(m, SUBJECTS, ref).set_index("subject")
    # female row: (56 − 40) / 8 = 2.0; male falls back to "all": (56 − 44) / 10 = 1.2
    assert s.loc["f40", "z"] == pytest.approx(2.0)
    assert s.loc["m40", "z"] == pytest.approx(1.2)
    assert s.loc["f40", "ref_model"] == "stratified(sex, age 18–70 y)"
    assert s.loc["m40", "ref_model"] == "pooled, age 18–70 y"
    # age 80 is outside 18–70: no z, with the reason
    assert np.isnan(s.loc["f80", "z"]) and pd.isna(s.loc["f80", "abnormal"])
    assert s.loc["f80", "score_note"] == "no reference row for this sex and age"


# One pair per z-scored metric: (more pain-sensitive / abnormal value, less). The test
# fails when a z metric is added without stating its direction here.
SENSITIVE_VS_NOT = {
    "cdt": (-0.5, -5.0), "wdt": (0.5, 5.0), "tsl": (1.0, 8.0), "cpt": (20.0, 5.0),
    "hpt": (38.0, 48.0), "cpt_side_diff": (8.0, 1.0), "cpt_trunk_hand_diff": (6.0, -2.0),
    "mdt": (0.5, 50.0), "mpt": (8.0, 256.0), "mps": (50.0, 1.0), "wur": (4.0, 1.2),
    "vdt": (8.0, 4.0), "ppt": (150.0, 600.0), "ppt_side_diff": (50.0, 5.0),
    "tsp_diff": (40.0, 0.0), "tsp_ratio": (3.0, 1.0),
    # withdrawal reflex: a lower current evokes it in the more excitable person (mA)
    "nwr_threshold": (6.0, 20.0), "nwr_ts_threshold": (4.0, 15.0),
    # CPM: positive effect = inhibition (normal); less inhibition or facilitation = abnormal
    "cpm_effect": (-50.0, 100.0), "cpm_effect_pct": (-10.0, 25.0),
    "cpm_rating_effect": (-10.0, 30.0), "cpm_rating_effect_pct": (-20.0, 40.0),
    "tpd": (70.0, 40.0), "tpd_vertical": (70.0, 40.0), "tpd_horizontal": (80.0, 50.0),
    "graphesthesia_error_rate": (0.6, 0.1), "frebaq_total": (25.0, 3.0),
}


def test_every_z_metric_has_a_stated_direction():
    z_metrics = {m.id for m in QST_METRICS if m.score_kind == "z"}
    assert z_metrics == set(SENSITIVE_VS_NOT)


@pytest.mark.parametrize("metric", sorted(SENSITIVE_VS_NOT))
def test_sign_convention_positive_z_means_more_sensitive(metric):
    hi, lo = SENSITIVE_VS_NOT[metric]
    t, _ = transform_values(pd.Series([metric, metric]), pd.Series([hi, lo]))
    site = "hand_dorsum"
    ref = reference([(metric, site, "all", 0, 120, float(np.mean(t)), 1.0)])
    m = metrics_rows([("f40", metric, site, "right", hi), ("m40", metric, site, "right", lo)])
    z = zscore(m, SUBJECTS, ref).set_index("subject")["z"]
    assert z["f40"] > 0 > z["m40"], METRICS[metric].description


def test_trunk_cpt_is_withheld_but_hand_cpt_and_relative_metrics_are_scored():
    ref = reference([("cpt", "lumbar", "all", 0, 120, 10.0, 6.0),
                     ("cpt", "hand_dorsum", "all", 0, 120, 10.0, 6.0),
                     ("cpt_side_diff", "lumbar", "all", 0, 120, 2.0, 1.5)])
    m = metrics_rows([("f40", "cpt", "lumbar", "left", 25.0),
                      ("f40", "cpt", "hand_dorsum", "left", 25.0),
                      ("f40", "cpt_side_diff", "lumbar", "bilateral", 6.0)])
    s = zscore(m, SUBJECTS, ref).set_index("site")
    lumbar = s.loc["lumbar"].set_index("metric")
    assert np.isnan(lumbar.loc["cpt", "z"])
    assert "Pfau et al. 2014" in lumbar.loc["cpt", "score_note"]
    # side difference: (6 − 2) / 1.5 = 2.667
    assert lumbar.loc["cpt_side_diff", "z"] == pytest.approx(8.0 / 3.0)
    # hand: (25 − 10) / 6 = 2.5
    assert s.loc["hand_dorsum", "z"] == pytest.approx(2.5)
    # the absolute trunk score on request: (25 − 10) / 6 = 2.5
    s2 = zscore(m, SUBJECTS, ref, trunk_cpt="absolute")
    assert s2["z"].iloc[0] == pytest.approx(2.5)


def test_counts_flags_and_context_metrics_are_not_z_scored():
    ref = reference([("ppt", "lumbar", "all", 0, 120, 2.5, 0.1)])
    m = metrics_rows([("f40", "phs", "hand_dorsum", "right", 1.0),
                      ("f40", "dma", "hand_dorsum", "right", 0.0),
                      ("f40", "pcs", "none", "none", 30.0),
                      ("f40", "graphesthesia_errors", "lumbar", "midline", 3.0)])
    s = zscore(m, SUBJECTS, ref).set_index("metric")
    assert s["z"].isna().all()
    # one PHS > 0 -> abnormal gain; DMA 0 -> normal
    assert bool(s.loc["phs", "abnormal"]) and s.loc["phs", "direction"] == "gain"
    assert s.loc["phs", "score_note"] == "count: abnormal when > 0"
    assert not bool(s.loc["dma", "abnormal"])
    assert s.loc["dma", "score_note"] == "flag: abnormal when > 0"
    assert pd.isna(s.loc["pcs", "abnormal"])
    assert s.loc["pcs", "score_note"] == "context metric; not scored"
    # a custom DMA limit (e.g. a lab's NRS > 10 convention)
    s2 = zscore(metrics_rows([("f40", "dma", "hand_dorsum", "right", 5.0)]), SUBJECTS, ref,
                count_limits={"dma": 10.0, "phs": 0.0})
    assert not bool(s2["abnormal"].iloc[0])


def test_notes_for_missing_reference_zero_and_censored_values():
    ref = reference([("hpt", "thenar", "all", 0, 120, 44.0, 2.0),
                     ("wur", "thenar", "all", 0, 120, 0.3, 0.15)])
    m = metrics_rows([("f40", "hpt", "thenar", "right", 50.0, "right"),
                      ("f40", "wur", "thenar", "right", 0.0),
                      ("f40", "mdt", "thenar", "right", 4.0),
                      ("f40", "ppt", "thenar", "right", np.nan)])
    s = zscore(m, SUBJECTS, ref).set_index("metric")
    # hpt 50 °C at the cut-off: z = −(50 − 44) / 2 = −3, a bound
    assert s.loc["hpt", "z"] == pytest.approx(-3.0)
    assert s.loc["hpt", "score_note"] == "censored (right) at a cut-off: z is a bound"
    assert s.loc["hpt", "direction"] == "loss"
    assert s.loc["wur", "score_note"] == "a value of 0 cannot be log-transformed"
    assert s.loc["mdt", "score_note"] == "reference set has no values for this metric and site"
    assert s.loc["ppt", "score_note"] == "no value"
    assert s.loc[["wur", "mdt", "ppt"], "z"].isna().all()


def test_subjects_missing_from_the_subjects_table_are_refused():
    ref = reference([("ppt", "lumbar", "all", 0, 120, 2.5, 0.1)])
    with pytest.raises(ValidationError, match="sex and age are needed"):
        zscore(metrics_rows([("nobody", "ppt", "lumbar", "left", 300.0)]), SUBJECTS, ref)


def test_unfitted_reference_and_bad_option_are_refused():
    m = metrics_rows([("f40", "ppt", "lumbar", "left", 300.0)])
    with pytest.raises(ValueError, match="not fitted"):
        zscore(m, SUBJECTS, ReferenceSet())
    with pytest.raises(ValueError, match="trunk_cpt"):
        zscore(m, SUBJECTS, reference([("ppt", "lumbar", "all", 0, 120, 2.5, 0.1)]),
               trunk_cpt="both")


# --------------------------------------------------------------------------- quality check
def test_quality_check_binomial_test_per_subject_and_parameter():
    # 20 controls × 10 parameters; control c00 has 5 of 10 values beyond ±1.96
    rows = []
    for i in range(20):
        for k in range(10):
            z = 3.0 if (i == 0 and k < 5) else 0.0
            rows.append({"subject": f"c{i:02d}", "metric": f"m{k}", "site": "lumbar", "z": z})
    scores = pd.DataFrame(rows)
    subj = pd.DataFrame({"subject": [f"c{i:02d}" for i in range(20)], "condition": "healthy"})
    qc = quality_check(scores, subj)
    c00 = qc.loc[qc["subject"].eq("c00")].iloc[0]
    # two-sided exact test of 5/10 against p = 2(1 − Φ(1.96)) = 0.04999:
    # P = P(X ≥ 5) = 6.0935e-5 + 2.6726e-6 + 8.04e-8 + ... = 6.369e-5 (lower tail pmf > pmf(5))
    assert c00["expected"] == pytest.approx(0.0499958, rel=1e-5)
    assert c00["p_value"] == pytest.approx(6.369e-5, rel=2e-3)
    assert c00["flag"] and c00["share"] == 0.5
    # parameter m0: 1 of 20 abnormal = 5 % as expected -> not flagged
    m0 = qc.loc[qc["level"].eq("parameter") & qc["metric"].eq("m0")].iloc[0]
    assert (m0["n"], m0["n_abnormal"]) == (20, 1) and not m0["flag"]
    assert m0["p_value"] == pytest.approx(stats.binomtest(1, 20, c00["expected"]).pvalue)
    # patients are not part of the check
    assert set(qc.loc[qc["level"].eq("subject"), "subject"]) == set(subj["subject"])


def test_quality_check_option_is_checked():
    with pytest.raises(ValueError, match="alternative"):
        quality_check(pd.DataFrame(columns=["subject", "metric", "site", "z"]),
                      pd.DataFrame(columns=["subject", "condition"]), alternative="up")
