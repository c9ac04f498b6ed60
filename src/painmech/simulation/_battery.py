"""The virtual QST, temporal-summation and CPM battery.

Every pain test runs the shared chain transduction → dorsal horn (with the
descending state) → perception/rating → psychophysics → device units
(simulator.md). Protocols follow the DFNS (Rolke et al. 2006 Pain 123:231):
thermal thresholds from 32 °C at 1 °C/s, cut-offs 0/50 °C, 3 trials; von
Frey 0.25–512 mN and pinprick 8–512 mN thresholds from 5 ascending and 5
descending series; MPS 7 pinprick forces × 5 runs; DMA 3 light stimuli × 5
runs; wind-up 5 single 256 mN pinpricks and 5 trains of 10 at 1/s; VDT 3
trials; PPT 50 kPa/s with a 1 cm² probe, 3 trials per site and side.
Temporal summation of pressure (tsp_rating): 10 pulses at 1 Hz at 1.3 × the
measured lumbar PPT (intensity choice: painmech assumption). CPM (Yarnitsky
2015 Eur J Pain 19:805): forearm PPT (2 trials) and a tonic forearm pressure
rating before, during (parallel) and after (sequential) 60 s of the left
hand in 10 °C water, plus the conditioning-stimulus rating. The
conditioning drive on D is taken as saturated (a clearly painful CS).

Each function returns a list of blocks ``(measure, site, side, unit,
values[N, trials])``. ``trials`` (optional) replaces the protocol's number
of repetitions of the threshold tests (PPT, thermal thresholds, VDT, CPM
PPT) and of the wind-up stimuli; ``None`` keeps the protocol counts above.
"""

from __future__ import annotations

import numpy as np

from painmech.simulation import _dorsal_horn as dh
from painmech.simulation._descending import cpm_session
from painmech.simulation._perception import A50_BRIEF, A50_TONIC, rate
from painmech.simulation._population import CPM_TEST_SITE, PPT_SITES, QST_SITES
from painmech.simulation._psychophysics import discrete_series, method_of_limits
from painmech.simulation._transduction import drive, mech_gain, threshold

__all__ = ["qst_blocks", "tsp_cpm_blocks"]

_VF = 0.25 * 2.0 ** np.arange(12)  # 0.25 … 512 mN
_PIN = 8.0 * 2.0 ** np.arange(7)  # 8 … 512 mN
_ALOC = 0.5  # local threshold drop per unit ι (painmech calibration)
_HEAT_LOC_C = 3.0  # local heat-threshold drop per unit ι, °C (assumption)
_PPT_JITTER = 0.04  # ln SD per trial: SEM ≈ 20 kPa at 500 kPa (Kennedy 2020 J Pain 21:708)
_THERMAL_JITTER = 1.0  # °C per trial (assumption)
_TSP_FACTOR = 1.3
_CPM_TEST_FACTOR = 1.15
_IMMERSION_GAIN = 4.0  # whole-hand immersion recruits more afferents than a thermode (assumed)


def _local(pop, site: str) -> np.ndarray:
    from painmech.registry import CONDITIONS

    locs = {c: site in CONDITIONS[c].local_sites for c in CONDITIONS}
    return np.array([locs[c] for c in pop.condition], dtype=float)


