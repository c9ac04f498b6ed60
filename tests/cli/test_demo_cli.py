"""`painmech demo`: the whole chain on a small virtual cohort, then the web app on its database."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.mechanisms import STATUSES
from painmech.registry import MECHANISMS

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "painmech-demo"
    result = runner.invoke(app, ["demo", "--n", "40", "--seed", "7", "-o", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_writes_every_stage(demo_run):
    out, output = demo_run
    for step in range(1, 8):
        assert f"{step}/7" in output
    subjects = pd.read_csv(out / "cohort" / "subjects.csv")
    # DEMO_CONDITIONS: half of the 40 are healthy controls
    assert (subjects["condition"] == "healthy").sum() == 20
    prof = pd.read_csv(out / "profile.csv", keep_default_na=False)
    assert set(prof["mechanism"]) == set(MECHANISMS)
    assert set(prof["status"]) <= set(STATUSES)
    # 40 people x 2 visits x 10 mechanisms
    assert len(prof) == 40 * 2 * 10
    claims = pd.read_csv(out / "claims.csv")
    assert {"claim", "verdict"} <= set(claims.columns) and len(claims) > 0
    reports = sorted(p.name for p in out.glob("report-*"))
    assert len(reports) == 4 and {p.rsplit(".", 1)[1] for p in reports} == {"html", "pdf"}
    assert all((out / r).stat().st_size > 1000 for r in reports)
    assert (out / "reference.json").exists()


def test_demo_database_opens_with_the_printed_login(demo_run):
    from painmech.api import create_app

    out, output = demo_run
    login = dict(line.split(": ", 1) for line in (out / "LOGIN.txt").read_text().splitlines())
    assert login["password"] in output and login["database"] in output.replace("\n", "")
    with TestClient(create_app(login["database"])) as client:
        assert client.get("/api/studies").status_code == 401
        me = client.post("/api/auth/login", json={"username": login["user"],
                                                  "password": login["password"]})
        assert me.status_code == 200, me.text
        studies = client.get("/api/studies").json()
        assert [(s["code"], s["n_subjects"]) for s in studies] == [("demo", 40)]


def test_demo_reruns_in_its_own_folder_but_refuses_a_foreign_one(demo_run, tmp_path):
    out, _ = demo_run
    again = runner.invoke(app, ["demo", "--n", "40", "--seed", "7", "-o", str(out)])
    assert again.exit_code == 0, again.output
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    refused = runner.invoke(app, ["demo", "-o", str(foreign)])
    assert refused.exit_code != 0
    assert "not made by 'painmech demo'" in refused.output
    assert (foreign / "thesis.docx").read_text() == "precious"
