"""The calibration report meets the simulator design's targets."""

from __future__ import annotations

import pytest

from painmech.simulation import calibration_report

KNOWN_GAP = "Whiplash CPT >= 13 °C vs moderate/severe at 12 months (OR)"


@pytest.fixture(scope="module")
def report():
    return calibration_report(n_per_group=600, seed=20210709)


def test_columns(report):
    assert list(report.columns) == ["target", "source", "reference", "reference_low",
                                    "reference_high", "simulated", "ci_low", "ci_high", "unit",
                                    "rule", "passed"]
    assert len(report) >= 20


def test_every_target_passes_but_the_known_gap(report):
    failed = report.loc[~report["passed"] & report["target"].ne(KNOWN_GAP), "target"]
    assert failed.empty, list(failed)


def test_known_gap_keeps_the_direction(report):
    # Sterling 2011: cold hyperalgesia goes with the severe trajectory (OR 26.3);
    # the simulator reproduces the direction, not the size (see module docs)
    row = report.set_index("target").loc[KNOWN_GAP]
    assert row["simulated"] > 1.0
    assert not row["passed"]
