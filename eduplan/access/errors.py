"""The exceptions of eduplan.access (every message in Chinese)."""

from __future__ import annotations

from ..errors import EduplanError


class AccessError(EduplanError):
    """A user, password, session or token request that cannot be done (the message says why)."""


class LoginRefused(AccessError):
    """A login refused: wrong user name or password, a disabled account, or too many failures (throttled)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
