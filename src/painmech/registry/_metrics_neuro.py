"""Metric definitions of the neurophysiology, imaging and blood-marker families.

Every metric computed by :func:`painmech.measures.tms_map_metrics`,
:func:`~painmech.measures.homeostatic_metrics`,
:func:`~painmech.measures.greymatter_metrics`,
:func:`~painmech.measures.connectivity_metrics` and
:func:`~painmech.measures.blood_metrics` is defined here.

Sign convention as for every painmech metric: ``z = gain * (transform(value) -
mean) / sd`` is positive when the value points *towards the mechanism*
(smudging, loss of homeostatic plasticity, less grey matter, a shift to
affective networks, inflammation). ``gain = 0`` marks a metric whose direction
is not established in the literature collected in ``evidence.md``; those are
reported, not z-scored (``score_kind = "none"``).

Directions and their sources (``evidence.md`` §1, §6–§9):

* TMS: reduced map volume and overlapping longissimus / deep multifidus
  centres of gravity in recurrent LBP (Tsao et al. 2011 Spine 36:1721). The
  direction of CoG shifts is inconsistent between studies (posterior in Tsao
  2011, anterior in Schabrun 2017 and Elgueta-Cancino 2018), so CoG coordinates,
  map area and the number of peaks carry no gain.
* tDCS: in healthy people the MEP falls below baseline after the second tDCS
  block; in chronic LBP this reversal is missing (Thapa & Schabrun 2018,
  direction marked "recalled" in evidence.md).
* Grey matter: less DLPFC and thalamus grey matter in chronic back pain
  (Apkarian et al. 2004 J Neurosci 24:10410) — but not robust
  meta-analytically (Henn et al. 2023 Pain 164:e10).
* Connectivity: emotion circuitry takes over in persisting back pain (Hashmi
  et al. 2013 Brain 136:2751); single edges have no fixed direction (PAG–vmPFC
  was higher in cLBP, Yu et al. 2014 NeuroImage Clin 6:100).
* Blood: CRP, IL-6, TNF-α higher in non-specific LBP (Lim et al. 2020 Clin J
  Pain 36:379; Klyne et al. 2017 Brain Behav Immun 60:84); hs-CRP risk
  categories < 1, 1–3, > 3 mg/L (Pearson et al. 2003 Circulation 107:499).
"""

from __future__ import annotations

from painmech.registry._types import Metric

__all__ = [
    "CRP_CATEGORY_CUTS_MG_L",
    "NEURO_METRICS",
    "TDCS_TIMEPOINTS",
]

#: The five MEP blocks of the two-block tDCS protocol, in order (Thapa &
#: Schabrun 2018 Neural Plast 6207508): before, between the two blocks, and 0,
#: 10 and 20 min after the second block.
TDCS_TIMEPOINTS: tuple[str, ...] = ("baseline", "between", "post0", "post10", "post20")

#: hs-CRP category boundaries in mg/L: < 1 low, 1–3 average, > 3 high
#: (Pearson et al. 2003 Circulation 107:499, AHA/CDC scientific statement).
CRP_CATEGORY_CUTS_MG_L: tuple[float, float] = (1.0, 3.0)

_TSAO = "Tsao et al. 2011 Spine 36:1721"
_TMS = f"evidence.md §7; {_TSAO}; Schabrun et al. 2017 Spine 42:1172"
_THAPA = "Thapa & Schabrun 2018 Neural Plast 6207508 (protocol); Thapa et al. 2018 (cLBP)"
_APKARIAN = "Apkarian et al. 2004 J Neurosci 24:10410; Henn et al. 2023 Pain 164:e10"
_FS = "FreeSurfer aparc GrayVol / aseg Volume_mm3; evidence.md §6"
_HASHMI = "Hashmi et al. 2013 Brain 136:2751; Baliki et al. 2012 Nat Neurosci 15:1117"
_BLOOD = "Lim et al. 2020 Clin J Pain 36:379; Klyne et al. 2017 Brain Behav Immun 60:84"

_SMUDGE = ("motor_cortex_smudging",)
_HOMEO = ("homeostatic_plasticity",)
_GM = ("grey_matter",)
_FC = ("functional_connectivity",)
_INFL = ("peripheral_sensitization",)


def _n(id_, en, de, unit, transform, gain, mech, kind, site_kind, description, source):
    return Metric(id=id_, label_en=en, label_de=de, unit=unit, transform=transform,
                  gain=gain, mechanisms=tuple(mech), score_kind=kind, site_kind=site_kind,
                  description=description, source=source)


