"""Metric definitions of the QST, questionnaire and somatosensory families.

Every metric computed by :func:`painmech.measures.compute_metrics` from raw
observations of these families is defined here: unit, transform before the
z-score, direction of gain, mechanisms and how it is scored.

Sign convention (DFNS, Rolke et al. 2006 Pain 123:231; design.md §3): a
z-score is ``gain * (transform(value) - mean) / sd`` so that a positive z
means *more pain-sensitive / more abnormal*. ``gain = -1`` therefore marks a
metric where a *lower* value is the gain of function (thresholds), ``+1`` one
where a higher value is (ratings, counts, acuity errors), ``0`` a metric with no
direction of its own (context).

Transforms: ``"log10"`` where the DFNS found the parameter log-normal in
healthy people (all but PHS, CPT, HPT and VDT; Rolke et al. 2006 Eur J Pain
10:77). For the signed thermal detection metrics (``cdt`` is negative by
construction) the logarithm is taken of the magnitude, i.e. of the distance
from the 32 °C baseline, as the DFNS does.

Protocol constants (DFNS; Rolke et al. 2006): thermode baseline 32 °C, safety
cut-offs 0 °C (cold) and 50 °C (heat).
"""

from __future__ import annotations

from painmech.registry._types import Metric

__all__ = [
    "COLD_CUTOFF_DEGC",
    "HEAT_CUTOFF_DEGC",
    "QST_METRICS",
    "THERMAL_BASELINE_DEGC",
]

#: Thermode baseline temperature of the DFNS thermal tests (°C).
THERMAL_BASELINE_DEGC = 32.0
#: Lower safety cut-off of the DFNS cold tests (°C); a value at it is censored.
COLD_CUTOFF_DEGC = 0.0
#: Upper safety cut-off of the DFNS heat tests (°C); a value at it is censored.
HEAT_CUTOFF_DEGC = 50.0

_DFNS = "DFNS protocol, Rolke et al. 2006 Pain 123:231 and Eur J Pain 10:77"
_TRUNK = "Pfau et al. 2014 Pain 155:1002 (DFNS trunk reference, relative comparisons)"
_CPM = "Yarnitsky et al. 2015 Eur J Pain 19:805; painmech sign: positive = inhibition"
_NWR = ("Neziri et al. 2010 Eur J Pain 14:134 (normative NWR thresholds); lower NFR "
        "threshold in chronic musculoskeletal pain: Lim et al. 2011 Pain 152:1811")
_QST = ("pressure_hyperalgesia", "peripheral_sensitization")
_SOMA = ("somatosensory_deficit",)


def _q(id_, en, de, unit, transform, gain, mech, kind, site_kind, description, source):
    return Metric(id=id_, label_en=en, label_de=de, unit=unit, transform=transform,
                  gain=gain, mechanisms=tuple(mech), score_kind=kind, site_kind=site_kind,
                  description=description, source=source)


_THERMAL = (
    _q("cdt", "cold detection threshold", "Kaltdetektionsschwelle", "delta_degC", "log10",
       -1, _SOMA, "z", "body",
       "Mean of the trials minus the 32 °C baseline (negative). z uses log10 of the "
       "magnitude; a smaller change felt = gain (positive z).", _DFNS),
    _q("wdt", "warm detection threshold", "Warmdetektionsschwelle", "delta_degC", "log10",
       -1, _SOMA, "z", "body",
       "Mean of the trials minus the 32 °C baseline (positive). z uses log10; a smaller "
       "change felt = gain.", _DFNS),
    _q("tsl", "thermal sensory limen", "Thermische Unterschiedsschwelle", "delta_degC",
       "log10", -1, _SOMA, "z", "body",
       "Mean of the alternating warm–cold differences. z uses log10; a smaller limen = "
       "gain.", _DFNS),
    _q("phs", "paradoxical heat sensations", "Paradoxe Hitzeempfindungen", "count", "none",
       1, _SOMA, "count", "body",
       "Number of TSL trials with a paradoxical heat sensation (0–3). Reported as a "
       "count, not z-scored.", _DFNS),
    _q("cpt", "cold pain threshold", "Kälteschmerzschwelle", "degC", "none", 1,
       ("cold_hyperalgesia",), "z", "body",
       "Mean of the trials in °C; a higher temperature = more cold-sensitive (gain). "
       "Trials at the 0 °C cut-off make the mean left-censored. On the trunk no "
       "absolute reference is usable (see cpt_side_diff, cpt_trunk_hand_diff).",
       f"{_DFNS}; {_TRUNK}"),
    _q("hpt", "heat pain threshold", "Hitzeschmerzschwelle", "degC", "none", -1, _QST, "z",
       "body",
       "Mean of the trials in °C; a lower temperature = more heat-sensitive (gain). "
       "Trials at the 50 °C cut-off make the mean right-censored.", _DFNS),
    _q("cpt_side_diff", "cold pain threshold, side-to-side difference",
       "Kälteschmerzschwelle, Seitendifferenz", "delta_degC", "none", 1,
       ("cold_hyperalgesia",), "z", "body",
       "|CPT left − CPT right| in °C at one site (side = bilateral); a relative "
       "comparison for sites without a usable absolute reference.", _TRUNK),
    _q("cpt_trunk_hand_diff", "cold pain threshold, trunk minus hand",
       "Kälteschmerzschwelle, Rumpf minus Hand", "delta_degC", "none", 1,
       ("cold_hyperalgesia",), "z", "body",
       "CPT at a trunk site minus CPT at the hand dorsum of the same side (°C); positive = "
       "trunk more cold-sensitive than the hand.", _TRUNK),
)

