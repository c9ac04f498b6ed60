"""Every validation rule: a bad input and the problem row it must produce."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import UnusualValueWarning, ValidationError
from painmech.registry import validate_observations, validate_subjects


def _obs(**overrides):
    row = {"subject": "s1", "visit": "1", "measure": "ppt", "site": "lumbar", "side": "left",
           "trial": "1", "value": "350", "unit": "kPa"}
    row.update(overrides)
    return pd.DataFrame([row])


def _only_problem(result):
    assert len(result.problems) == 1, result.problems
    return result.problems.iloc[0]


def test_valid_row_passes_and_keeps_original():
    out = validate_observations(_obs(value="35", unit="N/cm2")).raise_if_problems()
    assert out.loc[0, "value"] == 350.0  # 35 N/cm² * 10 kPa per N/cm²
    assert out.loc[0, "value_raw"] == 35.0
    assert out.loc[0, "unit_raw"] == "N/cm2"
    assert out.loc[0, "unit"] == "kPa"


@pytest.mark.parametrize(
    ("override", "column", "reason"),
    [
        ({"measure": "pptt"}, "measure", "unknown measure; did you mean ppt"),
        ({"site": "knee"}, "site", "unknown body site"),
        ({"side": "up"}, "side", "unknown side"),
        ({"unit": "furlong"}, "unit", "unknown unit"),
        ({"unit": "mg/L"}, "unit", "not convertible to kPa"),
        ({"value": ""}, "value", "empty value"),
        ({"value": "NaN"}, "value", "NaN value"),
        ({"value": "inf"}, "value", "infinite value"),
        ({"value": "abc"}, "value", "not a number"),
        ({"value": "0"}, "value", r"outside hard limits \(0, 2000\] kPa"),
        ({"value": "2500"}, "value", "outside hard limits"),
        ({"visit": "first"}, "visit", "whole number"),
        ({"visit": "-1"}, "visit", "whole number"),
        ({"trial": "0"}, "trial", "whole number ≥ 1"),
        ({"subject": ""}, "subject", "empty subject"),
        ({"subject": "anna@example.org"}, "subject", "e-mail"),
        ({"measure": "frebaq_item", "site": "none", "side": "none", "trial": "10",
          "value": "2", "unit": "score"}, "trial", "number of items"),
        ({"measure": "frebaq_item", "site": "none", "side": "none", "value": "2.5",
          "unit": "score"}, "value", "whole number"),
        ({"measure": "crp", "site": "lumbar", "side": "none", "value": "2", "unit": "mg/L"},
         "site", "has no site"),
        ({"measure": "fc", "site": "mpfc-nac", "side": "none", "value": "0.3",
          "unit": "fisher_z"}, "site", "roi_a__roi_b"),
    ],
)
def test_rule_produces_named_problem(override, column, reason):
    result = validate_observations(_obs(**override), file="obs.csv")
    prob = _only_problem(result)
    assert prob["file"] == "obs.csv"
    assert prob["row"] == 2  # first data row under the header
    assert prob["column"] == column
    assert pd.Series([prob["reason"]]).str.contains(reason).iloc[0], prob["reason"]
    with pytest.raises(ValidationError, match="1 problem found"):
        result.raise_if_problems()
    assert result.data.empty  # nothing partial


def test_decimal_comma_when_point_declared():
    prob = _only_problem(validate_observations(_obs(value="350,5")))
    assert "decimal mark" in prob["reason"]


def test_decimal_comma_declared():
    out = validate_observations(_obs(value="350,5"), decimal=",").raise_if_problems()
    assert out.loc[0, "value"] == 350.5


def test_duplicate_key_names_the_first_row():
    data = pd.concat([_obs(), _obs(value="360")], ignore_index=True)
    prob = _only_problem(validate_observations(data))
    assert prob["row"] == 3 and prob["reason"].endswith("of row 2")


def test_orphan_observation():
    subjects = pd.DataFrame({"subject": ["s2"]})
    prob = _only_problem(validate_observations(_obs(), subjects=subjects))
    assert prob["reason"] == "subject has no row in the subjects table"


@pytest.mark.parametrize("column", ["name", "Geburtsdatum", "E-Mail", "Telefon", "address",
                                    "Versichertennummer"])
def test_identifier_columns_refused(column):
    data = _obs().assign(**{column: "x"})
    prob = _only_problem(validate_observations(data))
    assert prob["column"] == column and prob["row"] == 1
    assert "direct identifier" in prob["reason"]


def test_missing_required_column():
    prob = _only_problem(validate_observations(_obs().drop(columns="unit")))
    assert prob["column"] == "unit" and prob["reason"] == "required column is missing"


def test_every_problem_is_collected_at_once():
    data = pd.concat([_obs(value="x"), _obs(trial="2", site="knee"),
                      _obs(trial="3", unit="??")], ignore_index=True)
    result = validate_observations(data)
    assert result.problems[["row", "column"]].values.tolist() == [
        [2, "value"], [3, "site"], [4, "unit"]]


def test_unusual_value_warns_and_flags():
    with pytest.warns(UnusualValueWarning, match="1 value"):
        out = validate_observations(_obs(value="30")).raise_if_problems()
    assert out.loc[0, "flag"] == "unusual"


def test_site_defaults_when_columns_absent():
    data = pd.DataFrame({"subject": ["s1"], "visit": [0], "measure": ["crp"], "value": [1.2],
                         "unit": ["mg/L"]})
    out = validate_observations(data).raise_if_problems()
    assert out.loc[0, ["site", "side", "trial"]].tolist() == ["none", "none", 1]
    assert np.isclose(out.loc[0, "value"], 1.2)


def test_subjects_rules():
    data = pd.DataFrame({"subject": ["a", "a", "b", "c"], "sex": ["w", "m", "q", "d"],
                         "age": ["40", "41", "200", "x"],
                         "condition": ["chronic_lbp", "healthy", "flu", "whiplash"]})
    probs = validate_subjects(data, file="s.csv").problems
    assert probs[["row", "column"]].values.tolist() == [
        [3, "subject"], [4, "age"], [4, "condition"], [4, "sex"], [5, "age"]]


def test_subjects_normalise_german_sex():
    data = pd.DataFrame({"subject": ["a", "b"], "sex": ["weiblich", "M"], "age": [40, 50],
                         "condition": ["healthy", "Chronic_LBP"]})
    out = validate_subjects(data).raise_if_problems()
    assert out["sex"].tolist() == ["female", "male"]
    assert out["condition"].tolist() == ["healthy", "chronic_lbp"]


@pytest.mark.parametrize("pseudonym", ["site1/007", "/x", ".", ".."])
def test_pseudonyms_that_cannot_name_a_web_address_segment_are_refused(pseudonym):
    # "/subjects/site1/007/profile" would address subject "site1", and browsers
    # collapse "/./" and "/../" (RFC 3986 §5.2.4), so these subjects could be
    # stored but never opened in the web app or REST API
    obs = validate_observations(_obs(subject=pseudonym), file="obs.csv")
    prob = _only_problem(obs)
    assert (prob["row"], prob["column"], prob["value"]) == (2, "subject", pseudonym)
    assert "'/'" in prob["reason"] and "web address" in prob["reason"]
    subj = validate_subjects(pd.DataFrame([{"subject": pseudonym, "sex": "female",
                                            "age": "40", "condition": "healthy"}]),
                             file="subjects.csv")
    assert _only_problem(subj)["column"] == "subject"


@pytest.mark.parametrize("pseudonym", ["a.b", "...", "x\\y", "50%", "<b>"])
def test_other_punctuation_in_pseudonyms_is_kept(pseudonym):
    obs = validate_observations(_obs(subject=pseudonym), file="obs.csv").raise_if_problems()
    assert obs["subject"].tolist() == [pseudonym]


@pytest.mark.parametrize("pseudonym", ["s1\x00", "tab\there", "line\nbreak", "del\x7f"])
def test_pseudonyms_with_control_characters_are_refused(pseudonym):
    obs = validate_observations(_obs(subject=pseudonym), file="obs.csv")
    prob = _only_problem(obs)
    assert (prob["row"], prob["column"], prob["value"]) == (2, "subject", pseudonym)
    assert "control character" in prob["reason"]
    subj = validate_subjects(pd.DataFrame([{"subject": pseudonym, "sex": "female",
                                            "age": "40", "condition": "healthy"}]),
                             file="subjects.csv")
    assert _only_problem(subj)["column"] == "subject"
