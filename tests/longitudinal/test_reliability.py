"""ICC, SEM and MDC95 against the Shrout & Fleiss worked example and hand calculations."""

import numpy as np
import pandas as pd
import pytest

from painmech.longitudinal import (
    CITED_RELIABILITY,
    MDC_FACTOR,
    icc,
    mdc95_from_sem,
    reliability_for,
    reliability_from_retest,
    sem_from_icc,
)

# Shrout & Fleiss 1979 Psychol Bull 86:420, Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6],
                          [10, 5, 6, 9], [6, 2, 4, 7]], float)


@pytest.mark.parametrize(("kind", "expected"), [("1", 0.17), ("A,1", 0.29), ("C,1", 0.71)])
def test_icc_shrout_fleiss_table(kind, expected):
    # published: ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71
    assert icc(SHROUT_FLEISS, kind) == pytest.approx(expected, abs=0.005)


def test_icc_rejects_unknown_kind_and_handles_constant_data():
    with pytest.raises(ValueError, match="'kind' parameter"):
        icc(SHROUT_FLEISS, "2,k")
    assert np.isnan(icc(np.ones((5, 2))))
    assert np.isnan(icc(np.ones((1, 2))))


def test_sem_and_mdc_hand_calculation():
    # SD 10, ICC 0.84 -> SEM = 10*sqrt(0.16) = 4.0; MDC95 = 1.96*sqrt(2)*4 = 11.0874
    assert float(sem_from_icc(10.0, 0.84)) == pytest.approx(4.0)
    assert float(mdc95_from_sem(4.0)) == pytest.approx(11.0874, abs=1e-4)
    assert MDC_FACTOR == pytest.approx(2.7719, abs=1e-4)
    assert float(sem_from_icc(10.0, -0.2)) == pytest.approx(10.0)  # ICC clipped at 0


def test_reliability_from_retest_recovers_known_icc(rng):
    n = 3000
    true = rng.normal(400, 80, n)  # between-subject SD 80 kPa
    rows = [pd.DataFrame({"subject": np.arange(n).astype(str), "visit": v, "metric": "ppt",
                          "site": "lumbar", "side": "left", "unit": "kPa",
                          "value": true + rng.normal(0, 40, n)}) for v in (0, 1)]
    out = reliability_from_retest(pd.concat(rows)).iloc[0]
    # ICC = 80² / (80² + 40²) = 0.8; SEM = sqrt(80² + 40²) * sqrt(0.2) = 40
    assert out["icc"] == pytest.approx(0.8, abs=0.02)
    assert out["sem"] == pytest.approx(40.0, rel=0.05)
    assert out["mdc95"] == pytest.approx(MDC_FACTOR * out["sem"])
    assert out["n"] == n and out["k"] == 2 and out["scale"] == "raw"
    assert out["source"] == f"study retest (n={n})" and "ICC(A,1)" in out["basis"]
    with pytest.raises(ValueError, match="at least two visits"):
        reliability_from_retest(pd.concat(rows), visits=(0,))


def test_reliability_from_retest_equals_icc_on_pivot():
    rows = [(str(i), v, "tpd", "lumbar", "left", SHROUT_FLEISS[i, v], "mm")
            for i in range(6) for v in range(4)]
    m = pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value",
                                    "unit"])
    out = reliability_from_retest(m, visits=range(4)).iloc[0]
    assert out["icc"] == pytest.approx(icc(SHROUT_FLEISS, "A,1"))
    assert out["sd"] == pytest.approx(np.std(SHROUT_FLEISS, ddof=1))


def test_retest_sem_from_differences_hand_calculation():
    # x2 - x1 = 1, -1, 2, 0, -2: mean 0, SD (ddof 1) = sqrt((1 + 1 + 4 + 0 + 4) / 4)
    # = sqrt(2.5) = 1.58114; SEM = 1.58114 / sqrt(2) = 1.11803 (Weir 2005)
    x1 = np.array([40.0, 45.0, 50.0, 55.0, 60.0])
    x2 = x1 + np.array([1.0, -1.0, 2.0, 0.0, -2.0])
    m = pd.DataFrame({"subject": [f"c{i}" for i in range(5)] * 2, "visit": [0] * 5 + [1] * 5,
                      "metric": "tpd", "site": "lumbar", "side": "left",
                      "value": np.r_[x1, x2], "unit": "mm"})
    out = reliability_from_retest(m, sem="sd_diff").iloc[0]
    assert out["sem"] == pytest.approx(np.sqrt(2.5) / np.sqrt(2.0))
    assert out["mdc95"] == pytest.approx(MDC_FACTOR * 1.118034, rel=1e-6)
    assert "differences" in out["basis"]
    with pytest.raises(ValueError, match="exactly two visits"):
        reliability_from_retest(m.assign(visit=m["visit"] * 2), visits=(0, 1, 2), sem="sd_diff")


