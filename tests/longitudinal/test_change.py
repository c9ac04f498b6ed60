"""Reliable change (Jacobson & Truax 1991), trajectories and normalisation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from painmech.longitudinal import normalisation, pain_status, rci, reliable_change, trajectories

COLS = ["subject", "visit", "metric", "site", "side", "value"]


def test_rci_hand_calculation():
    # (300 - 400) / (sqrt(2) * 25) = -100 / 35.355 = -2.8284
    assert float(rci(400, 300, 25)) == pytest.approx(-2.8284, abs=1e-4)
    assert np.isnan(rci(1, 2, 0))


def test_reliable_change_status_uses_registry_direction():
    m = pd.DataFrame([
        ("a", 0, "ppt", "lumbar", "left", 400.0), ("a", 1, "ppt", "lumbar", "left", 300.0),
        ("a", 2, "ppt", "lumbar", "left", 390.0),
        ("b", 0, "ppt", "lumbar", "left", 300.0), ("b", 1, "ppt", "lumbar", "left", 400.0),
        ("c", 0, "ppt", "thenar", "left", 300.0), ("c", 1, "ppt", "thenar", "left", 400.0),
        ("d", 0, "xyz", "none", "none", 1.0), ("d", 1, "xyz", "none", "none", 9.0),
    ], columns=COLS)
    rel = pd.DataFrame({"metric": ["ppt", "xyz"], "site": ["lumbar", "any"],
                        "sem": [25.0, 1.0], "basis": ["cited", "given"]})
    out = reliable_change(m, rel).set_index(["subject", "visit"])
    # a: PPT fell 100 kPa, RCI -2.83 -> reliable; PPT gain is -1 -> more sensitive = worsening
    assert out.loc[("a", 1), "rci"] == pytest.approx(-2.8284, abs=1e-4)
    assert out.loc[("a", 1), "status"] == "reliable_worsening"
    assert out.loc[("a", 1), "mdc95"] == pytest.approx(stats.norm.ppf(0.975) * np.sqrt(2) * 25)
    assert out.loc[("a", 2), "status"] == "no_reliable_change"  # -10 kPa < MDC95 69.3
    assert out.loc[("b", 1), "status"] == "reliable_improvement"
    assert out.loc[("c", 1), "status"] == "no_reliability_data"  # thenar: no SEM given
    assert out.loc[("d", 1), "status"] == "reliable_increase"  # unknown metric: no direction
    assert out.loc[("d", 1), "basis"] == "given"


def test_reliable_change_requires_sem_column():
    with pytest.raises(ValueError, match="missing the column"):
        reliable_change(pd.DataFrame(columns=COLS), pd.DataFrame({"metric": ["ppt"]}))


def test_trajectory_slope_matches_linregress(rng):
    visits = np.array([0, 1, 3, 4])
    vals = rng.normal(size=4)
    m = pd.DataFrame({"subject": "a", "visit": visits, "metric": "ppt", "site": "lumbar",
                      "side": "left", "value": vals})
    m = pd.concat([m, m.iloc[:1].assign(subject="b")])
    out = trajectories(m).set_index("subject")
    assert out.loc["a", "slope_per_visit"] == pytest.approx(
        stats.linregress(visits, vals).slope)
    assert out.loc["a", "change"] == pytest.approx(vals[-1] - vals[0])
    assert out.loc["a", "n_visits"] == 4 and out.loc["a", "last_visit"] == 4
    assert np.isnan(out.loc["b", "slope_per_visit"])


def test_pain_status_prefers_pain_state_flag():
    m = pd.DataFrame([
        ("a", 0, "pain_intensity", "none", "none", 5.0), ("a", 0, "pain_state", "none", "none", 1),
        ("a", 1, "pain_intensity", "none", "none", 1.0), ("a", 1, "pain_state", "none", "none", 0),
        ("b", 0, "pain_intensity", "none", "none", 0.0),
    ], columns=COLS)
    st = pain_status(m).set_index(["subject", "visit"])["in_pain"]
    assert st.to_dict() == {("a", 0): True, ("a", 1): False, ("b", 0): False}


def _scores(rows):
    # a scores table carries the metric value and z; pain rows have a value but no z
    out = pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value"])
    return out.assign(z=out["value"].where(out["metric"] != "pain_state"))


def test_normalisation_statuses():
    def pain(subject, states):
        return [(subject, v, "pain_state", "none", "none", s) for v, s in enumerate(states)]

    rows = (
        [("a", 0, "ppt", "lumbar", "left", 2.8), ("a", 1, "ppt", "lumbar", "left", 1.2)]
        + pain("a", [1, 0])
        + [("b", 0, "ppt", "lumbar", "left", 2.8), ("b", 1, "ppt", "lumbar", "left", 2.5)]
        + pain("b", [1, 0])
        + [("c", 0, "ppt", "lumbar", "left", -2.5), ("c", 1, "ppt", "lumbar", "left", 0.3)]
        + pain("c", [1, 1])
        + [("d", 0, "ppt", "lumbar", "left", 3.0), ("d", 1, "ppt", "lumbar", "left", 3.1)]
        + pain("d", [1, 1])
        + [("e", 0, "ppt", "lumbar", "left", 0.5), ("e", 1, "ppt", "lumbar", "left", 0.1)]
        + pain("e", [1, 0])
        + [("f", 0, "ppt", "lumbar", "left", 2.5)] + pain("f", [1, 0])
    )
    out = normalisation(_scores(rows)).set_index("subject")
    assert out.loc["a", "status"] == "normalised_with_recovery"
    assert out.loc["a", "pain_free_visit"] == 1 and out.loc["a", "z_pain_free"] == 1.2
    assert out.loc["b", "status"] == "abnormal_after_recovery"
    assert out.loc["c", "status"] == "normalised_in_pain"  # loss side counts as abnormal too
    assert out.loc["d", "status"] == "still_in_pain"
    assert "e" not in out.index  # never abnormal
    assert out.loc["f", "status"] == "no_score_when_pain_free"
    # threshold is a parameter: with 3.5 nothing was abnormal
    assert normalisation(_scores(rows), threshold=3.5).empty


def _ppt_cohort():
    """10 controls (log10 lumbar PPT 2.35 or 2.65, SD 0.158114) and 3 patients over 2 visits."""
    logs = [2.35, 2.65] * 5
    rows = [(f"c{i}", 0, "ppt", "lumbar", "left", 10 ** v) for i, v in enumerate(logs)]
    rows += [("p1", 0, "ppt", "lumbar", "left", 400.0), ("p1", 1, "ppt", "lumbar", "left", 500.0),
             ("p2", 0, "ppt", "lumbar", "left", 400.0), ("p2", 1, "ppt", "lumbar", "left", 200.0),
             ("p3", 0, "cpt", "thenar", "right", 10.0), ("p3", 1, "cpt", "thenar", "right", 25.0)]
    m = pd.DataFrame(rows, columns=COLS).assign(unit="kPa")
    subjects = pd.DataFrame({"subject": [f"c{i}" for i in range(10)] + ["p1", "p2", "p3"],
                             "condition": ["healthy"] * 10 + ["chronic_lbp"] * 3})
    return m, subjects


def test_ppt_change_within_individual_error_is_not_reliable():
    from painmech.longitudinal import reliability_for

    m, subjects = _ppt_cohort()
    out = reliable_change(m, reliability_for(m, subjects=subjects)).set_index("subject")
    # Individual error on the log scale: SEM = SD(log10 PPT of the controls) * sqrt(1 - ICC)
    # = 0.158114 * sqrt(1 - 0.80) = sqrt(0.005) (ICC: Mailloux 2021 / Balaguier 2016), so
    # sqrt(2) * SEM = 0.1 and RCI = log10(x1 / x0) / 0.1.
    # p1: 400 -> 500 kPa (+100 kPa, twice the group MDC of 50.6 kPa that was used before):
    # RCI = log10(1.25) / 0.1 = 0.969 < 1.96 -> within individual measurement error
    assert out.loc["p1", "rci"] == pytest.approx(np.log10(1.25) / 0.1)
    assert out.loc["p1", "status"] == "no_reliable_change"
    assert not out.loc["p1", "reliable"]
    # the band: MDC95 = 1.96 * 0.1 = 0.196 log10 -> 400 / 10^0.196 = 254.69 to 400 * 1.57036
    assert out.loc["p1", "reliable_below"] == pytest.approx(400 / 10 ** 0.196, rel=1e-3)
    assert out.loc["p1", "reliable_above"] == pytest.approx(628.14, rel=1e-3)
    assert out.loc["p1", "scale"] == "log10"
    assert out.loc["p1", "source"] == "published: mailloux2021, balaguier2016"
    # p2: 400 -> 200 kPa, RCI = log10(0.5) / 0.1 = -3.01 -> reliable; lower PPT = worsening
    assert out.loc["p2", "rci"] == pytest.approx(-3.0103, abs=1e-4)
    assert out.loc["p2", "status"] == "reliable_worsening"
    # p3: no individual error is known for CPT: unknown, not "no change"
    assert out.loc["p3", "status"] == "no_reliability_data"
    assert pd.isna(out.loc["p3", "reliable"]) and out.loc["p3", "source"] == "unknown"


def test_normalisation_uses_each_rows_crawford_howell_limit():
    # z 2.2 is beyond 1.96 but within the limit of a 10-control reference (2.3726):
    # with the scores' z_limit it was never abnormal; with a fixed 1.96 it was
    rows = [("a", 0, "tpd", "lumbar", "left", 2.2), ("a", 1, "tpd", "lumbar", "left", 0.5),
            ("a", 0, "pain_state", "none", "none", 1), ("a", 1, "pain_state", "none", "none", 0)]
    scores = _scores(rows)
    limit = stats.t.ppf(0.975, 9) * np.sqrt(1.1)
    scores = scores.assign(z_limit=np.where(scores["z"].notna(), limit, np.nan))
    assert normalisation(scores).empty
    fixed = normalisation(scores, threshold=1.96).set_index("subject")
    assert fixed.loc["a", "status"] == "normalised_with_recovery"


def test_cdt_change_is_judged_on_its_magnitude_like_its_z():
    # cdt is negative (°C below the 32 °C baseline) and scored on log10 |value|, gain -1.
    # SEM 0.05 log10 (given): -2.0 -> -1.0 °C is log10(1 / 2) = -0.30103, RCI = -0.30103 /
    # (sqrt(2) * 0.05) = -4.257: a smaller change felt = more sensitive = worsening
    m = pd.DataFrame([("a", 0, "cdt", "thenar", "right", -2.0),
                      ("a", 1, "cdt", "thenar", "right", -1.0)], columns=COLS)
    rel = pd.DataFrame({"metric": ["cdt"], "sem": [0.05], "scale": ["log10"]})
    out = reliable_change(m, rel).iloc[0]
    assert out["rci"] == pytest.approx(-np.log10(2) / (np.sqrt(2) * 0.05))
    assert out["status"] == "reliable_worsening"
    # band: MDC95 = 1.96 * sqrt(2) * 0.05 = 0.13859 -> -2 * 10^±0.13859 = -2.7506 to -1.4542
    assert (out["reliable_below"], out["reliable_above"]) == (
        pytest.approx(-2 * 10 ** 0.138593, rel=1e-4), pytest.approx(-2 / 10 ** 0.138593,
                                                                     rel=1e-4))
