"""Recovery validation: how well the profile pipeline finds simulated mechanisms.

Virtual patients carry a known set of active mechanisms (the ground truth of
:func:`simulate_cohort`). :func:`validate_profiler` runs them through the real
pipeline — :func:`painmech.measures.compute_metrics` and the instrument
metric families (TMS maps, tDCS series, ROI connectivity) →
:class:`painmech.norms.ReferenceSet` fitted on a separate cohort of virtual
healthy controls → :func:`painmech.norms.zscore` →
:func:`painmech.mechanisms.profile` — and compares each mechanism's status
and probability with the truth (simulator.md, "Validation that matters").

Definitions (per mechanism, over subject-visits):

* positive = the mechanism is active in the truth table (expressed
  parameter at least half the typical chronic deviation from healthy,
  :attr:`MechanismParam.active_threshold`); negative otherwise;
* rows with status ``not_assessed`` are counted and left out;
* sensitivity = share of assessed positives with status ``indicated``;
  specificity = share of assessed negatives *not* ``indicated``
  (``inconclusive`` counts as not indicated; its share is reported);
  95 % CIs by the Wilson score method (statsmodels ``proportion_confint``);
* AUC of ``probability`` against the truth (scikit-learn
  ``roc_auc_score``; rows without a probability left out), with the
  Hanley & McNeil (1982, Radiology 143:29) standard error for a 95 % CI.

A metric that cannot be computed (no positives, or no negatives) is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from painmech.simulation._cohort import INSTRUMENTS, SimulationResult, simulate_cohort
from painmech.simulation._params import CONDITION_IDS, mechanism_ids
from painmech.simulation._scenario import SCENARIOS, Scenario, get_scenario

__all__ = ["RECOVERY_COLUMNS", "VALIDATION_COLUMNS", "pipeline_metrics", "profile_simulation",
           "recovery_study", "recovery_table", "validate_profiler"]

_Z = 1.959963984540054  # 97.5 % normal quantile
_KEY = ["subject", "visit", "mechanism"]

#: Columns of :func:`recovery_table` (and :func:`validate_profiler`, which adds
#: ``trials`` in front).
RECOVERY_COLUMNS = [
    "mechanism", "n", "n_positive", "n_negative", "n_not_assessed", "n_inconclusive",
    "true_positive", "false_positive", "sensitivity", "sensitivity_low", "sensitivity_high",
    "specificity", "specificity_low", "specificity_high", "auc", "auc_low", "auc_high",
    "n_auc",
]


def pipeline_metrics(result: SimulationResult) -> pd.DataFrame:
    """All metrics of a simulated cohort, computed by :mod:`painmech.measures`.

    Observations go through :func:`painmech.measures.compute_metrics`; the
    TMS grid, tDCS series and ROI time series (when simulated) through
    :func:`~painmech.measures.tms_map_metrics`,
    :func:`~painmech.measures.homeostatic_metrics` and
    :func:`~painmech.measures.connectivity_metrics`.
    """
    from painmech.measures import study_metrics

    return study_metrics(result.observations, result.subjects, tms=result.tms,
                         tdcs=result.tdcs, roi=result.roi)


def profile_simulation(result: SimulationResult, reference, *, trunk_cpt: str = "relative",
                       settings=None) -> pd.DataFrame:
    """Score a simulated cohort against ``reference`` and return its profile.

    Parameters
    ----------
    result : SimulationResult
    reference : painmech.norms.ReferenceSet
        A fitted reference set.
    trunk_cpt : {"relative", "absolute"}
        Passed to :func:`painmech.norms.zscore`.
    settings : painmech.mechanisms.ProfileSettings, optional

    Returns
    -------
    pandas.DataFrame
        The profile table (:data:`painmech.mechanisms.PROFILE_COLUMNS`).
    """
    from painmech import mechanisms, norms

    scores = norms.zscore(pipeline_metrics(result), result.subjects, reference,
                          trunk_cpt=trunk_cpt)
    return mechanisms.profile(scores, result.subjects, settings=settings)


def _wilson(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.asarray(k, float), np.asarray(n, float)
    ok = n > 0
    p = np.full(k.shape, np.nan)
    lo, hi = p.copy(), p.copy()
    if ok.any():
        p[ok] = k[ok] / n[ok]
        lo[ok], hi[ok] = proportion_confint(k[ok], n[ok], alpha=0.05, method="wilson")
        # at p = 0 or 1 the Wilson bound equals p up to rounding; keep lo <= p <= hi
        lo[ok], hi[ok] = np.minimum(lo[ok], p[ok]), np.maximum(hi[ok], p[ok])
    return p, lo, hi


def _auc(y: np.ndarray, score: np.ndarray) -> tuple[float, float, float, int]:
    from sklearn.metrics import roc_auc_score

    keep = np.isfinite(score)
    y, score = y[keep], score[keep]
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return np.nan, np.nan, np.nan, int(keep.sum())
    a = float(roc_auc_score(y, score))
    # Hanley & McNeil 1982, eq. 1-2
    q1, q2 = a / (2.0 - a), 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)
    se = float(np.sqrt(max(var, 0.0)))
    return a, max(0.0, a - _Z * se), min(1.0, a + _Z * se), int(keep.sum())


def recovery_table(profile: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per-mechanism agreement of a profile with the ground truth.

    Parameters
    ----------
    profile : pandas.DataFrame
        ``subject, visit, mechanism, status, probability`` (profile table).
    truth : pandas.DataFrame
        ``subject, visit, mechanism, active`` (bool), as in
        :attr:`SimulationResult.truth`.

    Returns
    -------
    pandas.DataFrame
        One row per mechanism with :data:`RECOVERY_COLUMNS` (definitions in
        the module docstring). Proportions are in 0–1.

    Raises
    ------
    ValueError
        If a profile row has no truth row.
    """
    cols = ["subject", "visit", "mechanism", "status", "probability"]
    prof = profile[cols].astype({"subject": str, "mechanism": str, "visit": "int64"})
    tr = truth[[*_KEY, "active"]].astype({"subject": str, "mechanism": str, "visit": "int64"})
    data = prof.merge(tr, on=_KEY, how="left", validate="one_to_one")
    if data["active"].isna().any():
        raise ValueError("profile rows without a ground-truth row (subject, visit, mechanism)")
    data["active"] = data["active"].astype(bool)
    rows = []
    for mech, g in data.groupby("mechanism", sort=False):
        status = g["status"].to_numpy(dtype=object)
        y = g["active"].to_numpy(dtype=bool)
        assessed = status != "not_assessed"
        called = status == "indicated"
        pos, neg = assessed & y, assessed & ~y
        rows.append({
            "mechanism": mech, "n": len(g), "n_positive": int(pos.sum()),
            "n_negative": int(neg.sum()), "n_not_assessed": int((~assessed).sum()),
            "n_inconclusive": int((status == "inconclusive").sum()),
            "true_positive": int((called & pos).sum()),
            "false_positive": int((called & neg).sum()),
            "_auc": _auc(y[assessed], g["probability"].to_numpy(dtype=float)[assessed]),
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in RECOVERY_COLUMNS})
    sens = _wilson(out["true_positive"], out["n_positive"])
    spec = _wilson(out["n_negative"] - out["false_positive"], out["n_negative"])
    for name, (p, lo, hi) in (("sensitivity", sens), ("specificity", spec)):
        out[name], out[f"{name}_low"], out[f"{name}_high"] = p, lo, hi
    auc = np.array(out.pop("_auc").tolist(), dtype=float).reshape(-1, 4)
    out["auc"], out["auc_low"], out["auc_high"] = auc[:, 0], auc[:, 1], auc[:, 2]
    out["n_auc"] = auc[:, 3].astype("int64")
    order = {m: i for i, m in enumerate(mechanism_ids())}
    out = out.sort_values("mechanism", key=lambda s: s.map(order).fillna(len(order)),
                          kind="stable")
    return out[RECOVERY_COLUMNS].reset_index(drop=True)


