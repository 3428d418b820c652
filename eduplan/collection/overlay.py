"""Figures “含待审核数据”: the pending submissions applied to the store inside a transaction that is always
rolled back, so that whatever is computed inside sees them and nothing of them is ever stored. The default
everywhere (reports, the public page) is the approved data alone; this is the switch the bureau turns on."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Any, Iterator

from ..store import Store
from ..store.locks import live_locks
from ..store.schema import SUBMISSION_TABLE
from .common import COLLECTABLE
from .errors import CollectionError

PENDING_USER = "待审核数据（预览）"


def pending(store: Store) -> list[dict[str, Any]]:
    """The submissions waiting for review, one per school × table × year (the newest when two rounds overlap),
    without those whose data is approved and locked meanwhile; with their rows."""
    from .common import decorate_submission

    rows = store.dicts(f'SELECT submission_id, round_id, school_code, table_name, year, status, file_name, sha256, submitted_at, "rows" '
                       f"FROM {SUBMISSION_TABLE} WHERE status = 'pending' ORDER BY submission_id DESC")
    locks = live_locks(store)
    seen: set[tuple] = set()
    out = []
    for r in rows:
        k = (r["school_code"], r["table_name"], r["year"])
        if k in seen or k in locks:
            continue
        seen.add(k)
        out.append(decorate_submission(r))
    return out


def pending_count(store: Store) -> int:
    return store.one(f"SELECT count(*) FROM {SUBMISSION_TABLE} WHERE status = 'pending'")[0]


def pending_state(store: Store) -> tuple[str, int]:
    """(version, count) of the pending submissions: the version is a short text that changes whenever the set of
    pending submissions changes (for result caches)."""
    ids = [r[0] for r in store.run(f"SELECT submission_id FROM {SUBMISSION_TABLE} WHERE status = 'pending' "
                                   "ORDER BY submission_id")]
    return f"待审核 {len(ids)} · " + hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:10], len(ids)


def pending_version(store: Store) -> str:
    return pending_state(store)[0]


def as_file(store: Store, sub: dict[str, Any], note: str) -> dict[str, Any]:
    """A submission as one file for Store.write_files: its rows, and the stored rows of its school × year it
    lacks as deletes (a submission is the whole of that school's year in its table)."""
    name = sub["table_name"]
    t = COLLECTABLE[name]
    rows = sub["rows"]
    absent = store.absent_rows(name, rows)
    where = f"采集轮次 {sub['round_id']}" + (f" · 提交 {sub['submission_id']}" if sub["submission_id"] else "")
    return {"file_name": sub["file_name"], "file_path": where,
            "sha256": sub["sha256"], "tables": {name: rows},
            "delete": {name: [{k: r[k] for k in t.key} for r in absent]} if absent else {},
            "note": note, "submission_id": sub["submission_id"]}


def _files(store: Store, subs: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    """The submissions as files for Store.write_files: ONE file per table (a batch costs a few passes over its
    table: a file per submission took 18 s for a district's 148 on the 1× city, one per table 0.2 s). Their keys
    never clash: `pending` keeps one submission per school × table × year."""
    if len(subs) == 1:
        return [as_file(store, subs[0], f"{what}：提交 {subs[0]['submission_id']}")]
    files = []
    for name in dict.fromkeys(s["table_name"] for s in subs):
        group = [s for s in subs if s["table_name"] == name]
        merged = {**group[0], "rows": [r for s in group for r in s["rows"]], "submission_id": None,
                  "file_name": f"{len(group)} 份待审核提交"}
        files.append(as_file(store, merged, f"{what}：提交 " + "、".join(str(s["submission_id"]) for s in group)))
    return files


@contextmanager
def applied(store: Store, subs: list[dict[str, Any]], what: str = "预览") -> Iterator[list[dict[str, Any]]]:
    """`subs` written into the store in a transaction rolled back on exit (whatever happens inside)."""
    if getattr(store, "read_only", False):
        raise CollectionError(f"数据库“{store.path}”以只读方式打开：计算含待审核数据的结果需要以可写方式打开"
                              "（结果算完即撤回，不写入任何数据）")
    store._begin()
    try:
        results = store.write_files(_files(store, subs, what), PENDING_USER, kind="pending") if subs else []
        yield results
    finally:
        store._rollback()


@contextmanager
def pending_overlay(store: Store) -> Iterator[int]:
    """The store with every pending submission applied, for the block's reads; rolled back afterwards. Yields
    the number of submissions applied."""
    subs = pending(store)
    with applied(store, subs):
        yield len(subs)
