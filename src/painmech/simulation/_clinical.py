"""Clinical context, blood markers, imaging volumes and tactile tests.

Questionnaires follow their instruments' ranges (registry): pain intensity
NRS 0–10 from the course model's ongoing pain; ODI and NDI in percent (even
numbers: 50 points = 100 %), RMDQ 0–24, PCS 0–52, DASS-21 stress 0–42 (even),
PDS hyperarousal 0–15. Disability is a noisy linear function of pain
intensity and the sensitisation state (painmech assumption); the NDI is
scaled so that whiplash outcome classes (recovered < 8 %, mild 10–28 %,
moderate/severe > 30 %; evidence.md §5) map onto pain levels. Blood markers
rise with expressed peripheral sensitisation ι (direction: Klyne 2017
Brain Behav Immun 60:84, Lim 2020; size assumed). Grey-matter volumes fall
by the expressed ΔGM fraction in both DLPFC and the right thalamus
(Apkarian 2004 J Neurosci 24:10410); the left thalamus is left unchanged.
"""

from __future__ import annotations

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare, declare_table
from painmech.simulation._tactile import (
    TPD_ORIENTATIONS,
    frebaq,
    graphesthesia,
    orientation_factor,
    tpd_thresholds,
)

__all__ = ["clinical_blocks", "blood_blocks", "imaging_blocks", "tactile_blocks",
           "ndi_from"]

_M = "painmech.simulation._clinical"
_WHIPLASH = ("whiplash outcome classes (recovered < 8 %, mild 10–28 %, moderate/severe "
             "> 30 %, evidence.md §5)")
#: Questionnaire models: weights on pain (0–1) and the sensitisation state S, and
#: the answer noise SD (scaled by noise_scale).
QUESTIONNAIRE = declare_table("QUESTIONNAIRE", [
    ("nrs", (10.0, 1.0, 0.4), "NRS-10 (per unit pain, patient SD, healthy SD)", CHOICE,
     "pain intensity"),
    ("odi", (40.0, 8.0, 5.0), "% (per unit pain, per unit S, SD)", CHOICE, "ODI"),
    ("rmdq", (0.22, 1.5), "(points per ODI %, SD)", CHOICE, "RMDQ from ODI"),
    ("ndi", (55.0, 10.0, 0.8, 4.0), "% (per unit pain, per unit S, per PDS point, SD)",
     f"painmech choice, scaled to the {_WHIPLASH}", "NDI"),
], _M)
#: Blood markers: ``person level × exp(b ι + noise)``.
MARKER_GAIN = declare("MARKER_GAIN", {"crp": 2.0, "il6": 2.0, "tnf_alpha": 1.0,
                                      "il1_beta": 0.8}, "ln units per unit ι",
                      "direction: Klyne et al. 2017 Brain Behav Immun 60:84; Lim et al. 2020 "
                      "Clin J Pain 36:379; sizes painmech choice", _M,
                      "rise of each inflammatory marker with expressed ι")
MARKER_NOISE = declare("MARKER_NOISE", 0.1, "ln units", CHOICE, _M,
                       "assay noise of the blood markers (scaled by noise_scale)")
SEGMENTATION_NOISE = declare("SEGMENTATION_NOISE", 0.045, "ln units", CALIBRATED, _M,
                             "FreeSurfer scan-rescan noise of a regional volume (scaled by "
                             "noise_scale; was 0.01, retest ICC 0.99; targets: DLPFC "
                             "cortical volume ICC 0.88, Iscan et al. 2015; thalamus 0.90, "
                             "Morey et al. 2010)")


def ndi_from(pain01, s, hyper, rng, noise: float = 1.0) -> np.ndarray:
    """NDI % (even numbers) from pain, sensitisation and hyperarousal."""
    a, b, c, sd = QUESTIONNAIRE["ndi"]
    raw = a * pain01 + b * s + c * hyper + rng.normal(0.0, sd * noise, np.shape(pain01))
    return np.clip(2.0 * np.round(raw / 2.0), 0.0, 100.0)


def clinical_blocks(pop, pain01, s, duration_months, episode, rng, noise: float = 1.0,
                    in_pain=None):
    """Pain, disability and psychological questionnaires (site/side none).

    ``in_pain`` (bool per person, optional) marks pain-free people whose new
    pain has begun (``onset`` course): they answer like patients.
    """
    n = pop.n
    nz = pop.nuisance
    q = QUESTIONNAIRE
    patient = pop.condition != "healthy"
    if in_pain is not None:
        patient = patient | np.asarray(in_pain, bool)
    nrs = np.clip(np.round(q["nrs"][0] * pain01 + rng.normal(0.0, q["nrs"][1] * noise, n)),
                  0.0, 10.0)
    nrs = np.where(patient, nrs, np.clip(np.round(rng.normal(0.0, q["nrs"][2] * noise, n)),
                                         0, 10))
    a, b, sd = q["odi"]
    odi = np.clip(2.0 * np.round((a * pain01 + b * s + rng.normal(0, sd * noise, n)) / 2.0),
                  0, 100)
    rmdq = np.clip(np.round(q["rmdq"][0] * odi + rng.normal(0, q["rmdq"][1] * noise, n)), 0, 24)
    ndi = ndi_from(pain01, s, nz["pds_hyperarousal"], rng, noise)
    state = ((nrs > 0) & patient).astype(float)
    cols = {
        "pain_intensity": ("nrs10", nrs),
        "pain_duration": ("month", np.round(np.where(state > 0, duration_months, 0.0), 1)),
        "pain_state": ("flag", state),
        "odi": ("percent", odi),
        "rmdq": ("score", rmdq),
        "ndi": ("percent", ndi),
        "pcs": ("score", nz["pcs"]),
        "dass21_stress": ("score", nz["dass21_stress"]),
        "pds_hyperarousal": ("score", nz["pds_hyperarousal"]),
    }
    return [(m, "none", "none", u, v[:, None].astype(float)) for m, (u, v) in cols.items()]


