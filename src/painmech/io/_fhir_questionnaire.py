"""Answers of FHIR QuestionnaireResponses, and pain ratings from them.

Which Questionnaire a response answers: its ``questionnaire`` element is a
canonical URL, optionally with ``|version``
(``http://fhir.smart4health.eu/Questionnaire/pre-session-questionnaire|0.1.0``),
or a relative reference ``Questionnaire/<id>`` (as in the HL7 R4 example
``Questionnaire/gcs``). It is matched to the Questionnaires passed in: by URL
(and version, when the response names one), else by id.

What a coded answer is worth, first found wins:

1. a weight on the answer's own coding — the ``ordinalValue`` extension
   (``http://hl7.org/fhir/StructureDefinition/ordinalValue``, FHIR R4; the
   STU3 name ``questionnaire-ordinalValue`` too) or its successor
   ``itemWeight`` (FHIR extensions pack, R5);
2. such a weight on the Questionnaire's ``answerOption`` for that code (on the
   option or on its ``valueCoding``), or on the concept in a contained
   ValueSet;
3. a contained answer ValueSet whose displays are all numbers (the
   Smart4Health forms list "0" … "10");
4. LOINC answer list LL2335-9 (0–10 numeric rating scale).

Numeric answers (``valueInteger``/``valueDecimal``) are taken as they are.

Which answers are pain intensity (:func:`read_questionnaire_responses`):
either the caller names the items (``link_ids``) or the Questionnaire says so —
items coded LOINC 72514-3. The subject's pseudonym and the visit never come
from the response: real responses may carry a person's name
(``subject.display``), which painmech must not store.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from painmech.exceptions import InputFormatError
from painmech.io._fhir_codes import LOINC, LOINC_NRS_ANSWERS, LOINC_PAIN_NRS
from painmech.io._fhir_resources import load_resources
from painmech.registry import validate_observations

__all__ = ["ANSWER_COLUMNS", "WEIGHT_EXTENSIONS", "questionnaire_answers",
           "read_questionnaire_responses"]

#: Extension URLs whose decimal value scores a coded answer, with a short name.
WEIGHT_EXTENSIONS: dict[str, str] = {
    "http://hl7.org/fhir/StructureDefinition/ordinalValue": "ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/itemWeight": "itemWeight",
    "http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue": "ordinalValue",
}
#: Columns of :func:`questionnaire_answers`.
ANSWER_COLUMNS = ["response", "questionnaire", "link_id", "answer", "system", "code",
                  "display", "value", "value_source", "authored", "encounter"]


def _walk(items: list[dict]):
    for item in items or []:
        yield item
        yield from _walk(item.get("item", []))


def _weight(element: dict) -> tuple[float, str] | None:
    for ext in element.get("extension", []) if isinstance(element, dict) else []:
        name = WEIGHT_EXTENSIONS.get(ext.get("url", ""))
        if name is not None:
            return float(ext.get("valueDecimal", ext.get("valueInteger"))), name
    return None


def _value_set_table(vs: dict) -> dict[str, tuple[float, str]]:
    concepts = vs.get("expansion", {}).get("contains") or [
        c for inc in vs.get("compose", {}).get("include", []) for c in inc.get("concept", [])]
    weighted = {c["code"]: w for c in concepts if (w := _weight(c)) is not None}
    if weighted:
        return weighted
    table = {}
    for c in concepts:
        try:
            table[c["code"]] = (float(c.get("display", "")), "value set display")
        except ValueError:
            return {}
    return table


def _answer_tables(questionnaire: dict) -> dict[str, dict[str, tuple[float, str]]]:
    """Map each linkId to {answer code: (number, where it came from)}."""
    sets = {"#" + vs.get("id", ""): _value_set_table(vs)
            for vs in questionnaire.get("contained", [])}
    out = {}
    for item in _walk(questionnaire.get("item")):
        table = dict(sets.get(item.get("answerValueSet"), {}))
        for option in item.get("answerOption", []):
            coding = option.get("valueCoding")
            weight = _weight(option) or _weight(coding or {})
            if coding is not None and weight is not None:
                table[coding.get("code")] = weight
        if table:
            out[item["linkId"]] = table
    return out


def _pain_items(questionnaire: dict) -> list[str]:
    return [i["linkId"] for i in _walk(questionnaire.get("item"))
            if any(c.get("system") == LOINC and c.get("code") == LOINC_PAIN_NRS[0]
                   for c in i.get("code", []))]


def _resolve(ref: str, questionnaires: list[dict], rid: str) -> dict:
    """The passed Questionnaire a response's ``questionnaire`` names, or ``{}``."""
    url, _, version = ref.partition("|")
    same_url = [q for q in questionnaires if q.get("url") == url]
    if version and same_url:
        hit = [q for q in same_url if q.get("version") == version]
        if not hit:
            have = ", ".join(sorted(str(q.get("version")) for q in same_url))
            raise InputFormatError(f"QuestionnaireResponse {rid}: answers {url} version "
                                   f"{version}, but the Questionnaire(s) passed with that URL "
                                   f"have version(s) {have}")
        return hit[0]
    if same_url:
        return same_url[0]
    if url.startswith("Questionnaire/") or "/Questionnaire/" in url:
        qid = url.rsplit("/", 1)[1]
        by_id = [q for q in questionnaires if q.get("id") == qid]
        if len(by_id) > 1:
            raise InputFormatError(f"QuestionnaireResponse {rid}: {len(by_id)} Questionnaires "
                                   f"passed have id {qid!r}; pass only the one it answers")
        if by_id:
            return by_id[0]
    return {}


