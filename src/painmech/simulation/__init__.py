"""Virtual patients: the back-pain neuraxis model and its virtual test battery.

The public entry point is :func:`simulate_cohort`, which returns a
:class:`SimulationResult` holding tables in painmech's data contract
(subjects, observations, TMS grid, tDCS MEP series, ROI time series) plus
the ground truth (expressed mechanism parameters per visit). Its
``noise_scale`` multiplies every measurement-noise term and its ``scenario``
(:data:`SCENARIOS`) changes effect sizes, prevalences or what drives a test.
:func:`calibration_report` compares simulated cohorts with the published
targets of the simulator design; :func:`validate_profiler` and
:func:`recovery_study` run the profile pipeline on virtual cohorts and
report how well it recovers the simulated mechanisms;
:func:`recovery_markdown` writes ``docs/recovery.md`` from that table.
"""

from painmech.simulation._calibration import (
    CALIBRATION_COLUMNS,
    calibration_report,
    retest_iccs,
)
from painmech.simulation._cohort import INSTRUMENTS, SimulationResult, simulate_cohort
from painmech.simulation._params import MECHANISM_PARAMS, MechanismParam
from painmech.simulation._recovery import (
    RECOVERY_COLUMNS,
    VALIDATION_COLUMNS,
    pipeline_metrics,
    profile_simulation,
    recovery_study,
    recovery_table,
    validate_profiler,
)
from painmech.simulation._recovery_docs import recovery_markdown
from painmech.simulation._scenario import SCENARIOS, Scenario
from painmech.simulation._targets import TARGETS, Target

__all__ = [
    "CALIBRATION_COLUMNS",
    "INSTRUMENTS",
    "MECHANISM_PARAMS",
    "MechanismParam",
    "RECOVERY_COLUMNS",
    "SCENARIOS",
    "Scenario",
    "SimulationResult",
    "TARGETS",
    "Target",
    "VALIDATION_COLUMNS",
    "calibration_report",
    "pipeline_metrics",
    "profile_simulation",
    "recovery_markdown",
    "recovery_study",
    "recovery_table",
    "retest_iccs",
    "simulate_cohort",
    "validate_profiler",
]
