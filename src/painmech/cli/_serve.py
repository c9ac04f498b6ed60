"""``painmech serve``: run the web application and REST API."""

from __future__ import annotations

from pathlib import Path

import typer

from painmech.cli._app import app, console, err_console


@app.command(rich_help_panel="Database and web app")
def serve(db: str | None = typer.Option(None, "--db", help="Database URL (default: "
                                        "$PAINMECH_DB_URL or the SQLite file in "
                                        "~/.local/share/painmech)."),
          port: int = typer.Option(8000, "--port", "-p", help="TCP port."),
          host: str = typer.Option("127.0.0.1", help="Interface to listen on (127.0.0.1 keeps "
                                   "the app on this computer)."),
          threads: int | None = typer.Option(None, "--threads", min=1,
                                             help="Requests served at the same time in worker "
                                             "threads (default: $PAINMECH_THREADS or 40). "
                                             "About twice the CPU cores gives the lowest "
                                             "latency under load; more keep pages answering "
                                             "while slow reports or imports run."),
          job_timeout: float = typer.Option(600.0, "--job-timeout", min=1.0,
                                            help="Seconds after which a background job "
                                            "(simulation, cohort statistics) is stopped."),
          docs_assets: Path | None = typer.Option(
              None, "--docs-assets", file_okay=False,
              help="Folder with swagger-ui-bundle.js and swagger-ui.css (npm package "
              "swagger-ui-dist): serves interactive API docs at /docs from this server "
              "(default: $PAINMECH_DOCS_ASSETS; without it only /openapi.json).")) -> None:
    """Start the web application (German/English) and the REST API (/openapi.json)."""
    import uvicorn

    from painmech.api import create_app
    from painmech.cli._db import open_or_exit

    try:
        application = open_or_exit(lambda: create_app(db, request_threads=threads,
                                                      job_timeout_s=job_timeout,
                                                      docs_assets=docs_assets))
    except FileNotFoundError as err:  # the docs folder lacks the Swagger UI files
        err_console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1) from None
    docs = "/docs" if application.state.docs else "/openapi.json"
    console.print(f"painmech at [bold]http://{host}:{port}/[/bold]  (API: {docs}; "
                  "Ctrl+C stops)")
    uvicorn.run(application, host=host, port=port, log_level="warning")
