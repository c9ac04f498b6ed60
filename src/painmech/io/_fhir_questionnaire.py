"""Pain ratings from FHIR QuestionnaireResponses (e.g. the Smart4Health back-pain app).

Which answers are pain intensity: either the caller names the items
(``link_ids``) or the Questionnaire says so — items coded LOINC 72514-3 (0–10
pain severity). Coded answers (``valueCoding``) are resolved through the
Questionnaire's answer value set (a contained ValueSet whose displays are the
numbers) or, without it, through LOINC answer list LL2335-9; numeric answers
(``valueInteger``/``valueDecimal``) are taken as they are.

The subject's pseudonym and the visit never come from the response: real
responses may carry a person's name (``subject.display``), which painmech
must not store, so both are given by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from painmech.exceptions import InputFormatError
from painmech.io._fhir_codes import LOINC, LOINC_NRS_ANSWERS, LOINC_PAIN_NRS
from painmech.registry import validate_observations

__all__ = ["read_questionnaire_responses"]


def _load(source) -> list[dict]:
    items = source if isinstance(source, list | tuple) else [source]
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
        else:
            path = Path(item)
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError) as err:
                raise InputFormatError(f"{path}: cannot read as FHIR JSON ({err})") from None
    return out


def _walk(items: list[dict]):
    for item in items or []:
        yield item
        yield from _walk(item.get("item", []))


def _answer_tables(questionnaire: dict) -> dict[str, dict[str, float]]:
    """Map each linkId to {answer code: number} from contained numeric value sets."""
    sets = {}
    for vs in questionnaire.get("contained", []):
        concepts = vs.get("expansion", {}).get("contains") or [
            c for inc in vs.get("compose", {}).get("include", []) for c in inc.get("concept", [])]
        table = {}
        for c in concepts:
            try:
                table[c["code"]] = float(c.get("display", ""))
            except ValueError:
                table = {}
                break
        if table:
            sets["#" + vs.get("id", "")] = table
    return {i["linkId"]: sets[i["answerValueSet"]] for i in _walk(questionnaire.get("item"))
            if i.get("answerValueSet") in sets}


def _pain_items(questionnaire: dict) -> list[str]:
    return [i["linkId"] for i in _walk(questionnaire.get("item"))
            if any(c.get("system") == LOINC and c.get("code") == LOINC_PAIN_NRS[0]
                   for c in i.get("code", []))]


def _answer_value(answer: dict, table: dict[str, float]) -> float | str:
    if "valueCoding" in answer:
        code = answer["valueCoding"].get("code", "")
        return table.get(code, LOINC_NRS_ANSWERS.get(code, f"unknown answer code {code}"))
    for key in ("valueInteger", "valueDecimal"):
        if key in answer:
            return float(answer[key])
    return "answer is neither coded nor numeric"


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
        The Questionnaires the responses answer (matched by canonical URL);
        they tell which items are LOINC 72514-3 pain ratings and how coded
        answers map to numbers.
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
        When the pain items cannot be determined, an answer cannot be turned
        into a number, or subject/visit are not given for a response.
    ValidationError
        When a rating is outside 0–10.
    """
    by_url = {q.get("url"): q for q in _load(questionnaires)} if questionnaires else {}
    rows = []
    for res in _load(responses):  # one iteration per response
        rid = res.get("id", "")
        canonical = res.get("questionnaire", "").split("|")[0]
        quest = by_url.get(canonical, {})
        if link_ids is not None:
            trials = dict(link_ids)
        elif quest:
            trials = {link: i for i, link in enumerate(_pain_items(quest), start=1)}
        else:
            raise InputFormatError(f"QuestionnaireResponse {rid}: pass its Questionnaire "
                                   f"({canonical}) or link_ids= to say which items are pain "
                                   "ratings")
        tables = _answer_tables(quest)
        pseudonym = subject if isinstance(subject, str) else subject.get(rid)
        enc = res.get("encounter", {}).get("identifier", {}).get("value")
        v = visit if isinstance(visit, int) else visit.get(enc)
        if pseudonym is None or v is None:
            raise InputFormatError(f"QuestionnaireResponse {rid}: no pseudonym or visit given "
                                   f"(encounter {enc!r})")
        for item in _walk(res.get("item")):
            if item.get("linkId") not in trials:
                continue
            for answer in item.get("answer", []):
                value = _answer_value(answer, tables.get(item["linkId"], {}))
                if isinstance(value, str):
                    raise InputFormatError(f"QuestionnaireResponse {rid}, item "
                                           f"{item['linkId']}: {value}")
                rows.append({"subject": pseudonym, "visit": v, "measure": "pain_intensity",
                             "trial": trials[item["linkId"]], "value": value, "unit": "nrs10",
                             "date": res.get("authored", ""), "item": item["linkId"]})
    table = pd.DataFrame(rows, columns=["subject", "visit", "measure", "trial", "value", "unit",
                                        "date", "item"])
    dates = table["date"].astype(str).str.slice(0, 10)  # the local calendar date as authored
    checked = validate_observations(table.drop(columns="item").assign(date=dates),
                                    file="<QuestionnaireResponse>")
    return checked.raise_if_problems().assign(item=table["item"].to_numpy())
