"""One patient: measurements → metrics → z-scores → mechanism profile → report.

A physiotherapist has examined one woman with chronic low back pain: pressure
pain thresholds on the back and at two remote sites, temporal summation,
conditioned pain modulation, a cold pain threshold, two-point discrimination,
the FreBAQ and a few questionnaires, plus a CRP value from her GP. This script
turns those numbers into a mechanism profile and a German and an English
report (HTML and, when WeasyPrint is installed, PDF).

The patient's numbers are illustrative — written for this example, not taken
from a real person. The reference set comes from painmech's simulator (virtual
healthy people) and is therefore marked *synthetic*: it is fine for learning
the workflow, never for a real patient. In a lab, fit the reference set on
your own healthy controls measured with your own protocol (design.md §6), as
the DFNS centres do, or load one with ``ReferenceSet.load``.

Run::

    python examples/01_patient_profile_report.py [OUTPUT_DIR]

Outputs: ``observations.csv``, ``metrics.csv``, ``scores.csv``,
``profile.csv``, ``report_en.html``, ``report_de.html`` (+ ``.pdf``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from painmech.measures import compute_metrics
from painmech.mechanisms import profile
from painmech.norms import ReferenceSet, zscore
from painmech.registry import validate_observations, validate_subjects
from painmech.report import patient_report
from painmech.simulation import simulate_cohort

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="painmech-"))
out.mkdir(parents=True, exist_ok=True)

# --- 1. the patient ------------------------------------------------------------------------
# Only a pseudonym is ever stored: never a name, birth date or insurance number.
PSEUDONYM = "LBP-0042"
subjects = validate_subjects(pd.DataFrame({
    "subject": [PSEUDONYM], "sex": ["female"], "age": [46.0], "condition": ["chronic_lbp"],
})).raise_if_problems()


def rows(measure, site, side, values, unit):
    """One observation row per trial (trial numbers start at 1)."""
    return [(PSEUDONYM, 0, measure, site, side, i, v, unit) for i, v in enumerate(values, 1)]


# The algometer of this practice shows kgf/cm²; painmech converts to kPa
# (1 kgf/cm² = 98.0665 kPa, the definition of the kilogram-force).
raw = pd.DataFrame(
    rows("ppt", "lumbar", "left", [2.1, 2.0, 2.2], "kgf/cm2")
    + rows("ppt", "lumbar", "right", [2.0, 1.9, 2.1], "kgf/cm2")
    + rows("ppt", "trapezius", "left", [2.3, 2.4, 2.2], "kgf/cm2")
    + rows("ppt", "tibialis_anterior", "left", [3.6, 3.4, 3.5], "kgf/cm2")
    # temporal summation: ten pinpricks at 1/s, each rated 0–100
    + rows("tsp_rating", "lumbar", "right", [20, 25, 30, 35, 40, 45, 50, 55, 60, 62], "nrs100")
    # CPM, parallel design: PPT at the forearm before and during cold-water immersion
    + rows("cpm_ppt_before", "forearm", "right", [3.3, 3.1], "kgf/cm2")
    + rows("cpm_ppt_during", "forearm", "right", [3.2, 3.3], "kgf/cm2")
    + rows("cpm_cs_rating", "hand_dorsum", "left", [70], "nrs100")
    + rows("cpt", "lumbar", "right", [18.5, 17.9, 19.2], "degC")
    + rows("tpd", "lumbar", "left", [62, 58], "mm")
    + rows("tpd", "lumbar", "right", [60, 64], "mm")
    # Fremantle Back Awareness Questionnaire: nine items scored 0–4
    + rows("frebaq_item", "none", "none", [2, 1, 2, 3, 1, 2, 2, 1, 2], "score")
    + rows("pain_intensity", "none", "none", [6], "nrs10")
    + rows("pain_state", "none", "none", [1], "flag")
    + rows("pain_duration", "none", "none", [2.5], "year")
    + rows("odi", "none", "none", [34], "percent")
    + rows("pcs", "none", "none", [27], "score")
    + rows("crp", "none", "none", [0.21], "mg/dL"),
    columns=["subject", "visit", "measure", "site", "side", "trial", "value", "unit"],
)
# Validation checks every id, unit and limit and converts to canonical units;
# a bad row raises ValidationError naming row, column, value and reason.
obs = validate_observations(raw, subjects=subjects).raise_if_problems()
obs.to_csv(out / "observations.csv", index=False)
print(obs.loc[obs["measure"].eq("ppt"), ["site", "side", "value_raw", "unit_raw", "value",
                                         "unit"]].head(3).to_string(index=False))

# --- 2. metrics -----------------------------------------------------------------------------
# Trials become one value per metric (e.g. the mean of three PPT trials, the
# TSP difference last − first, the CPM effect, the FreBAQ total).
metrics = compute_metrics(obs, subjects)
metrics.to_csv(out / "metrics.csv", index=False)

# --- 3. a reference set ---------------------------------------------------------------------
# 120 virtual healthy people from the simulator, measured with the same
# battery. The fit keeps per-sex rows and drops any stratum with < 10 people.
controls = simulate_cohort(120, "healthy", seed=7, instruments=())
control_metrics = compute_metrics(controls.observations, controls.subjects)
reference = ReferenceSet("simulated_controls", synthetic=True, min_n=10).fit(
    control_metrics, controls.subjects)
print(f"\nreference: {reference.provenance_.name}, n = {reference.provenance_.n}, "
      f"synthetic = {reference.provenance_.synthetic}")

# --- 4. z-scores ----------------------------------------------------------------------------
# z > 0 always means "more pain-sensitive / more abnormal" (DFNS sign
# convention); |z| > 1.96 lies outside the 95 % range of the reference.
scores = zscore(metrics, subjects, reference)
scores.to_csv(out / "scores.csv", index=False)
shown = scores.dropna(subset=["z"])[["metric", "site", "side", "value", "unit", "z", "abnormal"]]
print("\n" + shown.round(2).to_string(index=False))

# --- 5. the mechanism profile ---------------------------------------------------------------
# One row per mechanism. Mechanisms without data (imaging, TMS, tDCS, fMRI
# here) are 'not_assessed' — painmech never calls them 'not_indicated'.
# Cold hyperalgesia stays 'inconclusive': on the trunk the absolute CPT has no
# usable reference range (Pfau et al. 2014), so only side-to-side or
# trunk-minus-hand differences are scored, and this patient has neither.
# (Steps 2, 4 and 5 are also available in one call: painmech.pipeline.run_profile.)
prof = profile(scores, subjects)
prof.to_csv(out / "profile.csv", index=False)
print("\n" + prof[["mechanism", "status", "score", "probability"]].round(2).to_string(index=False))

# --- 6. reports in English and German -------------------------------------------------------
for lang in ("en", "de"):
    patient_report(scores, subjects, subject=PSEUDONYM, lang=lang, profile_table=prof,
                   reference=reference, path=out / f"report_{lang}.html")
    try:
        patient_report(scores, subjects, subject=PSEUDONYM, lang=lang, profile_table=prof,
                       reference=reference, path=out / f"report_{lang}.pdf")
    except ImportError:  # WeasyPrint is the optional [pdf] extra
        print("WeasyPrint not installed: PDF reports skipped")
        break
print(f"\nreports and tables written to {out}")
