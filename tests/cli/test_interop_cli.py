"""`painmech export redcap|bids|fhir` and `painmech import redcap|bids` round trips."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app

runner = CliRunner()
COLS = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]


@pytest.fixture
def files(tmp_path):
    obs = tmp_path / "obs.csv"
    obs.write_text(
        "subject,visit,measure,site,side,trial,value,unit\n"
        "P01,0,ppt,lumbar,left,1,41.2,N/cm2\nP01,0,ppt,lumbar,left,2,39.5,N/cm2\n"
        "P01,1,pain_intensity,,,1,6,nrs10\nP02,0,crp,,,1,0.12,mg/dL\n", encoding="utf-8")
    subj = tmp_path / "subjects.csv"
    subj.write_text("subject,sex,age,condition\nP01,f,45,chronic_lbp\nP02,m,38,healthy\n",
                    encoding="utf-8")
    return obs, subj


def _canon(frame):
    return frame[COLS].sort_values(COLS[:6]).reset_index(drop=True)


def test_redcap_export_then_import(files, tmp_path):
    obs, _ = files
    out = tmp_path / "rc"
    result = runner.invoke(app, ["export", "redcap", str(obs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = tmp_path / "back.csv"
    result = runner.invoke(app, ["import", "redcap", str(out / "data.csv"), "-d",
                                 str(out / "dictionary.csv"), "-e", str(out / "event.csv"),
                                 "--by", "label", "-o", str(back)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(back, dtype={"subject": str}).fillna({"site": "none", "side": "none"})
    # 41.2 N/cm² = 412 kPa; 0.12 mg/dL = 1.2 mg/L (registry factors 10 and 10)
    assert got.set_index(["subject", "measure", "trial"])["value"].to_dict() == pytest.approx(
        {("P01", "ppt", 1): 412.0, ("P01", "ppt", 2): 395.0, ("P01", "pain_intensity", 1): 6.0,
         ("P02", "crp", 1): 1.2})


def test_bids_export_then_import(files, tmp_path):
    obs, subj = files
    out = tmp_path / "bids"
    result = runner.invoke(app, ["export", "bids", "-o", str(out), "--observations", str(obs),
                                 "-s", str(subj)])
    assert result.exit_code == 0, result.output
    assert (out / "participants.tsv").is_file() and (out / "phenotype" / "ppt.json").is_file()
    back = tmp_path / "back"
    result = runner.invoke(app, ["import", "bids", str(out), "-o", str(back)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(back / "observations.csv", dtype={"subject": str})
    assert len(got) == 4 and set(got["unit"]) == {"kPa", "nrs10", "mg/L"}


def test_fhir_export_writes_a_bundle(tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("subject,visit,metric,site,side,value,unit,n_trials,method,z,ref,"
                      "direction,abnormal,score_note\n"
                      "P01,0,ppt,lumbar,left,412.5,kPa,3,,-2.1,controls,loss,True,\n"
                      "P01,0,pain_intensity,none,none,6,nrs10,1,,,,,,context metric\n",
                      encoding="utf-8")
    out = tmp_path / "bundle.json"
    result = runner.invoke(app, ["export", "fhir", "--scores", str(scores), "-o", str(out)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) == 2
    codes = [e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]]
    assert codes == ["ppt", "72514-3"]


def test_import_redcap_needs_a_mapping(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("record_id,x\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "redcap", str(path), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "--mapping" in result.output
