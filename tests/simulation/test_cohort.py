"""simulate_cohort: schema, registry limits, determinism, course, input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painmech.registry import MEASURES, validate_observations, validate_subjects
from painmech.simulation import simulate_cohort

OBS_COLS = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]


@pytest.fixture(scope="module")
def small():
    return simulate_cohort(70, visits=2, seed=5, roi_timepoints=40)


def test_observations_schema_and_registry_limits(small):
    obs = small.observations
    assert list(obs.columns) == OBS_COLS
    for col in ("subject", "measure", "site", "side", "unit"):
        assert pd.api.types.is_string_dtype(obs[col]), col
    assert obs["visit"].dtype == np.int64 and obs["trial"].dtype == np.int64
    assert obs["value"].dtype == np.float64
    # units are the registry's canonical ones
    canon = obs["measure"].map({m.id: m.unit for m in MEASURES.values()})
    assert (canon == obs["unit"]).all()
    val = validate_observations(obs, subjects=small.subjects, warn=False)
    assert val.ok, val.problems.head()
    assert validate_subjects(small.subjects).ok


def test_every_protocol_is_present(small):
    measures = set(small.observations["measure"])
    expected = {"cdt", "wdt", "tsl", "phs", "cpt", "hpt", "mdt", "mpt", "mps", "dma",
                "wur_single", "wur_train", "vdt", "ppt", "tsp_rating", "cpm_ppt_before",
                "cpm_ppt_during", "cpm_ppt_after", "cpm_rating_before", "cpm_rating_during",
                "cpm_cs_rating", "tpd_vertical", "tpd_horizontal", "graphesthesia_error",
                "frebaq_item", "crp", "il6",
                "tnf_alpha", "il1_beta", "pain_intensity", "pain_duration", "odi", "rmdq",
                "ndi", "pcs", "dass21_stress", "pds_hyperarousal", "pain_state", "gmv", "etiv"}
    assert expected <= measures
    assert "tpd" not in measures  # the simulator always states the 2PD orientation
    ppt_sites = set(small.observations.query("measure == 'ppt'")["site"])
    assert {"lumbar", "trapezius", "scapula", "tibialis_anterior", "thenar"} <= ppt_sites
    gmv = small.observations.query("measure == 'gmv'")
    # FreeSurfer names (painmech.io.read_freesurfer): aparc parcels and aseg thalamus
    assert set(gmv["site"]) == {"rostralmiddlefrontal", "caudalmiddlefrontal", "thalamus"}
    assert set(gmv["side"]) == {"left", "right"}
    frebaq = small.observations.query("measure == 'frebaq_item'")
    assert sorted(frebaq["trial"].unique()) == list(range(1, 10))


def test_instrument_tables(small):
    assert list(small.tms.columns) == ["subject", "visit", "muscle", "hemisphere", "x_cm",
                                       "y_cm", "stimulus", "mep_uv"]
    assert set(small.tms["muscle"]) == {"deep_multifidus", "longissimus"}
    assert np.all(np.diff(np.unique(small.tms["x_cm"])) == 1.0)  # 1 cm grid
    assert list(small.tdcs.columns) == ["subject", "visit", "timepoint", "pulse", "mep_uv"]
    assert set(small.tdcs["timepoint"]) == {"baseline", "between", "post0", "post10", "post20"}
    assert small.tdcs["pulse"].max() == 15
    assert list(small.roi.columns) == ["subject", "visit", "roi", "t", "signal"]
    assert {"mpfc", "nac", "pag", "vmpfc", "s1", "thalamus", "insula", "amygdala"} <= set(
        small.roi["roi"])
    assert (small.tms["mep_uv"] > 0).all() and (small.tdcs["mep_uv"] > 0).all()
    # 70 subjects × 2 visits × 8 ROIs × 40 volumes
    assert len(small.roi) == 70 * 2 * 8 * 40


def test_truth_table(small):
    truth = small.truth
    assert list(truth.columns) == ["subject", "visit", "mechanism", "parameter", "value",
                                   "active"]
    assert len(truth) == 70 * 2 * 10
    healthy = set(small.subjects.query("condition == 'healthy'")["subject"])
    assert not truth[truth["subject"].isin(healthy)]["active"].any()
    assert truth[~truth["subject"].isin(healthy)]["active"].any()


def test_same_seed_gives_identical_files(tmp_path):
    a = simulate_cohort(25, visits=2, seed=9, roi_timepoints=20).write(tmp_path / "a")
    b = simulate_cohort(25, visits=2, seed=9, roi_timepoints=20).write(tmp_path / "b")
    c = simulate_cohort(25, visits=2, seed=10, roi_timepoints=20).write(tmp_path / "c")
    assert set(a) == {"subjects", "observations", "tms", "tdcs", "roi", "truth", "latent"}
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name
    assert a["observations"].read_bytes() != c["observations"].read_bytes()
    back = pd.read_csv(a["observations"])
    assert list(back.columns) == OBS_COLS and len(back) > 0


def test_roi_parquet_when_requested(tmp_path):
    res = simulate_cohort(5, seed=1, instruments=("roi",), roi_timepoints=10)
    files = res.write(tmp_path, roi_format="parquet")
    assert files["roi"].suffix == ".parquet"
    assert len(pd.read_parquet(files["roi"])) == 5 * 8 * 10
    assert len(res.tms) == 0 and list(res.tms.columns)[-1] == "mep_uv"


def test_recovery_normalises_state_markers():
    # acute LBP: nociception heals, S relaxes; PPT rises and TS falls in those
    # who recover (state markers, Müller 2019; McPhee & Graven-Nielsen 2019)
    res = simulate_cohort(300, "acute_lbp", visits=(0.0, 12.0), seed=3, instruments=())
    obs = res.observations
    lat = res.latent.query("parameter == 's'").pivot_table(
        index="subject", columns="visit", values="value")
    recovered = lat.index[(lat[1] < 0.25) & (lat[0] > 0.3)]
    assert len(recovered) > 30
    ppt = obs.query("measure == 'ppt' and site == 'scapula'").groupby(
        ["subject", "visit"])["value"].mean().unstack()
    assert (ppt.loc[recovered, 1] - ppt.loc[recovered, 0]).mean() > 0
    t = res.truth.query("mechanism == 'temporal_summation'").pivot_table(
        index="subject", columns="visit", values="active", aggfunc="max")
    assert t.loc[recovered, 1].sum() < t.loc[recovered, 0].sum()


def test_conditions_shares_and_ids():
    res = simulate_cohort(10, {"healthy": 3, "whiplash": 1}, seed=0, instruments=())
    counts = res.subjects["condition"].value_counts()
    assert counts["healthy"] == 8 and counts["whiplash"] == 2  # largest remainder of 7.5/2.5
    assert res.subjects["subject"].is_unique


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n": 0}, "positive integer"),
     ({"n": 5, "conditions": "flu"}, "unknown condition"),
     ({"n": 5, "instruments": ("eeg",)}, "unknown instrument"),
     ({"n": 5, "visits": (3.0, 6.0)}, "start at 0"),
     ({"n": 5, "visits": 0}, "visits must be >= 1"),
     ({"n": 5, "force": {"wind_up": 1.0}}, "unknown mechanism")],
)
def test_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_cohort(**kwargs)


def test_grey_matter_reaches_the_metrics(small):
    # measures.greymatter_metrics sums the two parcels to the DLPFC per hemisphere
    from painmech.measures import greymatter_metrics

    m = greymatter_metrics(small.observations)
    for metric in ("gmv_dlpfc", "gmv_thalamus", "gmv_dlpfc_frac", "gmv_thalamus_frac"):
        rows = m[m["metric"].eq(metric)]
        assert len(rows) == 2 * len(small.subjects) * small.observations["visit"].nunique()
        assert rows["value"].notna().all(), metric
    obs = small.observations
    one = obs[obs["subject"].eq(obs["subject"].iloc[0]) & obs["visit"].eq(0)
              & obs["measure"].eq("gmv") & obs["side"].eq("left")]
    parcels = one[one["site"].ne("thalamus")]["value"].sum()
    got = m[m["subject"].eq(one["subject"].iloc[0]) & m["visit"].eq(0)
            & m["metric"].eq("gmv_dlpfc") & m["side"].eq("left")]["value"].item()
    assert got == pytest.approx(parcels)
