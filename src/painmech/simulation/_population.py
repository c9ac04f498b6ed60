"""Virtual patients: conditions, active mechanisms, traits and nuisance priors.

Nuisance priors and their sources (anything not sourced is marked as a
painmech assumption; such numbers shape the synthetic population only and
are never used as reference values):

* PPT: Gumbel with location 0.843 MPa and scale 0.282 MPa (Gerling/Viggiani
  mechanical nociception model, simulator.md [R]), rescaled by 0.5 to the
  1 cm² algometer in kPa (assumption: gives a healthy mean near 500 kPa, the
  baseline implied by the secondary CPM source in evidence.md §4). Women
  0.85 × (direction: Pfau 2014 Pain 155:1002; size assumed). Site and side
  deviations log-normal (SD 0.15 and 0.05; assumed).
* Cold pain threshold: mixture with modes 23.7 / 13.2 / 1.5 °C (Lötsch 2015
  PLoS One); weights (0.15, 0.42, 0.43) and SD 3 °C are assumptions.
* Heat pain threshold: N(44, 2.5) °C (assumption inside the 32.3–45.4 °C
  span of modes reported by Ultsch 2015).
* Pinprick threshold log-normal, median 64 mN; tactile detection median
  2 mN; vibration 6.5/8; thermal detection 1.5 °C cold, 3 °C warm
  (assumptions within the DFNS stimulus ranges, Rolke 2006).
* PCS, DASS-21 stress and PDS hyperarousal: normal priors, higher in
  patients (assumption; hyperarousal highest after whiplash, Sterling 2005).
* Blood markers log-normal; healthy CRP median 1 mg/L (assumption at the
  Pearson 2003 category boundary), IL-6 1.5, TNF-α 1.5, IL-1β 0.5 pg/mL
  (assumptions).
* eTIV N(1.6e6 male, 1.45e6 female; SD 1.2e5) mm³; DLPFC grey matter
  1.45 % and thalamus 0.50 % of eTIV per hemisphere (order of magnitude of
  the two FreeSurfer example subjects in painmech's shared test data).
* MEP model parameters: see :mod:`painmech.simulation._tms`.
* PFC–PAG coupling ``c_PP ~ N(1, 0.6)`` (assumption; negative values give
  the CPM facilitation seen in some healthy people, Schliessbach 2019).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from painmech.simulation._course import (
    COLD_CUT_DEGC,
    COLD_WIDTH_DEGC,
    R_NOISE,
    R_OFFSET,
    W_CENTRAL,
    W_COLD_WAD,
)
from painmech.simulation._params import (
    CONDITION_IDS,
    COPULA_RHO,
    MECHANISM_PARAMS,
    PREVALENCE,
    mechanism_ids,
)
from painmech.simulation._tms import sample_mep_params

__all__ = ["Population", "allocate_conditions", "sample_population", "PPT_SITES"]

PPT_SITES = ("lumbar", "trapezius", "scapula", "tibialis_anterior", "thenar")
QST_SITES = ("lumbar", "cervical")
CPM_TEST_SITE = "forearm"
_COLD_MODES = np.array([23.7, 13.2, 1.5])
_COLD_WEIGHTS = np.array([0.15, 0.42, 0.43])


@dataclass
class Population:
    """N virtual patients: identity, mechanism traits and nuisance parameters.

    All arrays have leading axis N. ``trait`` holds each mechanism's trait
    value (the healthy value where the mechanism is not carried).
    """

    subject: np.ndarray
    sex: np.ndarray
    age: np.ndarray
    condition: np.ndarray
    carried: np.ndarray  # (N, 10) bool
    trait: np.ndarray  # (N, 10)
    vulnerability: np.ndarray
    nuisance: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of patients."""
        return self.subject.shape[0]


def allocate_conditions(n: int, conditions) -> np.ndarray:
    """Condition of each of ``n`` patients, grouped in the order given.

    ``conditions`` is ``None`` (all seven, equal shares), one id, a sequence
    of ids (equal shares) or a mapping id → share. Counts use the largest
    remainder so they sum to ``n``.
    """
    if conditions is None:
        shares = dict.fromkeys(CONDITION_IDS, 1.0)
    elif isinstance(conditions, str):
        shares = {conditions: 1.0}
    elif isinstance(conditions, Mapping):
        shares = {str(k): float(v) for k, v in conditions.items()}
    elif isinstance(conditions, Sequence):
        shares = dict.fromkeys((str(c) for c in conditions), 1.0)
    else:
        raise TypeError(f"conditions must be None, a str, a sequence or a mapping; got "
                        f"{type(conditions).__name__}")
    unknown = [c for c in shares if c not in CONDITION_IDS]
    if unknown:
        raise ValueError(f"unknown condition(s) {unknown}; known: {', '.join(CONDITION_IDS)}")
    if not shares or any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
        raise ValueError("condition shares must be non-negative and not all zero")
    keys = list(shares)
    w = np.array([shares[k] for k in keys]) / sum(shares.values())
    raw = w * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return np.repeat(np.array(keys, dtype=object), counts)