def _answer_value(answer: dict, table: dict[str, tuple[float, str]]) -> tuple[float, str]:
    if "valueCoding" in answer:
        coding = answer["valueCoding"]
        code = coding.get("code", "")
        found = _weight(coding) or table.get(code)
        if found is None and code in LOINC_NRS_ANSWERS:
            found = (LOINC_NRS_ANSWERS[code], "LOINC LL2335-9")
        return found if found is not None else (np.nan, "")
    for key in ("valueInteger", "valueDecimal"):
        if key in answer:
            return float(answer[key]), key
    return np.nan, ""


def questionnaire_answers(responses, questionnaires=None) -> pd.DataFrame:
    """Every answer of QuestionnaireResponses, with the number it scores as.

    Parameters
    ----------
    responses : path, dict or list of them
        QuestionnaireResponse JSON files, parsed resources or Bundles.
    questionnaires : path, dict or list of them, optional
        The Questionnaires answered (matched by URL and version, or by id
        for ``Questionnaire/<id>`` references); they supply answer weights.

    Returns
    -------
    pandas.DataFrame
        One row per answer: ``response, questionnaire, link_id, answer``
        (position within the item), ``system, code, display`` of a coded
        answer, ``value`` (NaN when the answer has no number) and
        ``value_source`` (``ordinalValue``, ``itemWeight``, ``value set
        display``, ``LOINC LL2335-9``, ``valueInteger``, ``valueDecimal``),
        ``authored`` and ``encounter`` (its identifier value or reference).
        The response's subject is never read.
    """
    quests = [q for q in load_resources(questionnaires) if q.get("resourceType")
              == "Questionnaire"] if questionnaires is not None else []
    rows = []
    for res in load_resources(responses):  # one iteration per response
        if res.get("resourceType") != "QuestionnaireResponse":
            continue
        rid, ref = res.get("id", ""), res.get("questionnaire", "")
        tables = _answer_tables(_resolve(ref, quests, rid))
        enc = res.get("encounter", {})
        encounter = enc.get("identifier", {}).get("value") or enc.get("reference", "")
        for item in _walk(res.get("item")):
            for pos, answer in enumerate(item.get("answer", []), start=1):
                coding = answer.get("valueCoding", {})
                value, source = _answer_value(answer, tables.get(item.get("linkId"), {}))
                rows.append((rid, ref, item.get("linkId"), pos, coding.get("system", ""),
                             coding.get("code", ""), coding.get("display", ""), value, source,
                             res.get("authored", ""), encounter))
    out = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    return out.astype({"answer": "int64", "value": "float64"})


