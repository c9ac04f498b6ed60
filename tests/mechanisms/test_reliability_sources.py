"""Where the measurement error of the profile comes from: study retest, published, unknown.

Hand calculations with the flat prior: P = Phi((z - 1.96) / sigma), indicated at
P >= 0.80, i.e. from z = 1.96 + 0.841621 * sigma (Phi^-1(0.80) from a normal table).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from painmech.measures import compute_metrics
from painmech.mechanisms import CATALOG, RELIABILITY, profile, reliability_table
from painmech.norms import ReferenceSet, zscore
from painmech.registry import METRICS

Q80 = 0.8416212335729143  # Phi^-1(0.80), normal table


def _scores(metric, site, z, sem_z=None, n=3):
    row = {"subject": "p", "visit": 0, "metric": metric, "site": site, "side": "left",
           "value": 1.0, "z": z, "n_trials": n, "method": "", "ref": "crafted"}
    if sem_z is not None:
        row["sem_z"] = sem_z
    return pd.DataFrame([row])


SUBJ = pd.DataFrame({"subject": ["p"], "condition": ["neck_pain"]})


def test_study_retest_error_replaces_the_placeholder():
    # CPT has no published test-retest figure: without study data sigma = sqrt(0.5)
    # (placeholder) and the profile says so
    z = 1.96 + Q80 * 0.3 + 0.005  # indicated with sigma 0.3, not with sigma 0.7071
    plain = profile(_scores("cpt", "thenar", z), SUBJ, mechanisms=["cold_hyperalgesia"]).iloc[0]
    assert plain["status"] == "inconclusive"
    assert plain["probability"] == pytest.approx(stats.norm.cdf((z - 1.96) / np.sqrt(0.5)))
    assert "reliability_unknown" in plain["flags"].split(";")
    assert "default_reliability" in plain["caveats"].split(";")
    # the controls measured twice give SEM / SD = 0.3 in z units: sigma = 0.3
    study = profile(_scores("cpt", "thenar", z, sem_z=0.3), SUBJ,
                    mechanisms=["cold_hyperalgesia"]).iloc[0]
    assert study["probability"] == pytest.approx(stats.norm.cdf(0.005 / 0.3 + Q80))
    assert study["status"] == "indicated"
    assert "reliability_unknown" not in study["flags"].split(";")
    assert "default_reliability" not in study["caveats"].split(";")
    # published figures only, by choice: back to the placeholder
    off = profile(_scores("cpt", "thenar", z, sem_z=0.3), SUBJ, mechanisms=["cold_hyperalgesia"],
                  study_retest=False).iloc[0]
    assert off["probability"] == pytest.approx(plain["probability"])


def test_study_retest_error_wins_over_a_published_icc_but_not_over_a_user_icc():
    # PPT: published ICC 0.80 -> sigma 0.4472; study SEM/SD 0.2 -> sigma 0.2
    z = 2.5
    subj = pd.DataFrame({"subject": ["p"], "condition": ["chronic_lbp"]})
    out = profile(_scores("ppt", "lumbar", z, sem_z=0.2), subj,
                  mechanisms=["pressure_hyperalgesia"]).iloc[0]
    assert out["probability"] == pytest.approx(stats.norm.cdf((z - 1.96) / 0.2))
    user = profile(_scores("ppt", "lumbar", z, sem_z=0.2), subj,
                   mechanisms=["pressure_hyperalgesia"], icc={"ppt": 0.96}).iloc[0]
    assert user["probability"] == pytest.approx(stats.norm.cdf((z - 1.96) / 0.2))  # √0.04
    user2 = profile(_scores("ppt", "lumbar", z, sem_z=0.2), subj,
                    mechanisms=["pressure_hyperalgesia"], icc={"ppt": 0.91}).iloc[0]
    assert user2["probability"] == pytest.approx(stats.norm.cdf((z - 1.96) / 0.3))  # √0.09


def test_every_catalog_metric_has_a_figure_or_is_listed_unknown():
    table = reliability_table().set_index("metric")
    scored = {m.id for m in METRICS.values() if m.score_kind == "z"}
    used = {m for spec in CATALOG.values() for m in spec.metrics} & scored
    assert used <= set(table.index)
    unknown = set(table.index[table["source"].eq("unknown")])
    assert unknown == used - set(RELIABILITY)
    assert table.loc[sorted(unknown), "icc"].isna().all()
    # figures sourced in this issue (evidence.md): TSP, WUR, homeostatic response, FreBAQ
    for metric, icc, key in [("tsp_diff", 0.667, "mailloux2021"), ("wur", 0.67, "geber2011"),
                             ("mep_ratio_post10", 0.67, "thapa2018np"),
                             ("homeostatic_z", 0.43, "thapa2018np"),
                             ("frebaq_total", 0.897, "hu2022")]:
        assert (table.loc[metric, "icc"], table.loc[metric, "source"]) == (icc, key)
    # the mechanisms whose every z-scored metric has a published figure
    sourced = {mech for mech, spec in CATALOG.items()
               if not (set(spec.metrics) & unknown)}
    assert {"homeostatic_plasticity", "descending_inhibition", "grey_matter",
            "functional_connectivity"} <= sourced


def test_the_pipeline_carries_the_controls_retest_into_the_profile(rng):
    # 12 controls and one patient, PPT at the low back twice; the reference set keeps the
    # controls' retest error and zscore hands it to the profile as sem_z
    n = 12
    ids = [f"c{i}" for i in range(n)] + ["p"]
    subj = pd.DataFrame({"subject": ids, "sex": "female", "age": 40.0,
                         "condition": ["healthy"] * n + ["chronic_lbp"]})
    level = np.r_[rng.normal(2.6, 0.15, n), 2.2]
    obs = pd.concat([pd.DataFrame({"subject": ids, "visit": v, "measure": "ppt",
                                   "site": "lumbar", "side": "left", "trial": 1,
                                   "value": 10 ** (level + rng.normal(0, 0.03, n + 1)),
                                   "unit": "kPa"}) for v in (0, 1)], ignore_index=True)
    metrics = compute_metrics(obs, subj)
    ref = ReferenceSet(min_n=10, model="bands").fit(metrics, subj)
    sc = zscore(metrics, subj, ref)
    first = metrics[metrics["visit"].eq(0) & metrics["subject"].ne("p")]
    second = metrics[metrics["visit"].eq(1) & metrics["subject"].ne("p")]
    d = np.log10(second["value"].to_numpy()) - np.log10(first["value"].to_numpy())
    sd = np.log10(first["value"]).std()
    p_row = sc[sc["subject"].eq("p") & sc["visit"].eq(0)].iloc[0]
    assert p_row["sem_z"] == pytest.approx(d.std(ddof=1) / np.sqrt(2) / sd)
    prof = profile(sc, subj, mechanisms=["pressure_hyperalgesia"])
    got = prof[prof["subject"].eq("p") & prof["visit"].eq(0)].iloc[0]
    assert got["probability"] == pytest.approx(
        stats.norm.cdf((p_row["z"] - 1.96) / p_row["sem_z"]))
