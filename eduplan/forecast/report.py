"""Render forecasts: one JSON-ready document and an Excel workbook (one sheet per part, Chinese headers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .engine import Forecast, compare
from .enrolment import GRADES_OF, level_total
from ..sheets import workbook, write_sheet

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


def _sheet(wb, name: str, headers: list[str], rows: list[list[Any]], widths: list[int] | None = None) -> None:
    write_sheet(wb, name, headers, rows, widths, header_colour="#DDEBF7")


def write_forecast_xlsx(forecasts: list[Forecast], path: Path, names: dict[str, str] | None = None) -> Path:
    path = Path(path)
    names = names or {}
    base = forecasts[0]
    with workbook(path) as wb:
        def area_name(a: str) -> str:
            return names.get(a) or base.inputs.zones.get(a) or ("全区" if a == base.inputs.district_code else a)

        for f in forecasts:
            tag = "" if f is base else f"（{f.scenario.id}）"
            _sheet(wb, f"学位缺口汇总{tag}", ["学区", "学区名称", "学段", "缺位年份", "最大缺位", "首个缺位年", "项目补上缺口的年份",
                                          "补缺项目", "缺位年份待建项目"],
                   [[r["area"], area_name(r["area"]), r["level"], "、".join(map(str, r["shortage_years"])),
                     r["max_shortage"], r["first_shortage_year"], "、".join(map(str, r["closed_years"])),
                     "、".join(r["closing_projects"]), "、".join(r["pending_for_shortage"])] for r in f.summary()])
            _sheet(wb, f"学位缺口{tag}", ["学区", "学区名称", "学段", "年度", "学位需求", "现有学位", "项目新增学位", "可用学位",
                                       "缺口（需求−可用）", "缺位", "邻区吸收", "无学位儿童", "已投用项目", "待建项目"],
                   [[r.area, area_name(r.area), r.level, r.year, round(r.need), r.existing, r.project_places,
                     r.available, round(r.gap), r.shortage, round(r.absorbed), r.unplaced,
                     "、".join(f"{i}（{p}）" for i, p in r.projects),
                     "、".join(f"{i}（{p}，{y}年）" for i, p, y in r.pending)]
                    for r in sorted(f.gap, key=lambda r: (r.area, LEVEL_ORDER[r.level], r.year))])
        if len(forecasts) > 1:
            rows = []
            for c in compare(forecasts)["scenarios"]:
                for ch in c["changes"]:
                    rows.append([c["scenario"], c["name"], ch["area"], area_name(ch["area"]), ch["level"], ch["year"],
                                 ch["baseline_shortage"], ch["scenario_shortage"], ch["change"], ch["available_change"],
                                 ch["need_change"], ch["new_shortage"]])
            _sheet(wb, "情景比较", ["情景", "情景名称", "学区", "学区名称", "学段", "年度", "基准缺位", "情景缺位", "变化",
                                "可用学位变化", "需求变化", "新出现缺位"], rows)
        f = base
        last = max(f.settings.horizon, f.settings.gap_horizon)
        pop_rows = []
        for area, by_year in f.population.items():
            for t in sorted(by_year):
                if t >= f.base_year:
                    pop_rows.append([area, area_name(area), t, "观测" if t == f.base_year else "预测",
                                     *[round(float(x)) for x in by_year[t]]])
        _sheet(wb, "人口预测", ["区域", "名称", "年度", "类型", *[f"{a}岁" for a in range(23)]], pop_rows)
        enr_rows = []
        for area, by_year in f.enrolment.items():
            for t in range(f.base_year, last + 1):
                for level, grades in GRADES_OF.items():
                    by_grade = by_year[t]
                    enr_rows.append([area, area_name(area), t, level, round(level_total(by_grade, level)),
                                     *[round(by_grade.get(g, 0.0)) for g in grades]])
        _sheet(wb, "在校生预测", ["区域", "名称", "年度", "学段", "在校生", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级"],
               enr_rows)
        rate_rows = []
        for area, r in f.rates.items():
            for g in r.promotion:
                rate_rows.append([area, area_name(area), g, round(r.promotion[g], 4), round(r.repetition[g], 4),
                                  round(r.dropout[g], 4)])
            for lvl, v in r.intake.items():
                rate_rows.append([area, area_name(area), f"{lvl}入学率", round(v, 4), None, None])
            for lvl, v in r.transition.items():
                rate_rows.append([area, area_name(area), f"升入{lvl}", round(v, 4), None, None])
        _sheet(wb, "流动率", ["区域", "名称", "年级/项目", "升级率（或入学率、升学率）", "留级率", "辍学率"], rate_rows)
        _sheet(wb, "学校容量", ["学校标识码", "学校名称", "学区", "学段", "容量班数", "容量依据", "学位", "在校生", "班数",
                            "平均班额", "使用率", "超容量", "大班额班数", "超标准班额班数", "撤并年份"],
               [[d["school_code"], d["name"], d["zone"], d["level"], d["classes_allowed"], d["basis"], d["places"],
                 d["pupils"], d["classes"], d["avg_class_size"], d["utilisation"], d["over_capacity"], d["big_classes"],
                 d["classes_over_norm"], d["closed_year"]] for d in (sc.to_dict() for sc in f.schools)])
        _sheet(wb, "项目新增学位", ["项目编号", "项目名称", "学区", "学段", "新增学位", "投入使用年度", "情景推迟（年）"],
               [[p.project_id, p.name, p.zone, p.level, p.places, p.in_use_year, p.delayed_by] for p in f.projects])
        _sheet(wb, "千人指标", ["区域", "名称", "学段", "年度", "常住人口", "千人指标学位", "学位需求", "每千人需求", "需求÷千人指标"],
               [[y["area"], area_name(y["area"]), y["level"], y["year"], y["residents"], y["yardstick_places"],
                 y["need"], y["need_per_1000"], y["ratio"]] for y in f.yardstick])
        res_rows = []
        for r in f.resources:
            for lvl, v in r["levels"].items():
                res_rows.append([r["year"], lvl, v["pupils"], v["pupils_public"], v["pupils_private"],
                                 v["staff_needed"], v["staff_current"], v["staff_priced"], v["staff_gap"],
                                 v["staff_private_current"], v["staff_private_needed"],
                                 v["classes_needed"], v["classes_available"]])
        _sheet(wb, "资源需求", ["年度", "学段", "在校生", "其中公办", "其中民办", "公办需要教职工（编制标准）",
                            "公办现有教职工（基年）", "公办计价教职工（两者较大）", "公办教职工缺口", "民办现有教职工（基年）",
                            "民办需要教职工（编制标准）", "需要班数", "可用班数"], res_rows)
        label = f.resources[0]["financing_gap_label"] if f.resources else ""
        label_norm = f.resources[0]["financing_gap_at_norm_label"] if f.resources else ""
        _sheet(wb, "经费", ["年度", "人员经费（公办，万元）", "人员经费（按编制标准，万元）", "公用经费（公办，万元）",
                          "基建投资（万元）", "合计（万元）", "教育预算（万元）", "资金缺口（公办，万元）",
                          "资金缺口（按编制标准，万元）", "说明"],
               [[r["year"], r["staff_cost"], r["staff_cost_at_norm"], r["public_funds"], r["capital"], r["total"],
                 r["budget"], r["financing_gap"], r["financing_gap_at_norm"], label if i == 0 else (
                     label_norm if i == 1 else None)]
                for i, r in enumerate(f.resources)])
        notes = [["基年", f.base_year], ["情景", f.scenario.name],
                 ["规划", f.plan.meta.title if f.plan else "未绑定规划（无规划目标）"],
                 ["学位缺口计算到", f.horizon.basis if f.horizon else f.settings.gap_horizon],
                 ["学前目标毛入园率", f.preschool.text() if f.preschool else f.settings.preschool_target_rate],
                 ["跨学区安置", "允许" if f.settings.cross_zone_placement else "不允许（按学区计算缺口）"],
                 *[["说明", n] for n in f.notes],
                 *[[f"设置 {k}", str(v)] for k, v in f.settings.model_dump(mode="json").items()]]
        _sheet(wb, "说明与设置", ["项目", "内容"], notes, [24, 120])
    return path
