"""Follow patients over visits: is a change real or measurement error?

A pressure pain threshold that rises from 250 to 290 kPa between two visits
may be an improvement — or just the scatter of the algometer. The answer
needs the measure's standard error of measurement (SEM). painmech uses the
Jacobson–Truax reliable change index

    RCI = (x_later − x_first) / (√2 · SEM)

and calls a change reliable when |RCI| > 1.96 (95 % two-sided). The SEM must
describe the error of *one person's* value: ``reliability_for`` takes it from
your own retest data (controls measured twice) when there are enough, and
otherwise from published individual-level figures (``CITED_RELIABILITY``,
each row with its source); group-level figures are never used. The PPT's
error grows with its level, so its change is judged on the log scale.

The data are virtual: 60 people with subacute low back pain and 120 healthy
controls from painmech's simulator, seen at baseline, after 3 and after 12
months. Some patients recover, some become chronic — as in real cohorts.

Run::

    python examples/03_longitudinal_monitoring.py [OUTPUT_DIR]

Outputs: ``reliability_cited.csv``, ``reliability_retest.csv``,
``reliable_change.csv``, ``trajectories.csv``, ``normalisation.csv``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from painmech.longitudinal import (
    normalisation,
    rci,
    reliability_for,
    reliability_from_retest,
    reliable_change,
    trajectories,
)
from painmech.measures import compute_metrics
from painmech.norms import ReferenceSet, zscore
from painmech.simulation import simulate_cohort

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="painmech-"))
out.mkdir(parents=True, exist_ok=True)

# --- 0. the RCI by hand -----------------------------------------------------------------------
# Balaguier et al. 2016 (BMC Musculoskelet Disord) report an individual SEM of 36.7–77.5 kPa
# for lumbar PPT; with the lower end, MDC95 = 1.96 · √2 · 36.7 = 101.7 kPa. (Mailloux et al.
# 2021 give 28.7–50.6 kPa, but as an MDC of a *group* mean: it is not one person's error.)
sem_ppt = 36.7
for before, after in [(250.0, 290.0), (250.0, 360.0)]:
    r = rci(before, after, sem_ppt)[()]
    print(f"PPT {before:.0f} → {after:.0f} kPa: RCI = {r:.2f} → "
          f"{'reliable' if abs(r) > 1.96 else 'within measurement error'}")

# --- 1. a cohort over three visits --------------------------------------------------------
sim = simulate_cohort(180, {"healthy": 2 / 3, "subacute_lbp": 1 / 3}, visits=[0, 3, 12],
                      seed=5, instruments=())
subjects = sim.subjects
metrics = compute_metrics(sim.observations, subjects)
patients = subjects.loc[subjects["condition"].ne("healthy"), "subject"]
controls = subjects.loc[subjects["condition"].eq("healthy"), "subject"]

# --- 2. measurement error: your own retest vs. published -------------------------------------
# The healthy controls' baseline and 3-month visits serve as test and retest (their state does
# not change in the simulator): where at least 10 controls have both, their SEM is used.
retest = reliability_from_retest(metrics, visits=(0, 1), subjects=controls, sem="sd_diff",
                                 scale="auto")
retest.to_csv(out / "reliability_retest.csv", index=False)
lumbar = retest[retest["metric"].eq("ppt") & retest["site"].eq("lumbar")]
print("\nlumbar PPT from the controls' retest (log10 scale):\n"
      + lumbar[["side", "n", "icc", "sem", "mdc95", "scale"]].round(3).to_string(index=False))
# Published individual-level figures alone (what a clinic without controls would use):
cited = reliability_for(metrics, subjects=subjects, retest="never")
cited.to_csv(out / "reliability_cited.csv", index=False)
print("\n" + cited[["metric", "site", "scale", "sem", "mdc95", "source"]].round(3)
      .to_string(index=False))
# The default: the study's retest where it exists, published figures elsewhere.
reliability = reliability_for(metrics, subjects=subjects)

# --- 3. reliable change of every patient from baseline ----------------------------------------
change = reliable_change(metrics[metrics["subject"].isin(patients)], reliability)
change.to_csv(out / "reliable_change.csv", index=False)
known = change[change["status"].ne("no_reliability_data")]
print("\nreliable change from baseline (patients; metrics with a known individual SEM):")
print(known.groupby(["metric", "visit"])["status"].value_counts().unstack(fill_value=0)
      .to_string())

# One patient's course at the back (and the CPM test arm), as a clinician
# would read it. Visits are numbered 0, 1, 2 (baseline, 3 and 12 months).
one = str(patients.iloc[0])
cols = ["metric", "site", "side", "visit", "baseline_value", "value", "change", "rci", "status",
        "source"]
mine = known["subject"].eq(one) & known["site"].isin(["lumbar", "forearm", "none"])
print(f"\npatient {one}:")
print(known.loc[mine, cols].round(2).to_string(index=False))

# --- 4. trajectories: slope per visit over all three visits ------------------------------------
traj = trajectories(metrics[metrics["subject"].isin(patients)])
traj.to_csv(out / "trajectories.csv", index=False)
pain = traj[traj["metric"].eq("pain_intensity")]
print(f"\npain intensity (NRS 0–10), patients: median change {pain['change'].median():.1f}, "
      f"{(pain['last_value'] == 0).mean():.0%} pain-free at the last visit")

# --- 5. did abnormal values normalise when the pain resolved? ----------------------------------
# A 'state marker' returns to the reference band once a person is pain-free.
reference = ReferenceSet("simulated_controls", synthetic=True).fit(metrics, subjects)
scores = zscore(metrics, subjects, reference)
norm = normalisation(scores[scores["subject"].isin(patients)])
norm.to_csv(out / "normalisation.csv", index=False)
print("\nabnormal at a visit in pain, and then:")
print(norm[norm["metric"].isin(["ppt", "tsp_diff", "frebaq_total", "tpd"])]
      .groupby("metric")["status"].value_counts().unstack(fill_value=0).to_string())
print(f"\ntables written to {out}")
