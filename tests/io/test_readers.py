"""Readers: English and German CSV, Excel, Parquet, wide files, bad files."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import (
    WideColumn,
    check_files,
    read_observations,
    read_subjects,
    read_table,
)


def test_german_and_english_files_give_identical_observations(data_dir):
    d = data_dir / "io"
    en = read_observations(d / "obs_en.csv", subjects=d / "subjects_en.csv")
    de = read_observations(d / "obs_de.csv", subjects=d / "subjects_de.csv")
    cols = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]
    pd.testing.assert_frame_equal(en[cols], de[cols])
    # hand checks: 41.2 N/cm² = 412 kPa; 2.5 years = 30 months; 0.12 mg/dL = 1.2 mg/L;
    # 4.4 cm = 44 mm
    by = en.set_index(["subject", "measure", "site", "trial"])["value"]
    assert by[("p01", "ppt", "scapula", 1)] == pytest.approx(412.0)
    assert by[("p01", "pain_duration", "none", 1)] == pytest.approx(30.0)
    assert by[("p02", "crp", "none", 1)] == pytest.approx(1.2)
    assert by[("p02", "tpd", "lumbar", 1)] == pytest.approx(44.0)


def test_german_conventions_are_detected(data_dir):
    _, fmt = read_table(data_dir / "io" / "obs_de.csv")
    assert (fmt.sep, fmt.decimal, fmt.encoding) == (";", ",", "latin-1")
    _, fmt = read_table(data_dir / "io" / "obs_en.csv")
    assert (fmt.sep, fmt.decimal, fmt.encoding) == (",", ".", "utf-8")


def test_german_subjects(data_dir):
    subj = read_subjects(data_dir / "io" / "subjects_de.csv")
    assert subj["sex"].tolist() == ["female", "male"]
    assert subj["age"].tolist() == [44.0, 39.5]


def test_bad_file_lists_every_problem(data_dir):
    d = data_dir / "io"
    with pytest.raises(ValidationError) as info:
        read_observations(d / "obs_bad.csv", subjects=d / "subjects_en.csv")
    probs = info.value.problems
    assert probs[["row", "column"]].values.tolist() == [
        [3, "subject"], [4, "measure"], [5, "site"], [5, "subject"], [6, "value"],
        [7, "value"]]
    assert (probs["file"] == str(d / "obs_bad.csv")).all()


def test_ambiguous_decimal_refused(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("subject;visit;measure;value;unit\na;1;crp;1,5;mg/L\na;2;crp;1.5;mg/L\n")
    with pytest.raises(InputFormatError, match="both ',' and '.'"):
        read_observations(path)


def test_explicit_decimal_resolves_ambiguity(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("subject;visit;measure;value;unit\na;1;crp;1,5;mg/L\na;2;crp;1.5;mg/L\n")
    with pytest.raises(ValidationError, match="decimal mark"):
        read_observations(path, decimal=",")


def test_ragged_csv_is_an_input_error(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("subject,visit,measure,value,unit\na,1,crp,1.5,mg/L,extra,cells\n")
    with pytest.raises(InputFormatError, match="cannot parse as CSV"):
        read_observations(path)


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFormatError, match="empty"):
        read_observations(empty)
    with pytest.raises(InputFormatError, match="no such file"):
        read_observations(tmp_path / "nope.csv")
    with pytest.raises(InputFormatError, match="unsupported file type"):
        (tmp_path / "x.json").write_text("{}")
        read_observations(tmp_path / "x.json")


def test_excel_and_parquet_equal_csv(data_dir, tmp_path):
    csv = read_observations(data_dir / "io" / "obs_en.csv")
    raw = pd.read_csv(data_dir / "io" / "obs_en.csv")
    raw.to_excel(tmp_path / "obs.xlsx", index=False)
    raw.to_parquet(tmp_path / "obs.parquet", index=False)
    for name in ("obs.xlsx", "obs.parquet"):
        other = read_observations(tmp_path / name)
        pd.testing.assert_frame_equal(csv, other)


def test_excel_problem_rows_are_sheet_rows(tmp_path):
    raw = pd.DataFrame({"subject": ["a", "b"], "visit": [1, 1], "measure": ["crp", "crp"],
                        "value": [1.0, -3.0], "unit": ["mg/L", "mg/L"]})
    raw.to_excel(tmp_path / "bad.xlsx", index=False)
    with pytest.raises(ValidationError) as info:
        read_observations(tmp_path / "bad.xlsx")
    assert info.value.problems["row"].tolist() == [3]  # header row 1, second data row 3


def test_wide_file_through_mapping(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("subject,visit,ppt_l1,ppt_l2,nrs\na,1,300,310,5\nb,1,280,,7\n")
    mapping = {
        "ppt_l1": WideColumn("ppt", "kPa", "lumbar", "left", 1),
        "ppt_l2": WideColumn("ppt", "kPa", "lumbar", "left", 2),
        "nrs": WideColumn("pain_intensity", "nrs10"),
    }
    out = read_observations(path, wide=mapping)
    # 6 cells, one blank (not measured) -> 5 observations
    assert len(out) == 5
    assert out.query("subject == 'b' and measure == 'ppt'")["value"].tolist() == [280.0]


def test_wide_file_with_unmapped_column_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("subject,visit,ppt_l1,comment\na,1,300,ok\n")
    with pytest.raises(InputFormatError, match="comment"):
        read_observations(path, wide={"ppt_l1": WideColumn("ppt", "kPa", "lumbar", "left")})


def test_check_files_collects_both_files(data_dir, tmp_path):
    subj = tmp_path / "s.csv"
    subj.write_text("subject,sex,age,condition\np01,female,44,chronic_lbp\np02,male,39,unknown\n")
    result = check_files(data_dir / "io" / "obs_en.csv", subj)
    assert not result.ok
    assert result.problems["file"].tolist() == [str(subj)]
    assert np.all(result.problems["column"] == "condition")
