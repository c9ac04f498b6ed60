"""`painmech validate` and `--version` through Typer's test runner."""

import pandas as pd
from typer.testing import CliRunner

from painmech import __version__
from painmech.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_validate_accepts_german_file(data_dir):
    d = data_dir / "io"
    result = runner.invoke(app, ["validate", str(d / "obs_de.csv"), "--subjects",
                                 str(d / "subjects_de.csv")])
    assert result.exit_code == 0, result.output
    assert "valid: 9 observations, 2 subjects" in result.output


def test_validate_rejects_bad_file_listing_rows(data_dir, tmp_path):
    d = data_dir / "io"
    result = runner.invoke(app, ["validate", str(d / "obs_bad.csv"), "--subjects",
                                 str(d / "subjects_en.csv"), "-p", str(tmp_path / "p.csv")],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 1
    text = result.output
    assert "6 problem(s)" in text
    for fragment in ("duplicate key", "unknown measure", "unknown body site",
                     "no row in the subjects table", "outside hard limits", "empty value"):
        assert fragment in text
    written = pd.read_csv(tmp_path / "p.csv")
    assert written["row"].tolist() == [3, 4, 5, 5, 6, 7]


def test_validate_unparseable_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "empty" in result.output
