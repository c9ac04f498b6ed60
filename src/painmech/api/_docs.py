"""Interactive API docs (Swagger UI) served from a local folder, under the CSP.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN and starts it with an
inline script, which the app's Content-Security-Policy (``script-src 'self'``)
forbids; painmech therefore switches it off. Given a folder with the two
Swagger UI files (``swagger-ui-bundle.js``, ``swagger-ui.css``, e.g. from the
npm package ``swagger-ui-dist``), :func:`mount_docs` serves them from this
server and starts Swagger UI with a script file from ``/static``, so the page
keeps the CSP and loads nothing from elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["mount_docs", "DOCS_FILES"]

#: The Swagger UI files the docs folder must hold.
DOCS_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>painmech API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>
"""


def mount_docs(app: FastAPI, folder: str | Path | None) -> bool:
    """Serve ``/docs`` from ``folder`` when given; return whether docs are served.

    Raises
    ------
    FileNotFoundError
        When the folder lacks one of :data:`DOCS_FILES`.
    """
    app.state.docs = False
    if not folder:
        return False
    folder = Path(folder)
    missing = [name for name in DOCS_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: no {', '.join(missing)} there (the API docs need "
                                "the Swagger UI files, e.g. from the npm package "
                                "swagger-ui-dist)")
    app.mount("/docs-assets", StaticFiles(directory=str(folder)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    app.state.docs = True
    return True
