"""`eduplan explain`: one figure taken apart — definition, terms, contributions, import batches, the plan's view."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import (
    DEFAULT_DB, DbOption, DistrictOption, Format, PlanOption, SettingsOption, YearOption, emit_json, handle_errors, out,
    safe,
)

# the indicator engine (pandas, Ibis) is imported when the command runs, not when its help is shown


def explain(
    indicator: Annotated[str, typer.Argument(help="指标：中文名称（如 学前三年毛入园率）、名称中不重复的一部分（如 毛入园率），或指标代码",
                                             metavar="指标", show_default=False)],
    year: YearOption = None,
    unit: Annotated[Optional[str], typer.Option("--unit", help="统计单位：学区或学校的代码或名称（默认：区）")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")] = Format.table,
    district: DistrictOption = None,
    db: DbOption = DEFAULT_DB,
    plan_path: PlanOption = None,
    settings_path: SettingsOption = None,
) -> None:
    """解释一个指标的数字：口径、计算方法（用文字写出）、分子和分母各项及其数值、各下级统计单位（学区、学校）的贡献、
    数据来自哪些导入批次，以及该区规划的目标（中期或期末）、路径和状态。

    库中有多个区时须用 --district 指定（或用 --unit 给出学区、学校，即为其所属区）。中期目标在其年度判定，并写明是否达成（如“2028 年中期目标 ≥96 未达成”）。

    例：eduplan explain 学前三年毛入园率 --year 2019
    """
    _run_explain(indicator, year, unit, fmt, district, db, plan_path, settings_path)


@handle_errors
def _run_explain(indicator, year, unit, fmt, district, db, plan_path, settings_path) -> None:
    from rich.table import Table as RichTable

    from ..indicators import IndicatorSettings, load_definitions
    from ..indicators.explain import explain as explain_figure
    from ..indicators.report import UNIT_LABEL
    from ..settings import load_section, use_settings_file
    from .guards import scoped
    from .indicators_cmd import _fmt, unit_scope

    use_settings_file(settings_path)
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    indicator = defs.find(indicator).id  # a name a person types; an unknown one is said before anything else
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
        out.print(f"数值：{levels} {result['unit_of_measure']}")
    else:
        out.print(f"数值：[bold]{_fmt(v, 4)}[/] {result['unit_of_measure']}")
    if result.get("formula"):
        out.print(f"计算：{safe(result['formula'])}")
    if result.get("missing"):
        out.print(f"缺失：{safe(result['missing'])}")
    _print_plan_block(result.get("plan"))
    for side, label in (("numerator_terms", "分子"), ("denominator_terms", "分母")):
        if not result[side]:
            continue  # a list, not a table: a term's words and its batches stay whole at 80 columns
        out.print(f"[bold]{label}[/]（合计 {_fmt(result.get(side.split('_')[0]), 2)}）")
        for term in result[side]:
            out.print(f"  {safe(term['words'])}：{_fmt(term['value'], 2)}")
            out.print(f"    来源：{safe(term['relation_label'])} {term['source_year']} 年")
            for b in term["batches"]:
                out.print(f"    批次 #{b['batch_id']} {safe(b['file_name'])}（{b['rows']} 行，{safe(b['user'])}，"
                          f"{safe(b['imported_at'])}）" + (f"：{safe(b['origin'])}" if b.get("origin") else ""))
            for m in term.get("missing_schools") or []:
                who = m.get("school_name") or m.get("school_code") or m.get("area_code")
                out.print(f"    [yellow]未填报：[/]{safe(who)}（{m['rows']} 行）")
    if result.get("batches"):
        for b in result["batches"]:
            out.print(f"来源批次 #{b['batch_id']} {safe(b['file_name'])}（{safe(b['user'])}，{safe(b['imported_at'])}，sha256 {b['sha256'][:12]}）")
    if result["contributions"]:
        t = RichTable(title="各下级统计单位的贡献")
        t.add_column("层级", overflow="fold", min_width=4)
        t.add_column("统计单位", overflow="fold", min_width=8)
        for head in ("分子", "分母", "数值", "占分子比重"):
            t.add_column(head, no_wrap=True, justify="right")
        for c in result["contributions"][:60]:
            share = "—" if c["share_of_numerator"] is None else f"{c['share_of_numerator'] * 100:.1f}%"
            t.add_row(UNIT_LABEL[c["unit_type"]], safe(f"{c['unit_name']}（{c['unit_code']}）"), _fmt(c["numerator"], 1),
                      _fmt(c["denominator"], 1), _fmt(c["value"]), share)
        out.print(t)
        if len(result["contributions"]) > 60:
            out.print(f"……共 {len(result['contributions'])} 个统计单位；用 --format json 查看全部")


def _print_plan_block(plan: dict | None) -> None:
    """The plan's view of the figure: the target ahead (interim or final), path, status, projection."""
    from ..plan.scope import NO_PLAN
    from .indicators_cmd import _fmt
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
