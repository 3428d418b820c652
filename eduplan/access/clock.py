"""The clock of eduplan.access: now in UTC, as the store keeps it (a naive TIMESTAMP holding UTC).

One function, so that tests can set the time the throttle, sessions and tokens see (monkeypatch `clock.now`).
"""

from __future__ import annotations

from datetime import datetime

from ..store import utc_now


def now() -> datetime:
    return utc_now()