_TMS_METRICS = (
    _n("tms_cog_x", "TMS map centre of gravity, x", "TMS-Karte Schwerpunkt x", "cm", "none",
       0, _SMUDGE, "none", "muscle",
       "Amplitude-weighted mean x coordinate of the grid sites (sum x·MEP / sum MEP) with "
       "the mean MEP per site. Reported only: the direction of shifts is inconsistent.",
       _TMS),
    _n("tms_cog_y", "TMS map centre of gravity, y", "TMS-Karte Schwerpunkt y", "cm", "none",
       0, _SMUDGE, "none", "muscle",
       "Amplitude-weighted mean y coordinate of the grid sites (sum y·MEP / sum MEP).",
       _TMS),
    _n("tms_volume", "TMS map volume", "TMS-Kartenvolumen", "uV", "none", -1, _SMUDGE, "z",
       "muscle",
       "Sum of the mean MEP amplitudes over all grid sites; a smaller map = gain "
       "(reduced volume in recurrent LBP).", _TMS),
    _n("tms_area", "TMS map area", "TMS-Kartenfläche", "cm2", "none", 0, _SMUDGE, "none",
       "muscle",
       "Number of sites whose mean MEP exceeds the area threshold times the grid cell "
       "area. Direction not established; reported only.", _TMS),
    _n("tms_peaks", "TMS map discrete peaks", "TMS-Karte diskrete Maxima", "count", "none", 0,
       _SMUDGE, "count", "muscle",
       "Number of 4-connected clusters of sites above 50 % of the map maximum (peaks "
       "separated by at least one site below 50 %).", _TMS),
    _n("tms_cog_distance", "distance between two muscles' CoGs",
       "Abstand der Kartenschwerpunkte zweier Muskeln", "cm", "none", -1, _SMUDGE, "z",
       "muscle",
       "Euclidean distance between the CoGs of two muscles of the same hemisphere; site "
       "'muscle_a__muscle_b'. A shorter distance (overlapping representations) = gain.",
       f"{_TMS}; overlap of longissimus and deep multifidus CoGs in {_TSAO}"),
    _n("tms_overlap", "overlap of two muscles' maps", "Überlappung zweier Muskelkarten",
       "ratio", "none", 1, _SMUDGE, "z", "muscle",
       "Jaccard index (shared / combined active sites, 0–1) of the two muscles' active "
       "sites (above the area threshold); site 'muscle_a__muscle_b'. More overlap = gain.",
       f"{_TMS}; painmech's operationalisation of map overlap"),
)


def _mep_metrics() -> tuple[Metric, ...]:
    out = []
    for tp in TDCS_TIMEPOINTS:
        out.append(_n(f"mep_{tp}", f"MEP amplitude, {tp}", f"MEP-Amplitude, {tp}", "uV",
                      "none", 0, _HOMEO, "none", "none",
                      f"Mean peak-to-peak MEP amplitude of the pulses at '{tp}'.", _THAPA))
        out.append(_n(f"mep_{tp}_sd", f"MEP amplitude SD, {tp}", f"MEP-Amplitude SD, {tp}",
                      "uV", "none", 0, _HOMEO, "none", "none",
                      f"Standard deviation (ddof = 1) of the MEP amplitudes at '{tp}'.",
                      _THAPA))
    for tp in TDCS_TIMEPOINTS[1:]:
        after_block_2 = tp.startswith("post")
        out.append(_n(
            f"mep_ratio_{tp}", f"MEP ratio {tp} / baseline", f"MEP-Verhältnis {tp} / Baseline",
            "ratio", "log10", 1 if after_block_2 else 0, _HOMEO, "z" if after_block_2 else "none",
            "none",
            f"Mean MEP at '{tp}' divided by the mean baseline MEP. "
            + ("A higher ratio (no decrease after the second block) = gain; z on log10."
               if after_block_2 else "Reported only (increase expected after block 1)."),
            _THAPA))
    return tuple(out)


_TDCS_METRICS = (
    *_mep_metrics(),
    _n("homeostatic_z", "homeostatic response z", "z der homöostatischen Antwort", "1",
       "none", 1, _HOMEO, "z", "none",
       "Welch t of the log MEPs after the second block against baseline, converted to a "
       "standard-normal z with the same p-value; positive = no homeostatic decrease.",
       f"{_THAPA}; evidence.md §8 (compare with measurement error)"),
    _n("homeostatic_class", "homeostatic response class", "Klasse der homöostatischen Antwort",
       "score", "none", 1, _HOMEO, "flag", "none",
       "-1 homeostatic (CI of the post/baseline geometric-mean ratio below 1), +1 "
       "non-homeostatic (CI above 1), 0 indeterminate (CI contains 1).",
       f"{_THAPA}; evidence.md §8"),
)

