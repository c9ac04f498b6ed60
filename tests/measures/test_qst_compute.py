"""compute_metrics as the single entry point: table shape, checks, families."""

import pandas as pd
import pytest

from painmech.datasets import dataset_path
from painmech.exceptions import ValidationError
from painmech.io import read_observations, read_subjects
from painmech.measures import FAMILIES, METRIC_COLUMNS, MetricOptions, compute_metrics
from painmech.registry import MEASURES, METRICS


def make_obs(rows):
    df = pd.DataFrame(rows, columns=["subject", "measure", "site", "side", "trial", "value"])
    df.insert(1, "visit", 1)
    df["unit"] = df["measure"].map({m.id: m.unit for m in MEASURES.values()})
    return df.astype({"visit": "int64", "trial": "int64", "value": float})


@pytest.fixture(scope="module")
def example():
    subj_path, obs_path = dataset_path("example")
    subjects = read_subjects(subj_path)
    return subjects, read_observations(obs_path, subjects=subjects)


def test_metrics_table_columns_types_and_registered_units(example):
    subjects, obs = example
    m = compute_metrics(obs, subjects)
    assert list(m.columns) == [*METRIC_COLUMNS, "site_role"]
    assert m["visit"].dtype == "int64" and m["n_trials"].dtype == "int64"
    assert m["value"].dtype == "float64"
    assert set(m["metric"]) <= set(METRICS)
    assert (m["unit"] == m["metric"].map({k: v.unit for k, v in METRICS.items()})).all()
    assert not m.duplicated(["subject", "visit", "metric", "site", "side"]).any()


def test_site_role_follows_the_subjects_condition():
    rows = [("p", "ppt", "lumbar", "left", 1, 300.0), ("p", "ppt", "thenar", "left", 1, 400.0),
            ("h", "ppt", "lumbar", "left", 1, 350.0)]
    subjects = pd.DataFrame({"subject": ["p", "h"], "sex": ["female", "male"],
                             "age": [40.0, 41.0], "condition": ["chronic_lbp", "healthy"]})
    m = compute_metrics(make_obs(rows), subjects).set_index(["subject", "site"])
    # lumbar is local for low back pain, thenar remote; healthy people have no local site
    assert m.loc[("p", "lumbar"), "site_role"] == "local"
    assert m.loc[("p", "thenar"), "site_role"] == "remote"
    assert m.loc[("h", "lumbar"), "site_role"] == "remote"


def test_subject_missing_from_subjects_table_is_refused():
    obs = make_obs([("ghost", "ppt", "lumbar", "left", 1, 300.0)])
    subjects = pd.DataFrame({"subject": ["p"], "sex": ["female"], "age": [40.0],
                             "condition": ["healthy"]})
    with pytest.raises(ValidationError, match="no row in the subjects table") as err:
        compute_metrics(obs, subjects)
    assert err.value.problems["row"].tolist() == [2]


def test_non_canonical_units_and_unknown_measures_are_refused():
    obs = make_obs([("s", "ppt", "lumbar", "left", 1, 30.0), ("s", "ppt", "lumbar", "left", 2,
                                                              300.0)])
    obs.loc[0, "unit"] = "N/cm2"
    obs.loc[1, "measure"] = "pptx"
    with pytest.raises(ValidationError, match="canonical unit") as err:
        compute_metrics(obs)
    assert set(err.value.problems["column"]) == {"unit", "measure"}


def test_duplicate_trials_are_refused():
    obs = make_obs([("s", "ppt", "lumbar", "left", 1, 300.0),
                    ("s", "ppt", "lumbar", "left", 1, 310.0)])
    with pytest.raises(ValidationError, match="duplicate key"):
        compute_metrics(obs)


def test_missing_columns_are_refused():
    obs = make_obs([("s", "ppt", "lumbar", "left", 1, 300.0)]).drop(columns="trial")
    with pytest.raises(ValidationError, match="required column is missing"):
        compute_metrics(obs)


def test_every_family_consumes_registered_measures_only_once():
    seen = [m for fam in FAMILIES for m in fam.measures]
    assert len(seen) == len(set(seen))
    assert set(seen) <= set(MEASURES)


def test_empty_observations_give_an_empty_table():
    m = compute_metrics(make_obs([]))
    assert m.empty and list(m.columns) == METRIC_COLUMNS


def test_visits_are_kept_apart():
    obs = make_obs([("s", "ppt", "lumbar", "left", 1, 300.0),
                    ("s", "ppt", "lumbar", "left", 2, 320.0)])
    obs.loc[1, "visit"] = 2
    obs.loc[1, "trial"] = 1
    m = compute_metrics(obs)
    assert m["visit"].tolist() == [1, 2] and m["value"].tolist() == [300.0, 320.0]


@pytest.mark.parametrize("kwargs, match", [
    ({"mps_offset": 0.0}, "mps_offset"),
    ({"wur_offset": -1.0}, "wur_offset"),
    ({"odi_max_missing": -1}, "odi_max_missing"),
])
def test_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MetricOptions(**kwargs)
