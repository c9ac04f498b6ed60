"""FHIR R4: scores and mechanism profiles as Observation resources, and back.

Export
    :func:`scores_to_fhir` turns a scores table (:func:`painmech.norms.zscore`)
    into one Observation per row: the metric value as ``valueQuantity`` with
    its UCUM unit, the z-score, reference set, direction and number of trials
    as components, ``interpretation`` A/N from ``abnormal``. ``pain_intensity``
    is coded with LOINC 72514-3 (plus the painmech code); every other metric
    with the painmech metric code system. :func:`profile_to_fhir` does the
    same for the mechanism profile (status as ``valueCodeableConcept``; score,
    probability, evidence level and caveats as components).
    :func:`fhir_bundle` wraps resources in a ``collection`` Bundle. Every
    resource is validated with the ``fhir.resources`` R4B models (R4B is the
    R4-compatible release shipped by fhir.resources 8; Observation is
    unchanged between R4 and R4B).

    A side without a site (``gmv_thalamus`` left) is written on ``bodySite``
    as painmech's side extension plus the SNOMED CT laterality qualifier.
    What an Observation cannot carry is refused, not written lossily: two
    rows with the same subject, visit, metric, site and side, a visit that
    is not a whole number, a side painmech does not know.

Import
    :func:`scores_from_fhir` and :func:`profile_from_fhir` read the exported
    resources back; :func:`read_questionnaire_responses` reads 0–10 pain
    ratings from QuestionnaireResponses and :func:`questionnaire_answers`
    every answer with its score (see :mod:`painmech.io._fhir_questionnaire`);
    :func:`read_fhir_observations` reads a clinic's own LOINC-coded
    Observations (see :mod:`painmech.io._fhir_observations`).

Code systems: see :mod:`painmech.io._fhir_codes` — the painmech systems under
``https://painmech.invalid/`` are local identifiers, not registered
terminologies. Subjects are referenced by pseudonym identifier only (no
Patient resource, no name); visits by an Encounter identifier
``<subject>/visit-<n>``.

Resources are built one per row: FHIR JSON is a tree per resource, so this
adapter is not vectorised; it is meant for exports of a clinic's or a
study's results, not for bulk pipelines.
"""

from __future__ import annotations

import re
import uuid

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.io._fhir_codes import (
    BASE,
    CATEGORY_SYSTEM,
    COMPONENT_SYSTEM,
    HL7_ABSENT,
    HL7_CATEGORY,
    HL7_INTERPRETATION,
    LATERALITY,
    LOINC,
    LOINC_MEASURES,
    LOINC_PAIN_NRS,
    MECHANISM_SYSTEM,
    METRIC_SYSTEM,
    PSEUDONYM_SYSTEM,
    SIDE_EXTENSION,
    SITE_SYSTEM,
    SNOMED,
    STATUS_SYSTEM,
    UCUM,
    VISIT_SYSTEM,
    ucum,
)
from painmech.io._fhir_observations import (
    FhirObservations,
    read_fhir_observations,
)
from painmech.io._fhir_questionnaire import (
    questionnaire_answers,
    read_questionnaire_responses,
)
from painmech.io._fhir_read import profile_from_fhir, scores_from_fhir
from painmech.io._interop import check_exportable
from painmech.registry import MECHANISMS, METRICS, NO_SITE, SITES

__all__ = [
    "LOINC_MEASURES",
    "METRIC_SYSTEM",
    "MECHANISM_SYSTEM",
    "FhirObservations",
    "fhir_bundle",
    "profile_from_fhir",
    "profile_to_fhir",
    "questionnaire_answers",
    "read_fhir_observations",
    "read_questionnaire_responses",
    "scores_from_fhir",
    "scores_to_fhir",
    "validate_resource",
]

_LAB = {"crp", "il6", "tnf_alpha", "il1_beta", "crp_category"}
_SURVEY = {"pain_intensity", "pain_duration", "pain_state", "odi", "ndi", "rmdq", "pcs",
           "dass21_stress", "pds_hyperarousal", "frebaq_total"}