def _trial_label(trials: int | None) -> str:
    return "protocol" if trials is None else str(int(trials))


#: Columns of :func:`validate_profiler` and :func:`recovery_study`.
VALIDATION_COLUMNS = ["scenario", "noise_scale", "trials", *RECOVERY_COLUMNS]


def _control_key(scenario: Scenario, noise: float) -> tuple:
    """What decides the healthy controls' data: drivers and noise, not effects or prevalence."""
    return scenario.cpt_driver, scenario.frebaq_driver, scenario.cpm_model, float(noise)


def _run_levels(runs, n, seed, conditions, n_controls, visits, instruments, force, trunk_cpt,
                settings) -> pd.DataFrame:
    """Recovery of every ``(scenario, noise_scale, trials)`` in ``runs``."""
    from painmech.norms import ReferenceSet

    s_ref, s_test = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(2))
    references = {}
    parts = []
    for scen, noise, level in runs:
        key = _control_key(scen, noise)
        if key not in references:  # the same healthy controls serve every effect size
            controls = simulate_cohort(n_controls, "healthy", seed=s_ref,
                                       instruments=instruments, noise_scale=noise,
                                       scenario=scen)
            references[key] = ReferenceSet(
                "simulated_controls", synthetic=True, age_bands=(18, 75),
                source=f"{n_controls} virtual healthy controls, seed {seed}, scenario "
                       f"{scen.name}, noise scale {noise:g}"
            ).fit(pipeline_metrics(controls), controls.subjects)
        cohort = simulate_cohort(n, conditions, visits, seed=s_test, instruments=instruments,
                                 force=force, trials=level, noise_scale=noise, scenario=scen)
        prof = profile_simulation(cohort, references[key], trunk_cpt=trunk_cpt,
                                  settings=settings)
        table = recovery_table(prof, cohort.truth)
        table.insert(0, "trials", _trial_label(level))
        table.insert(0, "noise_scale", float(noise))
        table.insert(0, "scenario", scen.name)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update({"seed": seed, "n": n, "n_controls": n_controls,
                      "conditions": conditions if isinstance(conditions, str)
                      else list(conditions)})
    return out


