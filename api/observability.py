"""Request ids, structured JSON logs and Prometheus metrics.

Pure ASGI middleware (not BaseHTTPMiddleware) so the hot path pays for no extra task per request."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from functools import lru_cache
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

REQUESTS = Counter("ims_http_requests_total", "HTTP requests", ["method", "path", "status"])
LATENCY = Histogram(
    "ims_http_request_seconds",
    "HTTP request latency",
    ["path"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
_TRACKED_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/oauth/token"})


# The labelled children, looked up once: `labels()` takes a lock and builds a key on every call.
@lru_cache(maxsize=512)
def _requests(method: str, path: str, status: str) -> Any:
    return REQUESTS.labels(method, path, status)


@lru_cache(maxsize=16)
def _latency(path: str) -> Any:
    return LATENCY.labels(path)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class RequestContextMiddleware:
    """Gives every request an id (honouring a sane incoming X-Request-ID), echoes it back, times the
    request, and refuses bodies larger than the configured limit with 413 before reading them.
    Multipart uploads to `upload_paths` get the larger `upload_max_bytes` limit."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        upload_max_bytes: int | None = None,
        upload_paths: frozenset[str] = frozenset({"/graphql"}),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_max_bytes = upload_max_bytes
        self.upload_paths = upload_paths

    def _limit(self, scope: Scope, headers: dict[bytes, bytes]) -> int:
        if self.upload_max_bytes and scope["path"] in self.upload_paths:
            content_type = headers.get(b"content-type", b"")
            if content_type.lower().startswith(b"multipart/form-data"):
                return self.upload_max_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        path = scope["path"] if scope["path"] in _TRACKED_PATHS else "other"

        limit = self._limit(scope, headers)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _plain(send, 413, b'{"error":"request body too large"}', request_id)
            _requests(scope["method"], path, "413").inc()
            request_id_var.reset(token)
            return

        received = 0

        async def guarded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, guarded_receive, send_with_id)
        except _BodyTooLarge:
            status = 413
            await _plain(send, 413, b'{"error":"request body too large"}', request_id)
        finally:
            _requests(scope["method"], path, str(status)).inc()
            _latency(path).observe(time.perf_counter() - started)
            request_id_var.reset(token)


class _BodyTooLarge(Exception):
    pass


async def _plain(send: Send, status: int, body: bytes, request_id: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
