"""The FastAPI application factory."""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from painmech import __version__
from painmech.api._deps import audit_denial
from painmech.api._errors import install_error_handlers
from painmech.api._limits import DEFAULT_MAX_BODY, BodySizeLimit, SecurityHeaders
from painmech.storage import open_database

__all__ = ["create_app"]


def create_app(db_url: str | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY,
               secret: bytes | None = None, job_timeout_s: float = 600.0,
               job_workers: int = 2, reference_min_n: int = 10) -> FastAPI:
    """Build the painmech web application and REST API.

    Parameters
    ----------
    db_url : str, optional
        Database URL (see :func:`painmech.storage.open_database`); the schema
        is created on first use.
    max_body_bytes : int
        Largest request body accepted (413 beyond it), default 50 MiB.
    secret : bytes, optional
        Key for CSRF tokens; random per process when omitted (sessions stay
        valid across restarts; only open forms need a reload).
        ``$PAINMECH_SECRET`` (hex) is used when set.
    job_timeout_s : float
        Background jobs (simulation, cohort statistics) are stopped after
        this many seconds.
    job_workers : int
        Background jobs run at the same time.
    reference_min_n : int
        Fewest healthy controls of a study per reference cell before its
        metrics get z-scores (:class:`painmech.norms.ReferenceSet`).

    Returns
    -------
    fastapi.FastAPI
        REST API under ``/api`` (OpenAPI at ``/openapi.json``, docs at
        ``/docs``) and the web pages (German/English).
    """
    from painmech.api import _rest, _rest_analysis, _rest_data, _web, _web_cohort, _web_subject
    from painmech.api._jobs import JobRunner

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.jobs.shutdown()
        app.state.db.dispose()

    app = FastAPI(title="painmech", version=__version__, lifespan=lifespan,
                  description="Study database, mechanism profiles and reports for back-pain "
                              "research. Authenticate with `Authorization: Bearer <token>` "
                              "(create one at POST /api/auth/tokens after logging in).")
    app.state.db = open_database(db_url)
    env_secret = os.environ.get("PAINMECH_SECRET")
    app.state.secret = secret or (bytes.fromhex(env_secret) if env_secret
                                  else secrets.token_bytes(32))
    app.state.audit_denial = audit_denial
    app.state.jobs = JobRunner(app.state.db, timeout_s=job_timeout_s, workers=job_workers)
    app.state.analysis_cache = {}
    app.state.reference_min_n = int(reference_min_n)
    install_error_handlers(app, html_handler=_web.html_error)
    app.include_router(_rest.router)
    app.include_router(_rest_data.router)
    app.include_router(_rest_analysis.router)
    app.include_router(_web.router)
    app.include_router(_web_subject.router)
    app.include_router(_web_cohort.router)
    app.mount("/static", StaticFiles(directory=str(files("painmech.api") / "static")),
              name="static")
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)

    return app
