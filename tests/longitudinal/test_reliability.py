"""ICC, SEM and MDC95 against the Shrout & Fleiss worked example and hand calculations."""

import numpy as np
import pandas as pd
import pytest

from painmech.longitudinal import (
    CITED_RELIABILITY,
    MDC_FACTOR,
    icc,
    mdc95_from_sem,
    reliability_for,
    reliability_from_retest,
    sem_from_icc,
)

# Shrout & Fleiss 1979 Psychol Bull 86:420, Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6],
                          [10, 5, 6, 9], [6, 2, 4, 7]], float)


@pytest.mark.parametrize(("kind", "expected"), [("1", 0.17), ("A,1", 0.29), ("C,1", 0.71)])
def test_icc_shrout_fleiss_table(kind, expected):
    # published: ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71
    assert icc(SHROUT_FLEISS, kind) == pytest.approx(expected, abs=0.005)


def test_icc_rejects_unknown_kind_and_handles_constant_data():
    with pytest.raises(ValueError, match="'kind' parameter"):
        icc(SHROUT_FLEISS, "2,k")
    assert np.isnan(icc(np.ones((5, 2))))
    assert np.isnan(icc(np.ones((1, 2))))


def test_sem_and_mdc_hand_calculation():
    # SD 10, ICC 0.84 -> SEM = 10*sqrt(0.16) = 4.0; MDC95 = 1.96*sqrt(2)*4 = 11.0874
    assert float(sem_from_icc(10.0, 0.84)) == pytest.approx(4.0)
    assert float(mdc95_from_sem(4.0)) == pytest.approx(11.0874, abs=1e-4)
    assert MDC_FACTOR == pytest.approx(2.7719, abs=1e-4)
    assert float(sem_from_icc(10.0, -0.2)) == pytest.approx(10.0)  # ICC clipped at 0


def test_reliability_from_retest_recovers_known_icc(rng):
    n = 3000
    true = rng.normal(400, 80, n)  # between-subject SD 80 kPa
    rows = [pd.DataFrame({"subject": np.arange(n).astype(str), "visit": v, "metric": "ppt",
                          "site": "lumbar", "side": "left", "unit": "kPa",
                          "value": true + rng.normal(0, 40, n)}) for v in (0, 1)]
    out = reliability_from_retest(pd.concat(rows)).iloc[0]
    # ICC = 80² / (80² + 40²) = 0.8; SEM = sqrt(80² + 40²) * sqrt(0.2) = 40
    assert out["icc"] == pytest.approx(0.8, abs=0.02)
    assert out["sem"] == pytest.approx(40.0, rel=0.05)
    assert out["mdc95"] == pytest.approx(MDC_FACTOR * out["sem"])
    assert out["n"] == n and out["k"] == 2 and out["basis"] == "study"
    with pytest.raises(ValueError, match="at least two visits"):
        reliability_from_retest(pd.concat(rows), visits=(0,))


def test_reliability_from_retest_equals_icc_on_pivot():
    rows = [(str(i), v, "tpd", "lumbar", "left", SHROUT_FLEISS[i, v], "mm")
            for i in range(6) for v in range(4)]
    m = pd.DataFrame(rows, columns=["subject", "visit", "metric", "site", "side", "value",
                                    "unit"])
    out = reliability_from_retest(m, visits=range(4)).iloc[0]
    assert out["icc"] == pytest.approx(icc(SHROUT_FLEISS, "A,1"))
    assert out["sd"] == pytest.approx(np.std(SHROUT_FLEISS, ddof=1))


def _metrics(pairs):
    rng = np.random.default_rng(0)
    return pd.DataFrame([(f"s{i}", 0, m, s, "left", float(rng.normal(50, 10)), u)
                         for m, s, u in pairs for i in range(20)],
                        columns=["subject", "visit", "metric", "site", "side", "value", "unit"])


def test_reliability_for_uses_cited_figures_with_units():
    m = _metrics([("ppt", "lumbar", "kPa"), ("ppt", "thenar", "kPa"),
                  ("tsp_diff", "lumbar", "nrs100"), ("tpd", "lumbar", "mm"),
                  ("cpt", "thenar", "degC")])
    out = reliability_for(m).set_index(["metric", "site"])
    # PPT low back: MDC95 50.6 kPa (Mailloux 2021, upper bound) -> SEM = 50.6 / 2.7719
    assert out.loc[("ppt", "lumbar"), "sem"] == pytest.approx(50.6 / MDC_FACTOR)
    assert out.loc[("ppt", "lumbar"), "mdc95"] == pytest.approx(50.6)
    # other sites: SEM 0.21 kgf/cm² (Kennedy 2020) = 0.21 * 98.0665 kPa = 20.594 kPa
    assert out.loc[("ppt", "thenar"), "sem"] == pytest.approx(20.594, abs=1e-3)
    # TSP MDC 0.57 NRS(0-10) = 5.7 on the NRS 0-100 of tsp_diff
    assert out.loc[("tsp_diff", "lumbar"), "mdc95"] == pytest.approx(5.7)
    assert out.loc[("tsp_diff", "lumbar"), "unit"] == "nrs100"
    # ICC only (tpd lumbar 0.79-0.86): SEM = sample SD * sqrt(1 - 0.79)
    sd = m.loc[m["metric"] == "tpd", "value"].std()
    assert out.loc[("tpd", "lumbar"), "sem"] == pytest.approx(sd * np.sqrt(0.21))
    assert out.loc[("tpd", "lumbar"), "basis"] == "cited icc + sample sd"
    assert ("cpt", "thenar") not in out.index  # nothing cited: absent, never invented
    liberal = reliability_for(m, bound="liberal").set_index(["metric", "site"])
    assert liberal.loc[("ppt", "lumbar"), "mdc95"] == pytest.approx(28.7)


def test_cited_table_names_a_source_for_every_number():
    assert CITED_RELIABILITY["source"].str.len().gt(5).all()
    assert (CITED_RELIABILITY["low"] <= CITED_RELIABILITY["high"]).all()
