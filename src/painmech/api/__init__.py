"""FastAPI application: REST API and server-rendered web UI (German and English).

>>> from painmech.api import create_app
>>> app = create_app("sqlite:///study.sqlite")      # doctest: +SKIP
"""

from painmech.api._app import create_app

__all__ = ["create_app"]
