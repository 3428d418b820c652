"""Login throttling: every attempt is recorded in the store (`login_attempt`), so the throttle survives a restart.

After `throttle_after` (5) failures for one user name, or from one address, since its last success, each further
attempt is refused without checking the password until 2^(failures − throttle_after) seconds (capped at
`throttle_max_seconds`, 15 minutes) have passed since the last failure. A refused attempt is recorded but does
not count as a failure: hammering does not lengthen the wait, a wrong password after the wait doubles it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..store.schema import ATTEMPT_TABLE
from .db import next_id
from .settings import AccessSettings

OUTCOMES = ("success", "failure", "refused", "disabled")


def delay_seconds(failures: int, settings: AccessSettings) -> float:
    """The wait after the last of `failures` failures (0 below the threshold)."""
    if failures < settings.throttle_after:
        return 0.0
    return float(min(2 ** min(failures - settings.throttle_after, 40), settings.throttle_max_seconds))


def _failures(store, column: str, value: str) -> tuple[int, datetime | None]:
    """(failures since the last success, time of the last failure) for attempts with `column` = value."""
    return store.one(
        f"SELECT count(*) FILTER (WHERE outcome = 'failure'), max(attempted_at) FILTER (WHERE outcome = 'failure') "
        f"FROM {ATTEMPT_TABLE} WHERE {column} = ? AND attempt_id > (SELECT coalesce(max(attempt_id), 0) "
        f"FROM {ATTEMPT_TABLE} WHERE {column} = ? AND outcome = 'success')", [value, value])


def wait(store, username: str, address: str | None, now: datetime, settings: AccessSettings) -> float:
    """Seconds until an attempt for `username` from `address` may be checked (0: now)."""
    longest = 0.0
    for column, value in (("username", username), ("address", address)):
        if value is None:
            continue
        n, last = _failures(store, column, value)
        delay = delay_seconds(n, settings)
        if delay and last is not None:
            longest = max(longest, (last + timedelta(seconds=delay) - now).total_seconds())
    return longest


def record(store, username: str, address: str | None, outcome: str, now: datetime) -> None:
    """Record one attempt (inside the caller's transaction)."""
    assert outcome in OUTCOMES
    store.run(f"INSERT INTO {ATTEMPT_TABLE} (attempt_id, attempted_at, username, address, outcome) "
              "VALUES (?, ?, ?, ?, ?)", [next_id(store, ATTEMPT_TABLE, "attempt_id"), now, username, address, outcome])
