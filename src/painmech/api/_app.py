"""The FastAPI application factory."""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from painmech import __version__
from painmech.api._deps import audit_denial
from painmech.api._errors import install_error_handlers
from painmech.api._limits import DEFAULT_MAX_BODY, BodySizeLimit, SecurityHeaders
from painmech.storage import (
    DEFAULT_LOGIN_POLICY,
    MAX_ACTIVE_JOBS_PER_USER,
    LoginPolicy,
    check_writable,
    load_audit_key,
    open_database,
)

__all__ = ["create_app"]


def create_app(db_url: str | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY,
               secret: bytes | None = None, job_timeout_s: float = 600.0,
               job_workers: int = 2, reference_min_n: int = 10,
               request_threads: int | None = None,
               login_policy: LoginPolicy | None = None,
               max_jobs_per_user: int | None = MAX_ACTIVE_JOBS_PER_USER,
               job_heartbeat_s: float = 30.0, job_stale_after_s: float | None = None,
               docs_assets: str | Path | None = None) -> FastAPI:
    """Build the painmech web application and REST API.

    Parameters
    ----------
    db_url : str, optional
        Database URL (see :func:`painmech.storage.open_database`); the schema
        is created on first use. Audit entries are sealed when an audit key is
        configured (``$PAINMECH_AUDIT_KEY`` or ``$PAINMECH_AUDIT_KEY_FILE``).
    max_body_bytes : int
        Largest request body accepted (413 beyond it), default 50 MiB.
    secret : bytes, optional
        Key for CSRF tokens; random per process when omitted (sessions stay
        valid across restarts; only open forms need a reload).
        ``$PAINMECH_SECRET`` (hex) is used when set.
    job_timeout_s : float
        Background jobs (simulation, cohort statistics) are stopped after
        this many seconds; the worker process also stops itself then, and
        when its server is gone.
    job_workers : int
        Background jobs run at the same time.
    max_jobs_per_user : int or None
        Most jobs one user may have queued or running (429 beyond), default 4.
    job_heartbeat_s, job_stale_after_s : float
        The server records every ``job_heartbeat_s`` seconds (default 30) that
        its jobs are alive; at start-up and at each heartbeat, queued or
        running jobs not seen alive for ``job_stale_after_s`` (default three
        heartbeats) are marked failed: their server was killed.
    login_policy : LoginPolicy, optional
        Login throttling (default :data:`painmech.storage.DEFAULT_LOGIN_POLICY`:
        5 failures per name or 20 per address lock for 60 s, doubling).
    docs_assets : str or Path, optional
        Folder holding ``swagger-ui-bundle.js`` and ``swagger-ui.css`` (e.g.
        from the npm package ``swagger-ui-dist``): serves the interactive API
        docs at ``/docs`` from this server under the same CSP as every page.
        Without it there is no ``/docs`` (nothing is loaded from a CDN); the
        schema is at ``/openapi.json``. ``$PAINMECH_DOCS_ASSETS`` when omitted.
    reference_min_n : int
        Fewest healthy controls of a study per reference cell before its
        metrics get z-scores (:class:`painmech.norms.ReferenceSet`).
    request_threads : int, optional
        Requests served at the same time in worker threads (database work,
        pages, reports); ``$PAINMECH_THREADS`` when omitted, else AnyIO's
        default of 40. Fewer threads mean less contention for the interpreter
        under load (on 2 cores, 4 threads cut the profile page's p95 at 20
        clients by about a third, see benchmarks/); more threads keep other
        pages answering while slow requests (a first analysis after new data,
        PDF reports, large imports) are running.

    Returns
    -------
    fastapi.FastAPI
        REST API under ``/api`` (OpenAPI at ``/openapi.json``) and the web
        pages (German/English).
    """
    from painmech.api import (
        _rest,
        _rest_admin,
        _rest_analysis,
        _rest_data,
        _web,
        _web_cohort,
        _web_subject,
    )
    from painmech.api._docs import mount_docs
    from painmech.api._jobs import JobRunner

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if threads is not None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield
        app.state.jobs.shutdown()
        app.state.db.dispose()

    threads = request_threads
    if threads is None and os.environ.get("PAINMECH_THREADS"):
        text = os.environ["PAINMECH_THREADS"]
        if not text.strip().isdigit():
            raise ValueError(f"$PAINMECH_THREADS must be a whole number of threads, got {text!r}")
        threads = int(text)
    if threads is not None and threads < 1:
        raise ValueError(f"request_threads must be at least 1, got {threads}")

    app = FastAPI(title="painmech", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Study database, mechanism profiles and reports for back-pain "
                              "research. Authenticate with `Authorization: Bearer <token>` "
                              "(create one at POST /api/auth/tokens after logging in).")
    app.state.db = open_database(db_url, audit_key=load_audit_key(required=False))
    check_writable(app.state.db)  # a read-only database fails here, not at the first login
    env_secret = os.environ.get("PAINMECH_SECRET")
    app.state.secret = secret or (bytes.fromhex(env_secret) if env_secret
                                  else secrets.token_bytes(32))
    app.state.audit_denial = audit_denial
    app.state.login_policy = login_policy or DEFAULT_LOGIN_POLICY
    app.state.jobs = JobRunner(app.state.db, timeout_s=job_timeout_s, workers=job_workers,
                               max_active_per_user=max_jobs_per_user,
                               heartbeat_s=job_heartbeat_s, stale_after_s=job_stale_after_s)
    app.state.analysis_cache = {}
    app.state.reference_min_n = int(reference_min_n)
    install_error_handlers(app, html_handler=_web.html_error)
    app.include_router(_rest.router)
    app.include_router(_rest_admin.router)
    app.include_router(_rest_data.router)
    app.include_router(_rest_analysis.router)
    app.include_router(_web.router)
    app.include_router(_web_subject.router)
    app.include_router(_web_cohort.router)
    app.mount("/static", StaticFiles(directory=str(files("painmech.api") / "static")),
              name="static")
    mount_docs(app, docs_assets or os.environ.get("PAINMECH_DOCS_ASSETS"))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)

    return app
