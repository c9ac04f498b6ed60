"""A registry of numeric assumptions: every constant with its source.

Modules declare their constants through :func:`declare` (one value) or
:func:`declare_table` (a named group), which record the value, its unit and
its source and return the value unchanged, so the number used by the code and
the number documented are the same object. :mod:`painmech.assumptions`
collects these declarations together with the structured tables of the rules,
references and calibration targets into ``docs/assumptions.md``.

A source is either a citation (author year journal, or a document of the
project such as ``simulator.md``) or one of the two painmech marks:

* :data:`CHOICE` — a value painmech chose (a modelling or protocol choice,
  an order of magnitude, a default);
* :data:`CALIBRATED` — a value tuned so that simulated cohorts meet a
  published target; the note names the target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["CALIBRATED", "CHOICE", "Assumption", "declare", "declare_table", "declared",
           "format_value", "is_painmech_mark"]

#: Source mark of a value painmech chose.
CHOICE = "painmech choice"
#: Source mark of a value tuned to a published calibration target.
CALIBRATED = "painmech calibration"

_KINDS = ("simulator", "calibration target", "rule", "reference")


@dataclass(frozen=True)
class Assumption:
    """One numeric constant and where it comes from.

    Attributes
    ----------
    name : str
        Constant name (as in the code, or ``TABLE[key]`` for table entries).
    value : float, int, tuple or mapping
        The value the code uses.
    unit : str
        Unit (``"1"`` when dimensionless).
    source : str
        Citation, or :data:`CHOICE` / :data:`CALIBRATED`.
    where : str
        Dotted module (or ``module:object``) that declares it.
    note : str
        What the number is and, for painmech values, why.
    kind : {"simulator", "calibration target", "rule", "reference"}
    """

    name: str
    value: object
    unit: str
    source: str
    where: str
    note: str = ""
    kind: str = "simulator"

    def __post_init__(self) -> None:
        if not str(self.source).strip():
            raise ValueError(f"assumption {self.where}:{self.name} has no source; give a "
                             f"citation or mark it {CHOICE!r}")
        if self.kind not in _KINDS:
            raise ValueError(f"assumption {self.where}:{self.name}: kind must be one of "
                             f"{_KINDS}; got {self.kind!r}")


_REGISTRY: dict[tuple[str, str], Assumption] = {}


def declare(name: str, value, unit: str, source: str, where: str, note: str = "",
            kind: str = "simulator"):
    """Record a constant and return ``value`` unchanged.

    Declaring the same ``(where, name)`` again replaces the entry (module
    reloads in tests).
    """
    _REGISTRY[(where, name)] = Assumption(name, value, unit, source, where, note, kind)
    return value


def declare_table(table: str, entries: Iterable[tuple], where: str,
                  kind: str = "simulator") -> dict[str, object]:
    """Declare a named group of constants; returns ``{key: value}``.

    ``entries`` are ``(key, value, unit, source, note)`` tuples; each is
    recorded as ``table[key]``.
    """
    out = {}
    for key, value, unit, source, note in entries:
        out[key] = declare(f"{table}[{key}]", value, unit, source, where, note, kind)
    return out


def declared(kind: str | None = None) -> list[Assumption]:
    """Every declaration of the modules imported so far, sorted by module and name."""
    items = [a for a in _REGISTRY.values() if kind is None or a.kind == kind]
    return sorted(items, key=lambda a: (a.where, a.name))


def is_painmech_mark(source: str) -> bool:
    """True if ``source`` marks a painmech choice or calibration."""
    s = str(source).strip().lower()
    return s.startswith(CHOICE) or s.startswith(CALIBRATED)


def format_value(value) -> str:
    """Compact text of a number, tuple or mapping (``g`` format, 6 significant digits)."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:g}"
    try:  # numpy scalars
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)
