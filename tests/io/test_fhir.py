"""FHIR R4 export of scores and profiles (validated with fhir.resources) and import of
real Smart4Health back-pain QuestionnaireResponses.

Expected ratings are read by hand from the fixtures: the LOINC answer codes of list
LL2335-9 are expanded in the questionnaires' contained value set (LA6114-8 = "3",
LA10137-0 = "5", LA10140-4 = "8", LA6115-5 = "4").
"""

import copy
import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fhir.resources")

from fhir.resources.observation import Observation as ObservationR5  # noqa: E402
from fhir.resources.R4B.bundle import Bundle  # noqa: E402
from fhir.resources.R4B.observation import Observation  # noqa: E402

from painmech.exceptions import InputFormatError, UnitError, ValidationError  # noqa: E402
from painmech.io.fhir import (  # noqa: E402
    METRIC_SYSTEM,
    fhir_bundle,
    profile_from_fhir,
    profile_to_fhir,
    read_questionnaire_responses,
    scores_from_fhir,
    scores_to_fhir,
)


@pytest.fixture
def s4h(data_dir):
    return data_dir / "fhir" / "smart4health_backpain"


@pytest.fixture
def questionnaires(s4h):
    return sorted(s4h.rglob("*.questionnaire.json"))


@pytest.fixture
def responses(s4h):
    base = s4h / "api" / "fixtures" / "bigger-example" / "questionnaireresponse"
    return {p.name.split("-response")[0]: p for p in sorted(base.glob("*.json"))}


@pytest.fixture
def scores():
    # hand-made table in the scores format of metrics_contract.md / norms.zscore
    return pd.DataFrame({
        "subject": ["P01", "P01", "P01", "P01", "P01", "P01", "P02", "P02"],
        "visit": [0, 0, 0, 1, 0, 0, 0, 0],
        "metric": ["pain_intensity", "ppt", "cdt", "cpt", "crp", "pain_duration", "wur",
                   "gmv_dlpfc"],
        "site": ["none", "lumbar", "lumbar", "lumbar", "none", "none", "thenar", "dlpfc"],
        "side": ["none", "left", "left", "right", "none", "none", "right", "left"],
        "value": [6.5, 312.25, -1.5, 14.0, 2.75, 30.0, np.nan, 7654.5],
        "unit": ["nrs10", "kPa", "delta_degC", "degC", "mg/L", "month", "ratio", "mm3"],
        "n_trials": pd.array([1, 3, 3, 3, 1, 1, 0, 1], dtype="Int64"),
        "method": ["", "", "", "", "", "", "single-stimulus mean is 0", ""],
        "z": [np.nan, 1.7, -2.25, 0.5, np.nan, np.nan, np.nan, -0.75],
        "ref": ["", "controls_2024", "controls_2024", "controls_2024", "", "", "",
                "controls_2024"],
        "direction": ["", "gain", "loss", "gain", "", "", "", "loss"],
        "abnormal": pd.array([pd.NA, False, True, False, pd.NA, pd.NA, pd.NA, False],
                             dtype="boolean"),
        "score_note": ["context metric", "", "", "", "no reference", "context metric",
                       "no value", ""],
    })


@pytest.fixture
def profile():
    return pd.DataFrame({
        "subject": ["P01", "P01", "P02"], "visit": [0, 0, 3],
        "mechanism": ["pressure_hyperalgesia", "grey_matter", "descending_inhibition"],
        "status": ["indicated", "not_assessed", "inconclusive"],
        "score": [2.25, np.nan, 1.5], "probability": [0.93, np.nan, 0.61],
        "evidence": ["moderate", "", "low"], "caveats": ["state_dependence;medication", "",
                                                           "cpm_protocol"]})


def test_every_exported_score_validates_in_r4b_and_r5(scores):
    resources = scores_to_fhir(scores)
    assert len(resources) == len(scores)
    for res in resources:
        Observation.model_validate(res)
        ObservationR5.model_validate(res)
    Bundle.model_validate(fhir_bundle(resources))
    assert len({r["id"] for r in resources}) == len(resources)


