"""REDCap import (real REDCapR test projects) and painmech → REDCap → painmech.

The REDCapR demo projects hold no pain measures. To exercise the format, their
coded fields are mapped onto painmech measures whose ranges admit the values
(e.g. a 0–5 dropdown onto an ODI item, a 0/1 checkbox option onto a
graphaesthesia error flag). Expected values are read by hand from the
projects' ``data.csv`` and quoted in the comments.
"""

import re

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import InputFormatError, UnitError, ValidationError
from painmech.io.redcap import (
    API_COLUMNS,
    DICTIONARY_COLUMNS,
    FieldMap,
    event_visits,
    mapping_from_dictionary,
    read_redcap_dictionary,
    read_redcap_records,
    redcap_dictionary,
    redcap_fields,
    redcap_records,
    write_redcap,
)
from painmech.registry import validate_observations

KEY = ["subject", "visit", "measure", "site", "side", "trial"]
COLS = [*KEY, "value", "unit"]


@pytest.fixture
def projects(data_dir):
    return data_dir / "redcap" / "REDCapR" / "projects"


def _by_key(obs):
    return obs.set_index(KEY)["value"]


# --- real exports -------------------------------------------------------------------------


def test_real_dictionary_has_redcaps_18_columns(projects):
    raw = pd.read_csv(projects / "longitudinal" / "dictionary.csv", dtype=str)
    assert tuple(raw.columns) == DICTIONARY_COLUMNS
    dd = read_redcap_dictionary(projects / "longitudinal" / "dictionary.csv")
    assert dd.shape == (95, 18)  # 96 lines = header + 95 fields
    assert dd.loc[dd["field_name"].eq("meds"), "field_type"].item() == "checkbox"


def test_event_visits_by_order_numbers_each_arm(projects):
    events = pd.read_csv(projects / "longitudinal" / "event.csv")
    ev = event_visits(events)
    # event.csv lists 6 events in arm 1 and 6 in arm 2, each arm from 0
    assert ev["enrollment_arm_1"] == 0 and ev["final_visit_arm_1"] == 5
    assert ev["enrollment_arm_2"] == 0 and ev["deadline_to_return_arm_2"] == 5
    with pytest.raises(ValueError, match="exactly one whole number"):
        event_visits(events, by="label")  # "Enrollment" holds no number


def test_longitudinal_export_with_events_and_checkboxes(projects):
    d = projects / "longitudinal"
    mapping = {
        "pmq2": FieldMap("odi_item", "score", trial=2),  # 0–5 dropdown
        "meds": FieldMap("graphesthesia_error", "flag", site="lumbar", side="left"),
        "vob1": FieldMap("pain_state", "flag"),  # 0/1 radio
    }
    obs = read_redcap_records(d / "data.csv", mapping,
                              events=event_visits(pd.read_csv(d / "event.csv")),
                              dictionary=d / "dictionary.csv")
    by = _by_key(obs)
    # record 100, enrollment: meds___1..5 = 0,1,0,0,0 -> one flag per option, trial = option
    meds = [by[("100", 0, "graphesthesia_error", "lumbar", "left", t)] for t in range(1, 6)]
    assert meds == [0.0, 1.0, 0.0, 0.0, 0.0]
    # record 100, dose_1_arm_1 (visit 1): pmq2 = 2; record 220, visit_2_arm_1 (visit 4): 4
    assert by[("100", 1, "odi_item", "none", "none", 2)] == 2.0
    assert by[("220", 4, "odi_item", "none", "none", 2)] == 4.0
    # record 304 is in arm 2: first_visit_arm_2 is its visit 3, vob1 = 1 there
    assert by[("304", 3, "pain_state", "none", "none", 1)] == 1.0
    assert set(obs["subject"]) == {"100", "220", "304"}
    assert list(obs.columns[:8]) == COLS
    assert (obs["unit"] == obs["measure"].map({"odi_item": "score", "pain_state": "flag",
                                               "graphesthesia_error": "flag"})).all()
    # the export's names, e-mails and phone numbers are never read
    assert not obs.isin(["Zharko", "zlehnox@gmail.com"]).any().any()


