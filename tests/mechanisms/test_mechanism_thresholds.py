"""Crafted patients at the thresholds, for every metric the catalog uses and for the
three-sign rule of peripheral sensitisation; and data without a value is
not_assessed, never not_indicated.

Boundaries as in test_mechanism_rules.py (hand calculation from the error model,
painmech.mechanisms._model, default settings: limit 1.96, flat prior, indicated at
p >= 0.80, not indicated at p <= 0.20):

    z_indicated     = 1.96 + Phi^-1(0.80) * sigma
    z_not_indicated = 1.96 - Phi^-1(0.80) * sigma,     sigma = sqrt(1 - ICC)

Phi^-1(0.80) = 0.8416212 (normal table). ICCs are the cited figures; metrics
without one use painmech's default 0.5.
"""

import numpy as np
import pandas as pd
import pytest

from painmech.mechanisms import CATALOG, profile

Q80 = 0.8416212335729143
EPS = 0.005


def _scores(rows):
    """rows: (metric, site, side, value, z, n_trials[, method])"""
    out = [{"subject": "p", "visit": 0, "metric": r[0], "site": r[1], "side": r[2],
            "value": float(r[3]), "z": float(r[4]), "n_trials": r[5],
            "method": r[6] if len(r) > 6 else "", "ref": "crafted"} for r in rows]
    return pd.DataFrame(out)


def _status(rows, mechanism, condition="chronic_lbp"):
    prof = profile(_scores(rows), pd.DataFrame({"subject": ["p"], "condition": [condition]}),
                   mechanisms=[mechanism])
    assert len(prof) == 1
    return prof.iloc[0]["status"]


# (mechanism, metric, site, side, condition, sigma) for the catalog metrics that
# test_mechanism_rules.CASES does not already cross
MORE_CASES = [
    ("cold_hyperalgesia", "cpt_side_diff", "lumbar", "bilateral", "neck_pain", np.sqrt(0.5)),
    ("cold_hyperalgesia", "cpt_trunk_hand_diff", "cervical", "left", "whiplash", np.sqrt(0.5)),
    ("motor_cortex_smudging", "tms_cog_distance", "deep_multifidus__longissimus", "left",
     "recurrent_lbp", np.sqrt(0.5)),
    ("motor_cortex_smudging", "tms_volume", "longissimus", "left", "recurrent_lbp",
     np.sqrt(0.5)),
    ("somatosensory_deficit", "graphesthesia_error_rate", "lumbar", "midline", "chronic_lbp",
     np.sqrt(0.5)),
    # Morey 2010 thalamus ICC 0.90; Iscan 2015 cortical volume ICC 0.88
    ("grey_matter", "gmv_thalamus_frac", "none", "right", "chronic_lbp", np.sqrt(0.10)),
    ("grey_matter", "gmv_dlpfc", "none", "left", "chronic_lbp", np.sqrt(0.12)),
    # Gehling 2016 parallel CPM ICC 0.618; the kPa effect 0 lies within 2 x SEM
    ("descending_inhibition", "cpm_effect", "thenar", "left", "chronic_lbp",
     np.sqrt(1 - 0.618)),
]


@pytest.mark.parametrize("mechanism,metric,site,side,condition,sigma", MORE_CASES)
def test_both_boundaries_of_every_catalog_metric(mechanism, metric, site, side, condition,
                                                 sigma):
    up, down = 1.96 + Q80 * sigma, 1.96 - Q80 * sigma
    method = "during − before (parallel)" if metric == "cpm_effect" else ""

    def status(z):
        return _status([(metric, site, side, 0.0, z, 1, method)], mechanism, condition)

    assert status(up + EPS) == "indicated"
    assert status(up - EPS) == "inconclusive"
    assert status(down + EPS) == "inconclusive"
    assert status(down - EPS) == "not_indicated"


