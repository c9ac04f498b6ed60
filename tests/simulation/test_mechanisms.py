"""Switching one mechanism on moves its own test and leaves the others alone.

The forced and the baseline cohort share the seed, so every random draw is
the same and differences come from the mechanism alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painmech.simulation import MECHANISM_PARAMS, simulate_cohort
from painmech.simulation._summary import summarise

# own test metric and published direction (+1 up, -1 down) per mechanism
OWN = {
    "peripheral_sensitization": ("ppt_lumbar", -1),  # local PPT lower (Arendt-Nielsen 2018)
    "pressure_hyperalgesia": ("ppt_scapula", -1),  # remote PPT lower (den Bandt 2019)
    "temporal_summation": ("tsp_diff", +1),  # TS higher (McPhee 2020)
    "descending_inhibition": ("cpm_pct", -1),  # CPM lower (McPhee 2020)
    "cold_hyperalgesia": ("cpt_cervical", +1),  # CPT higher = more sensitive (Sterling 2003)
    "grey_matter": ("dlpfc_frac", -1),  # less DLPFC grey matter (Apkarian 2004)
    "motor_cortex_smudging": ("tms_cog_dist", -1),  # CoGs overlap (Tsao 2011)
    "homeostatic_plasticity": ("mep_post0", +1),  # no reversal after block 2 (Thapa 2018)
    "functional_connectivity": ("fc_index", +1),  # shift to affective (Hashmi 2013)
    "somatosensory_deficit": ("tpd_lumbar", +1),  # 2PD higher (Adamczyk 2018)
}
# further tests a mechanism is expected to move (shared pathways of the model)
ALSO = {
    "peripheral_sensitization": {"crp", "il6", "hpt_lumbar", "mpt_lumbar"},
    "pressure_hyperalgesia": {"ppt_lumbar", "mpt_lumbar"},
    "somatosensory_deficit": {"graph_errors", "frebaq"},
    "motor_cortex_smudging": {"tms_volume"},
}
TESTS = sorted({m for m, _ in OWN.values()} | {"crp", "graph_errors"})
N = 240


def _healthy_values() -> dict[str, float]:
    return {m: p.healthy for m, p in MECHANISM_PARAMS.items()}


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    res = simulate_cohort(N, "chronic_lbp", seed=11, force=_healthy_values(), roi_timepoints=100)
    return summarise(res).set_index("subject")


def _smd(a: pd.Series, b: pd.Series) -> float:
    diff = (a - b).mean()
    sd = np.sqrt((a.var() + b.var()) / 2.0)
    return float(diff / sd) if sd > 0 else 0.0


@pytest.mark.parametrize("mechanism", list(OWN))
def test_one_mechanism_moves_its_own_test(mechanism, baseline):
    p = MECHANISM_PARAMS[mechanism]
    force = _healthy_values() | {mechanism: 0.5 * (p.low + p.high)}
    res = simulate_cohort(N, "chronic_lbp", seed=11, force=force, roi_timepoints=100)
    on = summarise(res).set_index("subject")
    metric, sign = OWN[mechanism]
    own = _smd(on[metric], baseline[metric])
    assert sign * own > 0.5, f"{mechanism}: {metric} moved by SMD {own:.2f}"
    for other in TESTS:
        if other == metric or other in ALSO.get(mechanism, set()):
            continue
        d = _smd(on[other], baseline[other])
        assert abs(d) < 0.25, f"{mechanism} moved {other} by SMD {d:.2f}"
    truth = res.truth.query("mechanism == @mechanism")
    assert truth["active"].all()
    assert not res.truth.query("mechanism != @mechanism")["active"].any()
