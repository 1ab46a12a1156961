"""Domain exceptions. They know nothing of HTTP; ``api.errors`` maps them to status codes.

Every error carries what a clerk needs to act: the row and field (when there is one),
what was expected and what was found, in Chinese (``message``) and English
(``message_en``).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


@dataclass
class ParkgisError(Exception):
    """Base of all parkgis errors a user can cause and correct."""

    message: str
    message_en: str = ""
    field: str | None = None
    row: int | None = None
    expected: Any = None
    found: Any = None
    details: list[dict[str, Any]] = dataclass_field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message_en or self.message)

    def __str__(self) -> str:
        return self.message_en or self.message

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready dict (problem+json extension members)."""
        out: dict[str, Any] = {"message": self.message, "message_en": self.message_en}
        for key in ("field", "row", "expected", "found"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.details:
            out["details"] = self.details
        return out


class ValidationError(ParkgisError):
    """Input that breaks a rule (format, range, code list, standard)."""


class NotFoundError(ParkgisError):
    """A named thing (layer, feature, case, enquiry) does not exist."""


class ConflictError(ParkgisError):
    """The request contradicts the stored state (duplicate code, illegal transition)."""


class StaleVersionError(ParkgisError):
    """An update was based on an old version of the row (optimistic concurrency)."""


class PermissionDeniedError(ParkgisError):
    """The caller's role may not do or see this."""


class AuthenticationError(ParkgisError):
    """No valid credentials were given where they are required."""


class LocalDatabaseError(ParkgisError):
    """The private PostgreSQL cluster could not be set up or started."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, message_en=message)
