"""BIDS participants/phenotype reading (OpenNeuro ds000030, bids-examples pheno004)
and painmech → BIDS → painmech.

Expected numbers are read by hand from the TSV files and quoted in comments.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import InputFormatError, UnitError, ValidationError
from painmech.io.bids import (
    FieldMap,
    column_name,
    parse_column,
    read_bids,
    read_participants,
    read_phenotype_observations,
    read_tsv,
    session_visits,
    write_bids,
)
from painmech.registry import validate_observations, validate_subjects

KEY = ["subject", "visit", "measure", "site", "side", "trial"]
COLS = [*KEY, "value", "unit"]


@pytest.fixture
def cnp(data_dir):
    return data_dir / "bids" / "ds000030_ucla_cnp"


@pytest.fixture
def pheno004(data_dir):
    return data_dir / "bids" / "bids-examples_pheno004"


# --- real datasets ------------------------------------------------------------------------


def test_ds000030_participants_read_with_n_a(cnp):
    table = read_tsv(cnp / "participants.tsv")
    assert len(table.data) == 272  # 273 lines = header + 272 participants
    first = table.data.iloc[0]
    # line 2: sub-10159 CONTROL 30 F 1 n/a 1 ...
    assert (first["participant_id"], first["diagnosis"], first["age"]) == ("sub-10159",
                                                                          "CONTROL", 30.0)
    assert np.isnan(first["bht"]) and first["bart"] == 1.0
    assert table.columns == {}  # no participants.json in this dataset


def test_ds000030_participants_map_onto_painmech_subjects(cnp):
    kwargs = {"rename": {"gender": "sex", "diagnosis": "condition"},
              "values": {"condition": {"CONTROL": "healthy"}}}
    with pytest.raises(ValidationError) as info:
        read_participants(cnp, **kwargs)
    # painmech has no condition for the patient groups of this study
    probs = info.value.problems
    assert set(probs["column"]) == {"condition"}
    assert set(probs["value"]) == {"SCHZ", "BIPOLAR", "ADHD"}


def test_undeclared_sentinels_are_errors_not_missing(cnp):
    path = cnp / "phenotype" / "hamilton.tsv"
    with pytest.raises(ValidationError, match=re.escape("pass missing=[-9999]")) as info:
        read_tsv(path)
    probs = info.value.problems
    text = path.read_text(encoding="utf-8")
    n_cells = len(re.findall(r"(?<=\t)-9999(?=[\t\n])", text))
    assert len(probs) == n_cells == 33
    assert set(probs["value"]) == {"-9999"}
    # line 133: sub-50005 has -9999 in hamilton18b (declared minimum 0)
    first = probs.iloc[0]
    assert first["row"] == 133 and first["column"] in {"hamilton16b", "hamilton18b"}
    assert "below the declared minimum 0" in first["reason"]


def test_declared_sentinels_become_missing(cnp):
    table = read_tsv(cnp / "phenotype" / "hamilton.tsv", missing=[-9999])
    assert table.n_missing_codes == 33
    assert table.derivative_columns == ["hamd_28", "hamd_21", "hamd_17"]
    assert table.tool["TermURL"] == "http://www.cognitiveatlas.org/task/id/trm_559e2af1cc0ce"
    row = table.data.set_index("participant_id").loc["sub-50005"]
    # line 133: hamilton9 0, hamilton18b -9999, hamilton13 0, hamilton20 3, hamd_17 7
    assert np.isnan(row["hamilton18b"]) and row["hamd_17"] == 7.0 and row["hamilton20"] == 3.0
    assert table.columns["hamilton4"] == {"Description": "4. Insomnia, Early",
                                          "MinValue": "0", "MaxValue": "2"}


def test_declared_code_is_missing_in_a_column_of_whole_numbers(tmp_path):
    # a column whose cells are all whole numbers (no n/a) once parsed as int64,
    # and "-9999" was compared with the text "-9999.0" of the declared code, so
    # the code stayed a value and was reported against the declared levels
    path = tmp_path / "scale.tsv"
    path.write_text("participant_id\titem\nsub-1\t1\nsub-2\t-9999\nsub-3\t3\n")
    path.with_suffix(".json").write_text('{"item": {"Levels": {"1": "low", "3": "high"}}}')
    with pytest.raises(ValidationError, match="not one of the declared levels 1, 3; if the "
                       r"dataset uses it for missing values, pass missing=\[-9999\]"):
        read_tsv(path)
    table = read_tsv(path, missing=[-9999])
    assert table.n_missing_codes == 1
    assert table.data["item"].tolist()[::2] == [1.0, 3.0] and np.isnan(table.data["item"][1])


def test_values_outside_declared_levels_are_reported(cnp):
    path = cnp / "phenotype" / "demographics.tsv"
    with pytest.raises(ValidationError) as info:
        read_tsv(path, missing=[-9999])
    # line 108 (sub-?): sexuality = -9998.0, a second code the sidecar does not declare
    probs = info.value.problems
    assert probs[["row", "column", "value"]].values.tolist() == [[108, "sexuality", "-9998.0"]]
    assert "declared levels" in probs["reason"].item()
    table = read_tsv(path, missing=[-9999, -9998])
    assert table.n_missing_codes == 3


def test_pheno004_sidecar_describes_a_session_column_the_tsv_lacks(pheno004):
    table = read_tsv(pheno004 / "phenotype" / "ace.tsv")
    assert table.described_but_absent == ["session_id"]
    assert table.columns["b_ace_q1"]["Levels"] == {"1": "Yes", "0": "No"}
    # the ten 0/1 items read as graphaesthesia error flags, purely to exercise the mapping
    items = [c for c in table.data.columns if c not in ("_row", "participant_id")]
    mapping = {c: FieldMap("graphesthesia_error", "flag", "lumbar", "left", trial=i)
               for i, c in enumerate(items, start=1)}
    obs = read_phenotype_observations(pheno004 / "phenotype" / "ace.tsv", columns=mapping,
                                      visit=1)
    assert len(obs) == 20 and set(obs["visit"]) == {1}
    # ace.tsv: sub-01 answers 1 only to b_ace_q7 (7th column)
    ones = obs.loc[obs["value"].eq(1), ["subject", "trial"]].values.tolist()
    assert ones == [["01", 7]]


def test_pheno004_participants_with_a_filled_condition(pheno004):
    subj = read_participants(pheno004, fill={"condition": "healthy"})
    # participants.tsv: sub-01 m 22, sub-02 f 63, sub-03 f 47
    assert subj[["subject", "sex", "age"]].values.tolist() == [
        ["01", "male", 22.0], ["02", "female", 63.0], ["03", "female", 47.0]]
    with pytest.raises(InputFormatError, match="overwrite"):
        read_participants(pheno004, fill={"sex": "female"})


def test_foreign_columns_need_a_mapping(cnp):
    with pytest.raises(InputFormatError, match="not painmech measure columns"):
        read_phenotype_observations(cnp / "phenotype" / "hopkins.tsv")


# --- naming ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("ppt_lumbar_left_2", "measure",
     {"measure": "ppt", "site": "lumbar", "side": "left", "trial": 2}),
    ("cpm_ppt_before_tibialis_anterior_right_1", "measure",
     {"measure": "cpm_ppt_before", "site": "tibialis_anterior", "side": "right", "trial": 1}),
    ("odi_item_10", "measure", {"measure": "odi_item", "site": "none", "side": "none",
                                "trial": 10}),
    ("ppt_side_diff_lumbar_bilateral", "metric",
     {"metric": "ppt_side_diff", "site": "lumbar", "side": "bilateral"}),
    ("hamd_17", "measure", None),
])
def test_parse_column(name, kind, expected):
    assert parse_column(name, kind=kind) == expected


def test_sessions_are_visits():
    assert session_visits(pd.Series(["ses-0", "ses-12"])).tolist() == [0, 12]
    with pytest.raises(InputFormatError, match="baseline"):
        session_visits(pd.Series(["baseline"]))
    assert session_visits(pd.Series(["baseline"]), {"baseline": 0}).tolist() == [0]


# --- painmech -> BIDS -> painmech ------------------------------------------------------------


@pytest.fixture
def study(rng):
    rows = []
    for s in ("P01", "P02", "P03"):
        for v in (0, 2):
            for site in ("lumbar", "hand_dorsum"):
                for side in ("left", "right"):
                    rows += [(s, v, "ppt", site, side, t, rng.uniform(10, 90), "N/cm2")
                             for t in (1, 2, 3)]
            rows.append((s, v, "pain_intensity", "none", "none", 1, rng.uniform(0, 100),
                         "vas_mm"))
            rows.append((s, v, "cdt", "lumbar", "left", 1, 32 - rng.uniform(0.5, 5), "degC"))
            rows.append((s, v, "tsl", "lumbar", "left", 1, rng.uniform(1, 8), "delta_degC"))
        rows.append((s, 0, "gmv", "dlpfc", "left", 1, rng.uniform(8, 20), "cm3"))
        rows.append((s, 0, "crp", "none", "none", 1, rng.lognormal(0, 1), "mg/L"))
    obs = validate_observations(pd.DataFrame(rows, columns=COLS), warn=False)
    subjects = validate_subjects(pd.DataFrame({
        "subject": ["P01", "P02", "P03"], "sex": ["female", "male", "other"],
        "age": [30.5, 41.0, 55.25], "condition": ["healthy", "chronic_lbp", "neck_pain"]}))
    metrics = pd.DataFrame({
        "subject": ["P01", "P01", "P02", "P03"], "visit": [0, 2, 0, 0],
        "metric": ["ppt", "cdt", "ppt_side_diff", "wur"],
        "site": ["lumbar", "lumbar", "lumbar", "thenar"],
        "side": ["left", "left", "bilateral", "right"],
        "value": [412.5, -0.8, 12.25, np.nan],
        "unit": ["kPa", "delta_degC", "percent", "ratio"], "n_trials": [3, 3, 6, 0],
        "method": ["", "", "", "single-stimulus mean is 0"]})
    return obs.raise_if_problems(), subjects.raise_if_problems(), metrics


def test_round_trip_preserves_every_value_and_unit(study, tmp_path):
    obs, subjects, metrics = study
    write_bids(tmp_path, subjects=subjects, observations=obs, metrics=metrics,
               tools={"ppt": "qst", "cdt": "qst", "tsl": "qst", "pain_intensity": "clinical",
                      "crp": "blood", "gmv": "imaging"})
    back = read_bids(tmp_path, warn=False)
    a = obs[COLS].sort_values(KEY).reset_index(drop=True)
    b = back.observations[COLS].sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)  # exact float64 equality
    pd.testing.assert_frame_equal(subjects, back.subjects)
    kept = metrics.dropna(subset=["value"])  # n/a metric cells are not written
    cols = ["subject", "visit", "metric", "site", "side", "value", "unit"]
    pd.testing.assert_frame_equal(
        kept[cols].sort_values(cols[:5]).reset_index(drop=True),
        back.metrics[cols].sort_values(cols[:5]).reset_index(drop=True))


def test_written_files_follow_bids_conventions(study, tmp_path):
    obs, subjects, metrics = study
    write_bids(tmp_path, subjects=subjects, observations=obs, metrics=metrics,
               term_urls={"ppt": "https://example.org/ppt"})
    qst = (tmp_path / "phenotype" / "imaging.tsv")
    assert not qst.exists()
    gmv = (tmp_path / "phenotype" / "gmv.tsv").read_text(encoding="utf-8").splitlines()
    assert gmv[0] == "participant_id\tsession_id\tgmv_dlpfc_left_1"
    assert gmv[1].startswith("sub-P01\tses-0\t") and len(gmv) == 4  # only visit 0
    side = json.loads((tmp_path / "phenotype" / "ppt.json").read_text(encoding="utf-8"))
    col = side["ppt_lumbar_left_1"]
    assert col["Units"] == "kPa" and col["TermURL"] == "https://example.org/ppt"
    assert (col["Minimum"], col["Maximum"]) == (0.0, 2000.0)  # registry hard limits
    assert col["LongName"] == "pressure pain threshold (lumbar, left), trial 1"
    assert "Derivative" not in col
    units = {k: json.loads((tmp_path / "phenotype" / f"{k}.json").read_text())[c]["Units"]
             for k, c in [("cdt", "cdt_lumbar_left_1"), ("tsl", "tsl_lumbar_left_1"),
                          ("gmv", "gmv_dlpfc_left_1"), ("pain_intensity", "pain_intensity_1")]}
    assert units == {"cdt": "oC", "tsl": "K", "gmv": "mm^3", "pain_intensity": "nrs10"}
    met = json.loads((tmp_path / "phenotype" / "painmech_metrics.json").read_text())
    assert all(v["Derivative"] is True for k, v in met.items()
               if k not in ("participant_id", "session_id"))
    table = read_tsv(tmp_path / "phenotype" / "painmech_metrics.tsv")
    # wur of P03 was NaN: its column exists, with n/a only
    assert table.data["wur_thenar_right"].isna().all()
    part = (tmp_path / "participants.tsv").read_text(encoding="utf-8").splitlines()
    assert part[1] == "sub-P01\tfemale\t30.5\thealthy"


def test_bad_values_name_the_tsv_row_and_column(tmp_path):
    path = tmp_path / "phenotype" / "ppt.tsv"
    path.parent.mkdir()
    path.write_text("participant_id\tsession_id\tppt_lumbar_left_1\n"
                    "sub-A\tses-1\t300\nsub-B\tses-1\t-5\n", encoding="utf-8")
    path.with_suffix(".json").write_text('{"ppt_lumbar_left_1": {"Units": "kPa"}}')
    with pytest.raises(ValidationError) as info:
        read_phenotype_observations(path)
    probs = info.value.problems
    assert probs[["row", "column"]].values.tolist() == [[3, "ppt_lumbar_left_1"]]
    assert "outside hard limits" in probs["reason"].item()


def test_writer_refuses_bad_labels_and_units(study, tmp_path):
    obs, subjects, _ = study
    with pytest.raises(InputFormatError, match="alphanumeric"):
        write_bids(tmp_path, subjects=subjects.assign(subject=["P-1", "P02", "P03"]))
    with pytest.raises(UnitError, match="canonical"):
        write_bids(tmp_path, observations=obs.assign(unit="N/cm2"))
    clash = obs.assign(site=np.where(obs["measure"].eq("gmv"), "dlpfc_left", obs["site"]),
                       side=np.where(obs["measure"].eq("gmv"), "none", obs["side"]))
    with pytest.raises(InputFormatError, match="would not read back"):
        write_bids(tmp_path, observations=clash)


def test_column_name_leaves_out_none():
    names = column_name(pd.Series(["ppt", "crp"]), pd.Series(["lumbar", "none"]),
                        pd.Series(["left", "none"]), pd.Series([1, 1]))
    assert names.tolist() == ["ppt_lumbar_left_1", "crp_1"]
