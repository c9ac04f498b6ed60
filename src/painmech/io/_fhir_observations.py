"""A clinic's own FHIR Observations (LOINC-coded) as painmech observations.

Hospital and laboratory systems send results as Observations coded with
LOINC: pain intensity (72514-3), CRP (1988-5; hs-CRP 30522-7), IL-6
(26881-3), TNF-α (3074-2), IL-1β (13629-1) — the codes of
:data:`painmech.io._fhir_codes.LOINC_MEASURES`. :func:`read_fhir_observations`
maps them onto the registry's raw measures and converts the units with
UCUM's metric prefixes (``mg/dL`` → ``mg/L`` × 10, ``ug/mL`` → ``mg/L`` × 1,
``ng/L`` → ``pg/mL`` × 1). Whatever cannot be used is counted, per code and
reason, in :attr:`FhirObservations.skipped`: codes painmech does not use,
units it cannot convert (molar ``umol/L`` needs a molar mass), results that
are not final, missing values, patients or visits not in the caller's mapping.

Values written by other systems in any of the usual shapes are read:
``valueQuantity`` with UCUM ``system``/``code`` or only a ``unit`` text,
``valueInteger``/``valueDecimal`` and LOINC answer codes (LL2335-9) for the
0–10 rating, a ``comparator`` (``<0.3`` mg/L → left-censored, as
:func:`painmech.io.read_blood` marks ``<LOD``), and laterality on
``bodySite`` (painmech's extension, a SNOMED CT laterality qualifier as an
extension value or as a coding).

As with QuestionnaireResponses, the patient is never read from the
resource: the caller maps each subject reference to a pseudonym.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from painmech.exceptions import InputFormatError, PainmechWarning
from painmech.io._fhir_codes import (
    LOINC,
    LOINC_MEASURES,
    LOINC_NRS_ANSWERS,
    UCUM,
    mass_concentration_factor,
    ucum,
    ucum_table,
)
from painmech.io._fhir_resources import code_of, laterality, load_resources
from painmech.io._interop import validate_long
from painmech.registry import MEASURES, NO_SITE

__all__ = ["FhirObservations", "SCORE_UNITS", "SKIPPED_COLUMNS", "read_fhir_observations",
           "skipped_table", "summarise_skipped"]

#: Columns of the skipped-resources report.
SKIPPED_COLUMNS = ["resource_type", "system", "code", "display", "reason", "n"]
_FINAL = ("final", "amended", "corrected")
_CENSOR = {"<": "left", "<=": "left", ">": "right", ">=": "right"}
#: Quantity units (UCUM code or unit text) read as a 0–10 rating of 72514-3.
SCORE_UNITS = frozenset({"", "1", "{score}", "{Score}", "score", "/10", "{points}"})
_UNIT_OF_UCUM = {c: u for u, c in ucum_table().items()
                 if list(ucum_table().values()).count(c) == 1}


@dataclass
class FhirObservations:
    """Result of :func:`read_fhir_observations`.

    Attributes
    ----------
    observations : pandas.DataFrame
        Validated observations (always with their columns, also when empty):
        ``subject, visit, measure, site, side, trial, value, unit, date,
        value_raw, unit_raw, flag`` plus ``censored`` (``""``, ``"left"``,
        ``"right"``), ``loinc`` (the code read), ``body_site`` (the
        bodySite text, kept for measures painmech records without a site) and
        ``fhir_id``.
    skipped : pandas.DataFrame
        What was not read, one row per resource type, code and reason:
        ``resource_type, system, code, display, reason, n``.
    """

    observations: pd.DataFrame
    skipped: pd.DataFrame


def skipped_table(rows: list[dict]) -> pd.DataFrame:
    """Count skipped resources per type, code and reason (always with its columns)."""
    frame = pd.DataFrame(rows, columns=SKIPPED_COLUMNS[:-1]).fillna("")
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "n" else object)
                             for c in SKIPPED_COLUMNS})
    keys = ["resource_type", "system", "code", "reason"]
    out = frame.groupby(keys, sort=False).agg(display=("display", "first"),
                                              n=("display", "size")).reset_index()
    return out[SKIPPED_COLUMNS].sort_values("n", ascending=False, kind="stable",
                                            ignore_index=True)


def summarise_skipped(skipped: pd.DataFrame, limit: int = 6) -> str:
    """Skipped resources in one line: ``LOINC 8867-4 Heart rate: 2 × code not used; …``."""
    names = {LOINC: "LOINC", UCUM: "UCUM"}
    what = [(f"{names.get(r.system, r.system)} {r.code} {r.display}".strip() if r.code
             else r.resource_type) for r in skipped.itertuples(index=False)]
    lines = [f"{w}: {n} × {reason}" for w, n, reason in
             zip(what, skipped["n"], skipped["reason"], strict=True)][:limit]
    more = len(skipped) - limit
    return "; ".join(lines) + (f"; and {more} more (see .skipped)" if more > 0 else "")


def _skip(res: dict, reason: str, system: str = "", code: str = "", display: str = "") -> dict:
    return {"resource_type": res.get("resourceType", ""), "system": system, "code": code,
            "display": display, "reason": reason}


def _loinc(res: dict) -> tuple[str, dict]:
    """The LOINC code painmech reads (or ``""``) and the coding to report it by."""
    codings = res.get("code", {}).get("coding") or [{}]
    for coding in codings:
        if coding.get("system") == LOINC and coding.get("code") in LOINC_MEASURES:
            return coding["code"], coding
    return "", codings[0]


def _rating(res: dict) -> tuple[float, str, str] | str:
    """0–10 rating of a 72514-3 Observation: (value, unit, comparator) or a skip reason."""
    if "valueInteger" in res or "valueDecimal" in res:
        return float(res.get("valueInteger", res.get("valueDecimal"))), "nrs10", ""
    if "valueCodeableConcept" in res:
        code = code_of(res["valueCodeableConcept"], LOINC) or ""
        if code in LOINC_NRS_ANSWERS:
            return LOINC_NRS_ANSWERS[code], "nrs10", ""
        return f"answer code {code or '(none)'} is not a LOINC LL2335-9 rating"
    if "valueQuantity" not in res:
        kind = next(k for k in res if k.startswith("value"))
        return f"{kind} is not a 0–10 rating"
    q = res["valueQuantity"]
    unit = q.get("code", q.get("unit", "")) or ""
    if unit not in SCORE_UNITS:
        return f"unit {unit!r} is not a 0–10 rating"
    number = _number(q)
    return number if isinstance(number, str) else (number, "nrs10", q.get("comparator", ""))


def _number(q: dict) -> float | str:
    """The Quantity's value as a float, or why it has none."""
    try:
        return float(q["value"])
    except KeyError:
        return "Quantity without a value"
    except (TypeError, ValueError):
        return f"Quantity value {q['value']!r} is not a number"


