"""`eduplan indicators`, `eduplan explain` and `eduplan quality`: plan monitoring from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from ..indicators import IndicatorSettings, load_definitions
from ..indicators.explain import explain as explain_figure
from ..indicators.report import UNIT_LABEL, build_report, frame_for_year, resolve_unit
from ..outputs.indicators_xlsx import write_indicator_workbook
from ..plan import load_plan
from ..settings import load_section, use_settings_file
from .guards import reading
from .common import DEFAULT_DB, DbOption, Format, emit_json, err, handle_errors, out, num, safe

SettingsOption = Annotated[Optional[Path], typer.Option("--settings", envvar="EDUPLAN_SETTINGS",
                                                        help="设置文件（YAML），覆盖方法默认值；见 docs/settings.md")]
PlanOption = Annotated[Optional[Path], typer.Option("--plan", envvar="EDUPLAN_PLAN", help="规划文件（默认随附的硚口区规划）")]
STATUS_STYLE = {"已达成": "green", "按计划": "blue", "有风险": "yellow", "偏离": "bold red"}


def _fmt(v, digits: int = 2) -> str:
    return num(v, digits)

def indicators(
    year: Annotated[int, typer.Option("--year", help="统计年度")] = 2019,
    unit: Annotated[Optional[str], typer.Option("--unit", help="单位：区/学区/学校的代码或名称（默认：区）")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="输出格式：table、json 或 xlsx")] = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="xlsx 输出文件（默认 out/indicators-<年>.xlsx）")] = None,
    db: DbOption = DEFAULT_DB,
    plan_path: PlanOption = None,
    settings_path: SettingsOption = None,
) -> None:
    """规划指标监测：每个指标的数值（= 分子 ÷ 分母 × 系数）、目标、当年路径值、状态和 2025 年外推。

    json 含全部单位（区、学区、学校）；table 默认只显示区；xlsx 每个层级一张表，可直接转发。
    没有数据的规划指标逐一列出并说明原因。

    例：eduplan indicators --year 2019 --format json
    """
    _run_indicators(year, unit, fmt, output, db, plan_path, settings_path)


@handle_errors
def _run_indicators(year, unit, fmt, output, db, plan_path, settings_path) -> None:
    if fmt not in ("table", "json", "xlsx"):
        raise typer.BadParameter("--format 只能是 table、json 或 xlsx")
    use_settings_file(settings_path)
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    plan = load_plan(plan_path)
    with reading(db, year=year) as store:
        u = resolve_unit(store, unit) if unit else None
        report = build_report(store, plan, defs, settings, year, u)
    if fmt == "json":
        emit_json(report)
        return
    if fmt == "xlsx":
        path = write_indicator_workbook(report, output or Path(f"out/indicators-{year}.xlsx"))
        err.print(f"已写出 {safe(path)}")
        return
    df = frame_for_year(report)
    if df.empty:
        out.print(f"{year} 年没有任何可计算的指标数据。")
    else:
        if u is None:
            df = df[df["unit_type"] == "district"]
        # totals, plus the per-level rows the plan sets targets for (优质均衡系数 小学/初中)
        df = df[(df["breakdown"] == "") | df["target"].notna()]
        first = df.iloc[0] if len(df) else None
        title = f"{year} 年 规划指标监测：{first['unit_name'] if first is not None else ''}（{UNIT_LABEL.get(first['unit_type'], '') if first is not None else ''}）"
        t = RichTable("指标", "分组", "数值", "单位", "分子", "分母", "目标", "路径", "状态", "2025 外推", title=title)
        for r in df.itertuples():
            target = "" if r.target is None or r.target != r.target else f"{r.target_op}{_fmt(r.target)}"
            status = r.status if isinstance(r.status, str) else "—"
            t.add_row(safe(r.name), safe(r.breakdown), _fmt(r.value), r.unit, _fmt(r.numerator, 1), _fmt(r.denominator, 1), target,
                      _fmt(r.path), f"[{STATUS_STYLE.get(status, '')}]{status}[/]" if status in STATUS_STYLE else status,
                      _fmt(r.projection))
        out.print(t)
    missing = [i for i in report["indicators"] if i["in_plan"] and i["data_status"] in ("无数据", "数据不全", "无定义", "定性")]
    if missing:
        mt = RichTable("指标", "状态", "原因", title="规划指标中本年度没有数值的（不静默遗漏）")
        for i in missing:
            mt.add_row(safe(f"{i['name']}（{i['id']}）"), safe(i["data_status"]), safe(i["reason"]))
        out.print(mt)


def explain(
    indicator: Annotated[str, typer.Argument(help="指标代码，如 preschool_gross_enrolment")],
    year: Annotated[int, typer.Option("--year", help="统计年度")] = 2019,
    unit: Annotated[Optional[str], typer.Option("--unit", help="单位代码或名称（默认：区）")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")] = Format.table,
    db: DbOption = DEFAULT_DB,
    settings_path: SettingsOption = None,
) -> None:
    """解释一个数字：口径、分子和分母各项及其数值、各下级单位的贡献、数据来自哪些导入批次。

    例：eduplan explain preschool_gross_enrolment --year 2019 --unit 420104
    """
    _run_explain(indicator, year, unit, fmt, db, settings_path)


@handle_errors
def _run_explain(indicator, year, unit, fmt, db, settings_path) -> None:
    use_settings_file(settings_path)
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    with reading(db, year=year) as store:
        if unit:
            u = resolve_unit(store, unit)
        else:
            d = store.run("SELECT district_code FROM district ORDER BY 1 LIMIT 1")
            u = ("district", d[0][0]) if d else ("district", "")
        result = explain_figure(store, defs, indicator, year, u)
    if fmt == Format.json:
        emit_json(result)
        return
    out.print(f"[bold]{safe(result['name'])}[/]（{safe(result['indicator'])}）  {safe(result['unit'].get('name', result['unit']['code']))}  {year} 年")
    out.print(f"口径：{safe(result['definition'])}")
    out.print(f"依据：{safe(result['source'])}")
    v = result.get("value")
    out.print(f"数值：[bold]{_fmt(v, 4)}[/] {result['unit_of_measure']}    {result.get('formula', '')}")
    for side, label in (("numerator_terms", "分子"), ("denominator_terms", "分母")):
        if not result[side]:
            continue
        t = RichTable("项", "数据", "筛选", "取数年度", "系数", "值", "导入批次", title=f"{label}（合计 {_fmt(result.get(side.split('_')[0]), 2)}）")
        for term in result[side]:
            batches = "；".join(f"#{b['batch_id']} {b['file_name']}（{b['rows']} 行，{b['user']}，{b['imported_at']}）"
                               for b in term["batches"])
            t.add_row(safe(term["label"] or term["expr"]), safe(f"{term['relation']}.{term['expr']}"), safe(term["where"] or ""),
                      str(term["source_year"]), _fmt(term["coef"], 4), _fmt(term["value"], 2), batches)
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
