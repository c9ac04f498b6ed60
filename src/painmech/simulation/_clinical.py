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

from painmech.simulation._tactile import (
    TPD_ORIENTATIONS,
    frebaq,
    graphesthesia,
    orientation_factor,
    tpd_thresholds,
)

__all__ = ["clinical_blocks", "blood_blocks", "imaging_blocks", "tactile_blocks",
           "ndi_from"]


def ndi_from(pain01, s, hyper, rng) -> np.ndarray:
    """NDI % (even numbers) from pain, sensitisation and hyperarousal."""
    raw = 55.0 * pain01 + 10.0 * s + 0.8 * hyper + rng.normal(0.0, 4.0, np.shape(pain01))
    return np.clip(2.0 * np.round(raw / 2.0), 0.0, 100.0)


def clinical_blocks(pop, pain01, s, duration_months, in_pain, rng):
    """Pain, disability and psychological questionnaires (site/side none)."""
    n = pop.n
    nz = pop.nuisance
    patient = pop.condition != "healthy"
    nrs = np.clip(np.round(10.0 * pain01 + rng.normal(0.0, 1.0, n)), 0.0, 10.0)
    nrs = np.where(patient, nrs, np.clip(np.round(rng.normal(0.0, 0.4, n)), 0, 10))
    odi = np.clip(2.0 * np.round((40.0 * pain01 + 8.0 * s + rng.normal(0, 5, n)) / 2.0), 0, 100)
    rmdq = np.clip(np.round(0.22 * odi + rng.normal(0, 1.5, n)), 0, 24)
    ndi = ndi_from(pain01, s, nz["pds_hyperarousal"], rng)
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


def blood_blocks(pop, iota_eff, rng):
    """CRP (mg/L), IL-6, TNF-α, IL-1β (pg/mL): person level × exp(b ι) × assay noise."""
    nz = pop.nuisance
    out = []
    for measure, base, b, unit in (("crp", "crp0", 2.0, "mg/L"), ("il6", "il60", 2.0, "pg/mL"),
                                   ("tnf_alpha", "tnf0", 1.0, "pg/mL"),
                                   ("il1_beta", "il1b0", 0.8, "pg/mL")):
        v = nz[base] * np.exp(b * iota_eff + rng.normal(0.0, 0.1, pop.n))
        out.append((measure, "none", "none", unit, np.round(np.maximum(v, 0.01), 2)[:, None]))
    return out


#: Share of the caudal middle frontal gyrus in the DLPFC grey-matter volume
#: (rostral + caudal middle frontal ``GrayVol``). Mean of the four hemispheres
#: of the two FreeSurfer example subjects in tests/data/freesurfer (fs741:
#: 6303/19498, 6982/22842; HCP 198451: 8645/28970, 8023/28782 mm³) ≈ 0.30.
CAUDAL_SHARE = 0.30


def imaging_blocks(pop, dgm_eff, rng):
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
            v = v * np.exp(rng.normal(0.0, 0.01, pop.n))  # segmentation noise (assumed 1 %)
            if region == "thalamus":
                out.append(("gmv", "thalamus", hemi, "mm3", np.round(v, 1)[:, None]))
                continue
            for parcel, share in (("rostralmiddlefrontal", 1.0 - CAUDAL_SHARE),
                                  ("caudalmiddlefrontal", CAUDAL_SHARE)):
                out.append(("gmv", parcel, hemi, "mm3", np.round(share * v, 1)[:, None]))
    out.append(("etiv", "none", "none", "mm3", np.round(etiv, 0)[:, None]))
    return out


def tactile_blocks(pop, beta_eff, local_lumbar, local_cervical, pain01, rng,
                   trials: int | None = None):
    """Two-point discrimination (2 staircases per site, side and orientation, or
    ``trials``; measures ``tpd_vertical`` and ``tpd_horizontal``), graphaesthesia
    and FreBAQ.
    """
    nz = pop.nuisance
    out = []
    rel_local = (beta_eff - 1.0)
    for site, loc in (("lumbar", local_lumbar), ("cervical", local_cervical)):
        beta_site = 1.0 + rel_local * loc
        for side in ("left", "right"):
            for orient in TPD_ORIENTATIONS:
                sigma = nz[f"sigma_rf_{site}"] * beta_site * orientation_factor(site, orient)
                thr = tpd_thresholds(sigma, 2 if trials is None else int(trials), rng)
                out.append((f"tpd_{orient}", site, side, "mm", thr))
    out.append(("graphesthesia_error", "lumbar", "midline", "flag",
                graphesthesia(rel_local * local_lumbar, rng)))
    out.append(("frebaq_item", "none", "none", "score", frebaq(rel_local, pain01, rng)))
    return out
