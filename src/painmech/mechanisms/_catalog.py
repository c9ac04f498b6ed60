"""The catalog of the ten mechanisms: evidence components, rule, evidence level.

Each mechanism is judged from one or more *components*: groups of metrics
whose z-scores (positive = towards the mechanism) are combined per subject
and visit. Unless a mechanism has its own rule (see ``_rules.py``), the
mechanism is ``indicated`` when *any* component is, with the probability and
score of the strongest component.

Evidence levels summarise ``evidence.md`` in painmech's own words; they are
not formal GRADE ratings: ``moderate`` = meta-analyses with consistent group
differences; ``low`` = cohorts, small or partly inconsistent studies;
``very_low`` = single studies or directions not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from painmech.registry import MECHANISMS

__all__ = ["CATALOG", "EVIDENCE_LEVELS", "Component", "MechanismSpec", "catalog_table"]

#: Evidence levels with their labels.
EVIDENCE_LEVELS: dict[str, dict[str, str]] = {
    "moderate": {"en": "moderate", "de": "mittel"},
    "low": {"en": "low", "de": "niedrig"},
    "very_low": {"en": "very low", "de": "sehr niedrig"},
}


@dataclass(frozen=True)
class Component:
    """One piece of evidence for a mechanism.

    Attributes
    ----------
    id : str
        Component id (unique within the mechanism).
    metrics : tuple of str
        Metric ids whose z-scores feed the component.
    combine : {"mean", "max", "first"}
        ``mean``: average over every row (sites, sides, metrics); ``max``: the
        row with the highest z; ``first``: only the first metric of
        ``metrics`` that has a z for the subject and visit, averaged over its
        rows (a preference order, e.g. eTIV-normalised before absolute
        volume).
    role : {"local", "remote"} or None
        Keep only rows at sites with this role for the subject's condition
        (:func:`painmech.registry.site_role`).
    """

    id: str
    metrics: tuple[str, ...]
    combine: Literal["mean", "max", "first"] = "mean"
    role: Literal["local", "remote"] | None = None


@dataclass(frozen=True)
class MechanismSpec:
    """How one mechanism is assessed.

    Attributes
    ----------
    id : str
        Mechanism id (design.md §2).
    components : tuple of Component
    rule : str
        The decision rule in one sentence (English; documentation).
    evidence : str
        Evidence level for the mechanism's link with back pain
        (key of :data:`EVIDENCE_LEVELS`).
    references : tuple of str
        Bibliography keys behind the mechanism and its rule.
    caveats : tuple of str
        Caveat ids that always apply (see ``_caveats.py``).
    influence : tuple of str
        Influence-information ids (see ``_caveats.py``).
    context : tuple of str
        Metrics shown with the finding but not scored.
    """

    id: str
    components: tuple[Component, ...]
    rule: str
    evidence: str
    references: tuple[str, ...]
    caveats: tuple[str, ...]
    influence: tuple[str, ...] = ()
    context: tuple[str, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric the mechanism uses (scored components, then context)."""
        seen = [m for c in self.components for m in c.metrics]
        return tuple(dict.fromkeys([*seen, *self.context]))


_LOCAL = Component("local", ("ppt",), role="local")
_REMOTE = Component("remote", ("ppt",), role="remote")
_ALWAYS = ("single_patient",)

