"""The claims check on the virtual-patient simulator: switching a mechanism off in
the patients (forcing its healthy value) turns its claim from supported into
inconclusive, and leaves the other claims alone."""

import pandas as pd
import pytest

from painmech.cohort import check_claims
from painmech.measures import compute_metrics, homeostatic_metrics
from painmech.simulation import MECHANISM_PARAMS, simulate_cohort

SWITCHED = ("homeostatic_plasticity", "somatosensory_deficit")


def _claims(force):
    res = simulate_cohort(240, {"healthy": 0.5, "chronic_lbp": 0.5}, visits=1, seed=3,
                          instruments=("tdcs",), force=force)
    metrics = pd.concat([compute_metrics(res.observations, res.subjects),
                         homeostatic_metrics(res.tdcs)], ignore_index=True)
    return check_claims(res.subjects, metrics, n_boot=500).set_index("claim")


@pytest.fixture(scope="module")
def on_off():
    off = {m: MECHANISM_PARAMS[m].healthy for m in SWITCHED}
    return _claims(None), _claims(off)


def test_simulated_mechanisms_are_recovered(on_off):
    on, _ = on_off
    for claim in ("homeostatic_lost", "tpd_worse", "graphaesthesia_worse"):
        assert on.loc[claim, "verdict"] == "supported", claim
    # TMS maps were not simulated: no map metric, so the claims cannot be tested
    assert on.loc["smudging_present", "verdict"] == "not_testable"
    assert on.loc["ts_normalises", "verdict"] == "not_testable"  # one visit only


def test_switched_off_mechanisms_are_not_supported(on_off):
    on, off = on_off
    for claim in ("homeostatic_lost", "tpd_worse", "graphaesthesia_worse"):
        assert off.loc[claim, "verdict"] == "inconclusive", claim
    # a mechanism left on keeps its verdict and effect
    assert off.loc["ppt_local_lower", "verdict"] == on.loc["ppt_local_lower", "verdict"]
    assert off.loc["ppt_local_lower", "effect"] == pytest.approx(
        on.loc["ppt_local_lower", "effect"], abs=0.2)
