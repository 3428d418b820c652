"""`eduplan forecast` (学位预测与情景比较) and `eduplan projects` (重点项目库和年度建设清单)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import EduplanError
from ..settings import use_settings_file
from .common import (
    DEFAULT_DB, DbOption, DistrictOption, OutFormat, OutFormatOption, PlanOption, emit_json, err, handle_errors, out,
    safe,
)
from ..plan.scope import resolve_year
from .guards import scoped
from .render import Col, Grid, figure, years_text


OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="xlsx 输出文件")]
SettingsOption = Annotated[Optional[Path], typer.Option("--settings", envvar="EDUPLAN_SETTINGS",
                                                        help="设置文件（YAML），覆盖 forecast / projects 节的默认值")]
AsOfOption = Annotated[Optional[str], typer.Option(
    "--as-of", help="进度核查日期 YYYY-MM-DD（默认今天）")]


class CliError(EduplanError):
    """A command-line value is not valid."""


def _as_of(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--as-of 应为 YYYY-MM-DD 格式的日期（当前值：{text}）") from None


def _scenario_names(values: list[str] | None) -> list[str]:
    names: list[str] = []
    for v in values or []:
        names += [x.strip() for x in v.replace("，", ",").split(",") if x.strip()]
    return names


# ------------------------------------------------------------------ forecast


def forecast(
    scenario: Annotated[Optional[list[str]], typer.Option(
        "--scenario", "-s", help="情景名称或代码（可重复或用逗号分隔，与基准情景并列比较），如 出生低方案 或 births-low；"
                                 "--list-scenarios 列出全部，另可用 delay-<项目编号>-<N>y")] = None,
    year: Annotated[Optional[int], typer.Option("--year", help="只显示这一年的学位缺口明细")] = None,
    base_year: Annotated[Optional[int], typer.Option("--base-year", help="预测基年（默认：库中最近的有数据年度）；预测只用基年及以前的数据和基年底的项目进展，可用于回测")] = None,
    as_of: AsOfOption = None,
    list_scenarios: Annotated[bool, typer.Option("--list-scenarios", help="列出可用情景后退出")] = False,
    fmt: OutFormatOption = OutFormat.table,
    output: OutputOption = None,
    db: DbOption = DEFAULT_DB,
    district: DistrictOption = None,
    plan_path: PlanOption = None,
    settings_path: SettingsOption = None,
) -> None:
    """学位预测：一个区各学区人口 → 在校生 → 学位需求 → 学位缺口（逐年、分学段），以及补缺项目和无学位儿童数。

    人口用队列要素法（含新建住宅入住），在校生用 UNESCO 重构队列法；项目取该区规划所列和库中登记的项目，
    学位自投入使用年度起计入。学前学位需求按该区规划的学前三年毛入园率目标；缺口计算到规划期末年
    （规划期已结束或未绑定规划时为基年 + 5 年；基年以后的数据一概不读）。输出注明所用规划、目标和年份。

    另给出教职工、班级和经费需求。--scenario 与基准情景并列比较：哪个学区哪一年出现缺位、缺多少。

    缺口按学区计算、不跨学区安置（设置 forecast.cross_zone_placement 可改）。方法见 docs/forecast.md。

    例：eduplan forecast --scenario births-low,delay-<项目编号>-2y
    """
    _run_forecast(scenario, year, base_year, as_of, list_scenarios, fmt, output, db, district, plan_path,
                  settings_path)


@handle_errors
def _run_forecast(scenario, year, base_year, as_of, list_scenarios, fmt, output, db, district, plan_path,
                  settings_path) -> None:
    from ..forecast import ForecastSettings, all_scenarios, run_scenarios
    from ..forecast.report import forecasts_doc, write_forecast_xlsx
    from ..forecast.scenarios import find_scenario
    from ..settings import load_section

    use_settings_file(settings_path)
    settings = load_section("forecast", ForecastSettings, {"base_year": base_year} if base_year else None)
    if list_scenarios:
        known = all_scenarios(settings.scenarios)
        if fmt == OutFormat.json:
            emit_json([s.model_dump() for s in known.values()])
            return
        rt = Grid(Col("情景", "name", min=10), Col("名称", "name", min=8), Col("说明", min=20),
                  title="可用情景（另可用 delay-<项目编号>-<N>y）")
        for s in known.values():
            rt.add_row(safe(s.id), safe(s.name), safe(s.description))
        rt.print()
        return
    with scoped(db, district, plan_path, need=("school", "enrolment"), with_year=False) as sc:
        names = [find_scenario(n, settings.scenarios) for n in _scenario_names(scenario)]
        forecasts = run_scenarios(sc.store, names, settings, _as_of(as_of), sc.scope)
        latest = None if base_year else resolve_year(sc.store, None, sc.scope.district_code)[0]
    if latest is not None:
        chosen = forecasts[0].base_year
        why = "" if chosen == latest else f"（在校生数据到 {latest} 年，分年龄人口只到 {chosen} 年）"
        err.print(f"未指定 --base-year：基年为库中在校生和人口都有数据的最近年度 {chosen} 年{why}", soft_wrap=True)
    if fmt == OutFormat.json:
        emit_json(forecasts_doc(forecasts, year, sc.scope))
        return
    if fmt == OutFormat.xlsx:
        path = write_forecast_xlsx(forecasts, output or Path(f"out/forecast-{forecasts[0].base_year}.xlsx"), store=db)
        err.print(f"已写出 {safe(path)}")
        return
    print_forecast(forecasts, year)


def _zone_label(f, area: str) -> str:
    if area == f.inputs.district_code:
        return "全区"
    return safe(f"{area} {f.inputs.zones.get(area, '')}".strip())


def _unchanged(c: dict) -> str:
    """A scenario that changes no shortage, and why (eduplan.forecast.compare's explanation)."""
    text = f"情景“{safe(c['name'])}”（{safe(c['scenario'])}）：{safe(c.get('explanation') or '缺位无变化')}"
    return f"[yellow]{text}[/]" if "没有结果" in text else text


def print_forecast(forecasts, year: int | None = None) -> None:
    from ..forecast import compare

    f = forecasts[0]
    s = f.settings
    out.print(f"[bold]{safe(f.inputs.district_name)} 学位缺口（基年 {f.base_year}，{f.scenario.name}）[/]")
    if f.horizon is not None:
        out.print(f"学位缺口与资源需求计算到 {safe(f.horizon.basis)}")
    years = f.gap_years
    mt = Grid(Col("学区", "name", min=8), Col("学段", min=4), *[Col(str(t), "num") for t in years],
              title="学位缺口 = 需求 − 可用学位（红色为缺位，负数为富余）")
    for summ in f.summary():
        rows = {r.year: r for r in f.gap if (r.area, r.level) == (summ["area"], summ["level"])}
        cells = []
        for t in years:
            g = round(rows[t].gap)
            cells.append(f"[bold red]{g:,}[/]" if rows[t].unplaced > 0 else f"[green]{g:,}[/]")
        mt.add_row(_zone_label(f, summ["area"]), summ["level"], *cells)
    mt.print()
    st = Grid(Col("学区", "name", min=8), Col("学段", min=4), Col("缺位年份", min=10), Col("最大缺位", "num"),
              Col("项目补上缺口的年份", min=10), Col("补缺项目", "name", min=12), title="缺位与补缺项目")
    names = {p.project_id: p.name for p in f.projects}
    for summ in f.summary():
        if not (summ["shortage_years"] or summ["closed_years"]):
            continue
        st.add_row(_zone_label(f, summ["area"]), summ["level"], years_text(summ["shortage_years"]),
                   f"{summ['max_shortage']:,}" if summ["max_shortage"] else "—",
                   years_text(summ["closed_years"]),
                   safe("、".join(names.get(i, i) for i in summ["closing_projects"]) or "—"))
    if st.rows:
        st.print()
    crowded = sorted((c for c in f.schools if c.over_capacity or c.classes_56plus),
                     key=lambda c: -(c.pupils / c.places if c.places else 0))
    if crowded:
        ct = Grid(Col("学校", "name", min=12), Col("学区", "name", min=8, drop=2), Col("学段", min=4), Col("在校生", "num"),
                  Col("学位", "num"), Col("使用率", "num"), Col("平均班额", "num", drop=1), Col("大班额班数", "num", drop=1),
                  Col("容量依据", min=8, drop=3),
                  title=f"基年 {f.base_year} 超容量或有大班额的学校（{len(crowded)} 所，按使用率排序，列前 12 所）",
                  note="终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）")
        for c in crowded[:12]:
            d = c.to_dict()
            ct.add_row(safe(c.name), _zone_label(f, c.zone) if c.zone else "—", c.level, f"{c.pupils:,}", f"{c.places:,}",
                       "—" if not d["utilisation"] else f"{figure(d['utilisation'] * 100, '%')} %",
                       figure(d["avg_class_size"], "人/班"),
                       "未填报" if c.classes_56plus is None else str(c.classes_56plus), safe(d["basis"]))
        ct.print()
    if year is not None:
        dt = Grid(Col("学区", "name", min=8), Col("学段", min=4), Col("需求", "num"), Col("现有学位", "num"),
                  Col("项目学位", "num", drop=2), Col("可用", "num"), Col("缺位", "num"), Col("无学位儿童", "num"),
                  Col("已投用项目", min=10, drop=1), Col("待建项目", min=10, drop=1), title=f"{year} 年明细",
                  note="终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）")
        for r in f.gap:
            if r.year == year:
                dt.add_row(_zone_label(f, r.area), r.level, f"{round(r.need):,}", f"{r.existing:,}",
                           f"{r.project_places:,}", f"{r.available:,}", f"{r.shortage:,}", f"{r.unplaced:,}",
                           safe("、".join(names.get(i, i) for i, _ in r.projects) or "—"),
                           safe("、".join(f"{names.get(i, i)}（{y}）" for i, _, y in r.pending) or "—"))
        dt.print()
    if len(forecasts) > 1:
        ct = Grid(Col("情景", "name", min=8), Col("学区", "name", min=8), Col("学段", min=4), Col("年度", "num"),
                  Col("基准缺位", "num"), Col("情景缺位", "num"), Col("变化", "num"), Col("可用学位变化", "num", drop=1),
                  title="情景比较（与基准情景相比缺位有变化的学区和年度）",
                  note="终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）")
        same: list[str] = []
        for c in compare(forecasts)["scenarios"]:
            if not c["changes"]:
                same.append(_unchanged(c))
            for ch in c["changes"]:
                ct.add_row(safe(c["name"]), _zone_label(f, ch["area"]), ch["level"], str(ch["year"]),
                           f"{ch['baseline_shortage']:,}", f"{ch['scenario_shortage']:,}",
                           f"[bold red]+{ch['change']:,}[/]" if ch["change"] > 0 else f"[green]{ch['change']:,}[/]",
                           f"{ch['available_change']:,}")
        if ct.rows:
            ct.print()
        for line in same:
            out.print(line)
        for fs in forecasts[1:]:
            for n in fs.notes:
                out.print(f"[yellow]{safe(fs.scenario.id)}：{safe(n)}[/]")
    st = Grid(Col("年度", "num"), Col("公办需要教职工", "num"), Col("公办现有教职工", "num"), Col("民办学生", "num"),
              Col("民办教职工", "num"), title="资源需求：教职工（公办按编制标准；民办单列，不计入公共财政）")
    mt = Grid(Col("年度", "num"), Col("人员经费", "num"), Col("公用经费", "num"), Col("基建投资", "num"), Col("教育预算", "num"),
              Col("资金缺口", "num"), title="资源需求：经费（公办；万元）")
    for r in f.resources:
        levels = r["levels"].values()
        st.add_row(str(r["year"]), f"{sum(v['staff_needed'] for v in levels):,}",
                   f"{sum(v['staff_current'] for v in levels):,}", f"{sum(v['pupils_private'] for v in levels):,}",
                   f"{sum(v['staff_private_current'] for v in levels):,}")
        gap = r["financing_gap"]
        mt.add_row(str(r["year"]), figure(r["staff_cost"], "万元"), figure(r["public_funds"], "万元"),
                   figure(r["capital"], "万元"), figure(r["budget"], "万元"),
                   "—" if gap is None else (f"[red]{figure(gap, '万元')}[/]" if gap > 0 else figure(gap, "万元")))
    st.print()
    mt.print()
    if f.resources:
        out.print(f"说明：{safe(f.resources[0]['financing_gap_label'])}")
    placement = "允许相邻学区富余学位吸收缺口" if s.cross_zone_placement else "不跨学区安置（缺口按学区计算）"
    out.print(f"说明：{placement}；高中等全区统筹学段按全区计算。")
    if f.preschool is not None:
        out.print(f"说明：{safe(f.preschool.text())}。")
    for n in f.notes:
        out.print(f"[yellow]说明：{safe(n)}[/]")


# ------------------------------------------------------------------ projects


def projects(
    year: Annotated[Optional[int], typer.Option("--year", help="年度建设清单的年度（默认：库中有数据的最近年度，并提示所用年度）")] = None,
    as_of: AsOfOption = None,
    fmt: OutFormatOption = OutFormat.table,
    output: OutputOption = None,
    db: DbOption = DEFAULT_DB,
    district: DistrictOption = None,
    plan_path: PlanOption = None,
    settings_path: SettingsOption = None,
) -> None:
    """重点项目库和年度建设清单：一个区的规划所列重点项目与库中登记的该区项目、进展、资金合并。

    分组、类别和各组投资取该区绑定的规划（或 --plan）；未绑定规划时只列库中登记的项目（无规划目标）。
    核对各组投资合计与规划，列出某年的年度建设清单（年度、进度、资金）。

    预警：节点延期、晚于规划投入使用、资金执行滞后或超支、规划所称“预计某年底……完工”与实际进展不符、
    项目类别不在规划中、新增学位未知。

    有“错误”级问题（如项目编号不在项目库、类别不在规划中）时退出码为 1。

    例：eduplan projects --year 2026 --format xlsx --output out/年度建设清单.xlsx
    """
    _run_projects(year, as_of, fmt, output, db, district, plan_path, settings_path)


@handle_errors
def _run_projects(year, as_of, fmt, output, db, district, plan_path, settings_path) -> None:
    from ..projects import annual_list, build_library, check_library
    from ..projects.report import library_doc, write_projects_xlsx

    use_settings_file(settings_path)
    day = _as_of(as_of)
    with scoped(db, district, plan_path, need=(), with_year=False) as sc:
        lib = build_library(sc.store, plan=sc.scope.plan, as_of=day, district_code=sc.scope.district_code)
        if year is None:
            year = _default_year(sc.store, sc.scope.district_code, day)
    findings = check_library(lib, day)
    if fmt == OutFormat.json:
        emit_json(library_doc(lib, year, findings, sc.scope))
    elif fmt == OutFormat.xlsx:
        path = write_projects_xlsx(lib, year, findings, output or Path(f"out/年度建设清单-{year}.xlsx"), store=db)
        err.print(f"已写出 {safe(path)}")
    else:
        _print_projects(lib, year, annual_list(lib, year, findings), findings)
    if any(f.level == "error" for f in findings):
        raise typer.Exit(1)


def _default_year(store, district_code: str, day: date) -> int:
    """The list's year when --year is not given: the latest year with data, as every command (said on
    stderr); the check date's year for a store without yearly data (a project library alone)."""
    from ..errors import StoreError

    try:
        year, note = resolve_year(store, None, district_code)
    except StoreError:
        year, note = day.year, f"未指定 --year：库中没有年度数据，使用核查日期所在年度 {day.year} 年"
    err.print(safe(note), soft_wrap=True)
    return year


def _print_projects(lib, year: int, rows, findings) -> None:
    if not lib.projects and not lib.orphans:
        where = "规划中没有重点项目表" if lib.plan is not None else "未绑定规划"
        out.print(f"[yellow]没有项目数据：库中没有登记任何重点项目（重点项目库为空），且{where}；"
                  "无法核查进度和资金。[/]用 eduplan template 重点项目库 取得模板，填好后 eduplan import 导入。")
        return
    if lib.plan is None:
        out.print("[yellow]未绑定规划：只列库中登记的项目，不分组、不核对规划投资（无规划目标）[/]")
    gt = Grid(Col("分组", "name", min=10), Col("规划所数", "num"), Col("项目数", min=6), Col("规划投资", "num"),
              Col("项目库合计", "num"), Col("一致", min=4), title="重点项目分组合计（投资单位：亿元）")
    for g in lib.group_totals():
        gt.add_row(safe(g.name), str(g.stated_count), f"{g.counted}（另 {g.projects - g.counted} 项不计数）" if g.projects != g.counted
                   else str(g.counted), f"{g.stated_investment:g}", f"{g.investment:g}",
                   "✓" if g.to_dict()["matches"] else "[red]✗[/]")
    if lib.group_totals():
        gt.print()
    kp = lib.key_projects
    if kp is not None and abs(kp.stated_total.investment - lib.total_investment()) > 0.005:
        out.print(f"说明：规划称重点项目共投资约 {kp.stated_total.investment:g} 亿元，各组合计为 "
                  f"{lib.total_investment():g} 亿元（规划原文不一致，见 eduplan plan check）；项目库按各组金额分摊。")
    at = Grid(Col("项目", "name", min=12), Col("学区", min=4), Col("计划投资", "num"), Col("当年计划", "num", drop=1),
              Col("当年支出", "num", drop=1), Col("年末状态", min=6), Col("投入使用 规划/预计", "num"), Col("预警", "num"),
              title=f"{year} 年度建设清单（{len(rows)} 项；金额单位：万元）",
              note="终端较窄：{dropped}未显示（加宽终端，或用 --format json / xlsx 查看全部）")
    for r in rows:
        use = f"{r['plan_in_use_year'] or '—'}/{r['in_use_year'] or '—'}"
        at.add_row(safe(r["name"]), safe(r["zone_code"] or "—"), figure(r["planned_investment"], "万元"),
                   figure(r["year_planned"], "万元"), figure(r["year_spent"], "万元"), safe(r["state_at_year_end"] or "—"),
                   use, f"[yellow]{len(r['warnings'])}[/]" if r["warnings"] else "")
    if rows:
        at.print()
    else:
        out.print(f"{year} 年度建设清单：库中没有该年度计划或在建的项目。")
    if findings:
        out.print(f"[bold]预警与核查（截至 {lib.as_of}）：{len(findings)} 条[/]")
        for f in findings:
            mark = {"error": "[red]✗ 错误[/]", "info": "[cyan]i 提示[/]"}.get(f.level, "[yellow]! 预警[/]")
            out.print(f"{mark} ", end="")
            out.print(safe(f.message))
    else:
        out.print("预警与核查：无。")