def test_pain_intensity_carries_loinc_72514_3(scores):
    res = scores_to_fhir(scores)[0]
    assert res["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
    assert res["code"]["coding"][1]["system"] == METRIC_SYSTEM
    assert res["category"][0]["coding"][0]["code"] == "survey"
    assert res["valueQuantity"] == {"value": 6.5, "unit": "NRS 0–10",
                                    "system": "http://unitsofmeasure.org", "code": "{score}"}


def test_units_are_ucum_codes(scores):
    codes = {r["code"]["coding"][-1]["code"]: r.get("valueQuantity", {}).get("code")
             for r in scores_to_fhir(scores)}
    # UCUM: Cel for a temperature, K for a temperature difference, mo = month
    assert codes == {"pain_intensity": "{score}", "ppt": "kPa", "cdt": "K", "cpt": "Cel",
                     "crp": "mg/L", "pain_duration": "mo", "wur": None, "gmv_dlpfc": "mm3"}


def test_score_components_and_interpretation(scores):
    res = {r["code"]["coding"][-1]["code"]: r for r in scores_to_fhir(scores)}
    cdt = res["cdt"]
    comps = {c["code"]["coding"][0]["code"]: c for c in cdt["component"]}
    assert comps["z"]["valueQuantity"]["value"] == -2.25
    assert comps["reference-set"]["valueString"] == "controls_2024"
    assert cdt["interpretation"][0]["coding"][0]["code"] == "A"
    assert cdt["bodySite"]["extension"][0]["valueCode"] == "left"
    assert cdt["subject"]["identifier"]["value"] == "P01"
    assert res["crp"]["category"][0]["coding"][0]["code"] == "laboratory"
    assert res["gmv_dlpfc"]["category"][0]["coding"][0]["code"] == "imaging"
    wur = res["wur"]
    assert "valueQuantity" not in wur
    assert wur["dataAbsentReason"]["coding"][0]["code"] == "not-a-number"
    assert wur["method"]["text"] == "single-stimulus mean is 0"


def test_scores_round_trip_through_a_json_bundle(scores):
    text = json.dumps(fhir_bundle(scores_to_fhir(scores)))
    back = scores_from_fhir(json.loads(text))
    pd.testing.assert_frame_equal(back[scores.columns], scores, check_dtype=False)
    assert np.array_equal(back["value"].to_numpy(), scores["value"].to_numpy(), equal_nan=True)
    assert back["unit"].tolist() == scores["unit"].tolist()


def test_profile_round_trip_and_validation(profile):
    resources = profile_to_fhir(profile)
    for res in resources:
        Observation.model_validate(res)
    assert resources[0]["valueCodeableConcept"]["coding"][0]["code"] == "indicated"
    back = profile_from_fhir(fhir_bundle(resources))
    pd.testing.assert_frame_equal(back, profile, check_dtype=False)


def test_unknown_unit_is_refused(scores):
    with pytest.raises(UnitError, match="no UCUM code"):
        scores_to_fhir(scores.assign(unit="furlong"))


def test_invalid_resource_is_caught_by_the_models(scores):
    bad = copy.deepcopy(scores_to_fhir(scores, validate=False)[1])
    del bad["code"]  # Observation.code is required (1..1)
    with pytest.raises(ValueError, match="code"):
        Observation.model_validate(bad)


# --- QuestionnaireResponse import ------------------------------------------------------------


def test_pain_ratings_from_real_responses(responses, questionnaires):
    obs = read_questionnaire_responses(
        list(responses.values()), subject="S01", questionnaires=questionnaires,
        visit={"test-initial": 0, "test-visit-1": 1, "test-final": 2})
    got = obs[["visit", "trial", "value", "item"]].sort_values(["visit", "trial"])
    assert got.values.tolist() == [
        [0, 1, 3.0, "current_back_pain_level"], [0, 2, 5.0, "average_back_pain_level"],
        [0, 3, 8.0, "max_back_pain_level_4w"], [1, 1, 4.0, "back_pain_level_before"],
        [2, 1, 3.0, "current_pain_level"], [2, 2, 5.0, "average_pain_level"],
        [2, 3, 8.0, "maximimum_pain_level"]]
    assert set(obs["measure"]) == {"pain_intensity"} and set(obs["unit"]) == {"nrs10"}
    # "authored": "2020-02-03T14:15:00-05:00" -> local date 2020-02-03
    assert str(obs.loc[obs["visit"].eq(0), "date"].iloc[0].date()) == "2020-02-03"


def test_link_ids_without_questionnaire_use_loinc_ll2335_9(responses):
    obs = read_questionnaire_responses(responses["treatment-series-pre-session"],
                                       subject="S01", visit=0,
                                       link_ids={"current_back_pain_level": 1})
    assert obs[["trial", "value"]].values.tolist() == [[1, 3.0]]
    with pytest.raises(InputFormatError, match="link_ids"):
        read_questionnaire_responses(responses["treatment-series-pre-session"],
                                     subject="S01", visit=0)


def test_names_in_responses_are_never_read(s4h, questionnaires):
    path = next(s4h.rglob("s4h-prevention-series-questionnaire-response-1*.json"))
    assert "Marie Lux-Brennard" in path.read_text(encoding="utf-8")
    obs = read_questionnaire_responses(path, subject="S02", visit=0,
                                       questionnaires=questionnaires)
    assert obs.empty  # the prevention form has no 0–10 pain item
    with pytest.raises(InputFormatError, match="pseudonym or visit"):
        read_questionnaire_responses(path, subject={}, visit=0,
                                     questionnaires=questionnaires)


def _custom(value_coding=None, value_integer=None):
    quest = {"resourceType": "Questionnaire", "url": "https://example.org/q", "status": "draft",
             "contained": [{"resourceType": "ValueSet", "id": "nrs", "status": "active",
                            "expansion": {"timestamp": "2024-01-01", "contains": [
                                {"code": f"p{i}", "display": str(i)} for i in range(11)]}}],
             "item": [{"linkId": "pain", "type": "choice", "answerValueSet": "#nrs",
                       "code": [{"system": "http://loinc.org", "code": "72514-3"}]}]}
    answer = {"valueCoding": value_coding} if value_coding else {"valueInteger": value_integer}
    resp = {"resourceType": "QuestionnaireResponse", "id": "r1", "status": "completed",
            "questionnaire": "https://example.org/q", "authored": "2024-05-01",
            "item": [{"linkId": "pain", "answer": [answer]}]}
    return quest, resp


def test_coded_answers_resolve_through_the_contained_value_set():
    quest, resp = _custom(value_coding={"system": "https://example.org", "code": "p7"})
    obs = read_questionnaire_responses(resp, subject="S1", visit=0, questionnaires=quest)
    assert obs["value"].tolist() == [7.0]


def test_out_of_range_rating_is_a_validation_error():
    quest, resp = _custom(value_integer=11)
    with pytest.raises(ValidationError, match="outside hard limits"):
        read_questionnaire_responses(resp, subject="S1", visit=0, questionnaires=quest)
