"""Errors a use case raises. Each carries the polite Thai sentence shown to the person, so
every channel (chat, CLI) refuses in the same words; the `code` is for logs and tests."""

from __future__ import annotations

from collections.abc import Sequence


class ServiceError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    """The person's role does not permit this action (checked on the server, always)."""

    code = "not_allowed"


class NotFound(ServiceError):
    code = "not_found"


class InvalidInput(ServiceError):
    code = "invalid"


class NeedsChoice(ServiceError):
    """The person belongs to several groups and must say which one."""

    code = "needs_choice"

    def __init__(
        self, message: str, options: Sequence[tuple[int | str, str]], slot: str = "group_id"
    ) -> None:
        super().__init__(message)
        self.options = list(options)  # (value stored in `slot`, label shown on the button)
        self.slot = slot
