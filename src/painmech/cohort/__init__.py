"""Group comparisons, associations, subgroups, prognosis and the claims check.

Everything works on the tidy tables of design.md §3 (subjects, metrics and,
for subgroups, scores or profiles) and returns tidy DataFrames.

Public API
----------
Statistics on arrays
    :func:`hedges_g`, :func:`hedges_g_from_stats`, :func:`bootstrap_ci`,
    :func:`partial_spearman`, :func:`auc`, :func:`auc_delong`, :func:`ols`, :func:`holm`,
    :func:`logistic_fit`, :func:`calibration`, :func:`prognostic_performance`.
Cohort tables
    :func:`subject_values`, :func:`wide_values`, :func:`group_comparison`,
    :func:`associations`, :func:`mixed_model`, :func:`repeated_measures`,
    :func:`profile_matrix`, :func:`subgroups`, :func:`cohort_summary`.
Whiplash
    :func:`cold_pain_threshold_rule`, :func:`whiplash_prediction_rule`,
    :func:`whiplash_prognosis`.
Claims
    :data:`CLAIMS`, :class:`Claim`, :func:`claims_table`, :func:`check_claims`,
    :data:`VERDICTS`, :data:`SESOI_BY_KIND`.
"""

from painmech.cohort._claims import CLAIM_COLUMNS, VERDICTS, check_claims, claims_table
from painmech.cohort._claims_spec import CLAIMS, Claim
from painmech.cohort._claims_verdict import SESOI_BY_KIND
from painmech.cohort._compare import (
    CLINICAL_METRICS,
    PATIENT_CONDITIONS,
    associations,
    group_comparison,
)
from painmech.cohort._mixed import mixed_model, repeated_measures
from painmech.cohort._prognosis import calibration, logistic_fit, prognostic_performance
from painmech.cohort._select import subject_values, transform_of, wide_values
from painmech.cohort._stats import (
    auc,
    auc_delong,
    bootstrap_ci,
    hedges_g,
    hedges_g_from_stats,
    holm,
    ols,
    partial_spearman,
    welch_test,
)
from painmech.cohort._subgroups import SubgroupResult, profile_matrix, subgroups
from painmech.cohort._summary import cohort_summary, whiplash_prognosis
from painmech.cohort._whiplash import (
    CPR_CUTOFFS,
    CPT_RULE_DEGC,
    cold_pain_threshold_rule,
    whiplash_prediction_rule,
)

__all__ = [
    "CLAIMS",
    "CLAIM_COLUMNS",
    "CLINICAL_METRICS",
    "CPR_CUTOFFS",
    "CPT_RULE_DEGC",
    "PATIENT_CONDITIONS",
    "SESOI_BY_KIND",
    "VERDICTS",
    "Claim",
    "SubgroupResult",
    "associations",
    "auc",
    "auc_delong",
    "bootstrap_ci",
    "calibration",
    "check_claims",
    "claims_table",
    "cohort_summary",
    "cold_pain_threshold_rule",
    "group_comparison",
    "hedges_g",
    "hedges_g_from_stats",
    "holm",
    "logistic_fit",
    "mixed_model",
    "ols",
    "partial_spearman",
    "profile_matrix",
    "prognostic_performance",
    "repeated_measures",
    "subgroups",
    "subject_values",
    "transform_of",
    "welch_test",
    "whiplash_prediction_rule",
    "whiplash_prognosis",
    "wide_values",
]
