"""Crafted patients: each mechanism's status changes exactly where its rule says.

Boundaries are hand calculations from the error model (painmech.mechanisms._model)
with the default settings: limit t = 1.96, flat prior, indicated at p >= 0.80,
not indicated at p <= 0.20. With sigma = sqrt(1 - ICC) the status changes at

    z_indicated     = 1.96 + sigma * Phi^-1(0.80) = 1.96 + 0.841621 * sigma
    z_not_indicated = 1.96 - 0.841621 * sigma

(Phi^-1(0.80) = 0.8416212 from a normal table; scipy.stats.norm.ppf agrees.)
"""

import numpy as np
import pandas as pd
import pytest

from painmech.mechanisms import CATALOG, KEMP_SEM_KPA, ProfileSettings, profile

Q80 = 0.8416212335729143  # Phi^-1(0.80), normal table


def subjects(*pairs):
    return pd.DataFrame({"subject": [p[0] for p in pairs],
                         "condition": [p[1] for p in pairs]})


def scores(rows):
    """rows: (subject, metric, site, side, value, z[, n_trials[, method]])"""
    out = []
    for r in rows:
        subject, metric, site, side, value, z, *rest = r
        n = rest[0] if rest else 3
        method = rest[1] if len(rest) > 1 else ""
        out.append({"subject": subject, "visit": 0, "metric": metric, "site": site,
                     "side": side, "value": float(value), "z": float(z), "n_trials": n,
                     "method": method, "ref": "crafted"})
    return pd.DataFrame(out)


def status_of(prof, mechanism, subject="p"):
    row = prof[(prof["mechanism"] == mechanism) & (prof["subject"] == subject)]
    assert len(row) == 1
    return row.iloc[0]


# (mechanism, metric, site, condition, sigma from the cited ICC, n_trials)
CASES = [
    # PPT ICC 0.80 (Mailloux 2021), 3 trials = n_ref: sigma = sqrt(0.20) = 0.447214
    ("pressure_hyperalgesia", "ppt", "lumbar", "chronic_lbp", np.sqrt(0.20), 3),
    # one trial instead of 3: sigma = sqrt(0.20) * sqrt(3) = 0.774597
    ("pressure_hyperalgesia", "ppt", "tibialis_anterior", "chronic_lbp",
     np.sqrt(0.20) * np.sqrt(3.0), 1),
    # TSP: ICC 0.80 for 2 series (Mailloux 2021) stepped down to one series by
    # Spearman-Brown, 0.80 / 1.20 = 0.667: sigma = sqrt(0.333) = 0.577062
    ("temporal_summation", "tsp_diff", "lumbar", "chronic_lbp", np.sqrt(1 - 0.667), 1),
    # WUR test-retest r 0.67 (Geber 2011), 5 series = n_ref: sigma = sqrt(0.33) = 0.574456
    ("temporal_summation", "wur", "hand_dorsum", "chronic_lbp", np.sqrt(0.33), 5),
    # parallel CPM ICC 0.618 (Gehling 2016): sigma = sqrt(0.382) = 0.618061
    ("descending_inhibition", "cpm_rating_effect", "thenar", "chronic_lbp",
     np.sqrt(0.382), 2),
    # no published or study figure for CPT: painmech placeholder 0.5 -> sigma = 0.707107
    ("cold_hyperalgesia", "cpt", "thenar", "neck_pain", np.sqrt(0.5), 3),
    # eTIV-normalised DLPFC, ICC 0.88 (Iscan 2015): sigma = sqrt(0.12) = 0.346410
    ("grey_matter", "gmv_dlpfc_frac", "none", "chronic_lbp", np.sqrt(0.12), 1),
    # thalamus ICC 0.90 (Morey 2010): sigma = sqrt(0.10)
    ("grey_matter", "gmv_thalamus", "none", "chronic_lbp", np.sqrt(0.10), 1),
    ("motor_cortex_smudging", "tms_overlap", "longissimus__multifidus", "recurrent_lbp",
     np.sqrt(0.5), 1),
    # FC edge ICC 0.29 (Noble 2019): sigma = sqrt(0.71)
    ("functional_connectivity", "fc_affective_sensory_index", "none", "chronic_lbp",
     np.sqrt(0.71), 1),
    # TPD inter-rater ICC 0.66 (Catley 2013): sigma = sqrt(0.34)
    ("somatosensory_deficit", "tpd", "lumbar", "chronic_lbp", np.sqrt(0.34), 3),
    # each 2PD orientation carries the same cited ICC 0.66 (Catley 2013)
    ("somatosensory_deficit", "tpd_vertical", "lumbar", "chronic_lbp", np.sqrt(0.34), 3),
    ("somatosensory_deficit", "tpd_horizontal", "lumbar", "chronic_lbp", np.sqrt(0.34), 3),
    # FreBAQ ICC 0.897 (Hu 2022): sigma = sqrt(0.103) = 0.320936
    ("somatosensory_deficit", "frebaq_total", "none", "chronic_lbp", np.sqrt(0.103), 9),
]


