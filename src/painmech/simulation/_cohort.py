"""Virtual cohorts: patients, course between visits and the full test battery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._assumptions import CHOICE, declare
from painmech.simulation import _battery, _clinical, _reflex, _visit
from painmech.simulation._connectivity import ROIS, TR_S, roi_series
from painmech.simulation._course import (
    DAYS_PER_MONTH,
    advance,
    course_extras,
    initial_state,
    pain_level,
)
from painmech.simulation._inputs import check_onset, durations, visit_months
from painmech.simulation._params import MECHANISM_PARAMS, mechanism_ids
from painmech.simulation._plasticity import TIMEPOINTS, tdcs_meps
from painmech.simulation._population import Population, sample_population
from painmech.simulation._scenario import Scenario, get_scenario
from painmech.simulation._tables import STR, grid_frame, observations_frame, strings
from painmech.simulation._tms import GRID_X, GRID_Y, MUSCLES, tms_maps

__all__ = ["SimulationResult", "simulate_cohort", "INSTRUMENTS"]

#: Optional instruments: the three instrument tables and two observation families
#: (withdrawal-reflex thresholds ``nwr``, tender-point examination ``palpation``).
INSTRUMENTS = ("tms", "tdcs", "roi", "nwr", "palpation")
_ROI_PARQUET_ROWS = 2_000_000
_M = "painmech.simulation._cohort"
EXPRESSION_SATURATION = declare("EXPRESSION_SATURATION", 0.5, "course state", CHOICE, _M,
                                "a mechanism is fully expressed once its course driver "
                                "reaches this value")
GM_SATURATION = declare("GM_SATURATION", 1.0, "course state", CHOICE, _M,
                        "grey matter follows the chronic state C linearly (saturation at "
                        "C = 1): it starts to recover as soon as C falls after relief "
                        "(Seminowicz et al. 2011 J Neurosci: DLPFC thicker 6 months after "
                        "effective treatment); with the common saturation at 0.5 it stayed "
                        "unchanged until C had halved, and the 12-month change after relief "
                        "was about 0.1 SD")
_LATENT = ("n", "s", "c", "s_inf", "pain", "vulnerability")
@dataclass
class SimulationResult:
    """Tables of a simulated cohort, in painmech's data contract (design.md §3).

    Attributes
    ----------
    subjects : DataFrame
        ``subject, sex, age, condition``.
    observations : DataFrame
        ``subject, visit, measure, site, side, trial, value, unit`` in canonical
        units (registry).
    tms : DataFrame
        ``subject, visit, muscle, hemisphere, x_cm, y_cm, stimulus, mep_uv``.
    tdcs : DataFrame
        ``subject, visit, timepoint, pulse, mep_uv``.
    roi : DataFrame
        ``subject, visit, roi, t, signal`` (``t`` in seconds, signal in a.u.).
    truth : DataFrame
        ``subject, visit, mechanism, parameter, value, active``: the expressed
        parameter of every mechanism at every visit.
    latent : DataFrame
        ``subject, visit, parameter, value``: course states (n, s, c, s_inf,
        pain 0–1, vulnerability).
    seed : int or None
    """

    subjects: pd.DataFrame
    observations: pd.DataFrame
    tms: pd.DataFrame
    tdcs: pd.DataFrame
    roi: pd.DataFrame
    truth: pd.DataFrame
    latent: pd.DataFrame
    seed: int | None = None
    files: dict[str, Path] = field(default_factory=dict, repr=False)

    def write(self, directory: str | Path, roi_format: str = "auto") -> dict[str, Path]:
        """Write every table to ``directory`` (created if needed).

        Files: ``subjects.csv, observations.csv, tms.csv, tdcs.csv, truth.csv,
        latent.csv`` and ``roi.csv`` — or ``roi.parquet`` when ``roi_format``
        is ``"parquet"``, or ``"auto"`` and the table has more than two million
        rows. The same seed gives byte-identical files.

        Returns
        -------
        dict of str to Path
            Table name → file written.
        """
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if roi_format not in ("auto", "csv", "parquet"):
            raise ValueError(f"roi_format must be 'auto', 'csv' or 'parquet'; got {roi_format!r}")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        opts = pacsv.WriteOptions(quoting_style="none")
        files = {}
        for name in ("subjects", "observations", "tms", "tdcs", "roi", "truth", "latent"):
            df = getattr(self, name)
            table = pa.Table.from_pandas(df, preserve_index=False)
            parquet = name == "roi" and (roi_format == "parquet" or (
                roi_format == "auto" and len(df) > _ROI_PARQUET_ROWS))
            if parquet:
                path = out / f"{name}.parquet"
                pq.write_table(table.replace_schema_metadata(None), path)
            else:
                path = out / f"{name}.csv"
                pacsv.write_csv(table, path, opts)
            files[name] = path
        self.files = files
        return files


#: Grey-matter loss per year of pain as a fraction of the volume: Apkarian et al. 2004
#: J Neurosci 24:10410 found 1.3 cm³ less neocortical grey matter per year of chronic back
#: pain. The volume that turns this into a fraction is the mean total cortical grey matter
#: (aseg.stats ``CortexVol``) of the two FreeSurfer example subjects in tests/data/freesurfer:
#: (481.3 + 606.7) / 2 = 544.0 cm³ (n = 2, so an order of magnitude, not a norm), giving
#: 1.3 / 544 = 0.0024 per year.
GM_LOSS_PER_YEAR = declare("GM_LOSS_PER_YEAR", 1.3 / 544.0, "fraction per year",
                           "Apkarian et al. 2004 J Neurosci 24:10410 (1.3 cm³ per year of "
                           "neocortex) over 544 cm³ cortical grey matter of the two FreeSurfer "
                           "example subjects", _M,
                           "grey-matter loss per year of pain in carriers (whole-neocortex "
                           "figure applied to the regions)")


def expressed(pop: Population, state, force: Mapping[str, float] | None,
              duration_months: np.ndarray | None = None) -> dict:
    """Expressed parameter of each mechanism.

    ``healthy + (trait - healthy) * min(1, driver / 0.5)``: a mechanism is
    fully expressed once its course driver reaches half its range and fades
    as the driver relaxes below it (saturation point: painmech calibration).
    Grey matter follows the chronic state linearly (:data:`GM_SATURATION`)
    and a carrier also loses :data:`GM_LOSS_PER_YEAR` per year of pain
    duration (Apkarian 2004), scaled by the same driver, so that it recovers
    with relief with the time constant of C (Seminowicz 2011).
    """
    sat = {k: np.minimum(1.0, v / EXPRESSION_SATURATION) for k, v in
           (("n", state.n), ("S", state.s), ("C", state.c))}
    drivers = {**sat, "trait": np.ones(pop.n)}
    eff = {}
    for j, m in enumerate(mechanism_ids()):
        p = MECHANISM_PARAMS[m]
        eff[p.parameter] = p.healthy + (pop.trait[:, j] - p.healthy) * drivers[p.driver]
        if m == "grey_matter":
            gm_driver = np.minimum(1.0, state.c / GM_SATURATION)
            eff[p.parameter] = p.healthy + (pop.trait[:, j] - p.healthy) * gm_driver
        if m == "grey_matter" and duration_months is not None:
            carrier = pop.trait[:, j] != p.healthy
            eff[p.parameter] = eff[p.parameter] + np.where(
                carrier, GM_LOSS_PER_YEAR * np.asarray(duration_months) / 12.0, 0.0
            ) * gm_driver
        if force and m in force:
            eff[p.parameter] = np.full(pop.n, float(force[m]))
    return eff


def simulate_cohort(
    n: int,
    conditions: str | Sequence[str] | Mapping[str, float] | None = None,
    visits: int | Sequence[float] = 1,
    seed: int | None = 0,
    *,
    interval_months: float = 6.0,
    instruments: Sequence[str] = INSTRUMENTS,
    roi_timepoints: int = 150,
    tms_stimuli: int = 2,
    force: Mapping[str, float] | None = None,
    trials: int | None = None,
    noise_scale: float = 1.0,
    scenario: str | Scenario | None = None,
    onset: bool | float = False,
) -> SimulationResult:
    """Simulate a cohort of virtual patients through the full test battery.

    Parameters
    ----------
    n : int
        Number of virtual patients (≥ 1).
    conditions : str, sequence of str, mapping or None
        Condition ids (registry); a mapping gives shares. ``None``: all seven
        conditions in equal shares. Patients are grouped by condition.
    visits : int or sequence of float
        Number of visits ``interval_months`` apart, or the visit times in
        months since baseline (starting at 0). Visits are numbered 0, 1, …;
        the course model runs between them.
    seed : int or None
        Seed of the numpy Generator; the same seed gives identical tables.
    interval_months : float
        Months between visits when ``visits`` is an int.
    instruments : sequence of {"tms", "tdcs", "roi", "nwr", "palpation"}
        Instrument tables to simulate (the others are returned empty) and the
        optional observation families: ``nwr`` (withdrawal-reflex thresholds
        ``nwr_threshold``, ``nwr_ts_threshold``) and ``palpation`` (the 18
        ACR ``tender_point`` flags), see :mod:`painmech.simulation._reflex`.
    roi_timepoints : int
        Volumes per ROI time series (TR 2 s).
    tms_stimuli : int
        Stimuli per TMS grid site.
    force : mapping mechanism id → value, optional
        Fix the *expressed* parameter of these mechanisms in every patient
        and visit (ground truth follows). Used to switch one mechanism on in
        otherwise healthy people.
    trials : int, optional
        Repetitions of every repeated test: PPT at each site and side,
        thermal thresholds (and TSL/PHS), VDT, the wind-up singles and
        trains, the CPM test PPT and two-point discrimination. ``None`` keeps
        each protocol's own count (DFNS 3 per threshold and 5 wind-up
        stimuli, 2 CPM PPTs per phase, 2 two-point staircases). Used to study
        how recovery depends on the number of trials.
    noise_scale : float
        Multiplier (> 0) of every measurement-noise term — trial-to-trial
        jitter, rating and answer noise, assay and segmentation noise, MEP
        noise, ROI noise and the session-to-session variation of the tDCS
        response and of connectivity. Between-person differences are not
        scaled. 1 is the calibrated simulator; the same seed gives the same
        people and the same underlying random draws at every scale.
    scenario : str or Scenario, optional
        A named scenario of :data:`painmech.simulation.SCENARIOS` (default
        ``"default"``) or a :class:`~painmech.simulation.Scenario`: changes
        effect sizes, prevalences or what drives a test (misspecified worlds).
    onset : bool or float
        Let pain-free (``healthy``) people develop persistent neck pain during
        follow-up: ``True`` uses the declared 12-month incidence
        (:data:`painmech.simulation._course.ONSET`), a number in (0, 1) sets
        it. Weaker descending coupling raises the risk (Shahidi 2015). Their
        condition stays ``healthy`` (the condition at enrolment); pain
        intensity and ``pain_state`` report the new pain. Default: nobody
        healthy develops pain.

    Every visit, including the first, measures each person on one day: the
    day-to-day deviations of :mod:`painmech.simulation._visit` act on the
    person's parameters before the tests run (retest reliability).

    Returns
    -------
    SimulationResult
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    bad = [i for i in instruments if i not in INSTRUMENTS]
    if bad:
        raise ValueError(f"unknown instrument(s) {bad}; choose from {', '.join(INSTRUMENTS)}")
    unknown = [m for m in (force or {}) if m not in MECHANISM_PARAMS]
    if unknown:
        raise ValueError(f"unknown mechanism(s) in force: {unknown}")
    if trials is not None and (not isinstance(trials, (int, np.integer)) or trials < 1):
        raise ValueError(f"trials must be a positive integer or None; got {trials!r}")
    if not (isinstance(noise_scale, (int, float, np.integer, np.floating))
            and not isinstance(noise_scale, bool) and np.isfinite(noise_scale)
            and noise_scale > 0):
        raise ValueError(f"noise_scale must be a finite number > 0; got {noise_scale!r}")
    noise = float(noise_scale)
    onset_p = check_onset(onset)
    scen = get_scenario(scenario)
    months = visit_months(visits, interval_months)
    rng = np.random.default_rng(seed)
    rng_person, rng_visit, rng_course = _visit.streams(seed)
    pop = sample_population(int(n), conditions, rng, force, scen)
    _visit.person_extras(pop, rng_person)
    state = initial_state(pop.condition, pop.vulnerability, rng)
    duration0 = durations(pop.condition, rng)
    c_pp = pop.nuisance["c_pp"]
    state = course_extras(state, pop.condition, rng_course, onset_p,
                          (c_pp - c_pp.mean()) / max(float(c_pp.std()), 1e-12)
                          if onset_p else None)
    visit_ids = list(range(len(months)))
    obs, truth, latent, tms, tdcs, roi = [], [], [], [], [], []
    mep_params = np.column_stack([pop.nuisance[f"mep_p{i}"] for i in range(1, 6)])
    for v, month in enumerate(months):
        if v > 0:
            state = advance(state, (month - months[v - 1]) * DAYS_PER_MONTH, pop.condition, rng)
        eff = expressed(pop, state, force, duration0 + month)
        pain = pain_level(state.n, state.s)
        day = _visit.day_nuisance(pop, rng_visit, noise)
        blocks = _battery.qst_blocks(day, eff, rng, trials, noise, scen)
        ppt_lumbar = next(b[4] for b in blocks if b[0] == "ppt" and b[1] == "lumbar"
                          and b[2] == "right").mean(axis=1)
        blocks += _battery.tsp_cpm_blocks(day, eff, ppt_lumbar, rng, trials, noise, scen)
        local_l = _battery._local(pop, "lumbar")
        local_c = _battery._local(pop, "cervical")
        blocks += _clinical.tactile_blocks(day, eff["beta_2pd"], local_l, local_c, pain, rng,
                                           trials, noise, scen)
        blocks += _clinical.blood_blocks(day, eff["iota"], rng, noise)
        blocks += _clinical.imaging_blocks(day, eff["delta_gm"], rng, noise)
        duration = duration0 + month
        if state.onset_day is not None:  # new pain lasts since its onset
            duration = np.where(state.in_onset, (state.t_days - np.minimum(
                state.onset_day, state.t_days)) / DAYS_PER_MONTH, duration)
        blocks += _clinical.clinical_blocks(day, pain, state.s, duration,
                                            state.episode, rng, noise,
                                            in_pain=state.in_onset)
        if "nwr" in instruments:
            blocks += _reflex.nwr_blocks(day, eff, eff["k_w"], rng_visit, trials, noise)
        if "palpation" in instruments:
            blocks += _reflex.tender_blocks(day, eff, eff["k_w"], lambda site: _battery._local(
                pop, site), rng_visit, noise)
        obs.append(blocks)
        truth.append(np.column_stack([eff[MECHANISM_PARAMS[m].parameter]
                                      for m in mechanism_ids()]))
        latent.append(np.column_stack([state.n, state.s, state.c, state.s_inf, pain,
                                       pop.vulnerability]))
        nz = pop.nuisance
        if "tms" in instruments:
            tms.append(np.round(tms_maps(mep_params, eff["s_smudge"], rng, tms_stimuli,
                                         noise), 1))
        if "tdcs" in instruments:
            tdcs.append(np.round(tdcs_meps(mep_params, eff["g_meta"], rng,
                                           person_z=nz["tdcs_z"], noise=noise), 1))
        if "roi" in instruments:
            roi.append(np.round(roi_series(eff["lambda_aff"], nz["c_pp"], roi_timepoints, rng,
                                           person_z=(nz["fc_lambda_z"], nz["fc_strength_z"]),
                                           noise=noise).astype(float), 3))
    return SimulationResult(
        subjects=_subjects(pop),
        observations=observations_frame(pop.subject, visit_ids, obs),
        tms=_tms_frame(pop, visit_ids, tms, tms_stimuli),
        tdcs=_tdcs_frame(pop, visit_ids, tdcs),
        roi=_roi_frame(pop, visit_ids, roi, roi_timepoints),
        truth=_truth_frame(pop, visit_ids, truth),
        latent=grid_frame(pop.subject, visit_ids, latent, [("parameter", np.array(_LATENT))],
                          "value"),
        seed=seed,
    )


