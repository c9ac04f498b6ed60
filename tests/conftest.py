"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator (seed fixed so failures reproduce)."""
    return np.random.default_rng(12345)


@pytest.fixture
def data_dir() -> Path:
    """Folder of test data files."""
    return DATA
