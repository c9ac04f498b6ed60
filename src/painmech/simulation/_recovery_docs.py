"""``docs/recovery.md`` written from a recovery-study table.

:func:`recovery_markdown` turns the output of
:func:`painmech.simulation.recovery_study` into the document; every number
in it comes from the table, and the sentences that summarise the results
are computed from it too, so the document cannot drift from the data it
describes. ``painmech validate-profiler --study -o docs/`` regenerates
``recovery.md``, ``recovery.csv`` and ``recovery.png`` in one command.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from painmech.simulation._params import mechanism_ids
from painmech.simulation._scenario import SCENARIOS

__all__ = ["recovery_markdown"]

_BASE = ("default", 1.0, "protocol")


def _fmt(x, digits: int = 2) -> str:
    return "—" if not np.isfinite(x) else f"{x:.{digits}f}"


def _ci(row, what: str) -> str:
    return (f"{_fmt(row[what])} ({_fmt(row[f'{what}_low'])}–{_fmt(row[f'{what}_high'])})"
            if np.isfinite(row[what]) else "—")


def _select(table, scenario=None, noise=None, trials=None) -> pd.DataFrame:
    sel = np.ones(len(table), dtype=bool)
    for col, val in (("scenario", scenario), ("noise_scale", noise), ("trials", trials)):
        if val is not None:
            sel &= (table[col].to_numpy() == val) if col != "noise_scale" else np.isclose(
                table[col].to_numpy(dtype=float), val)
    return table.loc[sel]


def _order(df: pd.DataFrame) -> pd.DataFrame:
    rank = {m: i for i, m in enumerate(mechanism_ids())}
    return df.sort_values("mechanism", key=lambda s: s.map(rank), kind="stable")


def _main_table(base: pd.DataFrame) -> str:
    head = ("| mechanism | positives | negatives | not assessed | inconclusive | sensitivity "
            "(95 % CI) | specificity (95 % CI) | AUC (95 % CI) |\n"
            "|---|---:|---:|---:|---:|---|---|---|\n")
    rows = [f"| {r.mechanism} | {r.n_positive} | {r.n_negative} | {r.n_not_assessed} | "
            f"{r.n_inconclusive} | {_ci(r._asdict(), 'sensitivity')} | "
            f"{_ci(r._asdict(), 'specificity')} | {_ci(r._asdict(), 'auc')} |"
            for r in _order(base).itertuples(index=False)]
    return head + "\n".join(rows) + "\n"


def _wide(df: pd.DataFrame, by: str, labels: list[str], what: tuple[str, ...]) -> str:
    """Mechanism rows × (``what`` × level) columns."""
    cols = [(w, lv) for w in what for lv in labels]
    short = {"auc": "AUC", "sensitivity": "sens.", "specificity": "spec."}
    head = "| mechanism | " + " | ".join(f"{short[w]} {lv}" for w, lv in cols) + " |\n"
    head += "|---|" + "---:|" * len(cols) + "\n"
    lines = []
    for mech in mechanism_ids():
        cells = []
        for w, lv in cols:
            v = df.loc[(df["mechanism"] == mech) & (df[by] == lv), w]
            cells.append(_fmt(float(v.iloc[0]), 3) if len(v) else "—")
        lines.append(f"| {mech} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def _noise_label(x: float) -> str:
    return f"{x:g}"


def _changes(df: pd.DataFrame, base: pd.DataFrame, level_col: str, level, min_delta: float):
    """Mechanisms whose AUC moved by at least ``min_delta`` from the baseline run."""
    b = base.set_index("mechanism")["auc"]
    cur = df.loc[df[level_col] == level].set_index("mechanism")["auc"]
    delta = (cur - b.reindex(cur.index)).dropna()
    big = delta[np.abs(delta) >= min_delta]
    return [f"{m} {b[m]:.2f} → {cur[m]:.2f}" for m in mechanism_ids() if m in big.index]


def _findings(table: pd.DataFrame, base: pd.DataFrame) -> list[str]:
    out = []
    spec_hi = int((base["specificity"] >= 0.95).sum())
    sens_lo = int((base["sensitivity"] < 0.2).sum())
    out.append(f"- Headline run: specificity ≥ 0.95 for {spec_hi} of {len(base)} mechanisms, "
               f"sensitivity < 0.20 for {sens_lo}.")
    aucs = base.set_index("mechanism")["auc"].dropna().sort_values()
    if len(aucs):
        out.append(f"- AUC ranges from {aucs.iloc[0]:.2f} ({aucs.index[0]}) to "
                   f"{aucs.iloc[-1]:.2f} ({aucs.index[-1]}); no mechanism is recovered "
                   f"perfectly (AUC ≥ 0.995: "
                   f"{', '.join(aucs[aucs >= 0.995].index) or 'none'}).")
    scen = table.loc[np.isclose(table["noise_scale"], 1.0) & table["trials"].eq("protocol")]
    for name in dict.fromkeys(scen["scenario"]):
        if name == "default":
            continue
        moved = _changes(scen, base, "scenario", name, 0.05)
        out.append(f"- `{name}`: AUC moved by ≥ 0.05 for "
                   + ("; ".join(moved) if moved else "no mechanism") + ".")
    noise = table.loc[table["scenario"].eq("default") & table["trials"].eq("protocol")]
    levels = sorted(set(noise["noise_scale"].astype(float)))
    if len(levels) > 1:
        top = max(levels)
        moved = _changes(noise, base, "noise_scale", top, 0.05)
        out.append(f"- Noise scale {top:g} (every measurement-noise term × {top:g}): AUC "
                   "moved by ≥ 0.05 for " + ("; ".join(moved) if moved else "no mechanism")
                   + ".")
    return out


def recovery_markdown(table: pd.DataFrame, meta: Mapping[str, object]) -> str:
    """The recovery document for a :func:`~painmech.simulation.recovery_study` table.

    Parameters
    ----------
    table : pandas.DataFrame
        :data:`painmech.simulation.VALIDATION_COLUMNS`. The baseline run
        (scenario ``default``, noise scale 1, protocol trials) heads the
        document; without it, the first run in the table does.
    meta : mapping
        ``n``, ``seed``, ``n_controls`` and ``conditions`` of the study (the
        table's ``attrs``).

    Returns
    -------
    str
        Markdown text.

    Raises
    ------
    ValueError
        If the table is empty.
    """
    if table.empty:
        raise ValueError("the recovery table is empty")
    table = table.assign(trials=table["trials"].astype(str),
                         noise_scale=table["noise_scale"].astype(float))
    first = table.iloc[0]
    run = _BASE if len(_select(table, *_BASE)) else (
        first["scenario"], float(first["noise_scale"]), first["trials"])
    base = _select(table, *run)
    n, seed, n_controls = meta["n"], meta["seed"], meta["n_controls"]
    conditions = meta["conditions"]
    cond_text = conditions if isinstance(conditions, str) else ", ".join(conditions)
    trials = _select(table, "default", 1.0)
    trial_levels = list(dict.fromkeys(trials["trials"]))
    scen = _select(table, noise=1.0, trials="protocol")
    scen_levels = list(dict.fromkeys(scen["scenario"]))
    noise = _select(table, "default", trials="protocol")
    noise_levels = sorted(set(noise["noise_scale"]))
    noise = noise.assign(level=noise["noise_scale"].map(_noise_label))
    scen_lines = "\n".join(f"- `{s}` — {SCENARIOS[s].description}"
                           + (" (misspecified)" if SCENARIOS[s].misspecified else "")
                           for s in scen_levels if s in SCENARIOS)
    parts = [
        _HEADER.format(n=n, seed=seed, n_controls=n_controls, conditions=cond_text),
        f"## Results — scenario {run[0]}, noise scale {run[1]:g}, trials {run[2]}\n\n",
        _main_table(base), "\n![Recovery per mechanism and AUC by number of trials]"
        "(recovery.png)\n\n",
        "## Summary (computed from the tables)\n\n", "\n".join(_findings(table, base)), "\n\n",
        _TRIALS_TEXT, _wide(trials, "trials", trial_levels, ("auc", "sensitivity")), "\n",
        _SCENARIO_TEXT.format(scenarios=scen_lines),
        _wide(scen, "scenario", scen_levels, ("auc",)), "\n",
        _wide(scen, "scenario", scen_levels, ("sensitivity",)), "\n",
        _wide(scen, "scenario", scen_levels, ("specificity",)), "\n",
        _NOISE_TEXT,
        _wide(noise, "level", [_noise_label(x) for x in noise_levels],
              ("auc", "sensitivity", "specificity")), "\n",
        _READING,
    ]
    return "".join(parts)


_HEADER = """\
# Recovery validation: which simulated mechanisms does the profiler find?

<!-- Generated by painmech.simulation.recovery_markdown; do not edit by hand.
Regenerate (also after rule changes): painmech validate-profiler --study -o docs/ -->

The virtual-patient simulator (`painmech.simulation`) knows which mechanisms
each virtual patient carries. `painmech.simulation.recovery_study` runs those
patients through the same pipeline a clinic would use and compares the
result with that ground truth:

simulated observations, TMS grids, tDCS series and ROI time series →
`measures.compute_metrics` + `tms_map_metrics` + `homeostatic_metrics` +
`connectivity_metrics` → `norms.ReferenceSet` fitted on a **separate** cohort
of {n_controls} virtual healthy controls from the same scenario and noise
scale (one age band 18–75 years, by sex) → `norms.zscore` →
`mechanisms.profile` (default `ProfileSettings`).

## How it was produced

```
painmech validate-profiler --study --n {n} --seed {seed} --n-controls {n_controls} -o docs/
```

Test cohort: {n} patients ({conditions}), one visit each, seed {seed}
(controls and patients get independent streams,
`numpy.random.SeedSequence({seed}).spawn(2)`). The same virtual patients (same
random draws) appear in every run; only the scenario's prevalence scale
changes who carries what. Files: this page, `recovery.csv` (every run) and
`recovery.png` (default scenario). The rules of `painmech.mechanisms` change
between versions: regenerate this page after changing them.

## Definitions

- Unit: one subject-visit, per mechanism.
- Positive: the mechanism is active in the truth table (its expressed
  parameter differs from the healthy value by at least half the lower end
  of the typical chronic range, `MechanismParam.active_threshold`).
- Sensitivity: share of positives with status `indicated`. Specificity:
  share of negatives *not* `indicated` (`inconclusive` counts as not
  indicated; the number of inconclusive rows is shown). 95 % CIs by the
  Wilson score method (statsmodels `proportion_confint`).
- AUC: `roc_auc_score` (scikit-learn) of the profile's `probability`
  against the truth, 95 % CI from the Hanley & McNeil (1982) standard error.
- `not_assessed` rows are counted and left out.

"""

_TRIALS_TEXT = """\
## By number of trials per repeated test

`trials` sets the repetitions of PPT (every site and side), the thermal
thresholds, VDT, the wind-up singles and trains, the CPM test PPT and the
two-point staircases (`simulate_cohort(trials=...)`). "protocol" keeps each
test's own count (DFNS 3 per threshold, 5 wind-up stimuli, 2 CPM PPTs per
phase, 2 two-point staircases). The reference is fitted on controls measured
with the standard protocol; the profiler widens its error model when fewer
trials than the reference protocol were recorded.