def test_longitudinal_needs_an_event_mapping(projects):
    d = projects / "longitudinal"
    mapping = {"pmq2": FieldMap("odi_item", "score", trial=2)}
    with pytest.raises(InputFormatError, match="longitudinal"):
        read_redcap_records(d / "data.csv", mapping)
    ev = event_visits(pd.read_csv(d / "event.csv"))
    del ev["dose_1_arm_1"]
    with pytest.raises(InputFormatError, match="dose_1_arm_1"):
        read_redcap_records(d / "data.csv", mapping, events=ev)
    ev["dose_1_arm_1"] = None  # explicitly skipped
    obs = read_redcap_records(d / "data.csv", mapping, events=ev)
    assert 1 not in set(obs["visit"])


def test_checkboxes_follow_redcapr_expected_results(projects):
    d = projects / "checkboxes-1"
    mapping = {"check_one": FieldMap("graphesthesia_error", "flag", site="lumbar", side="left"),
               "check_two": FieldMap("graphesthesia_error", "flag", site="thenar", side="left")}
    obs = read_redcap_records(d / "data.csv", mapping, dictionary=d / "dictionary.csv")
    by = obs.groupby(["subject", "site"])["value"].apply(list).to_dict()
    # desired_result column of data.csv: record 1 check_one___1 = 1, ___2..4 = 0;
    # check_two a and c = 1. Record 2: check_one NA, check_two b and d = 1.
    # Record 3: check_one all 1, check_two NA. Record 4: nothing.
    assert by[("1", "lumbar")] == [1.0, 0.0, 0.0, 0.0]
    assert by[("1", "thenar")] == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert ("2", "lumbar") not in by
    assert by[("2", "thenar")] == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert by[("3", "lumbar")] == [1.0, 1.0, 1.0, 1.0]
    assert ("3", "thenar") not in by
    assert "4" not in set(obs["subject"])
    # letters as option codes: trial = position in the dictionary's choice list (a..e -> 1..5)
    thenar = obs[obs["site"].eq("thenar") & obs["subject"].eq("2")]
    assert thenar["trial"].tolist() == [1, 2, 3, 4, 5]
    kept = read_redcap_records(d / "data.csv", mapping, checkbox_all_zero="zero")
    four = kept.loc[kept["subject"] == "4", "value"]
    assert len(four) == 9 and four.eq(0).all()


def test_repeating_instrument_instances_become_trials(projects):
    d = projects / "repeating-instruments"
    # bp_systolic (110–114) read as a pressure in kPa purely to exercise the format
    mapping = {"bp_systolic": FieldMap("ppt", "kPa", site="lumbar", side="left")}
    obs = read_redcap_records(d / "data.csv", mapping, dictionary=d / "dictionary.csv")
    by = _by_key(obs)
    # data.csv: record 1 bp instances 1..3 = 110, 111, 112; record 2 instance 1 = 114
    assert [by[("1", 0, "ppt", "lumbar", "left", t)] for t in (1, 2, 3)] == [110, 111, 112]
    assert by[("2", 0, "ppt", "lumbar", "left", 1)] == 114
    assert len(obs) == 4
    with pytest.raises(InputFormatError, match="repeated instances"):
        read_redcap_records(d / "data.csv",
                            {"bp_systolic": FieldMap("ppt", "kPa", "lumbar", "left", trial=1)})


def test_identifier_fields_are_refused(projects):
    d = projects / "repeating-instruments"
    # "first_name" is marked Identifier? = y in the dictionary
    with pytest.raises(InputFormatError, match="identifiers"):
        read_redcap_records(d / "data.csv", {"first_name": FieldMap("pain_intensity", "nrs10")},
                            dictionary=d / "dictionary.csv")


