"""Catalog, error model, bibliography and bilingual texts of the mechanisms."""

import re

import numpy as np
import pytest

from painmech.mechanisms import (
    CATALOG,
    CAVEATS,
    EVIDENCE_LEVELS,
    FLAG_TEXT,
    INFLUENCE,
    MECHANISM_TEXT,
    PATTERN_TEXT,
    RELIABILITY,
    STATUS_TEXT,
    bibliography,
    catalog_table,
    caveat_table,
    check_keys,
    cite,
    exceed_probability,
    influence_table,
    mechanism_text,
    reliability_table,
)
from painmech.registry import MECHANISMS, METRICS


def test_catalog_covers_the_ten_mechanisms_in_order():
    assert tuple(CATALOG) == tuple(MECHANISMS)
    assert len(catalog_table()) == 10


def test_pag_direction_caveat_where_the_fact_sheet_places_the_pfc_pag_claim():
    # the sheet states reduced PFC-PAG connectivity under descending inhibition (§4);
    # Yu et al. 2014 NeuroImage Clin 6:100 found PAG-vmPFC connectivity *higher* in
    # chronic LBP: the caveat goes with both mechanisms that speak of that edge
    assert "pag_direction" in CATALOG["descending_inhibition"].caveats
    assert "pag_direction" in CATALOG["functional_connectivity"].caveats
    assert CAVEATS["pag_direction"].references == ("yu2014",)


def test_every_catalog_metric_is_registered():
    used = {m for spec in CATALOG.values() for m in spec.metrics} | set(RELIABILITY)
    assert sorted(used - set(METRICS)) == []


def test_every_cited_key_is_in_the_bibliography():
    keys = [k for s in CATALOG.values() for k in s.references]
    keys += [k for n in (*CAVEATS.values(), *INFLUENCE.values()) for k in n.references]
    keys += [k for r in RELIABILITY.values() for k in r.source.split(";")]
    assert check_keys(keys) == []
    assert check_keys(["nobody2099"]) == ["nobody2099"]


def test_bibliography_format_and_unknown_key():
    bib = bibliography()
    assert bib["key"].is_unique
    assert cite("kemp2020").startswith("Kemp et al. 2020. Determining Real Change")
    assert cite("luomajoki2011") == "Luomajoki & Moseley 2011. Br J Sports Med 45:437."
    with pytest.raises(KeyError, match="unknown reference key"):
        cite("nobody2099")


def test_levels_and_references_of_caveats_and_influence():
    for table in (caveat_table(), influence_table()):
        assert set(table["level"]) <= set(EVIDENCE_LEVELS)
    for spec in CATALOG.values():
        assert spec.evidence in EVIDENCE_LEVELS
        assert set(spec.caveats) <= set(CAVEATS)
        assert set(spec.influence) <= set(INFLUENCE)
        assert "single_patient" in spec.caveats


def _numbers(text):
    # numbers written in either locale: 0,618 (de) and 0.618 (en) compare equal
    return sorted(float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", text))


@pytest.mark.parametrize("table", [MECHANISM_TEXT, STATUS_TEXT, PATTERN_TEXT, FLAG_TEXT])
def test_every_text_exists_in_both_languages_with_the_same_numbers(table):
    for key, texts in table.items():
        assert texts["de"] and texts["en"] and texts["de"] != texts["en"], key
        assert _numbers(texts["de"]) == _numbers(texts["en"]), key
        assert re.findall(r"\{\w+\}", texts["de"]) == re.findall(r"\{\w+\}", texts["en"])


def test_caveat_and_influence_texts_carry_the_same_numbers():
    for note in (*CAVEATS.values(), *INFLUENCE.values()):
        assert note.de != note.en
        assert _numbers(note.de) == _numbers(note.en), note.id


def test_influence_is_information_not_a_recommendation():
    for note in INFLUENCE.values():
        for word in ("should", "recommend", "sollte", "empfehl"):
            assert word not in note.en.lower() and word not in note.de.lower()


def test_mechanism_text_languages():
    assert mechanism_text("grey_matter", "de")["label"] == "verminderte graue Substanz"
    with pytest.raises(ValueError, match="'lang' parameter"):
        mechanism_text("grey_matter", "fr")


def test_exceed_probability_flat_and_reference_prior():
    # flat: Phi((2.5 - 1.96) / 0.5) = Phi(1.08) = 0.85993 (normal table)
    assert exceed_probability([2.5], [0.5], 1.96)[0] == pytest.approx(0.85993, abs=1e-5)
    # reference prior, ICC 0.8, sigma^2 = 0.2: w = 0.8, posterior mean 2.0,
    # sd = sqrt(0.16) = 0.4 -> Phi((2.0 - 1.96) / 0.4) = Phi(0.1) = 0.53983
    p = exceed_probability([2.5], [np.sqrt(0.2)], 1.96, prior="reference", icc=[0.8])
    assert p[0] == pytest.approx(0.53983, abs=1e-5)
    assert np.isnan(exceed_probability([np.nan], [0.5], 1.96)[0])
    with pytest.raises(ValueError, match="needs the icc"):
        exceed_probability([1.0], [0.5], 1.96, prior="reference")


def test_reliability_table_shows_sources_and_overrides():
    from painmech.mechanisms import ProfileSettings

    table = reliability_table(ProfileSettings(icc={"wur": 0.7}))
    ppt = table.set_index("metric").loc["ppt"]
    assert (ppt["icc"], ppt["source"]) == (0.80, "mailloux2021")
    assert table.set_index("metric").loc["cpm_effect", "icc_sequential"] == 0.178
    assert table.set_index("metric").loc["wur", "source"] == "user"