def _subjects(pop: Population) -> pd.DataFrame:
    return pd.DataFrame({
        "subject": pd.Series(pop.subject, dtype=STR),
        "sex": pd.Series(pop.sex, dtype=STR),
        "age": pop.age.astype(np.float64),
        "condition": pd.Series(pop.condition, dtype=STR),
    })


def _truth_frame(pop, visit_ids, arrays) -> pd.DataFrame:
    mids = mechanism_ids()
    df = grid_frame(pop.subject, visit_ids, arrays, [("mechanism", np.array(mids))], "value")
    params = [MECHANISM_PARAMS[m] for m in mids]
    k = len(mids)
    code = np.tile(np.arange(k), len(df) // k)
    df.insert(3, "parameter", strings(code, [p.parameter for p in params]))
    healthy = np.array([p.healthy for p in params])[code]
    thr = np.array([p.active_threshold for p in params])[code]
    df["active"] = np.abs(df["value"].to_numpy() - healthy) >= thr
    return df


def _tms_frame(pop, visit_ids, arrays, stimuli) -> pd.DataFrame:
    cols = ["subject", "visit", "muscle", "hemisphere", "x_cm", "y_cm", "stimulus", "mep_uv"]
    if not arrays:
        return _empty(cols, {"visit": "int64", "x_cm": "float64", "y_cm": "float64",
                             "stimulus": "int64", "mep_uv": "float64"})
    gx, gy = np.meshgrid(GRID_X, GRID_Y, indexing="ij")
    sites = np.arange(gx.size)
    df = grid_frame(pop.subject, visit_ids, arrays,
                    [("muscle", np.array(MUSCLES)), ("site", sites),
                     ("stimulus", np.arange(1, stimuli + 1))], "mep_uv")
    site = df.pop("site").to_numpy()
    df.insert(3, "hemisphere", strings(np.zeros(len(df), dtype=np.int64), ["left"]))
    df.insert(4, "x_cm", gx.ravel()[site].astype(np.float64))
    df.insert(5, "y_cm", gy.ravel()[site].astype(np.float64))
    df["stimulus"] = df["stimulus"].astype(np.int64)
    return df[cols]


def _tdcs_frame(pop, visit_ids, arrays) -> pd.DataFrame:
    cols = ["subject", "visit", "timepoint", "pulse", "mep_uv"]
    if not arrays:
        return _empty(cols, {"visit": "int64", "pulse": "int64", "mep_uv": "float64"})
    pulses = arrays[0].shape[-1]
    return grid_frame(pop.subject, visit_ids, arrays,
                      [("timepoint", np.array(TIMEPOINTS)),
                       ("pulse", np.arange(1, pulses + 1, dtype=np.int64))], "mep_uv")


def _roi_frame(pop, visit_ids, arrays, n_t) -> pd.DataFrame:
    cols = ["subject", "visit", "roi", "t", "signal"]
    if not arrays:
        return _empty(cols, {"visit": "int64", "t": "float64", "signal": "float64"})
    return grid_frame(pop.subject, visit_ids, arrays,
                      [("roi", np.array(ROIS)), ("t", np.arange(n_t) * TR_S)], "signal",
                      dtypes={"t": np.float64})


def _empty(cols, dtypes) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, STR)) for c in cols})
