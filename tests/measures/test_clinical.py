"""Questionnaire metrics, scored against awell-score and qhs vectors.

Expected values come from tests/data/scoring (see its PROVENANCE.md): the
awell-score test assertions and the qhs test workbooks.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from painmech.measures import MetricOptions, compute_metrics
from painmech.registry import MEASURES


def make_obs(rows):
    df = pd.DataFrame(rows, columns=["subject", "measure", "site", "side", "trial", "value"])
    df.insert(1, "visit", 1)
    df["unit"] = df["measure"].map({m.id: m.unit for m in MEASURES.values()})
    return df.astype({"visit": "int64", "trial": "int64", "value": float})


def item_rows(subject, measure, answers):
    """answers: item number -> score (missing items absent)."""
    return [(subject, measure, "none", "none", int(k), float(v)) for k, v in answers.items()]


SCORING = Path(__file__).resolve().parents[1] / "data" / "scoring"


@pytest.fixture(scope="module")
def awell():
    return json.loads((SCORING / "awell_vectors_summary.json").read_text())


def _awell_items(case):
    # keys such as "3_lifting", "NDI_Q03" or "question_3" carry the item number
    out = {}
    for key, value in case["input"].items():
        digits = "".join(ch if ch.isdigit() else " " for ch in key).split()
        out[int(digits[0])] = value
    return out


@pytest.mark.parametrize("questionnaire,measure,metric,expected_key", [
    ("ODI", "odi_item", "odi", "OSWESTRY"),
    ("NDI", "ndi_item", "ndi", "NDI"),
    ("PCS", "pcs_item", "pcs", "TOTAL"),
])
def test_item_scoring_matches_awell_vectors(awell, questionnaire, measure, metric,
                                            expected_key):
    cases = [c for c in awell[questionnaire] if c["input"]]
    rows = []
    for i, case in enumerate(cases):
        rows += item_rows(f"c{i}", measure, _awell_items(case))
    m = compute_metrics(make_obs(rows)).set_index("subject")
    for i, case in enumerate(cases):
        expected = case["expected"].get("_unrounded", case["expected"][expected_key])
        # awell rounds ODI to an integer; painmech keeps decimals (16/45 × 100 = 35.56)
        assert m.loc[f"c{i}", "value"] == pytest.approx(expected, abs=0.005), case["name"]
        assert m.loc[f"c{i}", "metric"] == metric


def test_odi_one_missing_section_edge_case(awell):
    case = next(c for c in awell["ODI"] if c["name"] == "one_missing_item")
    m = compute_metrics(make_obs(item_rows("p", "odi_item", _awell_items(case))))
    row = m.iloc[0]
    # 5 + 5 + 3 + 3 + 0 × 5 = 16 points over 9 answered sections: 16 / 45 × 100 = 35.556 %
    assert row["value"] == pytest.approx(1600.0 / 45.0)
    assert round(row["value"]) == case["expected"]["OSWESTRY"]  # awell's rounded 36
    assert "prorated from 9 of 10" in row["method"]


def test_odi_two_missing_sections_are_not_scored():
    answers = {k: 2 for k in range(1, 9)}  # items 9 and 10 missing
    row = compute_metrics(make_obs(item_rows("p", "odi_item", answers))).iloc[0]
    # awell: no score; qhs would give 16 / 40 × 100 = 40 %; painmech: NaN with the reason
    assert np.isnan(row["value"])
    assert "2 of 10 items missing (at most 1 allowed)" in row["method"]
    # allowing 2 missing reproduces the qhs arithmetic: 16 / 40 × 100 = 40 %
    row2 = compute_metrics(make_obs(item_rows("p", "odi_item", answers)),
                           options=MetricOptions(odi_max_missing=2)).iloc[0]
    assert row2["value"] == pytest.approx(40.0)


def test_odi_against_qhs_workbook():
    book = pd.read_excel(SCORING / "qhs" / "data-oswestry.xlsx",
                         sheet_name="oswestry_eng")
    scored = [c for c in book.columns if c.startswith("scored.")]
    long = book[["id", *scored]].reset_index(names="case").melt(
        id_vars=["case", "id"], value_vars=scored, var_name="col", value_name="value")
    long["trial"] = long["col"].map({c: i + 1 for i, c in enumerate(scored)})
    long = long.dropna(subset=["value"])
    obs = make_obs([(f"q{r.case:02d}", "odi_item", "none", "none", r.trial, r.value)
                    for r in long.itertuples()])
    m = compute_metrics(obs).set_index("subject")["value"]
    answered = book[scored].notna().sum(axis=1)
    for case, n_answered in answered.items():
        got = m.loc[f"q{case:02d}"]
        if n_answered >= 9:
            # same rule as qhs: numerator / (5 × answered) × 100
            assert got == pytest.approx(book.loc[case, "oswestry"]), case
        else:
            # qhs keeps prorating (denominators 40 ... 20); painmech refuses
            assert np.isnan(got), case


def test_pcs_against_qhs_workbook():
    book = pd.read_excel(SCORING / "qhs" / "data-pcs.xlsx",
                         sheet_name="pcs_eng")
    # the PCS answer labels and their scores 0–4 (Sullivan et al. 1995)
    labels = {"Not at all": 0, "To a slight degree": 1, "To a moderate degree": 2,
              "To a great degree": 3, "All the time": 4}
    item_cols = [c for c in book.columns if c.split(".")[-1].isdigit()]
    rows = []
    for case, rec in book.iterrows():
        for col in item_cols:
            rows.append((f"q{case}", "pcs_item", "none", "none", int(col.split(".")[-1]),
                         labels[rec[col]]))
    m = compute_metrics(make_obs(rows)).set_index("subject")["value"]
    for case, expected in book["score.pcs"].items():
        assert m.loc[f"q{case}"] == expected


def test_recorded_totals_pass_through_with_their_units():
    rows = [("s1", "pain_intensity", "none", "none", 1, 6.0),
            ("s1", "pain_intensity", "none", "none", 2, 4.0),
            ("s1", "pain_duration", "none", "none", 1, 14.0),
            ("s1", "rmdq", "none", "none", 1, 11.0),
            ("s1", "dass21_stress", "none", "none", 1, 18.0),
            ("s1", "pds_hyperarousal", "none", "none", 1, 7.0),
            ("s1", "ndi", "none", "none", 1, 42.0),
            ("s1", "pain_state", "none", "none", 1, 1.0)]
    m = compute_metrics(make_obs(rows)).set_index("metric")
    # two intensity records: (6 + 4) / 2 = 5
    assert m.loc["pain_intensity", "value"] == 5.0
    assert m.loc["pain_intensity", "method"] == "mean of 2 recorded values"
    assert m.loc["pain_intensity", "unit"] == "nrs10"
    assert m.loc["pain_duration", "unit"] == "month"
    assert m.loc["ndi", ["value", "unit"]].tolist() == [42.0, "percent"]
    assert m.loc["pds_hyperarousal", "value"] == 7.0


def test_items_win_over_a_recorded_total_and_say_so():
    rows = item_rows("s1", "pcs_item", {k: 1 for k in range(1, 14)})
    rows.append(("s1", "pcs", "none", "none", 1, 20.0))
    m = compute_metrics(make_obs(rows))
    assert len(m) == 1
    # 13 items × 1 = 13; the recorded 20 is named but not used
    assert m.iloc[0]["value"] == 13.0
    assert "recorded total 20.0 not used" in m.iloc[0]["method"]
