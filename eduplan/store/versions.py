"""Versions of stored rows: a row's history, undo of a batch (with cascade), replace scopes, integrity.

A version is one row of a model table as one batch wrote it: the current version lives in the table
itself (`batch_id` = the batch that wrote it), earlier ones in `<table>__history` with
`superseded_by` = the batch that replaced or deleted them. So for every key the versions form a
timeline, and "the state before batch X" is the set of versions X superseded.

Undo of batch X, as a new batch U (kind 'undo'): for every key X touched, the current row moves to
history (superseded_by = U) and the version X superseded, if any, becomes current again (batch_id = U).
It is refused when a later batch changed those rows (the current row of a key X touched is not what X
wrote), naming the later batches; with cascade those are undone first, newest first, each recorded.
After the change the store's reference rules are checked; a new dangling reference refuses the undo.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..errors import EduplanError, StoreError, UndoRefused, WriteFailed
from ..model import TABLES, TABLES_BY_NAME, Table, grades_allowed, sections_allowed
from .schema import BATCH_TABLE, KINDS, history_table, model_columns, q

if TYPE_CHECKING:
    from . import Store

# What `eduplan import --replace` may remove, per table: stored rows whose scope columns equal those of
# a row in the file but whose key is not in the file. Tables not listed have no scope (each row stands
# alone: a list of districts, zones, schools, projects, housing; or a key that is the scope itself,
# as facilities and area_year): a re-import never reports rows absent from them, --replace removes none.
REPLACE_SCOPE: dict[str, tuple[str, ...]] = {
    "school_zone": ("school_code",),          # a school's membership periods
    "enrolment": ("year", "school_code"),     # a school's grades in a year
    "teachers": ("year", "school_code"),      # a school's sections in a year
    "population": ("year", "area_code"),      # an area's ages in a year
    "reported": ("year", "area_code"),        # an area's reported items in a year
    "balance_judgement": ("year", "area_code"),
    "project_capacity": ("project_id",),      # a project's levels
    "project_milestone": ("project_id",),     # a project's milestones
    "project_finance": ("project_id",),       # a project's years
}


def replace_scope(t: Table) -> tuple[str, ...] | None:
    return REPLACE_SCOPE.get(t.name)


def _keys(t: Table, alias: str | None = None) -> str:
    p = f"{alias}." if alias else ""
    return ", ".join(p + q(k) for k in t.key)


def _on(t: Table, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{q(k)} = {b}.{q(k)}" for k in t.key)


def _same(t: Table, a: str, b: str) -> str:
    same = " AND ".join(f"{a}.{q(f.name)} IS NOT DISTINCT FROM {b}.{q(f.name)}" for f in t.fields if not f.key)
    return same or "TRUE"


def _touched(t: Table, batch: int) -> str:
    """SQL: the keys batch `batch` touched in table t (wrote a version of, or superseded one of)."""
    k, h, b = _keys(t), q(history_table(t.name)), int(batch)
    return (f"SELECT {k} FROM {q(t.name)} WHERE batch_id = {b} UNION "
            f"SELECT {k} FROM {h} WHERE batch_id = {b} UNION "
            f"SELECT {k} FROM {h} WHERE superseded_by = {b}")


def _touchers(t: Table) -> str:
    """SQL: (key, batch) for every batch that wrote or superseded a version of each key."""
    k, h = _keys(t), q(history_table(t.name))
    return (f"SELECT {k}, batch_id AS b FROM {q(t.name)} UNION ALL SELECT {k}, batch_id FROM {h} "
            f"UNION ALL SELECT {k}, superseded_by FROM {h}")


def key_text(t: Table, key: tuple | dict) -> str:
    vals = [key[k] for k in t.key] if isinstance(key, dict) else list(key)
    return "，".join(f"{t.field(k).label}={v}" for k, v in zip(t.key, vals))


# ------------------------------------------------------------------ history


def changes_text(tables: dict[str, dict[str, int]]) -> str:
    """“分年级学生数 新增 3、更新 1” for a batch's per-table counts (`import_batch.tables`); “无变化” for none."""
    parts = []
    for name, c in tables.items():
        bits = [f"{label} {c[k]:,}" for k, label in (("inserted", "新增"), ("updated", "更新"), ("deleted", "删除"))
                if c.get(k)]
        if bits:
            label = TABLES_BY_NAME[name].label if name in TABLES_BY_NAME else name
            parts.append(f"{label} " + "、".join(bits))
    return "；".join(parts) or "无变化"