def test_survey_export_without_events_uses_the_given_visit(projects):
    d = projects / "survey"
    obs = read_redcap_records(d / "data.csv", {"has_diabetes": FieldMap("pain_state", "flag")},
                              visit=3, dictionary=d / "dictionary.csv")
    # data.csv: participant 1 has_diabetes = 1, participant 2 = 0
    assert obs[["subject", "visit", "value"]].values.tolist() == [["1", 3, 1.0], ["2", 3, 0.0]]


def test_mapped_field_missing_from_export(projects):
    with pytest.raises(InputFormatError, match="not in the record export: nope"):
        read_redcap_records(projects / "survey" / "data.csv",
                            {"nope": FieldMap("pain_state", "flag")})


def test_bad_values_name_the_redcap_row_and_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("record_id,nrs_now,ppt_l\nA1,7,41.2\nA2,Yes,\nA3,12,30\n", encoding="utf-8")
    mapping = {"nrs_now": FieldMap("pain_intensity", "nrs10"),
               "ppt_l": FieldMap("ppt", "N/cm2", "lumbar", "left")}
    with pytest.raises(ValidationError) as info:
        read_redcap_records(path, mapping)
    probs = info.value.problems
    # row 3 holds a label ("Yes") instead of the raw code; row 4 an NRS of 12 (> 10)
    assert probs[["row", "column"]].values.tolist() == [[3, "nrs_now"], [4, "nrs_now"]]
    assert probs["reason"].iloc[0] == "not a number"
    assert "outside hard limits" in probs["reason"].iloc[1]
    path.write_text("record_id,nrs_now,ppt_l\nA1,7,41.2\n", encoding="utf-8")
    obs = read_redcap_records(path, mapping)
    # 41.2 N/cm² × 10 = 412 kPa (registry factor)
    assert _by_key(obs)[("A1", 0, "ppt", "lumbar", "left", 1)] == pytest.approx(412.0)


# --- painmech -> REDCap -----------------------------------------------------------------


@pytest.fixture
def observations(rng):
    rows = []
    for s in ("p01", "p02", "p03"):
        for v in (0, 2, 6):
            for site in ("lumbar", "hand_dorsum"):
                for side in ("left", "right"):
                    rows += [(s, v, "ppt", site, side, t, rng.uniform(10, 90), "N/cm2")
                             for t in (1, 2, 3)]
            rows.append((s, v, "pain_intensity", "none", "none", 1,
                         float(rng.integers(0, 11)), "nrs10"))
            rows.append((s, v, "crp", "none", "none", 1, rng.lognormal(0, 1), "mg/dL"))
            rows.append((s, v, "phs", "thenar", "right", 2, float(rng.integers(0, 2)), "flag"))
            rows.append((s, v, "cdt", "lumbar", "left", 1, -rng.uniform(0.5, 5), "delta_degC"))
            rows += [(s, v, "odi_item", "none", "none", i, float(rng.integers(0, 6)), "score")
                     for i in range(1, 11)]
            # a tiny magnitude that Python would write in exponent notation
            rows.append((s, v, "fc", "pfc__pag", "none", 1, rng.normal(0, 1e-5), "fisher_z"))
    table = pd.DataFrame(rows, columns=COLS)
    return validate_observations(table, warn=False).raise_if_problems()


def test_dictionary_states_types_limits_and_units(observations):
    fields = redcap_fields(observations)
    assert fields["field_name"].str.match(r"^[a-z][a-z0-9_]*$").all()
    dd = redcap_dictionary(fields)
    assert tuple(dd.columns) == DICTIONARY_COLUMNS and len(dd) == len(fields) + 1
    assert dd.iloc[0, 0] == "record_id"
    row = dd.set_index("Variable / Field Name")
    ppt = row.loc["ppt_lumbar_l_1"]
    # registry: ppt hard limits (0, 2000] kPa, lower bound excluded
    assert (ppt["Text Validation Type OR Show Slider Number"], ppt["Text Validation Min"],
            ppt["Text Validation Max"]) == ("number", "0", "2000")
    assert ppt["Field Note"] == "Unit: kPa; must be above 0"
    assert row.loc["odi_item_3", "Text Validation Type OR Show Slider Number"] == "integer"
    assert row.loc["phs_thenar_r_2", "Field Type"] == "yesno"
    assert row.loc["cdt_lumbar_l", "Field Note"].startswith("Unit: °C")
    assert "pressure pain threshold" in ppt["Field Label"].lower()
    de = redcap_dictionary(fields, lang="de").set_index("Variable / Field Name")
    assert de.loc["ppt_lumbar_l_1", "Field Label"].startswith("Druckschmerzschwelle")
    assert "links" in de.loc["ppt_lumbar_l_1", "Field Label"]


