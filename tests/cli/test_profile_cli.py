"""`painmech profile` on the shipped example study."""

import pandas as pd
from typer.testing import CliRunner

from painmech.cli import app
from painmech.datasets import dataset_path
from painmech.io import read_observations, read_subjects
from painmech.measures import compute_metrics
from painmech.mechanisms import PROFILE_COLUMNS, STATUSES
from painmech.norms import ReferenceSet

runner = CliRunner()


def test_profile_fits_reference_from_healthy_subjects_and_says_so(tmp_path):
    subj, obs = dataset_path("example")
    out = tmp_path / "profile.csv"
    result = runner.invoke(app, ["profile", str(obs), "--subjects", str(subj), "-o", str(out),
                                 "--min-n", "5", "--scores", str(tmp_path / "scores.csv")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "no --ref given" in result.output and "healthy subjects" in result.output
    prof = pd.read_csv(out, keep_default_na=False)
    assert list(prof.columns) == PROFILE_COLUMNS
    n_units = len(pd.read_csv(tmp_path / "scores.csv")[["subject", "visit"]]
                  .drop_duplicates())
    assert len(prof) == 10 * n_units
    assert set(prof["status"]) <= set(STATUSES)
    # the example has no imaging: never "not_indicated" without data
    gm = prof[prof["mechanism"] == "grey_matter"]
    assert set(gm["status"]) == {"not_assessed"}


def test_profile_with_a_saved_reference(tmp_path):
    subj_path, obs_path = dataset_path("example")
    subj = read_subjects(subj_path)
    metrics = compute_metrics(read_observations(obs_path, subjects=subj), subj)
    ref = ReferenceSet("lab_ref", min_n=5).fit(metrics, subj)
    csv, _ = ref.save(tmp_path / "lab_ref.csv")
    out = tmp_path / "profile.csv"
    result = runner.invoke(app, ["profile", str(obs_path), "--subjects", str(subj_path),
                                 "--ref", str(csv), "-o", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "no --ref given" not in result.output and "lab_ref" in result.output
    prof = pd.read_csv(out, keep_default_na=False)
    assert (prof.loc[prof["n_metrics"] > 0, "ref"].str.contains("lab_ref")).any()


def test_profile_without_healthy_subjects_and_without_ref_fails(tmp_path):
    subj_path, obs_path = dataset_path("example")
    subj = pd.read_csv(subj_path)
    patients = subj[subj["condition"] != "healthy"]
    patients.to_csv(tmp_path / "patients.csv", index=False)
    obs = pd.read_csv(obs_path)
    obs[obs["subject"].isin(patients["subject"])].to_csv(tmp_path / "obs.csv", index=False)
    result = runner.invoke(app, ["profile", str(tmp_path / "obs.csv"), "--subjects",
                                 str(tmp_path / "patients.csv"), "-o",
                                 str(tmp_path / "p.csv")])
    assert result.exit_code == 1
    assert "no healthy subjects" in result.output
    assert not (tmp_path / "p.csv").exists()


def test_profile_of_a_partitioned_dataset_equals_the_single_file(tmp_path):
    from painmech.distributed import read_profile
    from painmech.io import write_partitioned

    subj_path, obs_path = dataset_path("example")
    subj = read_subjects(subj_path)
    obs = read_observations(obs_path, subjects=subj)
    write_partitioned(obs[["subject", "visit", "measure", "site", "side", "trial", "value",
                           "unit"]], tmp_path / "obs", 3)
    single = tmp_path / "profile.parquet"
    args = ["--subjects", str(subj_path), "--min-n", "5"]
    assert runner.invoke(app, ["profile", str(obs_path), "-o", str(single), *args]).exit_code == 0
    result = runner.invoke(app, ["profile", str(tmp_path / "obs"), "-o", str(tmp_path / "out"),
                                 *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "fitted the reference set" in result.output
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 3
    expected = pd.read_parquet(single)
    back = read_profile(tmp_path / "out")
    key = ["subject", "visit", "mechanism"]
    pd.testing.assert_frame_equal(back.sort_values(key).reset_index(drop=True),
                                  expected.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)


def test_profile_dataset_directory_needs_an_output_directory(tmp_path):
    from painmech.io import write_partitioned

    subj_path, obs_path = dataset_path("example")
    subj = read_subjects(subj_path)
    obs = read_observations(obs_path, subjects=subj)
    write_partitioned(obs, tmp_path / "obs", 2)
    result = runner.invoke(app, ["profile", str(tmp_path / "obs"), "-s", str(subj_path),
                                 "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 1
    assert "must be a directory" in result.output
