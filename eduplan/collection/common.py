"""What every step of the collection shares: who acts (Actor), the submission states, the tables schools
report (COLLECTABLE), the one transaction per step with its audit row, and small lookups."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterator

from ..access import audit, clock
from ..access.db import next_id, transaction
from ..model import TABLES_BY_NAME
from ..store import Store, as_utc, os_account
from ..store.locks import LOCKABLE
from ..store.schema import ROUND_TABLE, SUBMISSION_TABLE
from .errors import CollectionError

# the tables a school reports each year: those whose key holds the year and the school (one school's rows of
# one year can be submitted, reviewed and locked together)
COLLECTABLE = {name: TABLES_BY_NAME[name] for name in LOCKABLE}

STATUS: dict[str, str] = {"pending": "待审核", "returned": "已退回", "approved": "已通过", "superseded": "已被新提交取代"}
NOT_SUBMITTED = "未提交"
MAX_COMMENT = 2000  # characters of a review comment, an unlock reason or a round's note


@dataclass(frozen=True)
class Actor:
    """Who takes a step: a web user (name, role, school, address) or the command line."""

    name: str
    role: str | None = None
    school_code: str | None = None
    address: str | None = None

    @classmethod
    def cli(cls, user: str | None = None) -> "Actor":
        """The command line: “命令行：<OS account>” (or `--user` given), no role — the bureau's own console."""
        return cls(name=user or f"命令行：{os_account()}")

    @classmethod
    def of(cls, user: Any, address: str | None = None) -> "Actor":
        """A signed-in user of eduplan.access (its user name, role and school)."""
        return cls(name=user.username, role=user.role, school_code=getattr(user, "school_code", None), address=address)

    @property
    def is_school(self) -> bool:
        return self.role == "school"


def now() -> datetime:
    """Now in UTC (naive, as stored): the access clock, so that tests can set it."""
    return clock.now()


def today() -> date:
    """Today's date where the bureau is (setting `collection.timezone`, default Asia/Shanghai): a deadline is the
    end of its day there, not in UTC (in Wuhan 2026-11-01 00:00–08:00 is still 10-31 in UTC)."""
    from zoneinfo import ZoneInfo

    from ..settings import load_section
    from .settings import CollectionSettings

    zone = ZoneInfo(load_section("collection", CollectionSettings).timezone)
    return now().replace(tzinfo=timezone.utc).astimezone(zone).date()


@contextmanager
def step(store: Store, action: str) -> Iterator[None]:
    """One collection step: one transaction (rolled back on any error), refused on a read-only store."""
    if getattr(store, "read_only", False):
        raise CollectionError(f"数据库“{store.path}”以只读方式打开，无法{action}")
    with transaction(store, action):
        yield


def log(store: Store, actor: Actor, action: str, target: str, detail: dict[str, Any], outcome: str = "成功") -> None:
    """The audit row of a step, inside its transaction."""
    audit.append(store, actor=actor.name, role=actor.role, action=action, target=target, detail=detail,
                 address=actor.address, outcome=outcome)


def new_id(store: Store, table: str, column: str) -> int:
    return next_id(store, table, column)


def text(value: str | None, what: str, required: bool = False) -> str | None:
    """A comment, reason or note as given (stripped), bounded; required ones must not be blank."""
    v = (value or "").strip()
    if not v:
        if required:
            raise CollectionError(f"请填写{what}")
        return None
    if len(v) > MAX_COMMENT:
        raise CollectionError(f"{what}过长（{len(v)} 个字符，最多 {MAX_COMMENT} 个）")
    return v


def table_of(name: str) -> str:
    """A collectable table's name from its name or Chinese label (“enrolment” or “分年级学生数”)."""
    for t in COLLECTABLE.values():
        if name in (t.name, t.label):
            return t.name
    choices = "、".join(f"{t.name}（{t.label}）" for t in COLLECTABLE.values())
    raise CollectionError(f"“{name}”不是可采集的表；可选：{choices}")


def school_name(store: Store, code: str) -> str | None:
    r = store.one("SELECT school_name FROM school WHERE school_code = ?", [code])
    return r[0] if r else None


def round_row(store: Store, round_id: int) -> dict[str, Any]:
    """The round as stored (tables parsed, times aware UTC), or CollectionError 404."""
    rows = store.dicts(f"SELECT * FROM {ROUND_TABLE} WHERE round_id = ?", [round_id])
    if not rows:
        raise CollectionError(f"没有采集轮次 {round_id}", status=404)
    return decorate_round(rows[0])


def decorate_round(r: dict[str, Any], on: date | None = None) -> dict[str, Any]:
    """A stored round as the pages and commands show it; `on`: the day its state is judged (default: today)."""
    r["tables"] = json.loads(r["tables"])
    r["table_labels"] = [COLLECTABLE[t].label if t in COLLECTABLE else t for t in r["tables"]]
    r["opened_at"] = as_utc(r["opened_at"])
    r["closed_at"] = as_utc(r["closed_at"])
    day = on or today()
    r["is_open"] = r["closed_at"] is None
    r["overdue"] = r["is_open"] and day > r["deadline"]
    r["status_label"] = "已结束" if not r["is_open"] else ("已过截止日期" if r["overdue"] else "进行中")
    return r


def submission_row(store: Store, submission_id: int, with_rows: bool = False) -> dict[str, Any]:
    """One submission (without the file's bytes; with its parsed rows when asked), or CollectionError 404."""
    cols = ("submission_id, round_id, school_code, table_name, year, status, file_name, sha256, row_count, "
            "submitted_at, submitted_by, reviewed_at, reviewed_by, review_comment, batch_id, superseded_by"
            + (', "rows"' if with_rows else ""))
    rows = store.dicts(f"SELECT {cols} FROM {SUBMISSION_TABLE} WHERE submission_id = ?", [submission_id])
    if not rows:
        raise CollectionError(f"没有提交 {submission_id}", status=404)
    return decorate_submission(rows[0], store)


def decorate_submission(r: dict[str, Any], store: Store | None = None) -> dict[str, Any]:
    r["status_label"] = STATUS.get(r["status"], r["status"])
    t = COLLECTABLE.get(r["table_name"])
    r["table_label"] = t.label if t else r["table_name"]
    r["submitted_at"] = as_utc(r["submitted_at"])
    r["reviewed_at"] = as_utc(r.get("reviewed_at"))
    if "rows" in r and isinstance(r["rows"], str):
        r["rows"] = json.loads(r["rows"])
    if store is not None and "school_name" not in r:
        r["school_name"] = school_name(store, r["school_code"])
    return r


def check_scope(actor: Actor, school_code: str) -> None:
    """A 学校 user acts only for its own school (anything else is “not found”, as the web pages answer)."""
    if actor.is_school and actor.school_code != school_code:
        raise CollectionError("没有找到该提交", status=404)
