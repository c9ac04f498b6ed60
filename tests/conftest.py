"""Shared pytest fixtures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


class FakeClock:
    """A clock (callable returning an aware datetime) that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock for time-dependent code (login locks, job heartbeats) without sleeping."""
    return FakeClock()