_GM_METRICS = (
    _n("gmv_dlpfc", "DLPFC grey-matter volume", "DLPFC-Volumen graue Substanz", "mm3", "none",
       -1, _GM, "z", "none",
       "rostralmiddlefrontal + caudalmiddlefrontal GrayVol of one hemisphere (side). Less "
       "volume = gain; z by regression on age, sex and eTIV (ImagingReference).",
       f"{_FS}; {_APKARIAN}"),
    _n("gmv_thalamus", "thalamus volume", "Thalamusvolumen", "mm3", "none", -1, _GM, "z",
       "none",
       "aseg Left-/Right-Thalamus (Thalamus-Proper in FreeSurfer ≤ 6) volume of one "
       "hemisphere. Less volume = gain.", f"{_FS}; {_APKARIAN}"),
    _n("etiv", "estimated total intracranial volume", "Geschätztes intrakranielles Volumen",
       "mm3", "none", 0, _GM, "none", "none",
       "FreeSurfer eTIV (aseg.stats 'EstimatedTotalIntraCranialVol'); a covariate.",
       "Buckner et al. 2004 NeuroImage 23:724; FreeSurfer aseg.stats"),
    _n("gmv_dlpfc_frac", "DLPFC volume / eTIV", "DLPFC-Volumen / eTIV", "ratio", "none", -1,
       _GM, "z", "none", "gmv_dlpfc divided by eTIV (per hemisphere).", f"{_FS}; {_APKARIAN}"),
    _n("gmv_thalamus_frac", "thalamus volume / eTIV", "Thalamusvolumen / eTIV", "ratio",
       "none", -1, _GM, "z", "none", "gmv_thalamus divided by eTIV (per hemisphere).",
       f"{_FS}; {_APKARIAN}"),
)

_FC_METRICS = (
    _n("fc", "functional connectivity of an edge", "Funktionelle Konnektivität einer Kante",
       "fisher_z", "none", 0, _FC, "none", "edge",
       "Fisher z = artanh(r) of the (partial) correlation of two ROI time series; site "
       "'roi_a__roi_b'. Edges have no common direction; reported only.",
       f"evidence.md §9; {_HASHMI}; Yu et al. 2014 NeuroImage Clin 6:100"),
    _n("fc_affective_sensory_index", "affective-minus-sensory connectivity index",
       "Index affektive minus sensorische Konnektivität", "fisher_z", "none", 1, _FC, "z",
       "none",
       "Mean Fisher z of the affective edges minus mean Fisher z of the sensory edges; "
       "positive = shift towards affective networks (gain).",
       f"{_HASHMI}; edge grouping is painmech's (evidence.md §9 [I])"),
)

_BLOOD_METRICS = (
    _n("crp", "C-reactive protein", "C-reaktives Protein", "mg/L", "log10", 1, _INFL, "z",
       "none", "Mean of the replicate assays; left-censored at the detection limit.",
       f"{_BLOOD}; Pearson et al. 2003 Circulation 107:499"),
    _n("il6", "interleukin-6", "Interleukin-6", "pg/mL", "log10", 1, _INFL, "z", "none",
       "Mean of the replicate assays; left-censored at the detection limit.", _BLOOD),
    _n("tnf_alpha", "tumour necrosis factor α", "Tumornekrosefaktor α", "pg/mL", "log10", 1,
       _INFL, "z", "none",
       "Mean of the replicate assays; left-censored at the detection limit.", _BLOOD),
    _n("il1_beta", "interleukin-1β", "Interleukin-1β", "pg/mL", "log10", 1, _INFL, "z",
       "none", "Mean of the replicate assays; left-censored at the detection limit.",
       "Lim et al. 2020 Clin J Pain 36:379"),
    _n("crp_category", "hs-CRP category", "hs-CRP-Kategorie", "score", "none", 1, _INFL,
       "flag", "none",
       "0 = < 1 mg/L, 1 = 1–3 mg/L, 2 = > 3 mg/L; NaN when a censored value leaves the "
       "category open. Values > 10 mg/L suggest an acute-phase reaction (repeat).",
       "Pearson et al. 2003 Circulation 107:499"),
)

NEURO_METRICS: tuple[Metric, ...] = (
    *_TMS_METRICS, *_TDCS_METRICS, *_GM_METRICS, *_FC_METRICS, *_BLOOD_METRICS,
)
