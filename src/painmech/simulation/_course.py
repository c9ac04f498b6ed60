"""Course dynamics over days to months: nociception, sensitisation, chronicity.

Three states per patient evolve on the course clock (explicit Euler, one
day per step, vectorised over patients):

* ``n`` — ongoing peripheral nociception (0–1). It heals,
  ``dn/dt = -n / τ_heal``, with an individual healing time (acute, subacute
  and whiplash), or persists (chronic LBP, neck pain). Recurrent LBP
  alternates between episodes and remission at the visits.
* ``S`` — sensitisation state (0–1), relaxing toward
  ``h = 1 - (1 - a n)(1 - S∞)`` with τ_S = 14 days ("days–weeks",
  simulator.md). ``S∞`` is the patient's central set point, a logistic
  function of a vulnerability score built from the active central
  mechanisms, catastrophising and — after whiplash — age ≥ 35,
  hyperarousal and the cold pain threshold (Sterling 2005 Pain 114:141;
  Sterling 2011 Pain 152:1272; Ritchie 2013 Pain 154:2198).
* ``C`` — slow chronic state following ``S`` with τ_C = 120 days, so that
  affective shift and grey-matter change build up over 6–12 months in
  those whose pain persists (Hashmi 2013 Brain 136:2751) and recover with
  relief (Seminowicz 2011 J Neurosci).

Pain intensity is ``π = 1 - (1 - 0.6 n)(1 - 0.8 S)`` (0–1). The weights,
the vulnerability score and its logistic set point are painmech
calibration choices tuned to the course targets (25–50 % of subacute LBP
becomes chronic; whiplash ≈ 50/25/25 % recovered/mild/moderate-severe).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painmech._utils._assumptions import CALIBRATED, CHOICE, declare, declare_table
from painmech.registry import get_measure

__all__ = ["CourseState", "initial_state", "advance", "pain_level", "set_point",
           "course_extras", "onset_intercept"]

_M = "painmech.simulation._course"
_COURSE = ("course targets: 25–50 % of subacute LBP chronic (eLife 2024 review); whiplash "
           "≈ 50/25/25 % (Ritchie 2013 Pain 154:2198)")
TAU_S_DAYS = declare("TAU_S_DAYS", 14.0, "days", "simulator.md (τ of days–weeks); value "
                     "painmech choice", _M, "time constant of the sensitisation state S")
TAU_C_DAYS = declare("TAU_C_DAYS", 120.0, "days", "Hashmi 2013 Brain 136:2751 (shift within "
                     "6–12 months); value painmech choice", _M,
                     "time constant of the chronic state C, which drives grey matter, "
                     "smudging, affective connectivity and tactile acuity; after relief C "
                     "falls with the same τ, so grey matter recovers within months "
                     "(Seminowicz et al. 2011 J Neurosci: DLPFC thicker 6 months after "
                     "effective treatment)")
A_N = declare("A_N", 0.8, "1", CALIBRATED, _M, f"weight of nociception n in the target of S "
              f"({_COURSE})")
PAIN_WEIGHTS = declare("PAIN_WEIGHTS", (0.6, 0.8), "1 (n, S)", CALIBRATED, _M,
                       "pain π = 1 − (1 − 0.6 n)(1 − 0.8 S) (target: PPT vs pain intensity "
                       "r = −0.15, Hübscher 2013, and the course targets)")
# days per month from the registry's calendar conversion (pain_duration units)
DAYS_PER_MONTH = 1.0 / get_measure("pain_duration").units["day"][0]
# vulnerability score → set point (painmech calibration)
R_CENTRE = declare("R_CENTRE", 2.2, "score", CALIBRATED, _M, f"centre of the logistic set "
                   f"point S∞ ({_COURSE})")
R_WIDTH = declare("R_WIDTH", 0.35, "score", CALIBRATED, _M, f"width of the set point "
                  f"({_COURSE})")
R_NOISE = declare("R_NOISE", 0.5, "score", CALIBRATED, _M, f"individual noise of the "
                  f"vulnerability score ({_COURSE})")
W_CENTRAL = declare("W_CENTRAL", {"pressure_hyperalgesia": 0.6, "temporal_summation": 0.6,
                                  "descending_inhibition": 0.6, "cold_hyperalgesia": 2.5,
                                  "functional_connectivity": 0.6}, "score", CALIBRATED, _M,
                    f"vulnerability weight of each carried central mechanism ({_COURSE}; "
                    f"descending inhibition: lower CPM predicted chronic neck pain, Shahidi "
                    f"2015)")
#: After whiplash the cold-pain contribution is graded by the person's own
#: cold pain threshold T = prior CPT + ΔT_cold (°C) instead of by carrying the
#: mechanism: ``W_COLD_WAD · Φ((T − COLD_CUT_DEGC) / COLD_WIDTH_DEGC)``. Cold
#: hyperalgesia soon after the injury predicts the 6-month outcome (Sterling
#: 2005 Pain 114:141) and CPT ≥ 13 °C goes with the moderate/severe
#: trajectory (Sterling 2011 Pain 152:1272, OR 26.3, 5.0–139.1); the centre
#: is that published cut-off, weight and width are painmech calibration
#: choices that reproduce the odds ratio with the 50/25/25 % outcome split.
W_COLD_WAD = declare("W_COLD_WAD", 2.0, "score", CALIBRATED, _M,
                     "whiplash cold-pain weight (target: Sterling 2011 OR 26.3 with the "
                     "50/25/25 % split)")
COLD_CUT_DEGC = declare("COLD_CUT_DEGC", 13.0, "degC", "Sterling et al. 2011 Pain 152:1272",
                        _M, "CPT cut-off of the whiplash severe trajectory")
COLD_WIDTH_DEGC = declare("COLD_WIDTH_DEGC", 2.5, "degC", CALIBRATED, _M,
                          "width of the whiplash cold-pain grading (target: Sterling 2011 OR)")
#: Condition offset of the vulnerability score (painmech calibration so that
#: the course targets hold for each condition's mechanism mix).
R_OFFSET = declare("R_OFFSET", {"healthy": 0.0, "acute_lbp": 0.9, "subacute_lbp": 0.9,
                                "chronic_lbp": 1.2, "recurrent_lbp": 0.9, "neck_pain": 1.2,
                                "whiplash": -1.0}, "score", CALIBRATED, _M,
                   f"condition offset of the vulnerability score ({_COURSE})")
#: Further terms of the vulnerability score.
VULNERABILITY = declare_table("VULNERABILITY", [
    ("pcs_weight", 0.03, "score per PCS point", CALIBRATED, "catastrophising"),
    ("pcs_centre", 15.0, "PCS points", CALIBRATED, "catastrophising centre"),
    ("wad_age_cut", 35.0, "years", "Sterling 2014 J Physiother; Ritchie 2015 JOSPT (age ≥ 35 "
     "moderate/severe)", "whiplash age cut-off"),
    ("wad_age_weight", 0.5, "score", CALIBRATED, f"whiplash age ≥ 35 ({_COURSE})"),
    ("wad_hyper_weight", 0.08, "score per point", CALIBRATED,
     f"whiplash PDS hyperarousal (Sterling 2005; {_COURSE})"),
    ("wad_hyper_centre", 5.0, "PDS points", CALIBRATED, "hyperarousal centre"),
], _M)
# per condition: (n0 low, n0 high, healing median days or inf, S0 fraction of h, C0 frac)
_COND = declare("COND", {
    "healthy": (0.0, 0.0, np.inf, 0.0, 0.0),
    "acute_lbp": (0.7, 1.0, 20.0, 0.5, 0.0),
    "subacute_lbp": (0.5, 0.9, 30.0, 0.5, 0.2),
    "chronic_lbp": (0.3, 0.9, np.inf, 1.0, 1.0),
    "recurrent_lbp": (0.6, 1.0, np.inf, 1.0, 0.6),
    "neck_pain": (0.3, 0.9, np.inf, 1.0, 1.0),
    "whiplash": (0.7, 1.0, 30.0, 0.5, 0.0),
}, "(n0 low, n0 high, healing median days, S0/h, C0/h)", CALIBRATED, _M,
    f"initial course state per condition ({_COURSE})")
_HEAL_LN_SD = declare("HEAL_LN_SD", 0.5, "ln units", CALIBRATED, _M,
                      "spread of individual healing times")
_EPISODE = declare("EPISODE", (0.5, 0.6, 1.0), "(P in episode, n low, n high)", CALIBRATED,
                   _M, "recurrent LBP: chance of an episode at a visit and its nociception")

#: Effective treatment in chronic conditions (relief course).
RELIEF = declare_table("RELIEF", [
    ("p_12m", 0.30, "probability by 12 months", CHOICE,
     "chronic LBP and neck pain: share whose nociception resolves and whose central set "
     "point falls after an effective treatment within a year; start time exponential"),
    ("heal_days", 30.0, "days (median)", CHOICE,
     "healing time of the nociception after treatment starts (log-normal, HEAL_LN_SD)"),
    ("set_point_factor", 0.2, "1", CHOICE,
     "central set point S∞ after effective treatment, relative to before"),
], _M)
#: New neck pain in pain-free people (``onset`` option of simulate_cohort).
ONSET = declare_table("ONSET", [
    ("p_12m", 0.10, "probability by 12 months", "Shahidi & Maluf 2017 BioMed Res Int "
     "8985398: at least 17 of 171 pain-free office workers developed chronic neck pain in "
     "a year (those who returned for follow-up; a lower bound); value painmech choice",
     "cumulative 12-month incidence of new chronic neck pain in healthy people"),
    ("n_range", (0.3, 0.9), "nociception (low, high)", "painmech choice (as neck_pain)",
     "persistent peripheral nociception after onset"),
    ("cpm_log_or", -2.5, "log odds per SD of the PFC–PAG coupling c_PP", CALIBRATED,
     "weaker descending coupling raises the risk (target: OR 0.90, 0.83–0.98, per "
     "percentage point of the baseline CPM effect, Shahidi et al. 2015 J Pain 16:1288; "
     "the unit of their DNIC measure is read as percent of the baseline threshold)"),
], _M)


@dataclass
class CourseState:
    """Course states of N patients (all arrays of shape (N,))."""

    n: np.ndarray
    s: np.ndarray
    c: np.ndarray
    s_inf: np.ndarray
    tau_heal: np.ndarray
    episode: np.ndarray  # recurrent LBP: 1 in an episode, 0 in remission
    t_days: float = 0.0  # days since baseline
    relief_day: np.ndarray | None = None  # effective treatment starts (inf: never)
    onset_day: np.ndarray | None = None  # new neck pain starts (inf: never)
    n_onset: np.ndarray | None = None  # nociception after onset

    def started(self, days: np.ndarray | None) -> np.ndarray:
        """True where an event at ``days`` (per person) has happened by now."""
        if days is None:
            return np.zeros(self.n.shape[0], dtype=bool)
        return days <= self.t_days

    @property
    def in_onset(self) -> np.ndarray:
        """True for pain-free people whose new neck pain has begun."""
        return self.started(self.onset_day)


def set_point(vulnerability: np.ndarray) -> np.ndarray:
    """Central set point ``S∞ = logistic((R - R_c) / w)``."""
    return 1.0 / (1.0 + np.exp(-(vulnerability - R_CENTRE) / R_WIDTH))


def _target(n, s_inf):
    return 1.0 - (1.0 - A_N * n) * (1.0 - s_inf)


def pain_level(n, s) -> np.ndarray:
    """Ongoing pain 0–1, ``1 - (1 - 0.6 n)(1 - 0.8 S)``."""
    a, b = PAIN_WEIGHTS
    return 1.0 - (1.0 - a * n) * (1.0 - b * s)


def initial_state(condition: np.ndarray, vulnerability: np.ndarray,
                  rng: np.random.Generator) -> CourseState:
    """State at the baseline visit for each patient's condition."""
    n_pat = condition.shape[0]
    table = np.array([_COND[c] for c in condition]) if n_pat else np.zeros((0, 5))
    lo, hi, heal, s_frac, c_frac = table.T
    n0 = rng.uniform(lo, hi)
    tau = np.where(np.isfinite(heal), heal * rng.lognormal(0.0, _HEAL_LN_SD, n_pat), np.inf)
    s_inf = np.where(condition == "healthy", 0.0, set_point(vulnerability))
    recurrent = condition == "recurrent_lbp"
    episode = np.where(recurrent, rng.random(n_pat) < _EPISODE[0],
                       ~np.isin(condition, ["healthy"]))
    n0 = np.where(recurrent & ~episode, 0.0, n0)
    h = _target(n0, s_inf)
    s0 = s_frac * h
    c0 = c_frac * h
    return CourseState(n0, s0, c0, s_inf, tau, episode.astype(float))


