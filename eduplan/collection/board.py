"""The progress board of a round: for each table and each school that must report, whether it has not
submitted, is waiting for review, was returned, was approved (or approved and unlocked again), and who is
overdue — the list the bureau phones round."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..store import Store, as_utc
from ..store.locks import live_locks
from ..store.schema import SUBMISSION_TABLE, USER_TABLE
from .common import COLLECTABLE, NOT_SUBMITTED, round_row
from .common import today as local_today

STATES = (NOT_SUBMITTED, "待审核", "已退回", "已解锁", "已通过")  # the board's states, in the order shown
UNDONE = {NOT_SUBMITTED, "已退回", "已解锁"}  # what the school still owes (overdue after the deadline)


def expected_schools(store: Store, rnd: dict[str, Any], school_code: str | None = None) -> list[dict[str, Any]]:
    """The schools that must report in a round: those of its district (every district when it names none) that are
    open in its year (founded by then when known, not closed before it); or only `school_code`, if it must."""
    where, params = ["(opened_year IS NULL OR opened_year <= ?)", "(closed_year IS NULL OR closed_year > ?)"], \
        [rnd["year"], rnd["year"]]
    if rnd["district_code"] is not None:
        where.append("district_code = ?")
        params.append(rnd["district_code"])
    if school_code is not None:
        where.append("school_code = ?")
        params.append(school_code)
    return store.dicts("SELECT school_code, school_name, type_code, district_code FROM school WHERE "
                       + " AND ".join(where) + " ORDER BY school_code", params)


def board(store: Store, round_id: int, today: date | None = None, school_code: str | None = None) -> dict[str, Any]:
    """{"round", "rows": [...], "counts": {table: {state: n}}, "overdue": n} (see the design; rows by table, then
    school code). `school_code`: one school's rows only (a school's own page)."""
    rnd = round_row(store, round_id)
    today = today or local_today()
    overdue_day = today > rnd["deadline"]
    schools = expected_schools(store, rnd, school_code)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in store.dicts(f"SELECT submission_id, school_code, table_name, status, submitted_at, submitted_by, "
                         f"reviewed_at, reviewed_by, review_comment FROM {SUBMISSION_TABLE} WHERE round_id = ? "
                         "ORDER BY submission_id", [round_id]):
        latest[(r["school_code"], r["table_name"])] = r
    contacts: dict[str, list[str]] = {}
    for code, name in store.run(f"SELECT school_code, coalesce(display_name, username) FROM {USER_TABLE} "
                                "WHERE role = 'school' AND NOT disabled ORDER BY user_id"):
        contacts.setdefault(code, []).append(name)
    rows, counts = [], {}
    for table in rnd["tables"]:
        locks = live_locks(store, table)
        counts[table] = {s: 0 for s in STATES}
        for sc in schools:
            sub = latest.get((sc["school_code"], table))
            if sub is None:
                state = NOT_SUBMITTED
            elif sub["status"] == "approved":
                state = "已通过" if (sc["school_code"], table, rnd["year"]) in locks else "已解锁"
            else:
                state = {"pending": "待审核", "returned": "已退回"}.get(sub["status"], "待审核")
            counts[table][state] += 1
            rows.append({"school_code": sc["school_code"], "school_name": sc["school_name"], "table": table,
                         "table_label": COLLECTABLE[table].label if table in COLLECTABLE else table, "state": state,
                         "submission_id": sub["submission_id"] if sub else None,
                         "submitted_at": as_utc(sub["submitted_at"]) if sub else None,
                         "submitted_by": sub["submitted_by"] if sub else None,
                         "reviewed_by": sub["reviewed_by"] if sub else None,
                         "comment": sub["review_comment"] if sub else None,
                         "overdue": overdue_day and state in UNDONE,
                         "contacts": "、".join(contacts.get(sc["school_code"], []))})
    return {"round": rnd, "rows": rows, "counts": counts, "states": list(STATES), "schools": len(schools),
            "overdue": sum(r["overdue"] for r in rows)}