_IMAGING = re.compile(r"^(gmv_|etiv|fc$|fc_)")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def validate_resource(resource: dict) -> dict:
    """Validate one resource with the fhir.resources R4B models; return it unchanged.

    Raises
    ------
    ImportError
        If fhir.resources is not installed (``pip install painmech[interop]``).
    pydantic.ValidationError
        If the resource breaks the FHIR model.
    """
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("FHIR validation needs fhir.resources>=7: "
                          "pip install 'painmech[interop]'") from err
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def _coding(system: str, code: str, display: str | None = None) -> dict:
    out = {"system": system, "code": str(code)}
    if display:
        out["display"] = display
    return out


def _component(code: str, **value) -> dict:
    return {"code": {"coding": [_coding(COMPONENT_SYSTEM, code)]}, **value}


def _quantity(value: float, unit: str) -> dict:
    code, label = ucum(unit)
    return {"value": float(value), "unit": label, "system": UCUM, "code": code}


def _context(rec: dict) -> dict:
    out = {"subject": {"identifier": {"system": PSEUDONYM_SYSTEM, "value": str(rec["subject"])}},
           "encounter": {"identifier": {"system": VISIT_SYSTEM,
                                        "value": f"{rec['subject']}/visit-{int(rec['visit'])}"},
                         "display": f"visit {int(rec['visit'])}"}}
    date = rec.get("date")
    if date is not None and not pd.isna(date):
        out["effectiveDateTime"] = pd.Timestamp(date).date().isoformat()
    return out


def _body_site(site: str, side: str) -> dict | None:
    """Build the bodySite of a row: the site as a painmech code, the side as an extension.

    A side without a site (``gmv_thalamus`` left) is written as the side
    extension plus the SNOMED CT laterality qualifier, so that neither painmech
    nor another system reads it back as unlateralised.
    """
    if site == NO_SITE and side == NO_SITE:
        return None
    if site == NO_SITE:
        code, display = LATERALITY[side]
        out = {"coding": [_coding(SNOMED, code, display)], "text": side}
    else:
        label = SITES[site].label_en if site in SITES else site
        out = {"coding": [_coding(SITE_SYSTEM, site, label)],
               "text": label if side == NO_SITE else f"{label}, {side}"}
    if side != NO_SITE:
        out["extension"] = [{"url": SIDE_EXTENSION, "valueCode": side}]
    return out


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) \
        else str(value).strip()


def _score_resource(rec: dict) -> dict:
    metric = rec["metric"]
    label = METRICS[metric].label_en if metric in METRICS else metric
    coding = [_coding(METRIC_SYSTEM, metric, label)]
    if metric == "pain_intensity":
        coding.insert(0, _coding(LOINC, *LOINC_PAIN_NRS))
    category = ("laboratory" if metric in _LAB else "survey" if metric in _SURVEY
                else "imaging" if _IMAGING.match(metric) else "exam")
    key = "|".join(str(rec[k]) for k in ("subject", "visit", "metric", "site", "side"))
    res = {"resourceType": "Observation", "id": str(uuid.uuid5(_NAMESPACE, key)),
           "status": "final",
           "category": [{"coding": [_coding(HL7_CATEGORY, category)]}],
           "code": {"coding": coding, "text": label}, **_context(rec)}
    if np.isfinite(rec["value"]):
        res["valueQuantity"] = _quantity(rec["value"], rec["unit"])
    else:
        res["dataAbsentReason"] = {"coding": [_coding(HL7_ABSENT, "not-a-number")]}
        res["extension"] = [{"url": f"{BASE}/StructureDefinition/unit",
                             "valueCode": str(rec["unit"])}]
    site = _body_site(str(rec["site"]), str(rec["side"]))
    if site:
        res["bodySite"] = site
    if _text(rec.get("method")):
        res["method"] = {"text": _text(rec.get("method"))}
    abnormal = rec.get("abnormal")
    if abnormal is not None and not pd.isna(abnormal):
        res["interpretation"] = [{"coding": [_coding(HL7_INTERPRETATION,
                                                     "A" if abnormal else "N")]}]
    comps = []
    z = rec.get("z")
    if z is not None and np.isfinite(z):
        comps.append(_component("z", valueQuantity={"value": float(z), "unit": "z",
                                                    "system": UCUM, "code": "1"}))
    for name in ("ref", "direction"):
        if _text(rec.get(name)):
            comps.append(_component("reference-set" if name == "ref" else name,
                                    valueString=_text(rec.get(name))))
    n = rec.get("n_trials")
    if n is not None and not pd.isna(n):
        comps.append(_component("n-trials", valueInteger=int(n)))
    if comps:
        res["component"] = comps
    if _text(rec.get("score_note")):
        res["note"] = [{"text": _text(rec.get("score_note"))}]
    return res