def test_round_trip_preserves_every_value_and_unit(observations, tmp_path):
    paths = write_redcap(observations, tmp_path / "redcap", form={
        "ppt": "qst", "cdt": "qst", "phs": "qst", "pain_intensity": "clinical",
        "odi_item": "clinical", "crp": "blood", "fc": "imaging"})
    dd = read_redcap_dictionary(paths["dictionary"])
    # fields of one instrument are contiguous, as REDCap requires
    forms = dd["form_name"].iloc[1:]
    assert forms.ne(forms.shift()).sum() == forms.nunique()
    events = event_visits(pd.read_csv(paths["events"]), by="label")
    assert events == {"visit_0_arm_1": 0, "visit_2_arm_1": 2, "visit_6_arm_1": 6}
    back = read_redcap_records(paths["records"], mapping_from_dictionary(dd), events=events,
                               dictionary=dd, warn=False)
    a = observations[COLS].sort_values(KEY).reset_index(drop=True)
    b = back[COLS].sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)  # exact: no tolerance on value
    assert np.array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    # REDCap's number validation refuses exponents: tiny values are written out in full
    assert not re.search(r"\de-\d", paths["records"].read_text(encoding="utf-8"))


def test_records_are_one_row_per_subject_and_event(observations):
    fields = redcap_fields(observations)
    rec = redcap_records(observations, fields)
    assert list(rec.columns[:2]) == ["record_id", "redcap_event_name"]
    assert len(rec) == 9  # 3 subjects × 3 visits
    assert not any(re.search("___", c) for c in rec.columns)


def test_records_refuse_values_outside_the_canonical_unit(observations):
    raw = observations.assign(unit=np.where(observations["measure"].eq("ppt"), "N/cm2",
                                            observations["unit"]))
    with pytest.raises(UnitError, match="canonical unit"):
        redcap_records(raw, redcap_fields(raw))


# --- API metadata and comma-decimal fields ------------------------------------------------


@pytest.fixture
def pm_redcap(data_dir):
    return data_dir / "redcap" / "painmech"


def test_api_metadata_reads_like_the_ui_download(projects, pm_redcap):
    ui = read_redcap_dictionary(projects / "longitudinal" / "dictionary.csv")
    api_csv = read_redcap_dictionary(pm_redcap / "longitudinal_metadata_api.csv")
    api_json = read_redcap_dictionary(pm_redcap / "longitudinal_metadata_api.json")
    # PyCap's export_metadata(format_type="df") is indexed by field_name
    pycap = pd.read_csv(pm_redcap / "longitudinal_metadata_api.csv", dtype=str,
                        keep_default_na=False).set_index("field_name")
    api_df = read_redcap_dictionary(pycap)
    assert tuple(pd.read_csv(pm_redcap / "longitudinal_metadata_api.csv").columns) == \
        API_COLUMNS
    for other in (api_csv, api_json, api_df):
        pd.testing.assert_frame_equal(other, ui)
    assert ui.shape == (95, 18)


def test_records_read_with_the_api_metadata_as_with_the_ui_dictionary(projects, pm_redcap):
    d = projects / "longitudinal"
    mapping = {"meds": FieldMap("graphesthesia_error", "flag", site="lumbar", side="left")}
    events = event_visits(pd.read_csv(d / "event.csv"))
    ui = read_redcap_records(d / "data.csv", mapping, events=events,
                             dictionary=d / "dictionary.csv")
    api = read_redcap_records(d / "data.csv", mapping, events=events,
                              dictionary=pm_redcap / "longitudinal_metadata_api.csv")
    pd.testing.assert_frame_equal(api, ui)


