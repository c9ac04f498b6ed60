"""The raw measures: the one place that states units, limits and directions.

Sources of the facts (see ``docs/references.bib`` and ``../evidence``):

* DFNS protocol (Rolke et al. 2006, Pain 123:231; Eur J Pain 10:77): thermal
  tests from a 32 °C baseline with cut-offs 0 and 50 °C; von Frey 0.25–512 mN;
  pinpricks 8–512 mN; ratings NRS 0–100; vibration on an 8-step scale;
  log-normal parameters all but PHS, CPT, HPT and VDT.
* Pressure units: 1 N/cm² = 10 kPa; 1 kgf/cm² = 98.0665 kPa (standard
  gravity, ISO 80000-4); 1 lbf/in² = 6.894757 kPa.
* Calendar: a mean Gregorian year of 365.25 days, a month of 365.25/12 days.
* Questionnaire ranges are the instruments' own score ranges (ODI and NDI
  0–100 %, 0–50 points; RMDQ 0–24; PCS 0–52; DASS-21 stress subscale 0–42 after
  doubling the 0–21 raw sum; PDS hyperarousal 5 items × 0–3; FreBAQ 9 items ×
  0–4).
* hs-CRP above 10 mg/L points to acute inflammation (Pearson et al. 2003,
  Circulation 107:499, AHA/CDC statement) — used as the upper usual bound.
* Nociceptive withdrawal reflex (NWR, RIII reflex): the lowest current (mA) of
  transcutaneous electrical stimulation that evokes the reflex, to a single
  stimulus and to a train of repeated stimuli (temporal summation threshold);
  normative values in 300 pain-free people: Neziri et al. 2010 Eur J Pain
  14:134 (numbers not retrieved, so no usual range); retest in chronic LBP:
  Biurrun Manresa et al. 2011 Eur J Appl Physiol 111:83.
* Tender points: the 18 sites of the ACR 1990 criteria, digital pressure of
  about 4 kg, a point counts when the person calls it painful (Wolfe et al.
  1990 Arthritis Rheum 33:160); in chronic LBP intra-rater ICC 0.72–0.84 and a
  smallest detectable difference of 4–6 points (Jensen et al. 2013 BMJ Open
  3:e002532).

Where no usual range is sourced it is ``None`` (no warning). Hard limits that
are not a scale's own range are painmech's plausibility bounds, chosen far
outside published values and marked as such in ``source``.
"""

from __future__ import annotations

from painmech.registry._types import Measure

__all__ = ["MEASURES"]

_ID = (1.0, 0.0)
_KPA = {"kPa": _ID, "N/cm2": (10.0, 0.0), "kgf/cm2": (98.0665, 0.0), "lbf/in2": (6.894757, 0.0)}
_NRS100 = {"nrs100": _ID, "nrs10": (10.0, 0.0)}
_MA = {"mA": _ID}
_ABS_TEMP = {"degC": _ID, "delta_degC": (1.0, 32.0)}
_FORCE = {"mN": _ID, "g": (9.80665, 0.0)}
_PG = {"pg/mL": _ID, "ng/L": _ID, "ng/mL": (1000.0, 0.0)}
_VOL = {"mm3": _ID, "cm3": (1000.0, 0.0)}
_DFNS = "DFNS protocol, Rolke et al. 2006 Pain 123:231"
_PLAUS = "painmech plausibility bound (not a literature value)"

_QST = ("pressure_hyperalgesia", "peripheral_sensitization")


def _m(id_, en, de, unit, units, hard, usual, transform, gain, mech, site_kind, source, **kw):
    return Measure(
        id=id_,
        label_en=en,
        label_de=de,
        unit=unit,
        units=units,
        hard=hard,
        usual=usual,
        transform=transform,
        gain=gain,
        mechanisms=tuple(mech),
        site_kind=site_kind,
        source=source,
        **kw,
    )


