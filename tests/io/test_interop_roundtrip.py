"""Every registered measure survives painmech → REDCap → painmech and → BIDS → painmech.

The format-specific tests (test_redcap.py, test_bids.py) round-trip a handful
of measures. This test covers the whole registry: a simulated cohort supplies
realistic trial-level data for every measure the simulator produces, and one
row is added for each remaining measure (a value in the middle of its usual
range, else of its hard limits; whole for integer measures). A measure
registered later is picked up automatically. Values must come back bit for
bit and units unchanged; the expected values are the input table itself.
"""

import numpy as np
import pandas as pd
import pytest

from painmech.io.bids import read_bids, write_bids
from painmech.io.redcap import (
    event_visits,
    mapping_from_dictionary,
    read_redcap_dictionary,
    read_redcap_records,
    write_redcap,
)
from painmech.measures import compute_metrics
from painmech.registry import MEASURES, NO_SITE, validate_observations
from painmech.simulation import simulate_cohort

KEY = ["subject", "visit", "measure", "site", "side", "trial"]
COLS = [*KEY, "value", "unit"]
# one valid site per site kind of the registry (body site ids, brain regions,
# connectivity edges 'roi_a__roi_b', TMS muscles)
_SITE_OF_KIND = {"body": "lumbar", "brain": "thalamus_left", "edge": "pfc__pag",
                 "muscle": "multifidus", "none": NO_SITE}


def _filler_rows(missing: set[str], subjects: pd.Series) -> pd.DataFrame:
    rows = []
    for mid in sorted(missing):
        m = MEASURES[mid]
        lo, hi = m.usual if m.usual else m.hard
        site = _SITE_OF_KIND[m.site_kind]
        side = NO_SITE if site == NO_SITE else "left"
        mid_value = (lo + hi) / 2
        value = float(np.floor(mid_value) if m.integer else np.round(mid_value, 3))
        rows += [(s, v, mid, site, side, 1, value, m.unit) for s in subjects for v in (0, 1)]
    return pd.DataFrame(rows, columns=COLS)


@pytest.fixture(scope="module")
def study():
    sim = simulate_cohort(4, conditions=["healthy", "chronic_lbp"], visits=2, seed=11,
                          instruments=())
    obs = sim.observations[COLS]
    extra = _filler_rows(set(MEASURES) - set(obs["measure"]), sim.subjects["subject"])
    table = pd.concat([obs, extra], ignore_index=True)
    validated = validate_observations(table, warn=False).raise_if_problems()
    return sim.subjects, validated


def _sorted(frame: pd.DataFrame, cols=COLS, key=KEY) -> pd.DataFrame:
    out = frame[cols].sort_values(key).reset_index(drop=True)
    # compare text columns as plain str: readers and the simulator may choose
    # different (equivalent) string dtypes
    return out.astype({c: str for c in cols if c not in ("visit", "trial", "value")})


def test_fixture_covers_every_registered_measure(study):
    _, obs = study
    assert set(obs["measure"]) == set(MEASURES)


def test_redcap_round_trip_of_every_measure(study, tmp_path):
    _, obs = study
    paths = write_redcap(obs, tmp_path)
    dd = read_redcap_dictionary(paths["dictionary"])
    events = event_visits(pd.read_csv(paths["events"]), by="label")
    back = read_redcap_records(paths["records"], mapping_from_dictionary(dd), events=events,
                               dictionary=dd, warn=False)
    a, b = _sorted(obs), _sorted(back)
    pd.testing.assert_frame_equal(a, b)
    assert np.array_equal(a["value"].to_numpy(), b["value"].to_numpy())  # bit for bit


def test_bids_round_trip_of_every_measure_subject_and_metric(study, tmp_path):
    subjects, obs = study
    metrics = compute_metrics(obs, subjects)
    # a few phenotype files (one per instrument family) rather than one per measure
    tools = {m: ("questionnaires" if MEASURES[m].site_kind == "none" else "battery")
             for m in obs["measure"].unique()}
    write_bids(tmp_path, subjects=subjects, observations=obs, metrics=metrics, tools=tools)
    back = read_bids(tmp_path, warn=False)
    pd.testing.assert_frame_equal(_sorted(obs), _sorted(back.observations))
    scols = ["subject", "sex", "age", "condition"]
    pd.testing.assert_frame_equal(_sorted(subjects, scols, ["subject"]),
                                  _sorted(back.subjects, scols, ["subject"]))
    mcols = ["subject", "visit", "metric", "site", "side", "value", "unit"]
    kept = metrics.dropna(subset=["value"])  # n/a cells are not written
    assert kept["metric"].nunique() > 20
    pd.testing.assert_frame_equal(_sorted(kept, mcols, mcols[:5]),
                                  _sorted(back.metrics, mcols, mcols[:5]))
