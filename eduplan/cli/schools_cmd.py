"""`eduplan schools` (the school register, with filters) and `eduplan school` (one school across years):
thin wrappers over eduplan.metrics.schools; registered in cli/app.py."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, Any, Optional

import typer
from rich.table import Table as RichTable

from .common import DEFAULT_DB, DbOption, Format, FormatOption, emit_json, err, handle_errors, out, safe


def _fig(v: Any, unit: str = "") -> str:
    """A figure: whole numbers for persons, rooms and areas; two decimals otherwise; “—” for no data."""
    if v is None or v != v:
        return "—"
    digits = 0 if unit in ("人", "个", "间", "㎡", "所") else 2
    return f"{v:,.{digits}f}"


def schools(
    district: Annotated[Optional[str], typer.Option("--district", help="区：行政区划代码或名称")] = None,
    zone: Annotated[Optional[str], typer.Option("--zone", help="学区：代码或名称（或名称中不重复的一部分，如 古田）")] = None,
    school_type: Annotated[Optional[str], typer.Option(
        "--type", help="办学类型：代码或名称（如 211、小学、九年一贯制学校），或学段（学前、小学、初中、高中、中职、特教）")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="学校名称或代码中的一部分（如 幼儿园）")] = None,
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = Format.table,
) -> None:
    """学校名录：每所学校的代码、名称、办学类型、办学性质、所属学区（当前）和库中有数据的年度（分年级学生数、专任教师、办学条件）。

    筛选条件可以组合；学区以学校最近的归属为准。
    例：eduplan schools --zone 古田组团 --type 小学
    """
    _run_schools(district, zone, school_type, name, db, fmt)


@handle_errors
def _run_schools(district, zone, school_type, name, db, fmt) -> None:
    from ..metrics.schools import list_schools
    from .render import year_span
    from ..store import Store

    with Store(db, read_only=True) as store:
        store.require_data(("school",))
        rows = list_schools(store, district=district, zone=zone, school_type=school_type, name=name)
    if fmt == Format.json:
        emit_json({"schools": rows, "count": len(rows)})
        return
    if not rows:
        out.print("没有符合条件的学校。")
        return
    t = RichTable(title=f"学校名录（{len(rows)} 所）")
    t.add_column("代码", no_wrap=True)
    t.add_column("名称", overflow="fold", min_width=8)
    t.add_column("办学类型", overflow="fold", min_width=4)
    t.add_column("学区", overflow="fold", min_width=4)
    t.add_column("有数据的年度", overflow="fold", min_width=9)
    for r in rows:
        t.add_row(safe(r["school_code"]), safe(r["school_name"]),
                  safe(f"{r['type_name'] or r['type_code']}" + (f"（{r['ownership']}）" if r["ownership"] else "")),
                  safe(r["zone_name"] or r["zone_code"] or "—"), year_span(r["years"]))
    out.print(t)


def school(
    which: Annotated[str, typer.Argument(help="学校：10 位学校代码、名称，或名称中不重复的一部分", metavar="学校",
                                         show_default=False)],
    year: Annotated[Optional[int], typer.Option("--year", help="只显示这一年（默认：有数据的全部年度）")] = None,
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = Format.table,
    include_pending: Annotated[bool, typer.Option(
        "--include-pending", help="把待审核（尚未审核通过）的采集提交也算进去，结果标明“含待审核数据”；默认只用正式数据")] = False,
) -> None:
    """一所学校：基本信息、学区归属、逐年的在校生、班数、教师和办学条件，以及在学校层级计算的各项指标逐年的值。

    库中没有某年某表的数据时显示“—”（缺失不按 0 计）。加 --include-pending 时按“正式数据 + 待审核的采集提交”显示（只读预览，不改库），并标明“含待审核数据”。
    例：eduplan school 游艺幼儿园
    """
    _run_school(which, year, db, fmt, include_pending)


@contextmanager
def _store(db, include_pending: bool):
    """(the store, the number of pending submissions applied — None without --include-pending)."""
    if include_pending:
        from .collection_cmd import pending_store

        with pending_store(db) as (store, n):
            yield store, n
        return
    from ..store import Store

    with Store(db, read_only=True) as store:
        yield store, None


@handle_errors
def _run_school(which, year, db, fmt, include_pending=False) -> None:
    from ..metrics.schools import find_school, school_profile

    with _store(db, include_pending) as (store, pending):
        store.require_data(("school",))
        p = school_profile(store, find_school(store, which))
    if pending is not None:
        from .collection_cmd import PENDING_LABEL, pending_text

        p["include_pending"] = True
        p["pending_submissions"] = pending
        err.print(f"[bold yellow]{PENDING_LABEL}[/]：{pending_text(pending)}")
    if year is not None:
        if year not in p["years"]:
            have = f"（有数据的年度：{p['years'][0]}–{p['years'][-1]}）" if p["years"] else "（库中没有它的逐年数据）"
            from ..errors import EduplanError

            raise EduplanError(f"{p['school']['school_name']} 没有 {year} 年的数据{have}")
        p["years"] = [year]
        for f in p["figures"] + p["indicators"]:
            f["values"] = {y: v for y, v in f["values"].items() if y == year}
            if "missing" in f:
                f["missing"] = {y: v for y, v in f["missing"].items() if y == year}
    if fmt == Format.json:
        emit_json(p)
        return
    _print_school(p)


def _print_school(p: dict) -> None:
    s = p["school"]
    pending = "  [bold yellow]含待审核数据[/]" if p.get("include_pending") else ""
    out.print(f"[bold]{safe(s['school_name'])}[/]（{safe(s['school_code'])}）{pending}")
    bits = [f"办学类型：{safe(s.get('type_name') or s.get('type_code'))}", f"办学性质：{safe(s.get('ownership') or '—')}"]
    if s.get("inclusive"):
        bits.append(f"普惠性：{safe(s['inclusive'])}")
    bits.append(f"所属区：{safe(s.get('district_name') or '')}（{safe(s.get('district_code'))}）")
    out.print("；".join(bits))
    if s.get("address"):
        out.print(f"地址：{safe(s['address'])}")
    if s.get("opened_year") or s.get("closed_year"):
        out.print(f"建校：{s.get('opened_year') or '—'}" + (f"；停办：{s['closed_year']}" if s.get("closed_year") else ""))
    for z in p["zones"]:
        span = f"{z['start_year']}–{z['end_year'] or '至今'}"
        out.print(f"学区：{safe(z['zone_name'] or z['zone_code'])}（{safe(z['zone_code'])}，{span}）")
    if not p["years"]:
        out.print("库中没有这所学校的逐年数据（分年级学生数、专任教师、办学条件）。")
        return
    figures = {f["key"]: f for f in p["figures"]}
    for title, units, keys in (("在校生与班级", "人；班数：个", ("pupils", "classes", "new_entrants", "graduates")),
                               ("教师与办学条件", "人；面积：㎡；教室：间",
                                ("staff", "teachers", "land_area", "building_area", "classrooms"))):
        t = RichTable(title=f"{title}（{units}）")
        t.add_column("年度", no_wrap=True)
        for k in keys:
            t.add_column(figures[k]["label"], justify="right", no_wrap=True)
        for y in p["years"]:
            t.add_row(str(y), *(_fig(figures[k]["values"].get(y), figures[k]["unit_of_measure"]) for k in keys))
        out.print(t)
    if not p["indicators"]:
        return
    out.print("[bold]指标（学校层级）[/]")
    for ind in p["indicators"]:
        unit = ind["unit_of_measure"]
        out.print(f"{safe(ind['name'])}（{safe(unit)}）")
        items = [f"{y} {_fig(v, unit)}" for y, v in ind["values"].items()]
        for i in range(0, len(items), 5):  # five years a line: it stays within 80 columns
            out.print("  " + "  ".join(items[i:i + 5]))
        for y, note in ind["missing"].items():
            out.print(f"  [yellow]{y} 年：[/]{safe(note)}")
