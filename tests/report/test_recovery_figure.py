"""The recovery figure: panels, levels and input checks."""

import numpy as np
import pandas as pd
import pytest

from painmech.report import recovery_figure
from painmech.simulation import RECOVERY_COLUMNS


def _table(levels):
    rng = np.random.default_rng(0)
    rows = []
    for level in levels:
        for mech in ("grey_matter", "somatosensory_deficit"):
            row = dict.fromkeys(RECOVERY_COLUMNS, 10)
            row.update(mechanism=mech, trials=level)
            for what in ("auc", "sensitivity", "specificity"):
                v = rng.uniform(0.3, 0.9)
                row.update({what: v, f"{what}_low": v - 0.05, f"{what}_high": v + 0.05})
            rows.append(row)
    return pd.DataFrame(rows)


def test_two_panels_with_trial_levels():
    fig = recovery_figure(_table(["protocol", "1", "5"]), title="t")
    assert len(fig.axes) == 2
    ticks = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert ticks == ["1", "5", "protocol"]  # numeric levels in order, protocol last
    assert len(fig.axes[1].get_lines()) >= 2  # one AUC line per mechanism


def test_one_panel_for_one_level():
    fig = recovery_figure(_table(["protocol"]).drop(columns="trials"))
    assert len(fig.axes) == 1
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["grey matter", "somatosensory deficit"]


def test_bad_input():
    with pytest.raises(ValueError, match="not a recovery table"):
        recovery_figure(pd.DataFrame({"mechanism": ["x"]}))
    with pytest.raises(ValueError, match="trial level '3' not in the table"):
        recovery_figure(_table(["1"]), level="3")