def scores_to_fhir(scores: pd.DataFrame, *, validate: bool = True) -> list[dict]:
    """One FHIR Observation (JSON dict) per row of a scores or metrics table.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``subject, visit, metric, site, side, value, unit`` and optionally
        ``n_trials, method, z, ref, direction, abnormal, score_note, date``.
        The value keeps its unit (UCUM code, painmech label in
        ``Quantity.unit``); z is dimensionless (positive = more
        pain-sensitive / more abnormal). A NaN value gives a
        ``dataAbsentReason`` instead of a quantity.
    validate : bool
        Validate every resource with the fhir.resources R4B models.

    Returns
    -------
    list of dict
        Observation resources with deterministic ids (UUID v5 of subject,
        visit, metric, site and side).
    """
    check_columns(scores, ["subject", "visit", "metric", "site", "side", "value", "unit"],
                  "scores")
    check_exportable(scores, "scores", "the FHIR export names visits '<subject>/visit-<n>'")
    resources = [_score_resource(rec) for rec in scores.to_dict("records")]
    return [validate_resource(r) for r in resources] if validate else resources


def _profile_resource(rec: dict) -> dict:
    mech = rec["mechanism"]
    label = MECHANISMS[mech].label_en if mech in MECHANISMS else mech
    key = "|".join(str(rec[k]) for k in ("subject", "visit", "mechanism"))
    res = {"resourceType": "Observation", "id": str(uuid.uuid5(_NAMESPACE, "profile|" + key)),
           "status": "final",
           "category": [{"coding": [_coding(CATEGORY_SYSTEM, "mechanism-profile",
                                            "painmech mechanism profile")]}],
           "code": {"coding": [_coding(MECHANISM_SYSTEM, mech, label)], "text": label},
           **_context(rec),
           "valueCodeableConcept": {"coding": [_coding(STATUS_SYSTEM, rec["status"])],
                                    "text": str(rec["status"]).replace("_", " ")}}
    comps = []
    for name, unit in (("score", "z"), ("probability", "probability")):
        value = rec.get(name)
        if value is not None and np.isfinite(value):
            comps.append(_component(name, valueQuantity={"value": float(value), "unit": unit,
                                                         "system": UCUM, "code": "1"}))
    for name in ("evidence", "caveats"):
        if _text(rec.get(name)):
            comps.append(_component(name, valueString=_text(rec.get(name))))
    if comps:
        res["component"] = comps
    return res


def profile_to_fhir(profile: pd.DataFrame, *, validate: bool = True) -> list[dict]:
    """One FHIR Observation per row of a mechanism profile.

    Parameters
    ----------
    profile : pandas.DataFrame
        ``subject, visit, mechanism, status`` and optionally ``score`` (z
        units, positive = towards the mechanism), ``probability`` (0–1),
        ``evidence`` and ``caveats`` (text).
    validate : bool
        Validate every resource with the fhir.resources R4B models.
    """
    check_columns(profile, ["subject", "visit", "mechanism", "status"], "profile")
    resources = [_profile_resource(rec) for rec in profile.to_dict("records")]
    return [validate_resource(r) for r in resources] if validate else resources


def fhir_bundle(resources: list[dict], *, validate: bool = True) -> dict:
    """Wrap resources in a FHIR Bundle of type ``collection``."""
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]}
    return validate_resource(bundle) if validate else bundle
