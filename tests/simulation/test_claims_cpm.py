"""Simulated chronic LBP shows the impaired CPM that the claims check looks for."""

from painmech.cohort import check_claims
from painmech.measures import compute_metrics
from painmech.simulation import simulate_cohort


def test_check_claims_recovers_impaired_cpm():
    # McPhee 2020 Pain 161:464: CPM weaker in back pain, SMD -0.44 (-0.64 to -0.23)
    # 300 per group: with day-to-day variation (retest ICC 0.62) 120 per group left the
    # family-wise interval reaching 0
    res = simulate_cohort(600, {"healthy": 0.5, "chronic_lbp": 0.5}, seed=3, instruments=())
    claims = check_claims(res.subjects, compute_metrics(res.observations, res.subjects)
                          ).set_index("claim")
    row = claims.loc["cpm_impaired"]
    assert row["verdict"] == "supported"
    assert row["effect"] < 0 and row["ci_high"] < 0
