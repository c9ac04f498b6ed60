"""Day-to-day (visit-level) variation: what differs between two visits of a stable person.

A person measured on two days differs for reasons that are neither the
trial-to-trial jitter inside a session nor a change of the mechanisms:
their sensitivity of the day, the examiner's placement, the assay run, the
answers to a questionnaire. Without that component the simulated healthy
controls measured twice had a lumbar PPT retest ICC of 0.996 (published
low-back ICC 0.80–0.99), so any method that derives measurement error from
a study's own retest data (``painmech.longitudinal``, the profile's
``sem_z``) was far too decisive on simulated data.

:func:`day_nuisance` draws, at every visit, one deviation per person and
measure (and site where the measure has sites) and applies it to the
person's nuisance parameters *before* the test battery runs; the battery's
trial jitter then acts on top. Every spread in :data:`VISIT_SD` is scaled
by ``noise_scale``. Each spread is either calibrated to a published retest
reliability of healthy people (the calibration report's ``retest_*``
targets, :mod:`painmech.simulation._targets`) or, where none is sourced,
marked as a painmech choice.

:func:`person_extras` draws the person-level traits the retest targets also
need (healthy people differ consistently in temporal summation, body
perception, reflex threshold and point tenderness) — without them the
healthy retest ICC of TSP and WUR was about 0 (all rating noise).

Both use their own random streams spawned from the simulation seed
(:func:`streams`), so the draws of the rest of the simulator are unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare_table

__all__ = ["PERSON_SD", "VISIT_SD", "day_nuisance", "person_extras", "streams"]

_M = "painmech.simulation._visit"
_PPT = ("target: healthy lumbar PPT retest ICC in 0.80–0.99 (Mailloux 2021; Balaguier 2016) "
        "and SEM in 36.7–77.5 kPa (Balaguier 2016)")
_DFNS = ("target: healthy retest r 0.79–0.93 of the DFNS parameters (Geber et al. 2011 Pain, "
         "4 centres, 2 days: 0.80–0.93 at the test area, 0.79 at control areas)")
#: Visit-level spreads (scaled by noise_scale).
VISIT_SD = declare_table("VISIT_SD", [
    ("ppt_shared", 0.09, "ln units", CALIBRATED,
     f"day-level PPT deviation shared by every site of a person ({_PPT})"),
    ("ppt_site", 0.08, "ln units", CALIBRATED,
     f"day-level PPT deviation of each site and side (examiner placement; {_PPT})"),
    ("cpt_degc", 2.6, "degC", CALIBRATED, f"day-level cold-pain-threshold deviation ({_DFNS}); "
     "part of the SD 3 °C around each healthy CPT mode (Lötsch 2015 measured once), the "
     "person's own spread is the rest, sqrt(3² − 2.6²) = 1.5 °C"),
    ("hpt_degc", 0.8, "degC", CALIBRATED, f"day-level heat-pain-threshold deviation ({_DFNS})"),
    ("thermal_detect_ln", 0.15, "ln units", CALIBRATED,
     f"day-level deviation of cold and warm detection ({_DFNS})"),
    ("mechanical_ln", 0.28, "ln units", CALIBRATED,
     f"day-level deviation of tactile and pinprick thresholds, shared by MPT, MPS and the "
     f"wind-up pinprick ({_DFNS})"),
    ("vdt", 0.2, "x/8", CALIBRATED, f"day-level vibration-detection deviation ({_DFNS})"),
    ("c_pp", 0.45, "1", CALIBRATED,
     "day-level deviation of the descending (PFC–PAG) coupling used by the CPM session "
     "(target: parallel CPM retest ICC 0.62, Gehling et al. 2016 BMC Neurol 16:125); resting "
     "connectivity keeps the person's coupling (its own session noise is calibrated)"),
    ("sigma_rf_ln", 0.11, "ln units", CALIBRATED,
     "day-level receptive-field deviation of two-point discrimination (target: lumbar 2PD "
     "ICC 0.66–0.86, Catley et al. 2013 Rheumatology 52:1454)"),
    ("marker_ln", {"crp": 0.45, "il6": 0.4, "tnf_alpha": 0.3, "il1_beta": 0.45}, "ln units",
     CHOICE, "day-level (biological) variation of the blood markers: retest ICC about "
     "0.7–0.9 in healthy people; no individual-level figure is sourced in evidence.md"),
    ("questionnaire", {"pcs": 3.0, "dass21_stress": 3.0, "pds_hyperarousal": 1.2},
     "score points", CHOICE, "answer variation between visits of PCS, DASS-21 stress and "
     "PDS hyperarousal (retest ICC about 0.8 in healthy people); no retest figure is "
     "sourced in evidence.md"),
    ("nwr_ln", 0.22, "ln units", CHOICE,
     "day-level deviation of the withdrawal-reflex threshold (electrode placement, skin "
     "impedance): healthy retest ICC about 0.8; Biurrun Manresa et al. 2011 Eur J Appl "
     "Physiol 111:83 studied it, their figures were not retrieved, so no target is set"),
], _M)

#: Person-level traits that the retest targets need (not scaled by noise_scale).
PERSON_SD = declare_table("PERSON_SD", [
    ("wur_ln", 0.38, "ln units", CALIBRATED,
     "stable between-person factor on the ratings of the pinprick trains relative to the "
     "single pinpricks (the dorsal-horn wind-up saturates within a few rating points, so "
     "healthy people would otherwise differ only by rating noise; target: wind-up ratio "
     "retest r 0.67, Geber et al. 2011 Pain)"),
    ("tsp_buildup", 13.0, "NRS-100 points over the 10 pulses (SD)", CALIBRATED,
     "stable between-person build-up of the TSP ratings beyond the dorsal-horn model "
     "(whose wind-up saturates within a few rating points), linear from pulse 1 to 10, "
     "either sign; TS is strongly modality-dependent (McPhee et al. 2020 Pain 161:464), so "
     "it is not shared with the pinprick wind-up (target: healthy TSP retest ICC, Mailloux "
     "2021)"),
    ("frebaq_trait", 0.75, "item points", CALIBRATED,
     "stable between-person offset of the FreBAQ item latent (target: retest ICC 0.897, "
     "95 % CI 0.852–0.929, Hu et al. 2022 Eur Spine J, chronic LBP)"),
    ("tender_point_ln", 0.20, "ln units", CHOICE,
     "stable sensitivity of each ACR tender point relative to the person's PPT at the "
     "nearest PPT site"),
], _M)


def streams(seed) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Person-extras, visit-noise and course-extras generators spawned from ``seed``.

    Spawning from the seed's :class:`numpy.random.SeedSequence` leaves the
    simulator's main stream (``numpy.random.default_rng(seed)``) untouched.
    """
    kids = np.random.SeedSequence(seed).spawn(3)
    return tuple(np.random.default_rng(k) for k in kids)


