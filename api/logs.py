"""Logs without secrets: one JSON line per request, and no key in any log line.

``parkgis.access`` (api/middleware.py) writes one JSON line per request: request id,
method, path (query secrets redacted), status, milliseconds and the user's name. The
query parameters that carry secrets (``key``, ``token``...) and any value that looks like
an API key (``pk_...``) are replaced by ``[redacted]`` there, in uvicorn's access log and
in every line of the ``parkgis`` loggers (:class:`RedactSecrets`).
"""

from __future__ import annotations

import logging
import re
import sys
from urllib.parse import parse_qsl, urlencode

#: Query parameters whose values are secrets.
SECRET_PARAMS = frozenset(
    {"key", "api_key", "apikey", "token", "access_token", "password", "session", "csrf_token"}
)
#: An API key as parkgis issues them (``pk_`` + 43 URL-safe characters), wherever it is.
_KEY_PATTERN = re.compile(r"pk_[A-Za-z0-9_\-]{8,}")
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    """``text`` with every API-key-like value replaced."""
    return _KEY_PATTERN.sub(REDACTED, text)


def redact_query(query: str) -> str:
    """A query string with the values of secret parameters (and key-like values) redacted."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [(k, REDACTED if k.lower() in SECRET_PARAMS else redact_text(v)) for k, v in pairs]
    return urlencode(cleaned, safe="[]")


def redact_target(target: str) -> str:
    """A request target (path and query) with its secrets redacted."""
    path, sep, query = target.partition("?")
    return redact_text(path) + (sep + redact_query(query) if sep else "")


class RedactSecrets(logging.Filter):
    """Rewrite a record so that no secret of a URL or an API key reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn: (client, method, target, http version, status)
            record.args = tuple(
                redact_target(a) if i == 2 and isinstance(a, str) else a
                for i, a in enumerate(record.args)
            )
            return True
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Redact uvicorn's and parkgis's log lines; make the request log line reach stderr.

    Idempotent (create_app calls it for every app). The ``parkgis`` loggers get a stderr
    handler at INFO when nothing else handles them (``parkgis serve``), so the JSON
    request line the README promises is written.
    """
    for name in ("uvicorn.access", "uvicorn.error", "parkgis", "parkgis.access", "parkgis.api"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    parkgis_log = logging.getLogger("parkgis")
    if parkgis_log.level == logging.NOTSET:
        parkgis_log.setLevel(logging.INFO)
    if not parkgis_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(_FILTER)
        parkgis_log.addHandler(handler)