@pytest.mark.parametrize("mechanism,metric,site,condition,sigma,n", CASES)
@pytest.mark.parametrize("offset,expected", [
    (+0.005, "indicated"), (-0.005, "inconclusive")])
def test_indicated_boundary(mechanism, metric, site, condition, sigma, n, offset, expected):
    z = 1.96 + Q80 * sigma + offset
    side = "none" if site == "none" else "left"
    prof = profile(scores([("p", metric, site, side, 1.0, z, n)]),
                   subjects(("p", condition)), mechanisms=[mechanism])
    assert status_of(prof, mechanism)["status"] == expected


@pytest.mark.parametrize("mechanism,metric,site,condition,sigma,n", CASES)
@pytest.mark.parametrize("offset,expected", [
    (+0.005, "inconclusive"), (-0.005, "not_indicated")])
def test_not_indicated_boundary(mechanism, metric, site, condition, sigma, n, offset,
                                expected):
    z = 1.96 - Q80 * sigma + offset
    side = "none" if site == "none" else "left"
    prof = profile(scores([("p", metric, site, side, 1.0, z, n)]),
                   subjects(("p", condition)), mechanisms=[mechanism])
    assert status_of(prof, mechanism)["status"] == expected


def test_every_mechanism_without_data_is_not_assessed():
    # only a questionnaire without a mechanism: nothing can be judged
    prof = profile(scores([("p", "odi", "none", "none", 30.0, np.nan)]),
                   subjects(("p", "chronic_lbp")))
    assert len(prof) == len(CATALOG)
    assert set(prof["status"]) == {"not_assessed"}
    assert prof["caveats"].eq("").all() and prof["influence"].eq("").all()
    assert prof["probability"].isna().all()