def key_from_text(t: Table, values: list[str]) -> dict[str, Any]:
    """A table's key from the words a user typed, in key order (years and integers as numbers)."""
    if len(values) != len(t.key):
        need = "、".join(t.field(k).label for k in t.key)
        raise EduplanError(f"“{t.label}”的主键有 {len(t.key)} 个值（依次为 {need}），给出了 {len(values)} 个")
    key: dict[str, Any] = {}
    for k, v in zip(t.key, values):
        f = t.field(k)
        v = v.strip()
        if f.type in ("int", "year"):
            try:
                key[k] = int(v)
            except ValueError:
                raise EduplanError(f"{f.label}“{v}”不是整数") from None
        elif f.type == "code":
            key[k] = v.split()[0] if v.split() else v
        else:
            key[k] = v
    return key


def row_versions(store: "Store", t: Table, key: dict[str, Any]) -> list[dict[str, Any]]:
    """Every version of one row, oldest first: its model values, batch (file, user, OS account, kind,
    time in UTC), source row, what superseded it, the values changed from the version before, and
    whether the superseding batch deleted it."""
    cols = model_columns(t)
    where = " AND ".join(f"{q(k)} = ?" for k in t.key)
    params = [key[k] for k in t.key]
    sel = ", ".join(q(c) for c in cols)
    rows = store.dicts(
        f"SELECT v.*, b.file_name, b.user_name, b.os_user, b.kind, b.imported_at, b.note FROM ("
        f"SELECT {sel}, batch_id, source_row, superseded_by FROM {q(history_table(t.name))} WHERE {where} "
        f"UNION ALL SELECT {sel}, batch_id, source_row, NULL FROM {q(t.name)} WHERE {where}"
        f") v LEFT JOIN {BATCH_TABLE} b USING (batch_id) ORDER BY v.batch_id", params + params)
    from . import as_utc

    written_by = {r["batch_id"] for r in rows}
    out = []
    prev: dict[str, Any] | None = None
    for r in rows:
        values = {c: r[c] for c in cols}
        changed = ({c: [prev[c], values[c]] for c in cols if prev[c] != values[c]} if prev is not None
                   else {c: [None, v] for c, v in values.items()})
        sup = r["superseded_by"]
        out.append({
            "batch_id": r["batch_id"], "kind": r["kind"], "file_name": r["file_name"], "source_row": r["source_row"],
            "user_name": r["user_name"], "os_user": r["os_user"], "imported_at": as_utc(r["imported_at"]),
            "note": r["note"], "current": sup is None, "superseded_by": sup,
            "deleted": sup is not None and sup not in written_by, "values": values, "changed": changed,
        })
        prev = values
    return out


# ------------------------------------------------------------------ integrity


