"""Reference sets with provenance, and z-scores.

* :class:`ReferenceSet` — mean and SD on the transformed scale by metric, site,
  sex and age band; ``fit`` on a study's healthy controls, ``save``/``load``
  as CSV + JSON.
* :func:`zscore` — signed so that positive = more pain-sensitive / abnormal.
* :func:`quality_check` — binomial test of abnormal values among controls.

No published reference values are shipped (their printed tables could not be
sourced); see :mod:`painmech.norms._reference`.
"""

from painmech.norms._imaging import ImagingReference
from painmech.norms._reference import REFERENCE_COLUMNS, Provenance, ReferenceSet
from painmech.norms._transform import transform_values
from painmech.norms._zscore import DEFAULT_COUNT_LIMITS, quality_check, zscore

__all__ = [
    "DEFAULT_COUNT_LIMITS",
    "ImagingReference",
    "REFERENCE_COLUMNS",
    "Provenance",
    "ReferenceSet",
    "quality_check",
    "transform_values",
    "zscore",
]
