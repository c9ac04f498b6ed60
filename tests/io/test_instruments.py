"""Readers of instrument tables: TMS grids, tDCS series, ROI time series, blood."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import read_blood, read_roi_timeseries, read_tdcs_series, read_tms_grid
from painmech.measures import blood_metrics, homeostatic_metrics, tms_map_metrics


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_tms_grid_german_csv_in_millivolts(tmp_path):
    path = _write(tmp_path / "tms.csv", (
        "subject;visit;muscle;hemisphere;x_cm;y_cm;stimulus;mep_mv\n"
        "p1;0;Deep Multifidus;links;0;1,0;1;0,05\n"
        "p1;0;Deep Multifidus;links;1;1,0;1;0,15\n"), encoding="latin-1")
    grid = read_tms_grid(path)
    assert grid["mep_uv"].tolist() == pytest.approx([50.0, 150.0])  # 1 mV = 1000 µV
    assert grid["y_cm"].tolist() == [1.0, 1.0]
    assert grid["visit"].dtype == "int64"
    m = tms_map_metrics(grid)
    cog = m.loc[m["metric"].eq("tms_cog_x"), ["site", "side", "value"]].iloc[0]
    # (0·50 + 1·150) / 200 = 0.75 cm
    assert (cog["site"], cog["side"], cog["value"]) == ("deep_multifidus", "left", 0.75)


def test_tms_grid_problems_name_rows(tmp_path):
    path = _write(tmp_path / "tms.csv", (
        "subject,visit,muscle,hemisphere,x_cm,y_cm,stimulus,mep_uv\n"
        "p1,0,longissimus,left,0,0,1,abc\n"
        "p1,x,longissimus,left,0,0,2,-3\n"))
    with pytest.raises(ValidationError) as err:
        read_tms_grid(path)
    p = err.value.problems
    assert set(zip(p["row"], p["column"], strict=True)) == {
        (2, "mep_uv"), (3, "visit"), (3, "mep_uv")}
    assert (p["file"] == str(path)).all()


def test_tms_grid_needs_mep_column(tmp_path):
    path = _write(tmp_path / "tms.csv", "subject,visit,muscle,hemisphere,x_cm,y_cm,stimulus\n"
                                        "p1,0,a,left,0,0,1\n")
    with pytest.raises(InputFormatError, match="mep_uv"):
        read_tms_grid(path)


def test_tdcs_series_round_trip(tmp_path):
    rows = ["subject,visit,timepoint,pulse,mep_uv"]
    rows += [f"p1,1,baseline,{i},{v}" for i, v in enumerate([100, 200, 150], start=1)]
    rows += [f"p1,1,post 10,{i},{v}" for i, v in enumerate([60, 70, 80], start=1)]
    series = read_tdcs_series(_write(tmp_path / "tdcs.csv", "\n".join(rows) + "\n"))
    assert len(series) == 6 and series["pulse"].dtype == "int64"
    m = homeostatic_metrics(series)
    # (60 + 70 + 80)/3 = 70 over (100 + 200 + 150)/3 = 150
    assert m.loc[m["metric"].eq("mep_ratio_post10"), "value"].item() == pytest.approx(70 / 150)


def test_roi_wide_files_and_long_table(tmp_path, rng):
    x = rng.standard_normal((20, 2))
    wide = pd.DataFrame(x, columns=["mPFC", "NAc"])
    wide.to_csv(tmp_path / "sub-01.csv", index=False)
    wide.to_csv(tmp_path / "sub-02.tsv", index=False, sep="\t")
    series = read_roi_timeseries([tmp_path / "sub-01.csv", tmp_path / "sub-02.tsv"],
                                 visit=[0, 3])
    assert set(series["subject"]) == {"sub-01", "sub-02"}  # file names
    assert set(series.loc[series["subject"].eq("sub-02"), "visit"]) == {3}
    assert series.loc[series["subject"].eq("sub-01") & series["roi"].eq("NAc"),
                      "signal"].to_numpy() == pytest.approx(x[:, 1])
    series.to_csv(tmp_path / "long.csv", index=False)
    again = read_roi_timeseries(tmp_path / "long.csv")
    pd.testing.assert_frame_equal(again, series)


def test_roi_wide_bad_cell(tmp_path):
    path = _write(tmp_path / "scan.csv", "a,b\n1.0,2.0\n3.0,oops\n")
    with pytest.raises(ValidationError, match="row 3, column 'b', value 'oops'"):
        read_roi_timeseries(path)


def test_roi_count_mismatch(tmp_path):
    with pytest.raises(ValueError, match="2 files but 1 subjects"):
        read_roi_timeseries([tmp_path / "a.csv", tmp_path / "b.csv"], subject=["x"])


def test_blood_censor_marks(tmp_path):
    path = _write(tmp_path / "blood.csv", (
        "subject;visit;measure;value;unit\n"
        "p1;0;il6;<1,5;pg/mL\n"
        "p1;0;crp;>0,8;mg/dL\n"
        "p1;0;tnf_alpha;2,5;pg/mL\n"))
    obs = read_blood(path)
    assert obs["censored"].tolist() == ["left", "right", ""]
    assert obs["value"].tolist() == pytest.approx([1.5, 8.0, 2.5])  # 0.8 mg/dL = 8 mg/L
    m = blood_metrics(obs)
    crp = m.loc[m["metric"].eq("crp")].iloc[0]
    assert (crp["value"], crp["censored"]) == (pytest.approx(8.0), "right")
    assert m.loc[m["metric"].eq("crp_category"), "value"].item() == 2.0
    assert m.loc[m["metric"].eq("il6"), "censored"].item() == "left"


def test_blood_marks_only_on_blood_rows(tmp_path):
    path = _write(tmp_path / "obs.csv", "subject,visit,measure,value,unit\np1,0,ppt,<300,kPa\n")
    with pytest.raises(ValidationError, match="not a number"):
        read_blood(path)


def test_blood_needs_measure_column(tmp_path):
    path = _write(tmp_path / "obs.csv", "subject,visit,value\np1,0,1\n")
    with pytest.raises(InputFormatError, match="'measure' and 'value'"):
        read_blood(path)


def test_constant_values_read_as_floats(tmp_path):
    path = _write(tmp_path / "scan.csv", "t,a\n0,1\n2,1\n")
    series = read_roi_timeseries(path, subject="s")
    assert series["t"].tolist() == [0.0, 2.0] and np.all(series["signal"] == 1.0)