def blood_blocks(pop, iota_eff, rng, noise: float = 1.0):
    """CRP (mg/L), IL-6, TNF-α, IL-1β (pg/mL): person level × exp(b ι) × assay noise."""
    nz = pop.nuisance
    out = []
    for measure, base, unit in (("crp", "crp0", "mg/L"), ("il6", "il60", "pg/mL"),
                                ("tnf_alpha", "tnf0", "pg/mL"), ("il1_beta", "il1b0", "pg/mL")):
        v = nz[base] * np.exp(MARKER_GAIN[measure] * iota_eff
                              + rng.normal(0.0, MARKER_NOISE * noise, pop.n))
        out.append((measure, "none", "none", unit, np.round(np.maximum(v, 0.01), 2)[:, None]))
    return out


#: Share of the caudal middle frontal gyrus in the DLPFC grey-matter volume
#: (rostral + caudal middle frontal ``GrayVol``). Mean of the four hemispheres
#: of the two FreeSurfer example subjects in tests/data/freesurfer (fs741:
#: 6303/19498, 6982/22842; HCP 198451: 8645/28970, 8023/28782 mm³) ≈ 0.30.
CAUDAL_SHARE = declare("CAUDAL_SHARE", 0.30, "1", "mean of the four hemispheres of the two "
                       "FreeSurfer example subjects in tests/data/freesurfer", _M,
                       "caudal middle frontal share of the DLPFC volume")


def imaging_blocks(pop, dgm_eff, rng, noise: float = 1.0):
    """FreeSurfer-like grey-matter volumes (mm³) and eTIV (site none).

    Sites are those :func:`painmech.io.read_freesurfer` produces and
    :func:`painmech.measures.greymatter_metrics` consumes: the aparc parcels
    ``rostralmiddlefrontal`` and ``caudalmiddlefrontal`` (their sum is the
    DLPFC, split by :data:`CAUDAL_SHARE`) and the aseg ``thalamus``, each with
    side left/right.
    """
    nz = pop.nuisance
    etiv = nz["etiv"]
    out = []
    for region in ("dlpfc", "thalamus"):
        for hemi in ("left", "right"):
            affected = region == "dlpfc" or hemi == "right"
            loss = dgm_eff if affected else 0.0
            v = etiv * nz[f"{region}_{hemi}_frac"] * (1.0 - loss)
            v = v * np.exp(rng.normal(0.0, SEGMENTATION_NOISE * noise, pop.n))
            if region == "thalamus":
                out.append(("gmv", "thalamus", hemi, "mm3", np.round(v, 1)[:, None]))
                continue
            for parcel, share in (("rostralmiddlefrontal", 1.0 - CAUDAL_SHARE),
                                  ("caudalmiddlefrontal", CAUDAL_SHARE)):
                out.append(("gmv", parcel, hemi, "mm3", np.round(share * v, 1)[:, None]))
    out.append(("etiv", "none", "none", "mm3", np.round(etiv, 0)[:, None]))
    return out


def tactile_blocks(pop, beta_eff, local_lumbar, local_cervical, pain01, rng,
                   trials: int | None = None, noise: float = 1.0, scenario=None):
    """Two-point discrimination (2 staircases per site, side and orientation, or
    ``trials``; measures ``tpd_vertical`` and ``tpd_horizontal``), graphaesthesia
    and FreBAQ (driven by pain only in the ``pain_driven_frebaq`` scenario).
    """
    from painmech.simulation._scenario import PAIN_FREBAQ_GAIN, get_scenario

    scenario = get_scenario(scenario)
    nz = pop.nuisance
    out = []
    rel_local = (beta_eff - 1.0)
    for site, loc in (("lumbar", local_lumbar), ("cervical", local_cervical)):
        beta_site = 1.0 + rel_local * loc
        for side in ("left", "right"):
            for orient in TPD_ORIENTATIONS:
                sigma = nz[f"sigma_rf_{site}"] * beta_site * orientation_factor(site, orient)
                thr = tpd_thresholds(sigma, 2 if trials is None else int(trials), rng, noise)
                out.append((f"tpd_{orient}", site, side, "mm", thr))
    out.append(("graphesthesia_error", "lumbar", "midline", "flag",
                graphesthesia(rel_local * local_lumbar, rng)))
    gain = PAIN_FREBAQ_GAIN if scenario.frebaq_driver == "pain" else None
    out.append(("frebaq_item", "none", "none", "score",
                frebaq(rel_local, pain01, rng, noise, pain_gain=gain,
                       trait=nz.get("frebaq_trait", 0.0))))
    return out