def _concentration(res: dict, measure: str) -> tuple[float, str, str] | str:
    """Value in a unit the registry converts: (value, unit id, comparator) or a skip reason."""
    if "valueQuantity" not in res:
        return "the value is not a Quantity"
    q = res["valueQuantity"]
    ucum_code = q.get("code") if q.get("system") == UCUM else None
    text = (ucum_code or q.get("unit") or "").replace("µ", "u").replace("μ", "u")
    meas = MEASURES[measure]
    number = _number(q)
    if isinstance(number, str):
        return number
    unit = _UNIT_OF_UCUM.get(text)
    if unit in meas.units:
        return number, unit, q.get("comparator", "")
    factor = mass_concentration_factor(text, ucum(meas.unit)[0])
    if factor is None:
        why = " (a molar unit needs the analyte's molar mass)" if "mol" in text else ""
        return f"unit {text or '(none)'!r} cannot be converted to {meas.unit}{why}"
    return number * factor, meas.unit, q.get("comparator", "")


def _value(res: dict, measure: str) -> tuple[float, str, str] | str:
    if res.get("status") not in _FINAL:
        return f"status {res.get('status')!r} (only final, amended or corrected are read)"
    if not any(k.startswith("value") for k in res):
        absent = code_of(res.get("dataAbsentReason"), "http://terminology.hl7.org/CodeSystem/"
                         "data-absent-reason")
        return f"no value ({'dataAbsentReason ' + absent if absent else 'components only'})"
    return _rating(res) if measure == "pain_intensity" else _concentration(res, measure)


def _who_when(res: dict, subject, visit) -> tuple[str, str, object, str]:
    """(subject reference, date, visit or a skip reason, pseudonym or '')."""
    ref = res.get("subject", {})
    key = ref.get("reference") or ref.get("identifier", {}).get("value", "")
    date = str(res.get("effectiveDateTime") or res.get("effectivePeriod", {}).get("start")
               or res.get("issued") or "")[:10]
    enc = res.get("encounter", {})
    enc_key = enc.get("reference") or enc.get("identifier", {}).get("value", "")
    if isinstance(visit, Mapping):
        v = visit.get(enc_key, visit.get(date)) if enc_key else visit.get(date)
        if v is None:
            v = f"no visit for encounter {enc_key or '(none)'} / date {date or '(none)'}"
    else:
        v = visit
    pseudonym = subject if isinstance(subject, str) else subject.get(key, "")
    return key, date, v, pseudonym