_SPECS = (
    MechanismSpec(
        "peripheral_sensitization",
        (_LOCAL, _REMOTE,
         Component("markers", ("crp", "il6", "tnf_alpha", "il1_beta"), combine="max")),
        "indicated when local (painful-region) pressure hyperalgesia without remote "
        "hyperalgesia and a raised inflammatory marker are both present; not indicated "
        "when every assessed sign is absent; otherwise inconclusive",
        "low", ("lim2020", "klyne2017", "burke2002", "arendtnielsen2018"),
        (*_ALWAYS, "markers_nonspecific", "peripheral_pattern_inferred"),
        context=("crp_category",)),
    MechanismSpec(
        "pressure_hyperalgesia", (_LOCAL, _REMOTE),
        "indicated when the PPT z at local or at remote sites is beyond the limit with "
        "enough probability; the pattern says local, widespread or both",
        "moderate", ("denbandt2019", "huebscher2013", "pfau2014", "rolke2006"),
        (*_ALWAYS, "state_marker", "no_prognostic_value"), ("hyperalgesia_normalises",),
        context=("ppt_side_diff", "pain_state")),
    MechanismSpec(
        "temporal_summation",
        (Component("tsp", ("tsp_diff",)), Component("wur", ("wur",))),
        "indicated when the temporal-summation (last − first rating) or wind-up z is "
        "beyond the limit with enough probability",
        "moderate", ("mcphee2020", "magerl1998", "rolke2006"),
        (*_ALWAYS, "state_marker", "no_prognostic_value", "ts_modality"),
        ("hyperalgesia_normalises",), context=("tsp_ratio", "pain_state")),
    MechanismSpec(
        "descending_inhibition",
        (Component("cpm_pressure", ("cpm_effect",)),
         Component("cpm_rating", ("cpm_rating_effect",))),
        "indicated when the CPM effect is below the reference (z beyond the limit with "
        "enough probability) and not a true inhibition (≤ 2·SEM); a true inhibition "
        "without reference is not indicated; otherwise inconclusive",
        "moderate", ("mcphee2020", "lewis2012", "yarnitsky2015", "kemp2020"),
        # pag_direction: the fact sheet places the PFC-PAG claim here (§4), and Yu 2014
        # found PAG-vmPFC connectivity higher, not lower, in chronic LBP
        (*_ALWAYS, "cpm_paradigm_specific", "cpm_healthy_facilitation", "pag_direction"),
        context=("cpm_effect_pct", "cpm_cs_rating")),
    MechanismSpec(
        "cold_hyperalgesia",
        (Component("cpt", ("cpt",)),
         Component("cpt_relative", ("cpt_side_diff", "cpt_trunk_hand_diff"))),
        "indicated when the CPT z (absolute, or a side or trunk-hand comparison) is "
        "beyond the limit with enough probability; after whiplash a CPT ≥ 13 °C is "
        "highlighted",
        "low", ("sterling2003", "sterling2005", "sterling2011", "pfau2014"),
        (*_ALWAYS, "psychological_mediation", "cold_retest"),
        context=("pcs", "dass21_stress", "pds_hyperarousal")),
    MechanismSpec(
        "grey_matter",
        (Component("dlpfc", ("gmv_dlpfc_frac", "gmv_dlpfc"), combine="first"),
         Component("thalamus", ("gmv_thalamus_frac", "gmv_thalamus"), combine="first")),
        "indicated when DLPFC or thalamus grey-matter volume (eTIV-normalised where "
        "available) is below the reference with enough probability",
        "low", ("apkarian2004", "fritz2016", "henn2023"),
        (*_ALWAYS, "grey_matter_weak"), ("grey_matter_reversible",), context=("etiv",)),
    MechanismSpec(
        "motor_cortex_smudging",
        (Component("tms_map", ("tms_overlap", "tms_cog_distance", "tms_volume")),),
        "indicated when the mean z of map overlap, CoG distance between muscles and map "
        "volume is beyond the limit with enough probability; CoG position is not used",
        "low", ("tsao2011", "schabrun2017", "elguetacancino2018"),
        (*_ALWAYS, "cog_direction", "smudging_small_studies"),
        context=("tms_cog_x", "tms_cog_y", "tms_area", "tms_peaks")),
    MechanismSpec(
        "homeostatic_plasticity",
        (Component("tdcs", ("homeostatic_z",)),),
        "indicated when the tDCS response class is non-homeostatic (+1), not indicated "
        "when homeostatic (−1), inconclusive when indeterminate (0); without a class the "
        "standardised change decides",
        "very_low", ("thapa2018np", "thapa2018cn"),
        (*_ALWAYS, "homeostatic_reliability"),
        context=("homeostatic_class", "mep_ratio_post0", "mep_ratio_post10",
                 "mep_ratio_post20")),
    MechanismSpec(
        "functional_connectivity",
        (Component("fc_index", ("fc_affective_sensory_index",)),),
        "indicated when the affective-minus-sensory connectivity index is beyond the "
        "limit with enough probability",
        "low", ("hashmi2013", "baliki2012", "loeffler2022"),
        (*_ALWAYS, "fc_replication", "pag_direction")),
    MechanismSpec(
        "somatosensory_deficit",
        # two-point discrimination: every orientation measured (unstated, vertical,
        # horizontal) is scored against its own reference and the z-scores are averaged
        # over orientations, sites and sides. Both orientations were raised in acute LBP
        # (Morf 2021), and the meta-analysed difference (Adamczyk 2018) pools studies of
        # either orientation, so neither orientation is preferred.
        (Component("tpd", ("tpd", "tpd_vertical", "tpd_horizontal")),
         Component("graphesthesia", ("graphesthesia_error_rate",)),
         Component("body_perception", ("frebaq_total",))),
        "indicated when two-point discrimination (z averaged over the orientations "
        "measured), graphaesthesia or FreBAQ z is beyond the limit with enough probability",
        "moderate", ("adamczyk2018", "luomajoki2011", "morf2021", "wand2010", "wand2014"),
        (*_ALWAYS, "tpd_rater"), ("sensory_discrimination_training",),
        context=("graphesthesia_errors",)),
)

#: The ten mechanisms, keyed by id, in the order of design.md §2.
CATALOG: dict[str, MechanismSpec] = {s.id: s for s in _SPECS}
if tuple(CATALOG) != tuple(MECHANISMS):  # pragma: no cover - guards a registry change
    raise RuntimeError("the mechanism catalog and the registry list different mechanisms")


def catalog_table() -> pd.DataFrame:
    """The catalog as a table: one row per mechanism.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, label_en, label_de, metrics, components, rule, evidence,
        references, caveats, influence``; list-valued fields are
        ``;``-separated strings.
    """
    return pd.DataFrame([{
        "mechanism": s.id,
        "label_en": MECHANISMS[s.id].label_en,
        "label_de": MECHANISMS[s.id].label_de,
        "metrics": ";".join(s.metrics),
        "components": ";".join(c.id for c in s.components),
        "rule": s.rule,
        "evidence": s.evidence,
        "references": ";".join(s.references),
        "caveats": ";".join(s.caveats),
        "influence": ";".join(s.influence),
    } for s in CATALOG.values()])