def sample_population(n: int, conditions, rng: np.random.Generator,
                      force: Mapping[str, float] | None = None) -> Population:
    """Draw ``n`` virtual patients.

    Parameters
    ----------
    n : int
    conditions : see :func:`allocate_conditions`
    rng : numpy.random.Generator
    force : mapping mechanism → trait value, optional
        Give every patient this trait value for the named mechanisms (and
        mark them carried when it differs from healthy). Used to switch one
        mechanism on in isolation.
    """
    cond = allocate_conditions(n, conditions)
    width = max(6, len(str(n)))
    subject = np.array([f"sim{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    sex = np.where(rng.random(n) < 0.5, "female", "male").astype(object)
    age = np.round(rng.uniform(20.0, 70.0, n), 1)
    cidx = np.array([CONDITION_IDS.index(c) for c in cond], dtype=int)
    prev = PREVALENCE[cidx]  # (N, 10)
    shared = rng.standard_normal((n, 1))
    z = np.sqrt(COPULA_RHO) * shared + np.sqrt(1 - COPULA_RHO) * rng.standard_normal((n, 10))
    carried = ndtr(z) < prev
    mids = mechanism_ids()
    trait = np.empty((n, 10))
    for j, m in enumerate(mids):
        p = MECHANISM_PARAMS[m]
        draw = rng.uniform(p.low, p.high, n)
        trait[:, j] = np.where(carried[:, j], draw, p.healthy)
    for m, value in (force or {}).items():
        j = mids.index(m)
        trait[:, j] = value
        carried[:, j] = abs(value - MECHANISM_PARAMS[m].healthy) > 0
    nz = _nuisance(n, cond, sex, rng)
    wad = cond == "whiplash"
    j_cold = mids.index("cold_hyperalgesia")
    vul = sum(W_CENTRAL[m] * carried[:, mids.index(m)] for m in W_CENTRAL
              if m != "cold_hyperalgesia")
    # cold: carried weight, or after whiplash graded by the cold pain threshold
    cold_t = nz["cpt0"] + trait[:, j_cold]
    vul = vul + np.where(
        wad, W_COLD_WAD * ndtr((cold_t - COLD_CUT_DEGC) / COLD_WIDTH_DEGC),
        W_CENTRAL["cold_hyperalgesia"] * carried[:, j_cold])
    vul = vul + 0.03 * (nz["pcs"] - 15.0) + rng.normal(0.0, R_NOISE, n)
    vul = vul + np.array([R_OFFSET[c] for c in cond])
    vul = vul + wad * (0.5 * (age >= 35) + 0.08 * (nz["pds_hyperarousal"] - 5.0))
    return Population(subject, sex, age, cond, carried, trait, vul, nz)


def _nuisance(n, cond, sex, rng) -> dict[str, np.ndarray]:
    patient = cond != "healthy"
    female = sex == "female"
    nz: dict[str, np.ndarray] = {}
    person = 0.5 * rng.gumbel(843.0, 282.0, n) * np.where(female, 0.85, 1.0)
    person = np.maximum(person, 60.0)
    for site in (*PPT_SITES, CPM_TEST_SITE):
        site_level = person * rng.lognormal(0.0, 0.15, n)
        for side in ("left", "right"):
            nz[f"ppt0_{site}_{side}"] = site_level * rng.lognormal(0.0, 0.05, n)
    mode = rng.choice(3, size=n, p=_COLD_WEIGHTS)
    nz["cpt0"] = _COLD_MODES[mode] + rng.normal(0.0, 3.0, n)
    nz["hpt0"] = rng.normal(44.0, 2.5, n)
    nz["mpt0"] = 64.0 * rng.lognormal(0.0, 0.7, n)
    nz["mdt0"] = 2.0 * rng.lognormal(0.0, 0.8, n)
    nz["cdt0"] = 1.5 * rng.lognormal(0.0, 0.5, n)
    nz["wdt0"] = 3.0 * rng.lognormal(0.0, 0.4, n)
    nz["vdt0"] = rng.normal(6.5, 0.8, n)
    nz["pcs"] = np.clip(np.round(np.where(patient, rng.normal(16, 9, n),
                                          rng.normal(8, 6, n))), 0, 52)
    nz["dass21_stress"] = np.clip(2 * np.round(np.where(
        patient, rng.normal(7, 4, n), rng.normal(4, 3, n))), 0, 42)
    nz["pds_hyperarousal"] = np.clip(np.round(np.where(
        cond == "whiplash", rng.normal(5, 3, n), rng.normal(2, 2, n))), 0, 15)
    nz["crp0"] = rng.lognormal(0.0, 0.9, n)
    nz["il60"] = 1.5 * rng.lognormal(0.0, 0.6, n)
    nz["tnf0"] = 1.5 * rng.lognormal(0.0, 0.5, n)
    nz["il1b0"] = 0.5 * rng.lognormal(0.0, 0.7, n)
    nz["etiv"] = np.where(female, 1.45e6, 1.6e6) + rng.normal(0.0, 1.2e5, n)
    for region, frac, sd in (("dlpfc", 0.0145, 0.0015), ("thalamus", 0.0050, 0.0004)):
        for hemi in ("left", "right"):
            nz[f"{region}_{hemi}_frac"] = rng.normal(frac, sd, n)
    nz["sigma_rf_lumbar"] = 15.5 * rng.lognormal(0.0, 0.22, n)
    nz["sigma_rf_cervical"] = 10.0 * rng.lognormal(0.0, 0.22, n)
    nz["c_pp"] = rng.normal(1.0, 0.6, n)
    mep = sample_mep_params(rng, n)
    for i in range(5):
        nz[f"mep_p{i + 1}"] = mep[:, i]
    return nz