def person_extras(pop, rng: np.random.Generator) -> None:
    """Add the person-level traits of :data:`PERSON_SD` to ``pop.nuisance`` (in place).

    Keys: ``wur_ln`` (ln factor on the wind-up train ratings), ``tsp_buildup`` (NRS-100 points
    added linearly over the TSP series), ``frebaq_trait`` (item points),
    ``nwr0`` (mA, single-stimulus reflex threshold of the person at k_W = 0,
    no central shift) and ``tender_ln`` (shape (N, 18), ln units).
    """
    from painmech.simulation._reflex import NWR_PRIOR

    n = pop.n
    nz = pop.nuisance
    nz["wur_ln"] = rng.normal(0.0, PERSON_SD["wur_ln"], n)
    nz["tsp_buildup"] = rng.normal(0.0, PERSON_SD["tsp_buildup"], n)
    nz["frebaq_trait"] = rng.normal(0.0, PERSON_SD["frebaq_trait"], n)
    median, ln_sd = NWR_PRIOR
    nz["nwr0"] = median * rng.lognormal(0.0, ln_sd, n)
    nz["tender_ln"] = rng.normal(0.0, PERSON_SD["tender_point_ln"], (n, 18))


def day_nuisance(pop, rng: np.random.Generator, noise: float = 1.0):
    """The population as measured on one day: nuisance parameters with visit deviations.

    Returns a copy of ``pop`` whose ``nuisance`` carries this visit's
    deviations (:data:`VISIT_SD`, times ``noise``); the person's traits in
    ``pop`` are unchanged. Only the tests read the day's values; the course
    model and the resting connectivity keep the traits.
    """
    from painmech.simulation._population import CPM_TEST_SITE, PPT_SITES

    sd = {k: (v if isinstance(v, dict) else float(v)) for k, v in VISIT_SD.items()}
    n = pop.n
    nz = dict(pop.nuisance)

    def z():
        return rng.standard_normal(n)

    shared = sd["ppt_shared"] * noise * z()
    for site in (*PPT_SITES, CPM_TEST_SITE):
        for side in ("left", "right"):
            key = f"ppt0_{site}_{side}"
            nz[key] = nz[key] * np.exp(shared + sd["ppt_site"] * noise * z())
    nz["cpt0"] = nz["cpt0"] + sd["cpt_degc"] * noise * z()
    nz["hpt0"] = nz["hpt0"] + sd["hpt_degc"] * noise * z()
    for key in ("cdt0", "wdt0"):
        nz[key] = nz[key] * np.exp(sd["thermal_detect_ln"] * noise * z())
    for key in ("mdt0", "mpt0"):
        nz[key] = nz[key] * np.exp(sd["mechanical_ln"] * noise * z())
    nz["vdt0"] = nz["vdt0"] + sd["vdt"] * noise * z()
    nz["c_pp"] = nz["c_pp"] + sd["c_pp"] * noise * z()
    for key in [k for k in nz if k.startswith("sigma_rf_")]:
        nz[key] = nz[key] * np.exp(sd["sigma_rf_ln"] * noise * z())
    for measure, key in (("crp", "crp0"), ("il6", "il60"), ("tnf_alpha", "tnf0"),
                         ("il1_beta", "il1b0")):
        nz[key] = nz[key] * np.exp(sd["marker_ln"][measure] * noise * z())
    for key, top in (("pcs", 52.0), ("dass21_stress", 42.0), ("pds_hyperarousal", 15.0)):
        raw = nz[key] + sd["questionnaire"][key] * noise * z()
        step = 2.0 if key == "dass21_stress" else 1.0
        nz[key] = np.clip(step * np.round(raw / step), 0.0, top)
    if "nwr0" in nz:
        nz["nwr0"] = nz["nwr0"] * np.exp(sd["nwr_ln"] * noise * z())
    return replace(pop, nuisance=nz)
