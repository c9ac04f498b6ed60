"""Every registered metric, at every site and side it can have, survives FHIR, REDCap
and BIDS and comes back identically (value bit for bit, unit, site, side, visit).

The sites a metric can have come from its registry ``site_kind``: every body site of
``painmech.registry.SITES``; ``none``; for connectivity edges the default edges of
``painmech.measures.DEFAULT_EDGES`` ('roi_a__roi_b'); for TMS metrics the two muscles
the protocol maps (deep multifidus and longissimus, Tsao et al. 2011 Spine 36:1721) and
their pair. The sides are all of ``painmech.registry.SIDES`` for every metric (a superset
of what the pipeline writes). A metric registered later is picked up automatically.

Missing values (NaN) are carried by FHIR (dataAbsentReason) only; REDCap and BIDS write
an empty cell, which reads back as no row — the comparison for those formats is on the
rows with a value. What a format cannot carry is refused with InputFormatError.
"""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytest.importorskip("fhir.resources")

from painmech.exceptions import InputFormatError  # noqa: E402
from painmech.io.bids import read_bids, write_bids  # noqa: E402
from painmech.io.fhir import fhir_bundle, scores_from_fhir, scores_to_fhir  # noqa: E402
from painmech.io.redcap import (  # noqa: E402
    event_visits,
    read_redcap_dictionary,
    read_redcap_metrics,
    write_redcap,
)
from painmech.measures import DEFAULT_EDGES  # noqa: E402
from painmech.registry import METRICS, NO_SITE, SIDES, SITES  # noqa: E402

COLS = ["subject", "visit", "metric", "site", "side", "value", "unit"]
KEY = COLS[:5]
_MUSCLES = ("deep_multifidus", "longissimus")
SITES_OF_KIND = {
    "body": tuple(SITES),
    "none": (NO_SITE,),
    "edge": tuple(f"{a}__{b}" for a, b, _ in DEFAULT_EDGES),
    "muscle": (*_MUSCLES, "__".join(_MUSCLES)),
}


def every_key() -> pd.DataFrame:
    """One row per registered metric x site of its kind x side."""
    rows = [(m.id, site, side, m.unit) for m in METRICS.values()
            for site in SITES_OF_KIND[m.site_kind] for side in SIDES]
    return pd.DataFrame(rows, columns=["metric", "site", "side", "unit"])


def _fhir(table: pd.DataFrame) -> pd.DataFrame:
    text = json.dumps(fhir_bundle(scores_to_fhir(table, validate=False), validate=False))
    return scores_from_fhir(json.loads(text))


def _redcap(table: pd.DataFrame, folder) -> pd.DataFrame:
    paths = write_redcap(None, folder, metrics=table)
    events = event_visits(pd.read_csv(paths["events"]), by="label")
    return read_redcap_metrics(paths["records"], read_redcap_dictionary(paths["dictionary"]),
                               events=events)


def _bids(table: pd.DataFrame, folder) -> pd.DataFrame:
    write_bids(folder, metrics=table)
    return read_bids(folder, warn=False).metrics


def _same(back: pd.DataFrame, sent: pd.DataFrame) -> None:
    a = sent[COLS].sort_values(KEY, ignore_index=True).astype({"visit": "int64"})
    b = back[COLS].sort_values(KEY, ignore_index=True).astype({"visit": "int64"})
    text = [c for c in COLS if c not in ("visit", "value")]
    pd.testing.assert_frame_equal(b.astype(dict.fromkeys(text, str)),
                                  a.astype(dict.fromkeys(text, str)))
    # bit for bit, NaN in the same places
    assert np.array_equal(a["value"].to_numpy(), b["value"].to_numpy(), equal_nan=True)


@pytest.fixture(scope="module")
def every_metric(tmp_path_factory):
    keys = every_key()
    rng = np.random.default_rng(20)
    sv = pd.DataFrame({"subject": ["P01", "P01", "K7"], "visit": [0, 3, 12]})
    table = sv.merge(keys, how="cross")
    # magnitudes from 1e-6 to 1e6, both signs, full float64 precision
    table["value"] = rng.choice([-1.0, 1.0], len(table)) * 10.0 ** rng.uniform(-6, 6,
                                                                                 len(table))
    return table[COLS]


def test_every_metric_site_and_side_is_covered(every_metric):
    keys = every_metric[["metric", "site", "side"]].drop_duplicates()
    assert set(keys["metric"]) == set(METRICS)
    assert set(keys["side"]) == set(SIDES)
    assert set(keys.loc[keys["metric"].eq("ppt"), "site"]) == set(SITES)
    # 28 body metrics x 11 sites, 40 without site (incl. nwr_threshold, nwr_ts_threshold,
    # tender_point_count), 7 TMS x 3 muscles, 1 edge metric x 7
    assert len(keys) == (28 * 11 + 40 + 7 * 3 + 7) * len(SIDES)


def test_fhir_round_trip_of_every_metric(every_metric):
    _same(_fhir(every_metric), every_metric)