def test_dictionary_of_neither_spelling_is_refused(tmp_path):
    path = tmp_path / "dd.csv"
    path.write_text("name,form\nx,y\n")
    with pytest.raises(InputFormatError, match=r"Data Dictionary page .*'Variable / Field "
                       r"Name'.* API metadata export \('field_name', 'form_name'"):
        read_redcap_dictionary(path)


COMMA_MAP = {
    "schmerz_nrs": FieldMap("pain_intensity", "nrs10"),
    "crp": FieldMap("crp", "mg/dL"),
    "il6": FieldMap("il6", "pg/mL"),
    "tnf": FieldMap("tnf_alpha", "ng/L"),
    "ddf_lws_li": FieldMap("ppt", "kPa", "lumbar", "left"),
    "ddf_lws_re": FieldMap("ppt", "kPa", "lumbar", "right"),
    "dauer_monate": FieldMap("pain_duration", "month"),
}


def test_comma_decimal_fields_are_read_with_their_comma(pm_redcap):
    d = pm_redcap / "comma_decimal"
    dd = read_redcap_dictionary(d / "metadata.csv")
    assert dd["validation"].str.endswith("comma_decimal").sum() == 5  # 1dp-4dp and plain
    obs = read_redcap_records(d / "data.csv", COMMA_MAP, dictionary=dd)
    by = obs.set_index(["subject", "measure", "side"])["value"]
    # data.csv, record K01: "6,5" (1dp), "0,35" mg/dL (2dp) = 3.5 mg/L (registry factor 10),
    # "2,125" (3dp), "7,2500" ng/L (4dp) = 7.25 pg/mL, "312,75" (comma), 298.5 (number)
    assert by[("K01", "pain_intensity", "none")] == 6.5
    assert by[("K01", "crp", "none")] == pytest.approx(3.5)
    assert by[("K01", "il6", "none")] == 2.125
    assert by[("K01", "tnf_alpha", "none")] == 7.25
    assert by[("K01", "ppt", "left")] == 312.75
    assert by[("K01", "ppt", "right")] == 298.5
    assert by[("K01", "pain_duration", "none")] == 24
    # "11,000" in a 3-decimal comma field is eleven, not eleven thousand
    assert by[("K02", "il6", "none")] == 11.0
    assert len(obs) == 7 + 6 + 4  # K01 all seven fields, K02 six, K03 four


def test_comma_without_dictionary_and_point_in_a_comma_field_are_refused(pm_redcap,
                                                                         tmp_path):
    d = pm_redcap / "comma_decimal"
    with pytest.raises(ValidationError) as info:
        read_redcap_records(d / "data.csv", COMMA_MAP)
    probs = info.value.problems
    assert probs["reason"].str.contains("pass the project's data dictionary").all()
    # K01 has 5 comma cells (row 2), K02 5 (row 3), K03 one ("0,08", row 4)
    assert probs["row"].tolist() == [2] * 5 + [3] * 5 + [4]
    bad = tmp_path / "data.csv"
    bad.write_text("record_id,crp,ddf_lws_re\nK01,0.35,\"2,5\"\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_redcap_records(bad, {"crp": COMMA_MAP["crp"], "ddf_lws_re": COMMA_MAP["ddf_lws_re"]},
                            dictionary=d / "metadata.csv")
    probs = info.value.problems
    assert probs[["row", "column", "value"]].values.tolist() == [[2, "crp", "0.35"],
                                                                [2, "ddf_lws_re", "2,5"]]
    assert probs["reason"].iloc[0] == ("holds '.' but the dictionary validates the field as "
                                       "number_2dp_comma_decimal (decimal comma)")
    assert "decimal mark is '.'" in probs["reason"].iloc[1]  # a plain 'number' field