def integrity_problems(store: "Store") -> dict[tuple, tuple[str, Any, int]]:
    """The store's reference rules, checked over every current row: references to missing rows, area
    codes that are neither a district nor a zone, grades and sections a school's type does not have,
    overlapping zone memberships. {problem key: (Chinese description of its kind, value, rows)}."""
    found: dict[tuple, tuple[str, Any, int]] = {}
    for t in TABLES:
        for col, ref_table, ref_col in t.references:
            rt = TABLES_BY_NAME[ref_table]
            rows = store.run(
                f"SELECT x.{q(col)}, count(*) FROM {q(t.name)} x WHERE x.{q(col)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {q(ref_table)} r WHERE r.{q(ref_col)} = x.{q(col)}) GROUP BY 1 ORDER BY 1")
            what = f"“{t.label}”中引用的{t.field(col).label}在“{rt.label}”中不存在"
            for value, n in rows:
                found[("reference", t.name, col, value)] = (what, value, n)
        if "area_code" in t.labels:
            rows = store.run(
                f"SELECT x.area_code, count(*) FROM {q(t.name)} x WHERE x.area_code NOT IN "
                "(SELECT district_code FROM district UNION SELECT zone_code FROM zone) GROUP BY 1 ORDER BY 1")
            what = f"“{t.label}”中的区域代码既不是已有的区，也不是已有的学区"
            for value, n in rows:
                found[("area", t.name, value)] = (what, value, n)
    for table, col, allowed in (("enrolment", "grade", grades_allowed), ("teachers", "section", sections_allowed)):
        t = TABLES_BY_NAME[table]
        pairs = store.run(f"SELECT x.school_code, s.type_code, x.{q(col)}, count(*) FROM {q(table)} x "
                          "JOIN school s USING (school_code) GROUP BY ALL ORDER BY 1, 3")
        what = f"“{t.label}”中有学校的办学类型不设该{t.field(col).label}"
        for code, type_code, value, n in pairs:
            if type_code is not None and value not in allowed(type_code):
                found[("grade", table, code, value)] = (what, f"{code} {value}", n)
    periods: dict[str, list[tuple]] = defaultdict(list)
    for code, start, end, zone in store.run("SELECT school_code, start_year, end_year, zone_code FROM school_zone "
                                            "ORDER BY 1, 2"):
        periods[code].append((start, end, zone))
    for code, ps in periods.items():
        for (s1, e1, _), (s2, _, _) in zip(ps, ps[1:]):
            if e1 is None or e1 >= s2:
                found[("overlap", code, s1, s2)] = ("学校学区归属期重叠", f"{code} {s1}/{s2}", 2)
    return found


def new_problems(before: dict[tuple, tuple[str, Any, int]], after: dict[tuple, tuple[str, Any, int]],
                 shown: int = 5) -> list[str]:
    """The problems in `after` that were not in `before`, one Chinese line per kind, with rows and values."""
    groups: dict[str, list[tuple[Any, int]]] = defaultdict(list)
    for k, (what, value, n) in after.items():
        if k not in before:
            groups[what].append((value, n))
    out = []
    for what, items in groups.items():
        values = "、".join(str(v) for v, _ in items[:shown]) + (f" 等 {len(items)} 个" if len(items) > shown else "")
        out.append(f"{what}（{sum(n for _, n in items)} 行：{values}）")
    return out


# ------------------------------------------------------------------ undo


def _conflicts(store: "Store", x: int) -> tuple[dict[str, tuple[int, list[tuple]]], set[int]]:
    """Keys batch x touched whose current row is not what x left there, per table (count, examples),
    and the later batches that touched those keys."""
    out: dict[str, tuple[int, list[tuple]]] = {}
    later: set[int] = set()
    for t in TABLES:
        cols = ", ".join(q(c) for c in model_columns(t))
        cte = (f"WITH k AS ({_touched(t, x)}), "
               f"w AS (SELECT {cols} FROM {q(t.name)} WHERE batch_id = {x} "
               f"UNION ALL SELECT {cols} FROM {q(history_table(t.name))} WHERE batch_id = {x}), "
               f"conflict AS (SELECT {_keys(t, 'k')} FROM k LEFT JOIN {q(t.name)} c ON {_on(t, 'k', 'c')} "
               f"LEFT JOIN w ON {_on(t, 'k', 'w')} WHERE NOT ("
               f"(c.{q(t.key[0])} IS NULL AND w.{q(t.key[0])} IS NULL) OR "
               f"(c.{q(t.key[0])} IS NOT NULL AND w.{q(t.key[0])} IS NOT NULL AND {_same(t, 'c', 'w')})))")
        n = store.one(f"{cte} SELECT count(*) FROM conflict")[0]
        if not n:
            continue
        examples = store.run(f"{cte} SELECT * FROM conflict ORDER BY {_keys(t)} LIMIT 3")
        out[t.name] = (n, examples)
        later |= {r[0] for r in store.run(
            f"{cte}, v AS ({_touchers(t)}) SELECT DISTINCT v.b FROM v JOIN conflict USING ({_keys(t)}) "
            f"WHERE v.b > {x}")}
    return out, later


def _later_touchers(store: "Store", y: int) -> set[int]:
    found: set[int] = set()
    for t in TABLES:
        found |= {r[0] for r in store.run(
            f"WITH k AS ({_touched(t, y)}), v AS ({_touchers(t)}) "
            f"SELECT DISTINCT v.b FROM v JOIN k USING ({_keys(t)}) WHERE v.b > {int(y)}")}
    return found