def test_fhir_resources_of_every_metric_validate(every_metric):
    from fhir.resources.R4B.observation import Observation

    one_visit = every_metric.loc[every_metric["visit"].eq(0) & every_metric["subject"].eq("P01")]
    for res in scores_to_fhir(one_visit, validate=False):  # one model check per resource
        Observation.model_validate(res)


def test_redcap_round_trip_of_every_metric(every_metric, tmp_path):
    _same(_redcap(every_metric, tmp_path), every_metric)


def test_bids_round_trip_of_every_metric(every_metric, tmp_path):
    _same(_bids(every_metric, tmp_path), every_metric)


# --- property: random tables, random values, free-form muscle and edge names --------------

# identifiers as the registry's edge/region patterns allow them, biased towards the
# hard cases: upper case (REDCap field names fold it) and side words at the end (BIDS
# column names end with the side)
_ident = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,4}(_(left|right|bilateral|l|r|[a-z0-9]{1,3}))?",
                  fullmatch=True),
    st.sampled_from(["pag", "PAG", "vmpfc_left", "a_right", "s1_l", "mid_line", "Insula"]))
_value = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def metric_tables(draw, free_sites: bool):
    free = sorted(m for m in METRICS if METRICS[m].site_kind in ("muscle", "edge"))
    metric = st.sampled_from(free if free_sites else sorted(METRICS))
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        mid = draw(metric)
        kind = METRICS[mid].site_kind
        sites = SITES_OF_KIND[kind]
        if free_sites and kind in ("muscle", "edge"):
            site = draw(st.one_of(st.sampled_from(sites), _ident, st.builds(
                lambda a, b: f"{a}__{b}", _ident, _ident)))
        else:
            site = draw(st.sampled_from(sites))
        rows.append((draw(st.sampled_from(["P01", "K7", "x9"])), draw(st.integers(0, 500)),
                     mid, site, draw(st.sampled_from(SIDES)), draw(_value),
                     METRICS[mid].unit))
    table = pd.DataFrame(rows, columns=COLS).drop_duplicates(KEY, ignore_index=True)
    return table


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=metric_tables(free_sites=False), nan=st.booleans())
def test_property_registry_sites_round_trip_in_all_three_formats(tmp_path_factory, table,
                                                                  nan):
    if nan:  # a metric without a value (e.g. wur with a zero single-stimulus mean)
        table.loc[0, "value"] = np.nan
    _same(_fhir(table), table)
    kept = table.dropna(subset=["value"])
    if len(kept):
        _same(_redcap(table, tmp_path_factory.mktemp("redcap")), kept)
        _same(_bids(table, tmp_path_factory.mktemp("bids")), kept)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=metric_tables(free_sites=True))
def test_property_free_sites_round_trip_or_are_refused(tmp_path_factory, table):
    """A site name the format cannot carry is refused with a message, never garbled."""
    _same(_fhir(table), table)  # FHIR codes any identifier
    for name, run in (("redcap", _redcap), ("bids", _bids)):
        folder = tmp_path_factory.mktemp(name)
        try:
            back = run(table, folder)
        except InputFormatError as err:
            event(f"{name} refused")
            assert "site" in str(err) or "field name" in str(err)
            assert not any(folder.rglob("*.tsv")) and not any(folder.rglob("*.csv"))
        else:
            event(f"{name} round trip")
            _same(back, table)


def test_what_the_formats_cannot_carry_is_refused(tmp_path):
    row = {"subject": "P01", "visit": 0, "metric": "ppt", "site": "lumbar", "side": "left",
           "value": 312.5, "unit": "kPa"}
    dup = pd.DataFrame([row, row])
    for run in (_fhir, lambda t: _redcap(t, tmp_path / "r"), lambda t: _bids(t, tmp_path / "b")):
        with pytest.raises(InputFormatError, match="share|two rows"):
            run(dup)
    inf = pd.DataFrame([{**row, "value": np.inf}])
    for run in (_fhir, lambda t: _redcap(t, tmp_path / "r"), lambda t: _bids(t, tmp_path / "b")):
        with pytest.raises(InputFormatError, match="infinite value"):
            run(inf)
    # BIDS column 'tms_volume_a_left' would read back as site 'a', side 'left'
    ambiguous = pd.DataFrame([{**row, "metric": "tms_volume", "site": "a_left", "side": "none",
                               "unit": "uV"}])
    with pytest.raises(InputFormatError, match="would not read back"):
        _bids(ambiguous, tmp_path / "b2")
    # REDCap field names are lower case: two sites that differ in case collide
    case = pd.DataFrame([{**row, "metric": "fc", "site": "pfc__PAG", "side": "none",
                          "unit": "fisher_z"},
                         {**row, "metric": "fc", "site": "pfc__pag", "side": "none",
                          "unit": "fisher_z"}])
    with pytest.raises(InputFormatError, match="field name 'm_fc_pfc_pag' would hold both"):
        _redcap(case, tmp_path / "r2")
    assert not (tmp_path / "r2").exists()
