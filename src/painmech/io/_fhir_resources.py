"""Loading FHIR JSON and reading the few element shapes the FHIR readers share."""

from __future__ import annotations

import json
from pathlib import Path

from painmech.exceptions import InputFormatError
from painmech.io._fhir_codes import LATERALITY, SIDE_EXTENSION, SNOMED

__all__ = ["code_of", "laterality", "load_resources"]

_SIDE_OF_SNOMED = {code: side for side, (code, _) in LATERALITY.items()}


def load_resources(source) -> list[dict]:
    """Resources of a JSON file, a parsed resource, or a list of either.

    Bundles are flattened into their entries' resources (nested Bundles too).

    Raises
    ------
    InputFormatError
        When a file cannot be read as JSON, or an item is not a resource.
    """
    items = source if isinstance(source, list | tuple) else [source]
    out = []
    for item in items:  # one iteration per file or resource
        if isinstance(item, dict):
            resource, name = item, "<resource>"
        else:
            path = Path(item)
            name = str(path)
            try:
                resource = json.loads(path.read_text(encoding="utf-8-sig"))
            except (OSError, json.JSONDecodeError) as err:
                raise InputFormatError(f"{path}: cannot read as FHIR JSON ({err})") from None
        if not isinstance(resource, dict) or "resourceType" not in resource:
            raise InputFormatError(f"{name}: not a FHIR resource (no resourceType)")
        if resource["resourceType"] == "Bundle":
            out += load_resources([e["resource"] for e in resource.get("entry", [])
                                   if "resource" in e])
        else:
            out.append(resource)
    return out


def code_of(concept: dict | None, system: str) -> str | None:
    """The code of the first coding of ``system`` in a CodeableConcept (or None)."""
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == system:
            return coding.get("code")
    return None


def laterality(body_site: dict | None) -> str | None:
    """Return the painmech side a bodySite names, or None when it names none.

    Read, in this order: painmech's body-side extension; a SNOMED CT laterality
    qualifier (7771000, 24028007, 51440002, 399488007) as the value of any
    extension on the bodySite (e.g. mCODE's laterality-qualifier); a SNOMED
    laterality qualifier among the bodySite's own codings.
    """
    site = body_site or {}
    for ext in site.get("extension", []):
        if ext.get("url") == SIDE_EXTENSION:
            return ext.get("valueCode")
    for ext in site.get("extension", []):
        concept = ext.get("valueCodeableConcept") or {"coding": [ext.get("valueCoding") or {}]}
        found = _snomed_side(concept)
        if found:
            return found
    return _snomed_side(site)


def _snomed_side(concept: dict) -> str | None:
    for coding in concept.get("coding", []):
        if coding.get("system") == SNOMED and coding.get("code") in _SIDE_OF_SNOMED:
            return _SIDE_OF_SNOMED[coding["code"]]
    return None