def cascade_set(store: "Store", x: int) -> list[int]:
    """Batch x and every later batch that touched a row x touched, transitively — newest first.
    Undoing them in this order returns every row they touched to its state before the earliest of
    them that touched it."""
    found, frontier = {x}, [x]
    while frontier:
        for b in _later_touchers(store, frontier.pop()):
            if b not in found:
                found.add(b)
                frontier.append(b)
    return sorted(found, reverse=True)


def _apply(store: "Store", y: int, u: int) -> dict[str, dict[str, int]]:
    """Make every key batch y touched hold the version y superseded (none: the row is removed), as batch u."""
    written: dict[str, dict[str, int]] = {}
    for t in TABLES:
        cur, hist = q(t.name), q(history_table(t.name))
        cols = model_columns(t) + ["batch_id", "source_row"]
        clist = ", ".join(q(c) for c in cols)
        ccols = ", ".join(f"c.{q(c)}" for c in cols)
        pcols = ", ".join(f"p.{q(c)}" for c in model_columns(t))
        prev = f"(SELECT * FROM {hist} WHERE superseded_by = {y})"
        touched = f"(SELECT {_keys(t, 'k')} FROM ({_touched(t, y)}) k WHERE {_on(t, 'k', 'c')})"
        moving = (f"EXISTS {touched} AND NOT EXISTS (SELECT 1 FROM {prev} p WHERE {_on(t, 'p', 'c')} "
                  f"AND {_same(t, 'p', 'c')})")
        updated, deleted = store.one(
            f"SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {prev} p WHERE {_on(t, 'p', 'c')})), "
            f"count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {prev} p WHERE {_on(t, 'p', 'c')})) "
            f"FROM {cur} c WHERE {moving}")
        inserted = store.one(f"SELECT count(*) FROM {prev} p WHERE NOT EXISTS "
                             f"(SELECT 1 FROM {cur} c WHERE {_on(t, 'p', 'c')})")[0]
        if not (updated or deleted or inserted):
            continue
        store.run(f"INSERT INTO {hist} ({clist}, superseded_by) SELECT {ccols}, {u} FROM {cur} c WHERE {moving}")
        store.run(f"DELETE FROM {cur} c WHERE {moving}")
        store.run(f"INSERT INTO {cur} ({clist}) SELECT {pcols}, {u}, p.source_row FROM {prev} p "
                  f"WHERE NOT EXISTS (SELECT 1 FROM {cur} c WHERE {_on(t, 'p', 'c')})")
        written[t.name] = {"rows": updated + deleted + inserted, "inserted": inserted, "updated": updated,
                           "unchanged": 0, "deleted": deleted}
    return written


def _pending(store: "Store", y: int) -> int:
    """How many rows undoing y alone would change (0: the store holds the state before y already)."""
    n = 0
    for t in TABLES:
        cur, hist = q(t.name), q(history_table(t.name))
        prev = f"(SELECT * FROM {hist} WHERE superseded_by = {y})"
        touched = f"(SELECT 1 FROM ({_touched(t, y)}) k WHERE {_on(t, 'k', 'c')})"
        n += store.one(f"SELECT count(*) FROM {cur} c WHERE EXISTS {touched} AND NOT EXISTS "
                       f"(SELECT 1 FROM {prev} p WHERE {_on(t, 'p', 'c')} AND {_same(t, 'p', 'c')})")[0]
        n += store.one(f"SELECT count(*) FROM {prev} p WHERE NOT EXISTS "
                       f"(SELECT 1 FROM {cur} c WHERE {_on(t, 'p', 'c')})")[0]
    return n


def _nothing(store: "Store", target: dict[str, Any]) -> str:
    x = target["batch_id"]
    undos = [r[0] for r in store.run(f"SELECT batch_id FROM {BATCH_TABLE} WHERE undoes = ? ORDER BY batch_id", [x])]
    why = (f"它已由批次 {'、'.join(map(str, undos))} 撤销" if undos
           else "它没有改动任何行，或它改动的行已恢复原值")
    return f"批次 {x}（{target['file_name']}）无需撤销：库中各行已是它之前的状态——{why}；数据库未作任何更改"


