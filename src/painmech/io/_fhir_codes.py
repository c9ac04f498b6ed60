"""Code systems and UCUM units used by the FHIR adapter.

painmech's own code systems live under ``https://painmech.invalid/`` — the
``.invalid`` top-level domain is reserved (RFC 2606) and never resolves, so
these URIs are stable identifiers, **not registered terminologies**: a
receiving system must treat them as local codes. Where an external code is
known and exact it is used as well:

* LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] -
  Reported" for ``pain_intensity`` (the code the Smart4Health back-pain
  questionnaires attach to their 0–10 items, see tests/data/fhir).
* LOINC answer list LL2335-9 (0–10 numeric rating scale): answer codes
  LA6111-4 … LA13942-0 for 0 … 10, as expanded in the same questionnaires.
* HL7 observation-category, v3-ObservationInterpretation and
  data-absent-reason code systems.
* SNOMED CT laterality qualifiers 7771000 Left, 24028007 Right, 51440002
  Right and left, 399488007 Midline (the HL7 value set
  ``structure-laterality-vs`` of the FHIR extensions pack and mCODE's
  ``mcode-laterality-qualifier-vs`` list exactly these four).
* The laboratory and pain LOINC codes of :data:`LOINC_MEASURES` (read from a
  clinic's own Observations).

UCUM codes (https://ucum.org): ``Cel`` is on an interval scale, so a
temperature *difference* (painmech ``delta_degC``) is written in ``K``;
``mo`` and ``a`` are UCUM's mean Julian month and year, the same calendar
painmech's registry converts durations with (see its pain_duration entry); rating scales
and scores are dimensionless with an annotation (``{score}``). The painmech
unit label goes into ``Quantity.unit`` and, with the UCUM code, identifies the
painmech unit on reading.
"""

from __future__ import annotations

import re

from painmech.exceptions import UnitError
from painmech.registry import UNIT_LABELS

__all__ = [
    "BASE", "COMPONENT_SYSTEM", "LATERALITY", "LOINC", "LOINC_MEASURES", "LOINC_NRS_ANSWERS",
    "LOINC_PAIN_NRS", "MECHANISM_SYSTEM", "METRIC_SYSTEM", "PSEUDONYM_SYSTEM", "SIDE_EXTENSION",
    "SITE_SYSTEM", "SNOMED", "STATUS_SYSTEM", "UCUM", "VISIT_SYSTEM", "mass_concentration_factor",
    "ucum", "ucum_table", "unit_from_ucum",
]

BASE = "https://painmech.invalid"
METRIC_SYSTEM = f"{BASE}/CodeSystem/metric"
MECHANISM_SYSTEM = f"{BASE}/CodeSystem/mechanism"
STATUS_SYSTEM = f"{BASE}/CodeSystem/mechanism-status"
COMPONENT_SYSTEM = f"{BASE}/CodeSystem/component"
SITE_SYSTEM = f"{BASE}/CodeSystem/site"
CATEGORY_SYSTEM = f"{BASE}/CodeSystem/observation-category"
SIDE_EXTENSION = f"{BASE}/StructureDefinition/body-side"
PSEUDONYM_SYSTEM = f"{BASE}/NamingSystem/pseudonym"
VISIT_SYSTEM = f"{BASE}/NamingSystem/visit"

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
HL7_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
HL7_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
HL7_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
SNOMED = "http://snomed.info/sct"

#: painmech side -> SNOMED CT laterality qualifier (code, display).
LATERALITY: dict[str, tuple[str, str]] = {
    "left": ("7771000", "Left"), "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"), "midline": ("399488007", "Midline"),
}

