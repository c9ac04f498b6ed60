"""The calibration report meets the simulator design's targets."""

from __future__ import annotations

import pytest

from painmech.simulation import calibration_report

COLD_OR = "Whiplash CPT >= 13 °C vs moderate/severe at 12 months (OR)"


@pytest.fixture(scope="module")
def report():
    return calibration_report(n_per_group=600, seed=20210709)


def test_columns(report):
    assert list(report.columns) == ["target", "source", "reference", "reference_low",
                                    "reference_high", "simulated", "ci_low", "ci_high", "unit",
                                    "rule", "passed"]
    assert len(report) >= 20


def test_every_target_passes(report):
    failed = report.loc[~report["passed"], "target"]
    assert failed.empty, list(failed)


def test_whiplash_cold_odds_ratio(report):
    # Sterling 2011 Pain 152:1272: CPT >= 13 °C, OR 26.3 (5.0-139.1) for the
    # moderate/severe trajectory; the simulated interval must overlap it and
    # the point estimate show a strong (> 5) association
    row = report.set_index("target").loc[COLD_OR]
    assert row["passed"]
    assert row["simulated"] > 5.0
    assert row["ci_low"] <= 139.1 and row["ci_high"] >= 5.0