def test_every_catalog_metric_is_crossed_somewhere():
    from test_mechanism_rules import CASES

    crossed = {c[1] for c in CASES} | {c[1] for c in MORE_CASES} | {"crp"}
    used = {m for spec in CATALOG.values() for comp in spec.components for m in comp.metrics}
    # il6, tnf_alpha, il1_beta share the "markers" component with crp (highest z
    # counts); homeostatic_z is crossed in test_mechanism_rules.test_homeostatic_class_rule
    assert used - crossed <= {"il6", "tnf_alpha", "il1_beta", "homeostatic_z"}


# ---------------------------------------------------------------- peripheral sensitisation
# sign 1 = local PPT hyperalgesia (sigma sqrt(0.2), Mailloux 2021, 3 trials) without
# remote hyperalgesia; sign 2 = raised marker (CRP, 1 value, default ICC: sigma sqrt(0.5)).
# indicated only when both signs are present.
S_PPT, S_MARK = np.sqrt(0.2), np.sqrt(0.5)
UP_PPT, DOWN_PPT = 1.96 + Q80 * S_PPT, 1.96 - Q80 * S_PPT  # 2.33638, 1.58362
UP_MARK, DOWN_MARK = 1.96 + Q80 * S_MARK, 1.96 - Q80 * S_MARK  # 2.55512, 1.36488


def _ps(local, remote, marker):
    rows = []
    if local is not None:
        rows.append(("ppt", "lumbar", "left", 250.0, local, 3))
    if remote is not None:
        rows.append(("ppt", "thenar", "left", 400.0, remote, 3))
    if marker is not None:
        rows.append(("crp", "none", "none", 4.0, marker, 1))
    return _status(rows, "peripheral_sensitization")


def test_peripheral_local_threshold():
    assert UP_PPT == pytest.approx(1.96 + 0.8416212 * 0.4472136, abs=1e-6)
    assert _ps(UP_PPT + EPS, 0.0, 3.0) == "indicated"
    assert _ps(UP_PPT - EPS, 0.0, 3.0) == "inconclusive"


def test_peripheral_remote_threshold():
    # the remote site must be clearly normal: "without widespread signs"
    assert _ps(3.0, DOWN_PPT - EPS, 3.0) == "indicated"
    assert _ps(3.0, DOWN_PPT + EPS, 3.0) == "inconclusive"
    # clearly widespread: sign 1 absent; with a normal marker nothing is left
    assert _ps(3.0, UP_PPT + EPS, 0.0) == "not_indicated"
    assert _ps(3.0, UP_PPT - EPS, 0.0) == "inconclusive"


def test_peripheral_marker_threshold():
    assert UP_MARK == pytest.approx(1.96 + 0.8416212 * 0.7071068, abs=1e-6)
    assert _ps(3.0, 0.0, UP_MARK + EPS) == "indicated"
    assert _ps(3.0, 0.0, UP_MARK - EPS) == "inconclusive"
    # with sign 1 absent (local normal) the marker decides between the two
    assert _ps(0.0, 0.0, DOWN_MARK - EPS) == "not_indicated"
    assert _ps(0.0, 0.0, DOWN_MARK + EPS) == "inconclusive"


def test_peripheral_local_not_indicated_threshold():
    assert _ps(DOWN_PPT - EPS, None, 0.0) == "not_indicated"
    assert _ps(DOWN_PPT + EPS, None, 0.0) == "inconclusive"


# ---------------------------------------------------------------- no data
CATALOG_ROWS = [(mech, metric) for mech, spec in CATALOG.items() for comp in spec.components
                for metric in comp.metrics]


@pytest.mark.parametrize("mechanism,metric", CATALOG_ROWS)
def test_a_metric_without_a_value_leaves_the_mechanism_not_assessed(mechanism, metric):
    # e.g. wur with a zero single rating or cpm_effect_pct of a near-zero baseline:
    # the row exists but carries no number
    site = {"ppt": "lumbar", "tms_overlap": "a__b", "tms_cog_distance": "a__b",
            "tms_volume": "longissimus"}.get(metric, "none")
    status = _status([(metric, site, "left", np.nan, np.nan, 3)], mechanism)
    assert status == "not_assessed"
