"""Every numeric assumption of painmech with its source (``docs/assumptions.md``).

The document is generated from the code, so it cannot drift from it; a test
compares the committed file with :func:`assumptions_markdown`. Regenerate
it with::

    python -m painmech.assumptions docs/assumptions.md

Sources of the rows:

* **Simulator** and **calibration targets** — the constants the simulation
  modules declare through :func:`painmech._utils._assumptions.declare`
  (value, unit, source or painmech mark) and
  :data:`painmech.simulation.TARGETS`;
* **profile rules** — the numeric fields of
  :class:`painmech.mechanisms.ProfileSettings` (their sources are listed in
  :data:`PROFILE_SOURCES` below; a new field without an entry shows as
  ``UNSOURCED`` and fails the test) and the ICCs of
  :func:`painmech.mechanisms.reliability_table`;
* **published measurement error** —
  :data:`painmech.longitudinal.CITED_RELIABILITY`;
* **registry limits** — hard and usual ranges of every measure of
  :data:`painmech.registry.MEASURES` with the measure's ``source``.

Not yet collected: the constants of the claims check (``painmech.cohort``),
which are private to that package.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._assumptions import (
    CALIBRATED,
    CHOICE,
    declared,
    format_value,
    is_painmech_mark,
)

__all__ = ["ASSUMPTION_COLUMNS", "PROFILE_SOURCES", "UNSOURCED", "assumptions_markdown",
           "assumptions_table"]

#: Columns of :func:`assumptions_table`.
ASSUMPTION_COLUMNS = ["section", "name", "value", "unit", "source", "painmech", "where", "note"]
#: Source text of a constant nobody has given a source yet.
UNSOURCED = "UNSOURCED"

#: Sources of the numeric fields of :class:`painmech.mechanisms.ProfileSettings`.
PROFILE_SOURCES: dict[str, tuple[str, str]] = {
    "z_threshold": ("Rolke et al. 2006 Pain 123:231 (DFNS: |z| > 1.96 abnormal)",
                    "abnormality limit on the z scale"),
    "p_indicated": (CHOICE, "probability at or above which a mechanism is indicated"),
    "p_not_indicated": (CHOICE, "probability at or below which it is not indicated"),
    "default_icc": (CHOICE, "ICC of metrics without a sourced reliability"),
    "cpm_sem_kpa": ("Kennedy et al. 2020 J Pain 21:708 (SEM 0.21 kg/cm²)",
                    "SEM of the CPM test PPT"),
    "cpm_responder_k": ("Kennedy et al. 2020 J Pain 21:708 (true effect beyond 2 × SEM)",
                        "multiple of the SEM that marks a true CPM effect"),
    "cold_cpt_cut_degc": ("Sterling et al. 2011 Pain 152:1272 (CPT ≥ 13 °C, OR 26.3)",
                          "whiplash CPT highlighted at or above"),
}

_SECTIONS = {
    "simulator": "Simulator parameters and priors",
    "calibration target": "Calibration targets",
    "rule": "Profile rules",
    "reliability": "Reliability used by the profile rules",
    "measurement error": "Published measurement error (reliable change)",
    "registry": "Registry limits of the raw measures",
}


def _declared_rows(kind: str) -> list[dict]:
    import painmech.simulation  # noqa: F401  (imports every declaring module)

    return [{"section": _SECTIONS[kind], "name": a.name, "value": format_value(a.value),
             "unit": a.unit, "source": a.source, "where": a.where, "note": a.note}
            for a in declared(kind)]


def _rule_rows() -> list[dict]:
    from painmech.mechanisms import ProfileSettings

    defaults = ProfileSettings()
    rows = []
    for f in dataclasses.fields(ProfileSettings):
        value = getattr(defaults, f.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        source, note = PROFILE_SOURCES.get(f.name, (UNSOURCED, "no source recorded: add it "
                                                    "to painmech.assumptions.PROFILE_SOURCES"))
        rows.append({"section": _SECTIONS["rule"], "name": f"ProfileSettings.{f.name}",
                     "value": format_value(value), "unit": "", "source": source,
                     "where": "painmech.mechanisms", "note": note})
    return rows


def _cite_keys(keys: str) -> str:
    from painmech.mechanisms import cite

    out = []
    for key in (k.strip() for k in str(keys).split(";") if k.strip()):
        try:
            out.append(cite(key))
        except (KeyError, ValueError):
            out.append(key)
    return "; ".join(out)


def _reliability_rows() -> list[dict]:
    from painmech.mechanisms import reliability_table

    rows = []
    for r in reliability_table().itertuples(index=False):
        value = format_value(float(r.icc))
        if np.isfinite(r.icc_sequential):
            value += f" (sequential {format_value(float(r.icc_sequential))})"
        rows.append({"section": _SECTIONS["reliability"], "name": f"ICC {r.metric}",
                     "value": value, "unit": "ICC", "source": _cite_keys(r.source),
                     "where": "painmech.mechanisms", "note": r.detail
                     + ("" if r.n_ref is None or pd.isna(r.n_ref) else f"; n_ref {int(r.n_ref)}")})
    return rows


def _error_rows() -> list[dict]:
    from painmech.longitudinal import CITED_RELIABILITY

    rows = []
    for r in CITED_RELIABILITY.itertuples(index=False):
        value = format_value(r.low) if r.low == r.high else (
            f"{format_value(r.low)}–{format_value(r.high)}")
        rows.append({"section": _SECTIONS["measurement error"],
                     "name": f"{r.statistic} {r.metric} ({r.site})", "value": value,
                     "unit": r.unit, "source": r.source, "where": "painmech.longitudinal",
                     "note": r.population})
    return rows


def _registry_rows() -> list[dict]:
    from painmech.registry import MEASURES

    rows = []
    for m in MEASURES.values():
        value = f"hard {format_value(tuple(m.hard))}"
        if m.usual is not None:
            value += f"; usual {format_value(tuple(m.usual))}"
        rows.append({"section": _SECTIONS["registry"], "name": m.id, "value": value,
                     "unit": m.unit, "source": m.source, "where": "painmech.registry",
                     "note": m.label_en})
    return rows


def assumptions_table() -> pd.DataFrame:
    """Every collected numeric assumption, one row each.

    Returns
    -------
    pandas.DataFrame
        :data:`ASSUMPTION_COLUMNS`; ``painmech`` is True where the source is a
        painmech mark (:data:`~painmech._utils._assumptions.CHOICE` or
        :data:`~painmech._utils._assumptions.CALIBRATED`).
    """
    rows = (_declared_rows("simulator") + _declared_rows("calibration target") + _rule_rows()
            + _reliability_rows() + _error_rows() + _registry_rows())
    out = pd.DataFrame(rows)
    out.insert(5, "painmech", out["source"].map(is_painmech_mark))
    return out[ASSUMPTION_COLUMNS]


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


_HEADER = f"""\
# Assumptions: every number and where it comes from

