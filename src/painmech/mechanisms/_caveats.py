"""Caveats and influence information, each with an evidence level, in German and English.

All texts are painmech's own wording of the facts collected in
``evidence.md``; numbers are cited with keys of ``references.bib``.
Influence information describes what is known about change of a finding; it
is information for the clinician, never a treatment recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["CAVEATS", "INFLUENCE", "Note", "caveat_table", "influence_table"]


@dataclass(frozen=True)
class Note:
    """A caveat or an influence note.

    Attributes
    ----------
    id : str
    level : str
        Evidence level (``moderate``, ``low``, ``very_low``).
    references : tuple of str
        Bibliography keys.
    en, de : str
        The text in English and German.
    """

    id: str
    level: str
    references: tuple[str, ...]
    en: str
    de: str


_CAVEATS = (
    Note("single_patient", "moderate", ("mcphee2020", "huebscher2013"),
         "Differences between people with and without back pain are group averages of "
         "small to moderate size that depend on the test protocol. A single person's value "
         "is therefore weak evidence on its own.",
         "Unterschiede zwischen Menschen mit und ohne Rückenschmerzen sind "
         "Gruppenmittelwerte kleiner bis mittlerer Größe und hängen vom Testprotokoll ab. "
         "Ein einzelner Messwert ist für sich genommen daher nur ein schwacher Hinweis."),
    Note("state_marker", "moderate", ("mcphee2019", "iasp2021factsheet"),
         "This measure tracks the current pain state: it tends to be abnormal during pain "
         "and to return towards normal once pain settles.",
         "Dieser Messwert bildet den momentanen Schmerzzustand ab: Er ist während "
         "Schmerzphasen eher auffällig und nähert sich wieder der Norm, wenn der Schmerz "
         "nachlässt."),
    Note("no_prognostic_value", "moderate", ("mueller2019",),
         "It does not predict the further course: in acute low back pain (n = 130) the "
         "area under the curve was below 0.5.",
         "Er sagt den weiteren Verlauf nicht vorher: Bei akuten Kreuzschmerzen (n = 130) "
         "lag die Fläche unter der Kurve unter 0,5."),
    Note("pain_free_at_visit", "low", ("mcphee2019",),
         "The person was pain-free at this visit; in recurrent low back pain facilitation "
         "was seen only during a pain episode.",
         "Die Person war bei diesem Termin schmerzfrei; bei rezidivierenden "
         "Kreuzschmerzen zeigte sich eine Bahnung nur während einer Schmerzepisode."),
    Note("ts_modality", "moderate", ("mcphee2020",),
         "Temporal summation differs strongly between stimulus types; a result holds for "
         "the protocol used.",
         "Die zeitliche Summation unterscheidet sich stark zwischen Reizarten; ein Befund "
         "gilt für das verwendete Protokoll."),
    Note("cpm_paradigm_specific", "low", ("sjpain2012cpm", "gehling2016"),
         "CPM results depend on the paradigm: responses to six paradigms did not correlate "
         "in 33 healthy people, and the retest ICC was 0.618 for a parallel and 0.178 for "
         "a sequential design.",
         "CPM-Ergebnisse hängen vom Paradigma ab: Bei 33 Gesunden korrelierten die "
         "Antworten auf sechs Paradigmen nicht, und die Retest-ICC betrug 0,618 beim "
         "parallelen und 0,178 beim sequenziellen Design."),
    Note("cpm_healthy_facilitation", "moderate", ("schliessbach2019", "kemp2020"),
         "Many pain-free people show no measurable inhibition: a true inhibitory effect "
         "(more than 2 SEM) appeared in 59 % with cold water and 44 % with contact heat, "
         "and the lower reference percentiles are negative.",
         "Viele schmerzfreie Menschen zeigen keine messbare Hemmung: Ein echter "
         "hemmender Effekt (mehr als 2 SEM) trat bei 59 % mit Kaltwasser und bei 44 % mit "
         "Kontaktwärme auf, und die unteren Referenzperzentilen sind negativ."),
    Note("cpm_sequential", "low", ("gehling2016",),
         "A sequential CPM design was used; its retest ICC was only 0.178.",
         "Es wurde ein sequenzielles CPM-Design verwendet; seine Retest-ICC betrug nur "
         "0,178."),
    Note("psychological_mediation", "low", ("iasp2021factsheet", "vuilleumier2015"),
         "Cold pain thresholds are associated with catastrophising and stress, which on "
         "their own predict a poorer course; part of a cold finding may reflect these "
         "factors.",
         "Kälteschmerzschwellen hängen mit Katastrophisieren und Stress zusammen, die "
         "selbst einen ungünstigeren Verlauf vorhersagen; ein Kältebefund kann teilweise "
         "diese Faktoren widerspiegeln."),
    Note("cold_retest", "low", ("vuilleumier2015", "pfau2014"),
         "Cold thresholds were unreliable on retest in chronic low back pain, and on the "
         "trunk only relative comparisons (side to side, trunk to hand) are usable.",
         "Kälteschwellen waren bei chronischen Kreuzschmerzen im Retest unzuverlässig, und "
         "am Rumpf sind nur relative Vergleiche (Seite zu Seite, Rumpf zu Hand) brauchbar."),
    Note("cpt_whiplash_cut", "low", ("sterling2011", "ritchie2013", "loetsch2015"),
         "After whiplash a cold pain threshold of 13 °C or more went with a chronic or "
         "severe course (odds ratio 26.3, 95 % CI 5.0–139.1, n = 155). This is a "
         "prognostic association, not a diagnostic limit: healthy thresholds cluster near "
         "13.2 °C too, and a later prediction rule did not keep the threshold.",
         "Nach einem Schleudertrauma ging eine Kälteschmerzschwelle von 13 °C oder mehr "
         "mit einem chronischen oder schweren Verlauf einher (Odds Ratio 26,3, 95 %-KI "
         "5,0–139,1, n = 155). Das ist ein prognostischer Zusammenhang, keine "
         "diagnostische Grenze: Auch bei Gesunden häufen sich Schwellen um 13,2 °C, und "
         "eine spätere Vorhersageregel behielt die Schwelle nicht bei."),
    Note("grey_matter_weak", "moderate", ("henn2023",),
         "A meta-analysis of 103 experiments found no grey-matter difference that "
         "survived correction for multiple comparisons.",
         "Eine Metaanalyse von 103 Experimenten fand keinen Unterschied der grauen "
         "Substanz, der die Korrektur für multiples Testen überstand."),
    Note("cog_direction", "low", ("tsao2011", "schabrun2017", "elguetacancino2018"),
         "Studies disagree on the direction in which the centre of gravity of trunk-muscle "
         "maps moves (posterior in one, anterior in others), so its position is reported "
         "but not judged.",
         "Die Studien widersprechen sich in der Richtung, in die sich der Schwerpunkt der "
         "Rumpfmuskelkarten verschiebt (in einer nach hinten, in anderen nach vorn); seine "
         "Lage wird daher berichtet, aber nicht bewertet."),
    Note("smudging_small_studies", "low", ("tsao2011",),
         "Motor-cortex maps of back pain come from small studies (e.g. 9 patients vs 11 "
         "controls); no pooled effect size exists.",
         "Motorkortex-Karten bei Rückenschmerzen stammen aus kleinen Studien (z. B. "
         "9 Betroffene gegenüber 11 Kontrollen); eine gepoolte Effektgröße gibt es nicht."),
    Note("homeostatic_reliability", "very_low", ("thapa2018np", "thapa2018cn"),
         "The two-block tDCS response has a retest ICC of 0.43–0.67, and the missing "
         "homeostatic decrease in chronic low back pain rests on a single study.",
         "Die Antwort auf zwei tDCS-Blöcke hat eine Retest-ICC von 0,43–0,67, und das "
         "Fehlen der homöostatischen Abnahme bei chronischen Kreuzschmerzen beruht auf "
         "einer einzigen Studie."),
    Note("fc_replication", "low", ("baliki2012", "loeffler2022", "noble2019"),
         "Connectivity predictors of persistent pain replicated poorly, and single "
         "connections are unreliable on retest (mean ICC 0.29).",
         "Konnektivitätsprädiktoren für anhaltende Schmerzen ließen sich schlecht "
         "replizieren, und einzelne Verbindungen sind im Retest unzuverlässig "
         "(mittlere ICC 0,29)."),
    Note("pag_direction", "low", ("yu2014",),
         "Connectivity between the periaqueductal grey and medial prefrontal regions was "
         "found higher, not lower, in chronic low back pain; that edge is therefore not "
         "used.",
         "Die Konnektivität zwischen periaquäduktalem Grau und medialen präfrontalen "
         "Regionen war bei chronischen Kreuzschmerzen erhöht, nicht erniedrigt; diese "
         "Verbindung wird daher nicht verwendet."),
    Note("markers_nonspecific", "low", ("lim2020", "klyne2017"),
         "Blood markers of inflammation are not specific to the back, the pooled studies "
         "were of low quality, and in acute pain an early high CRP or IL-6 even went with "
         "good recovery.",
         "Entzündungsmarker im Blut sind nicht rückenspezifisch, die gepoolten Studien "
         "waren von geringer Qualität, und bei akuten Schmerzen ging ein früh hohes CRP "
         "oder IL-6 sogar mit guter Erholung einher."),
    Note("peripheral_pattern_inferred", "very_low", ("arendtnielsen2018",),
         "Reading hyperalgesia confined to the painful region as a sign of a peripheral "
         "driver is an inference, not a validated test.",
         "Eine auf die schmerzhafte Region begrenzte Hyperalgesie als Zeichen eines "
         "peripheren Treibers zu lesen, ist eine Schlussfolgerung, kein validierter Test."),
    Note("tpd_rater", "moderate", ("catley2013",),
         "Two-point discrimination depends on the examiner: the ICC between raters at the "
         "back was 0.66.",
         "Die Zwei-Punkt-Diskrimination hängt vom Untersucher ab: Die ICC zwischen "
         "Untersuchern betrug am Rücken 0,66."),
    Note("no_reference", "low", ("rolke2006",),
         "Some values could not be compared with a reference set, so they were not judged.",
         "Einige Werte konnten mit keinem Referenzdatensatz verglichen werden und wurden "
         "daher nicht bewertet."),
    Note("default_reliability", "very_low", (),
         "For some values no test–retest reliability is known, neither published nor from "
         "the study's own controls measured twice; their probability assumes an ICC of "
         "0.5, a painmech placeholder rather than a measured figure.",
         "Für einige Werte ist keine Test-Retest-Reliabilität bekannt, weder veröffentlicht "
         "noch aus wiederholten Messungen der Kontrollpersonen der Studie; ihre "
         "Wahrscheinlichkeit beruht auf einer ICC von 0,5, einem painmech-Platzhalter, "
         "nicht auf einem gemessenen Wert."),
)

_INFLUENCE = (
    Note("hyperalgesia_normalises", "moderate", ("mcphee2019", "iasp2021factsheet"),
         "Pressure hyperalgesia and facilitated summation have been seen to return towards "
         "normal when pain resolves, whether through treatment or natural course.",
         "Druckhyperalgesie und verstärkte Summation kehrten in Studien zur Norm zurück, "
         "wenn der Schmerz abklang – gleich ob durch Behandlung oder natürlichen Verlauf."),
    Note("grey_matter_reversible", "low", ("seminowicz2011", "seminowicz2013"),
         "Lower prefrontal grey matter is not necessarily permanent: cortical thickness of "
         "the left DLPFC increased after effective treatment, and DLPFC grey matter rose "
         "after cognitive-behavioural therapy.",
         "Weniger präfrontale graue Substanz ist nicht zwingend dauerhaft: Die Kortexdicke "
         "des linken DLPFC nahm nach wirksamer Behandlung zu, und die graue Substanz des "
         "DLPFC stieg nach kognitiver Verhaltenstherapie."),
    Note("sensory_discrimination_training", "low", ("iasp2021factsheet", "kalin2016",
                                                     "ryan2014"),
         "Sensory feedback and discrimination training have been proposed to act on "
         "these deficits. A review of 6 randomised trials found improvements in most but "
         "judged firm conclusions unsafe, and a pilot trial (n = 15) showed no benefit "
         "over sham training.",
         "Sensorisches Feedback und Diskriminationstraining wurden als Einflussmöglichkeit "
         "auf diese Defizite vorgeschlagen. Eine Übersicht über 6 randomisierte Studien "
         "fand meist Verbesserungen, hielt sichere Schlüsse aber für nicht möglich, und "
         "eine Pilotstudie (n = 15) zeigte keinen Vorteil gegenüber Scheintraining."),
)

#: Caveats keyed by id.
CAVEATS: dict[str, Note] = {n.id: n for n in _CAVEATS}
#: Influence information keyed by id.
INFLUENCE: dict[str, Note] = {n.id: n for n in _INFLUENCE}


def _table(notes: dict[str, Note], what: str) -> pd.DataFrame:
    return pd.DataFrame([{what: n.id, "level": n.level, "references": ";".join(n.references),
                          "text_en": n.en, "text_de": n.de} for n in notes.values()])


def caveat_table() -> pd.DataFrame:
    """Every caveat: ``caveat, level, references, text_en, text_de``."""
    return _table(CAVEATS, "caveat")


def influence_table() -> pd.DataFrame:
    """Every influence note: ``influence, level, references, text_en, text_de``."""
    return _table(INFLUENCE, "influence")
