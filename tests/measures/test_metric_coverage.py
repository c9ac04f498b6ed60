"""Guard: every registered metric is named in a measures test.

Each of those tests states its expected value as a hand calculation in a comment,
a published worked example or reference software (see the audit in the issue
tracker); this guard fails when a metric is added to the registry without one.
"""

from pathlib import Path

import pytest

from painmech.registry import METRICS

HERE = Path(__file__).parent
TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted(HERE.glob("test_*.py"))
                 if p.name != Path(__file__).name)


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_metric_has_a_measures_test(metric):
    assert f'"{metric}"' in TEXT, f"no test in tests/measures names {metric!r}"