_MECHANICAL = (
    _q("mdt", "mechanical detection threshold", "Mechanische Detektionsschwelle", "mN",
       "log10", -1, _SOMA, "z", "body",
       "Geometric mean of the series thresholds (mN); a lower force felt = gain.", _DFNS),
    _q("mpt", "mechanical pain threshold", "Mechanische Schmerzschwelle", "mN", "log10", -1,
       _QST, "z", "body",
       "Geometric mean of the series thresholds (mN); a lower force = gain.", _DFNS),
    _q("mps", "mechanical pain sensitivity", "Mechanische Schmerzempfindlichkeit", "nrs100",
       "log10", 1, _QST, "z", "body",
       "Geometric mean of (rating + c) over all pinprick ratings, NRS 0–100, with the "
       "offset c stated in `method` (default 0.1; painmech's choice, see "
       "painmech.measures). log10 of it is the mean log rating; higher = gain.", _DFNS),
    _q("dma", "dynamic mechanical allodynia", "Dynamisch-mechanische Allodynie", "nrs100",
       "none", 1, _QST, "flag", "body",
       "Arithmetic mean of the ratings of light strokes, NRS 0–100. Not z-scored: healthy "
       "people do not report pain to light touch, so any rating > 0 is flagged.", _DFNS),
    _q("wur", "wind-up ratio", "Wind-up-Quotient", "ratio", "log10", 1,
       ("temporal_summation",), "z", "body",
       "Mean rating of the trains of 10 pinpricks divided by the mean rating of the single "
       "pinpricks; undefined (NaN, reason in `method`) when the single-stimulus mean is 0, "
       "unless an offset is chosen. Higher = gain.", _DFNS),
    _q("vdt", "vibration detection threshold", "Vibrationsdetektionsschwelle", "x/8", "none",
       1, _SOMA, "z", "body",
       "Mean of the trials on the 8-step tuning-fork scale; higher = better detection "
       "(gain).", _DFNS),
    _q("ppt", "pressure pain threshold", "Druckschmerzschwelle", "kPa", "log10", -1,
       ("pressure_hyperalgesia", "peripheral_sensitization"), "z", "body",
       "Arithmetic mean of the trials (kPa) per site and side; lower = gain.", _DFNS),
    _q("ppt_side_diff", "pressure pain threshold, side-to-side difference",
       "Druckschmerzschwelle, Seitendifferenz", "percent", "none", 1,
       ("pressure_hyperalgesia",), "z", "body",
       "|PPT left − PPT right| / mean(left, right) × 100 per site (side = bilateral). "
       "Pfau et al. 2014 report > 35 % as abnormal on the trunk, but with their own "
       "definition of the difference, so painmech scores this metric only against a "
       "fitted reference.", _TRUNK),
    _q("tender_point_count", "tender points on palpation", "Druckschmerzpunkte bei Palpation",
       "count", "none", 1, ("pressure_hyperalgesia",), "count", "none",
       "Number of the 18 ACR points reported painful under about 4 kg of digital pressure "
       "(0–18); all 18 must be examined, otherwise NaN with the reason in `method`. More "
       "points = gain; reported as a count (the smallest detectable difference between "
       "examinations is 4–6 points in chronic LBP, Jensen et al. 2013).",
       "Wolfe et al. 1990 Arthritis Rheum 33:160; Jensen et al. 2013 BMJ Open 3:e002532"),
)

