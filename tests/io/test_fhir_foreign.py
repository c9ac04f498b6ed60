"""FHIR from other systems: laterality without a site, relative Questionnaire references,
ordinalValue / itemWeight answer scores, and a clinic's own LOINC-coded Observations.

Fixtures (tests/data/fhir, see the PROVENANCE.md files): the HL7 FHIR R4 Glasgow Coma
Score Questionnaire and QuestionnaireResponse (``"questionnaire": "Questionnaire/gcs"``,
answers with the ordinalValue extension), the Smart4Health back-pain Questionnaires
(canonical URL with ``|0.1.0``), and a painmech-written clinic Bundle with laboratory and
pain Observations in the shapes other systems write.
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

from painmech.exceptions import InputFormatError, PainmechWarning  # noqa: E402
from painmech.io._fhir_questionnaire import questionnaire_answers  # noqa: E402
from painmech.io.fhir import (  # noqa: E402
    fhir_bundle,
    read_fhir_observations,
    read_questionnaire_responses,
    scores_from_fhir,
    scores_to_fhir,
)

SNOMED = "http://snomed.info/sct"


# --- 2. laterality of metrics with a side but no site -----------------------------------


@pytest.fixture
def lateral():
    metrics = ["gmv_thalamus", "gmv_dlpfc", "gmv_thalamus_frac", "gmv_dlpfc_frac"]
    rows = [("P01", 0, m, "none", side, v * (1 if side == "left" else 0.97),
             "ratio" if m.endswith("frac") else "mm3")
            for m, v in zip(metrics, [7280.7, 13195.0, 0.00497, 0.00901], strict=True)
            for side in ("left", "right")]
    return pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value",
                                       "unit"])


def test_side_without_site_survives_the_round_trip(lateral):
    resources = scores_to_fhir(lateral)
    for res in resources:
        Observation.model_validate(res)
        ObservationR5.model_validate(res)
    Bundle.model_validate(fhir_bundle(resources))
    left = resources[0]["bodySite"]
    # the side as painmech's extension and as the SNOMED CT laterality qualifier
    assert left["extension"][0]["valueCode"] == "left"
    assert left["coding"] == [{"system": SNOMED, "code": "7771000", "display": "Left"}]
    assert resources[1]["bodySite"]["coding"][0]["code"] == "24028007"
    back = scores_from_fhir(json.loads(json.dumps(fhir_bundle(resources))))
    # the old export wrote no bodySite: eight rows came back with side "none"
    assert back["side"].tolist() == ["left", "right"] * 4
    pd.testing.assert_frame_equal(back[lateral.columns], lateral, check_dtype=False)
    assert len({r["id"] for r in resources}) == 8


def test_exports_that_would_lose_rows_or_visits_are_refused(lateral):
    dup = pd.concat([lateral, lateral.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputFormatError, match=r"rows 1 and 9 share subject, visit, metric, "
                       r"site and side \(P01, 0, gmv_thalamus, none, left\)"):
        scores_to_fhir(dup)
    with pytest.raises(InputFormatError, match="visit 1.5 is not a whole number"):
        scores_to_fhir(lateral.assign(visit=1.5))
    with pytest.raises(InputFormatError, match="side.s. sinister cannot be written"):
        scores_to_fhir(lateral.assign(side="sinister"))


# --- 5. Questionnaire references and ordinalValue / itemWeight ---------------------------


@pytest.fixture
def gcs(data_dir):
    base = data_dir / "fhir" / "hl7_r4_examples"
    return (json.loads((base / "questionnaire-example-gcs.json").read_text()),
            json.loads((base / "questionnaireresponse-example-gcs.json").read_text()))


def test_gcs_answers_are_scored_from_their_ordinal_values(gcs):
    quest, resp = gcs
    answers = questionnaire_answers(resp, quest)
    # the example's ordinalValue extensions: verbal Confused 4, motor Localizing pain 5,
    # eye Eyes open spontaneously 4 -- total 13, as fhir_path's FHIRPath test
    # "QuestionnaireResponse.item.answer.valueCoding.extension.valueDecimal.aggregate(...)"
    # expects for this example
    assert answers[["link_id", "code", "value"]].values.tolist() == [
        ["1.1", "LA6560-2", 4.0], ["1.2", "LA6566-9", 5.0], ["1.3", "LA6556-0", 4.0]]
    assert answers["value"].sum() == 13
    assert set(answers["value_source"]) == {"ordinalValue"}
    assert "Peter James Chalmers" not in answers.to_string()


def test_weights_from_the_questionnaire_when_the_answer_has_none(gcs):
    quest, resp = copy.deepcopy(gcs[0]), copy.deepcopy(gcs[1])
    for item in resp["item"]:
        del item["answer"][0]["valueCoding"]["extension"]
    # GCS verbal scale: Oriented 5 ... No verbal response 1 (the LOINC answer list order)
    verbal = next(vs for vs in quest["contained"] if vs["id"] == "verbal")
    for score, concept in enumerate(verbal["compose"]["include"][0]["concept"], start=1):
        concept["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                                 "valueDecimal": score}]
    answers = questionnaire_answers(resp, quest)
    assert answers["value"].tolist()[0] == 4.0  # Confused is the 4th of 5 codes
    assert answers["value"].isna().tolist() == [False, True, True]  # motor, eye unweighted
    without = questionnaire_answers(resp)  # no Questionnaire: nothing to score from
    assert without["value"].isna().all()


def _pain_form(weight_on: str):
    """A 0-10 pain item whose coded answers carry weights (R4 ordinalValue or R5 itemWeight)."""
    options = []
    for i in range(11):
        coding = {"system": "https://clinic.example/nrs", "code": f"n{i}", "display": str(i)}
        ext = [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": i}]
        if weight_on == "option":
            options.append({"valueCoding": coding, "extension": ext})
        else:
            ext[0]["url"] = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
            options.append({"valueCoding": {**coding, "extension": ext}})
    quest = {"resourceType": "Questionnaire", "id": "nrs", "status": "active",
             "url": "https://clinic.example/Questionnaire/nrs", "version": "2",
             "item": [{"linkId": "pain", "type": "choice", "answerOption": options,
                       "code": [{"system": "http://loinc.org", "code": "72514-3"}]}]}
    resp = {"resourceType": "QuestionnaireResponse", "id": "r1", "status": "completed",
            "questionnaire": "Questionnaire/nrs", "authored": "2024-05-02",
            "item": [{"linkId": "pain", "answer": [{"valueCoding": {
                "system": "https://clinic.example/nrs", "code": "n6"}}]}]}
    return quest, resp


@pytest.mark.parametrize("weight_on", ["option", "coding"])
def test_relative_reference_and_answer_option_weights(weight_on):
    quest, resp = _pain_form(weight_on)
    obs = read_questionnaire_responses(resp, subject="S1", visit=0, questionnaires=quest)
    # the old reader said "pass its Questionnaire (Questionnaire/nrs)" although it was
    assert obs[["measure", "value", "unit", "item"]].values.tolist() == [
        ["pain_intensity", 6.0, "nrs10", "pain"]]
    canonical = {**resp, "questionnaire": "https://clinic.example/Questionnaire/nrs|2"}
    again = read_questionnaire_responses(canonical, subject="S1", visit=0,
                                         questionnaires=quest)
    pd.testing.assert_frame_equal(again, obs)


def test_unknown_reference_and_unscored_answer_say_why():
    quest, resp = _pain_form("option")
    with pytest.raises(InputFormatError, match=r"its questionnaire 'Questionnaire/other' is "
                       r"not among the Questionnaires passed \(https://clinic.example/"
                       r"Questionnaire/nrs \(id nrs\)\)"):
        read_questionnaire_responses({**resp, "questionnaire": "Questionnaire/other"},
                                     subject="S1", visit=0, questionnaires=quest)
    del quest["item"][0]["answerOption"][6]["extension"]
    with pytest.raises(InputFormatError, match="item pain: answer n6 has no number"):
        read_questionnaire_responses(resp, subject="S1", visit=0, questionnaires=quest)


def test_gcs_response_is_matched_to_its_questionnaire_by_id(gcs):
    quest, resp = gcs
    # no 72514-3 item in the GCS form: nothing to read, and no complaint about the reference
    obs = read_questionnaire_responses(resp, subject="S1", visit=0, questionnaires=quest)
    assert obs.empty


def test_canonical_version_picks_the_right_questionnaire(data_dir):
    base = data_dir / "fhir" / "smart4health_backpain" / "api" / "fixtures" / "bigger-example"
    quest = json.loads((base / "questionnaire" / "back-pain-pre-session-en-packed"
                        ".questionnaire.json").read_text())
    resp = json.loads((base / "questionnaireresponse" / "treatment-series-pre-session-"
                       "response-en.questionnaireresponse.json").read_text())
    assert resp["questionnaire"].endswith("|0.1.0")
    newer = copy.deepcopy(quest)
    newer["version"] = "0.2.0"
    for item in newer["item"]:
        item.pop("code", None)  # version 0.2.0 codes no item as 72514-3
    obs = read_questionnaire_responses(resp, subject="S1", visit=0,
                                       questionnaires=[newer, quest])
    assert obs["value"].tolist() == [3.0, 5.0, 8.0]  # LA6114-8, LA10137-0, LA10140-4
    with pytest.raises(InputFormatError, match=r"version 9.9.9, but the Questionnaire.s. "
                       r"passed with that URL have version.s. 0.1.0, 0.2.0"):
        read_questionnaire_responses({**resp, "questionnaire": resp["questionnaire"]
                                      .replace("0.1.0", "9.9.9")}, subject="S1", visit=0,
                                     questionnaires=[newer, quest])


# --- 6. a clinic's own LOINC-coded Observations ------------------------------------------


@pytest.fixture
def clinic(data_dir):
    return data_dir / "fhir" / "clinic" / "clinic-observations.bundle.json"


def test_clinic_bundle_is_valid_fhir(clinic):
    Bundle.model_validate(json.loads(clinic.read_text()))


def test_clinic_observations_map_to_registry_measures(clinic):
    visits = {"Encounter/e1": 0, "Encounter/e2": 1}
    with pytest.warns(PainmechWarning, match="10 FHIR resource.s. skipped"):
        got = read_fhir_observations(clinic, subject={"Patient/p1": "K01"}, visit=visits)
    obs = got.observations.set_index(["measure", "visit", "side", "trial"])
    # hand conversions: 0.35 mg/dL x 10 = 3.5 mg/L; 0.0012 ng/mL x 1000 = 1.2 pg/mL;
    # 8.1 ng/L = 8.1 pg/mL (UCUM code "ng/L", unit text "ng/l")
    assert obs.loc[("crp", 0, "none", 1), "value"] == pytest.approx(3.5)
    assert obs.loc[("crp", 0, "none", 1), ["value_raw", "unit_raw", "loinc"]].tolist() == [
        0.35, "mg/dL", "1988-5"]
    assert obs.loc[("crp", 1, "none", 1), ["value", "loinc"]].tolist() == [2.1, "30522-7"]
    assert obs.loc[("il6", 0, "none", 1), "value"] == 3.2
    # the second IL-6 sample "<1.5 pg/mL" is a left-censored replicate
    assert obs.loc[("il6", 0, "none", 2), ["value", "censored"]].tolist() == [1.5, "left"]
    assert obs.loc[("tnf_alpha", 0, "none", 1), "value"] == 8.1
    assert obs.loc[("il1_beta", 0, "none", 1), "value"] == pytest.approx(1.2)
    # ratings: valueInteger 7 (left, SNOMED extension), Quantity {score} 5 (right, SNOMED
    # coding), LOINC answer LA6115-5 = 4 at visit 1
    assert obs.loc[("pain_intensity", 0, "left", 1), ["value", "body_site"]].tolist() == [
        7.0, "lower back, left"]
    assert obs.loc[("pain_intensity", 0, "right", 1), "value"] == 5.0
    assert obs.loc[("pain_intensity", 1, "none", 1), "value"] == 4.0
    assert len(got.observations) == 9 and set(got.observations["subject"]) == {"K01"}
    assert set(got.observations["unit"]) == {"mg/L", "pg/mL", "nrs10"}


def test_what_was_skipped_is_counted_per_code(clinic):
    got = read_fhir_observations(clinic, subject={"Patient/p1": "K01"},
                                 visit={"Encounter/e1": 0, "Encounter/e2": 1}, warn=False)
    table = got.skipped
    assert list(table.columns) == ["resource_type", "system", "code", "display", "reason", "n"]
    counts = {(r.resource_type, r.code, r.reason.split(" (")[0]): r.n
              for r in table.itertuples()}
    assert counts == {
        ("Observation", "8867-4", "code not used by painmech"): 2,
        ("Encounter", "", "not an Observation"): 2,
        ("Patient", "", "not an Observation"): 1,
        ("Observation", "85354-9", "code not used by painmech"): 1,
        ("Observation", "1988-5", "unit 'nmol/L' cannot be converted to mg/L"): 1,
        ("Observation", "1988-5", "status 'preliminary'"): 1,
        ("Observation", "1988-5", "no value"): 1,
        ("Observation", "1988-5", "patient Patient/p2 not in the subject mapping"): 1,
    }
    molar = table.loc[table["reason"].str.startswith("unit 'nmol/L'"), "reason"].item()
    assert "molar mass" in molar


def test_one_pseudonym_for_two_patients_is_refused(clinic):
    with pytest.raises(InputFormatError, match=r"of 2 patients \(Patient/p1, Patient/p2\)"):
        read_fhir_observations(clinic, subject="K01", visit=0, warn=False)


def test_scores_reader_names_what_it_skipped(clinic):
    # the old reader returned an empty frame without columns and without a word
    with pytest.warns(PainmechWarning, match=r"19 resource.s. without a painmech metric code "
                      r"skipped .*LOINC 1988-5 .*read_fhir_observations"):
        back = scores_from_fhir(clinic)
    assert back.empty
    assert list(back.columns)[:7] == ["subject", "visit", "metric", "site", "side", "value",
                                      "unit"]
    assert back["value"].dtype == np.float64


def test_odd_values_are_skipped_with_their_reason():
    def obs(i, code, **value):
        return {"resourceType": "Observation", "id": f"o{i}", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "subject": {"reference": "Patient/p1"}, **value}

    bundle = [obs(1, "72514-3", valueString="moderate"),
              obs(2, "1988-5", valueQuantity={"unit": "mg/L", "comparator": "<"}),
              obs(3, "26881-3", valueQuantity={"value": 4.0, "unit": "%"}),
              obs(4, "72514-3", valueQuantity={"value": 40, "unit": "mm", "code": "mm",
                                               "system": "http://unitsofmeasure.org"})]
    got = read_fhir_observations(bundle, subject="K01", visit=0, warn=False)
    assert got.observations.empty and list(got.observations.columns)[:8] == [
        "subject", "visit", "measure", "site", "side", "trial", "value", "unit"]
    assert sorted(got.skipped["reason"]) == [
        "Quantity without a value", "unit '%' cannot be converted to pg/mL",
        "unit 'mm' is not a 0–10 rating", "valueString is not a 0–10 rating"]
