"""Scenarios: the simulator as designed, and worlds that break its assumptions.

The profiler is validated on virtual patients whose tests follow the model
painmech's rules assume. A rule that only works when the world is exactly
that model is fragile; the *misspecified* scenarios change one assumption
each, keep the ground truth defined as before (the mechanism parameters) and
show how recovery degrades:

* ``psychological_cpt`` — the cold pain threshold is driven by
  catastrophising and stress, not by the cold-hyperalgesia parameter
  (evidence.md §5: cold thresholds associate with catastrophising and stress,
  and are unreliable on retest). ``ΔT = PSY_CPT_DEGC · (z_PCS + z_stress) / 2``
  with z relative to the healthy priors (:mod:`painmech.simulation._population`).
* ``pain_driven_frebaq`` — FreBAQ answers follow ongoing pain only, not the
  tactile deficit β_2PD.
* ``baseline_dependent_cpm`` — conditioning raises the test PPT by a fixed
  amount in kPa (the healthy relative effect times the population median
  PPT) instead of dividing the afferent drive, so the CPM effect in percent
  depends on the baseline PPT (larger in pressure-hyperalgesic patients).
* ``small_effects`` / ``large_effects`` — every carrier's trait deviation from
  healthy times 0.5 or 1.5 (bounded by the parameter's range).
* ``low_prevalence`` / ``high_prevalence`` — every condition's prevalence of
  every mechanism times 0.5 or 1.5 (at most 1).

The sizes (0.5, 1.5, ``PSY_CPT_DEGC``, ``PAIN_FREBAQ_GAIN``) are painmech
choices. Every scenario uses the same random draws for the same seed, so the
same virtual people appear in each (only who carries what changes with the
prevalence scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from painmech._utils._assumptions import CHOICE, declare

__all__ = ["SCENARIOS", "Scenario", "get_scenario", "bounded_trait"]

M = "painmech.simulation._scenario"
#: Cold-threshold shift per standard deviation of catastrophising and stress in
#: the ``psychological_cpt`` scenario, °C.
PSY_CPT_DEGC = declare("PSY_CPT_DEGC", 4.0, "degC per SD", CHOICE, M,
                       "psychological_cpt scenario: CPT shift per SD of (PCS + DASS stress)/2; "
                       "chosen to match the size of the typical ΔT_cold (+3…+8 °C)")
#: FreBAQ latent per unit of ongoing pain (0–1) in the ``pain_driven_frebaq`` scenario.
PAIN_FREBAQ_GAIN = declare("PAIN_FREBAQ_GAIN", 2.4, "item points per unit pain", CHOICE, M,
                           "pain_driven_frebaq scenario: FreBAQ item latent per unit of pain "
                           "(default model: 0.8 per unit pain + 3.0 per unit β_2PD − 1)")

#: Admissible range of each mechanism parameter (scaled traits are clipped to it).
_BOUNDS = declare("PARAMETER_BOUNDS", {
    "iota": (0.0, 1.0), "g_cs": (0.0, np.inf), "k_w": (0.0, 3.0), "kappa_cpm": (0.0, np.inf),
    "dt_cold": (-np.inf, np.inf), "delta_gm": (0.0, 1.0), "s_smudge": (0.0, 1.0),
    "g_meta": (0.0, np.inf), "lambda_aff": (0.0, 1.0), "beta_2pd": (0.0, np.inf)},
    "parameter units", CHOICE, M, "admissible range of each mechanism parameter (fractions "
    "in [0, 1], gains ≥ 0; k_W up to the dorsal-horn table's 3); scaled traits are clipped")
#: Effect and prevalence factors of the named scenarios.
SCALES = declare("SCENARIO_SCALES", {"small_effects": 0.5, "large_effects": 1.5,
                                     "low_prevalence": 0.5, "high_prevalence": 1.5},
                 "1", CHOICE, M, "factors on trait deviations (effects) and prevalences")


@dataclass(frozen=True)
class Scenario:
    """How the virtual world generates the tests.

    Attributes
    ----------
    name : str
    description : str
        One sentence for reports.
    effect_scale : float
        Factor on every carrier's trait deviation from the healthy value.
    prevalence_scale : float
        Factor on every condition's mechanism prevalence (capped at 1).
    cpt_driver : {"mechanism", "psychological"}
        What shifts the cold pain threshold.
    frebaq_driver : {"mechanism", "pain"}
        What drives the FreBAQ answers besides ongoing pain.
    cpm_model : {"divisive", "baseline_dependent"}
        How conditioning acts on the pressure test stimulus.
    misspecified : bool
        True when the scenario breaks an assumption of the profiler's rules.
    """

    name: str
    description: str
    effect_scale: float = 1.0
    prevalence_scale: float = 1.0
    cpt_driver: Literal["mechanism", "psychological"] = "mechanism"
    frebaq_driver: Literal["mechanism", "pain"] = "mechanism"
    cpm_model: Literal["divisive", "baseline_dependent"] = "divisive"
    misspecified: bool = False

    def __post_init__(self) -> None:
        for field_name in ("effect_scale", "prevalence_scale"):
            value = getattr(self, field_name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"Scenario.{field_name} must be a finite number >= 0; "
                                 f"got {value!r}")
        for field_name, allowed in (("cpt_driver", ("mechanism", "psychological")),
                                    ("frebaq_driver", ("mechanism", "pain")),
                                    ("cpm_model", ("divisive", "baseline_dependent"))):
            if getattr(self, field_name) not in allowed:
                raise ValueError(f"Scenario.{field_name} must be one of {allowed}; got "
                                 f"{getattr(self, field_name)!r}")


#: The named scenarios, the default first.
SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("default", "the simulator as designed"),
    Scenario("psychological_cpt", "cold pain threshold driven by catastrophising and stress, "
             "not by the cold-hyperalgesia parameter", cpt_driver="psychological",
             misspecified=True),
    Scenario("pain_driven_frebaq", "FreBAQ driven by ongoing pain only, not by the tactile "
             "deficit", frebaq_driver="pain", misspecified=True),
    Scenario("baseline_dependent_cpm", "conditioning adds a fixed kPa amount to the test PPT, "
             "so the CPM effect in percent depends on the baseline PPT",
             cpm_model="baseline_dependent", misspecified=True),
    Scenario("small_effects", "every trait deviation from healthy halved",
             effect_scale=SCALES["small_effects"]),
    Scenario("large_effects", "every trait deviation from healthy × 1.5 (bounded)",
             effect_scale=SCALES["large_effects"]),
    Scenario("low_prevalence", "every mechanism prevalence halved",
             prevalence_scale=SCALES["low_prevalence"]),
    Scenario("high_prevalence", "every mechanism prevalence × 1.5 (at most 1)",
             prevalence_scale=SCALES["high_prevalence"]),
)}


def get_scenario(scenario: str | Scenario | None) -> Scenario:
    """The :class:`Scenario` named by ``scenario`` (``None`` = ``"default"``)."""
    if scenario is None:
        return SCENARIOS["default"]
    if isinstance(scenario, Scenario):
        return scenario
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    return SCENARIOS[scenario]


def bounded_trait(parameter: str, healthy: float, draw: np.ndarray, scale: float) -> np.ndarray:
    """``healthy + scale · (draw − healthy)``, clipped to the parameter's range."""
    lo, hi = _BOUNDS[parameter]
    return np.clip(healthy + scale * (np.asarray(draw, float) - healthy), lo, hi)
