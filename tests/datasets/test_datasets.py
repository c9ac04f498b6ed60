"""Shipped example data equal their recipe and pass validation."""

import pandas as pd

from painmech.datasets import dataset_path, list_datasets
from painmech.datasets._make_example import make_example
from painmech.io import read_observations, read_subjects


def test_example_files_match_recipe():
    subj_path, obs_path = dataset_path("example")
    subj, obs = make_example()
    pd.testing.assert_frame_equal(pd.read_csv(subj_path), subj, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(obs_path), obs, check_dtype=False)


def test_example_validates():
    subj_path, obs_path = dataset_path("example")
    subjects = read_subjects(subj_path)
    obs = read_observations(obs_path, subjects=subjects)
    assert set(subjects["condition"]) == {"healthy", "chronic_lbp"}
    assert obs["subject"].nunique() == 12
    assert "example" in list_datasets()
