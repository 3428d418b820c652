"""`eduplan indicators` and `eduplan quality`: plan monitoring from the command line (`explain`: explain_cmd).

indicators and explain work on the district(s) `cli.guards.scoped` resolves (--district, --plan, --year):
indicators reports every district of the store separately when none is named, each against its own plan;
explain needs one district.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from ..errors import EduplanError
from ..indicators import IndicatorSettings, load_definitions
from ..indicators.report import UNIT_LABEL, build_reports, district_of_unit, frame_for_year, resolve_unit
from ..outputs.indicators_xlsx import write_indicator_workbook
from ..plan.schema import OP_SYMBOL
from ..plan.scope import NO_PLAN
from ..settings import load_section, use_settings_file
from .common import (
    DEFAULT_DB, DbOption, DistrictOption, Format, PlanOption, YearOption, emit_json, err, handle_errors, num, out, safe,
)
from .guards import Scoped, reading, scoped
from .render import Col, Grid, figure, page_width, with_unit

SettingsOption = Annotated[Optional[Path], typer.Option("--settings", envvar="EDUPLAN_SETTINGS",
                                                        help="设置文件（YAML），覆盖方法默认值；见 docs/settings.md")]
UnitOption = Annotated[Optional[str], typer.Option("--unit", help="统计单位：区、学区或学校的代码或名称（默认：区）")]
STATUS_STYLE = {"已达成": "green", "按计划": "blue", "有风险": "yellow", "偏离": "bold red", NO_PLAN: "dim"}
NARROW_NOTE = "终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）"
PendingOption = Annotated[bool, typer.Option(
    "--include-pending", help="把待审核（尚未审核通过）的采集提交也算进去，结果标明“含待审核数据”；默认只用正式数据（已导入、已审核通过的）")]


def _fmt(v, digits: int = 2) -> str:
    """Kept for explain_cmd (which formats its own figures)."""
    return num(v, digits)


def _count(v) -> str:
    """A numerator or denominator: whole numbers without decimals, else two."""
    if v is None or v != v:
        return "—"
    return figure(v, digits=0 if float(v).is_integer() else 2)


def _indicator_grid(df, proj: str, title: str) -> Grid:
    """The indicator table: every column when the page is wide enough; else the name with its group, the
    value with its unit, 目标, 状态 and the projection (分子, 分母, 路径 named in the caption as not shown),
    the projection dropped next; below that one block per indicator."""
    wide = Grid(Col("指标", "name", min=20), Col("分组", min=6), Col("数值", "num"), Col("计量单位"), Col("分子", "num"),
                Col("分母", "num"), Col("目标", min=12), Col("路径", "num"), Col("状态", min=6), Col(proj, "num"),
                title=title)
    for r in df.itertuples():
        wide.add_row(safe(r.name), safe(r.breakdown), figure(r.value, r.unit), safe(r.unit), _count(r.numerator),
                     _count(r.denominator), _target_cell(r), figure(r.path, r.unit), _status_cell(r),
                     _projection_cell(r))
    laid = wide.layout(page_width())
    if laid is not None and len(laid[0]) == len(wide.cols):
        return wide
    narrow = Grid(Col("指标", "name"), Col("数值", "num"), Col("目标", min=8), Col("状态", min=6),
                  Col(proj, "num", drop=1), title=title)
    for r in df.itertuples():  # the name with its group, the value with its unit
        label = f"{r.name}（{r.breakdown.split('=')[-1]}）" if r.breakdown else r.name
        narrow.add_row(safe(label), safe(with_unit(r.value, r.unit)), _target_cell(r), _status_cell(r),
                       _projection_cell(r))
    laid = narrow.layout(page_width())
    gone = ["分子", "分母", "路径"] + ([proj] if laid is not None and len(laid[0]) < len(narrow.cols) else [])
    narrow.caption = NARROW_NOTE.replace("{dropped}", "、".join(gone))
    return narrow


def unit_scope(db: Path, district: str | None, unit: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """(the district to work on, the unit) for --district and --unit: a zone or school names its own
    district; one of another district than --district is refused."""
    if not unit:
        return district, None
    with reading(db) as store:
        from ..plan.scope import one_scope

        chosen = one_scope(store, district).district_code if district else None
        u = resolve_unit(store, unit, chosen)
        owner = district_of_unit(store, u)
        if chosen and owner and chosen != owner:
            raise EduplanError(f"统计单位“{unit}”属于区 {owner}，不属于 --district 指定的区 {chosen}")
    return district or owner, u


def indicators(
    year: YearOption = None,
    unit: UnitOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="输出格式：table、json 或 xlsx")] = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="xlsx 输出文件（默认 out/indicators-<年>.xlsx）")] = None,
    district: DistrictOption = None,
    db: DbOption = DEFAULT_DB,
    plan_path: PlanOption = None,
    settings_path: SettingsOption = None,
    include_pending: PendingOption = False,
) -> None:
    """规划指标监测：每个指标的数值（= 分子 ÷ 分母 × 系数）、目标（当年之后最近的目标：中期目标，然后期末目标）、当年路径值、状态和外推到规划期末年的趋势值。

    每个区按库中为该区绑定的规划评估（eduplan plan use；--plan 文件可代替，须为该区的规划）；未绑定规划的区照常计算数值，状态为“无规划目标”。库中有多个区且未指定 --district 时，逐区分别报告，各用本区的规划；--unit 给出学区或学校时即为其所属区。

    json 含全部统计单位（区、学区、学校）；table 默认只显示区；xlsx 每个层级一张表（含“所属区”列），可直接转发。没有数据的规划指标逐一列出并说明原因。

    加 --include-pending 时按“正式数据 + 待审核的采集提交”计算（只读预览，不改库），表头、工作簿和 JSON（"include_pending": true）都标明“含待审核数据”。

    例：eduplan indicators --district <行政区划代码> --year <年度> --format json
    """
    _run_indicators(year, unit, fmt, output, district, db, plan_path, settings_path, include_pending)


@contextmanager
def report_scope(db: Path, district: str | None, plan_path: Path | None, year: int | None,
                 include_pending: bool) -> Iterator[tuple[Scoped, int | None]]:
    """(the districts, plans and year of the report, the number of pending submissions applied — None without
    --include-pending). With --include-pending the store is opened for writing and the pending submissions are
    applied inside a transaction that is rolled back on exit (eduplan.collection.pending_overlay): nothing changes."""
    if not include_pending:
        with scoped(db, district, plan_path, year, several=True) as sc:
            yield sc, None
        return
    from ..plan.scope import resolve_year, scopes
    from .collection_cmd import pending_store

    with pending_store(db) as (store, n):  # the same resolution as guards.scoped, on the overlaid store
        store.require_data(("school",))
        found = scopes(store, district, plan_path, True)
        chosen, note = resolve_year(store, year, found[0].district_code if len(found) == 1 else None)
        store.require_data(("school",), year=chosen)
        if note:
            err.print(safe(note), soft_wrap=True)
        for s in found:
            err.print(safe(s.plan_text()), soft_wrap=True)
        yield Scoped(store, found, chosen), n


@handle_errors
def _run_indicators(year, unit, fmt, output, district, db, plan_path, settings_path, include_pending=False) -> None:
    if fmt not in ("table", "json", "xlsx"):
        raise typer.BadParameter("--format 只能是 table、json 或 xlsx")
    use_settings_file(settings_path)
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    district, u = unit_scope(db, district, unit)
    with report_scope(db, district, plan_path, year, include_pending) as (sc, pending):
        reports = build_reports(sc.store, sc.scopes, defs, settings, sc.year, u)
    year = sc.year
    if pending is not None:
        from .collection_cmd import PENDING_LABEL, pending_text

        for rep in reports:
            rep["include_pending"] = True
            rep["pending_submissions"] = pending
        err.print(f"[bold yellow]{PENDING_LABEL}[/]：{pending_text(pending)}")
    if fmt == "json":
        if len(reports) == 1:
            emit_json(reports[0])
        else:  # one section per district, each with its own plan
            emit_json({"year": year, "districts": reports,
                       **({"include_pending": True, "pending_submissions": pending} if pending is not None else {})})
        return
    if fmt == "xlsx":
        # with pending submissions the title says 含待审核数据 and the provenance line how many
        pending_note = None if pending is None else f"{PENDING_LABEL}：{pending_text(pending)}"
        default = Path(f"out/indicators-{year}.xlsx" if pending is None else f"out/indicators-{year}-含待审核数据.xlsx")
        path = write_indicator_workbook(reports, output or default, store=db, pending=pending_note)
        err.print(f"已写出 {safe(path)}")
        return
    for rep in reports:
        print_report(rep, u)


def _target_cell(r) -> str:
    """“≥96（2028 年中期目标）”: the next target ahead as the plan prints it, with its year."""
    if r.target is None or r.target != r.target:
        return ""
    text = r.target_text if isinstance(r.target_text, str) and r.target_text else \
        f"{OP_SYMBOL.get(r.target_op, r.target_op or '')}{figure(r.target, r.unit)}"
    return f"{text}（{r.target_label}）" if isinstance(r.target_label, str) and r.target_label else text


def _status_cell(r) -> str:
    """“有风险：2028 年中期目标 ≥96 未达成”; a note alone where there is no status (before the baseline)."""
    note = safe(r.status_note) if isinstance(r.status_note, str) and r.status_note else ""
    if not isinstance(r.status, str):
        return f"[dim]{note}[/]" if note else "—"
    cell = f"[{STATUS_STYLE[r.status]}]{r.status}[/]" if r.status in STATUS_STYLE else r.status
    return f"{cell}：{note}" if note else cell


def print_report(report: dict, unit: tuple[str, str] | None = None) -> None:
    """One district's report as tables: the values with targets and status, then the plan's indicators
    without a value this year."""
    year = report["year"]
    where = report["district"]["label"]
    plan = report["plan_title"] or NO_PLAN
    df = frame_for_year(report)
    if df.empty:
        out.print(f"{safe(where)}：{year} 年没有任何可计算的指标数据。")
    else:
        if unit is None:
            df = df[df["unit_type"] == "district"]
        # totals, plus the per-level rows the plan sets targets for (优质均衡系数 小学/初中)
        df = df[(df["breakdown"] == "") | df["target"].notna()]
        first = df.iloc[0] if len(df) else None
        level = f"（{UNIT_LABEL.get(first['unit_type'], '')}）" if first is not None else ""
        name = first["unit_name"] if first is not None and unit is not None else where
        proj = f"{report['projection_year']} 外推" if report.get("projection_year") else "外推（无规划期）"
        pending = "（含待审核数据）" if report.get("include_pending") else ""
        title = safe(f"{year} 年 规划指标监测{pending}：{name}{level} — 规划：{plan}")
        _indicator_grid(df, proj, title).print()
    missing = [i for i in report["indicators"] if i["in_plan"] and i["data_status"] in ("无数据", "数据不全", "无定义", "定性")]
    if missing:
        mt = Grid(Col("指标", "name", min=16), Col("状态", min=6), Col("原因", min=16),
                  title=safe(f"{where}：规划指标中本年度没有数值的（不静默遗漏）"))
        for i in missing:
            mt.add_row(safe(f"{i['name']}（{i['id']}）"), safe(i["data_status"]), safe(i["reason"]))
        mt.print()


def _projection_cell(r) -> str:
    """The projected value, or why there is none (e.g. 数据年份不足) when a value exists but no projection."""
    note = getattr(r, "projection_note", None)
    if (r.projection is None or r.projection != r.projection) and isinstance(note, str) and note:
        return safe(note.split("（")[0])
    return figure(r.projection, r.unit)


def quality(
    year: Annotated[Optional[int], typer.Option("--year", help="只看某一年（默认：库中全部年度，并提示所查年度）")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")] = Format.table,
    db: DbOption = DEFAULT_DB,
) -> None:
    """数据质量检查：跨字段、跨表、跨年度的规则（如在校生一年增长 50% 而班数不变），列出警告及涉及的行。

    例：eduplan quality --year 2019
    """
    _run_quality(year, fmt, db)


@handle_errors
def _run_quality(year, fmt, db) -> None:
    from ..plan.scope import data_years
    from ..quality import RULES, run_rules

    with reading(db) as store:
        findings = run_rules(store, {year} if year else None)
        if year is None:
            years = data_years(store)
            span = f"{years[0]}–{years[-1]}" if len(years) > 1 else "、".join(map(str, years))
            err.print(f"未指定 --year：检查库中全部年度（{span}）" if years else "未指定 --year：检查库中全部年度")
    if fmt == Format.json:
        emit_json({"year": year, "rules": [{"id": r.id, "text": r.text} for r in RULES],
                   "findings": [f.to_dict() for f in findings]})
        return
    if not findings:
        out.print(f"数据质量检查：{len(RULES)} 条规则，未发现问题。")
        return
    t = Grid(Col("规则", "name", min=8), Col("说明", min=24), Col("涉及行", min=16, drop=1),
             title=f"数据质量检查：{len(findings)} 条警告",
             note="终端较窄：{dropped}未显示（加宽终端，或用 --format json 查看全部）")
    for f in findings:
        rows = "；".join(", ".join(f"{k}={v}" for k, v in r.items() if v is not None) for r in f.rows)
        t.add_row(safe(f.rule), safe(f.message), safe(rows))
    t.print()
