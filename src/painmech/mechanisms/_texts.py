"""Texts of the mechanisms in German and English (painmech's own wording).

``MECHANISM_TEXT`` explains each mechanism; ``STATUS_TEXT``, ``PATTERN_TEXT``
and ``FLAG_TEXT`` describe a profile row. Templates hold ``{score}``,
``{probability}`` and ``{value}`` placeholders which the caller fills with
locale-formatted numbers (the core does no locale formatting).
"""

from __future__ import annotations

from painmech.registry import MECHANISMS

__all__ = ["FLAG_TEXT", "LANGS", "MECHANISM_TEXT", "PATTERN_TEXT", "STATUS_TEXT",
           "mechanism_text"]

#: Supported languages.
LANGS = ("de", "en")

MECHANISM_TEXT: dict[str, dict[str, str]] = {
    "peripheral_sensitization": {
        "en": "Inflammation and sensitised nerve endings in spinal tissues can keep "
              "nociceptive input going. Signs looked for: tenderness confined to the "
              "painful region and raised inflammatory markers in the blood.",
        "de": "Entzündung und sensibilisierte Nervenendigungen in Geweben der Wirbelsäule "
              "können nozizeptive Signale unterhalten. Gesucht werden eine auf die "
              "schmerzhafte Region begrenzte Druckempfindlichkeit und erhöhte "
              "Entzündungsmarker im Blut.",
    },
    "pressure_hyperalgesia": {
        "en": "Lowered pressure pain thresholds. In the painful region they point to local "
              "sensitisation; at distant sites to a more general amplification by the "
              "central nervous system.",
        "de": "Erniedrigte Druckschmerzschwellen. In der schmerzhaften Region sprechen sie "
              "für eine lokale Sensibilisierung, an entfernten Stellen für eine "
              "allgemeinere Verstärkung durch das zentrale Nervensystem.",
    },
    "temporal_summation": {
        "en": "Repeated identical painful stimuli are felt as increasingly painful. "
              "Enhanced summation reflects amplified central processing, which may be "
              "driven by ongoing nociception.",
        "de": "Wiederholte gleiche Schmerzreize werden zunehmend schmerzhafter empfunden. "
              "Eine verstärkte Summation zeigt eine verstärkte zentrale Verarbeitung an, "
              "die durch anhaltende Nozizeption unterhalten sein kann.",
    },
    "descending_inhibition": {
        "en": "The body's own pain inhibition, tested by conditioned pain modulation: a "
              "second painful stimulus elsewhere normally dampens the pain of a test "
              "stimulus. A weak or absent effect suggests reduced inhibition.",
        "de": "Die körpereigene Schmerzhemmung, geprüft mit der konditionierten "
              "Schmerzmodulation: Ein zweiter Schmerzreiz an anderer Stelle dämpft "
              "normalerweise den Schmerz eines Testreizes. Ein schwacher oder fehlender "
              "Effekt spricht für eine verminderte Hemmung.",
    },
    "cold_hyperalgesia": {
        "en": "Pain at unusually mild cold, described mainly in neck pain and after "
              "whiplash, where it has been linked with a poorer course.",
        "de": "Schmerz schon bei ungewöhnlich milder Kälte, vor allem bei Nackenschmerzen "
              "und nach Schleudertrauma beschrieben, wo er mit einem ungünstigeren Verlauf "
              "in Verbindung gebracht wurde.",
    },
    "grey_matter": {
        "en": "Smaller grey-matter volume, reported mainly in the dorsolateral prefrontal "
              "cortex and the thalamus, regions that take part in processing and "
              "modulating pain.",
        "de": "Geringeres Volumen der grauen Substanz, vor allem im dorsolateralen "
              "präfrontalen Kortex und im Thalamus berichtet – Regionen, die an der "
              "Verarbeitung und Modulation von Schmerz beteiligt sind.",
    },
    "motor_cortex_smudging": {
        "en": "Less distinct representations of trunk muscles in the motor cortex: maps of "
              "different muscles overlap more, and the maps can be smaller.",
        "de": "Weniger klar getrennte Repräsentationen der Rumpfmuskeln im Motorkortex: "
              "Die Karten verschiedener Muskeln überlappen stärker, und die Karten können "
              "kleiner sein.",
    },
    "homeostatic_plasticity": {
        "en": "After two blocks of transcranial direct-current stimulation, excitability "
              "normally falls again below baseline, keeping it within a safe range. A "
              "missing decrease suggests disturbed homeostatic regulation.",
        "de": "Nach zwei Blöcken transkranieller Gleichstromstimulation sinkt die "
              "Erregbarkeit normalerweise wieder unter den Ausgangswert und bleibt so in "
              "einem sicheren Bereich. Bleibt die Abnahme aus, spricht das für eine "
              "gestörte homöostatische Regulation.",
    },
    "functional_connectivity": {
        "en": "A shift of brain connectivity from sensory-discriminative towards affective "
              "networks, described in the transition from acute to persistent pain.",
        "de": "Eine Verschiebung der Konnektivität im Gehirn von "
              "sensorisch-diskriminativen hin zu affektiven Netzwerken, beschrieben beim "
              "Übergang von akuten zu anhaltenden Schmerzen.",
    },
    "somatosensory_deficit": {
        "en": "Poorer tactile acuity of the back (two-point discrimination, recognising "
              "letters drawn on the skin) and a disturbed perception of the back's shape "
              "and function.",
        "de": "Geringere taktile Auflösung am Rücken (Zwei-Punkt-Diskrimination, Erkennen "
              "von auf die Haut gezeichneten Zeichen) und eine gestörte Wahrnehmung von "
              "Form und Funktion des Rückens.",
    },
}