def _describe(b: dict[str, Any]) -> str:
    from . import time_label

    who = b["user_name"] + (f"，系统账户 {b['os_user']}" if b.get("os_user") and b["os_user"] != b["user_name"] else "")
    return f"批次 {b['batch_id']}（{b['file_name']}，{KINDS.get(b['kind'], b['kind'])}，{time_label(b['imported_at'])}，{who}）"


def undo(store: "Store", x: int, user: str, cascade: bool = False, os_user: str = "") -> dict[str, Any]:
    """Undo batch x (see the module docstring). Returns {undone: [{batch_id, undo_batch, written}], order}."""
    target = store.batch(x)
    if target is None:
        last = store.max_batch_id()
        have = f"现有批次 1–{last}" if last else "库中还没有任何批次"
        raise StoreError(f"没有批次 {x}（{have}）；运行 eduplan db status 查看批次")
    store._begin()
    try:
        conflicts, later = _conflicts(store, x)
        if not _pending(store, x):
            raise UndoRefused(_nothing(store, target))
        if conflicts and not cascade:
            raise UndoRefused(_refusal(store, target, conflicts, later))
        order = cascade_set(store, x) if conflicts else [x]
        from .locks import UNLOCK_HINT, batches_touching_locks, lock_text

        locked = batches_touching_locks(store, order)
        if locked:
            raise UndoRefused(f"不能撤销批次 {x}（{target['file_name']}）：" + "；".join(
                f"批次 {b} 改动的数据已审核锁定——{lock_text(lk)}" for b, lk in locked[:10])
                + (f"……共 {len(locked)} 处" if len(locked) > 10 else "") + f"。{UNLOCK_HINT}；数据库未作任何更改")
        before = integrity_problems(store)
        undone = []
        u = store.max_batch_id()
        for y in order:
            u += 1
            b = store.batch(y)
            written = _apply(store, y, u)
            note = f"撤销批次 {y}" + (f"（随撤销批次 {x} 一并撤销）" if y != x else "")
            name = f"撤销批次 {y}" + (f"（{b['file_name']}）" if b["kind"] != "undo" else "")
            store.record_batch(u, file_name=name, file_path=None, sha256="",
                               user=user, tables=written, rows_total=sum(w["rows"] for w in written.values()),
                               kind="undo", os_user=os_user, note=note, undoes=y)
            undone.append({"batch_id": y, "undo_batch": u, "file_name": b["file_name"], "written": written})
        problems = new_problems(before, integrity_problems(store))
        if problems:
            raise UndoRefused(f"不能撤销批次 {x}（{target['file_name']}）：撤销后库中会有行引用不存在的数据——"
                              + "；".join(problems) + "。请先撤销或更正这些引用它的数据（例如撤销导入它们的批次），"
                              "再撤销本批次；数据库未作任何更改")
    except UndoRefused:
        store._rollback()
        raise
    except BaseException as e:
        store._rollback()
        import duckdb

        if isinstance(e, duckdb.Error):
            raise WriteFailed(store._failure(e, f"撤销批次 {x}")) from None
        raise
    store._commit(f"撤销批次 {x}")
    return {"undone": undone, "order": order}


def _refusal(store: "Store", target: dict[str, Any], conflicts: dict, later: set[int]) -> str:
    batches = [store.batch(b) for b in sorted(later)]
    examples = []
    for name, (n, keys) in conflicts.items():
        t = TABLES_BY_NAME[name]
        shown = "；".join(key_text(t, k) for k in keys)
        examples.append(f"“{t.label}”{n} 行（如 {shown}）")
    undos = [b for b in batches if b["kind"] == "undo" and b.get("undoes") == target["batch_id"]]
    head = (f"不能撤销批次 {target['batch_id']}（{target['file_name']}）：之后的"
            + "、".join(_describe(b) for b in batches) + "又改动了它写入的行——" + "，".join(examples) + "。")
    if undos:
        return head + (f"批次 {target['batch_id']} 已由批次 {undos[0]['batch_id']} 撤销；"
                       f"如要恢复它的内容，请撤销批次 {undos[0]['batch_id']}")
    order = cascade_set(store, target["batch_id"])
    return head + ("要连同这些批次一起撤销（从新到旧依次撤销批次 " + "、".join(map(str, order))
                   + "，每次都记录为新的撤销批次），请加 --cascade；数据库未作任何更改")
