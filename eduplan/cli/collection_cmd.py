"""`eduplan collection …`: the annual data collection from the command line — open and close a round, the progress
board, the submissions, approve / return a submission, unlock approved data, submit a file on a school's behalf and
write a school's pre-filled template. Thin wrappers over eduplan.collection (the web's 数据采集 pages call the same
functions); every change is recorded in the audit log with the actor “命令行：<OS account>”. Registered in
cli/app.py.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, Optional

import typer

from .common import (
    DEFAULT_DB, DbOption, Format, FormatOption, emit_json, err, handle_errors, out, OutFormat, OutFormatOption,
    print_issues, safe,
)
from .render import Col, Grid

if TYPE_CHECKING:
    from ..store import Store

collection_app = typer.Typer(
    help="年度数据采集：开启轮次、查看进度、提交、审核通过或退回、解锁已审核数据、预填模板", no_args_is_help=True)

RoundOption = Annotated[Optional[int], typer.Option("--round", help="采集轮次编号（见 eduplan collection status）")]
SchoolOption = Annotated[str, typer.Option("--school", help="学校的 10 位学校标识码", show_default=False)]
TableOption = Annotated[str, typer.Option("--table", help="表名（如 enrolment）或中文名（如 分年级学生数）",
                                          show_default=False)]
SubmissionArg = Annotated[int, typer.Argument(help="提交编号（见 eduplan collection list）", metavar="提交编号",
                                              show_default=False)]

# the colour of each state on the board and in the lists
STATE_STYLE = {"未提交": "red", "待审核": "yellow", "已退回": "magenta", "已解锁": "cyan", "已通过": "green",
               "已被新提交取代": "dim"}


class Status(str, enum.Enum):
    pending = "pending"
    returned = "returned"
    approved = "approved"
    superseded = "superseded"


# ------------------------------------------------------------------ helpers


def _actor():
    from ..collection import Actor

    return Actor.cli()


@contextmanager
def writing(db: Path) -> Iterator[Store]:
    """The store at `db` opened for writing; refused when the file does not exist (never creates an empty one)."""
    from ..errors import StoreError
    from ..store import Store

    if not db.exists():
        raise StoreError(f"数据库文件“{db}”不存在；请用 --db 指向已有的数据库")
    with Store(db) as store:
        yield store


@contextmanager
def reading(db: Path) -> Iterator[Store]:
    from ..store import Store

    with Store(db, read_only=True) as store:
        yield store


def collectable(name: str) -> str:
    """The table id of a collectable table given by its id or Chinese label; CollectionError listing the
    choices otherwise (eduplan.collection's own lookup, the web's too)."""
    from ..collection.common import table_of

    return table_of(name.strip())


def parse_tables(text: str) -> list[str]:
    """--tables “enrolment,专任教师”: ids or Chinese labels separated by commas (, ， 、), each once."""
    names: list[str] = []
    for part in re.split(r"[,，、\s]+", text):
        if part:
            name = collectable(part)
            if name not in names:
                names.append(name)
    if not names:
        from ..collection import CollectionError

        raise CollectionError("--tables 没有给出任何表（如 enrolment,teachers 或 分年级学生数,专任教师）")
    return names


def parse_deadline(text: str) -> date:
    """A real calendar date written 年-月-日 (2026-10-31); anything else is refused, never guessed."""
    from ..collection import CollectionError

    s = text.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            raise ValueError
        return date.fromisoformat(s)
    except ValueError:
        raise CollectionError(f"截止日期“{s}”无效：应为实际存在的日期，写作 年-月-日（如 2026-10-31）") from None


def latest_open_round(store: Store) -> int:
    """The newest round that is still open; CollectionError when there is none."""
    from ..collection import CollectionError, latest_open

    r = latest_open(store)
    if r is None:
        raise CollectionError("没有进行中的采集轮次：用 eduplan collection open 开启，或用 --round 指定已结束的轮次")
    return r["round_id"]


def _time(v: Any) -> str:
    from ..store import time_label

    return time_label(v) if v else "—"


def _styled(state: str) -> str:
    style = STATE_STYLE.get(state)
    return f"[{style}]{safe(state)}[/]" if style else safe(state)


def _table_label(name: str) -> str:
    from ..model import TABLES_BY_NAME

    t = TABLES_BY_NAME.get(name)
    return t.label if t else name


def submission_text(s: dict[str, Any]) -> str:
    """“学校 4201040001 崇仁路小学 的 2025 年“分年级学生数”（12 行）”."""
    school = s["school_code"] + (f" {s['school_name']}" if s.get("school_name") else "")
    rows = f"（{s['row_count']} 行）" if s.get("row_count") is not None else ""
    return f"学校 {school} 的 {s['year']} 年“{s.get('table_label') or _table_label(s['table_name'])}”{rows}"


def round_title(r: dict[str, Any]) -> str:
    """“2025 年数据采集（轮次 3：分年级学生数、专任教师；截止 2026-10-31；进行中）”."""
    labels = "、".join(r.get("table_labels") or [_table_label(t) for t in r["tables"]])
    where = f"；区 {r['district_code']}" if r.get("district_code") else ""
    return (f"{r['year']} 年数据采集（轮次 {r['round_id']}：{labels}；截止 {r['deadline']}{where}；"
            f"{r.get('status_label') or ''}）").replace("；）", "）")


# ------------------------------------------------------------------ figures including pending submissions

PENDING_LABEL = "含待审核数据"


def pending_text(n: int) -> str:
    """What --include-pending added, in words (also under a workbook's provenance line)."""
    if not n:
        return "当前没有待审核的提交，数字与正式数据相同"
    return f"包含 {n} 份待审核（尚未审核通过）的采集提交，不是正式数据"


@contextmanager
def pending_store(db: Path) -> Iterator[tuple[Store, int]]:
    """(the store with every pending submission applied, how many) — for `--include-pending`. The store is
    opened for writing because the submissions are applied inside a transaction; it is rolled back on exit
    (eduplan.collection.pending_overlay), so nothing is changed."""
    from ..collection import pending_overlay

    with writing(db) as store, pending_overlay(store) as n:
        yield store, n


# ------------------------------------------------------------------ open / close


@collection_app.command("open")
@handle_errors
def collection_open(
    year: Annotated[int, typer.Option("--year", help="采集哪一年的数据（学年）", show_default=False)],
    tables: Annotated[str, typer.Option(
        "--tables", help="各校须填报的表，逗号分隔；表名或中文名均可（如 enrolment,teachers,facilities 或 分年级学生数,专任教师）",
        show_default=False)],
    deadline: Annotated[str, typer.Option("--deadline", help="截止日期，年-月-日（如 2026-10-31）；过期未提交或未通过的学校标为逾期",
                                          show_default=False)],
    district: Annotated[Optional[str], typer.Option("--district", help="只向这个区的学校采集（行政区划代码；默认：库中全部学校）")]
    = None,
    note: Annotated[Optional[str], typer.Option("--note", help="说明（学校在网页上看到，如 填报口径、联系人）")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """开启一轮年度数据采集：各校须在截止日期前填报哪一年的哪些表。

    学校在网页“数据采集”下载本校的预填模板、上传提交；提交经规划统计人员审核通过后才进入正式数据并锁定。
    开启后可用 eduplan collection status 查看各校进度。此操作记入审计日志。
    例：eduplan collection open --year 2026 --tables enrolment,teachers,facilities --deadline 2026-10-31
    """
    from ..collection import open_round, round_

    names = parse_tables(tables)
    when = parse_deadline(deadline)
    with writing(db) as store:
        rid = open_round(store, _actor(), year, names, when, district_code=district, note=note)
        r = round_(store, rid)
    err.print(f"已开启采集轮次 {rid}：{safe(round_title(r))}")


@collection_app.command("close")
@handle_errors
def collection_close(
    round_id: Annotated[int, typer.Argument(help="要结束的采集轮次编号", metavar="轮次", show_default=False)],
    db: DbOption = DEFAULT_DB,
) -> None:
    """结束一轮采集：此后不再接受该轮的提交（已提交的仍可审核）。

    此操作记入审计日志。
    例：eduplan collection close 3
    """
    from ..collection import close_round, round_

    with writing(db) as store:
        close_round(store, _actor(), round_id)
        r = round_(store, round_id)
    err.print(f"已结束采集轮次 {round_id}：{safe(round_title(r))}（如需再接受提交：eduplan collection reopen {round_id}）")


@collection_app.command("reopen")
@handle_errors
def collection_reopen(
    round_id: Annotated[int, typer.Argument(help="要重新开启的采集轮次编号", metavar="轮次", show_default=False)],
    db: DbOption = DEFAULT_DB,
) -> None:
    """重新开启一轮已结束的采集：学校又可以提交（同一年度、同一区已有进行中的轮次时拒绝）。

    此操作记入审计日志。
    例：eduplan collection reopen 3
    """
    from ..collection import reopen_round, round_

    with writing(db) as store:
        reopen_round(store, _actor(), round_id)
        r = round_(store, round_id)
    err.print(f"已重新开启采集轮次 {round_id}：{safe(round_title(r))}")


# ------------------------------------------------------------------ the progress board


@collection_app.command("status")
@handle_errors
def collection_status(
    round_id: RoundOption = None,
    fmt: OutFormatOption = OutFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="xlsx 输出文件（默认 out/采集进度-轮次<编号>.xlsx）")]
    = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """采集进度：每所学校每张表的状态（未提交、待审核、已退回、已解锁、已通过）、是否逾期，以及每张表的汇总。

    “已解锁”是审核通过后又解锁、等待学校重新提交的；截止日期已过而未提交、被退回或已解锁的标为逾期。

    默认显示最近一轮进行中的采集；xlsx 是逐校的进度清单（含联系人），可直接用来电话催报。
    例：eduplan collection status --round 3 --format xlsx --output 采集进度.xlsx
    """
    from ..collection import board

    if output is not None:
        from ..sheets import check_output

        check_output(output)
    with reading(db) as store:
        rid = round_id if round_id is not None else latest_open_round(store)
        b = board(store, rid)
    if fmt == OutFormat.json:
        emit_json(b)
        return
    if fmt == OutFormat.xlsx:
        from ..collection.board_xlsx import write_board_xlsx

        path = write_board_xlsx(b, output or Path(f"out/采集进度-轮次{rid}.xlsx"), str(db))
        err.print(f"已写出 {safe(path)}")
        return
    print_board(b)


def board_summary(b: dict[str, Any]) -> list[tuple[str, dict[str, int], int]]:
    """Per table of the round: (label, {state: n}, overdue n)."""
    r = b["round"]
    overdue: dict[str, int] = defaultdict(int)
    for row in b["rows"]:
        if row.get("overdue"):
            overdue[row["table"]] += 1
    labels = r.get("table_labels") or [_table_label(t) for t in r["tables"]]
    return [(label, {s: b["counts"].get(t, {}).get(s, 0) for s in b["states"]}, overdue[t])
            for t, label in zip(r["tables"], labels)]


def print_board(b: dict[str, Any]) -> None:
    """The board as one row per school (its state in each table of the round), then a line per table."""
    r = b["round"]
    tables = list(r["tables"])
    labels = r.get("table_labels") or [_table_label(t) for t in tables]
    schools: dict[str, dict[str, Any]] = {}
    for row in b["rows"]:
        s = schools.setdefault(row["school_code"], {"name": row.get("school_name") or "", "contacts": "", "cells": {}})
        s["contacts"] = s["contacts"] or row.get("contacts") or ""
        cell = _styled(row["state"])
        if row.get("submission_id") is not None:
            cell += f"（{row['submission_id']}）"
        if row.get("overdue"):
            cell += "[bold red] 逾期[/]"
        s["cells"][row["table"]] = cell
    g = Grid(Col("学校代码", "name", min=10), Col("学校", "name"), *(Col(label, min=6) for label in labels),
             Col("联系人", "name", drop=1), title=safe(round_title(r)),
             caption="括号内为提交编号（eduplan collection list 查看，approve / return 审核）",
             note="终端较窄：{dropped}未显示（加宽终端，或用 --format xlsx 查看全部）")
    for code, s in schools.items():
        g.add_row(safe(code), safe(s["name"]), *(s["cells"].get(t, "—") for t in tables), safe(s["contacts"] or "—"))
    if schools:
        g.print()
    else:
        out.print(f"{safe(round_title(r))}：没有须填报的学校。")
    out.print("[bold]汇总[/]")
    for label, counts, overdue in board_summary(b):
        parts = "、".join(f"{_styled(s)} {n}" for s, n in counts.items() if n or s != "已解锁")
        late = f"；逾期 {overdue}" if overdue else ""
        out.print(f"{safe(label)}：{parts}{late}")


# ------------------------------------------------------------------ submissions


@collection_app.command("list")
@handle_errors
def collection_list(
    round_id: RoundOption = None,
    status: Annotated[Optional[Status], typer.Option(
        "--status", help="只列这一状态：pending 待审核、returned 已退回、approved 已通过、superseded 已被新提交取代")] = None,
    school: Annotated[Optional[str], typer.Option("--school", help="只列这所学校（10 位学校标识码）")] = None,
    fmt: FormatOption = Format.table,
    db: DbOption = DEFAULT_DB,
) -> None:
    """列出提交（最新的在前）：编号、学校、表、年度、状态、行数、提交人与时间、审核人与意见。

    默认列出全部轮次；用 --round、--status、--school 筛选。
    例：eduplan collection list --status pending
    """
    from ..collection import submissions

    with reading(db) as store:
        rows = submissions(store, round_id=round_id, school_code=school, status=status.value if status else None)
    if fmt == Format.json:
        emit_json({"submissions": rows, "count": len(rows)})
        return
    if not rows:
        out.print("没有符合条件的提交。")
        return
    g = Grid(Col("编号", "num"), Col("轮次", "num", drop=3), Col("学校", "name", min=10), Col("表", "name", min=12),
             Col("年度", "num"), Col("状态", min=6), Col("行数", "num", drop=2), Col("提交", min=12),
             Col("审核", min=12, drop=1), title=f"提交（{len(rows)} 份）",
             note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
    for s in rows:
        school_cell = s["school_code"] + (f"\n{s['school_name']}" if s.get("school_name") else "")
        state = s.get("status_label") or s["status"]
        reviewed = "—"
        if s.get("reviewed_by"):
            reviewed = f"{s['reviewed_by']}，{_time(s.get('reviewed_at'))}"
            if s.get("review_comment"):
                reviewed += f"：{s['review_comment']}"
        g.add_row(str(s["submission_id"]), str(s["round_id"]), safe(school_cell),
                  safe(s.get("table_label") or _table_label(s["table_name"])), str(s["year"]), _styled(state),
                  str(s.get("row_count") if s.get("row_count") is not None else "—"),
                  safe(f"{s.get('submitted_by') or '—'}，{_time(s.get('submitted_at'))}"), safe(reviewed))
    g.print()


@collection_app.command("approve")
@handle_errors
def collection_approve(
    submission_id: SubmissionArg,
    comment: Annotated[Optional[str], typer.Option("--comment", help="审核意见（可不填）")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """审核通过一份待审核的提交：其数据作为一个导入批次写入正式数据（类型“采集审核入库”），该校该表该年度随即锁定。

    锁定后，该校该表该年度的数据不能再经 eduplan import 或撤销改动，须先 eduplan collection unlock（说明理由）。
    网页“数据采集”的审核页列出与上年相比改动的单元格和数据质量提示，审核前宜先查看。此操作记入审计日志。
    例：eduplan collection approve 12 --comment 已电话核实
    """
    from ..collection import approve, submission

    with writing(db) as store:
        batch = approve(store, _actor(), submission_id, comment=comment)
        s = submission(store, submission_id)
    err.print(f"已审核通过提交 {submission_id}：{safe(submission_text(s))}，写入批次 {batch}（采集审核入库），并已锁定")


@collection_app.command("return")
@handle_errors
def collection_return(
    submission_id: SubmissionArg,
    comment: Annotated[str, typer.Option("--comment", help="退回理由（必填；学校在网页上看到）", show_default=False)],
    db: DbOption = DEFAULT_DB,
) -> None:
    """退回一份待审核的提交，并写明理由；学校在网页上看到理由，修改后重新提交。

    此操作记入审计日志。
    例：eduplan collection return 12 --comment "一年级班数与上年相差过大，请核实"
    """
    from ..collection import return_, submission

    with writing(db) as store:
        return_(store, _actor(), submission_id, comment)
        s = submission(store, submission_id)
    err.print(f"已退回提交 {submission_id}：{safe(submission_text(s))}；理由：{safe(comment)}")


@collection_app.command("unlock")
@handle_errors
def collection_unlock(
    school: SchoolOption,
    table: TableOption,
    year: Annotated[int, typer.Option("--year", help="年度", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="解锁理由（必填，记入审计日志）", show_default=False)],
    db: DbOption = DEFAULT_DB,
) -> None:
    """解锁已审核通过的数据（一所学校的一张表的一个年度），以便学校重新提交或更正导入。

    理由必填，与操作人、时间一起记入审计日志。
    例：eduplan collection unlock --school 4201040001 --table 分年级学生数 --year 2026 --reason "学校发现二年级班数填错"
    """
    from ..collection import unlock

    name = collectable(table)
    with writing(db) as store:
        unlock(store, _actor(), school, name, year, reason)
    err.print(f"已解锁 学校 {safe(school)} 的 {year} 年“{safe(_table_label(name))}”；理由：{safe(reason)}。"
              "学校可重新提交，或由规划统计人员用 eduplan import 更正")


# ------------------------------------------------------------------ submit on a school's behalf, templates


def print_submit_report(report, fmt: Format) -> None:
    """The validation result of a submission, as `eduplan import` prints its checks: every problem with file,
    sheet, row, column, value and rule."""
    if fmt == Format.json:
        return
    for f in report.files:
        if f.sheets:
            err.print(f"已读取 {safe(f.file)}")
        for line in f.sheet_lines():
            err.print(f"    {safe(line)}")
    print_issues(report.errors, report.warnings, "校验")


@collection_app.command("submit")
@handle_errors
def collection_submit(
    files: Annotated[list[Path], typer.Argument(help="学校填好的一个或多个 .xlsx / .xls / .csv 文件", metavar="文件",
                                                show_default=False)],
    round_id: Annotated[int, typer.Option("--round", help="采集轮次编号", show_default=False)],
    school: SchoolOption,
    issues_xlsx: Annotated[Optional[Path], typer.Option("--report", help="把全部错误和警告另存为 Excel 问题清单（可转发给学校）")]
    = None,
    fmt: FormatOption = Format.table,
    db: DbOption = DEFAULT_DB,
) -> None:
    """代学校提交（学校把填好的文件寄来时）：与网页上传相同的校验，通过后成为“待审核”的提交，尚不进入正式数据。

    文件中每一行都须是 --school 这所学校、本轮的年度和本轮的表；该校该表该年度已审核锁定时拒绝。
    有任何错误时不保存，并一次列出全部错误（文件、工作表、行、列、值、规则）。同一学校同一张表之前待审核或已退回的提交被新提交取代。
    此操作记入审计日志。
    例：eduplan collection submit 分年级学生数.xlsx --round 3 --school 4201040001
    """
    from ..collection import submission, submit

    if issues_xlsx is not None:
        from ..sheets import check_output

        check_output(issues_xlsx)
    with writing(db) as store:
        result = submit(store, _actor(), round_id, list(files), school_code=school)
        subs = [submission(store, sid) for sid in result.submissions]
    report = result.report
    if fmt == Format.json:
        emit_json({**report.to_dict(), "submissions": [{k: v for k, v in s.items() if k not in ("rows", "content")}
                                                       for s in subs]})
    else:
        print_submit_report(report, fmt)
        for s in subs:
            err.print(f"[green]已提交[/] 提交 {s['submission_id']}（待审核）：{safe(submission_text(s))}，"
                      f"文件 {safe(s.get('file_name') or '—')}")
        if not report.ok:
            err.print("[bold red]提交未被接受：没有保存任何数据。[/]请修正以上错误后重新提交。")
    if issues_xlsx is not None:
        from ..ingest.template import write_issue_workbook

        write_issue_workbook([i for i in report.issues if i.level != "info"], issues_xlsx, store=db)
        err.print(f"问题清单已写出：{safe(issues_xlsx)}")
    if not report.ok:
        raise typer.Exit(1)


@collection_app.command("template")
@handle_errors
def collection_template(
    round_id: Annotated[int, typer.Option("--round", help="采集轮次编号", show_default=False)],
    school: SchoolOption,
    table: TableOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的 xlsx 文件", show_default=False)],
    db: DbOption = DEFAULT_DB,
) -> None:
    """写出一所学校本轮某张表的预填模板：已填入该校上一年度的数据（作为起点，并标明），有下拉和填写说明。

    学校核对、修改后提交（网页上传，或寄回由 eduplan collection submit 代交）。
    例：eduplan collection template --round 3 --school 4201040001 --table 分年级学生数 --output 分年级学生数.xlsx
    """
    from ..collection import round_
    from ..collection.template import write_template
    from ..sheets import check_output

    check_output(output)
    name = collectable(table)
    with reading(db) as store:
        path = write_template(store, round_(store, round_id), school, name, output)
    err.print(f"已写出 {safe(path)}")
