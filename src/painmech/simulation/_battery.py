"""The virtual QST, temporal-summation and CPM battery.

Every pain test runs the shared chain transduction → dorsal horn (with the
descending state) → perception/rating → psychophysics → device units
(simulator.md). Protocols follow the DFNS (Rolke et al. 2006 Pain 123:231):
thermal thresholds from 32 °C at 1 °C/s, cut-offs 0/50 °C, 3 trials; von
Frey 0.25–512 mN and pinprick 8–512 mN thresholds from 5 ascending and 5
descending series; MPS 7 pinprick forces × 5 runs; DMA 3 light stimuli × 5
runs; wind-up 5 single 256 mN pinpricks and 5 trains of 10 at 1/s; VDT 3
trials; PPT 50 kPa/s with a 1 cm² probe, 3 trials per site and side.
Temporal summation of pressure (tsp_rating): 10 pulses at 1 Hz at 2.5 × the
measured lumbar PPT (intensity: painmech calibration to McPhee 2020's TS
SMD; the first pulse is rated about 27/100 in health). CPM (Yarnitsky
2015 Eur J Pain 19:805): forearm PPT (2 trials) and a tonic forearm pressure
rating before, during (parallel) and after (sequential) 60 s of the left
hand in 10 °C water, plus the conditioning-stimulus rating. The
conditioning drive on D is taken as saturated (a clearly painful CS).

Each function returns a list of blocks ``(measure, site, side, unit,
values[N, trials])``. ``trials`` (optional) replaces the protocol's number
of repetitions of the threshold tests (PPT, thermal thresholds, VDT, CPM
PPT) and of the wind-up stimuli; ``None`` keeps the protocol counts above.
``noise`` multiplies every measurement-noise term (``noise_scale`` of
:func:`painmech.simulation.simulate_cohort`); ``scenario``
(:mod:`painmech.simulation._scenario`) can make the cold pain threshold
follow psychology instead of ΔT_cold, or conditioning add a fixed kPa amount
to the test PPT. Mechanical thresholds and suprathreshold mechanical stimuli
carry the central shift of :func:`~painmech.simulation._transduction.central_shift`.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare
from painmech.simulation import _dorsal_horn as dh
from painmech.simulation._descending import cpm_session
from painmech.simulation._perception import A50_BRIEF, A50_TONIC, rate
from painmech.simulation._population import (
    CPM_REFERENCE_KPA,
    CPM_TEST_SITE,
    PPT_SITES,
    QST_SITES,
    psychological_cold_shift,
)
from painmech.simulation._psychophysics import discrete_series, method_of_limits
from painmech.simulation._transduction import central_shift, drive, threshold

__all__ = ["ALOC", "qst_blocks", "tsp_cpm_blocks"]

_M = "painmech.simulation._battery"
_DFNS = "Rolke et al. 2006 Pain 123:231 (DFNS protocol)"
_VF = 0.25 * 2.0 ** np.arange(12)  # 0.25 … 512 mN (DFNS von Frey set)
_PIN = 8.0 * 2.0 ** np.arange(7)  # 8 … 512 mN (DFNS pinprick set)
PPT_RAMP_KPA_S = declare("PPT_RAMP_KPA_S", 50.0, "kPa/s", _DFNS, _M, "algometer ramp rate")
THERMAL_RAMP_DEGC_S = declare("THERMAL_RAMP_DEGC_S", 1.0, "degC/s", _DFNS, _M,
                              "thermode ramp from 32 °C; cut-offs 0 and 50 °C")
WUR_FORCE_MN = declare("WUR_FORCE_MN", 256.0, "mN", _DFNS, _M,
                       "wind-up pinprick; trains of 10 at 1/s")
ALOC = _ALOC = declare("ALOC", 0.5, "1 per unit ι", CALIBRATED, _M,
                "local threshold drop per unit ι (targets: local PPT lower, local-without-"
                "remote pattern of peripheral sensitisation, Arendt-Nielsen 2018)")
_HEAT_LOC_C = declare("HEAT_LOC_C", 3.0, "degC per unit ι", CHOICE, _M,
                      "local heat-threshold drop per unit ι")
_PPT_JITTER = declare("PPT_JITTER", 0.04, "ln units", "Kennedy et al. 2020 J Pain 21:708", _M,
                      "per-trial PPT criterion jitter: SEM ≈ 20 kPa at 500 kPa (SEM 0.21 "
                      "kg/cm²)")
_THERMAL_JITTER = declare("THERMAL_JITTER", 1.0, "degC", CHOICE, _M,
                          "per-trial jitter of thermal pain thresholds")
_DETECT_JITTER = declare("DETECT_JITTER", {"cdt": 0.3, "wdt": 0.4, "tsl": 0.5, "vdt": 0.4},
                         "degC (vdt: x/8)", CHOICE, _M,
                         "per-trial jitter of the detection thresholds")
_TSL_FACTOR = declare("TSL_FACTOR", 1.1, "1", CHOICE, _M,
                      "thermal sensory limen relative to WDT − CDT")
_PHS_RATE = declare("PHS_RATE", 0.02, "1", CHOICE, _M,
                    "probability of a paradoxical heat sensation per TSL trial")
_MECH_JITTER = declare("MECH_JITTER", 0.3, "ln units", CHOICE, _M,
                       "per-series jitter of von Frey and pinprick thresholds")
_TSP_FACTOR = declare("TSP_FACTOR", 2.5, "× lumbar PPT", CALIBRATED, _M,
                      "TSP pulse intensity relative to the measured lumbar PPT (target: "
                      "McPhee 2020 TS SMD 0.50)")
_CPM_TEST_FACTOR = declare("CPM_TEST_FACTOR", 1.15, "× forearm PPT", CHOICE, _M,
                           "tonic CPM test pressure relative to the baseline PPT")
_IMMERSION_GAIN = declare("IMMERSION_GAIN", 4.0, "1", CHOICE, _M,
                          "whole-hand 10 °C immersion recruits more afferents than a thermode")


def _local(pop, site: str) -> np.ndarray:
    from painmech.registry import CONDITIONS

    locs = {c: site in CONDITIONS[c].local_sites for c in CONDITIONS}
    return np.array([locs[c] for c in pop.condition], dtype=float)


def _cold_shift(pop, eff, scenario) -> np.ndarray:
    """Shift of the cold pain threshold (°C): the mechanism, or the psychology."""
    if scenario.cpt_driver == "psychological":
        return psychological_cold_shift(pop.nuisance)
    return eff["dt_cold"]


def qst_blocks(pop, eff, rng, trials: int | None = None, noise: float = 1.0, scenario=None):
    """DFNS battery at the QST sites and PPT at every PPT site."""
    from painmech.simulation._scenario import get_scenario

    scenario = get_scenario(scenario)
    nz = pop.nuisance
    k3 = 3 if trials is None else int(trials)  # DFNS: 3 trials per threshold
    k5 = 5 if trials is None else int(trials)  # DFNS: 5 wind-up singles and trains
    iota, k_w = eff["iota"], eff["k_w"]
    cs = central_shift(eff["g_cs"])
    dt_cold = _cold_shift(pop, eff, scenario)
    jit = _DETECT_JITTER
    blocks = []
    for site in PPT_SITES:
        loc = 1.0 - _ALOC * iota * _local(pop, site)
        for side in ("left", "right"):
            thr = threshold("pressure", nz[f"ppt0_{site}_{side}"] * loc, k_w=k_w, central=cs)
            val = method_of_limits(thr, PPT_RAMP_KPA_S, k3, rng, _PPT_JITTER, log_jitter=True,
                                   lo=1.0, hi=2000.0, noise=noise)
            blocks.append(("ppt", site, side, "kPa", np.round(val, 1)))
    ramp = THERMAL_RAMP_DEGC_S
    for site in QST_SITES:
        lf = _local(pop, site)
        side = "right"
        cdt = method_of_limits(32.0 - nz["cdt0"], -ramp, k3, rng, jit["cdt"], lo=0.0, hi=32.0,
                               noise=noise)
        wdt = method_of_limits(32.0 + nz["wdt0"], ramp, k3, rng, jit["wdt"], lo=32.0, hi=50.0,
                               noise=noise)
        tsl = np.clip(_TSL_FACTOR * (wdt - cdt) + rng.normal(0, jit["tsl"] * noise, wdt.shape),
                      0.0, 50.0)
        phs = (rng.random((pop.n, k3)) < _PHS_RATE).astype(float)
        cpt_thr = threshold("cold", nz["cpt0"] + dt_cold, k_w=k_w)
        cpt = method_of_limits(cpt_thr, -ramp, k3, rng, _THERMAL_JITTER, lo=0.0, hi=32.0,
                               noise=noise)
        hpt_thr = threshold("heat", nz["hpt0"] - _HEAT_LOC_C * iota * lf, k_w=k_w)
        hpt = method_of_limits(hpt_thr, ramp, k3, rng, _THERMAL_JITTER, lo=32.0, hi=50.0,
                               noise=noise)
        mdt = discrete_series(nz["mdt0"], _VF, 5, rng, _MECH_JITTER, noise)
        pin0 = nz["mpt0"] * (1.0 - _ALOC * iota * lf)
        mpt = discrete_series(threshold("pinprick", pin0, k_w=k_w, central=cs), _PIN, 5, rng,
                              _MECH_JITTER, noise)
        amp = drive("pinprick", _PIN[None, :], pin0[:, None], central=cs[:, None])
        area = dh.single_area(amp, np.broadcast_to(k_w[:, None], amp.shape))
        mps = rate(np.tile(area, (1, 5)), A50_BRIEF, nz["pcs"], rng, noise=noise)
        dma = rate(np.zeros((pop.n, 15)), A50_BRIEF, nz["pcs"], rng, noise=noise)  # Aβ gated
        train = dh.run_train(drive("pinprick", WUR_FORCE_MN, pin0, central=cs), k_w, 1.0, 10)
        single = rate(np.repeat(train[:, :1], k5, axis=1), A50_BRIEF, nz["pcs"], rng,
                      noise=noise)
        plateau = train[:, 5:].mean(axis=1, keepdims=True)
        trains = rate(np.repeat(plateau, k5, axis=1), A50_BRIEF, nz["pcs"], rng, noise=noise)
        # the person's own train-to-single rating factor (painmech._visit PERSON_SD "wur_ln")
        trains = np.clip(np.round(trains * np.exp(nz.get("wur_ln", np.zeros(pop.n)))[:, None]),
                         0.0, 100.0)
        vdt = np.clip(np.round(2 * (nz["vdt0"][:, None]
                                    + rng.normal(0, jit["vdt"] * noise, (pop.n, k3)))) / 2,
                      0.0, 8.0)
        blocks += [
            ("cdt", site, side, "degC", np.round(cdt, 1)),
            ("wdt", site, side, "degC", np.round(wdt, 1)),
            ("tsl", site, side, "delta_degC", np.round(tsl, 1)),
            ("phs", site, side, "flag", phs),
            ("cpt", site, side, "degC", np.round(cpt, 1)),
            ("hpt", site, side, "degC", np.round(hpt, 1)),
            ("mdt", site, side, "mN", mdt),
            ("mpt", site, side, "mN", mpt),
            ("mps", site, side, "nrs100", mps),
            ("dma", site, side, "nrs100", dma),
            ("wur_single", site, side, "nrs100", single),
            ("wur_train", site, side, "nrs100", trains),
            ("vdt", site, side, "x/8", vdt),
        ]
    return blocks


def _cpm_thresholds(t_test, cs, k_w, d0, d_during, d_after, scenario):
    """True forearm PPT before, during and after conditioning (kPa), shape (3, N)."""
    thr = [threshold("pressure", t_test, d=d, k_w=k_w, central=cs)
           for d in (d0, d_during, d_after)]
    if scenario.cpm_model == "baseline_dependent":
        # the relative effect of a person with the population-median PPT, added in kPa
        ref = [threshold("pressure", np.full_like(t_test, CPM_REFERENCE_KPA), d=d, k_w=k_w)
               for d in (d0, d_during, d_after)]
        thr = [thr[0], thr[0] + ref[1] - ref[0], thr[0] + ref[2] - ref[0]]
    return thr


def tsp_cpm_blocks(pop, eff, ppt_lumbar_measured, rng, trials: int | None = None,
                   noise: float = 1.0, scenario=None):
    """Temporal summation of pressure (lumbar) and the CPM protocol."""
    from painmech.simulation._scenario import get_scenario

    scenario = get_scenario(scenario)
    nz = pop.nuisance
    k2 = 2 if trials is None else int(trials)  # CPM test PPT: 2 trials per phase
    k_w, kappa, dgm = (eff[k] for k in ("k_w", "kappa_cpm", "delta_gm"))
    cs = central_shift(eff["g_cs"])
    loc = 1.0 - _ALOC * eff["iota"] * _local(pop, "lumbar")
    t0 = nz["ppt0_lumbar_right"] * loc
    amp = drive("pressure", _TSP_FACTOR * ppt_lumbar_measured, t0, central=cs)
    tsp = rate(dh.run_train(amp, k_w, 1.0, 10), A50_BRIEF, nz["pcs"], rng, noise=noise)
    # the person's own build-up of the series (painmech._visit PERSON_SD "tsp_buildup")
    buildup = nz.get("tsp_buildup", np.zeros(pop.n))[:, None] * np.linspace(0.0, 1.0, 10)
    tsp = np.where(tsp > 0, np.clip(np.round(tsp + buildup), 0.0, 100.0), 0.0)
    # conditioning stimulus: left hand in 10 °C water (tonic cold)
    cs_drive = drive("cold", 10.0, nz["cpt0"] + _cold_shift(pop, eff, scenario),
                     _IMMERSION_GAIN)
    cs_act = dh.tonic_activation(cs_drive, k_w)
    # the conditioning stimulus is chosen to be clearly painful (Yarnitsky 2015
    # recommends a painful CS, often titrated), so its drive on D is saturated
    u_cs = np.ones(pop.n)
    d0, d_during, d_after = cpm_session(kappa, nz["c_pp"], dgm, u_cs)
    t_test = nz[f"ppt0_{CPM_TEST_SITE}_right"]
    blocks = [("tsp_rating", "lumbar", "right", "nrs100", tsp)]
    true_thr = _cpm_thresholds(t_test, cs, k_w, d0, d_during, d_after, scenario)
    before = None
    for name, thr in zip(("before", "during", "after"), true_thr, strict=True):
        val = method_of_limits(thr, PPT_RAMP_KPA_S, k2, rng, _PPT_JITTER, log_jitter=True,
                               lo=1.0, hi=2000.0, noise=noise)
        blocks.append((f"cpm_ppt_{name}", CPM_TEST_SITE, "right", "kPa", np.round(val, 1)))
        if before is None:
            before = val.mean(axis=1)
    p_test = _CPM_TEST_FACTOR * before
    for name, d in (("before", d0), ("during", d_during)):
        act = dh.tonic_activation(drive("pressure", p_test, t_test, d=d, central=cs), k_w)
        blocks.append((f"cpm_rating_{name}", CPM_TEST_SITE, "right", "nrs100",
                       rate(act[:, None], A50_TONIC, nz["pcs"], rng, noise=noise)))
    blocks.append(("cpm_cs_rating", "hand_dorsum", "left", "nrs100",
                   rate(cs_act[:, None], A50_TONIC, nz["pcs"], rng, noise=noise)))
    return blocks
