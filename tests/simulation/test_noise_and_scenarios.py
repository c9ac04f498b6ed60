"""Noise scale and scenarios: same people, scaled noise, misspecified worlds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painmech.simulation import MECHANISM_PARAMS, SCENARIOS, Scenario, simulate_cohort
from painmech.simulation._descending import cpm_session
from painmech.simulation._population import CPM_REFERENCE_KPA, PRIORS
from painmech.simulation._scenario import PSY_CPT_DEGC
from painmech.simulation._summary import summarise
from painmech.simulation._transduction import threshold

N = 300


def _ln_ppt_trial_sd(res) -> float:
    ppt = res.observations.query("measure == 'ppt'")
    return float(np.log(ppt["value"]).groupby(
        [ppt["subject"], ppt["site"], ppt["side"]]).std().mean())


@pytest.fixture(scope="module")
def noise_pair():
    kw = {"n": N, "conditions": "chronic_lbp", "seed": 8, "instruments": ()}
    return simulate_cohort(**kw), simulate_cohort(**kw, noise_scale=2.0)


def test_noise_scale_doubles_trial_to_trial_spread(noise_pair):
    one, two = noise_pair
    # PPT trials: ln jitter 0.04 and reaction-time spread 0.1 s × 50 kPa/s both scale
    # with the noise; near the threshold the reported ln PPT is linear in both, so the
    # within-person SD doubles (hand reasoning; small nonlinearity allowed)
    ratio = _ln_ppt_trial_sd(two) / _ln_ppt_trial_sd(one)
    assert ratio == pytest.approx(2.0, rel=0.05)


def test_noise_scale_keeps_the_people_and_the_truth(noise_pair):
    one, two = noise_pair
    pd.testing.assert_frame_equal(one.truth, two.truth)
    pd.testing.assert_frame_equal(one.subjects, two.subjects)
    # the same people answer the PCS: only the answer variation between visits
    # (_visit.VISIT_SD questionnaire, 3 points at scale 1) is doubled, so the two
    # answers stay closely related (between-person SD 9 points in patients)
    pcs = [r.observations.query("measure == 'pcs'")["value"].to_numpy() for r in noise_pair]
    assert np.corrcoef(*pcs)[0, 1] > 0.8


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "2", True])
def test_noise_scale_must_be_positive(bad):
    with pytest.raises(ValueError, match="noise_scale must be a finite number > 0"):
        simulate_cohort(3, "healthy", instruments=(), noise_scale=bad)


def test_unknown_scenario_is_named():
    with pytest.raises(ValueError, match="unknown scenario 'martian'.*psychological_cpt"):
        simulate_cohort(3, "healthy", instruments=(), scenario="martian")
    with pytest.raises(ValueError, match="effect_scale must be a finite number >= 0"):
        Scenario("x", "bad", effect_scale=-1.0)


def test_small_effects_halve_every_trait_deviation():
    kw = {"n": N, "conditions": "chronic_lbp", "seed": 9, "instruments": (), "visits": 1}
    default = simulate_cohort(**kw).truth
    small = simulate_cohort(**kw, scenario="small_effects").truth
    # same draws: the expressed deviation from healthy is exactly halved (expression
    # is linear in the trait; grey matter adds a duration term, so it is left out)
    keep = default["mechanism"].ne("grey_matter").to_numpy()
    healthy = default["mechanism"].map({m: p.healthy for m, p in MECHANISM_PARAMS.items()})
    dev_d = (default["value"] - healthy).to_numpy()[keep]
    dev_s = (small["value"] - healthy).to_numpy()[keep]
    assert np.allclose(dev_s, 0.5 * dev_d)


def test_low_prevalence_carriers_are_a_subset():
    kw = {"n": 2000, "conditions": "chronic_lbp", "seed": 10, "instruments": ()}
    default = simulate_cohort(**kw).truth.query("visit == 0")
    low = simulate_cohort(**kw, scenario="low_prevalence").truth.query("visit == 0")
    on_d = default["value"].to_numpy() != default["mechanism"].map(
        {m: p.healthy for m, p in MECHANISM_PARAMS.items()}).to_numpy()
    on_l = low["value"].to_numpy() != low["mechanism"].map(
        {m: p.healthy for m, p in MECHANISM_PARAMS.items()}).to_numpy()
    assert not (on_l & ~on_d).any()  # u < p/2 implies u < p with the same draw u
    # about half the carriers remain (binomial: 0.5 ± 3 SE of the carried count)
    share = on_l.sum() / on_d.sum()
    assert share == pytest.approx(0.5, abs=3 * np.sqrt(0.25 / on_d.sum()))


def test_psychological_cpt_follows_catastrophising_not_the_mechanism():
    kw = {"n": N, "conditions": "chronic_lbp", "seed": 11, "instruments": ()}
    hot = {"cold_hyperalgesia": 8.0}
    base = simulate_cohort(**kw, scenario="psychological_cpt")
    forced = simulate_cohort(**kw, scenario="psychological_cpt", force=hot)
    # the cold-hyperalgesia parameter no longer reaches the cold pain threshold: the
    # CPT observations are the same with ΔT_cold = 8 °C and without it. (Carrying cold
    # hyperalgesia raises the course vulnerability, which moves k_W a hair in people
    # whose sensitisation is below saturation: at most one 0.1 °C rounding step.)
    cpt = [r.observations.query("measure == 'cpt'")["value"].to_numpy() for r in (base, forced)]
    assert np.abs(cpt[0] - cpt[1]).max() <= 0.1 + 1e-9
    # ... while the default world moves them
    default = simulate_cohort(**kw, force=hot).observations.query("measure == 'cpt'")
    assert not np.array_equal(default["value"].to_numpy(), cpt[0])
    # and the shift follows (PCS + stress): hand value for a person 1 SD above the
    # healthy mean on both scales = PSY_CPT_DEGC
    s = summarise(base)
    pcs = base.observations.query("measure == 'pcs'").set_index("subject")["value"]
    r = np.corrcoef(pcs.reindex(s["subject"]), s["cpt_cervical"])[0, 1]
    assert r > 0.2
    ref = PRIORS["psych_ref"]
    from painmech.simulation._population import psychological_cold_shift

    one_sd = {k: np.array([ref[k][0] + ref[k][1]]) for k in ("pcs", "dass21_stress")}
    assert psychological_cold_shift(one_sd)[0] == pytest.approx(PSY_CPT_DEGC)


def test_pain_driven_frebaq_ignores_the_tactile_deficit():
    kw = {"n": N, "conditions": "chronic_lbp", "seed": 12, "instruments": (),
          "scenario": "pain_driven_frebaq"}
    off = simulate_cohort(**kw, force={"somatosensory_deficit": 1.0})
    on = simulate_cohort(**kw, force={"somatosensory_deficit": 1.3})
    items = [r.observations.query("measure == 'frebaq_item'")["value"].to_numpy()
             for r in (off, on)]
    assert np.array_equal(*items)  # β_2PD changes 2PD, not FreBAQ
    tpd = [r.observations.query("measure == 'tpd_vertical'")["value"].mean() for r in (off, on)]
    assert tpd[1] > tpd[0] + 5.0


def test_baseline_dependent_cpm_adds_a_fixed_kpa_effect():
    from painmech.simulation._battery import _cpm_thresholds

    # noise-free: two people with baseline PPT 250 and 750 kPa and the same descending
    # state. Default (divisive): the same relative effect. Baseline-dependent: the same
    # kPa effect, equal to the reference person's (CPM_REFERENCE_KPA) relative effect
    # times CPM_REFERENCE_KPA.
    t0 = np.array([250.0, 750.0])
    ones = np.ones(2)
    d0, dd, da = cpm_session(ones, ones, np.zeros(2), ones)
    k = np.zeros(2)
    div = _cpm_thresholds(t0, ones, k, d0, dd, da, SCENARIOS["default"])
    add = _cpm_thresholds(t0, ones, k, d0, dd, da, SCENARIOS["baseline_dependent_cpm"])
    rel = div[1] / div[0]
    assert rel[0] == pytest.approx(rel[1])
    ref = threshold("pressure", np.array([CPM_REFERENCE_KPA]), d=dd[:1])[0]
    assert np.allclose(add[1] - add[0], ref - CPM_REFERENCE_KPA)
    # the percent effect is three times larger at a third of the baseline
    pct = (add[1] - add[0]) / add[0]
    assert pct[0] == pytest.approx(3.0 * pct[1])


def test_every_named_scenario_runs_and_keeps_the_schema():
    cols = None
    for name in SCENARIOS:
        res = simulate_cohort(20, "chronic_lbp", seed=13, instruments=(), scenario=name)
        cols = cols or list(res.observations.columns)
        assert list(res.observations.columns) == cols
        assert np.isfinite(res.observations["value"]).all(), name