def test_two_point_orientations_are_averaged():
    # vertical z 3.2 and horizontal z 0.8 at the lumbar site: the 2PD component's z is
    # their mean (3.2 + 0.8) / 2 = 2.0, which is the mechanism score (only component)
    prof = profile(scores([("p", "tpd_vertical", "lumbar", "left", 70.0, 3.2),
                           ("p", "tpd_horizontal", "lumbar", "left", 65.0, 0.8)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["somatosensory_deficit"])
    row = status_of(prof, "somatosensory_deficit")
    assert row["score"] == pytest.approx(2.0)
    # the same with the orientation not stated (tpd) plus one orientation: (3.0 + 0.0) / 2
    prof = profile(scores([("p", "tpd", "lumbar", "left", 70.0, 3.0),
                           ("p", "tpd_vertical", "lumbar", "right", 44.0, 0.0)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["somatosensory_deficit"])
    assert status_of(prof, "somatosensory_deficit")["score"] == pytest.approx(1.5)


def test_measured_without_reference_is_inconclusive_not_indicated():
    prof = profile(scores([("p", "tpd", "lumbar", "left", 70.0, np.nan)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["somatosensory_deficit"])
    row = status_of(prof, "somatosensory_deficit")
    assert row["status"] == "inconclusive"
    assert "no_reference" in row["flags"].split(";")
    assert "no_reference" in row["caveats"].split(";")


@pytest.mark.parametrize("condition,site,pattern", [
    ("chronic_lbp", "lumbar", "local"),
    ("chronic_lbp", "scapula", "widespread"),
    ("neck_pain", "trapezius", "local"),
    ("whiplash", "lumbar", "widespread"),
    ("healthy", "lumbar", "widespread"),  # healthy people have no local site
])
def test_pressure_pattern_follows_site_role(condition, site, pattern):
    prof = profile(scores([("p", "ppt", site, "left", 200.0, 3.5)]),
                   subjects(("p", condition)), mechanisms=["pressure_hyperalgesia"])
    row = status_of(prof, "pressure_hyperalgesia")
    assert (row["status"], row["pattern"]) == ("indicated", pattern)


def test_pressure_local_and_widespread_and_state_caveats():
    prof = profile(scores([("p", "ppt", "lumbar", "left", 200.0, 3.0),
                           ("p", "ppt", "tibialis_anterior", "left", 250.0, 3.0),
                           ("p", "pain_state", "none", "none", 0.0, np.nan, 1)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["pressure_hyperalgesia"])
    row = status_of(prof, "pressure_hyperalgesia")
    assert row["pattern"] == "local_and_widespread"
    cav = row["caveats"].split(";")
    for c in ("state_marker", "no_prognostic_value", "pain_free_at_visit", "single_patient"):
        assert c in cav
    assert row["influence"] == "hyperalgesia_normalises"
    assert row["metrics_used"] == "ppt" and row["n_metrics"] == 1 and row["ref"] == "crafted"


# peripheral sensitisation: (local z, remote z, marker z) -> status
# z = 3.0 is indicated and z = 0 not indicated for PPT (sigma 0.447) and for a
# marker with the default ICC (sigma 0.707: indicated from 2.555, not from 1.365)
@pytest.mark.parametrize("local,remote,marker,expected", [
    (3.0, 0.0, 3.0, "indicated"),          # local-only hyperalgesia + raised marker
    (3.0, 3.0, 3.0, "inconclusive"),       # widespread: sign 1 absent, sign 2 present
    (3.0, 0.0, 0.0, "inconclusive"),       # only sign 1
    (0.0, 0.0, 0.0, "not_indicated"),      # every assessed sign absent
    (3.0, 0.0, None, "inconclusive"),      # markers not measured
    (0.0, 0.0, None, "not_indicated"),
    (None, None, 0.0, "not_indicated"),    # only markers, normal
    (None, None, 3.0, "inconclusive"),     # only markers, raised
    (3.0, None, 3.0, "inconclusive"),      # no remote site: "without remote" unknown
    (None, None, None, "not_assessed"),
])
def test_peripheral_sensitization_rule(local, remote, marker, expected):
    rows = [("p", "odi", "none", "none", 20.0, np.nan)]
    if local is not None:
        rows.append(("p", "ppt", "lumbar", "left", 250.0, local))
    if remote is not None:
        rows.append(("p", "ppt", "thenar", "left", 400.0, remote))
    if marker is not None:
        rows.append(("p", "crp", "none", "none", 4.0, marker, 1))
    prof = profile(scores(rows), subjects(("p", "chronic_lbp")),
                   mechanisms=["peripheral_sensitization"])
    assert status_of(prof, "peripheral_sensitization")["status"] == expected


LIMIT = 2 * KEMP_SEM_KPA  # Kemp 2020: 2 x 0.21 kg/cm2 = 2 x 20.594 kPa = 41.188 kPa


def test_kemp_sem_in_kpa():
    # 0.21 kgf/cm2 * 98.0665 kPa per kgf/cm2 (standard gravity) = 20.594 kPa
    assert KEMP_SEM_KPA == pytest.approx(20.594, abs=1e-3)


@pytest.mark.parametrize("effect,expected,flag", [
    (LIMIT + 0.01, "not_indicated", "cpm_true_inhibition"),
    (LIMIT - 0.01, "inconclusive", "cpm_within_error"),
    (-LIMIT - 0.01, "inconclusive", "cpm_true_facilitation"),
])
def test_cpm_without_reference_uses_responder_rule(effect, expected, flag):
    prof = profile(scores([("p", "cpm_effect", "thenar", "left", effect, np.nan, 6,
                            "during − before (parallel)")]),
                   subjects(("p", "chronic_lbp")), mechanisms=["descending_inhibition"])
    row = status_of(prof, "descending_inhibition")
    assert row["status"] == expected
    assert flag in row["flags"].split(";")
    assert row["flag_value"] == pytest.approx(effect)


@pytest.mark.parametrize("effect,expected", [
    (LIMIT - 0.01, "indicated"),      # impaired vs reference and no true inhibition
    (LIMIT + 0.01, "inconclusive"),   # below the reference but a true inhibition
])
def test_cpm_reference_and_reliability_together(effect, expected):
    prof = profile(scores([("p", "cpm_effect", "thenar", "left", effect, 3.5, 6,
                            "during − before (parallel)")]),
                   subjects(("p", "chronic_lbp")), mechanisms=["descending_inhibition"])
    assert status_of(prof, "descending_inhibition")["status"] == expected


@pytest.mark.parametrize("method,sigma", [
    ("during − before (parallel)", np.sqrt(1 - 0.618)),   # Gehling 2016 early ICC
    ("after − before (sequential)", np.sqrt(1 - 0.178)),  # Gehling 2016 late ICC
])
def test_cpm_design_sets_the_error(method, sigma):
    z = 1.96 + Q80 * sigma + 0.005
    below = 1.96 + Q80 * sigma - 0.005
    prof = profile(scores([("a", "cpm_effect", "thenar", "left", 0.0, z, 6, method),
                           ("b", "cpm_effect", "thenar", "left", 0.0, below, 6, method)]),
                   subjects(("a", "chronic_lbp"), ("b", "chronic_lbp")),
                   mechanisms=["descending_inhibition"])
    assert status_of(prof, "descending_inhibition", "a")["status"] == "indicated"
    assert status_of(prof, "descending_inhibition", "b")["status"] == "inconclusive"
    seq = "cpm_sequential" in status_of(prof, "descending_inhibition", "a")["caveats"]
    assert seq == ("sequential" in method)


@pytest.mark.parametrize("condition,cpt,flagged", [
    ("whiplash", 13.0, True), ("whiplash", 12.99, False), ("whiplash", 20.0, True),
    ("neck_pain", 20.0, False), ("chronic_lbp", 13.0, False)])
def test_cold_threshold_highlighted_only_after_whiplash(condition, cpt, flagged):
    # Sterling 2011: CPT >= 13 degC; the highlight does not change the status
    prof = profile(scores([("p", "cpt", "cervical", "left", cpt, 0.5)]),
                   subjects(("p", condition)), mechanisms=["cold_hyperalgesia"])
    row = status_of(prof, "cold_hyperalgesia")
    assert row["status"] == "not_indicated"
    assert ("cpt_ge_13_whiplash" in row["flags"]) == flagged
    assert ("cpt_whiplash_cut" in row["caveats"]) == flagged
    assert "psychological_mediation" in row["caveats"]


@pytest.mark.parametrize("cls,hz,expected", [
    (1.0, 2.5, "indicated"), (0.0, 0.5, "inconclusive"), (-1.0, -2.5, "not_indicated"),
    # without a class: Phi(hz) >= 0.80 <=> hz >= 0.841621
    (None, Q80 + 0.005, "indicated"), (None, Q80 - 0.005, "inconclusive"),
    (None, -Q80 - 0.005, "not_indicated"),
])
def test_homeostatic_class_rule(cls, hz, expected):
    rows = [("p", "homeostatic_z", "none", "none", hz, np.nan, 15)]
    if cls is not None:
        rows.append(("p", "homeostatic_class", "none", "none", cls, np.nan, 15))
    prof = profile(scores(rows), subjects(("p", "chronic_lbp")),
                   mechanisms=["homeostatic_plasticity"])
    row = status_of(prof, "homeostatic_plasticity")
    assert row["status"] == expected
    assert row["score"] == pytest.approx(hz)


def test_grey_matter_prefers_etiv_fraction():
    prof = profile(scores([("p", "gmv_dlpfc_frac", "none", "left", 0.01, 0.0, 1),
                           ("p", "gmv_dlpfc", "none", "left", 9000.0, 4.0, 1)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["grey_matter"])
    row = status_of(prof, "grey_matter")
    assert row["status"] == "not_indicated" and row["metrics_used"] == "gmv_dlpfc_frac"
    assert row["influence"] == ""
    assert "grey_matter_weak" in row["caveats"]


def test_smudging_ignores_cog_position():
    prof = profile(scores([("p", "tms_cog_x", "longissimus", "left", 2.0, np.nan, 1)]),
                   subjects(("p", "recurrent_lbp")), mechanisms=["motor_cortex_smudging"])
    assert status_of(prof, "motor_cortex_smudging")["status"] == "not_assessed"


def test_subjects_are_judged_independently(rng):
    metrics = ["ppt", "tsp_diff", "cpm_effect", "cpt", "tpd", "crp"]
    rows = [(f"s{i}", m, "lumbar" if m != "crp" else "none",
             "left" if m != "crp" else "none", 100.0, float(z))
            for i in range(6) for m, z in zip(metrics, rng.normal(1.5, 1.5, len(metrics)),
                                              strict=True)]
    subj = subjects(*[(f"s{i}", "chronic_lbp") for i in range(6)])
    together = profile(scores(rows), subj)
    alone = pd.concat([profile(scores([r for r in rows if r[0] == f"s{i}"]),
                               subj[subj["subject"] == f"s{i}"]) for i in range(6)],
                      ignore_index=True)
    pd.testing.assert_frame_equal(together, alone)


def test_settings_overrides_change_the_boundary():
    prof = profile(scores([("p", "ppt", "lumbar", "left", 200.0, 2.4)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["pressure_hyperalgesia"],
                   p_indicated=0.95)
    # 1.96 + Phi^-1(0.95) * sqrt(0.2) = 1.96 + 1.644854 * 0.447214 = 2.6956 > 2.4
    assert status_of(prof, "pressure_hyperalgesia")["status"] == "inconclusive"
    prof = profile(scores([("p", "ppt", "lumbar", "left", 200.0, 2.4)]),
                   subjects(("p", "chronic_lbp")), mechanisms=["pressure_hyperalgesia"],
                   settings=ProfileSettings(icc={"ppt": 0.99}))
    assert status_of(prof, "pressure_hyperalgesia")["status"] == "indicated"


def test_bad_input_raises_clear_errors():
    good = scores([("p", "ppt", "lumbar", "left", 200.0, 2.4)])
    with pytest.raises(ValueError, match="without a row in the subjects table: p"):
        profile(good, subjects(("q", "chronic_lbp")))
    with pytest.raises(ValueError, match="unknown condition"):
        profile(good, subjects(("p", "back_ache")))
    with pytest.raises(ValueError, match="missing the column"):
        profile(good.drop(columns="z"), subjects(("p", "chronic_lbp")))
    with pytest.raises(ValueError, match="unknown mechanism"):
        profile(good, subjects(("p", "chronic_lbp")), mechanisms=["wind_up"])
    with pytest.raises(ValueError, match="p_not_indicated < p_indicated"):
        ProfileSettings(p_indicated=0.1)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        ProfileSettings(icc={"ppt": 1.0})


def test_empty_scores_give_empty_profile():
    prof = profile(scores([]).reindex(columns=["subject", "visit", "metric", "value", "z"]),
                   subjects(("p", "chronic_lbp")))
    assert prof.empty and "status" in prof.columns
