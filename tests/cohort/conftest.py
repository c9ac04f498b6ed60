import pytest
from synth import make_cohort


@pytest.fixture(scope="session")
def cohort():
    """Synthetic cohort with known effects (see synth.py): subjects, metrics, truth."""
    return make_cohort(seed=7)
