"""`painmech cohort DIR` and `painmech claims DIR -o claims.csv` through Typer's runner."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.cli._cohort import load_study
from painmech.cohort import CLAIMS, VERDICTS
from painmech.exceptions import InputFormatError
from painmech.measures import study_metrics
from painmech.simulation import simulate_cohort

runner = CliRunner()
_SPEC = importlib.util.spec_from_file_location(
    "cohort_synth", Path(__file__).resolve().parents[1] / "cohort" / "synth.py")
synth = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(synth)


def _metrics_folder(tmp_path):
    subjects, metrics, _ = synth.make_cohort(seed=7)
    subjects.to_csv(tmp_path / "subjects.csv", index=False)
    metrics.to_csv(tmp_path / "metrics.csv", index=False)
    return tmp_path


def test_claims_command_writes_table(tmp_path):
    folder = _metrics_folder(tmp_path)
    out = tmp_path / "claims.csv"
    result = runner.invoke(app, ["claims", str(folder), "-o", str(out), "--n-boot", "300"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table["claim"].tolist() == [c.id for c in CLAIMS]
    verdicts = table.set_index("claim")["verdict"]
    assert verdicts["ppt_local_lower"] == "supported"
    assert verdicts["smudging_present"] == "not_testable"
    # every verdict is counted, including "absent"; the level of the intervals is named
    assert all(f"{v}:" in result.output for v in VERDICTS)
    assert "1 − 0.05/19" in result.output


def test_cohort_command_writes_tables(tmp_path):
    folder = _metrics_folder(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["cohort", str(folder), "-o", str(out), "--n-boot", "200"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"subjects.csv", "comparison.csv",
                                               "associations.csv", "whiplash.csv"}
    comp = pd.read_csv(out / "comparison.csv")
    assert {"g", "ci_low", "ci_high", "p"} <= set(comp.columns)
    assert "Whiplash prognostic rules" in result.output


def test_claims_from_observations(tmp_path, rng):
    # 30 back-pain patients and 30 controls, PPT 3 trials per side at the lumbar site
    n = 60
    subjects = pd.DataFrame({"subject": [f"p{i:02d}" for i in range(n)],
                             "sex": rng.choice(["female", "male"], n),
                             "age": rng.uniform(25, 60, n).round(),
                             "condition": ["chronic_lbp"] * 30 + ["healthy"] * 30})
    level = np.where(subjects["condition"] == "healthy", 450.0, 300.0)
    rows = [(s, 0, "ppt", "lumbar", side, t, float(lv * rng.lognormal(0, 0.1)), "kPa")
            for s, lv in zip(subjects["subject"], level, strict=True)
            for side in ("left", "right") for t in (1, 2, 3)]
    rows += [(s, 0, "pain_intensity", "none", "none", 1, 5.0 if c != "healthy" else 0.0,
              "nrs10") for s, c in zip(subjects["subject"], subjects["condition"], strict=True)]
    obs = pd.DataFrame(rows, columns=["subject", "visit", "measure", "site", "side", "trial",
                                      "value", "unit"])
    subjects.to_csv(tmp_path / "subjects.csv", index=False)
    obs.to_csv(tmp_path / "observations.csv", index=False)
    out = tmp_path / "claims.csv"
    result = runner.invoke(app, ["claims", str(tmp_path), "-o", str(out), "--n-boot", "200"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out).set_index("claim")
    assert table.loc["ppt_local_lower", "verdict"] == "supported"
    assert table.loc["ppt_tracks_pain", "verdict"] == "not_testable"  # one visit only


def test_bad_folder_exits_with_message(tmp_path):
    result = runner.invoke(app, ["claims", str(tmp_path / "missing")], env={"COLUMNS": "250"})
    assert result.exit_code == 1
    assert "is not a folder" in result.output
    result = runner.invoke(app, ["cohort", str(tmp_path)], env={"COLUMNS": "250"})
    assert result.exit_code == 1
    assert "no subjects.csv" in result.output


def test_study_folder_reads_roi_parquet_as_written_by_simulate(tmp_path):
    sim = simulate_cohort(4, ["healthy", "chronic_lbp"], seed=5)
    files = sim.write(tmp_path, roi_format="parquet")
    assert files["roi"].suffix == ".parquet"
    _, metrics = load_study(tmp_path)
    fc_from_files = metrics[metrics["metric"].str.startswith("fc")].reset_index(drop=True)
    expected = study_metrics(sim.observations, sim.subjects, roi=sim.roi)
    expected = expected[expected["metric"].str.startswith("fc")].reset_index(drop=True)
    assert len(fc_from_files) > 0
    pd.testing.assert_series_equal(fc_from_files["value"], expected["value"], rtol=1e-9)
    # a second copy of the same table is ambiguous and refused
    pd.read_parquet(files["roi"]).to_csv(tmp_path / "roi.csv", index=False)
    with pytest.raises(InputFormatError, match="both roi.csv and roi.parquet"):
        load_study(tmp_path)
