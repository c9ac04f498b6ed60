"""`painmech simulate`: reproducible study folders that painmech.io reads back."""

import hashlib

import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.cli._simulate import parse_conditions, parse_visits
from painmech.io import read_observations, read_subjects

runner = CliRunner()
_ARGS = ["--n", "12", "--conditions", "healthy,chronic_lbp", "--visits", "0,6",
         "--instruments", "tms,tdcs"]


def _run(folder, seed):
    result = runner.invoke(app, ["simulate", *_ARGS, "--seed", str(seed), "-o", str(folder)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path):
    _run(tmp_path / "a", 5)
    result = _run(tmp_path / "b", 5)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert set(a) == {"subjects.csv", "observations.csv", "tms.csv", "tdcs.csv", "roi.csv",
                      "truth.csv", "latent.csv"}
    assert a == b
    assert "chronic_lbp" in result.output and "wrote" in result.output


def test_different_seeds_differ(tmp_path):
    _run(tmp_path / "a", 5)
    _run(tmp_path / "b", 6)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a["observations.csv"] != b["observations.csv"]
    assert a["truth.csv"] != b["truth.csv"]


def test_files_read_back_through_painmech_io(tmp_path):
    _run(tmp_path, 1)
    subjects = read_subjects(tmp_path / "subjects.csv")
    obs = read_observations(tmp_path / "observations.csv", subjects=subjects)
    assert len(subjects) == 12
    assert set(subjects["condition"]) == {"healthy", "chronic_lbp"}
    assert set(obs["visit"]) == {0, 1}
    # every simulated row passes the registry's hard limits: none is dropped
    raw_rows = len((tmp_path / "observations.csv").read_text().splitlines()) - 1
    assert len(obs) == raw_rows
    assert set(obs["unit"]) <= {"kPa", "degC", "delta_degC", "mN", "nrs100", "nrs10", "x/8",
                                "flag", "mm", "mg/L", "pg/mL", "mm3", "percent", "score",
                                "month"}


def test_bad_input_fails_cleanly(tmp_path):
    result = runner.invoke(app, ["simulate", "--n", "5", "--conditions", "martian",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown condition" in result.output


@pytest.mark.parametrize("text, expected", [
    ("healthy,whiplash", ["healthy", "whiplash"]),
    ("healthy=1,whiplash=3", {"healthy": 1.0, "whiplash": 3.0}),
    ("", None),
])
def test_parse_conditions(text, expected):
    assert parse_conditions(text) == expected


def test_parse_visits():
    assert parse_visits("3") == 3
    assert parse_visits("0,6,12") == [0.0, 6.0, 12.0]
    with pytest.raises(ValueError, match="--visits must be"):
        parse_visits("three")


def test_noise_scale_and_scenario_options(tmp_path):
    base = ["simulate", "--n", "6", "--conditions", "chronic_lbp", "--instruments", "none",
            "--seed", "3"]
    for folder, extra in (("a", []), ("b", ["--noise-scale", "2"]),
                          ("c", ["--scenario", "psychological_cpt"])):
        result = runner.invoke(app, [*base, *extra, "-o", str(tmp_path / folder)])
        assert result.exit_code == 0, result.output
    a, b, c = (_hashes(tmp_path / f) for f in "abc")
    assert a["truth.csv"] == b["truth.csv"]  # same people, only the noise differs
    assert a["observations.csv"] != b["observations.csv"]
    assert a["observations.csv"] != c["observations.csv"]
    bad = runner.invoke(app, [*base, "--noise-scale", "0", "-o", str(tmp_path / "d")])
    assert bad.exit_code == 1 and "noise_scale must be" in bad.output