def _check_levels(trials, scenarios, noise_scales):
    levels = list(trials)
    if not levels:
        raise ValueError("trials must list at least one level (None = protocol counts)")
    scens = [get_scenario(s) for s in scenarios]
    if not scens:
        raise ValueError("scenarios must name at least one scenario")
    noises = [float(x) for x in noise_scales]
    bad = [x for x in noises if not (np.isfinite(x) and x > 0)]
    if not noises or bad:
        raise ValueError(f"noise_scales must be finite numbers > 0; got {list(noise_scales)}")
    return levels, scens, noises


def validate_profiler(
    n: int = 2000,
    seed: int = 1,
    conditions: str | Sequence[str] | Mapping[str, float] | None = None,
    trials: Sequence[int | None] = (None, 1, 3, 5),
    *,
    n_controls: int = 600,
    visits: int | Sequence[float] = 1,
    instruments: Sequence[str] = INSTRUMENTS,
    force: Mapping[str, float] | None = None,
    trunk_cpt: str = "relative",
    settings=None,
    scenarios: Sequence[str | Scenario] = ("default",),
    noise_scales: Sequence[float] = (1.0,),
) -> pd.DataFrame:
    """Recovery of the simulated mechanisms by the profile pipeline.

    Every combination of ``scenarios``, ``noise_scales`` and ``trials`` is
    run (see :func:`recovery_study` for the three one-at-a-time sweeps of
    ``docs/recovery.md``).

    Parameters
    ----------
    n : int
        Virtual patients in the test cohort.
    seed : int
        Seed; the control cohort and the test cohort get independent streams
        (``numpy.random.SeedSequence(seed).spawn(2)``).
    conditions : str, sequence, mapping or None
        Conditions of the test cohort (see :func:`simulate_cohort`); default
        the six patient conditions in equal shares.
    trials : sequence of int or None
        Repetitions per repeated test in the test cohort (see
        :func:`simulate_cohort`); ``None`` = each protocol's own count. The
        same virtual patients (same seed) are measured at every level; the
        reference is always fitted on controls measured with the standard
        protocol, as a clinic would use published or lab norms.
    n_controls : int
        Virtual healthy controls the reference set is fitted on (one band
        18–75 years, by sex; ``min_n`` 10).
    visits : int or sequence of float
        Visits of the test cohort; every subject-visit is one unit.
    instruments : sequence of str
        Instrument tables to simulate (TMS, tDCS, ROI), in both cohorts.
    force : mapping, optional
        Fix mechanism parameters in the test cohort (see
        :func:`simulate_cohort`).
    trunk_cpt : {"relative", "absolute"}
        How :func:`painmech.norms.zscore` treats trunk CPT.
    settings : painmech.mechanisms.ProfileSettings, optional
    scenarios : sequence of str or Scenario
        Worlds to simulate (:data:`painmech.simulation.SCENARIOS`). The
        controls come from the same world (a misspecified test is
        misspecified in the lab's own controls too).
    noise_scales : sequence of float
        Measurement-noise multipliers (:func:`simulate_cohort`), applied to
        patients and controls alike; the profiler keeps its sourced ICCs, as a
        clinic would.

    Returns
    -------
    pandas.DataFrame
        :data:`VALIDATION_COLUMNS`: ``scenario``, ``noise_scale``, ``trials``
        (str: ``"protocol"`` or the number) followed by
        :data:`RECOVERY_COLUMNS`; one row per combination and mechanism.
        ``attrs`` record ``seed``, ``n``, ``n_controls`` and ``conditions``.
    """
    if conditions is None:
        conditions = [c for c in CONDITION_IDS if c != "healthy"]
    levels, scens, noises = _check_levels(trials, scenarios, noise_scales)
    runs = [(sc, no, lv) for sc in scens for no in noises for lv in levels]
    return _run_levels(runs, n, seed, conditions, n_controls, visits, instruments, force,
                       trunk_cpt, settings)


