"""``painmech serve``: run the web application and REST API."""

from __future__ import annotations

import typer

from painmech.cli._app import app, console


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
                                             "while slow reports or imports run.")) -> None:
    """Start the web application (German/English) and the REST API (/docs)."""
    import uvicorn

    from painmech.api import create_app
    from painmech.cli._db import open_or_exit

    application = open_or_exit(lambda: create_app(db, request_threads=threads))
    console.print(f"painmech at [bold]http://{host}:{port}/[/bold]  (API docs: /docs; "
                  "Ctrl+C stops)")
    uvicorn.run(application, host=host, port=port, log_level="warning")
