"""Mechanism parameters, condition settings and population priors of the simulator.

The ten mechanism parameters and their healthy values and typical chronic
ranges are the table of the painmech simulator design (``simulator.md``):

=========================  ============  =======  ==================
mechanism                  parameter     healthy  typical chronic LBP
=========================  ============  =======  ==================
peripheral_sensitization   ``iota``      0        0.3–0.6
pressure_hyperalgesia      ``g_cs``      1.0      1.1–1.3
temporal_summation         ``k_w``       0        0.3–0.8
descending_inhibition      ``kappa_cpm`` 1.0      0.3–0.6
cold_hyperalgesia          ``dt_cold``   0 °C     +3…+8 °C
grey_matter                ``delta_gm``  0        0.05–0.10
motor_cortex_smudging      ``s_smudge``  0        0.4–0.8
homeostatic_plasticity     ``g_meta``    1        0–0.3
functional_connectivity    ``lambda_aff`` 0.1     0.6–0.9
somatosensory_deficit      ``beta_2pd``  1.0      1.2–1.3
=========================  ============  =======  ==================

A patient who carries a mechanism draws its *trait* value uniformly from the
typical range. What is expressed at a visit is
``healthy + (trait - healthy) * min(1, driver / 0.5)`` where the driver is a
course state in [0, 1] (see :mod:`painmech.simulation._course`): peripheral drive ``n`` for
inflammation, sensitisation state ``S`` for the state markers (PPT, TS, CPM,
cold), the slow chronic state ``C`` for brain and body-image changes, and 1
for the homeostatic trait.

The prevalences per condition are **not published numbers**: they are
painmech's calibration choices, tuned by :mod:`painmech.simulation._calibration`
so that group effects match the published targets (McPhee 2020 SMDs, den
Bandt 2019, Adamczyk 2018, course figures). They are labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painmech._utils._assumptions import CALIBRATED, declare, declare_table

__all__ = [
    "MECHANISM_PARAMS",
    "MechanismParam",
    "PREVALENCE",
    "CONDITION_IDS",
    "mechanism_ids",
]


@dataclass(frozen=True)
class MechanismParam:
    """One mechanism's parameter.

    Attributes
    ----------
    mechanism : str
        Registry mechanism id.
    parameter : str
        Parameter name in the ground-truth table.
    healthy : float
        Value in a healthy person.
    low, high : float
        Typical range in chronic LBP (simulator.md table); active traits are
        drawn uniformly from it.
    driver : {"n", "S", "C", "trait"}
        Course state that scales the expression at a visit.
    unit : str
        Unit of the parameter (``"1"`` when dimensionless).
    """

    mechanism: str
    parameter: str
    healthy: float
    low: float
    high: float
    driver: str
    unit: str = "1"

    @property
    def active_threshold(self) -> float:
        """Smallest deviation from healthy that counts as active (half the typical low)."""
        return 0.5 * abs(self.low - self.healthy)


# simulator.md, "Mechanism parameters (one per mechanism)".
MECHANISM_PARAMS: dict[str, MechanismParam] = {
    p.mechanism: p
    for p in (
        MechanismParam("peripheral_sensitization", "iota", 0.0, 0.3, 0.6, "n"),
        MechanismParam("pressure_hyperalgesia", "g_cs", 1.0, 1.1, 1.3, "S"),
        MechanismParam("temporal_summation", "k_w", 0.0, 0.3, 0.8, "S"),
        MechanismParam("descending_inhibition", "kappa_cpm", 1.0, 0.3, 0.6, "S"),
        MechanismParam("cold_hyperalgesia", "dt_cold", 0.0, 3.0, 8.0, "S", "degC"),
        MechanismParam("grey_matter", "delta_gm", 0.0, 0.05, 0.10, "C"),
        MechanismParam("motor_cortex_smudging", "s_smudge", 0.0, 0.4, 0.8, "C"),
        MechanismParam("homeostatic_plasticity", "g_meta", 1.0, 0.0, 0.3, "trait"),
        MechanismParam("functional_connectivity", "lambda_aff", 0.1, 0.6, 0.9, "C"),
        MechanismParam("somatosensory_deficit", "beta_2pd", 1.0, 1.2, 1.3, "C"),
    )
}


_M = "painmech.simulation._params"
_NOTES = {
    "peripheral_sensitization": "local PPT ↓, CRP/IL-6 ↑",
    "pressure_hyperalgesia": "remote PPT ↓",
    "temporal_summation": "TS ↑, normalises with recovery",
    "descending_inhibition": "CPM ↓ (McPhee 2020 SMD −0.44)",
    "cold_hyperalgesia": "CPT ↑ (+3…+8 °C given for whiplash; no source recorded in "
                         "simulator.md)",
    "grey_matter": "DLPFC/thalamus ↓; 5–10 % follows Apkarian 2004's whole-neocortex 5–11 %, "
                   "applied to DLPFC and thalamus (a mismatch: no region-specific figure is "
                   "sourced)",
    "motor_cortex_smudging": "CoG distance ↓, overlap ↑, volume ↓ (no pooled effect exists)",
    "homeostatic_plasticity": "no reversal after block 2 (Thapa 2018)",
    "functional_connectivity": "affective FC ↑, sensory ↓ (Hashmi 2013)",
    "somatosensory_deficit": "2PD ↑ ≈ +12 mm (Adamczyk 2018)",
}
declare_table("MECHANISM_PARAMS", [
    (m, (p.healthy, p.low, p.high), p.unit,
     "painmech choice (simulator.md design table)",
     f"{p.parameter}: healthy, typical chronic LBP low–high; must produce: {_NOTES[m]}")
    for m, p in MECHANISM_PARAMS.items()], _M)


def mechanism_ids() -> tuple[str, ...]:
    """The ten mechanism ids in the simulator's fixed order."""
    return tuple(MECHANISM_PARAMS)