def qst_blocks(pop, eff, rng, trials: int | None = None):
    """DFNS battery at the QST sites and PPT at every PPT site."""
    nz = pop.nuisance
    k3 = 3 if trials is None else int(trials)  # DFNS: 3 trials per threshold
    k5 = 5 if trials is None else int(trials)  # DFNS: 5 wind-up singles and trains
    iota, k_w, dt_cold = (eff[k] for k in ("iota", "k_w", "dt_cold"))
    gm = mech_gain(eff["g_cs"])
    blocks = []
    for site in PPT_SITES:
        loc = 1.0 - _ALOC * iota * _local(pop, site)
        for side in ("left", "right"):
            thr = threshold("pressure", nz[f"ppt0_{site}_{side}"] * loc, gm, 0.0, k_w)
            val = method_of_limits(thr, 50.0, k3, rng, _PPT_JITTER, log_jitter=True,
                                   lo=1.0, hi=2000.0)
            blocks.append(("ppt", site, side, "kPa", np.round(val, 1)))
    for site in QST_SITES:
        lf = _local(pop, site)
        side = "right"
        cdt = method_of_limits(32.0 - nz["cdt0"], -1.0, k3, rng, 0.3, lo=0.0, hi=32.0)
        wdt = method_of_limits(32.0 + nz["wdt0"], 1.0, k3, rng, 0.4, lo=32.0, hi=50.0)
        tsl = np.clip(1.1 * (wdt - cdt) + rng.normal(0, 0.5, wdt.shape), 0.0, 50.0)
        phs = (rng.random((pop.n, k3)) < 0.02).astype(float)
        cpt_thr = threshold("cold", nz["cpt0"] + dt_cold, 1.0, 0.0, k_w)
        cpt = method_of_limits(cpt_thr, -1.0, k3, rng, _THERMAL_JITTER, lo=0.0, hi=32.0)
        hpt_thr = threshold("heat", nz["hpt0"] - _HEAT_LOC_C * iota * lf, 1.0, 0.0, k_w)
        hpt = method_of_limits(hpt_thr, 1.0, k3, rng, _THERMAL_JITTER, lo=32.0, hi=50.0)
        mdt = discrete_series(nz["mdt0"], _VF, 5, rng, 0.3)
        pin0 = nz["mpt0"] * (1.0 - _ALOC * iota * lf)
        mpt = discrete_series(threshold("pinprick", pin0, gm, 0.0, k_w), _PIN, 5, rng, 0.3)
        amp = drive("pinprick", _PIN[None, :], pin0[:, None], gm[:, None])
        area = dh.single_area(amp, np.broadcast_to(k_w[:, None], amp.shape))
        mps = rate(np.tile(area, (1, 5)), A50_BRIEF, nz["pcs"], rng)
        dma = rate(np.zeros((pop.n, 15)), A50_BRIEF, nz["pcs"], rng)  # Aβ input is gated
        train = dh.run_train(drive("pinprick", 256.0, pin0, gm), k_w, 1.0, 10)
        single = rate(np.repeat(train[:, :1], k5, axis=1), A50_BRIEF, nz["pcs"], rng)
        plateau = train[:, 5:].mean(axis=1, keepdims=True)
        trains = rate(np.repeat(plateau, k5, axis=1), A50_BRIEF, nz["pcs"], rng)
        vdt = np.clip(np.round(2 * (nz["vdt0"][:, None] + rng.normal(0, 0.4, (pop.n, k3)))) / 2,
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


def tsp_cpm_blocks(pop, eff, ppt_lumbar_measured, rng, trials: int | None = None):
    """Temporal summation of pressure (lumbar) and the CPM protocol."""
    nz = pop.nuisance
    k2 = 2 if trials is None else int(trials)  # CPM test PPT: 2 trials per phase
    k_w, kappa, dgm = (eff[k] for k in ("k_w", "kappa_cpm", "delta_gm"))
    gm = mech_gain(eff["g_cs"])
    loc = 1.0 - _ALOC * eff["iota"] * _local(pop, "lumbar")
    t0 = nz["ppt0_lumbar_right"] * loc
    amp = drive("pressure", _TSP_FACTOR * ppt_lumbar_measured, t0, gm)
    tsp = rate(dh.run_train(amp, k_w, 1.0, 10), A50_BRIEF, nz["pcs"], rng)
    # conditioning stimulus: left hand in 10 °C water (tonic cold)
    cs_drive = drive("cold", 10.0, nz["cpt0"] + eff["dt_cold"], _IMMERSION_GAIN)
    cs_act = dh.tonic_activation(cs_drive, k_w)
    # the conditioning stimulus is chosen to be clearly painful (Yarnitsky 2015
    # recommends a painful CS, often titrated), so its drive on D is saturated
    u_cs = np.ones(pop.n)
    d0, d_during, d_after = cpm_session(kappa, nz["c_pp"], dgm, u_cs)
    t_test = nz[f"ppt0_{CPM_TEST_SITE}_right"]
    blocks = [("tsp_rating", "lumbar", "right", "nrs100", tsp)]
    before = None
    for name, d in (("before", d0), ("during", d_during), ("after", d_after)):
        thr = threshold("pressure", t_test, gm, d, k_w)
        val = method_of_limits(thr, 50.0, k2, rng, _PPT_JITTER, log_jitter=True,
                               lo=1.0, hi=2000.0)
        blocks.append((f"cpm_ppt_{name}", CPM_TEST_SITE, "right", "kPa", np.round(val, 1)))
        if before is None:
            before = val.mean(axis=1)
    p_test = _CPM_TEST_FACTOR * before
    for name, d in (("before", d0), ("during", d_during)):
        act = dh.tonic_activation(drive("pressure", p_test, t_test, gm, d), k_w)
        blocks.append((f"cpm_rating_{name}", CPM_TEST_SITE, "right", "nrs100",
                       rate(act[:, None], A50_TONIC, nz["pcs"], rng)))
    blocks.append(("cpm_cs_rating", "hand_dorsum", "left", "nrs100",
                   rate(cs_act[:, None], A50_TONIC, nz["pcs"], rng)))
    return blocks
