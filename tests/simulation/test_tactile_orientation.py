"""Two-point discrimination per orientation in the simulator (tpd_vertical/horizontal).

Reference: Morf et al. 2021 BMC Musculoskelet Disord 22:666, lower back, acute LBP
n = 124: vertical 4.9 ± 1.6 cm, horizontal 6.0 ± 1.5 cm. Ratio of means
6.0 / 4.9 = 1.2245; delta-method SE of its log:
sqrt((1.6/4.9)^2/124 + (1.5/6.0)^2/124) = sqrt(0.000860 + 0.000504) = 0.0369, so the
95 % interval is 1.2245 × exp(±1.96 × 0.0369) = 1.139 to 1.316.
"""

import numpy as np
import pytest

from painmech.simulation import MECHANISM_PARAMS, simulate_cohort

RATIO_LO, RATIO_HI = 1.139, 1.316


def _per_subject(res):
    o = res.observations
    o = o[o["measure"].isin(["tpd_vertical", "tpd_horizontal"])]
    o = o.merge(res.subjects[["subject", "condition"]], on="subject")
    return o.pivot_table(index=["condition", "site", "subject"], columns="measure",
                         values="value", aggfunc="mean")


@pytest.fixture(scope="module")
def cohorts():
    kw = dict(seed=17, instruments=())
    on = simulate_cohort(400, ["healthy", "chronic_lbp"], **kw)
    off = simulate_cohort(400, ["healthy", "chronic_lbp"],
                          force={"somatosensory_deficit":
                                 MECHANISM_PARAMS["somatosensory_deficit"].healthy}, **kw)
    return _per_subject(on), _per_subject(off)


def test_lumbar_horizontal_over_vertical_matches_morf_2021(cohorts):
    on, _ = cohorts
    for cond in ("healthy", "chronic_lbp"):
        w = on.loc[(cond, "lumbar")]
        ratio = w["tpd_horizontal"].mean() / w["tpd_vertical"].mean()
        assert RATIO_LO <= ratio <= RATIO_HI, (cond, ratio)


def test_neck_has_no_anisotropy(cohorts):
    on, _ = cohorts
    w = on.loc[("healthy", "cervical")]
    d = w["tpd_horizontal"] - w["tpd_vertical"]
    # same receptive field, independent staircase noise: mean paired difference within
    # 3 standard errors of 0
    assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(len(d))
    assert d.std() > 0  # the two orientations are measured independently


def test_deficit_raises_both_orientations_and_only_with_its_parameter(cohorts):
    on, off = cohorts
    for orient in ("tpd_vertical", "tpd_horizontal"):
        diff_on = (on.loc[("chronic_lbp", "lumbar"), orient].mean()
                   - on.loc[("healthy", "lumbar"), orient].mean())
        diff_off = (off.loc[("chronic_lbp", "lumbar"), orient].mean()
                    - off.loc[("healthy", "lumbar"), orient].mean())
        # Adamczyk 2018: +11.74 mm (8.61–14.87) pooled over orientations; each orientation
        # must move up clearly with β_2PD on, and not beyond noise with it off
        assert diff_on > 5.0, (orient, diff_on)
        se = on.loc[("healthy", "lumbar"), orient].std() * np.sqrt(2 / 200)
        assert abs(diff_off) < 3 * se, (orient, diff_off)