_SUMMATION_CPM = (
    _q("tsp_diff", "temporal summation, last minus first rating",
       "Zeitliche Summation, letzte minus erste Bewertung", "nrs100", "none", 1,
       ("temporal_summation",), "z", "body",
       "Rating of the last stimulus minus rating of the first (NRS 0–100); positive = "
       "summation.", "McPhee et al. 2020 Pain 161:464"),
    _q("tsp_ratio", "temporal summation, last / first rating",
       "Zeitliche Summation, letzte / erste Bewertung", "ratio", "none", 1,
       ("temporal_summation",), "z", "body",
       "Rating of the last stimulus divided by the rating of the first; NaN when the first "
       "rating is 0.", "McPhee et al. 2020 Pain 161:464"),
    _q("cpm_effect", "CPM effect (pressure)", "CPM-Effekt (Druck)", "kPa", "none", -1,
       ("descending_inhibition",), "z", "body",
       "Test PPT during (parallel) or after (sequential) conditioning minus before (kPa); "
       "positive = inhibition, so less inhibition = gain.", _CPM),
    _q("cpm_effect_pct", "CPM effect (pressure), % of baseline",
       "CPM-Effekt (Druck), % des Ausgangswerts", "percent", "none", -1,
       ("descending_inhibition",), "z", "body",
       "cpm_effect / PPT before × 100; NaN with the reason in `method` when the baseline is "
       "below the near-zero threshold.", _CPM),
    _q("cpm_rating_effect", "CPM effect (rating)", "CPM-Effekt (Bewertung)", "nrs100", "none",
       -1, ("descending_inhibition",), "z", "body",
       "Test-stimulus rating before minus during conditioning (NRS 0–100); positive = "
       "inhibition.", _CPM),
    _q("cpm_rating_effect_pct", "CPM effect (rating), % of baseline",
       "CPM-Effekt (Bewertung), % des Ausgangswerts", "percent", "none", -1,
       ("descending_inhibition",), "z", "body",
       "cpm_rating_effect / rating before × 100; NaN when the baseline rating is near 0.",
       _CPM),
    _q("cpm_cs_rating", "CPM conditioning-stimulus rating",
       "CPM-Bewertung des Konditionierungsreizes", "nrs100", "none", 0,
       ("descending_inhibition",), "none", "body",
       "Mean pain rating of the conditioning stimulus (NRS 0–100), kept as context.", _CPM),
    _q("nwr_threshold", "nociceptive withdrawal reflex threshold (single stimulus)",
       "Schwelle des nozizeptiven Wegziehreflexes (Einzelreiz)", "mA", "log10", -1,
       ("temporal_summation",), "z", "none",
       "Mean of the threshold estimates (mA) for the RIII/withdrawal reflex to one "
       "electrical stimulus; a lower current = more excitable (gain). log10 is painmech's "
       "choice for a positive, right-skewed threshold, as for the DFNS thresholds.", _NWR),
    _q("nwr_ts_threshold", "withdrawal reflex threshold to repeated stimuli",
       "Schwelle des Wegziehreflexes bei Reizserie", "mA", "log10", -1,
       ("temporal_summation",), "z", "none",
       "Mean of the threshold estimates (mA) for the reflex to a train of repeated "
       "stimuli (temporal summation of the reflex); a lower current = more summation "
       "(gain). log10: painmech's choice, as for nwr_threshold.",
       f"{_NWR}; Arendt-Nielsen et al. 1994 Eur J Appl Physiol 68:266"),
)