def test_retest_on_the_log_scale_for_log_metrics():
    # PPT doubles for one person and halves for another: on log10 the differences are
    # +0.30103 and -0.30103 (and 0 for two others): SD = sqrt(2 * 0.30103² / 3) = 0.24579,
    # SEM = 0.24579 / sqrt(2) = 0.17380 log10 units
    x1 = np.array([200.0, 400.0, 300.0, 500.0])
    x2 = np.array([400.0, 200.0, 300.0, 500.0])
    m = pd.DataFrame({"subject": list("abcd") * 2, "visit": [0] * 4 + [1] * 4, "metric": "ppt",
                      "site": "lumbar", "side": "left", "value": np.r_[x1, x2], "unit": "kPa"})
    out = reliability_from_retest(m, sem="sd_diff", scale="auto").iloc[0]
    assert out["scale"] == "log10"
    assert out["sem"] == pytest.approx(np.sqrt(2 * np.log10(2) ** 2 / 3) / np.sqrt(2))
    assert out["sem"] == pytest.approx(0.17380, abs=1e-5)
    raw = reliability_from_retest(m, sem="sd_diff").iloc[0]
    assert raw["scale"] == "raw" and raw["sem"] == pytest.approx(
        np.std(x2 - x1, ddof=1) / np.sqrt(2))


def _metrics(pairs):
    rng = np.random.default_rng(0)
    return pd.DataFrame([(f"s{i}", 0, m, s, "left", float(rng.normal(50, 10)), u)
                         for m, s, u in pairs for i in range(20)],
                        columns=["subject", "visit", "metric", "site", "side", "value", "unit"])


def _ppt_controls(n_pairs=5):
    """10 controls whose log10 lumbar PPT is 2.35 or 2.65 (5 each) and 2 patients.

    Mean 2.5, SD (ddof 1) = sqrt(10 * 0.15² / 9) = sqrt(0.025) = 0.158114 log10 units.
    """
    logs = [2.35, 2.65] * n_pairs
    rows = [(f"c{i}", 0, "ppt", "lumbar", "left", 10 ** v, "kPa") for i, v in enumerate(logs)]
    rows += [("p1", 0, "ppt", "lumbar", "left", 400.0, "kPa"),
             ("p2", 0, "ppt", "lumbar", "left", 900.0, "kPa")]
    m = pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value",
                                    "unit"])
    subj = pd.DataFrame({"subject": [f"c{i}" for i in range(len(logs))] + ["p1", "p2"],
                         "condition": ["healthy"] * len(logs) + ["chronic_lbp"] * 2})
    return m, subj


def test_ppt_error_is_individual_and_on_the_log_scale():
    m, subj = _ppt_controls()
    row = reliability_for(m, subjects=subj).set_index(["metric", "site"]).loc[("ppt", "lumbar")]
    # ICC 0.80 (lower end, Mailloux 2021 / Balaguier 2016) x SD 0.158114 of the 10 controls:
    # SEM = 0.158114 * sqrt(0.2) = sqrt(0.005) = 0.0707107 log10; MDC95 = 2.7719 * SEM = 0.19600
    assert row["scale"] == "log10"
    assert row["sem"] == pytest.approx(np.sqrt(0.005))
    assert row["mdc95"] == pytest.approx(0.19600, abs=1e-5)
    assert row["n"] == 10 and "controls'" in row["basis"]
    assert row["source"] == "published: mailloux2021, balaguier2016"
    # on the raw scale the individual SEM of Balaguier 2016 (upper end 77.5 kPa) is used,
    # never the group MDC of Mailloux 2021 (50.6 kPa)
    raw = reliability_for(m, subjects=subj, scale="raw").set_index("metric").loc["ppt"]
    assert raw["sem"] == pytest.approx(77.5) and raw["mdc95"] == pytest.approx(214.82, abs=0.01)
    assert raw["source"] == "published: balaguier2016"