#: Condition ids in the simulator's fixed order (registry ids).
CONDITION_IDS: tuple[str, ...] = (
    "healthy", "acute_lbp", "subacute_lbp", "chronic_lbp", "recurrent_lbp", "neck_pain",
    "whiplash",
)

# Probability that a patient of a condition carries each mechanism.
# painmech calibration choice (not a published prevalence): tuned so that the
# simulated group contrasts meet the targets in _calibration.py.
_PREV_ROWS = {
    #                 ps    ph    ts    di    cold  gm    smu   hp    fc    sd
    "healthy":       (0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00),
    "acute_lbp":     (0.60, 0.30, 0.30, 0.25, 0.05, 0.30, 0.40, 0.30, 0.40, 0.50),
    "subacute_lbp":  (0.50, 0.35, 0.35, 0.30, 0.05, 0.40, 0.50, 0.40, 0.50, 0.60),
    "chronic_lbp":   (0.35, 0.65, 0.65, 0.45, 0.10, 0.60, 0.60, 0.60, 0.60, 0.90),
    "recurrent_lbp": (0.40, 0.45, 0.45, 0.40, 0.05, 0.40, 0.60, 0.50, 0.40, 0.60),
    "neck_pain":     (0.30, 0.55, 0.45, 0.45, 0.30, 0.40, 0.30, 0.40, 0.50, 0.50),
    "whiplash":      (0.50, 0.40, 0.35, 0.35, 0.35, 0.30, 0.30, 0.40, 0.50, 0.50),
}

declare("PREVALENCE", _PREV_ROWS, "probability (ps, ph, ts, di, cold, gm, smu, hp, fc, sd)",
        CALIBRATED, _M, "probability that a patient of a condition carries each mechanism "
        "(targets: McPhee 2020 SMDs, den Bandt 2019, Adamczyk 2018, course figures); not a "
        "published prevalence")

#: (conditions × mechanisms) prevalence matrix, rows in :data:`CONDITION_IDS` order.
PREVALENCE: np.ndarray = np.array([_PREV_ROWS[c] for c in CONDITION_IDS], dtype=float)

#: Loading of every mechanism on one shared latent factor (Gaussian copula), so
#: that mechanisms co-occur. painmech calibration choice.
COPULA_RHO = declare("COPULA_RHO", 0.3, "1", "painmech choice", _M,
                     "loading of every mechanism on one shared latent (co-occurrence)")
