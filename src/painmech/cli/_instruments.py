"""Instrument inputs of ``painmech metrics``: TMS grids, tDCS series, ROI time
series, FreeSurfer folders and blood files with ``<LOD`` cells.

Thin glue: each option is read with its :mod:`painmech.io` reader and turned
into metrics with the matching :mod:`painmech.measures` function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from painmech.io import (
    read_blood,
    read_freesurfer,
    read_roi_timeseries,
    read_table,
    read_tdcs_series,
    read_tms_grid,
)
from painmech.measures import connectivity_metrics, homeostatic_metrics, tms_map_metrics

__all__ = ["InstrumentInputs"]


@dataclass
class InstrumentInputs:
    """Paths given on the command line for instrument data."""

    tms: Path | None = None
    tdcs: Path | None = None
    roi: list[Path] = field(default_factory=list)
    roi_map: Path | None = None
    fc_kind: str = "correlation"
    freesurfer: list[Path] = field(default_factory=list)
    blood: Path | None = None

    @property
    def given(self) -> bool:
        """Whether any instrument input was given."""
        return bool(self.tms or self.tdcs or self.roi or self.freesurfer or self.blood)

    def observations(self, subjects: pd.DataFrame | None) -> list[pd.DataFrame]:
        """Observation tables from FreeSurfer folders and the blood file."""
        out = []
        if self.freesurfer:
            out.append(read_freesurfer(self.freesurfer))
        if self.blood is not None:
            out.append(read_blood(self.blood, subjects=subjects))
        return out

    def metrics(self) -> list[pd.DataFrame]:
        """Metrics tables from the TMS, tDCS and ROI inputs."""
        out = []
        if self.tms is not None:
            out.append(tms_map_metrics(read_tms_grid(self.tms)))
        if self.tdcs is not None:
            out.append(homeostatic_metrics(read_tdcs_series(self.tdcs)))
        if self.roi:
            names = None
            if self.roi_map is not None:
                table, _ = read_table(self.roi_map)
                if not {"label", "roi"} <= set(table.columns):
                    raise ValueError(f"{self.roi_map}: the ROI map needs columns label, roi")
                names = dict(zip(table["label"].astype(str), table["roi"].astype(str),
                                 strict=True))
            series = read_roi_timeseries(self.roi)
            out.append(connectivity_metrics(series, roi_names=names, kind=self.fc_kind))
        return out
