"""The ten mechanisms: rules, evidence texts (de/en), references and profile().

:func:`profile` turns a scores table (:func:`painmech.norms.zscore`) into the
profile table of design.md §3. The rules, the measurement-error model and
every threshold are documented in :func:`catalog_table`,
:class:`ProfileSettings` and :func:`reliability_table`, with sources in
:func:`bibliography`.
"""

from painmech.mechanisms._bib import bibliography, check_keys, cite
from painmech.mechanisms._catalog import (
    CATALOG,
    EVIDENCE_LEVELS,
    Component,
    MechanismSpec,
    catalog_table,
)
from painmech.mechanisms._caveats import (
    CAVEATS,
    INFLUENCE,
    Note,
    caveat_table,
    influence_table,
)
from painmech.mechanisms._model import (
    KEMP_SEM_KPA,
    RELIABILITY,
    STATUSES,
    ProfileSettings,
    Reliability,
    exceed_probability,
    reliability_table,
)
from painmech.mechanisms._profile import PROFILE_COLUMNS, profile
from painmech.mechanisms._texts import (
    FLAG_TEXT,
    LANGS,
    MECHANISM_TEXT,
    PATTERN_TEXT,
    STATUS_TEXT,
    mechanism_text,
)

__all__ = [
    "CATALOG",
    "CAVEATS",
    "EVIDENCE_LEVELS",
    "FLAG_TEXT",
    "INFLUENCE",
    "KEMP_SEM_KPA",
    "LANGS",
    "MECHANISM_TEXT",
    "PATTERN_TEXT",
    "PROFILE_COLUMNS",
    "RELIABILITY",
    "STATUSES",
    "STATUS_TEXT",
    "Component",
    "MechanismSpec",
    "Note",
    "ProfileSettings",
    "Reliability",
    "bibliography",
    "catalog_table",
    "caveat_table",
    "check_keys",
    "cite",
    "exceed_probability",
    "influence_table",
    "mechanism_text",
    "profile",
    "reliability_table",
]
