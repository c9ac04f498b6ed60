"""painmech: the neurobiological mechanisms of back pain, measured per patient.

The core subpackages (``registry``, ``measures``, ``norms``, ``mechanisms``,
``longitudinal``, ``cohort``, ``simulation``, ``datasets``) work on tidy long
pandas tables; the adapters (``io``, ``report``, ``storage``, ``api``, ``cli``,
``distributed``) sit on top of them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("painmech")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
