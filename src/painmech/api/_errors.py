"""One error body for every API failure: ``{"error": {"code", "message", "problems"?}}``.

``problems`` is the problem table (``file, row, column, value, reason``) as a
list of records, present when the input broke validation rules.
"""

from __future__ import annotations

import logging

import pandas as pd
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from painmech.exceptions import InputFormatError, UnknownMeasureError, ValidationError
from painmech.storage import (
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ReasonRequired,
    TooManyRequests,
    database_error_message,
)

__all__ = ["ApiError", "error_body", "problems_records", "install_error_handlers",
           "STATUS_CODES"]

log = logging.getLogger("painmech.api")

#: HTTP status → error code of the body.
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large",
                415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
                500: "internal_error", 503: "unavailable", 504: "timeout"}


class ApiError(Exception):
    """An error with a status, a code and a message (raised by routes)."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.problems = problems


def problems_records(problems: pd.DataFrame) -> list[dict]:
    """The problem table as JSON-safe records (row as int, everything else text)."""
    frame = problems[["file", "row", "column", "value", "reason"]].copy()
    frame["row"] = frame["row"].astype("int64")
    for col in ("file", "column", "value", "reason"):
        frame[col] = frame[col].astype("string").fillna("").astype(str)
    return [{**r, "row": int(r["row"])} for r in frame.to_dict("records")]


def error_body(code: str, message: str, problems: pd.DataFrame | list | None = None) -> dict:
    """The JSON error body."""
    body: dict = {"code": code, "message": message}
    if problems is not None:
        body["problems"] = (problems_records(problems) if isinstance(problems, pd.DataFrame)
                            else problems)
    return {"error": body}


def _json(status: int, code: str, message: str, problems=None, headers=None) -> JSONResponse:
    return JSONResponse(error_body(code, message, problems), status_code=status,
                        headers=headers)


def _request_problems(err: RequestValidationError) -> list[dict]:
    out = []
    for item in err.errors():
        loc = [str(p) for p in item.get("loc", ())]
        value = item.get("input", "")
        out.append({"file": "<request>", "row": 0, "column": ".".join(loc),
                    "value": str(value)[:200] if not isinstance(value, dict) else "",
                    "reason": str(item.get("msg", "invalid"))})
    return out


def _allowed_methods(request: Request) -> str:
    """Every method some route offers at this path (Starlette names only the first route's).

    RFC 9110 §15.5.6: a 405 response lists the methods the resource supports.
    """
    from starlette.routing import Match

    methods = set()
    for route in request.app.router.routes:
        offered = getattr(route, "methods", None)
        if offered and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(offered)
    return ", ".join(sorted(methods))


def install_error_handlers(app, html_handler=None) -> None:
    """Map painmech and HTTP errors to the error body (or to HTML pages).

    Parameters
    ----------
    html_handler : callable, optional
        ``(request, status, code, message, problems) -> Response`` used for
        requests outside ``/api`` (the web pages).
    """

    def respond(request: Request, status: int, code: str, message: str, problems=None,
                headers=None):
        if html_handler is not None and not request.url.path.startswith("/api"):
            return html_handler(request, status, code, message, problems)
        return _json(status, code, message, problems, headers)

    @app.exception_handler(ApiError)
    async def _api(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, exc.problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return respond(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"),
                       str(exc.detail), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        return respond(request, 422, "invalid_request", "the request is not valid",
                       _request_problems(exc))

    @app.exception_handler(ValidationError)
    async def _validation(request, exc: ValidationError):
        return respond(request, 422, "validation_failed",
                       f"{len(exc.problems)} problem(s); nothing was stored", exc.problems)

    @app.exception_handler(InputFormatError)
    async def _format(request, exc):
        return respond(request, 422, "bad_file", str(exc))

    @app.exception_handler(UnknownMeasureError)
    async def _unknown(request, exc):
        return respond(request, 422, "unknown_id", str(exc))

    @app.exception_handler(ReasonRequired)
    async def _reason(request, exc):
        return respond(request, 422, "reason_required", str(exc))

    @app.exception_handler(AuthenticationError)
    async def _auth(request, exc):
        return respond(request, 401, "unauthorized", str(exc),
                       headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(PermissionDenied)
    async def _denied(request, exc: PermissionDenied):
        audit = getattr(request.app.state, "audit_denial", None)
        if audit is not None:
            await audit(request, exc)
        if exc.hidden:  # no role in the study: answer as for a study that does not exist
            return respond(request, 404, "not_found", f"no study {exc.study_code!r}")
        return respond(request, 403, "forbidden", str(exc))

    @app.exception_handler(TooManyRequests)
    async def _too_many(request, exc: TooManyRequests):
        headers = ({"Retry-After": str(max(1, round(exc.retry_after)))}
                   if exc.retry_after is not None else None)
        return respond(request, 429, "too_many_requests", str(exc), headers=headers)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request, exc: SQLAlchemyError):
        # one line, without the statement: hide_parameters keeps values out of
        # str(exc), and the statement itself says nothing an operator needs
        message = database_error_message(exc)
        log.error("database error on %s %s: %s", request.method, request.url.path, message)
        return respond(request, 503, "unavailable", message)

    @app.exception_handler(NotFound)
    async def _missing(request, exc):
        return respond(request, 404, "not_found", str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(request, exc):
        return respond(request, 409, "conflict", str(exc))

    @app.exception_handler(ValueError)
    async def _value(request, exc):
        return respond(request, 422, "invalid_value", str(exc))

    @app.exception_handler(Exception)
    async def _crash(request, exc):  # never show a stack trace to the client
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500, "internal_error", "internal error; see the server log")
