"""Reading painmech's own FHIR Observations back into scores and profile tables.

:func:`scores_from_fhir` and :func:`profile_from_fhir` undo
:func:`painmech.io.fhir.scores_to_fhir` and
:func:`~painmech.io.fhir.profile_to_fhir`; resources without a painmech code
are skipped and counted per code (a clinic's own LOINC-coded results are read
by :func:`painmech.io.fhir.read_fhir_observations`).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from painmech.exceptions import InputFormatError, PainmechWarning
from painmech.io._fhir_codes import (
    COMPONENT_SYSTEM,
    HL7_INTERPRETATION,
    MECHANISM_SYSTEM,
    METRIC_SYSTEM,
    PSEUDONYM_SYSTEM,
    SITE_SYSTEM,
    STATUS_SYSTEM,
    unit_from_ucum,
)
from painmech.io._fhir_observations import skipped_table, summarise_skipped
from painmech.io._fhir_resources import code_of, laterality, load_resources
from painmech.registry import NO_SITE

__all__ = ["profile_from_fhir", "scores_from_fhir"]

_VISIT = re.compile(r"/visit-(\d+)$")
_code = code_of

def _components(res: dict) -> dict:
    out = {}
    for comp in res.get("component", []):
        name = _code(comp.get("code"), COMPONENT_SYSTEM)
        value = (comp.get("valueQuantity", {}).get("value") if "valueQuantity" in comp
                 else comp.get("valueString", comp.get("valueInteger")))
        out[name] = value
    return out


def _subject_visit(res: dict) -> tuple[str, int]:
    subject = res.get("subject", {}).get("identifier", {})
    visit = res.get("encounter", {}).get("identifier", {})
    found = _VISIT.search(visit.get("value", ""))
    if subject.get("system") != PSEUDONYM_SYSTEM or found is None:
        raise InputFormatError(f"Observation {res.get('id')}: no painmech pseudonym or visit "
                               "identifier")
    return subject["value"], int(found.group(1))


_SCORE_COLUMNS = {"subject": "object", "visit": "int64", "metric": "object", "site": "object",
                  "side": "object", "value": "float64", "unit": "object", "n_trials": "Int64",
                  "method": "object", "z": "float64", "ref": "object", "direction": "object",
                  "abnormal": "boolean", "score_note": "object"}


def _score_row(res: dict, metric: str) -> dict:
    subject, visit = _subject_visit(res)
    q = res.get("valueQuantity")
    unit = (unit_from_ucum(q["code"], q.get("unit")) if q is not None
            else res["extension"][0]["valueCode"])
    comp = _components(res)
    interp = _code((res.get("interpretation") or [{}])[0], HL7_INTERPRETATION)
    return {"subject": subject, "visit": visit, "metric": metric,
            "site": _code(res.get("bodySite"), SITE_SYSTEM) or NO_SITE,
            "side": laterality(res.get("bodySite")) or NO_SITE,
            "value": q["value"] if q is not None else np.nan, "unit": unit,
            "n_trials": comp.get("n-trials"), "method": res.get("method", {}).get("text", ""),
            "z": comp.get("z", np.nan), "ref": comp.get("reference-set", ""),
            "direction": comp.get("direction", ""),
            "abnormal": None if interp is None else interp == "A",
            "score_note": (res.get("note") or [{}])[0].get("text", "")}


def scores_from_fhir(source, *, warn: bool = True) -> pd.DataFrame:
    """Read Observations written by :func:`scores_to_fhir` back into a scores table.

    Parameters
    ----------
    source : path, dict or list of them
        A Bundle, one Observation or a list of them (JSON files or dicts).
    warn : bool
        Warn, counted per code, about resources without a painmech metric code
        (e.g. a clinic's own LOINC-coded results, which
        :func:`read_fhir_observations` reads).

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, metric, site, side, value, unit, n_trials, method,
        z, ref, direction, abnormal, score_note`` — with these columns also
        when no Observation was read.
    """
    rows, skipped = [], []
    for res in load_resources(source):  # one iteration per resource
        metric = _code(res.get("code"), METRIC_SYSTEM)
        if res.get("resourceType") == "Observation" and metric is not None:
            rows.append(_score_row(res, metric))
            continue
        first = (res.get("code", {}).get("coding") or [{}])[0]
        skipped.append({"resource_type": res.get("resourceType", ""),
                        "system": first.get("system", ""), "code": first.get("code", ""),
                        "display": first.get("display", ""),
                        "reason": "no painmech metric code"})
    report = skipped_table(skipped)
    if warn and len(report):
        warnings.warn(f"scores_from_fhir: {int(report['n'].sum())} resource(s) without a "
                      f"painmech metric code skipped ({summarise_skipped(report)}); read a "
                      "clinic's own LOINC-coded results with read_fhir_observations",
                      PainmechWarning, stacklevel=2)
    out = pd.DataFrame(rows, columns=list(_SCORE_COLUMNS))
    return out.astype(_SCORE_COLUMNS)


def profile_from_fhir(source) -> pd.DataFrame:
    """Read Observations written by :func:`profile_to_fhir` back into a profile table."""
    rows = []
    for res in load_resources(source):  # one iteration per resource
        mech = _code(res.get("code"), MECHANISM_SYSTEM)
        if res.get("resourceType") != "Observation" or mech is None:
            continue
        subject, visit = _subject_visit(res)
        comp = _components(res)
        rows.append({"subject": subject, "visit": visit, "mechanism": mech,
                     "status": _code(res.get("valueCodeableConcept"), STATUS_SYSTEM),
                     "score": comp.get("score", np.nan),
                     "probability": comp.get("probability", np.nan),
                     "evidence": comp.get("evidence", ""), "caveats": comp.get("caveats", "")})
    columns = {"subject": "object", "visit": "int64", "mechanism": "object",
               "status": "object", "score": "float64", "probability": "float64",
               "evidence": "object", "caveats": "object"}
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)
