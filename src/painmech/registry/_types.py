"""Record types of the registry: measures, metrics, sites, conditions, mechanisms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Transform = Literal["log10", "none"]
SiteKind = Literal["body", "none", "brain", "edge", "muscle"]
ScoreKind = Literal["z", "count", "flag", "none"]

__all__ = ["Measure", "Metric", "Site", "Condition", "Mechanism", "Transform", "SiteKind"]


@dataclass(frozen=True)
class Measure:
    """A raw measure: one number recorded per trial in the observations table.

    Attributes
    ----------
    id : str
        Stable identifier (DFNS abbreviation where one exists).
    label_en, label_de : str
        Names for reports.
    unit : str
        Canonical unit id (see :data:`painmech.registry.UNIT_LABELS`).
    units : dict of str to (float, float)
        Every accepted unit with ``(factor, offset)`` so that
        ``canonical = value * factor + offset``. Includes the canonical unit.
    hard : (float, float)
        Values outside are rejected (in the canonical unit). With
        ``lo_open`` the lower bound itself is rejected too (for measures that
        are log-transformed).
    usual : (float, float) or None
        Values inside ``hard`` but outside ``usual`` are kept, flagged and
        warned about. ``None`` when no usual range is known.
    transform : {"log10", "none"}
        Transform applied before z-scoring.
    gain : {+1, -1, 0}
        +1 if a higher value means more pain-sensitive / more abnormal, -1 if
        a lower value does, 0 if the measure has no direction of its own.
    mechanisms : tuple of str
        Mechanism ids this measure informs.
    site_kind : {"body", "none", "brain", "edge"}
        What the ``site`` column holds for this measure.
    trial_max : int or None
        Largest allowed trial (or item) number.
    integer : bool
        Values must be whole numbers (item scores, counts).
    source : str
        Where the facts (protocol, scale range, conversions) come from.
    """

    id: str
    label_en: str
    label_de: str
    unit: str
    units: dict[str, tuple[float, float]]
    hard: tuple[float, float]
    usual: tuple[float, float] | None
    transform: Transform
    gain: int
    mechanisms: tuple[str, ...]
    site_kind: SiteKind
    source: str
    trial_max: int | None = None
    integer: bool = False
    lo_open: bool = False


@dataclass(frozen=True)
class Metric:
    """A derived metric: one number per subject, visit, site and side.

    Attributes
    ----------
    id : str
        Stable identifier used in the metrics table.
    label_en, label_de : str
        Names for reports.
    unit : str
        Unit id of the value.
    transform : {"log10", "none"}
        Transform before z-scoring.
    gain : {+1, -1, 0}
        Sign that makes a z-score positive for "more pain-sensitive / more
        abnormal": ``z = gain * (transform(value) - mean) / sd``.
    mechanisms : tuple of str
        Mechanisms it informs.
    score_kind : {"z", "count", "flag", "none"}
        How it is scored: z against a reference, reported as a count, as a
        flag, or not scored.
    site_kind : {"body", "none", "brain", "edge", "muscle"}
        What the ``site`` column holds (``"muscle"``: a TMS target muscle id,
        or two joined by ``"__"`` for between-muscle metrics).
    description : str
        How it is computed, with its sign convention.
    source : str
        Protocol or paper the definition follows.
    """

    id: str
    label_en: str
    label_de: str
    unit: str
    transform: Transform
    gain: int
    mechanisms: tuple[str, ...]
    score_kind: ScoreKind
    site_kind: SiteKind
    description: str
    source: str


@dataclass(frozen=True)
class Site:
    """A body site where a stimulus is applied."""

    id: str
    label_en: str
    label_de: str
    region: str


@dataclass(frozen=True)
class Condition:
    """A clinical condition with its local (painful-region) test sites."""

    id: str
    label_en: str
    label_de: str
    patient: bool
    local_sites: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Mechanism:
    """One of the ten mechanisms of the fact sheet."""

    id: str
    label_en: str
    label_de: str
