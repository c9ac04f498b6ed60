"""Grey-matter metrics from the two real FreeSurfer subjects."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from painmech.io import read_freesurfer
from painmech.measures._imaging import greymatter_metrics

FS = Path(__file__).parents[1] / "data" / "freesurfer"


@pytest.fixture(scope="module")
def metrics():
    obs = read_freesurfer([FS / "fs741_subject", FS / "hcp_198451_fs53"],
                          subject=["fs7", "fs5"])
    return greymatter_metrics(obs)


def _get(m, subject, metric, side, col="value"):
    sel = m.loc[m["subject"].eq(subject) & m["metric"].eq(metric) & m["side"].eq(side), col]
    assert len(sel) == 1
    return sel.iloc[0]


@pytest.mark.parametrize("subject, side, rostral, caudal", [
    # ?h.aparc.stats GrayVol of rostralmiddlefrontal and caudalmiddlefrontal
    ("fs7", "left", 13195, 6303), ("fs7", "right", 15860, 6982),
    ("fs5", "left", 20325, 8645), ("fs5", "right", 20759, 8023),
])
def test_dlpfc_is_the_sum_of_two_parcels(metrics, subject, side, rostral, caudal):
    # e.g. fs7 left: 13195 + 6303 = 19498 mm³
    assert _get(metrics, subject, "gmv_dlpfc", side) == rostral + caudal


@pytest.mark.parametrize("subject, side, thalamus, etiv", [
    ("fs7", "left", 7280.7, 1464199.032007), ("fs7", "right", 6680.2, 1464199.032007),
    ("fs5", "left", 8627.3, 1764143.062994), ("fs5", "right", 7521.4, 1764143.062994),
])
def test_thalamus_and_fractions(metrics, subject, side, thalamus, etiv):
    assert _get(metrics, subject, "gmv_thalamus", side) == thalamus
    assert _get(metrics, subject, "gmv_thalamus_frac", side) == pytest.approx(thalamus / etiv)
    assert _get(metrics, subject, "etiv", "none") == etiv
    assert _get(metrics, subject, "gmv_thalamus", side, "site") == "none"


def test_dlpfc_fraction(metrics):
    # fs5 right: (20759 + 8023) / 1764143.062994 = 0.016315
    assert _get(metrics, "fs5", "gmv_dlpfc_frac", "right") == pytest.approx(0.016315, abs=1e-6)
    assert _get(metrics, "fs5", "gmv_dlpfc_frac", "right", "unit") == "ratio"


def _obs(rows):
    return pd.DataFrame(rows, columns=["subject", "measure", "site", "side", "value"]).assign(
        visit=0, trial=1, unit="mm3")


def test_hand_entered_dlpfc_missing_parcel_and_etiv():
    m = greymatter_metrics(_obs([
        ("a", "gmv", "dlpfc", "left", 20000.0),
        ("a", "gmv", "rostralmiddlefrontal", "right", 14000.0),  # caudal part missing
        ("a", "gmv", "thalamus", "left", 7000.0),
    ]))
    assert _get(m, "a", "gmv_dlpfc", "left") == 20000.0
    assert np.isnan(_get(m, "a", "gmv_dlpfc", "right"))
    assert _get(m, "a", "gmv_dlpfc", "right", "method") == "a DLPFC parcel is missing"
    assert np.isnan(_get(m, "a", "gmv_thalamus_frac", "left"))
    assert _get(m, "a", "gmv_thalamus_frac", "left", "method") == "no eTIV for this visit"


def test_other_measures_give_nothing():
    obs = _obs([("a", "crp", "none", "none", 1.0)])
    assert greymatter_metrics(obs).empty
