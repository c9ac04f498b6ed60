"""Check the fact sheet's statements on a cohort: ``painmech.cohort.check_claims``.

The IASP fact sheet on back-pain mechanisms makes statements such as "pressure
pain thresholds at the painful site are lower than in controls" or "after
whiplash, early cold hypersensitivity predicts a poor course". painmech turns
each statement into a pre-specified test (``painmech.cohort.CLAIMS``: metric,
population, comparison, effect size, smallest effect of interest, source) and
gives it a verdict from its interval alone. The intervals hold for all
testable claims together (Bonferroni level 1 − 0.05/m), group differences are
adjusted for age and sex, and prognosis is scored in the claimed direction:

* supported    — the whole interval lies on the claimed side of "no effect";
* contradicted — the whole interval lies on the other side;
* absent       — the interval lies inside ± the smallest effect of interest
  (``sesoi``): whatever the effect is, it is too small to matter;
* inconclusive — the interval contains "no effect" and reaches beyond the
  margin: too few people (``mde`` is the effect this cohort could detect);
* not_testable — the data lack the metric, the design or enough people.

Here the cohort is virtual (painmech's simulator, with TMS maps, tDCS MEP
series and fMRI ROI series), so the verdicts test the simulator and the
machinery — not back pain. Run the same function on a real study's tables to
test the claims on patients. A second cohort, in which one mechanism is
switched off for everybody, shows that the check can also fail a claim.

Run::

    python examples/04_cohort_claims.py [OUTPUT_DIR]

Outputs: ``claims.csv`` (full table), ``claims_ts.csv`` and
``claims_without_ts.csv`` (the three temporal-summation claims with and
without the mechanism).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from painmech.cohort import CLAIMS, check_claims, claims_table
from painmech.measures import (
    compute_metrics,
    connectivity_metrics,
    homeostatic_metrics,
    tms_map_metrics,
)
from painmech.simulation import MECHANISM_PARAMS, simulate_cohort

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="painmech-"))
out.mkdir(parents=True, exist_ok=True)

# --- 1. the claims ------------------------------------------------------------------------
claims = claims_table()
print(f"{len(claims)} pre-specified claims, e.g.:")
print(claims[["claim", "mechanism", "kind", "source"]].head(6).to_string(index=False))

# --- 2. a virtual cohort ----------------------------------------------------------------------
# Healthy controls plus the conditions the claims speak about, seen at
# baseline, 6 and 12 months (recovery and prognosis claims need follow-up).
COHORT = {"healthy": 0.4, "subacute_lbp": 0.2, "chronic_lbp": 0.2, "neck_pain": 0.1,
          "whiplash": 0.1}


def cohort_metrics(sim):
    """Metrics of every instrument: scalar observations, TMS, tDCS and fMRI."""
    return pd.concat([
        compute_metrics(sim.observations, sim.subjects),
        tms_map_metrics(sim.tms),               # centre of gravity, map overlap …
        homeostatic_metrics(sim.tdcs),          # MEP response to two tDCS blocks
        connectivity_metrics(sim.roi),          # Fisher-z of named edges
    ], ignore_index=True)


sim = simulate_cohort(300, COHORT, visits=[0, 6, 12], seed=11, roi_timepoints=120)
metrics = cohort_metrics(sim)
print(f"\n{len(sim.subjects)} virtual people, {metrics['metric'].nunique()} metrics")

# --- 3. the check ---------------------------------------------------------------------------
# Every interval is analytic: the same data give the same table.
result = check_claims(sim.subjects, metrics)
result.to_csv(out / "claims.csv", index=False)
cols = ["claim", "metric", "effect_type", "effect", "ci_low", "ci_high", "sesoi", "mde", "n",
        "verdict"]
print(result[cols].round(2).to_string(index=False))
print(f"\nintervals at the level {result['ci_level'].dropna().iloc[0]:.4f} "
      f"(1 − 0.05/{result['ci_level'].notna().sum()})")
print(result["verdict"].value_counts().to_string())
# Read 'n', the interval and 'mde', not only the verdict: with 30 whiplash
# patients the prognosis claim needs an AUC far from 0.5 to pass the
# family-wise level. A 'contradicted' verdict on simulated data (e.g.
# ppt_no_prognosis: baseline PPT predicting the course in the simulator, unlike
# in Müller et al. 2019) would say the simulator departs from the literature.
# Group differences carry their unadjusted effect beside the adjusted one:
print(result.loc[result["kind"].eq("difference") & result["effect"].notna(),
                 ["claim", "effect", "effect_unadjusted", "adjusted_for"]]
      .round(2).head(4).to_string(index=False))

# --- 4. switch one mechanism off ----------------------------------------------------------
# A focused question tests fewer claims, so each interval is narrower (here
# m = 3: level 1 − 0.05/3). Force the temporal-summation parameter to its
# healthy value in every patient: "temporal summation is raised" should lose
# its support.
TS = [c for c in CLAIMS if c.mechanism == "temporal_summation" and c.id.startswith("ts_")]
with_ts = check_claims(sim.subjects, metrics, claims=TS)
with_ts.to_csv(out / "claims_ts.csv", index=False)
healthy_ts = MECHANISM_PARAMS["temporal_summation"].healthy
no_ts = simulate_cohort(300, COHORT, visits=[0, 6, 12], seed=11, instruments=(),
                        force={"temporal_summation": healthy_ts})
without = check_claims(no_ts.subjects, compute_metrics(no_ts.observations, no_ts.subjects),
                       claims=TS)
without.to_csv(out / "claims_without_ts.csv", index=False)
compare = pd.DataFrame({"verdict": with_ts.set_index("claim")["verdict"],
                        "verdict_without_ts": without.set_index("claim")["verdict"]})
print("\ntemporal-summation claims (m = 3), with and without the mechanism:")
print(compare.to_string())
print(f"\ntables written to {out}")
