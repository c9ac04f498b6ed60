"""ASGI middleware: request-size limit and security headers.

Every response except the static files gets ``Cache-Control: no-store``:
pages, JSON, CSV exports and PDF reports carry study data, which must not be
kept in a browser's or a proxy's cache.
"""

from __future__ import annotations

import json

__all__ = ["BodySizeLimit", "SecurityHeaders", "DEFAULT_MAX_BODY"]

#: Largest request body accepted by default, in bytes (50 MiB).
DEFAULT_MAX_BODY = 50 * 1024 * 1024


class _TooLarge(Exception):
    pass


async def _reply(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413.

    A declared ``Content-Length`` above the limit is refused before any byte
    is read; chunked bodies are counted while they stream and cut off at the
    limit, so memory stays bounded whatever the client sends.
    """

    def __init__(self, app, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit_msg = f"request body larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await _reply(send, 400, "bad_request", "invalid Content-Length")
                if declared > self.max_bytes:
                    return await _reply(send, 413, "too_large", limit_msg)
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if not started:
                await _reply(send, 413, "too_large", limit_msg)


_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
]


_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Add conservative security headers (no inline scripts, no framing, no sniffing,
    no caching of study data) to every response, the API docs included.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def add_headers(message):
            if message["type"] == "http.response.start":
                path = scope.get("path", "")
                headers = list(message.get("headers", []))
                names = {h[0].lower() for h in headers}
                extra = [h for h in _HEADERS if h[0] not in names]
                if b"cache-control" not in names and not path.startswith(
                        ("/static/", "/docs-assets/")):
                    extra.append(_NO_STORE)
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, add_headers)
