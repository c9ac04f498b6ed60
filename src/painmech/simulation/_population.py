"""Virtual patients: conditions, active mechanisms, traits and nuisance priors.

Nuisance priors and their sources (anything not sourced is marked as a
painmech assumption; such numbers shape the synthetic population only and
are never used as reference values). Every number is declared in
:data:`PRIORS` (``docs/assumptions.md`` lists them with their sources):

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
* Person-level standard-normal draws for the tDCS efficacy and the resting
  network coupling (``tdcs_z``, ``fc_lambda_z``, ``fc_strength_z``): their
  spreads live in :mod:`painmech.simulation._plasticity` and
  :mod:`painmech.simulation._connectivity`, calibrated to published
  test–retest reliability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from painmech._utils._assumptions import CHOICE, declare_table
from painmech.simulation._course import (
    COLD_CUT_DEGC,
    COLD_WIDTH_DEGC,
    R_NOISE,
    R_OFFSET,
    VULNERABILITY,
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

__all__ = ["CPM_REFERENCE_KPA", "PPT_SITES", "PRIORS", "Population", "allocate_conditions",
           "psychological_cold_shift", "sample_population"]

PPT_SITES = ("lumbar", "trapezius", "scapula", "tibialis_anterior", "thenar")
QST_SITES = ("lumbar", "cervical")
CPM_TEST_SITE = "forearm"
_GV = "Gerling/Viggiani mechanical nociception model via simulator.md [R]"
_FS = ("order of magnitude of the two FreeSurfer example subjects in "
       "tests/data/freesurfer (n = 2)")
#: Nuisance priors of the virtual population (see the module docstring).
PRIORS: dict[str, object] = declare_table("PRIORS", [
    ("ppt_gumbel_mpa", (0.843, 0.282), "MPa (location, scale)", _GV,
     "population PPT prior"),
    ("ppt_scale", 0.5, "kPa per kPa of the model", CHOICE,
     "rescales the model to the 1 cm² algometer: healthy mean near 500 kPa, the baseline "
     "implied by the secondary CPM source of evidence.md §4"),
    ("ppt_floor_kpa", 60.0, "kPa", CHOICE, "lowest person-level PPT"),
    ("ppt_female_factor", 0.85, "1", "direction: Pfau et al. 2014 Pain 155:1002; size "
     "painmech choice", "women's PPT relative to men's"),
    ("ppt_site_ln_sd", 0.15, "ln units", CHOICE, "site deviation of PPT"),
    ("ppt_side_ln_sd", 0.05, "ln units", CHOICE, "side deviation of PPT"),
    ("cpt_modes_degc", (23.7, 13.2, 1.5), "degC", "Lötsch et al. 2015 PLoS One (n = 329)",
     "modes of the healthy cold-pain-threshold mixture"),
    ("cpt_weights", (0.15, 0.42, 0.43), "1", CHOICE, "weights of the three CPT modes"),
    ("cpt_sd_degc", 3.0, "degC", CHOICE, "SD around each CPT mode in one measurement "
     "(person and day; the day part is _visit.VISIT_SD cpt_degc)"),
    ("hpt_degc", (44.0, 2.5), "degC (mean, SD)", "inside the 32.3–45.4 °C span of heat "
     "modes, Ultsch et al. 2015; mean and SD painmech choice", "heat pain threshold"),
    ("mpt_mn", (64.0, 0.7), "mN (median, ln SD)", CHOICE,
     "pinprick threshold, within the DFNS stimulus range (Rolke 2006)"),
    ("mdt_mn", (2.0, 0.8), "mN (median, ln SD)", CHOICE,
     "tactile detection threshold, within the DFNS range"),
    ("cdt_degc", (1.5, 0.5), "degC below 32 (median, ln SD)", CHOICE, "cold detection"),
    ("wdt_degc", (3.0, 0.4), "degC above 32 (median, ln SD)", CHOICE, "warm detection"),
    ("vdt", (6.5, 0.8), "x/8 (mean, SD)", CHOICE, "vibration detection"),
    ("pcs", ((8.0, 6.0), (16.0, 9.0)), "score (mean, SD): healthy, patients", CHOICE,
     "Pain Catastrophizing Scale; higher in patients"),
    ("dass21_stress_half", ((4.0, 3.0), (7.0, 4.0)), "half-score (mean, SD): healthy, "
     "patients", CHOICE, "DASS-21 stress (doubled to the 0–42 scale)"),
    ("pds_hyperarousal", ((2.0, 2.0), (5.0, 3.0)), "score (mean, SD): others, whiplash",
     "direction: Sterling et al. 2005 Pain 114:141; sizes painmech choice",
     "PDS hyperarousal, highest after whiplash"),
    ("crp_mg_l", (1.0, 0.9), "mg/L (median, ln SD)", "median at the Pearson 2003 "
     "category boundary; spread painmech choice", "healthy CRP"),
    ("il6_pg_ml", (1.5, 0.6), "pg/mL (median, ln SD)", CHOICE, "healthy IL-6"),
    ("tnf_pg_ml", (1.5, 0.5), "pg/mL (median, ln SD)", CHOICE, "healthy TNF-α"),
    ("il1b_pg_ml", (0.5, 0.7), "pg/mL (median, ln SD)", CHOICE, "healthy IL-1β"),
    ("etiv_mm3", (1.45e6, 1.6e6, 1.2e5), "mm³ (female, male mean; SD)", _FS, "eTIV"),
    ("dlpfc_frac", (0.0145, 0.0015), "fraction of eTIV per hemisphere (mean, SD)", _FS,
     "DLPFC grey matter"),
    ("thalamus_frac", (0.0050, 0.0004), "fraction of eTIV per hemisphere (mean, SD)", _FS,
     "thalamus volume"),
    ("sigma_rf_mm", {"lumbar": 15.5, "cervical": 10.0}, "mm (median)",
     "lumbar: calibrated to the healthy 2PD 44 ± 10 mm, Luomajoki & Moseley 2011 BJSM "
     "45:437; neck: painmech choice", "receptive-field width"),
    ("sigma_rf_ln_sd", 0.22, "ln units", "calibrated to the healthy 2PD SD 10 mm, "
     "Luomajoki & Moseley 2011", "between-person spread of the receptive field"),
    ("c_pp", (1.0, 0.6), "1 (mean, SD)", "painmech choice; negative values give the CPM "
     "facilitation of some healthy people, Schliessbach et al. 2019 Scand J Pain",
     "PFC–PAG coupling"),
    ("age_years", (20.0, 70.0), "years (uniform)", CHOICE, "age range"),
    ("psych_ref", {"pcs": (8.0, 6.0), "dass21_stress": (8.0, 6.0)}, "score (mean, SD)",
     CHOICE, "healthy reference of the psychological_cpt scenario's z-scores (the healthy "
     "priors above)"),
], "painmech.simulation._population")

#: Median healthy PPT of the population prior (kPa): the reference person of the
#: ``baseline_dependent_cpm`` scenario. Gumbel median = μ − β ln(ln 2).
CPM_REFERENCE_KPA = PRIORS["ppt_scale"] * 1000.0 * (
    PRIORS["ppt_gumbel_mpa"][0] - PRIORS["ppt_gumbel_mpa"][1] * np.log(np.log(2.0)))


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
                      force: Mapping[str, float] | None = None, scenario=None) -> Population:
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
    scenario : Scenario or str, optional
        Its ``prevalence_scale`` multiplies the prevalences (capped at 1) and
        its ``effect_scale`` the carriers' trait deviations from healthy
        (:mod:`painmech.simulation._scenario`). The random draws are the same
        for every scenario.
    """
    from painmech.simulation._scenario import bounded_trait, get_scenario

    scenario = get_scenario(scenario)
    cond = allocate_conditions(n, conditions)
    width = max(6, len(str(n)))
    subject = np.array([f"sim{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    sex = np.where(rng.random(n) < 0.5, "female", "male").astype(object)
    age = np.round(rng.uniform(*PRIORS["age_years"], n), 1)
    cidx = np.array([CONDITION_IDS.index(c) for c in cond], dtype=int)
    prev = np.minimum(PREVALENCE[cidx] * scenario.prevalence_scale, 1.0)  # (N, 10)
    shared = rng.standard_normal((n, 1))
    z = np.sqrt(COPULA_RHO) * shared + np.sqrt(1 - COPULA_RHO) * rng.standard_normal((n, 10))
    carried = ndtr(z) < prev
    mids = mechanism_ids()
    trait = np.empty((n, 10))
    for j, m in enumerate(mids):  # ten mechanisms, vectorised over patients
        p = MECHANISM_PARAMS[m]
        draw = bounded_trait(p.parameter, p.healthy, rng.uniform(p.low, p.high, n),
                             scenario.effect_scale)
        trait[:, j] = np.where(carried[:, j], draw, p.healthy)
    for m, value in (force or {}).items():
        j = mids.index(m)
        trait[:, j] = value
        carried[:, j] = abs(value - MECHANISM_PARAMS[m].healthy) > 0
    carried &= trait != np.array([MECHANISM_PARAMS[m].healthy for m in mids])
    nz = _nuisance(n, cond, sex, rng)
    vul = _vulnerability(cond, age, carried, trait, nz, rng)
    return Population(subject, sex, age, cond, carried, trait, vul, nz)


def _vulnerability(cond, age, carried, trait, nz, rng) -> np.ndarray:
    """Vulnerability score of the course model (see :mod:`painmech.simulation._course`)."""
    mids = mechanism_ids()
    v = VULNERABILITY
    wad = cond == "whiplash"
    j_cold = mids.index("cold_hyperalgesia")
    vul = sum(W_CENTRAL[m] * carried[:, mids.index(m)] for m in W_CENTRAL
              if m != "cold_hyperalgesia")
    # cold: carried weight, or after whiplash graded by the cold pain threshold
    cold_t = nz["cpt0"] + trait[:, j_cold]
    vul = vul + np.where(
        wad, W_COLD_WAD * ndtr((cold_t - COLD_CUT_DEGC) / COLD_WIDTH_DEGC),
        W_CENTRAL["cold_hyperalgesia"] * carried[:, j_cold])
    vul = vul + v["pcs_weight"] * (nz["pcs"] - v["pcs_centre"]) + rng.normal(0.0, R_NOISE,
                                                                              cond.shape[0])
    vul = vul + np.array([R_OFFSET[c] for c in cond])
    return vul + wad * (v["wad_age_weight"] * (age >= v["wad_age_cut"])
                        + v["wad_hyper_weight"] * (nz["pds_hyperarousal"]
                                                   - v["wad_hyper_centre"]))


def psychological_cold_shift(nz: Mapping[str, np.ndarray]) -> np.ndarray:
    """Cold-threshold shift (°C) of the ``psychological_cpt`` scenario.

    ``PSY_CPT_DEGC · (z_PCS + z_stress) / 2`` with z relative to the healthy
    priors (:data:`PRIORS` ``psych_ref``).
    """
    from painmech.simulation._scenario import PSY_CPT_DEGC

    ref = PRIORS["psych_ref"]
    z = sum((nz[k] - ref[k][0]) / ref[k][1] for k in ("pcs", "dass21_stress")) / 2.0
    return PSY_CPT_DEGC * z


def _normal_by_group(rng, group: np.ndarray, params, n: int) -> np.ndarray:
    """Normal draws with (mean, SD) ``params[0]`` where ``group`` is False, else ``params[1]``."""
    (m0, s0), (m1, s1) = params
    return np.where(group, rng.normal(m1, s1, n), rng.normal(m0, s0, n))


def _nuisance(n, cond, sex, rng) -> dict[str, np.ndarray]:
    pr = PRIORS
    patient = cond != "healthy"
    female = sex == "female"
    nz: dict[str, np.ndarray] = {}
    loc, scale = (1000.0 * v for v in pr["ppt_gumbel_mpa"])
    person = pr["ppt_scale"] * rng.gumbel(loc, scale, n) * np.where(
        female, pr["ppt_female_factor"], 1.0)
    person = np.maximum(person, pr["ppt_floor_kpa"])
    for site in (*PPT_SITES, CPM_TEST_SITE):
        site_level = person * rng.lognormal(0.0, pr["ppt_site_ln_sd"], n)
        for side in ("left", "right"):
            nz[f"ppt0_{site}_{side}"] = site_level * rng.lognormal(0.0, pr["ppt_side_ln_sd"], n)
    mode = rng.choice(3, size=n, p=np.array(pr["cpt_weights"]))
    # the person's own spread around the mode: the published mixture was measured once, so
    # its SD includes the day-to-day variation added at every visit (_visit.VISIT_SD)
    from painmech.simulation._visit import VISIT_SD

    trait_sd = np.sqrt(pr["cpt_sd_degc"] ** 2 - VISIT_SD["cpt_degc"] ** 2)
    nz["cpt0"] = np.array(pr["cpt_modes_degc"])[mode] + rng.normal(0.0, trait_sd, n)
    nz["hpt0"] = rng.normal(*pr["hpt_degc"], n)
    for key, prior in (("mpt0", "mpt_mn"), ("mdt0", "mdt_mn"), ("cdt0", "cdt_degc"),
                       ("wdt0", "wdt_degc")):
        median, ln_sd = pr[prior]
        nz[key] = median * rng.lognormal(0.0, ln_sd, n)
    nz["vdt0"] = rng.normal(*pr["vdt"], n)
    nz["pcs"] = np.clip(np.round(_normal_by_group(rng, patient, pr["pcs"], n)), 0, 52)
    nz["dass21_stress"] = np.clip(2 * np.round(_normal_by_group(
        rng, patient, pr["dass21_stress_half"], n)), 0, 42)
    nz["pds_hyperarousal"] = np.clip(np.round(_normal_by_group(
        rng, cond == "whiplash", pr["pds_hyperarousal"], n)), 0, 15)
    for key, prior in (("crp0", "crp_mg_l"), ("il60", "il6_pg_ml"), ("tnf0", "tnf_pg_ml"),
                       ("il1b0", "il1b_pg_ml")):
        median, ln_sd = pr[prior]
        nz[key] = median * rng.lognormal(0.0, ln_sd, n)
    f_mean, m_mean, e_sd = pr["etiv_mm3"]
    nz["etiv"] = np.where(female, f_mean, m_mean) + rng.normal(0.0, e_sd, n)
    for region in ("dlpfc", "thalamus"):
        frac, sd = pr[f"{region}_frac"]
        for hemi in ("left", "right"):
            nz[f"{region}_{hemi}_frac"] = rng.normal(frac, sd, n)
    for site, median in pr["sigma_rf_mm"].items():
        nz[f"sigma_rf_{site}"] = median * rng.lognormal(0.0, pr["sigma_rf_ln_sd"], n)
    nz["c_pp"] = rng.normal(*pr["c_pp"], n)
    mep = sample_mep_params(rng, n)
    for i in range(5):
        nz[f"mep_p{i + 1}"] = mep[:, i]
    # person-level standard-normal draws whose spreads are calibrated elsewhere
    for key in ("tdcs_z", "fc_lambda_z", "fc_strength_z"):
        nz[key] = rng.standard_normal(n)
    return nz
