"""Render forecasts: one JSON-ready document and an Excel workbook to forward (one sheet per part, Chinese
headers, title rows, every number in its unit's style — eduplan.sheets — and a 说明 sheet). A negative
dropout rate (more pupils moved in than dropped out or left) is shown as 净转入, never as a rate below 0."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .engine import Forecast, compare
from .enrolment import GRADES_OF, level_total
from ..model.codes import GRADES
from ..sheets import COUNT, SHARE, Col, Styles, provenance, workbook, write_notes_sheet, write_table

LEVEL_ORDER = {"学前": 0, "小学": 1, "初中": 2, "高中": 3, "中职": 4}


def forecast_doc(f: Forecast, year: int | None = None) -> dict[str, Any]:
    """Everything one scenario produced (the gap rows of one year only, when `year` is given)."""
    s, inp = f.settings, f.inputs
    base, last = f.base_year, max(s.horizon, s.gap_horizon)
    areas = [*inp.areas, inp.district_code] if inp.district_code not in inp.areas else inp.areas
    population = []
    for area in areas:
        for t in range(base, last + 1):
            ages = f.population[area].get(t)
            if ages is None:
                continue
            population.append({"area": area, "year": t, "ages": [round(float(x)) for x in ages],
                               "residents": round(f.residents.get(area, {}).get(t, 0.0)) or None,
                               "births": round(f.births.get(area, {}).get(t, 0.0)) or None})
    enrolment = []
    for area in areas:
        for t in range(base, last + 1):
            for level in GRADES_OF:
                if area != inp.district_code and level in s.district_wide_levels:
                    continue  # district-wide levels are projected for the district only
                by_grade = f.enrolment[area][t]
                enrolment.append({"area": area, "year": t, "level": level,
                                  "pupils": round(level_total(by_grade, level)),
                                  "grades": {g: round(by_grade.get(g, 0.0)) for g in GRADES_OF[level]}})
    gap = [r.to_dict() for r in f.gap if year is None or r.year == year]
    return {
        "scenario": {"id": f.scenario.id, "name": f.scenario.name, "description": f.scenario.description,
                     "delays": f.scenario.delays, "settings": f.scenario.settings},
        "base_year": base, "horizon": s.horizon, "gap_horizon": s.gap_horizon,
        "gap_horizon_basis": f.horizon.basis if f.horizon else None,
        "preschool_rate": f.preschool.to_dict() if f.preschool else None,
        "cross_zone_placement": s.cross_zone_placement,
        "summary": f.summary(),
        "gap": gap,
        "population": population,
        "enrolment": enrolment,
        "rates": {a: r.to_dict() for a, r in f.rates.items()},
        "migration": {a: [round(float(x), 5) for x in m] for a, m in f.migration.items()},
        "schools": [sc.to_dict() for sc in f.schools],
        "projects": [{"id": p.project_id, "name": p.name, "zone": p.zone, "level": p.level, "places": p.places,
                      "in_use_year": p.in_use_year, "delayed_by": p.delayed_by} for p in f.projects],
        "yardstick": f.yardstick,
        "resources": f.resources,
        "notes": f.notes,
    }


def forecasts_doc(forecasts: list[Forecast], year: int | None = None, scope: Any = None) -> dict[str, Any]:
    """The forecasts as one JSON-ready document; `scope` (eduplan.plan.scope.Scope) names the plan used."""
    base = forecasts[0]
    inp = base.inputs
    doc: dict[str, Any] = {
        "district": {"code": inp.district_code, "name": inp.district_name},
        **({} if scope is None else {"scope": scope.to_dict()}),
        "zones": inp.zones, "base_year": base.base_year,
        "settings": base.settings.model_dump(mode="json"),
        "baseline": forecast_doc(base, year),
    }
    if len(forecasts) > 1:
        doc["comparison"] = compare(forecasts)
        doc["scenarios"] = {f.scenario.id: forecast_doc(f, year) for f in forecasts[1:]}
    return doc


# ------------------------------------------------------------------ xlsx

PLACES, PERSONS, YEAR, WAN = "学位", "人", "年度", "万元"
NET_INFLOW = "净转入：转入多于辍学与转出，辍学率不适用"


def _grade(g: str) -> str:
    try:
        return GRADES.label_of(g)
    except KeyError:
        return g


def _setting(v: Any) -> str:
    """A setting's value as a clerk reads it."""
    if v is None:
        return "未设置"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dict):
        return "；".join(f"{k}：{_setting(x)}" for k, x in v.items()) or "（空）"
    if isinstance(v, (list, tuple)):
        return "、".join(_setting(x) for x in v) or "（空）"
    return str(v)


