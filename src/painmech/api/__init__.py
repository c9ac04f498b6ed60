"""FastAPI application: REST API and server-rendered web UI."""
