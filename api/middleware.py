"""ASGI middleware: a request id and one structured log line per request; a body-size cap."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import redact_target

log = logging.getLogger("parkgis.access")


class RequestContextMiddleware:
    """Give each request an id (``X-Request-ID``, kept when the caller sends a sane one),
    return it in the response, and log method, path, status, duration and user as JSON."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}

        if _has_nul(scope):
            await _problem(send, request_id, 400, "BadRequest", *_NUL_TEXT, "query")
            self._log(scope, 400, started, request_id)
            return

        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await _too_large(send, request_id, self.max_body_bytes)
            self._log(scope, 413, started, request_id)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await _too_large(send, request_id, self.max_body_bytes)
            status_holder["status"] = 413
        self._log(scope, status_holder["status"], started, request_id)

    @staticmethod
    def _log(scope: Scope, status: int, started: float, request_id: str) -> None:
        """One JSON line: id, method, path (secrets redacted), status, ms, user name."""
        query = (scope.get("query_string") or b"").decode("latin-1")
        target = scope.get("path", "") + (f"?{query}" if query else "")
        log.info(
            json.dumps(
                {
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": redact_target(target),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": scope.get("state", {}).get("user_name", "anonymous"),
                },
                ensure_ascii=False,
            )
        )


class _BodyTooLarge(Exception):
    pass


_NUL_TEXT = ("请求地址或参数中含有空字符（NUL）", "NUL characters in the path or query string")


def _has_nul(scope: Scope) -> bool:
    """NUL can never reach PostgreSQL text: refuse it at the edge (raw or %00)."""
    query = scope.get("query_string") or b""
    return "\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query


async def _too_large(send: Send, request_id: str, limit: int) -> None:
    await _problem(
        send,
        request_id,
        413,
        "PayloadTooLarge",
        f"上传内容过大（上限 {limit // 1_000_000} MB）",
        f"request body larger than {limit} bytes",
        "body",
    )


async def _problem(
    send: Send, request_id: str, status: int, title: str, zh: str, en: str, field: str
) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": en,
            "message": zh,
            "message_en": en,
            "field": field,
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
