"""`painmech validate-profiler` on a tiny cohort, and the recovery figure."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.cli._recovery import parse_noise_scales, parse_trials
from painmech.simulation import VALIDATION_COLUMNS

runner = CliRunner()


def test_validate_profiler_writes_table_and_figure(tmp_path):
    result = runner.invoke(app, ["validate-profiler", "--n", "30", "--n-controls", "40",
                                 "--seed", "2", "--trials", "protocol,1",
                                 "--conditions", "chronic_lbp", "--instruments", "none",
                                 "-o", str(tmp_path)], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "recovery.csv", dtype={"trials": str})
    assert list(table.columns) == VALIDATION_COLUMNS
    assert len(table) == 2 * 10
    assert set(table["trials"]) == {"protocol", "1"}
    assert set(table["scenario"]) == {"default"} and set(table["noise_scale"]) == {1.0}
    png = (tmp_path / "recovery.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Recovery of simulated mechanisms" in result.output
    md = (tmp_path / "recovery.md").read_text(encoding="utf-8")
    assert md.startswith("# Recovery validation")


def test_study_runs_the_three_sweeps_and_writes_the_document(tmp_path):
    result = runner.invoke(app, ["validate-profiler", "--study", "--n", "24",
                                 "--n-controls", "30", "--seed", "3", "--trials", "protocol,1",
                                 "--scenarios", "default,psychological_cpt",
                                 "--noise-scales", "1,2", "--conditions", "chronic_lbp",
                                 "--instruments", "none", "-o", str(tmp_path)],
                           env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "recovery.csv", dtype={"trials": str})
    runs = set(map(tuple, table[["scenario", "noise_scale", "trials"]].drop_duplicates()
                   .itertuples(index=False)))
    # baseline once, one more trial level, one more scenario, one more noise scale
    assert runs == {("default", 1.0, "protocol"), ("default", 1.0, "1"),
                    ("psychological_cpt", 1.0, "protocol"), ("default", 2.0, "protocol")}
    md = (tmp_path / "recovery.md").read_text(encoding="utf-8")
    assert "## By scenario" in md and "psychological_cpt" in md
    assert "## By measurement reliability" in md and "AUC 2 |" in md


def test_bad_trials_fail_cleanly(tmp_path):
    result = runner.invoke(app, ["validate-profiler", "--n", "5", "--trials", "many",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "--trials takes" in result.output


def test_parse_trials():
    assert parse_trials("protocol,1,3") == [None, 1, 3]
    with pytest.raises(ValueError, match="at least one level"):
        parse_trials(" , ")


def test_parse_noise_scales():
    assert parse_noise_scales("0.5, 1,2") == [0.5, 1.0, 2.0]
    with pytest.raises(ValueError, match="numbers > 0"):
        parse_noise_scales("loud")


def test_bad_scenario_fails_cleanly(tmp_path):
    result = runner.invoke(app, ["validate-profiler", "--n", "5", "--scenarios", "martian",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown scenario" in result.output