def write_forecast_xlsx(forecasts: list[Forecast], path: Path, names: dict[str, str] | None = None,
                        store: str | Path | None = None, produced: dt.date | None = None) -> Path:
    """The forecasts as a workbook (see the module docstring); `store` names the database in the title rows.
    An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    names = names or {}
    base = forecasts[0]
    inp = base.inputs
    title = f"{inp.district_name or inp.district_code} 学位预测（基年 {base.base_year} 年）"
    sub = provenance(store, f"{base.base_year}（基年）", None, produced) + "；情景：" + "、".join(
        f.scenario.name for f in forecasts)
    project_names = {p.project_id: p.name for f in forecasts for p in f.projects}
    parts: list[tuple[str, str, list[Col]]] = []

    def area_name(a: str) -> str:
        return names.get(a) or inp.zones.get(a) or ("全区" if a == inp.district_code else a)

    def project(i: str) -> str:
        return project_names.get(i, i)

    def sheet(name: str, what: str, cols: list[Col], rows: list[list[Any]], freeze_cols: int = 0,
              notes: list[str] | None = None) -> None:
        write_table(wb, st, name, cols, rows, f"{title}：{name}", sub, freeze_cols, notes)
        parts.append((name, what, cols))

    with workbook(path) as wb:
        st = Styles(wb)
        for f in forecasts:
            tag = "" if f is base else f"（{f.scenario.name}）"
            sheet(f"学位缺口汇总{tag}", f"每个学区每个学段的缺位概况（{f.scenario.name}）", [
                Col("学区代码"), Col("学区名称"), Col("学段"), Col("缺位年份", max_width=40),
                Col("最大缺位", PLACES, "各年缺位（需求超过可用学位的部分）的最大值"),
                Col("首个缺位年", YEAR), Col("项目补上缺口的年份", max_width=40),
                Col("补缺项目", max_width=50), Col("缺位年份待建项目", max_width=50)],
                [[r["area"], area_name(r["area"]), r["level"], "、".join(map(str, r["shortage_years"])),
                  r["max_shortage"], r["first_shortage_year"], "、".join(map(str, r["closed_years"])),
                  "、".join(project(i) for i in r["closing_projects"]),
                  "、".join(project(i) for i in r["pending_for_shortage"])] for r in f.summary()], 3)
            sheet(f"学位缺口{tag}", f"每个学区、学段、年度的学位需求与可用学位（{f.scenario.name}）", [
                Col("学区代码"), Col("学区名称"), Col("学段"), Col("年度", YEAR),
                Col("学位需求", PLACES, "预测在校生（学前按目标毛入园率）所需学位"),
                Col("现有学位", PLACES, "现有学校的学位（容量班数 × 标准班额）"),
                Col("项目新增学位", PLACES, "已投入使用的项目新增的学位"), Col("可用学位", PLACES, "现有学位 + 项目新增学位"),
                Col("缺口（需求−可用）", PLACES, "正数为缺学位，负数为有余"), Col("缺位", PLACES, "缺口中为正的部分"),
                Col("邻区吸收", PLACES, "允许跨学区安置时由邻近学区吸收的学位"), Col("无学位儿童", PERSONS),
                Col("已投用项目", max_width=50), Col("待建项目", max_width=50)],
                [[r.area, area_name(r.area), r.level, r.year, r.need, r.existing, r.project_places, r.available,
                  r.gap, r.shortage, r.absorbed, r.unplaced,
                  "、".join(f"{project(i)}（{p}）" for i, p in r.projects),
                  "、".join(f"{project(i)}（{p}，{y}年）" for i, p, y in r.pending)]
                 for r in sorted(f.gap, key=lambda r: (r.area, LEVEL_ORDER[r.level], r.year))], 3)
        if len(forecasts) > 1:
            rows = []
            for c in compare(forecasts)["scenarios"]:
                for ch in c["changes"]:
                    rows.append([c["name"], ch["area"], area_name(ch["area"]), ch["level"], ch["year"],
                                 ch["baseline_shortage"], ch["scenario_shortage"], ch["change"], ch["available_change"],
                                 ch["need_change"], "是" if ch["new_shortage"] else "否", c["scenario"]])
            sheet("情景比较", "各情景与基准情景的缺位差异（只列有变化的学区、学段、年度）", [
                Col("情景名称"), Col("学区代码"), Col("学区名称"), Col("学段"), Col("年度", YEAR),
                Col("基准缺位", PLACES), Col("情景缺位", PLACES), Col("变化", PLACES, "情景缺位 − 基准缺位"),
                Col("可用学位变化", PLACES), Col("需求变化", PLACES), Col("新出现缺位", note="基准情景不缺、该情景缺"),
                Col("情景代码", note="--scenario 使用的代码")], rows, 3,
                notes=[] if rows else ["各情景与基准情景的缺位相同，没有变化。"])
        f = base
        last = max(f.settings.horizon, f.settings.gap_horizon)
        pop_rows = []
        for area, by_year in f.population.items():
            for t in sorted(by_year):
                if t >= f.base_year:
                    pop_rows.append([area, area_name(area), t, "观测" if t == f.base_year else "预测", *by_year[t]])
        sheet("人口预测", "各区域分年龄常住人口（基年为观测，其后为预测）",
              [Col("区域代码"), Col("名称"), Col("年度", YEAR), Col("类型"),
               *[Col(f"{a}岁", PERSONS) for a in range(23)]], pop_rows, 4)
        enr_rows = []
        for area, by_year in f.enrolment.items():
            for t in range(f.base_year, last + 1):
                for level, grades in GRADES_OF.items():
                    by_grade = by_year[t]
                    enr_rows.append([area, area_name(area), t, level, level_total(by_grade, level),
                                     *[by_grade.get(g, 0.0) for g in grades]])
        sheet("在校生预测", "各区域各学段分年级在校生预测",
              [Col("区域代码"), Col("名称"), Col("年度", YEAR), Col("学段"), Col("在校生", PERSONS),
               *[Col(f"{n}年级", PERSONS) for n in "一二三四五六"]], enr_rows, 4)
        rate_rows = []
        for area, r in f.rates.items():
            for g in r.promotion:
                d = r.dropout[g]
                rate_rows.append([area, area_name(area), _grade(g), r.promotion[g], r.repetition[g],
                                  d if d >= 0 else None, -d if d < 0 else None, NET_INFLOW if d < 0 else ""])
            for lvl, v in r.intake.items():
                rate_rows.append([area, area_name(area), f"{lvl}入学率", v, None, None, None, ""])
            for lvl, v in r.transition.items():
                rate_rows.append([area, area_name(area), f"升入{lvl}", v, None, None, None, ""])
        sheet("流动率", "各区域各年级的升级、留级、辍学率（近年实际的平均，含净迁移）", [
            Col("区域代码"), Col("名称"), Col("年级/项目"),
            Col("升级率（或入学率、升学率）", "率", "下一年升入上一年级（或入学、升学）的学生占本年级学生的比例，含净迁移，可超过 100%"),
            Col("留级率", "率"), Col("辍学率", "率", "辍学与转出多于转入的部分；为负（净转入）时不填，见“净转入率”"),
            Col("净转入率", "率", "转入多于辍学与转出的部分"), Col("说明", max_width=40)], rate_rows, 3)
        sheet("学校容量", "每所学校的容量、在校生、班额与使用率（基年）", [
            Col("学校标识码"), Col("学校名称", max_width=36), Col("学区代码"), Col("学段"), Col("容量班数", "班"),
            Col("容量依据"), Col("学位", PLACES), Col("在校生", PERSONS), Col("班数", "班"), Col("平均班额", "人/班"),
            Col("使用率", style=SHARE, note="在校生 ÷ 学位"), Col("超容量"), Col("大班额班数", "班", "56 人及以上的班"),
            Col("超标准班额班数", "班"), Col("撤并年份", YEAR)],
            [[d["school_code"], d["name"], d["zone"], d["level"], d["classes_allowed"], d["basis"], d["places"],
              d["pupils"], d["classes"], d["avg_class_size"], d["utilisation"],
              "是" if d["over_capacity"] else "否", d["big_classes"], d["classes_over_norm"], d["closed_year"]]
             for d in (sc.to_dict() for sc in f.schools)], 2)
        sheet("项目新增学位", "重点项目新增的学位及其投入使用年度", [
            Col("项目编号"), Col("项目名称", max_width=36), Col("学区代码"), Col("学段"), Col("新增学位", PLACES),
            Col("投入使用年度", YEAR), Col("情景推迟（年）", style=COUNT)],
            [[p.project_id, p.name, p.zone, p.level, p.places, p.in_use_year, p.delayed_by] for p in f.projects], 2)
        sheet("千人指标", "按千人指标（每千名常住人口的学位数）核算的学位与预测需求的比较", [
            Col("区域代码"), Col("名称"), Col("学段"), Col("年度", YEAR), Col("常住人口", PERSONS),
            Col("千人指标学位", PLACES), Col("学位需求", PLACES), Col("每千人需求", "学位/千人"),
            Col("需求÷千人指标", style=SHARE)],
            [[y["area"], area_name(y["area"]), y["level"], y["year"], y["residents"], y["yardstick_places"],
              y["need"], y["need_per_1000"], y["ratio"]] for y in f.yardstick], 3)
        res_rows = []
        for r in f.resources:
            for lvl, v in r["levels"].items():
                res_rows.append([r["year"], lvl, v["pupils"], v["pupils_public"], v["pupils_private"],
                                 v["staff_needed"], v["staff_current"], v["staff_priced"], v["staff_gap"],
                                 v["staff_private_current"], v["staff_private_needed"],
                                 v["classes_needed"], v["classes_available"]])
        sheet("资源需求", "各年各学段的教职工与班级需求", [
            Col("年度", YEAR), Col("学段"), Col("在校生", PERSONS), Col("其中公办", PERSONS), Col("其中民办", PERSONS),
            Col("公办需要教职工（编制标准）", PERSONS), Col("公办现有教职工（基年）", PERSONS),
            Col("公办计价教职工（两者较大）", PERSONS), Col("公办教职工缺口", PERSONS),
            Col("民办现有教职工（基年）", PERSONS), Col("民办需要教职工（编制标准）", PERSONS),
            Col("需要班数", "班"), Col("可用班数", "班")], res_rows, 2)
        label = f.resources[0]["financing_gap_label"] if f.resources else ""
        label_norm = f.resources[0]["financing_gap_at_norm_label"] if f.resources else ""
        sheet("经费", "各年人员经费、公用经费、基建投资与教育预算的比较", [
            Col("年度", YEAR), Col("人员经费（公办，万元）", WAN), Col("人员经费（按编制标准，万元）", WAN),
            Col("公用经费（公办，万元）", WAN), Col("基建投资（万元）", WAN), Col("合计（万元）", WAN),
            Col("教育预算（万元）", WAN), Col("资金缺口（公办，万元）", WAN, "正数为缺钱，负数为有余"),
            Col("资金缺口（按编制标准，万元）", WAN)],
            [[r["year"], r["staff_cost"], r["staff_cost_at_norm"], r["public_funds"], r["capital"], r["total"],
              r["budget"], r["financing_gap"], r["financing_gap_at_norm"]] for r in f.resources], 1,
            notes=[x for x in (label, label_norm) if x])
        settings = [[k, _setting(v)] for k, v in f.settings.model_dump(mode="json").items()]
        write_table(wb, st, "说明与设置", [Col("设置项代码", note="设置文件中的键（forecast 一节）"),
                                           Col("设置值", max_width=80)], settings,
                    f"{title}：设置", sub)
        parts.append(("说明与设置", "本次预测使用的全部设置（设置文件 forecast 一节）", []))
        method = [f"基年：{f.base_year}；情景：{f.scenario.name}",
                  f"规划：{f.plan.meta.title if f.plan else '未绑定规划（无规划目标）'}",
                  f"学位缺口计算到：{f.horizon.basis if f.horizon else f.settings.gap_horizon}",
                  f"学前目标毛入园率：{f.preschool.text() if f.preschool else f.settings.preschool_target_rate}",
                  f"跨学区安置：{'允许' if f.settings.cross_zone_placement else '不允许（按学区计算缺口）'}",
                  "方法：常住人口按队列要素法（存活、迁移、出生）逐年推算；在校生按各年级升级、留级、辍学率和入学、升学率推算；"
                  "学位需求与现有学位和项目新增学位比较得出缺口。",
                  f"净转入：{NET_INFLOW}。",
                  *f.notes]
        write_notes_sheet(wb, st, title, sub, [(n, w) for n, w, _ in parts],
                          [(n, c) for n, _, cols in parts for c in cols if c.note or c.unit], method)
    return path
