"""Virtual patients: the back-pain neuraxis model and its virtual test battery.

The public entry point is :func:`simulate_cohort`, which returns a
:class:`SimulationResult` holding tables in painmech's data contract
(subjects, observations, TMS grid, tDCS MEP series, ROI time series) plus
the ground truth (expressed mechanism parameters per visit).
:func:`calibration_report` compares simulated cohorts with the published
targets of the simulator design; :func:`validate_profiler` runs the profile
pipeline on virtual cohorts and reports how well it recovers the simulated
mechanisms.
"""

from painmech.simulation._calibration import calibration_report
from painmech.simulation._cohort import INSTRUMENTS, SimulationResult, simulate_cohort
from painmech.simulation._params import MECHANISM_PARAMS, MechanismParam
from painmech.simulation._recovery import (
    RECOVERY_COLUMNS,
    pipeline_metrics,
    profile_simulation,
    recovery_table,
    validate_profiler,
)

__all__ = [
    "INSTRUMENTS",
    "MECHANISM_PARAMS",
    "MechanismParam",
    "RECOVERY_COLUMNS",
    "SimulationResult",
    "calibration_report",
    "pipeline_metrics",
    "profile_simulation",
    "recovery_table",
    "simulate_cohort",
    "validate_profiler",
]
