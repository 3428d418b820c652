"""`eduplan indicators`, `eduplan explain` and `eduplan quality`: plan monitoring from the command line.

indicators and explain work on the district(s) `cli.guards.scoped` resolves (--district, --plan, --year):
indicators reports every district of the store separately when none is named, each against its own plan;
explain needs one district.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from ..errors import EduplanError
from ..indicators import IndicatorSettings, load_definitions
from ..indicators.explain import explain as explain_figure
from ..indicators.report import UNIT_LABEL, build_reports, district_of_unit, frame_for_year, resolve_unit
from ..outputs.indicators_xlsx import write_indicator_workbook
from ..plan.schema import OP_SYMBOL
from ..plan.scope import NO_PLAN
from ..settings import load_section, use_settings_file
from .common import (
    DEFAULT_DB, DbOption, DistrictOption, Format, PlanOption, YearOption, emit_json, err, handle_errors, num, out, safe,
)
from .guards import reading, scoped

SettingsOption = Annotated[Optional[Path], typer.Option("--settings", envvar="EDUPLAN_SETTINGS",
                                                        help="设置文件（YAML），覆盖方法默认值；见 docs/settings.md")]
UnitOption = Annotated[Optional[str], typer.Option("--unit", help="单位：区、学区或学校的代码或名称（默认：区）")]
STATUS_STYLE = {"已达成": "green", "按计划": "blue", "有风险": "yellow", "偏离": "bold red", NO_PLAN: "dim"}
WIDE = 120  # terminal columns from which the table shows 分组, 单位, 分子, 分母 and 路径 as columns of their own
NARROW_NOTE = "终端较窄：分子、分母、路径未显示（加宽终端，或用 --format json / xlsx 查看全部）"


def _fmt(v, digits: int = 2) -> str:
    return num(v, digits)


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
            raise EduplanError(f"单位“{unit}”属于区 {owner}，不属于 --district 指定的区 {chosen}")
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
) -> None:
    """规划指标监测：每个指标的数值（= 分子 ÷ 分母 × 系数）、目标（当年之后最近的目标：中期目标，然后期末目标）、当年路径值、状态和外推到规划期末年的趋势值。

    每个区按库中为该区绑定的规划评估（eduplan plan use；--plan 文件可代替，须为该区的规划）；未绑定规划的区照常计算数值，状态为“无规划目标”。库中有多个区且未指定 --district 时，逐区分别报告，各用本区的规划；--unit 给出学区或学校时即为其所属区。

    json 含全部单位（区、学区、学校）；table 默认只显示区；xlsx 每个层级一张表（含“所属区”列），可直接转发。没有数据的规划指标逐一列出并说明原因。

    例：eduplan indicators --district <行政区划代码> --year <年度> --format json
    """
    _run_indicators(year, unit, fmt, output, district, db, plan_path, settings_path)


@handle_errors
def _run_indicators(year, unit, fmt, output, district, db, plan_path, settings_path) -> None:
    if fmt not in ("table", "json", "xlsx"):
        raise typer.BadParameter("--format 只能是 table、json 或 xlsx")
    use_settings_file(settings_path)
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    district, u = unit_scope(db, district, unit)
    with scoped(db, district, plan_path, year, several=True) as sc:
        reports = build_reports(sc.store, sc.scopes, defs, settings, sc.year, u)
    year = sc.year
    if fmt == "json":
        if len(reports) == 1:
            emit_json(reports[0])
        else:  # one section per district, each with its own plan
            emit_json({"year": year, "districts": reports})
        return
    if fmt == "xlsx":
        path = write_indicator_workbook(reports, output or Path(f"out/indicators-{year}.xlsx"))
        err.print(f"已写出 {safe(path)}")
        return
    for rep in reports:
        print_report(rep, u)


def _target_cell(r) -> str:
    """“≥96（2028 年中期目标）”: the next target ahead as the plan prints it, with its year."""
    if r.target is None or r.target != r.target:
        return ""
    text = r.target_text if isinstance(r.target_text, str) and r.target_text else \
        f"{OP_SYMBOL.get(r.target_op, r.target_op or '')}{_fmt(r.target)}"
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
        title = safe(f"{year} 年 规划指标监测：{name}{level} — 规划：{plan}")
        wide = out.width >= WIDE
        heads = (["指标", "分组", "数值", "单位", "分子", "分母", "目标", "路径", "状态", proj] if wide
                 else ["指标", "数值", "目标", "状态", proj])
        t = RichTable(title=title, caption=None if wide else NARROW_NOTE)
        for h in heads:
            t.add_column(h, overflow="fold", ratio=3 if h in ("指标", "目标", "状态") else None)
        for r in df.itertuples():
            if wide:
                t.add_row(safe(r.name), safe(r.breakdown), _fmt(r.value), r.unit, _fmt(r.numerator, 1),
                          _fmt(r.denominator, 1), _target_cell(r), _fmt(r.path), _status_cell(r), _projection_cell(r))
            else:  # 80 columns: the name with its group, the value with its unit
                label = f"{r.name}（{r.breakdown.split('=')[-1]}）" if r.breakdown else r.name
                value = _fmt(r.value) if r.value is None or r.value != r.value else f"{_fmt(r.value)} {r.unit}".strip()
                t.add_row(safe(label), value, _target_cell(r), _status_cell(r), _projection_cell(r))
        out.print(t)
    missing = [i for i in report["indicators"] if i["in_plan"] and i["data_status"] in ("无数据", "数据不全", "无定义", "定性")]
    if missing:
        mt = RichTable("指标", "状态", "原因", title=safe(f"{where}：规划指标中本年度没有数值的（不静默遗漏）"))
        for i in missing:
            mt.add_row(safe(f"{i['name']}（{i['id']}）"), safe(i["data_status"]), safe(i["reason"]))
        out.print(mt)


def _projection_cell(r) -> str:
    """The projected value, or why there is none (e.g. 数据年份不足) when a value exists but no projection."""
    note = getattr(r, "projection_note", None)
    if (r.projection is None or r.projection != r.projection) and isinstance(note, str) and note:
        return safe(note.split("（")[0])
    return _fmt(r.projection)


def explain(
    indicator: Annotated[str, typer.Argument(help="指标代码（eduplan indicators --format json 中的 id）")],
    year: YearOption = None,
    unit: Annotated[Optional[str], typer.Option("--unit", help="单位代码或名称（默认：区）")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")] = Format.table,
    district: DistrictOption = None,
    db: DbOption = DEFAULT_DB,
    plan_path: PlanOption = None,
    settings_path: SettingsOption = None,
) -> None:
    """解释一个数字：口径、分子和分母各项及其数值、各下级单位的贡献、数据来自哪些导入批次，以及该区规划的目标（中期或期末）、路径和状态。

    库中有多个区时须用 --district 指定（或用 --unit 给出学区、学校，即为其所属区）。中期目标在其年度判定，并写明是否达成（如“2028 年中期目标 ≥96 未达成”）。

    例：eduplan explain preschool_gross_enrolment --district <行政区划代码> --year <年度>
    """
    _run_explain(indicator, year, unit, fmt, district, db, plan_path, settings_path)


@handle_errors
def _run_explain(indicator, year, unit, fmt, district, db, plan_path, settings_path) -> None:
    use_settings_file(settings_path)
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    defs.get(indicator)  # an unknown indicator is said before anything else
    district, u = unit_scope(db, district, unit)
    with scoped(db, district, plan_path, year) as sc:
        scope = sc.scope
        result = explain_figure(sc.store, defs, indicator, sc.year, u or ("district", scope.district_code),
                                scope=scope, settings=settings)
    year = sc.year
    if fmt == Format.json:
        emit_json(result)
        return
    out.print(f"[bold]{safe(result['name'])}[/]（{safe(result['indicator'])}）  "
              f"{safe(result['unit'].get('name') or result['unit']['code'])}  {year} 年")
    out.print(f"口径：{safe(result['definition'])}")
    out.print(f"依据：{safe(result['source'])}")
    v = result.get("value")
    if result.get("value_by_level"):
        levels = "、".join(f"{safe(k)} [bold]{_fmt(x, 4)}[/]" for k, x in result["value_by_level"].items())
        out.print(f"数值：{levels} {result['unit_of_measure']}    {result.get('formula', '')}")
    else:
        out.print(f"数值：[bold]{_fmt(v, 4)}[/] {result['unit_of_measure']}    {result.get('formula', '')}")
    if result.get("missing"):
        out.print(f"缺失：{safe(result['missing'])}")
    _print_plan_block(result.get("plan"))
    for side, label in (("numerator_terms", "分子"), ("denominator_terms", "分母")):
        if not result[side]:
            continue
        t = RichTable("项", "数据", "筛选", "取数年度", "系数", "值", "导入批次", title=f"{label}（合计 {_fmt(result.get(side.split('_')[0]), 2)}）")
        for term in result[side]:
            batches = "；".join(f"#{b['batch_id']} {b['file_name']}（{b['rows']} 行，{b['user']}，{b['imported_at']}）"
                               for b in term["batches"])
            t.add_row(safe(term["label"] or term["expr"]), safe(f"{term['relation']}.{term['expr']}"), safe(term["where"] or ""),
                      str(term["source_year"]), _fmt(term["coef"], 4), _fmt(term["value"], 2), safe(batches))
        out.print(t)
    if result.get("batches"):
        for b in result["batches"]:
            out.print(f"来源批次 #{b['batch_id']} {safe(b['file_name'])}（{safe(b['user'])}，{safe(b['imported_at'])}，sha256 {b['sha256'][:12]}）")
    if result["contributions"]:
        t = RichTable("层级", "单位", "分子", "分母", "数值", "占分子比重", title="各下级单位的贡献")
        for c in result["contributions"][:60]:
            share = "—" if c["share_of_numerator"] is None else f"{c['share_of_numerator'] * 100:.1f}%"
            t.add_row(UNIT_LABEL[c["unit_type"]], safe(f"{c['unit_name']}（{c['unit_code']}）"), _fmt(c["numerator"], 1),
                      _fmt(c["denominator"], 1), _fmt(c["value"]), share)
        out.print(t)
        if len(result["contributions"]) > 60:
            out.print(f"……共 {len(result['contributions'])} 个单位；用 --format json 查看全部")


def _print_plan_block(plan: dict | None) -> None:
    """The plan's view of the figure: the target ahead (interim or final), path, status, projection."""
    if not plan:
        return
    if plan["plan"] is None:
        out.print(f"规划目标：{NO_PLAN}（{safe(plan['district'])} 未绑定规划）")
        return
    lines = [f"规划：{safe(plan['title'])}"]
    for row in plan["rows"]:
        head = f"{safe(row['breakdown'])}：" if row["breakdown"] else ""
        t, f = row["target"], row["final_target"]
        if t is None:
            lines.append(f"{head}规划未设该指标的量化目标")
            continue
        part = f"{head}目标 {t['text']}（{t['label']}）"
        if f and f["year"] != t["year"]:
            part += f"，期末目标 {f['text']}（{f['year']}）"
        if row["path"] is not None:
            part += f"；当年路径值 {_fmt(row['path'])}"
        if row["status"]:
            part += f"；状态 {row['status']}"
        if row["status_note"]:
            part += f"（{row['status_note']}）"
        if row["projection"]:
            p = row["projection"]
            part += f"；{p['year']} 外推 {_fmt(p['value'])}（{_fmt(p['low'])}–{_fmt(p['high'])}）"
        lines.append(part)
    for line in lines:
        out.print(line)


def quality(
    year: Annotated[Optional[int], typer.Option("--year", help="只看某一年（默认：全部年份）")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")] = Format.table,
    db: DbOption = DEFAULT_DB,
) -> None:
    """数据质量检查：跨字段、跨表、跨年度的规则（如在校生一年增长 50% 而班数不变），列出警告及涉及的行。

    例：eduplan quality --year 2019
    """
    _run_quality(year, fmt, db)


@handle_errors
def _run_quality(year, fmt, db) -> None:
    from ..quality import RULES, run_rules

    with reading(db) as store:
        findings = run_rules(store, {year} if year else None)
    if fmt == Format.json:
        emit_json({"year": year, "rules": [{"id": r.id, "text": r.text} for r in RULES],
                   "findings": [f.to_dict() for f in findings]})
        return
    if not findings:
        out.print(f"数据质量检查：{len(RULES)} 条规则，未发现问题。")
        return
    t = RichTable("规则", "说明", "涉及行", title=f"数据质量检查：{len(findings)} 条警告")
    for f in findings:
        rows = "；".join(", ".join(f"{k}={v}" for k, v in r.items() if v is not None) for r in f.rows)
        t.add_row(safe(f.rule), safe(f.message), safe(rows))
    out.print(t)
