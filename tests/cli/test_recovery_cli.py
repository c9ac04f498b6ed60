"""`painmech validate-profiler` on a tiny cohort, and the recovery figure."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.cli._recovery import parse_trials
from painmech.simulation import RECOVERY_COLUMNS

runner = CliRunner()


def test_validate_profiler_writes_table_and_figure(tmp_path):
    result = runner.invoke(app, ["validate-profiler", "--n", "30", "--n-controls", "40",
                                 "--seed", "2", "--trials", "protocol,1",
                                 "--conditions", "chronic_lbp", "--instruments", "none",
                                 "-o", str(tmp_path)], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "recovery.csv", dtype={"trials": str})
    assert list(table.columns) == ["trials", *RECOVERY_COLUMNS]
    assert len(table) == 2 * 10
    assert set(table["trials"]) == {"protocol", "1"}
    png = (tmp_path / "recovery.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Recovery of simulated mechanisms" in result.output


def test_bad_trials_fail_cleanly(tmp_path):
    result = runner.invoke(app, ["validate-profiler", "--n", "5", "--trials", "many",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "--trials takes" in result.output


def test_parse_trials():
    assert parse_trials("protocol,1,3") == [None, 1, 3]
    with pytest.raises(ValueError, match="at least one level"):
        parse_trials(" , ")
