"""Every string of the web interface, in English and German.

Pick the language with ``?lang=de|en`` (remembered in a cookie) or the
browser's Accept-Language; English is the fallback.
"""

from __future__ import annotations

from fastapi import Request

__all__ = ["LANGS", "MESSAGES", "translate", "pick_lang", "LANG_COOKIE"]

LANGS = ("en", "de")
LANG_COOKIE = "pm_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "app_title": {"en": "painmech – pain mechanisms", "de": "painmech – Schmerzmechanismen"},
    "skip": {"en": "Skip to content", "de": "Zum Inhalt springen"},
    "nav_studies": {"en": "Studies", "de": "Studien"},
    "nav_simulator": {"en": "Simulator", "de": "Simulator"},
    "nav_api": {"en": "API", "de": "API"},
    "logout": {"en": "Log out", "de": "Abmelden"},
    "language": {"en": "Language", "de": "Sprache"},
    "login_title": {"en": "Log in", "de": "Anmelden"},
    "username": {"en": "User name", "de": "Benutzername"},
    "password": {"en": "Password", "de": "Passwort"},
    "login_button": {"en": "Log in", "de": "Anmelden"},
    "login_failed": {"en": "Wrong user name or password.",
                     "de": "Benutzername oder Passwort ist falsch."},
    "login_locked": {"en": "Too many failed logins. Please try again in about {minutes} min.",
                     "de": "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in "
                           "etwa {minutes} Min. erneut."},
    "studies_title": {"en": "Your studies", "de": "Ihre Studien"},
    "no_studies": {"en": "You are not a member of any study yet.",
                   "de": "Sie sind noch in keiner Studie Mitglied."},
    "code": {"en": "Code", "de": "Kürzel"},
    "title": {"en": "Title", "de": "Titel"},
    "description": {"en": "Description", "de": "Beschreibung"},
    "role": {"en": "Role", "de": "Rolle"},
    "role_owner": {"en": "owner", "de": "Eigentümer"},
    "role_editor": {"en": "editor", "de": "Bearbeiter"},
    "role_viewer": {"en": "viewer", "de": "Leser"},
    "n_subjects": {"en": "Subjects", "de": "Probanden"},
    "new_study": {"en": "New study", "de": "Neue Studie"},
    "create": {"en": "Create", "de": "Anlegen"},
    "subjects_title": {"en": "Subjects", "de": "Probanden"},
    "search": {"en": "Search", "de": "Suchen"},
    "search_label": {"en": "Search pseudonym, condition or group",
                     "de": "Pseudonym, Diagnose oder Gruppe suchen"},
    "subject": {"en": "Pseudonym", "de": "Pseudonym"},
    "sex": {"en": "Sex", "de": "Geschlecht"},
    "sex_female": {"en": "female", "de": "weiblich"},
    "sex_male": {"en": "male", "de": "männlich"},
    "sex_other": {"en": "other", "de": "divers"},
    "age": {"en": "Age (years)", "de": "Alter (Jahre)"},
    "condition": {"en": "Condition", "de": "Diagnose"},
    "group": {"en": "Group", "de": "Gruppe"},
    "n_visits": {"en": "Visits", "de": "Termine"},
    "last_visit": {"en": "Last visit", "de": "Letzter Termin"},
    "no_subjects": {"en": "No subjects found.", "de": "Keine Probanden gefunden."},
    "add_subject": {"en": "Add subject", "de": "Proband anlegen"},
    "pseudonym_hint": {"en": "Pseudonym only — never a name or birth date.",
                       "de": "Nur ein Pseudonym – nie Name oder Geburtsdatum."},
    "import_title": {"en": "Import data", "de": "Daten importieren"},
    "import_intro": {
        "en": "Upload an observations file (CSV with comma or semicolon, Excel or Parquet) "
              "and, for new subjects, a subjects file. The import is all or nothing: if any "
              "row has a problem, nothing is stored and every problem is listed.",
        "de": "Laden Sie eine Messdatei (CSV mit Komma oder Semikolon, Excel oder Parquet) "
              "und für neue Probanden eine Probandendatei hoch. Der Import gilt ganz oder gar "
              "nicht: Hat eine Zeile ein Problem, wird nichts gespeichert und jedes Problem "
              "wird aufgelistet."},
    "observations_file": {"en": "Observations file", "de": "Messdatei"},
    "subjects_file": {"en": "Subjects file (optional)", "de": "Probandendatei (optional)"},
    "upload": {"en": "Check and import", "de": "Prüfen und importieren"},
    "import_failed": {"en": "Nothing was imported. Fix these problems and upload again:",
                      "de": "Es wurde nichts importiert. Beheben Sie diese Probleme und laden "
                            "Sie erneut hoch:"},
    "import_ok": {"en": "Imported: {n_observations} observations, {n_subjects} new subjects, "
                        "{n_visits} new visits.",
                  "de": "Importiert: {n_observations} Messwerte, {n_subjects} neue Probanden, "
                        "{n_visits} neue Termine."},
    "flags_title": {"en": "Kept but unusual values", "de": "Übernommene, aber ungewöhnliche "
                                                           "Werte"},
    "file": {"en": "File", "de": "Datei"},
    "row": {"en": "Row", "de": "Zeile"},
    "column": {"en": "Column", "de": "Spalte"},
    "value": {"en": "Value", "de": "Wert"},
    "reason": {"en": "Reason", "de": "Grund"},
    "unit": {"en": "Unit", "de": "Einheit"},
    "measure": {"en": "Measure", "de": "Messgröße"},
    "site": {"en": "Site", "de": "Messort"},
    "side": {"en": "Side", "de": "Seite"},
    "trial": {"en": "Trial / item", "de": "Durchgang / Item"},
    "visit": {"en": "Visit", "de": "Termin"},
    "date": {"en": "Date", "de": "Datum"},
    "visits_title": {"en": "Visits", "de": "Termine"},
    "new_visit": {"en": "Enter a visit", "de": "Termin erfassen"},
    "visit_number": {"en": "Visit number", "de": "Terminnummer"},
    "add_row": {"en": "Add row", "de": "Zeile hinzufügen"},
    "save_visit": {"en": "Save visit", "de": "Termin speichern"},
    "live_ok": {"en": "All rows are valid.", "de": "Alle Zeilen sind gültig."},
    "live_hint": {"en": "Rows are checked while you type.",
                  "de": "Die Zeilen werden schon während der Eingabe geprüft."},
    "visit_saved": {"en": "Visit saved: {n} values.", "de": "Termin gespeichert: {n} Werte."},
    "observations_title": {"en": "Stored values", "de": "Gespeicherte Werte"},
    "profile_title": {"en": "Mechanism profile", "de": "Mechanismenprofil"},
    "profile_link": {"en": "Profile", "de": "Profil"},
    "mechanism": {"en": "Mechanism", "de": "Mechanismus"},
    "status": {"en": "Status", "de": "Status"},
    "probability": {"en": "Probability", "de": "Wahrscheinlichkeit"},
    "evidence": {"en": "Evidence", "de": "Befunde"},
    "caveats": {"en": "Caveats", "de": "Einschränkungen"},
    "reference_set": {"en": "Reference set", "de": "Referenzdaten"},
    "not_available": {"en": "Not available yet: {what}", "de": "Noch nicht verfügbar: {what}"},
    "longitudinal_title": {"en": "Course over visits", "de": "Verlauf über die Termine"},
    "metric": {"en": "Metric", "de": "Kennwert"},
    "cohort_title": {"en": "Cohort dashboard", "de": "Kohorten-Übersicht"},
    "simulator_title": {"en": "Simulator", "de": "Simulator"},
    "simulator_intro": {
        "en": "Generate virtual patients with known mechanisms and look at what the test "
              "battery would measure.",
        "de": "Erzeugen Sie virtuelle Patienten mit bekannten Mechanismen und sehen Sie, was "
              "die Testbatterie messen würde."},
    "run": {"en": "Run", "de": "Starten"},
    "n_virtual": {"en": "Number of virtual patients", "de": "Anzahl virtueller Patienten"},
    "seed": {"en": "Random seed", "de": "Zufallsstartwert"},
    "job_status": {"en": "Job {id}: {status}", "de": "Auftrag {id}: {status}"},
    "report_pdf": {"en": "Download report (PDF)", "de": "Bericht herunterladen (PDF)"},
    "report_html": {"en": "Report (HTML)", "de": "Bericht (HTML)"},
    "export": {"en": "Export CSV", "de": "CSV exportieren"},
    "back": {"en": "Back", "de": "Zurück"},
    "error_title": {"en": "Something went wrong", "de": "Etwas ist schiefgelaufen"},
    "error_403": {"en": "You do not have the right to do this in this study.",
                  "de": "Sie haben in dieser Studie nicht das Recht dazu."},
    "error_404": {"en": "Not found.", "de": "Nicht gefunden."},
    "members_title": {"en": "Members", "de": "Mitglieder"},
    "audit_title": {"en": "Audit trail", "de": "Prüfprotokoll"},
    "none": {"en": "none", "de": "keine"},
    "status_indicated": {"en": "indicated", "de": "angezeigt"},
    "status_not_indicated": {"en": "not indicated", "de": "nicht angezeigt"},
    "status_inconclusive": {"en": "inconclusive", "de": "unklar"},
    "status_not_assessed": {"en": "not assessed", "de": "nicht untersucht"},
    # verdicts of the claims check (painmech.cohort.VERDICTS)
    "verdict_supported": {"en": "supported", "de": "gestützt"},
    "verdict_contradicted": {"en": "contradicted", "de": "widerlegt"},
    "verdict_absent": {"en": "no relevant effect", "de": "kein relevanter Effekt"},
    "verdict_inconclusive": {"en": "inconclusive", "de": "unklar"},
    "verdict_not_testable": {"en": "not testable", "de": "nicht prüfbar"},
    "claims_legend": {
        "en": "Each interval holds for all testable claims together (Bonferroni level "
              "1 − 0.05/m). Supported or contradicted: the whole interval lies on one side "
              "of no effect. No relevant effect: the interval lies inside the smallest "
              "effect of interest (sesoi). Inconclusive: too few people — the minimal "
              "detectable effect (mde) says what this cohort could have found.",
        "de": "Jedes Intervall gilt für alle prüfbaren Aussagen gemeinsam "
              "(Bonferroni-Niveau 1 − 0,05/m). Gestützt oder widerlegt: Das ganze Intervall "
              "liegt auf einer Seite von „kein Effekt“. Kein relevanter Effekt: Das "
              "Intervall liegt innerhalb des kleinsten relevanten Effekts (sesoi). Unklar: "
              "zu wenige Personen – der kleinste nachweisbare Effekt (mde) sagt, was diese "
              "Kohorte hätte finden können."},
    "change_title": {"en": "Reliable change since the first visit",
                     "de": "Zuverlässige Veränderung seit dem ersten Termin"},
    "change_intro": {
        "en": "A change counts as real when the later value lies outside the limits that one "
              "person's measurement error allows (MDC95, Jacobson & Truax reliable change "
              "index). The error comes from the study's controls measured twice where there "
              "are enough, otherwise from published figures for individuals; the pressure "
              "pain threshold is judged on the log scale, because its error grows with its "
              "level.",
        "de": "Eine Veränderung gilt als echt, wenn der spätere Wert außerhalb der Grenzen "
              "liegt, die der Messfehler einer einzelnen Person zulässt (MDC95, "
              "Reliable-Change-Index nach Jacobson & Truax). Der Messfehler stammt aus "
              "wiederholten Messungen der Kontrollpersonen der Studie, sofern genügend "
              "vorliegen, sonst aus veröffentlichten Angaben für Einzelpersonen; die "
              "Druckschmerzschwelle wird auf der logarithmischen Skala beurteilt, weil ihr "
              "Messfehler mit der Höhe des Werts wächst."},
    "change": {"en": "Change", "de": "Veränderung"},
    "first_value": {"en": "First visit", "de": "Erster Termin"},
    "mdc95": {"en": "Limits (MDC95)", "de": "Grenzen (MDC95)"},
    "basis": {"en": "Basis", "de": "Grundlage"},
    "source": {"en": "Source of the error", "de": "Herkunft des Messfehlers"},
    "change_reliable_worsening": {"en": "reliable worsening",
                                  "de": "zuverlässige Verschlechterung"},
    "change_reliable_improvement": {"en": "reliable improvement",
                                    "de": "zuverlässige Verbesserung"},
    "change_reliable_increase": {"en": "reliable increase", "de": "zuverlässiger Anstieg"},
    "change_reliable_decrease": {"en": "reliable decrease", "de": "zuverlässige Abnahme"},
    "change_no_reliable_change": {"en": "within measurement error",
                                  "de": "innerhalb des Messfehlers"},
    "change_no_reliability_data": {"en": "no reliability figure",
                                   "de": "keine Angaben zur Reliabilität"},
}


def translate(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` (English if missing), with ``{name}`` filled in."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def pick_lang(request: Request) -> str:
    """``?lang=`` > cookie > Accept-Language > English."""
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if lang in LANGS:
        return lang
    accept = request.headers.get("accept-language", "").lower()
    return "de" if accept.startswith("de") else "en"