def test_group_mdc_is_never_an_individual_error():
    group = CITED_RELIABILITY["source"].str.contains("mailloux2021") & \
        CITED_RELIABILITY["statistic"].eq("mdc95")
    assert not group.any()
    m = _metrics([("tsp_diff", "lumbar", "nrs100")])
    row = reliability_for(m).iloc[0]
    # TSP: ICC 0.80 for the mean of 2 series (Mailloux 2021), one series by Spearman-Brown
    # 0.80 / (2 - 0.80) = 0.667; SEM = SD of the 20 first-visit values x sqrt(1 - 0.667),
    # not the group MDC 5.7
    sd = m["value"].std()
    assert row["sem"] == pytest.approx(sd * np.sqrt(1 - 0.667))
    assert row["mdc95"] != pytest.approx(5.7)


def test_reliability_for_uses_cited_figures_with_units():
    m = _metrics([("tpd", "lumbar", "mm"), ("tpd", "cervical", "mm"),
                  ("frebaq_total", "none", "score"), ("cpt", "thenar", "degC"),
                  ("cpm_rating_effect", "forearm", "nrs100")])
    out = reliability_for(m).set_index(["metric", "site"])
    # ICC only (tpd lumbar 0.79-0.86): SEM = sample SD * sqrt(1 - 0.79)
    sd = m.loc[m["site"].eq("lumbar"), "value"].std()
    assert out.loc[("tpd", "lumbar"), "sem"] == pytest.approx(sd * np.sqrt(0.21))
    assert out.loc[("tpd", "lumbar"), "basis"].startswith("published ICC 0.79")
    assert out.loc[("tpd", "cervical"), "sem"] == pytest.approx(3.7)  # Harvie 2017, mm
    # FreBAQ: the MDC95 5.99 of Hu 2022 -> SEM 5.99 / 2.7719 = 2.1610 (their SEM: 2.16)
    assert out.loc[("frebaq_total", "none"), "sem"] == pytest.approx(2.1610, abs=1e-4)
    assert out.loc[("cpm_rating_effect", "forearm"), "mdc95"] == pytest.approx(20.2)
    assert ("cpt", "thenar") not in out.index  # nothing cited: absent, never invented
    liberal = reliability_for(m, bound="liberal").set_index(["metric", "site"])
    assert liberal.loc[("tpd", "lumbar"), "sem"] == pytest.approx(sd * np.sqrt(0.14))


def test_kemp_sem_converts_from_kgf_on_the_raw_scale():
    m = _metrics([("ppt", "thenar", "kPa")])
    row = reliability_for(m, scale="raw").iloc[0]
    # SEM 0.21 kgf/cm² (Kemp 2020) = 0.21 * 98.0665 kPa = 20.594 kPa
    assert row["sem"] == pytest.approx(20.594, abs=1e-3) and row["unit"] == "kPa"


def test_study_retest_is_preferred_and_named():
    rng = np.random.default_rng(3)
    n = 12
    true = rng.normal(2.5, 0.15, n)
    rows = [pd.DataFrame({"subject": [f"c{i}" for i in range(n)], "visit": v, "metric": "ppt",
                          "site": "lumbar", "side": "left", "unit": "kPa",
                          "value": 10 ** (true + rng.normal(0, 0.05, n))}) for v in (0, 1)]
    m = pd.concat(rows, ignore_index=True)
    subj = pd.DataFrame({"subject": [f"c{i}" for i in range(n)], "condition": "healthy"})
    out = reliability_for(m, subjects=subj)
    study = out[out["source"].str.startswith("study")].iloc[0]
    wide = m.pivot(index="subject", columns="visit", values="value")
    d = np.log10(wide[1]) - np.log10(wide[0])
    assert study["source"] == "study retest (n=12)" and study["side"] == "left"
    assert study["sem"] == pytest.approx(d.std(ddof=1) / np.sqrt(2))
    assert study["scale"] == "log10"
    # fewer controls than min_n: published figures only
    few = reliability_for(m, subjects=subj, min_n=13)
    assert not few["source"].str.startswith("study").any()
    assert reliability_for(m, subjects=subj, retest="never")["source"].str.startswith(
        "published").all()


def test_cited_table_names_a_source_for_every_number():
    from painmech.mechanisms import bibliography

    keys = set(bibliography()["key"])
    for src in CITED_RELIABILITY["source"]:
        assert set(src.split(";")) <= keys, src
    assert (CITED_RELIABILITY["low"] <= CITED_RELIABILITY["high"]).all()