<!-- Generated from the code by painmech.assumptions; do not edit by hand.
Regenerate: python -m painmech.assumptions docs/assumptions.md -->

Each row is a numeric constant of a rule, a reference, a calibration target
or the simulator, with its source. Two marks stand for "no literature
figure":

- **{CHOICE}** — a value painmech chose (a modelling or protocol choice, an
  order of magnitude, a default);
- **{CALIBRATED}** — a value tuned so that simulated cohorts meet a
  published target; the note names the target (see the calibration report,
  `painmech.simulation.calibration_report`).

A source such as "simulator.md" is the project's own design document: the
number is a design choice there, recorded with the literature it follows.
Known gaps are stated in the rows themselves (e.g. Apkarian's whole-neocortex
5–11 % used for the DLPFC, the untraced 52.6 NRS CPM target, directions
recalled but not verified).

"""


def assumptions_markdown() -> str:
    """The ``docs/assumptions.md`` text (deterministic)."""
    table = assumptions_table()
    n_mark = int(table["painmech"].sum())
    parts = [_HEADER, f"{len(table)} rows: {len(table) - n_mark} with a literature or design "
             f"source, {n_mark} marked as painmech choices or calibrations"
             f"{'' if not table['source'].eq(UNSOURCED).any() else ', some UNSOURCED'}.\n\n"]
    for section in dict.fromkeys(table["section"]):
        rows = table.loc[table["section"].eq(section)]
        parts.append(f"## {section}\n\n| name | value | unit | source | where | note |\n"
                     "|---|---|---|---|---|---|\n")
        parts += [f"| `{_cell(r.name)}` | {_cell(r.value)} | {_cell(r.unit)} | "
                  f"{_cell(r.source)} | `{_cell(r.where)}` | {_cell(r.note)} |\n"
                  for r in rows.itertuples(index=False)]
        parts.append("\n")
    return "".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write :func:`assumptions_markdown` to the path given (or print it)."""
    argv = sys.argv[1:] if argv is None else argv
    text = assumptions_markdown()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