#: LOINC code -> (painmech measure, LOINC long common name). Names as the LOINC
#: table gives them; each code checked against laboratories' published test
#: catalogues (Mayo Clinic Laboratories: CRP 1988-5, HSCRP 30522-7, TNFA 3074-2,
#: IL1B 13629-1; Northwell/Labcorp IL-6 26881-3) and, for 72514-3, the
#: Smart4Health back-pain questionnaires in tests/data/fhir. hs-CRP and CRP are
#: both the registry's ``crp`` (mg/L); the code stays in the ``loinc`` column.
LOINC_MEASURES: dict[str, tuple[str, str]] = {
    "72514-3": ("pain_intensity",
                "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "1988-5": ("crp", "C reactive protein [Mass/volume] in Serum or Plasma"),
    "30522-7": ("crp", "C reactive protein [Mass/volume] in Serum or Plasma by High "
                       "sensitivity method"),
    "26881-3": ("il6", "Interleukin 6 [Mass/volume] in Serum or Plasma"),
    "3074-2": ("tnf_alpha", "Tumor necrosis factor alpha [Mass/volume] in Serum or Plasma"),
    "13629-1": ("il1_beta", "Interleukin 1 beta [Mass/volume] in Serum or Plasma"),
}

LOINC_PAIN_NRS = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")

#: LOINC answer list LL2335-9: answer code -> rating 0–10.
LOINC_NRS_ANSWERS: dict[str, float] = {
    "LA6111-4": 0.0, "LA6112-2": 1.0, "LA6113-0": 2.0, "LA6114-8": 3.0, "LA6115-5": 4.0,
    "LA10137-0": 5.0, "LA10138-8": 6.0, "LA10139-6": 7.0, "LA10140-4": 8.0,
    "LA10141-2": 9.0, "LA13942-0": 10.0,
}

_UCUM: dict[str, str] = {
    "kPa": "kPa", "N/cm2": "N/cm2", "kgf/cm2": "kgf/cm2", "lbf/in2": "[psi]",
    "degC": "Cel", "delta_degC": "K", "mN": "mN", "g": "g", "mm": "mm", "cm": "cm",
    "cm2": "cm2", "mm3": "mm3", "cm3": "cm3", "mg/L": "mg/L", "mg/dL": "mg/dL",
    "pg/mL": "pg/mL", "ng/L": "ng/L", "ng/mL": "ng/mL", "month": "mo", "day": "d",
    "week": "wk", "year": "a", "percent": "%", "points": "{points}", "nrs10": "{score}",
    "nrs100": "{score}", "vas_mm": "mm", "count": "{count}", "score": "{score}",
    "x/8": "{score}", "flag": "{flag}", "fisher_z": "1", "uV": "uV", "mV": "mV", "mA": "mA",
    "ratio": "1", "raw_sum": "{score}", "1": "1",
}
_BY_CODE_AND_LABEL = {(code, UNIT_LABELS[u]): u for u, code in _UCUM.items()}


def ucum(unit: str) -> tuple[str, str]:
    """UCUM code and human label of a painmech unit id.

    Raises
    ------
    UnitError
        If the unit has no UCUM mapping.
    """
    if unit not in _UCUM:
        raise UnitError(f"no UCUM code for painmech unit {unit!r}; known: "
                        f"{', '.join(sorted(_UCUM))}")
    return _UCUM[unit], UNIT_LABELS[unit]


def ucum_table() -> dict[str, str]:
    """Map each painmech unit id to the UCUM code written on export (a copy)."""
    return dict(_UCUM)


# UCUM metric prefixes as powers of ten (UCUM table of prefixes; "u" is micro)
_PREFIX = {"": 0, "d": -1, "c": -2, "m": -3, "u": -6, "n": -9, "p": -12, "f": -15}
_MASS_PER_VOLUME = re.compile(r"^([dcmunpf]?)g/([dcmunpf]?)L$")


def mass_concentration_factor(code: str, target: str) -> float | None:
    """Factor from one UCUM mass concentration to another (``mg/dL`` -> ``mg/L``: 10).

    Both codes are ``<prefix>g/<prefix>L`` with UCUM prefixes d, c, m, u, n, p,
    f (case-sensitive, as UCUM is). Returns ``None`` when either code is not
    such a mass concentration (molar units such as ``umol/L`` need a molar
    mass and are not converted).
    """
    a, b = _MASS_PER_VOLUME.match(code or ""), _MASS_PER_VOLUME.match(target)
    if a is None or b is None:
        return None
    power = (_PREFIX[a.group(1)] - _PREFIX[a.group(2)]) - (_PREFIX[b.group(1)]
                                                           - _PREFIX[b.group(2)])
    return 10.0 ** power


def unit_from_ucum(code: str, label: str | None) -> str:
    """Return the painmech unit id of a Quantity (UCUM code plus painmech unit label)."""
    found = _BY_CODE_AND_LABEL.get((code, label))
    if found is not None:
        return found
    candidates = sorted(u for u, c in _UCUM.items() if c == code)
    if len(candidates) == 1:
        return candidates[0]
    raise UnitError(f"UCUM code {code!r} with unit text {label!r} does not identify one "
                    f"painmech unit (candidates: {', '.join(candidates) or 'none'})")
