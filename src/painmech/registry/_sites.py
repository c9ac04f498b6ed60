"""Body sites, conditions with their local sites, and the ten mechanisms.

Local sites follow design.md §3: the lumbar site is local for back pain; the
cervical and trapezius sites are local for neck pain and whiplash. Every other
body site is remote. Healthy people have no local site.
"""

from __future__ import annotations

from painmech.registry._types import Condition, Mechanism, Site

__all__ = ["SITES", "CONDITIONS", "MECHANISMS", "SIDES", "SEXES", "NO_SITE"]

#: The value of ``site`` (and ``side``) for measures that have none.
NO_SITE = "none"

SITES: dict[str, Site] = {
    s.id: s
    for s in (
        Site("lumbar", "lower back (lumbar)", "unterer Rücken (lumbal)", "trunk"),
        Site("thoracic", "thoracic spine", "Brustwirbelsäule", "trunk"),
        Site("cervical", "neck (cervical)", "Nacken (zervikal)", "head_neck"),
        Site("trapezius", "upper trapezius", "oberer Trapezius", "head_neck"),
        Site("scapula", "scapula", "Schulterblatt", "trunk"),
        Site("tibialis_anterior", "tibialis anterior", "Tibialis anterior", "lower_limb"),
        Site("thenar", "thenar eminence", "Daumenballen", "upper_limb"),
        Site("hand_dorsum", "dorsum of the hand", "Handrücken", "upper_limb"),
        Site("foot_dorsum", "dorsum of the foot", "Fußrücken", "lower_limb"),
        Site("forearm", "forearm", "Unterarm", "upper_limb"),
        Site("deltoid", "deltoid", "Deltamuskel", "upper_limb"),
    )
}

#: Allowed values of ``side``.
SIDES: tuple[str, ...] = ("left", "right", "midline", "bilateral", NO_SITE)

#: Allowed values of ``sex`` after normalisation.
SEXES: tuple[str, ...] = ("female", "male", "other")

_BACK = ("lumbar",)
_NECK = ("cervical", "trapezius")

CONDITIONS: dict[str, Condition] = {
    c.id: c
    for c in (
        Condition("healthy", "healthy control", "gesunde Kontrolle", False),
        Condition("acute_lbp", "acute low back pain", "akute Kreuzschmerzen", True, _BACK),
        Condition("subacute_lbp", "subacute low back pain", "subakute Kreuzschmerzen", True,
                  _BACK),
        Condition("chronic_lbp", "chronic low back pain", "chronische Kreuzschmerzen", True,
                  _BACK),
        Condition("recurrent_lbp", "recurrent low back pain", "rezidivierende Kreuzschmerzen",
                  True, _BACK),
        Condition("neck_pain", "neck pain", "Nackenschmerzen", True, _NECK),
        Condition("whiplash", "whiplash-associated disorder", "Schleudertrauma (WAD)", True,
                  _NECK),
    )
}

MECHANISMS: dict[str, Mechanism] = {
    m.id: m
    for m in (
        Mechanism("peripheral_sensitization", "peripheral inflammation and sensitisation",
                  "periphere Entzündung und Sensibilisierung"),
        Mechanism("pressure_hyperalgesia", "pressure hyperalgesia", "Druckhyperalgesie"),
        Mechanism("temporal_summation", "facilitated temporal summation",
                  "verstärkte zeitliche Summation"),
        Mechanism("descending_inhibition", "impaired descending inhibition",
                  "verminderte absteigende Hemmung"),
        Mechanism("cold_hyperalgesia", "cold hypersensitivity", "Kälteüberempfindlichkeit"),
        Mechanism("grey_matter", "reduced grey matter", "verminderte graue Substanz"),
        Mechanism("motor_cortex_smudging", "motor-cortex smudging",
                  "verwischte Repräsentation im Motorkortex"),
        Mechanism("homeostatic_plasticity", "disturbed homeostatic plasticity",
                  "gestörte homöostatische Plastizität"),
        Mechanism("functional_connectivity", "shifted functional connectivity",
                  "verschobene funktionelle Konnektivität"),
        Mechanism("somatosensory_deficit", "somatosensory deficits",
                  "somatosensorische Defizite"),
    )
}
