"""Every script of the examples gallery runs and writes sensible outputs.

Each example runs in a fresh interpreter (``sys.executable -W error``, so a
warning in an example fails as it would in the test suite) with a temporary
output directory as its only argument and the temporary directory as working
directory, so nothing is written into the repository.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from painmech.cohort import CLAIMS, VERDICTS
from painmech.longitudinal import NORMALISATION_COLUMNS
from painmech.mechanisms import STATUSES
from painmech.registry import MECHANISMS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TIMEOUT_S = 600  # generous: CI machines are shared; the scripts take ~5–45 s


def _run(name: str, tmp_path: Path) -> tuple[Path, str]:
    out = tmp_path / "out"
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-W", "error", str(EXAMPLES / name), str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return out, proc.stdout


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False)


def _check_profile(prof: pd.DataFrame) -> None:
    assert set(prof["mechanism"]) == set(MECHANISMS)
    assert set(prof["status"]) <= set(STATUSES)


def test_every_example_is_tested_and_listed():
    scripts = sorted(p.name for p in EXAMPLES.glob("[0-9][0-9]_*.py"))
    assert scripts == sorted(CHECKS)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert all(s in readme for s in scripts)


def check_patient_report(out: Path, stdout: str) -> None:
    prof = _csv(out / "profile.csv")
    _check_profile(prof)
    assert len(prof) == 10 and prof["subject"].eq("LBP-0042").all()
    # no imaging/TMS/tDCS/fMRI data for this patient: never 'not_indicated'
    imaging = prof.set_index("mechanism").loc[["grey_matter", "functional_connectivity"]]
    assert imaging["status"].eq("not_assessed").all()
    obs = _csv(out / "observations.csv")
    ppt = obs[obs["measure"].eq("ppt")]
    # 2.1 kgf/cm² × 98.0665 kPa per kgf/cm² = 205.94 kPa
    assert ppt["value"].iloc[0] == pytest.approx(205.93965)
    assert set(ppt["unit"]) == {"kPa"}
    scores = _csv(out / "scores.csv")
    assert scores["ref"].eq("simulated_controls").any()
    en = (out / "report_en.html").read_text(encoding="utf-8")
    de = (out / "report_de.html").read_text(encoding="utf-8")
    assert "LBP-0042" in en and "LBP-0042" in de
    assert 'lang="de"' in de and 'lang="en"' in en
    for lang in ("en", "de"):
        pdf = out / f"report_{lang}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-"


def check_import_study(out: Path, stdout: str) -> None:
    problems = _csv(out / "problems.csv")
    assert list(problems.columns) == ["file", "row", "column", "value", "reason"]
    # one planted mistake per data row 2–6 of the faulty file
    assert problems["row"].tolist() == [2, 3, 4, 5, 6]
    assert problems["column"].tolist() == ["measure", "value", "unit", "subject", "site"]
    assert "did you mean ppt" in problems["reason"].iloc[0]
    german = (out / "messwerte_zentrum_a.csv").read_bytes().decode("latin-1")
    assert ";" in german and "N/cm²" in german
    with sqlite3.connect(out / "study.sqlite") as con:
        n_obs = con.execute("select count(*) from observations").fetchone()[0]
        n_sub = con.execute("select count(*) from subjects").fetchone()[0]
    # the shipped example study: 336 observations of 12 subjects; the faulty
    # file added nothing
    assert (n_obs, n_sub) == (336, 12)
    assert "faulty file    stored: False" in stdout


def check_longitudinal(out: Path, stdout: str) -> None:
    # individual SEM 36.7 kPa (Balaguier et al. 2016): +40 kPa → RCI = 40 / (√2 · 36.7) = 0.77,
    # +110 kPa → RCI = 110 / 51.90 = 2.12
    assert "RCI = 0.77 → within measurement error" in stdout
    assert "RCI = 2.12 → reliable" in stdout
    cited = _csv(out / "reliability_cited.csv")
    assert cited["source"].str.startswith("published: ").all()
    change = _csv(out / "reliable_change.csv")
    assert {"reliable_improvement", "no_reliable_change"} <= set(change["status"])
    retest = _csv(out / "reliability_retest.csv")
    assert retest["source"].str.startswith("study retest (n=").all()
    norm = _csv(out / "normalisation.csv")
    assert set(NORMALISATION_COLUMNS) <= set(norm.columns)
    assert "normalised_with_recovery" in set(norm["status"])
    assert (out / "trajectories.csv").stat().st_size > 0


def check_cohort_claims(out: Path, stdout: str) -> None:
    claims = _csv(out / "claims.csv")
    assert claims["claim"].tolist() == [c.id for c in CLAIMS]
    assert set(claims["verdict"]) <= set(VERDICTS)
    assert claims["verdict"].eq("supported").sum() >= 10
    # one family: every testable claim's interval at 1 - 0.05/m
    testable = claims["verdict"].ne("not_testable")
    levels = pd.to_numeric(claims.loc[testable, "ci_level"])
    assert levels.to_numpy() == pytest.approx(1 - 0.05 / testable.sum())
    with_ts = _csv(out / "claims_ts.csv").set_index("claim")
    without = _csv(out / "claims_without_ts.csv").set_index("claim")
    # the focused family of the 3 temporal-summation claims
    assert pd.to_numeric(with_ts["ci_level"]).to_numpy() == pytest.approx(1 - 0.05 / 3)
    assert with_ts.loc["ts_raised", "verdict"] == "supported"
    assert without.loc["ts_raised", "verdict"] != "supported"


def check_simulator_recovery(out: Path, stdout: str) -> None:
    _check_profile(_csv(out / "profile.csv"))
    truth = _csv(out / "truth.csv")
    assert set(truth["mechanism"]) == set(MECHANISMS)
    recovery = _csv(out / "recovery.csv")
    assert set(recovery["mechanism"]) == set(MECHANISMS)
    for col in ("sensitivity", "specificity", "auc"):
        values = pd.to_numeric(recovery[col], errors="coerce").dropna()
        assert values.between(0, 1).all()
    by_trials = _csv(out / "recovery_by_trials.csv")
    assert set(by_trials["trials"].astype(str)) == {"protocol", "1"}
    assert (out / "recovery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def check_dask(out: Path, stdout: str) -> None:
    assert "identical on all three routes" in stdout
    prof = _csv(out / "profile.csv")
    _check_profile(prof)
    assert prof["subject"].nunique() == 200
    assert len(list((out / "observations").glob("part-*.parquet"))) == 4
    assert len(list((out / "profile").glob("part-*.parquet"))) == 4
    assert (out / "reference.json").exists()


CHECKS = {
    "01_patient_profile_report.py": check_patient_report,
    "02_import_study_csv.py": check_import_study,
    "03_longitudinal_monitoring.py": check_longitudinal,
    "04_cohort_claims.py": check_cohort_claims,
    "05_simulator_recovery.py": check_simulator_recovery,
    "06_scaling_with_dask.py": check_dask,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_and_writes_its_outputs(name, tmp_path):
    out, stdout = _run(name, tmp_path)
    CHECKS[name](out, stdout)