def _parse(resources: list[dict], subject, visit) -> tuple[list[dict], list[dict]]:
    rows, skipped = [], []
    for entry, res in enumerate(resources, start=1):  # one iteration per resource
        if res.get("resourceType") != "Observation":
            skipped.append(_skip(res, "not an Observation"))
            continue
        code, coding = _loinc(res)
        display = coding.get("display", "")
        if not code:
            skipped.append(_skip(res, "code not used by painmech", coding.get("system", ""),
                                 coding.get("code", ""), display))
            continue
        measure = LOINC_MEASURES[code][0]
        got = _value(res, measure)
        key, date, v, pseudonym = _who_when(res, subject, visit)
        reason = (got if isinstance(got, str)
                  else "" if pseudonym else f"patient {key or '(none)'} not in the subject "
                  "mapping") or (v if isinstance(v, str) else "")
        if reason:
            skipped.append(_skip(res, reason, LOINC, code, display))
            continue
        value, unit, comparator = got
        site = res.get("bodySite") or {}
        rows.append({"_entry": entry, "_key": key, "subject": pseudonym, "visit": v,
                     "measure": measure, "site": NO_SITE,
                     "side": laterality(site) or NO_SITE, "value": value, "unit": unit,
                     "date": date, "censored": _CENSOR.get(comparator, ""), "loinc": code,
                     "body_site": site.get("text", ""), "fhir_id": res.get("id", "")})
    return rows, skipped


def read_fhir_observations(source, *, subject: str | Mapping[str, str],
                           visit: int | Mapping[str, int], warn: bool = True
                           ) -> FhirObservations:
    """Read a clinic's LOINC-coded Observations into painmech observations.

    Parameters
    ----------
    source : path, dict or list of them
        Bundle(s) or Observation(s) as JSON files or parsed dicts.
    subject : str or mapping of str to str
        The pseudonym, when every Observation is of one patient; otherwise a
        mapping from the Observation's ``subject.reference`` (e.g.
        ``"Patient/123"``, or the identifier value) to the pseudonym.
        Observations of patients not in the mapping are skipped and counted.
    visit : int or mapping of str to int
        The visit number, or a mapping from the encounter reference (or
        identifier value) or, for Observations without an encounter, the
        effective date ``YYYY-MM-DD`` to the visit.
    warn : bool
        Warn with a per-code summary when anything was skipped (and about
        values outside the usual range).

    Returns
    -------
    FhirObservations
        ``.observations`` (canonical units: pain NRS 0–10, CRP mg/L,
        cytokines pg/mL; repeated results of a subject, visit and measure
        become trials 1, 2, … in time order) and ``.skipped``.

    Raises
    ------
    InputFormatError
        When ``subject`` is one pseudonym but the Observations are of more
        than one patient.
    ValidationError
        When a value breaks the registry's limits, naming the Observation.
    """
    rows, skipped = _parse(load_resources(source), subject, visit)
    long = pd.DataFrame(rows, columns=["_entry", "_key", "subject", "visit", "measure",
                                       "site", "side", "value", "unit", "date", "censored",
                                       "loinc", "body_site", "fhir_id"])
    patients = sorted(set(long["_key"]))
    if isinstance(subject, str) and len(patients) > 1:
        raise InputFormatError(f"the Observations are of {len(patients)} patients "
                               f"({', '.join(patients[:5])}); pass subject={{reference: "
                               "pseudonym}} instead of one pseudonym")
    long = long.sort_values(["subject", "visit", "measure", "side", "date", "_entry"],
                            kind="stable", ignore_index=True)
    trial = long.groupby(["subject", "visit", "measure", "side"], sort=False).cumcount() + 1
    obs = long.assign(trial=trial.astype("int64"))
    report = skipped_table(skipped)
    checked = validate_long(
        obs[["subject", "visit", "measure", "site", "side", "trial", "value", "unit", "date"]],
        file="<FHIR Observations>", source_row=obs["_entry"].to_numpy(),
        source_column=("Observation/" + obs["fhir_id"].astype(str)).to_numpy(), warn=warn,
        id_columns={"subject": "subject", "visit": "encounter"})
    extra = obs[["censored", "loinc", "body_site", "fhir_id"]].reset_index(drop=True)
    out = pd.concat([checked.reset_index(drop=True), extra], axis=1)
    if warn and len(report):
        warnings.warn(f"{int(report['n'].sum())} FHIR resource(s) skipped: "
                      + summarise_skipped(report), PainmechWarning, stacklevel=2)
    return FhirObservations(out, report)