_SOMATOSENSORY = (
    _q("tpd", "two-point discrimination threshold", "Zwei-Punkt-Diskriminationsschwelle",
       "mm", "none", 1, _SOMA, "z", "body",
       "Mean of the trials (mm) per site and side; larger = poorer acuity (abnormal).",
       "Luomajoki & Moseley 2011 BJSM 45:437; Adamczyk et al. 2018 Clin J Pain 34:82"),
    *[_q(f"tpd_{o}", f"two-point discrimination threshold, {o}",
         f"Zwei-Punkt-Diskriminationsschwelle, {de}", "mm", "none", 1, _SOMA, "z", "body",
         f"Mean of the {o} trials (mm) per site and side, the caliper tips {how}; larger "
         "= poorer acuity (abnormal). Scored against a reference of the same orientation.",
         "Morf et al. 2021 BMC Musculoskelet Disord 22:666 (both orientations on the lower "
         "back); Adamczyk et al. 2018 Clin J Pain 34:82")
      for o, de, how in (("vertical", "vertikal", "along the body's long axis"),
                         ("horizontal", "horizontal", "across the body's long axis"))],
    _q("graphesthesia_errors", "graphaesthesia errors", "Graphästhesie-Fehler", "count",
       "none", 1, _SOMA, "none", "body",
       "Number of figures not recognised (sum of the 0/1 error flags); reported, the rate "
       "is scored.", "Wand et al. 2010 Physiotherapy 96:317"),
    _q("graphesthesia_error_rate", "graphaesthesia error rate", "Graphästhesie-Fehlerquote",
       "ratio", "none", 1, _SOMA, "z", "body",
       "Errors / figures drawn (0–1); higher = poorer recognition.",
       "Wand et al. 2010 Physiotherapy 96:317"),
    _q("frebaq_total", "FreBAQ total", "FreBAQ-Summenwert", "score", "none", 1, _SOMA, "z",
       "none",
       "Sum of the 9 items (0–4 each, 0–36); prorated when at most the allowed number of "
       "items is missing, otherwise NaN with the reason in `method`. Higher = more "
       "disturbed body perception.", "Wand et al. 2014 (9 items); Schäfer et al. 2021 BMC "
       "MSD 22 (German validation)"),
)


def _clinical(id_, en, de, unit, mech, description, source):
    return _q(id_, en, de, unit, "none", 1 if unit != "flag" else 0, mech, "none", "none",
              description, source)


_CLINICAL = (
    _clinical("pain_intensity", "pain intensity", "Schmerzintensität", "nrs10", (),
              "Mean of the recorded ratings, NRS 0–10.", "NRS 0–10"),
    _clinical("pain_duration", "pain duration", "Schmerzdauer", "month", (),
              "Duration of the current pain in months.", "painmech registry"),
    _clinical("pain_state", "in pain at the visit", "Schmerzen zum Termin", "flag",
              ("pressure_hyperalgesia", "temporal_summation"),
              "1 = in pain at the visit, 0 = pain-free.",
              "McPhee & Graven-Nielsen 2019 Pain (state dependence)"),
    _clinical("odi", "Oswestry Disability Index", "Oswestry Disability Index", "percent", (),
              "Recorded total, or scored from `odi_item`: sum / (5 × answered items) × 100 "
              "with at most one missing item.", "Fairbank & Pynsent 2000 Spine 25:2940"),
    _clinical("ndi", "Neck Disability Index", "Neck Disability Index", "percent", (),
              "Recorded total, or scored from `ndi_item` like the ODI.",
              "Vernon & Mior 1991 JMPT 14:409"),
    _clinical("rmdq", "Roland-Morris Disability Questionnaire", "Roland-Morris-Fragebogen",
              "score", (), "Recorded total 0–24.", "Roland & Morris 1983 Spine 8:141"),
    _clinical("pcs", "Pain Catastrophizing Scale", "Pain Catastrophizing Scale", "score",
              ("cold_hyperalgesia",),
              "Recorded total, or the sum of the 13 `pcs_item` answers (0–52).",
              "Sullivan et al. 1995 Psychol Assess 7:524"),
    _clinical("dass21_stress", "DASS-21 stress", "DASS-21 Stress", "score",
              ("cold_hyperalgesia",), "Recorded stress subscale 0–42.",
              "Lovibond & Lovibond 1995"),
    _clinical("pds_hyperarousal", "PDS hyperarousal", "PDS Übererregung", "score",
              ("cold_hyperalgesia",), "Recorded hyperarousal subscale 0–15.",
              "Foa et al. 1997; Ritchie et al. 2013 Pain 154:2198"),
)

QST_METRICS: tuple[Metric, ...] = (
    *_THERMAL, *_MECHANICAL, *_SUMMATION_CPM, *_SOMATOSENSORY, *_CLINICAL,
)
