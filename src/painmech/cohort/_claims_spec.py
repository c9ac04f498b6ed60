"""The pre-specified claims: each testable statement of the fact sheet.

Source: IASP Global Year About Back Pain 2021 fact sheet "Neurobiological
Mechanisms Contributing to Back Pain" (German translation in the project's
seed material); ``section`` is the numbered mechanism of the sheet. The
statements below are painmech's own paraphrases in English and German.

Each claim fixes, before any data are seen: the metric(s) in order of
preference with the sign the claim predicts, the sites, the population and
comparison group, the outcome, the test, the effect measure and the smallest
effect size of interest (by kind, :data:`painmech.cohort._claims_verdict.SESOI_BY_KIND`,
unless the claim states its own). The verdict rule is in
:mod:`painmech.cohort._claims_verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Claim", "CLAIMS", "LBP", "NECK"]

Kind = Literal["difference", "association", "tracking", "recovery", "prognosis",
               "no_prognosis"]

#: Low back pain conditions.
LBP = ("acute_lbp", "subacute_lbp", "chronic_lbp", "recurrent_lbp")
#: Neck conditions.
NECK = ("neck_pain", "whiplash")


#: CPM metrics in order of preference. The effect in % of the baseline PPT comes
#: first: the absolute kPa change scales with the baseline threshold, so a
#: cohort whose patients merely have lower PPTs (pressure hyperalgesia) shows a
#: smaller kPa effect with unchanged relative inhibition (checked on the
#: simulator and in tests/cohort/test_claims_cpm_scale.py). Yarnitsky et al. 2015
#: Eur J Pain 19:805 recommend reporting both; the absolute effects remain the
#: fallback when no % effect could be computed (near-zero baselines, ratings).
_CPM_METRICS = (("cpm_effect_pct", -1), ("cpm_effect", -1), ("cpm_rating_effect", -1))


@dataclass(frozen=True)
class Claim:
    """One pre-specified, testable statement.

    Attributes
    ----------
    id : str
        Stable identifier.
    section : int
        Number of the mechanism in the fact sheet (1–10).
    mechanism : str
        Mechanism id (design.md §2).
    statement_en, statement_de : str
        The claim in painmech's own words.
    kind : {"difference", "association", "tracking", "recovery", "prognosis", "no_prognosis"}
        difference: population vs comparison group, Hedges' g adjusted for
        ``covariates`` (the unadjusted g reported beside it);
        association: partial Spearman rho with ``outcome`` within the population;
        tracking: standardised within-subject mixed-model slope of the metric
        on pain intensity;
        recovery: standardised mean change over the ``course``;
        prognosis / no_prognosis: AUC of the baseline metric for the poor
        ``outcome``, oriented by the claimed sign (no_prognosis: by the
        metric's direction of gain).
    metrics : tuple of (str, int)
        Candidate metric ids in order of preference, each with the sign of the
        effect the claim predicts for it (+1, −1; 0 for no_prognosis). The
        first metric with enough data is used.
    sites : "local", "remote", tuple of str or None
        Sites to average (local/remote relative to the population's condition).
    population : tuple of str
        Conditions analysed (the "patients").
    comparison : tuple of str
        Comparison conditions for ``difference`` claims.
    outcome : str or None
        Outcome metric of associations (``"a|b"``: the first alternative the
        cohort measured, e.g. 2PD of unstated, vertical or horizontal
        orientation), or for prognosis ``"persistence"``
        (pain intensity fell by < 20 % from the first to the last visit;
        Hashmi 2013 Brain 136:2751), ``"ndi_moderate_severe"`` (NDI > 30 %
        at the last visit; Sterling 2003 Pain 104:509) or ``"onset"`` (pain-free
        at the first visit, in pain at the last one).
    covariates : tuple of str
        Adjustment of differences and associations.
    source : str
        Literature behind the expectation (evidence.md).
    course : {"pain_free", "relief"}
        Recovery claims: change from the last in-pain visit to the first
        pain-free visit, or from the first to the last visit in people whose
        pain intensity fell by ≥ 30 % (Dworkin 2008 J Pain 9:105, IMMPACT:
        at least moderately important).
    sesoi : float, optional
        The claim's own smallest effect size of interest (distance from the
        null on the effect's scale) with ``sesoi_source``; default by kind.
    """

    id: str
    section: int
    mechanism: str
    statement_en: str
    statement_de: str
    kind: Kind
    metrics: tuple[tuple[str, int], ...]
    population: tuple[str, ...] = LBP
    sites: str | tuple[str, ...] | None = None
    comparison: tuple[str, ...] = ("healthy",)
    outcome: str | None = None
    covariates: tuple[str, ...] = field(default=("age", "sex"))
    source: str = ""
    course: Literal["pain_free", "relief"] = "pain_free"
    sesoi: float | None = None
    sesoi_source: str = ""


_C = Claim
CLAIMS: tuple[Claim, ...] = (
    _C("inflammation_higher", 1, "peripheral_sensitization",
       "Blood markers of inflammation (CRP, IL-6, TNF-α) are higher in back pain than in "
       "pain-free controls.",
       "Entzündungsmarker im Blut (CRP, IL-6, TNF-α) sind bei Rückenschmerzen höher als bei "
       "schmerzfreien Kontrollen.",
       "difference", (("crp", 1), ("il6", 1), ("tnf_alpha", 1)),
       source="Lim 2020 Clin J Pain 36:379; Klyne 2017 Brain Behav Immun 60:84"),
    _C("ppt_local_lower", 2, "pressure_hyperalgesia",
       "Pressure pain thresholds in the painful region are lower in back pain than in "
       "controls.",
       "Druckschmerzschwellen in der schmerzhaften Region sind bei Rückenschmerzen niedriger "
       "als bei Kontrollen.",
       "difference", (("ppt", -1),), sites="local",
       source="den Bandt 2019 JOSPT 49:698"),
    _C("ppt_remote_lower", 2, "pressure_hyperalgesia",
       "Pressure pain thresholds away from the back are lower as well (widespread "
       "hyperalgesia).",
       "Auch fern vom Rücken sind die Druckschmerzschwellen erniedrigt (ausgebreitete "
       "Hyperalgesie).",
       "difference", (("ppt", -1),), sites="remote",
       source="den Bandt 2019 JOSPT 49:698 (scapula MD 119 kPa)"),
    _C("ppt_tracks_pain", 2, "pressure_hyperalgesia",
       "Within a person, pressure pain thresholds are lower at visits with stronger pain.",
       "Innerhalb einer Person sind die Druckschmerzschwellen bei Terminen mit stärkeren "
       "Schmerzen niedriger.",
       "tracking", (("ppt", -1),), sites="local",
       source="McPhee & Graven-Nielsen 2019 Pain; Hübscher 2013 Pain 154:1497"),
    _C("ppt_normalises", 2, "pressure_hyperalgesia",
       "Pressure pain thresholds rise back towards normal once the pain has gone.",
       "Nach Abklingen der Schmerzen steigen die Druckschmerzschwellen wieder in Richtung "
       "Normalbereich.",
       "recovery", (("ppt", 1),), sites="local",
       source="McPhee & Graven-Nielsen 2019 Pain"),
    _C("ppt_no_prognosis", 2, "pressure_hyperalgesia",
       "Pressure pain thresholds at the first visit do not predict whether back pain "
       "persists.",
       "Die Druckschmerzschwellen beim ersten Termin sagen nicht voraus, ob Rückenschmerzen "
       "fortbestehen.",
       "no_prognosis", (("ppt", 0),), sites="local", outcome="persistence",
       source="Müller 2019 Eur J Pain 23:894 (AUC < 0.5, n = 130)"),
    _C("tenderness_tracks_pain", 2, "pressure_hyperalgesia",
       "Within a person, more sites are painful on palpation at visits with stronger pain.",
       "Innerhalb einer Person sind bei Terminen mit stärkeren Schmerzen mehr Stellen "
       "druckschmerzhaft bei der Palpation.",
       "tracking", (("tender_point_count", 1),),
       source="fact sheet §2 (palpation as the clinical correlate of pressure "
              "sensitivity, for monitoring); Jensen 2013 BMJ Open 3:e002532"),
    _C("tenderness_no_prognosis", 2, "pressure_hyperalgesia",
       "Tenderness on palpation at the first visit does not predict whether back pain "
       "persists.",
       "Die Druckschmerzhaftigkeit bei der Palpation beim ersten Termin sagt nicht voraus, "
       "ob Rückenschmerzen fortbestehen.",
       "no_prognosis", (("tender_point_count", 0),), outcome="persistence",
       source="fact sheet §2 (no prognostic value of pressure sensitivity or palpation)"),
    _C("ts_raised", 3, "temporal_summation",
       "Temporal summation of repeated painful stimuli is larger in back pain than in "
       "controls.",
       "Die zeitliche Summation wiederholter Schmerzreize ist bei Rückenschmerzen größer als "
       "bei Kontrollen.",
       "difference", (("tsp_diff", 1), ("wur", 1), ("tsp_ratio", 1)),
       source="McPhee 2020 Pain 161:464 (SMD 0.50)"),
    _C("ts_severity", 3, "temporal_summation",
       "Larger temporal summation goes with stronger back pain.",
       "Stärkere zeitliche Summation geht mit stärkeren Rückenschmerzen einher.",
       "association", (("tsp_diff", 1), ("wur", 1), ("tsp_ratio", 1),
                       ("nwr_ts_threshold", -1)),
       outcome="pain_intensity", source="McPhee 2020 Pain 161:464 (Rs 0.41)"),
    _C("ts_normalises", 3, "temporal_summation",
       "Temporal summation becomes smaller once the pain has resolved.",
       "Die zeitliche Summation wird nach Abklingen der Schmerzen kleiner.",
       "recovery", (("tsp_diff", -1), ("wur", -1), ("tsp_ratio", -1),
                    ("nwr_ts_threshold", 1)),
       source="McPhee & Graven-Nielsen 2019 Pain"),
    _C("nwr_ts_lower", 3, "temporal_summation",
       "The withdrawal reflex to repeated electrical stimuli (its temporal summation) is "
       "evoked at lower currents in back pain than in controls.",
       "Der Wegziehreflex auf wiederholte elektrische Reize (seine zeitliche Summation) wird "
       "bei Rückenschmerzen schon bei geringeren Stromstärken ausgelöst als bei Kontrollen.",
       "difference", (("nwr_ts_threshold", -1),),
       source="fact sheet §3; Biurrun Manresa 2013 BMC Neurosci 14:110; NFR threshold "
              "lower in chronic musculoskeletal pain: Lim 2011 Pain 152:1811"),
    _C("cpm_impaired", 4, "descending_inhibition",
       "Conditioned pain modulation (endogenous inhibition) is weaker in back pain than in "
       "controls.",
       "Die konditionierte Schmerzmodulation (körpereigene Hemmung) ist bei Rückenschmerzen "
       "schwächer als bei Kontrollen.",
       "difference", _CPM_METRICS,
       source="McPhee 2020 Pain 161:464 (SMD −0.44)"),
    _C("cpm_duration", 4, "descending_inhibition",
       "The longer back pain has lasted, the weaker conditioned pain modulation.",
       "Je länger die Rückenschmerzen bestehen, desto schwächer ist die konditionierte "
       "Schmerzmodulation.",
       "association", _CPM_METRICS,
       outcome="pain_duration", source="McPhee 2020 Pain 161:464 (Rs −0.62)"),
    _C("cpm_severity", 4, "descending_inhibition",
       "The stronger the back pain, the weaker conditioned pain modulation.",
       "Je stärker die Rückenschmerzen, desto schwächer ist die konditionierte "
       "Schmerzmodulation.",
       "association", _CPM_METRICS,
       outcome="pain_intensity", source="McPhee 2020 Pain 161:464 (Rs −0.54)"),
    _C("pfc_pag_reduced", 4, "descending_inhibition",
       "Functional connectivity between prefrontal cortex and periaqueductal grey is lower in "
       "back pain.",
       "Die funktionelle Konnektivität zwischen präfrontalem Kortex und periaquäduktalem Grau "
       "ist bei Rückenschmerzen geringer.",
       "difference", (("fc", -1),),
       sites=("pag__vmpfc", "vmpfc__pag", "mpfc__pag", "pag__mpfc", "dlpfc__pag",
              "pag__dlpfc", "racc__pag", "pag__racc"),
       source="fact sheet ref. 38; Yu 2014 NeuroImage Clin 6:100 found it increased"),
    _C("cpm_precedes_neck_pain", 4, "descending_inhibition",
       "In people free of pain, weaker conditioned pain modulation comes before new neck "
       "pain.",
       "Bei schmerzfreien Menschen geht eine schwächere konditionierte Schmerzmodulation "
       "neu auftretenden Nackenschmerzen voraus.",
       "prognosis", _CPM_METRICS, population=("healthy", "neck_pain"), outcome="onset",
       source="Shahidi 2015 J Pain 16:1288 (OR 0.90 per unit, n = 171; to be replicated); "
              "the data model records no pain location per visit, so any new pain counts"),
    _C("cold_neck", 5, "cold_hyperalgesia",
       "People with neck pain or after whiplash find cold painful at warmer temperatures than "
       "controls.",
       "Menschen mit Nackenschmerzen oder nach Schleudertrauma empfinden Kälte schon bei "
       "wärmeren Temperaturen als schmerzhaft als Kontrollen.",
       "difference", (("cpt", 1),), population=NECK,
       source="Sterling 2003 Pain 104:509"),
    _C("cold_catastrophising", 5, "cold_hyperalgesia",
       "In neck pain, people more sensitive to cold catastrophise more about pain.",
       "Bei Nackenschmerzen katastrophisieren kälteempfindlichere Menschen stärker.",
       "association", (("cpt", 1),), population=NECK, outcome="pcs",
       source="evidence.md §5"),
    _C("cold_stress", 5, "cold_hyperalgesia",
       "In neck pain, people more sensitive to cold report more stress.",
       "Bei Nackenschmerzen berichten kälteempfindlichere Menschen mehr Stress.",
       "association", (("cpt", 1),), population=NECK, outcome="dass21_stress",
       source="evidence.md §5"),
    _C("cold_predicts_whiplash", 5, "cold_hyperalgesia",
       "After whiplash, early cold hypersensitivity predicts a moderate or severe course.",
       "Nach Schleudertrauma sagt eine frühe Kälteüberempfindlichkeit einen mittelschweren bis "
       "schweren Verlauf voraus.",
       "prognosis", (("cpt", 1),), population=("whiplash",), outcome="ndi_moderate_severe",
       source="Sterling 2011 Pain 152:1272 (CPT ≥ 13 °C, OR 26.3)"),
    _C("gm_dlpfc_lower", 6, "grey_matter",
       "Grey-matter volume of the dorsolateral prefrontal cortex is smaller in chronic low "
       "back pain.",
       "Das Volumen der grauen Substanz im dorsolateralen präfrontalen Kortex ist bei "
       "chronischen Kreuzschmerzen kleiner.",
       "difference", (("gmv_dlpfc_frac", -1), ("gmv_dlpfc", -1)), population=("chronic_lbp",),
       source="Apkarian 2004 J Neurosci 24:10410; Henn 2023 Pain 164:e10 (not robust)"),
    _C("gm_thalamus_lower", 6, "grey_matter",
       "Thalamic grey-matter volume is smaller in chronic low back pain.",
       "Das Volumen der grauen Substanz im Thalamus ist bei chronischen Kreuzschmerzen "
       "kleiner.",
       "difference", (("gmv_thalamus_frac", -1), ("gmv_thalamus", -1)),
       population=("chronic_lbp",), source="Apkarian 2004 J Neurosci 24:10410"),
    _C("gm_duration", 6, "grey_matter",
       "The longer the pain has lasted, the smaller the prefrontal grey-matter volume.",
       "Je länger die Schmerzen bestehen, desto kleiner ist das präfrontale Volumen der "
       "grauen Substanz.",
       "association", (("gmv_dlpfc_frac", -1), ("gmv_dlpfc", -1)),
       population=("chronic_lbp",), outcome="pain_duration",
       source="Apkarian 2004 (≈ 1.3 cm³ per year of pain)"),
    _C("gm_reverses", 6, "grey_matter",
       "Prefrontal grey matter increases again after effective treatment (pain relief of "
       "at least 30 %).",
       "Die präfrontale graue Substanz nimmt nach wirksamer Behandlung (Schmerzlinderung um "
       "mindestens 30 %) wieder zu.",
       "recovery", (("gmv_dlpfc_frac", 1), ("gmv_dlpfc", 1)), population=("chronic_lbp",),
       course="relief",
       source="Seminowicz 2011 J Neurosci (left DLPFC thicker after effective treatment); "
              "relief ≥ 30 %: Dworkin 2008 J Pain 9:105"),
    _C("smudging_present", 7, "motor_cortex_smudging",
       "Motor-cortex maps of trunk muscles overlap more (are blurred) in back pain.",
       "Die Motorkortex-Karten der Rumpfmuskeln überlappen bei Rückenschmerzen stärker "
       "(sind verwischt).",
       "difference", (("tms_overlap", 1), ("tms_cog_distance", -1)),
       source="Tsao 2011 Spine 36:1721"),
    _C("smudging_intensity", 7, "motor_cortex_smudging",
       "More blurred motor-cortex maps go with stronger back pain.",
       "Stärker verwischte Motorkortex-Karten gehen mit stärkeren Rückenschmerzen einher.",
       "association", (("tms_overlap", 1), ("tms_cog_distance", -1)),
       outcome="pain_intensity", source="Schabrun 2017 Spine 42:1172"),
    _C("homeostatic_lost", 8, "homeostatic_plasticity",
       "The homeostatic response to two blocks of transcranial direct current stimulation is "
       "lost in low back pain.",
       "Die homöostatische Antwort auf zwei Blöcke transkranieller Gleichstromstimulation "
       "fehlt bei Kreuzschmerzen.",
       "difference", (("homeostatic_z", 1), ("mep_ratio_post0", 1)),
       source="Thapa 2018 Clin Neurophysiol"),
    _C("fc_affective_shift", 9, "functional_connectivity",
       "Connectivity is shifted from sensory towards affective networks in chronic compared "
       "with acute or subacute back pain.",
       "Die Konnektivität ist bei chronischen gegenüber akuten oder subakuten "
       "Rückenschmerzen von sensorischen zu affektiven Netzwerken verschoben.",
       "difference", (("fc_affective_sensory_index", 1),), population=("chronic_lbp",),
       comparison=("acute_lbp", "subacute_lbp"), source="Hashmi 2013 Brain 136:2751"),
    _C("fc_nac_predicts_persistence", 9, "functional_connectivity",
       "In subacute back pain, stronger connectivity between medial prefrontal cortex and "
       "nucleus accumbens predicts that the pain persists.",
       "Bei subakuten Rückenschmerzen sagt eine stärkere Konnektivität zwischen medialem "
       "präfrontalem Kortex und Nucleus accumbens ein Fortbestehen der Schmerzen voraus.",
       "prognosis", (("fc", 1),), sites=("mpfc__nac", "nac__mpfc"),
       population=("subacute_lbp",), outcome="persistence",
       source="Baliki 2012 Nat Neurosci 15:1117; replicated poorly (Löffler 2022)"),
    _C("tpd_worse", 10, "somatosensory_deficit",
       "Two-point discrimination thresholds on the back are larger (worse) in back pain.",
       "Die Zwei-Punkt-Diskriminationsschwellen am Rücken sind bei Rückenschmerzen größer "
       "(schlechter).",
       "difference", (("tpd", 1), ("tpd_vertical", 1), ("tpd_horizontal", 1)), sites="local",
       source="Adamczyk 2018 Clin J Pain 34:82 (+11.7 mm); orientations: Morf 2021 BMC "
              "MSD 22:666"),
    _C("graphaesthesia_worse", 10, "somatosensory_deficit",
       "People with back pain make more graphaesthesia errors on the back.",
       "Menschen mit Rückenschmerzen machen am Rücken mehr Fehler beim Erkennen von auf die "
       "Haut gezeichneten Zeichen.",
       "difference", (("graphesthesia_errors", 1), ("graphesthesia_error_rate", 1)),
       source="Wand 2010 Physiotherapy 96:317 (+6.1 errors)"),
    _C("body_perception_acuity", 10, "somatosensory_deficit",
       "A more disturbed perception of one's back goes with poorer tactile acuity.",
       "Eine stärker gestörte Wahrnehmung des eigenen Rückens geht mit schlechterer taktiler "
       "Auflösung einher.",
       "association", (("frebaq_total", 1),), outcome="tpd|tpd_vertical|tpd_horizontal",
       source="Wand 2014 (FreBAQ); fact sheet refs 24, 32"),
)