#: Default sweeps of :func:`recovery_study`.
STUDY_TRIALS: tuple[int | None, ...] = (None, 1, 3, 5)
STUDY_NOISE_SCALES: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)


def recovery_study(
    n: int = 2000,
    seed: int = 1,
    conditions: str | Sequence[str] | Mapping[str, float] | None = None,
    *,
    trials: Sequence[int | None] = STUDY_TRIALS,
    scenarios: Sequence[str | Scenario] | None = None,
    noise_scales: Sequence[float] = STUDY_NOISE_SCALES,
    n_controls: int = 600,
    instruments: Sequence[str] = INSTRUMENTS,
    trunk_cpt: str = "relative",
    settings=None,
) -> pd.DataFrame:
    """The recovery study of ``docs/recovery.md``: three one-at-a-time sweeps.

    Starting from the default scenario, the protocol's trial counts and noise
    scale 1, it varies (1) the number of trials, (2) the scenario and (3) the
    noise scale, each with the other two at their defaults; the shared
    baseline run is done once.

    Parameters
    ----------
    n, seed, conditions, n_controls, instruments, trunk_cpt, settings
        As in :func:`validate_profiler`.
    trials : sequence of int or None
        Trial levels of sweep (1).
    scenarios : sequence of str or Scenario, optional
        Scenarios of sweep (2); default every named scenario.
    noise_scales : sequence of float
        Noise scales of sweep (3).

    Returns
    -------
    pandas.DataFrame
        :data:`VALIDATION_COLUMNS`, one row per run and mechanism.
    """
    if conditions is None:
        conditions = [c for c in CONDITION_IDS if c != "healthy"]
    levels, scens, noises = _check_levels(trials, scenarios if scenarios is not None
                                          else list(SCENARIOS), noise_scales)
    base = get_scenario("default")
    runs = [(base, 1.0, None)]
    runs += [(base, 1.0, lv) for lv in levels if lv is not None]
    runs += [(sc, 1.0, None) for sc in scens if sc.name != base.name]
    runs += [(base, no, None) for no in noises if no != 1.0]
    return _run_levels(runs, n, seed, conditions, n_controls, 1, instruments, None, trunk_cpt,
                       settings)
