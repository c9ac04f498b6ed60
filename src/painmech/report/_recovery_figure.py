"""Figure of the recovery validation (:func:`painmech.simulation.validate_profiler`).

Left panel: AUC, sensitivity and specificity per mechanism (with 95 % CIs)
at one trial level. Right panel: AUC per mechanism against the number of
trials per test. Built on :class:`matplotlib.figure.Figure` (no pyplot), so it
renders headless.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["recovery_figure"]

# Okabe-Ito colours (colour-blind safe)
_COLOURS = {"auc": "#000000", "sensitivity": "#D55E00", "specificity": "#0072B2"}
_CYCLE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
          "#000000", "#999999", "#882255"]
_MARKERS = "osD^v<>pPX"


def _level_order(levels) -> list[str]:
    nums = sorted((x for x in levels if x != "protocol"), key=float)
    return nums + (["protocol"] if "protocol" in levels else [])


def recovery_figure(table: pd.DataFrame, *, level: str | None = None,
                    title: str | None = None) -> Figure:
    """Plot a recovery table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`painmech.simulation.validate_profiler` (``trials``
        plus :data:`painmech.simulation.RECOVERY_COLUMNS`), or of
        :func:`painmech.simulation.recovery_table` (one level, no ``trials``).
    level : str, optional
        Trial level shown in the left panel (default ``"protocol"`` when
        present, else the first level).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels when the table has more than one trial level, else one.

    Raises
    ------
    ValueError
        When the table is empty, lacks the recovery columns, or ``level`` is
        not one of its trial levels.
    """
    need = {"mechanism", "auc", "auc_low", "auc_high", "sensitivity", "sensitivity_low",
            "sensitivity_high", "specificity", "specificity_low", "specificity_high"}
    missing = need - set(table.columns)
    if missing or table.empty:
        raise ValueError(f"not a recovery table (missing columns: {sorted(missing)})"
                         if missing else "the recovery table is empty")
    data = table if "trials" in table else table.assign(trials="protocol")
    data = data.assign(trials=data["trials"].astype(str))
    levels = _level_order(list(dict.fromkeys(data["trials"])))
    if level is None:
        level = "protocol" if "protocol" in levels else levels[0]
    if level not in levels:
        raise ValueError(f"trial level {level!r} not in the table; levels: {levels}")
    panels = 2 if len(levels) > 1 else 1
    fig = Figure(figsize=(6.5 * panels, 5.2), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    _per_mechanism(axes[0], data.loc[data["trials"].eq(level)], level)
    if panels == 2:
        _by_trials(axes[1], data, levels)
    if title:
        fig.suptitle(title)
    return fig


def _per_mechanism(ax, rows: pd.DataFrame, level: str) -> None:
    mechs = list(rows["mechanism"])
    y = np.arange(len(mechs))
    for k, (what, dy) in enumerate((("auc", -0.22), ("sensitivity", 0.0),
                                    ("specificity", 0.22))):
        v = rows[what].to_numpy(dtype=float)
        # clip: a Wilson bound at p = 0 or 1 can miss p by rounding error
        lo = np.clip(v - rows[f"{what}_low"].to_numpy(dtype=float), 0.0, None)
        hi = np.clip(rows[f"{what}_high"].to_numpy(dtype=float) - v, 0.0, None)
        ax.errorbar(v, y + dy, xerr=np.vstack([lo, hi]), fmt="os^"[k], ms=5, lw=1,
                    color=_COLOURS[what], label=what.upper() if what == "auc" else what)
    ax.axvline(0.5, color="#999999", lw=0.8, ls=":")
    ax.set_yticks(y, [m.replace("_", " ") for m in mechs])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("value (95 % CI)")
    ax.set_title(f"Recovery per mechanism (trials: {level})")
    ax.legend(loc="lower left", fontsize=8, frameon=False)


def _by_trials(ax, data: pd.DataFrame, levels: list[str]) -> None:
    x = np.arange(len(levels))
    for i, (mech, g) in enumerate(data.groupby("mechanism", sort=False)):
        auc = g.set_index("trials")["auc"].reindex(levels).to_numpy(dtype=float)
        ax.plot(x, auc, marker=_MARKERS[i % len(_MARKERS)], color=_CYCLE[i % len(_CYCLE)],
                lw=1.2, ms=5, label=mech.replace("_", " "))
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    ax.set_xticks(x, levels)
    ax.set_xlabel("trials per repeated test ('protocol' = each test's own count)")
    ax.set_ylabel("AUC of the mechanism probability")
    ax.set_ylim(0.4, 1.02)
    ax.set_title("AUC by number of trials")
    ax.legend(fontsize=7, frameon=False, loc="lower right", ncol=2)
