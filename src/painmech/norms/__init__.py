"""Reference sets with provenance, and z-scores.

* :class:`ReferenceSet` — on the transformed scale, per metric and site a
  regression on age and sex where the controls allow it (Magerl et al. 2010),
  else mean and SD by sex (and age band), else pooled; ``fit`` on a study's
  healthy controls, ``save``/``load`` as CSV + JSON.
* :func:`zscore` — signed so that positive = more pain-sensitive / abnormal;
  ``abnormal`` by the Crawford & Howell (1998) test against the finite
  reference (:func:`crawford_howell_limit`), the model used in ``ref_model``.
* :func:`quality_check` — binomial test of abnormal values among controls.

No published reference values are shipped (their printed tables could not be
sourced); see :mod:`painmech.norms._reference`.
"""

from painmech.norms._imaging import ImagingReference
from painmech.norms._reference import REFERENCE_COLUMNS, Provenance, ReferenceSet
from painmech.norms._transform import transform_values
from painmech.norms._zscore import (
    DEFAULT_COUNT_LIMITS,
    SCORE_COLUMNS,
    crawford_howell_limit,
    quality_check,
    zscore,
)

__all__ = [
    "DEFAULT_COUNT_LIMITS",
    "ImagingReference",
    "REFERENCE_COLUMNS",
    "SCORE_COLUMNS",
    "Provenance",
    "ReferenceSet",
    "crawford_howell_limit",
    "quality_check",
    "transform_values",
    "zscore",
]
