"""Blood markers: unit conversion, detection limits, hs-CRP categories."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import UnitError, ValidationError
from painmech.measures._blood import blood_metrics


def _obs(rows):
    frame = pd.DataFrame(rows, columns=["subject", "measure", "trial", "value", "unit",
                                        *(["censored"] if len(rows[0]) > 5 else [])])
    return frame.assign(visit=0, site="none", side="none")


def _get(m, subject, metric, col="value"):
    sel = m.loc[m["subject"].eq(subject) & m["metric"].eq(metric), col]
    assert len(sel) == 1
    return sel.iloc[0]


def test_units_are_converted_and_replicates_averaged():
    m = blood_metrics(_obs([
        ("s1", "crp", 1, 0.25, "mg/dL"),  # 0.25 mg/dL × 10 = 2.5 mg/L
        ("s1", "il6", 1, 2.0, "pg/mL"),
        ("s1", "il6", 2, 4.0, "ng/L"),  # 1 ng/L = 1 pg/mL → mean 3.0
        ("s1", "tnf_alpha", 1, 0.0012, "ng/mL"),  # × 1000 = 1.2 pg/mL
    ]))
    assert _get(m, "s1", "crp") == pytest.approx(2.5)
    assert _get(m, "s1", "crp", "unit") == "mg/L"
    assert _get(m, "s1", "il6") == pytest.approx(3.0)
    assert _get(m, "s1", "il6", "n_trials") == 2
    assert _get(m, "s1", "tnf_alpha") == pytest.approx(1.2)
    assert _get(m, "s1", "crp_category") == 1.0  # 1 ≤ 2.5 ≤ 3


@pytest.mark.parametrize("crp, category", [
    (0.5, 0.0), (1.0, 1.0), (3.0, 1.0), (3.01, 2.0), (12.0, 2.0)])
def test_crp_categories_pearson_2003(crp, category):
    # Pearson et al. 2003: < 1 low, 1–3 average, > 3 high
    m = blood_metrics(_obs([("s1", "crp", 1, crp, "mg/L")]))
    assert _get(m, "s1", "crp_category") == category
    if crp > 10:
        assert "acute-phase" in _get(m, "s1", "crp_category", "method")


def test_lod_parameter_censors_instead_of_zero():
    m = blood_metrics(_obs([
        ("s1", "il6", 1, 0.0, "pg/mL"),
        ("s2", "il6", 1, 0.8, "pg/mL"),
        ("s3", "il6", 1, 5.0, "pg/mL"),
        ("s1", "crp", 1, 0.0, "mg/L"),
    ]), lod={"il6": 1.5, "crp": (0.02, "mg/dL")})
    assert _get(m, "s1", "il6") == 1.5 and _get(m, "s1", "il6", "censored") == "left"
    assert _get(m, "s2", "il6") == 1.5 and _get(m, "s2", "il6", "censored") == "left"
    assert _get(m, "s3", "il6") == 5.0 and _get(m, "s3", "il6", "censored") == ""
    # CRP limit 0.02 mg/dL = 0.2 mg/L < 1 → the category is certainly 0
    assert _get(m, "s1", "crp") == pytest.approx(0.2)
    assert _get(m, "s1", "crp_category") == 0.0


def test_censored_column_and_open_category():
    m = blood_metrics(_obs([
        ("s1", "crp", 1, 5.0, "mg/L", "left"),  # < 5: could be any category
        ("s2", "crp", 1, 10.0, "mg/L", "right"),  # > 10: surely > 3
        ("s3", "tnf_alpha", 1, 0.7, "pg/mL", "left"),
        ("s3", "tnf_alpha", 2, 1.3, "pg/mL", ""),
    ]))
    assert np.isnan(_get(m, "s1", "crp_category"))
    assert "open" in _get(m, "s1", "crp_category", "method")
    assert _get(m, "s2", "crp_category") == 2.0
    assert _get(m, "s2", "crp", "censored") == "right"
    # one replicate below the limit: mean (0.7 + 1.3)/2 = 1.0 is an upper bound
    assert _get(m, "s3", "tnf_alpha") == pytest.approx(1.0)
    assert _get(m, "s3", "tnf_alpha", "censored") == "left"


def test_zero_without_limit_is_refused():
    with pytest.raises(ValidationError, match="below the detection limit"):
        blood_metrics(_obs([("s1", "il1_beta", 1, 0.0, "pg/mL")]))


def test_bad_lod():
    obs = _obs([("s1", "il6", 1, 1.0, "pg/mL")])
    with pytest.raises(UnitError, match="lod for il6"):
        blood_metrics(obs, lod={"il6": (1.0, "mg/L")})
    with pytest.raises(ValueError, match="blood markers are"):
        blood_metrics(obs, lod={"ppt": 1.0})


def test_other_measures_are_ignored():
    obs = _obs([("s1", "il6", 1, 1.0, "pg/mL"), ("s1", "ppt", 1, 300.0, "kPa")])
    assert set(blood_metrics(obs)["metric"]) == {"il6"}


def test_il1_beta_replicates_by_hand():
    m = blood_metrics(_obs([("s1", "il1_beta", 1, 0.5, "pg/mL"),
                            ("s1", "il1_beta", 2, 0.0015, "ng/mL")]))
    # 0.0015 ng/mL × 1000 = 1.5 pg/mL; (0.5 + 1.5) / 2 = 1.0 pg/mL
    assert _get(m, "s1", "il1_beta") == pytest.approx(1.0)
    assert (_get(m, "s1", "il1_beta", "unit"), _get(m, "s1", "il1_beta", "n_trials")) == (
        "pg/mL", 2)
