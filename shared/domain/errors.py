"""Business-rule errors: each a type with a stable code, a human message and the offending field."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused a command; nothing was recorded. Subclasses set `code`."""

    code = "domain_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"
