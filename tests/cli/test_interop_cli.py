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


def test_redcap_metrics_export_and_import(tmp_path):
    met = tmp_path / "metrics.csv"
    met.write_text("subject,visit,metric,site,side,value,unit,n_trials,method\n"
                   "P01,0,gmv_thalamus,none,left,7280.7,mm3,1,\n"
                   "P01,0,gmv_thalamus,none,right,6680.2,mm3,1,\n"
                   "P01,2,ppt,lumbar,left,312.25,kPa,3,\n", encoding="utf-8")
    out = tmp_path / "rc"
    result = runner.invoke(app, ["export", "redcap", "--metrics", str(met), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "m_gmv_thalamus_l" in (out / "data.csv").read_text()
    back = tmp_path / "back.csv"
    result = runner.invoke(app, ["import", "redcap", str(out / "data.csv"), "-d",
                                 str(out / "dictionary.csv"), "-e", str(out / "event.csv"),
                                 "--by", "label", "-o", str(tmp_path / "obs.csv"),
                                 "--metrics-output", str(back)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(back).set_index(["visit", "metric", "side"])["value"].to_dict()
    assert got == {(0, "gmv_thalamus", "left"): 7280.7, (0, "gmv_thalamus", "right"): 6680.2,
                   (2, "ppt", "left"): 312.25}


def test_import_fhir_clinic_observations(data_dir, tmp_path):
    bundle = data_dir / "fhir" / "clinic" / "clinic-observations.bundle.json"
    subjects = tmp_path / "subjects.csv"
    subjects.write_text("reference,pseudonym\nPatient/p1,K01\n", encoding="utf-8")
    visits = tmp_path / "visits.csv"
    visits.write_text("key,visit\nEncounter/e1,0\nEncounter/e2,1\n", encoding="utf-8")
    out, skipped = tmp_path / "obs.csv", tmp_path / "skipped.csv"
    result = runner.invoke(app, ["import", "fhir", str(bundle), "-o", str(out),
                                 "--subject-map", str(subjects), "--visit-map", str(visits),
                                 "--skipped", str(skipped)])
    assert result.exit_code == 0, result.output
    assert "read 9 observation(s) of 1 subject(s)" in result.output
    assert "10 resource(s) skipped" in result.output and "8867-4" in result.output
    obs = pd.read_csv(out)
    assert set(obs["measure"]) == {"crp", "il6", "tnf_alpha", "il1_beta", "pain_intensity"}
    assert pd.read_csv(skipped)["n"].sum() == 10
    result = runner.invoke(app, ["import", "fhir", str(bundle), "-o", str(out),
                                 "--subject", "K01", "--visit", "0"])
    assert result.exit_code == 1 and "of 2 patients" in result.output
