"""`painmech metrics` with instrument inputs (TMS, tDCS, ROI series, FreeSurfer, blood)."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from painmech.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "250"}
DATA = Path(__file__).parents[1] / "data"


def test_freesurfer_roi_and_blood_inputs(tmp_path):
    roi_map = tmp_path / "map.csv"
    roi_map.write_text("label,roi\nLAmy,amygdala\nRAmy,amygdala\nLThal,thalamus\n"
                       "RThal,thalamus\nLHip,s1\nLFpol,mpfc\n")
    blood = tmp_path / "blood.csv"
    blood.write_text("subject,visit,measure,value,unit\nhcp,0,crp,<0.5,mg/L\n")
    out = tmp_path / "m.csv"
    result = runner.invoke(app, [
        "metrics", "-o", str(out),
        "--freesurfer", str(DATA / "freesurfer" / "fs741_subject"),
        "--freesurfer", str(DATA / "freesurfer" / "hcp_198451_fs53"),
        "--roi", str(DATA / "roi_timeseries" / "fmri_timeseries.csv"), "--roi-map",
        str(roi_map), "--blood", str(blood)], env=WIDE)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False, na_values=[""])
    dlpfc = table.loc[table["metric"].eq("gmv_dlpfc") & table["side"].eq("left")
                      & table["subject"].eq("fs741_subject"), "value"]
    assert dlpfc.item() == 13195 + 6303  # lh.aparc.stats GrayVol
    assert {"fc", "fc_affective_sensory_index"} <= set(table["metric"])
    crp = table.loc[table["metric"].eq("crp")]
    assert crp["censored"].item() == "left" and crp["value"].item() == pytest.approx(0.5)


def test_tms_and_tdcs_inputs(tmp_path):
    tms = tmp_path / "tms.csv"
    tms.write_text("subject,visit,muscle,hemisphere,x_cm,y_cm,stimulus,mep_uv\n"
                   "p1,0,longissimus,left,0,0,1,50\np1,0,longissimus,left,1,0,1,150\n")
    tdcs = tmp_path / "tdcs.csv"
    tdcs.write_text("subject,visit,timepoint,pulse,mep_uv\np1,0,baseline,1,100\n"
                    "p1,0,baseline,2,120\np1,0,post0,1,60\np1,0,post0,2,70\n")
    out = tmp_path / "m.csv"
    result = runner.invoke(app, ["metrics", "-o", str(out), "--tms", str(tms),
                                 "--tdcs", str(tdcs)], env=WIDE)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False, na_values=[""])
    # CoG x = (0·50 + 1·150) / 200
    assert table.loc[table["metric"].eq("tms_cog_x"), "value"].item() == 0.75
    assert table.loc[table["metric"].eq("mep_ratio_post0"), "value"].item() == pytest.approx(
        65 / 110)


def test_no_input_is_an_error(tmp_path):
    result = runner.invoke(app, ["metrics", "-o", str(tmp_path / "m.csv")], env=WIDE)
    assert result.exit_code == 1
    assert "give an observations file" in result.output


def test_bad_instrument_file_exits_1(tmp_path):
    tdcs = tmp_path / "tdcs.csv"
    tdcs.write_text("subject,visit,timepoint,pulse,mep_uv\np1,0,later,1,100\n")
    result = runner.invoke(app, ["metrics", "-o", str(tmp_path / "m.csv"), "--tdcs",
                                 str(tdcs)], env=WIDE)
    assert result.exit_code == 1
    assert "unknown timepoint" in result.output
