"""`painmech metrics` and `painmech zscore` through Typer's test runner."""

import pandas as pd
from typer.testing import CliRunner

from painmech.cli import app
from painmech.datasets import dataset_path

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


def _example():
    subj, obs = dataset_path("example")
    return str(subj), str(obs)


def test_metrics_writes_the_metrics_table(tmp_path):
    subj, obs = _example()
    out = tmp_path / "metrics.csv"
    result = runner.invoke(app, ["metrics", obs, "--subjects", subj, "-o", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert {"subject", "visit", "metric", "site", "side", "value", "unit", "n_trials",
            "method", "censored", "site_role"} <= set(table.columns)
    assert "ppt_side_diff" in set(table["metric"])
    assert f"of {table['subject'].nunique()} subjects" in result.output


def test_metrics_bad_input_exits_1_with_the_problem_table(tmp_path):
    bad = tmp_path / "obs.csv"
    bad.write_text("subject,visit,measure,site,side,trial,value,unit\n"
                   "s1,1,ppt,lumbar,left,1,300,kPa\n"
                   "s1,1,pptx,lumbar,left,1,300,kPa\n"
                   "s1,1,ppt,lumbar,left,2,-5,kPa\n")
    result = runner.invoke(app, ["metrics", str(bad), "-o", str(tmp_path / "m.csv")], env=WIDE)
    assert result.exit_code == 1
    assert "unknown measure" in result.output and "outside hard limits" in result.output
    assert "nothing was written" in result.output
    assert not (tmp_path / "m.csv").exists()


def test_zscore_without_ref_fits_on_healthy_subjects_and_says_so(tmp_path):
    subj, obs = _example()
    metrics = tmp_path / "metrics.csv"
    runner.invoke(app, ["metrics", obs, "-s", subj, "-o", str(metrics)])
    scores = tmp_path / "scores.csv"
    result = runner.invoke(app, ["zscore", str(metrics), "-s", subj, "-o", str(scores),
                                 "--min-n", "3", "--save-ref", str(tmp_path / "ref"),
                                 "--qc", str(tmp_path / "qc.csv")], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "no --ref given" in result.output and "6 healthy subjects" in result.output
    table = pd.read_csv(scores, keep_default_na=False, na_values=[""])
    assert {"z", "ref", "direction", "abnormal", "score_note"} <= set(table.columns)
    assert set(table.loc[table["z"].notna(), "ref"]) == {"fitted_from_input"}
    assert (tmp_path / "ref.csv").exists() and (tmp_path / "ref.json").exists()
    assert set(pd.read_csv(tmp_path / "qc.csv")["level"]) == {"subject", "parameter"}

    # the saved set, used with --ref on the observations file, gives the same z
    again = tmp_path / "scores2.csv"
    result = runner.invoke(app, ["zscore", obs, "-s", subj, "--ref", str(tmp_path / "ref.csv"),
                                 "-o", str(again)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "reference set fitted_from_input" in result.output
    z1 = table["z"].to_numpy()
    z2 = pd.read_csv(again)["z"].to_numpy()
    assert ((abs(z1 - z2) < 1e-6) | (pd.isna(z1) & pd.isna(z2))).all()


def test_zscore_refuses_input_without_controls_or_reference(tmp_path):
    subj = tmp_path / "subjects.csv"
    subj.write_text("subject,sex,age,condition\np1,female,40,chronic_lbp\n")
    obs = tmp_path / "obs.csv"
    obs.write_text("subject,visit,measure,site,side,trial,value,unit\n"
                   "p1,1,ppt,lumbar,left,1,300,kPa\n")
    result = runner.invoke(app, ["zscore", str(obs), "-s", str(subj), "-o",
                                 str(tmp_path / "z.csv")], env=WIDE)
    assert result.exit_code == 1
    assert "no healthy subjects" in result.output


def test_zscore_refuses_a_file_that_is_neither_metrics_nor_observations(tmp_path):
    subj, _ = _example()
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["zscore", str(other), "-s", subj, "-o",
                                 str(tmp_path / "z.csv")], env=WIDE)
    assert result.exit_code == 1
    assert "neither a metrics table" in result.output


def test_zscore_lists_bad_metric_rows(tmp_path):
    subj, _ = _example()
    bad = tmp_path / "metrics.csv"
    bad.write_text("subject,visit,metric,site,side,value,unit\n"
                   "ex01,1,ppt,lumbar,left,300,kPa\n"
                   "ex01,1,pptt,lumbar,left,300,kPa\n"
                   "ex01,1,ppt,lumbar,right,300,N/cm2\n")
    result = runner.invoke(app, ["zscore", str(bad), "-s", subj, "-o",
                                 str(tmp_path / "z.csv")], env=WIDE)
    assert result.exit_code == 1
    assert "unknown metric" in result.output
    assert "unit differs from the metric's registered unit" in result.output