STATUS_TEXT: dict[str, dict[str, str]] = {
    "indicated": {
        "en": "The data point towards this mechanism (score z = {score}; probability "
              "{probability} that the error-free value lies beyond the reference limit).",
        "de": "Die Daten sprechen für diesen Mechanismus (Score z = {score}; "
              "Wahrscheinlichkeit {probability}, dass der fehlerfreie Wert jenseits der "
              "Referenzgrenze liegt).",
    },
    "not_indicated": {
        "en": "The data do not point towards this mechanism (score z = {score}; "
              "probability {probability}).",
        "de": "Die Daten sprechen nicht für diesen Mechanismus (Score z = {score}; "
              "Wahrscheinlichkeit {probability}).",
    },
    "inconclusive": {
        "en": "The data do not allow a clear statement (score z = {score}; probability "
              "{probability}).",
        "de": "Die Daten erlauben keine klare Aussage (Score z = {score}; "
              "Wahrscheinlichkeit {probability}).",
    },
    "not_assessed": {
        "en": "Not assessed: no data for this mechanism at this visit.",
        "de": "Nicht untersucht: Zu diesem Termin liegen keine Daten für diesen "
              "Mechanismus vor.",
    },
}

PATTERN_TEXT: dict[str, dict[str, str]] = {
    "local": {"en": "Pattern: local (painful region only).",
              "de": "Muster: lokal (nur in der schmerzhaften Region)."},
    "widespread": {"en": "Pattern: widespread (sites away from the painful region).",
                   "de": "Muster: ausgebreitet (Stellen außerhalb der schmerzhaften "
                         "Region)."},
    "local_and_widespread": {"en": "Pattern: local and widespread.",
                             "de": "Muster: lokal und ausgebreitet."},
}

FLAG_TEXT: dict[str, dict[str, str]] = {
    "cpt_ge_13_whiplash": {
        "en": "Highlighted: cold pain threshold {value} °C, at or above 13 °C after "
              "whiplash.",
        "de": "Hervorgehoben: Kälteschmerzschwelle {value} °C, bei oder über 13 °C nach "
              "Schleudertrauma.",
    },
    "cpm_true_inhibition": {
        "en": "The CPM effect ({value} kPa) exceeds 2 SEM: a true inhibition is present.",
        "de": "Der CPM-Effekt ({value} kPa) übersteigt 2 SEM: Eine echte Hemmung liegt vor.",
    },
    "cpm_true_facilitation": {
        "en": "The CPM effect ({value} kPa) is below −2 SEM: pain is facilitated rather "
              "than inhibited.",
        "de": "Der CPM-Effekt ({value} kPa) liegt unter −2 SEM: Der Schmerz wird eher "
              "gebahnt als gehemmt.",
    },
    "cpm_within_error": {
        "en": "The CPM effect ({value} kPa) lies within ±2 SEM of zero: no true effect can "
              "be shown.",
        "de": "Der CPM-Effekt ({value} kPa) liegt innerhalb von ±2 SEM um null: Ein echter "
              "Effekt ist nicht nachweisbar.",
    },
    "ppt_side_difference": {
        "en": "The side-to-side difference of pressure pain thresholds is beyond the "
              "reference limit.",
        "de": "Der Seitenunterschied der Druckschmerzschwellen liegt jenseits der "
              "Referenzgrenze.",
    },
    "no_reference": {
        "en": "Some values had no reference set and were not judged.",
        "de": "Für einige Werte gab es keinen Referenzdatensatz; sie wurden nicht "
              "bewertet.",
    },
    "reliability_unknown": {
        "en": "Reliability unknown for some values: the probability assumes a placeholder "
              "ICC of 0.5.",
        "de": "Reliabilität einiger Werte unbekannt: Die Wahrscheinlichkeit beruht auf "
              "einem Platzhalterwert der ICC von 0,5.",
    },
    "pain_free_at_visit": {
        "en": "Pain-free at this visit.",
        "de": "Bei diesem Termin schmerzfrei.",
    },
    "homeostatic_class": {
        "en": "tDCS response class {value} (+1 non-homeostatic, 0 indeterminate, −1 "
              "homeostatic).",
        "de": "tDCS-Antwortklasse {value} (+1 nicht homöostatisch, 0 unbestimmt, −1 "
              "homöostatisch).",
    },
}


def mechanism_text(mechanism: str, lang: str = "en") -> dict[str, str]:
    """Name and explanation of one mechanism in one language.

    Parameters
    ----------
    mechanism : str
        Mechanism id (design.md §2).
    lang : {"de", "en"}

    Returns
    -------
    dict
        ``{"label": ..., "what": ...}``.
    """
    if lang not in LANGS:
        raise ValueError(f"Invalid value for the 'lang' parameter: {lang!r}. "
                         f"Allowed values are {', '.join(map(repr, LANGS))}.")
    if mechanism not in MECHANISM_TEXT:
        raise KeyError(f"unknown mechanism {mechanism!r}")
    reg = MECHANISMS[mechanism]
    return {"label": reg.label_de if lang == "de" else reg.label_en,
            "what": MECHANISM_TEXT[mechanism][lang]}