_LIST = [
    # --- DFNS thermal tests (absolute thermode temperature) -----------------
    _m("cdt", "cold detection threshold", "Kaltdetektionsschwelle", "degC", _ABS_TEMP,
       (0.0, 32.0), (20.0, 32.0), "none", 1, ("somatosensory_deficit",), "body",
       f"{_DFNS}; absolute °C between cut-off 0 °C and baseline 32 °C"),
    _m("wdt", "warm detection threshold", "Warmdetektionsschwelle", "degC", _ABS_TEMP,
       (32.0, 50.0), (32.0, 45.0), "none", -1, ("somatosensory_deficit",), "body",
       f"{_DFNS}; absolute °C between baseline 32 °C and cut-off 50 °C"),
    _m("tsl", "thermal sensory limen", "Thermische Unterschiedsschwelle", "delta_degC",
       {"delta_degC": _ID}, (0.0, 50.0), (0.0, 30.0), "none", -1,
       ("somatosensory_deficit",), "body",
       f"{_DFNS}; warm minus cold temperature of alternating trials"),
    _m("phs", "paradoxical heat sensation", "Paradoxe Hitzeempfindung", "flag", {"flag": _ID},
       (0.0, 1.0), None, "none", 1, ("somatosensory_deficit",), "body",
       f"{_DFNS}; one 0/1 value per TSL trial (3 trials)", trial_max=3, integer=True),
    _m("cpt", "cold pain threshold", "Kälteschmerzschwelle", "degC", _ABS_TEMP,
       (0.0, 32.0), None, "none", 1, ("cold_hyperalgesia",), "body",
       f"{_DFNS}; 0 °C is the safety cut-off (censored)"),
    _m("hpt", "heat pain threshold", "Hitzeschmerzschwelle", "degC", _ABS_TEMP,
       (32.0, 50.0), None, "none", -1, _QST, "body",
       f"{_DFNS}; 50 °C is the safety cut-off (censored)"),
    # --- mechanical tests ---------------------------------------------------
    _m("mdt", "mechanical detection threshold", "Mechanische Detektionsschwelle", "mN", _FORCE,
       (0.0, 1024.0), (0.25, 512.0), "log10", -1, ("somatosensory_deficit",), "body",
       f"{_DFNS}; von Frey 0.25–512 mN; upper hard bound: {_PLAUS}", lo_open=True),
    _m("mpt", "mechanical pain threshold", "Mechanische Schmerzschwelle", "mN", _FORCE,
       (0.0, 1024.0), (8.0, 512.0), "log10", -1, _QST, "body",
       f"{_DFNS}; pinpricks 8–512 mN; upper hard bound: {_PLAUS}", lo_open=True),
    _m("mps", "mechanical pain sensitivity rating", "Mechanische Schmerzempfindlichkeit",
       "nrs100", _NRS100, (0.0, 100.0), None, "log10", 1, _QST, "body",
       f"{_DFNS}; NRS 0–100 per pinprick"),
    _m("dma", "dynamic mechanical allodynia rating", "Dynamisch-mechanische Allodynie",
       "nrs100", _NRS100, (0.0, 100.0), None, "none", 1, _QST, "body",
       f"{_DFNS}; NRS 0–100 per light stroke"),
    _m("wur_single", "wind-up: single pinprick rating", "Wind-up: Einzelreiz", "nrs100",
       _NRS100, (0.0, 100.0), None, "none", 1, ("temporal_summation",), "body",
       f"{_DFNS}; 256 mN pinprick"),
    _m("wur_train", "wind-up: train-of-10 rating", "Wind-up: Reizserie", "nrs100", _NRS100,
       (0.0, 100.0), None, "none", 1, ("temporal_summation",), "body",
       f"{_DFNS}; 10 pinpricks at 1/s"),
    _m("vdt", "vibration detection threshold", "Vibrationsdetektionsschwelle", "x/8",
       {"x/8": _ID}, (0.0, 8.0), None, "none", 1, ("somatosensory_deficit",), "body",
       f"{_DFNS}; 64 Hz tuning fork, 8/8 scale"),
    _m("ppt", "pressure pain threshold", "Druckschmerzschwelle", "kPa", _KPA,
       (0.0, 2000.0), (50.0, 1500.0), "log10", -1, _QST, "body",
       f"{_DFNS}; algometer 1 cm² probe at 50 kPa/s; bounds: {_PLAUS}", lo_open=True),
    # --- temporal summation and CPM -----------------------------------------
    _m("tsp_rating", "temporal summation: rating of stimulus n", "Zeitliche Summation: Rating",
       "nrs100", _NRS100, (0.0, 100.0), None, "none", 1, ("temporal_summation",), "body",
       "rating per stimulus of a repeated-stimulus series (trial = stimulus number); "
       "McPhee et al. 2020 Pain 161:464"),
    _m("cpm_ppt_before", "CPM: test PPT before conditioning", "CPM: Test-PPT vorher", "kPa",
       _KPA, (0.0, 2000.0), (50.0, 1500.0), "log10", -1, ("descending_inhibition",), "body",
       f"Yarnitsky et al. 2015 Eur J Pain 19:805; bounds: {_PLAUS}", lo_open=True),
    _m("cpm_ppt_during", "CPM: test PPT during conditioning", "CPM: Test-PPT während", "kPa",
       _KPA, (0.0, 2000.0), (50.0, 1500.0), "log10", -1, ("descending_inhibition",), "body",
       f"Yarnitsky et al. 2015 Eur J Pain 19:805 (parallel design); bounds: {_PLAUS}",
       lo_open=True),
    _m("cpm_ppt_after", "CPM: test PPT after conditioning", "CPM: Test-PPT danach", "kPa",
       _KPA, (0.0, 2000.0), (50.0, 1500.0), "log10", -1, ("descending_inhibition",), "body",
       f"Yarnitsky et al. 2015 Eur J Pain 19:805 (sequential design); bounds: {_PLAUS}",
       lo_open=True),
    _m("cpm_rating_before", "CPM: test-stimulus rating before", "CPM: Rating vorher", "nrs100",
       _NRS100, (0.0, 100.0), None, "none", 1, ("descending_inhibition",), "body",
       "Yarnitsky et al. 2015 Eur J Pain 19:805"),
    _m("cpm_rating_during", "CPM: test-stimulus rating during", "CPM: Rating während", "nrs100",
       _NRS100, (0.0, 100.0), None, "none", 1, ("descending_inhibition",), "body",
       "Yarnitsky et al. 2015 Eur J Pain 19:805"),
    _m("cpm_cs_rating", "CPM: conditioning-stimulus rating", "CPM: Rating Konditionierungsreiz",
       "nrs100", _NRS100, (0.0, 100.0), None, "none", 0, ("descending_inhibition",), "body",
       "Yarnitsky et al. 2015 Eur J Pain 19:805: report the conditioning-stimulus pain"),
    # --- nociceptive withdrawal reflex and palpation -----------------------
    _m("nwr_threshold", "nociceptive withdrawal reflex threshold, single stimulus",
       "Schwelle des nozizeptiven Wegziehreflexes, Einzelreiz", "mA", _MA, (0.0, 100.0),
       None, "log10", -1, ("temporal_summation",), "none",
       "Neziri et al. 2010 Eur J Pain 14:134 (RIII/NWR threshold; usual range not "
       f"retrieved: unknown); one threshold estimate per trial; bounds: {_PLAUS}",
       lo_open=True),
    _m("nwr_ts_threshold", "nociceptive withdrawal reflex threshold, repeated stimuli "
       "(temporal summation)", "Schwelle des Wegziehreflexes bei Reizserie (zeitliche "
       "Summation)", "mA", _MA, (0.0, 100.0), None, "log10", -1, ("temporal_summation",),
       "none",
       "Neziri et al. 2010 Eur J Pain 14:134; Arendt-Nielsen et al. 1994 Eur J Appl "
       "Physiol 68:266 (temporal summation of the reflex); usual range unknown; one "
       f"threshold estimate per trial; bounds: {_PLAUS}", lo_open=True),
    _m("tender_point", "tender point on digital palpation", "Druckschmerzpunkt bei Palpation",
       "flag", {"flag": _ID}, (0.0, 1.0), None, "none", 1, ("pressure_hyperalgesia",),
       "none",
       "Wolfe et al. 1990 Arthritis Rheum 33:160 (18 ACR points, about 4 kg digital "
       "pressure, 1 = reported painful); trial = point number 1–18", trial_max=18,
       integer=True),
    # --- somatosensory ------------------------------------------------------
    _m("tpd", "two-point discrimination threshold", "Zwei-Punkt-Diskrimination", "mm",
       {"mm": _ID, "cm": (10.0, 0.0)}, (0.0, 300.0), (2.0, 120.0), "none", 1,
       ("somatosensory_deficit",), "body",
       "Luomajoki & Moseley 2011 BJSM 45:437 (lumbar 44 ± 10 mm healthy, 61 ± 13 mm cLBP); "
       f"bounds: {_PLAUS}", lo_open=True),
    # Orientation-specific 2PD (Morf et al. 2021 BMC Musculoskelet Disord 22:666: lower back,
    # acute LBP n=124, vertical 49 ± 16 mm, horizontal 60 ± 15 mm). "vertical" = the two
    # caliper tips lie along the body's long axis (on the back: cranio-caudal, along the
    # spine; also called longitudinal); "horizontal" = across it (medio-lateral;
    # transverse). `tpd`
    # stays for data whose orientation is not stated.
    *[_m(f"tpd_{o}", f"two-point discrimination threshold, {o} ({en})",
         f"Zwei-Punkt-Diskrimination, {de}", "mm", {"mm": _ID, "cm": (10.0, 0.0)},
         (0.0, 300.0), (2.0, 120.0), "none", 1, ("somatosensory_deficit",), "body",
         f"Morf et al. 2021 BMC Musculoskelet Disord 22:666 ({o} {ref}); bounds: {_PLAUS}",
         lo_open=True)
      for o, en, de, ref in (
          ("vertical", "tips along the body's long axis, longitudinal",
           "vertikal (in der Körperlängsachse, longitudinal)", "49 ± 16 mm, acute LBP"),
          ("horizontal", "tips across the body's long axis, transverse",
           "horizontal (quer zur Körperlängsachse, transversal)", "60 ± 15 mm, acute LBP"))],
    _m("graphesthesia_error", "graphaesthesia: error on item", "Graphästhesie: Fehler",
       "flag", {"flag": _ID}, (0.0, 1.0), None, "none", 1, ("somatosensory_deficit",), "body",
       "Wand et al. 2010 Physiotherapy 96:317; one 0/1 value per drawn figure",
       integer=True),
    _m("frebaq_item", "FreBAQ item", "FreBAQ-Item", "score", {"score": _ID}, (0.0, 4.0), None,
       "none", 1, ("somatosensory_deficit",), "none",
       "Wand et al. 2014 (9 items, 0 never – 4 always); German: Ehrenbrusthoff 2018",
       trial_max=9, integer=True),
    # --- blood markers ------------------------------------------------------
    _m("crp", "C-reactive protein", "C-reaktives Protein", "mg/L",
       {"mg/L": _ID, "mg/dL": (10.0, 0.0)}, (0.0, 1000.0), (0.0, 10.0), "log10", 1,
       ("peripheral_sensitization",), "none",
       f"Pearson et al. 2003 Circulation 107:499 (> 10 mg/L acute); upper hard bound: {_PLAUS}"),
    _m("il6", "interleukin-6", "Interleukin-6", "pg/mL", _PG, (0.0, 1.0e5), None, "log10", 1,
       ("peripheral_sensitization",), "none", f"Klyne et al. 2017; bounds: {_PLAUS}"),
    _m("tnf_alpha", "tumour necrosis factor α", "Tumornekrosefaktor α", "pg/mL", _PG,
       (0.0, 1.0e5), None, "log10", 1, ("peripheral_sensitization",), "none",
       f"Klyne et al. 2017; bounds: {_PLAUS}"),
    _m("il1_beta", "interleukin-1β", "Interleukin-1β", "pg/mL", _PG, (0.0, 1.0e5), None,
       "log10", 1, ("peripheral_sensitization",), "none", f"Lim et al. 2020; bounds: {_PLAUS}"),
    # --- clinical questionnaires --------------------------------------------
    _m("pain_intensity", "pain intensity", "Schmerzintensität", "nrs10",
       {"nrs10": _ID, "vas_mm": (0.1, 0.0), "nrs100": (0.1, 0.0)}, (0.0, 10.0), None, "none",
       1, (), "none", "NRS 0–10; a 100 mm VAS is read as NRS = mm / 10"),
    _m("pain_duration", "pain duration", "Schmerzdauer", "month",
       {"month": _ID, "day": (12.0 / 365.25, 0.0), "week": (7.0 * 12.0 / 365.25, 0.0),
        "year": (12.0, 0.0)}, (0.0, 1200.0), None, "none", 1, (), "none",
       f"mean Gregorian year of 365.25 days; upper bound 100 years: {_PLAUS}"),
    _m("pain_state", "in pain at the visit", "Schmerzen zum Termin", "flag", {"flag": _ID},
       (0.0, 1.0), None, "none", 0, ("pressure_hyperalgesia", "temporal_summation"), "none",
       "1 = in pain, 0 = pain-free (recurrent LBP: McPhee & Graven-Nielsen 2019 Pain)",
       integer=True),
    _m("odi", "Oswestry Disability Index", "Oswestry Disability Index", "percent",
       {"percent": _ID, "points": (2.0, 0.0)}, (0.0, 100.0), None, "none", 1, (), "none",
       "Fairbank & Pynsent 2000 Spine 25:2940; 10 items × 0–5 = 50 points = 100 %"),
    _m("rmdq", "Roland-Morris Disability Questionnaire", "Roland-Morris-Fragebogen", "score",
       {"score": _ID}, (0.0, 24.0), None, "none", 1, (), "none",
       "Roland & Morris 1983 Spine 8:141; 24 yes/no items", integer=True),
    _m("ndi", "Neck Disability Index", "Neck Disability Index", "percent",
       {"percent": _ID, "points": (2.0, 0.0)}, (0.0, 100.0), None, "none", 1, (), "none",
       "Vernon & Mior 1991 JMPT 14:409; 10 items × 0–5 = 50 points = 100 %"),
    _m("pcs", "Pain Catastrophizing Scale", "Pain Catastrophizing Scale", "score",
       {"score": _ID}, (0.0, 52.0), None, "none", 1, ("cold_hyperalgesia",), "none",
       "Sullivan et al. 1995 Psychol Assess 7:524; 13 items × 0–4", integer=True),
    _m("dass21_stress", "DASS-21 stress", "DASS-21 Stress", "score",
       {"score": _ID, "raw_sum": (2.0, 0.0)}, (0.0, 42.0), None, "none", 1,
       ("cold_hyperalgesia",), "none",
       "Lovibond & Lovibond 1995; 7 items × 0–3, doubled to the DASS-42 scale", integer=True),
    _m("pds_hyperarousal", "PDS hyperarousal", "PDS Übererregung", "score", {"score": _ID},
       (0.0, 15.0), None, "none", 1, ("cold_hyperalgesia",), "none",
       "Foa et al. 1997 Posttraumatic Diagnostic Scale; 5 arousal items × 0–3; "
       "Ritchie et al. 2013 Pain 154:2198 uses ≥ 6", integer=True),
    # --- questionnaire items (trial = item number), scored by painmech.measures ---
    _m("odi_item", "ODI item", "ODI-Item", "score", {"score": _ID}, (0.0, 5.0), None, "none",
       1, (), "none", "Fairbank & Pynsent 2000 Spine 25:2940; 10 sections scored 0–5",
       trial_max=10, integer=True),
    _m("ndi_item", "NDI item", "NDI-Item", "score", {"score": _ID}, (0.0, 5.0), None, "none",
       1, (), "none", "Vernon & Mior 1991 JMPT 14:409; 10 sections scored 0–5",
       trial_max=10, integer=True),
    _m("pcs_item", "PCS item", "PCS-Item", "score", {"score": _ID}, (0.0, 4.0), None, "none",
       1, ("cold_hyperalgesia",), "none",
       "Sullivan et al. 1995 Psychol Assess 7:524; 13 items scored 0–4", trial_max=13,
       integer=True),
    # --- imaging ------------------------------------------------------------
    _m("gmv", "grey-matter volume", "Volumen der grauen Substanz", "mm3", _VOL,
       (0.0, 2.0e6), None, "none", -1, ("grey_matter",), "brain",
       f"FreeSurfer aseg/aparc GrayVol; bounds: {_PLAUS}", lo_open=True),
    _m("etiv", "estimated total intracranial volume", "Geschätztes intrakranielles Volumen",
       "mm3", _VOL, (3.0e5, 3.0e6), (1.0e6, 2.1e6), "none", 0, ("grey_matter",), "none",
       f"FreeSurfer eTIV (Buckner et al. 2004); bounds: {_PLAUS}"),
    _m("fc", "functional connectivity of an edge", "Funktionelle Konnektivität", "fisher_z",
       {"fisher_z": _ID}, (-10.0, 10.0), (-2.0, 2.0), "none", 0,
       ("functional_connectivity",), "edge",
       "Fisher z = artanh(r) of ROI BOLD correlation; |z| > 2 means |r| > 0.96"),
    # --- neurophysiology (instrument tables; unit conversion of MEP amplitudes) -----
    _m("mep", "motor evoked potential amplitude", "Motorisch evoziertes Potential", "uV",
       {"uV": _ID, "mV": (1000.0, 0.0)}, (0.0, 1.0e5), None, "none", 0,
       ("motor_cortex_smudging", "homeostatic_plasticity"), "muscle",
       "peak-to-peak MEP of one TMS pulse (TMS grids, tDCS series); 1 mV = 1000 µV; "
       f"upper bound: {_PLAUS}"),
]

#: Every raw measure, keyed by id.
MEASURES: dict[str, Measure] = {m.id: m for m in _LIST}
