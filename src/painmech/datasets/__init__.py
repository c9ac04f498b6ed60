"""Small data sets shipped with painmech, each with its provenance."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["dataset_path", "list_datasets"]

_DATASETS = {
    "example": (
        "example_subjects.csv",
        "example_observations.csv",
        "Illustrative example study (6 healthy, 6 chronic LBP; PPT, temporal summation, "
        "CPM, pain, PCS, CRP). Synthetic values from painmech.datasets._make_example — "
        "not patients, not a reference.",
    ),
}


def list_datasets() -> dict[str, str]:
    """Return the shipped data sets with a one-line description each."""
    return {name: spec[2] for name, spec in _DATASETS.items()}


def dataset_path(name: str) -> tuple[Path, Path]:
    """Return ``(subjects_csv, observations_csv)`` of a shipped data set."""
    if name not in _DATASETS:
        raise KeyError(f"unknown data set {name!r}; available: {', '.join(_DATASETS)}")
    base = files("painmech.datasets") / "data"
    subj, obs, _ = _DATASETS[name]
    return Path(str(base / subj)), Path(str(base / obs))