"""

_SCENARIO_TEXT = """\
## By scenario (protocol trials, noise scale 1)

The misspecified scenarios break one assumption of the rules each; the
truth is still the mechanism parameter (`painmech.simulation.SCENARIOS`):

{scenarios}

The definition of "active" does not change with the scenario, so with
smaller effects fewer carriers count as positives, and a mechanism whose
halved deviation never reaches its active threshold has no positives (—);
its carriers then count as negatives and lower the specificity where the
rule still finds them.

"""

_NOISE_TEXT = """\
## By measurement reliability (default scenario, protocol trials)

`noise_scale` multiplies every measurement-noise term of the simulator —
trial-to-trial jitter, rating and questionnaire noise, assay and
segmentation noise, MEP noise, ROI noise and the session-to-session
variation of the tDCS response and of connectivity — in patients and
controls alike; between-person differences are unchanged. At 1 the
simulator is calibrated (`calibration_report`: e.g. homeostatic retest ICC
0.43–0.67, Thapa & Schabrun 2018; mean connectivity edge ICC 0.23–0.36,
Noble et al. 2019). The controls are measured as noisily as the patients, so
the reference spread grows with the noise and z-scores shrink: noisier
measurement mainly costs sensitivity and AUC, while quieter measurement can
cost specificity where a test moves with something other than the mechanism
(FreBAQ with pain). The profiler keeps its sourced ICCs at every scale.

"""

_READING = """\
## How to read this

A mechanism is `indicated` only when the probability that the error-free
value lies beyond z = 1.96 exceeds 0.80. Most simulated effects are the size
of the published *group* differences, so most carriers sit inside the
healthy range: specificity is high and sensitivity low by design, while the
AUC shows whether the probabilities still rank carriers above non-carriers.
These figures describe the simulator's world, calibrated to published group
effects and reliabilities; they are not clinical accuracy estimates.
"""
