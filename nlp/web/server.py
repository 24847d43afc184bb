"""Serving the app: uvicorn with time limits on idle and slow connections.

uvicorn closes a keep-alive connection that stays idle after a response, but a
connection that never sends a complete request head is kept open indefinitely, and its
``limit_concurrency`` counts open connections, so 64 silent sockets made every real request
answer 503. Here a connection must deliver its request head within ``header_timeout``
seconds (of connecting, or of its previous response), and the concurrency limit counts
requests being answered (:class:`RequestLimit`), not sockets.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds to send a request head; slowloris clients are cut off


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._seen_cycle: Any = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _cancel_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self.cycle is not self._seen_cycle:
            self._seen_cycle = self.cycle  # a request head arrived: the app now has the connection
            self._cancel_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request head has the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


class RequestLimit:
    """ASGI middleware: at most ``limit`` HTTP requests in progress, others get 503."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.active = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            body = json.dumps({"error": "Tjänsten är överbelastad just nu; försök igen om en stund.",
                               "status": 503}, ensure_ascii=False).encode("utf-8")
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"retry-after", b"1"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


class HeadAsGet:
    """ASGI middleware: HEAD is answered as GET without the body (RFC 9110), so that link
    checkers and monitors see 200 rather than 405."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        scope = dict(scope, method="GET")

        async def send_headers_only(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app(scope, receive, send_headers_only)


def serve(app: Any, host: str, port: int, limit_concurrency: int, log_level: str = "warning",
          header_timeout: float = HEADER_TIMEOUT) -> None:
    """Run ``app`` with uvicorn, time-limited connections and a request limit."""
    import uvicorn

    protocol = type("RapportH11Protocol", (TimedH11Protocol,), {"header_timeout": header_timeout})
    config = uvicorn.Config(RequestLimit(app, limit_concurrency), host=host, port=port,
                            log_level=log_level, access_log=log_level == "debug", server_header=False,
                            http=protocol, timeout_keep_alive=5,
                            # a cap on sockets only against file-descriptor exhaustion
                            limit_concurrency=max(1024, 16 * limit_concurrency))
    uvicorn.Server(config).run()