def read_questionnaire_responses(
    responses,
    *,
    subject: str | Mapping[str, str],
    visit: int | Mapping[str, int],
    questionnaires=None,
    link_ids: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Read 0–10 pain ratings from FHIR QuestionnaireResponses into observations.

    Parameters
    ----------
    responses : path, dict or list of them
        QuestionnaireResponse JSON files or parsed resources.
    subject : str or mapping of response id to str
        Pseudonym of the patient (the response's own subject is never read).
    visit : int or mapping of str to int
        Visit number, or a mapping from the response's encounter identifier
        value (e.g. ``"test-initial"``) to the visit.
    questionnaires : path, dict or list of them, optional
        The Questionnaires the responses answer (matched by URL|version or,
        for ``Questionnaire/<id>``, by id); they tell which items are LOINC
        72514-3 pain ratings and what coded answers are worth.
    link_ids : mapping of linkId to trial number, optional
        Read exactly these items as ``pain_intensity`` with these trial
        numbers. Without it, every item the Questionnaire codes 72514-3 is
        read, numbered 1, 2, ... in questionnaire order (e.g. current, average
        and maximum pain of the Smart4Health pre-session form).

    Returns
    -------
    pandas.DataFrame
        Validated observations of ``pain_intensity`` (unit ``nrs10``) plus
        ``date`` (``authored``) and ``item`` (the linkId).

    Raises
    ------
    InputFormatError
        When the pain items cannot be determined (the message says whether
        no Questionnaire was passed or which reference matched none), an
        answer cannot be turned into a number, or subject/visit are not given.
    ValidationError
        When a rating is outside 0–10.
    """
    quests = [q for q in load_resources(questionnaires) if q.get("resourceType")
              == "Questionnaire"] if questionnaires is not None else []
    resps = [r for r in load_resources(responses)
             if r.get("resourceType") == "QuestionnaireResponse"]
    trials_of = {}
    for res in resps:  # one iteration per response: which items, whose, which visit
        rid, ref = res.get("id", ""), res.get("questionnaire", "")
        quest = _resolve(ref, quests, rid)
        if link_ids is None and not quest:
            passed = ", ".join(f"{q.get('url') or ''} (id {q.get('id')})" for q in quests)
            raise InputFormatError(
                f"QuestionnaireResponse {rid}: its questionnaire {ref!r} is not among the "
                f"Questionnaires passed ({passed})" if quests else
                f"QuestionnaireResponse {rid}: pass its Questionnaire ({ref}) or link_ids= "
                "to say which items are pain ratings")
        trials_of[rid] = dict(link_ids) if link_ids is not None else {
            link: i for i, link in enumerate(_pain_items(quest), start=1)}
        enc = res.get("encounter", {})
        key = enc.get("identifier", {}).get("value") or enc.get("reference", "")
        who = subject if isinstance(subject, str) else subject.get(rid)
        when = visit if isinstance(visit, int) else visit.get(key)
        if who is None or when is None:
            raise InputFormatError(f"QuestionnaireResponse {rid}: no pseudonym or visit given "
                                   f"(encounter {key!r})")
    answers = questionnaire_answers(resps, quests)
    pain = answers[[lid in trials_of.get(r, {}) for r, lid in
                    zip(answers["response"], answers["link_id"], strict=True)]]
    unscored = pain["value"].isna()
    if unscored.any():
        first = pain.loc[unscored].iloc[0]
        raise InputFormatError(f"QuestionnaireResponse {first['response']}, item "
                               f"{first['link_id']}: answer {first['code'] or '(none)'} has no "
                               "number (no ordinalValue/itemWeight, numeric value set or "
                               "LOINC LL2335-9 code)")
    pseudonym = pain["response"].map(lambda r: subject if isinstance(subject, str)
                                     else subject[r])
    v = pain["encounter"].map(lambda e: visit if isinstance(visit, int) else visit[e])
    trial = [trials_of[r][lid] for r, lid in zip(pain["response"], pain["link_id"],
                                                  strict=True)]
    table = pd.DataFrame({"subject": pseudonym.to_numpy(), "visit": v.to_numpy(),
                          "measure": "pain_intensity", "trial": trial,
                          "value": pain["value"].to_numpy(), "unit": "nrs10",
                          "date": pain["authored"].astype(str).str.slice(0, 10).to_numpy()},
                         columns=["subject", "visit", "measure", "trial", "value", "unit",
                                  "date"])
    # the local calendar date as authored
    checked = validate_observations(table, file="<QuestionnaireResponse>")
    return checked.raise_if_problems().assign(item=pain["link_id"].to_numpy())
