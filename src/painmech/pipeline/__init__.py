"""The profile pipeline in one call: observations → metrics → z-scores → profile.

:func:`run_profile` chains :func:`painmech.measures.compute_metrics`,
:func:`painmech.norms.zscore` and :func:`painmech.mechanisms.profile` on whole
columns. :func:`fit_reference` fits the reference set once (on the healthy
controls) so that the same set can then be applied to any subset of subjects
— the basis of partitioned and distributed runs (:mod:`painmech.distributed`),
whose results equal the whole-table results exactly.
"""

from painmech.pipeline._run import (
    PipelineResult,
    control_metrics,
    fit_reference,
    profile_partition,
    run_profile,
)

__all__ = ["PipelineResult", "control_metrics", "fit_reference", "profile_partition",
           "run_profile"]