def _rate(tau: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(tau), 1.0 / np.where(np.isfinite(tau), tau, 1.0), 0.0)


def onset_intercept(p_12m: float, log_or: float) -> float:
    """Intercept a with E[logistic(a + b z)] = ``p_12m`` for z ~ N(0, 1) (Gauss–Hermite)."""
    from scipy.optimize import brentq

    nodes, weights = np.polynomial.hermite_e.hermegauss(41)
    weights = weights / weights.sum()

    def gap(a):
        return float(np.sum(weights / (1.0 + np.exp(-(a + log_or * nodes))))) - p_12m

    return brentq(gap, -30.0, 30.0)


def course_extras(state: CourseState, condition: np.ndarray, rng: np.random.Generator,
                  onset: float | None = None, cpm_z: np.ndarray | None = None) -> CourseState:
    """Add the relief course (chronic conditions) and, if asked, new onsets (healthy).

    Relief: a share :data:`RELIEF` ``p_12m`` of chronic LBP and neck pain get an
    effective treatment at an exponential start time; their nociception then
    heals and their set point falls. Onset: pain-free people develop persistent
    neck pain with 12-month cumulative risk ``logistic(a + b z)``, ``z`` the
    standardised descending coupling ``cpm_z`` (b = ONSET ``cpm_log_or`` < 0:
    weaker inhibition, higher risk; a such that the mean risk is ``onset``).
    Draws come from ``rng`` (its own stream) in a fixed order.
    """
    n_pat = condition.shape[0]
    chronic = np.isin(condition, ["chronic_lbp", "neck_pain"])
    u_relief = rng.random(n_pat)
    hazard = -np.log1p(-RELIEF["p_12m"]) / 365.0
    relief_day = np.where(chronic, -np.log(np.maximum(u_relief, 1e-300)) / hazard, np.inf)
    heal = RELIEF["heal_days"] * rng.lognormal(0.0, _HEAL_LN_SD, n_pat)
    tau = np.where(np.isfinite(relief_day), heal, state.tau_heal)
    onset_day = n_onset = None
    u_onset = rng.random(n_pat)
    level = rng.uniform(*ONSET["n_range"], n_pat)
    if onset:
        z = np.zeros(n_pat) if cpm_z is None else np.asarray(cpm_z, float)
        b = ONSET["cpm_log_or"]
        p = 1.0 / (1.0 + np.exp(-(onset_intercept(float(onset), b) + b * z)))
        day_hazard = -np.log1p(-np.minimum(p, 1.0 - 1e-12)) / 365.0
        onset_day = np.where(condition == "healthy",
                             -np.log(np.maximum(u_onset, 1e-300)) / day_hazard, np.inf)
        n_onset = level
    return CourseState(state.n, state.s, state.c, state.s_inf, tau, state.episode,
                       state.t_days, relief_day, onset_day, n_onset)


def advance(state: CourseState, days: float, condition: np.ndarray,
            rng: np.random.Generator) -> CourseState:
    """Integrate the course over ``days`` (Euler, 1-day steps); returns a new state."""
    n, s, c = state.n.copy(), state.s.copy(), state.c.copy()
    relief = state.relief_day if state.relief_day is not None else np.full(n.shape, np.inf)
    onset = state.onset_day if state.onset_day is not None else np.full(n.shape, np.inf)
    n_on = state.n_onset if state.n_onset is not None else np.zeros(n.shape)
    s_inf_after = np.where(np.isfinite(relief), state.s_inf * RELIEF["set_point_factor"],
                           state.s_inf)
    decay_before = _rate(np.where(np.isfinite(relief), np.inf, state.tau_heal))
    decay_after = _rate(state.tau_heal)
    steps = int(round(days))
    t = state.t_days
    for _ in range(steps):
        treated = relief <= t
        n -= n * np.where(treated, decay_after, decay_before)
        n = np.where(onset <= t, np.maximum(n, n_on), n)
        s += (_target(n, np.where(treated, s_inf_after, state.s_inf)) - s) / TAU_S_DAYS
        c += (s - c) / TAU_C_DAYS
        t += 1.0
    episode = state.episode
    recurrent = condition == "recurrent_lbp"
    if recurrent.any() and steps > 0:
        # a new visit finds a recurrent patient in or out of an episode;
        # episodes last weeks, so S is near its target at the visit
        episode = np.where(recurrent, rng.random(n.shape[0]) < _EPISODE[0],
                           episode).astype(float)
        n = np.where(recurrent, episode * rng.uniform(*_EPISODE[1:], n.shape[0]), n)
        s = np.where(recurrent, _target(n, state.s_inf), s)
    return CourseState(n, s, c, state.s_inf, state.tau_heal, episode, t, state.relief_day,
                       state.onset_day, state.n_onset)
