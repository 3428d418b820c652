"""Demo rows for the store table balance_judgement: the 2017 checklist items that only a recorded
judgement can decide (eduplan.balance.checklist_items.JUDGEMENT_ITEMS), for the demo district 420104 in
2019–2025, each with plausible evidence text. Two items are left un-judged on purpose
(G13_nearby_enrolment, Q09_quality_monitoring) so that the report shows 待评估. The judgements are
illustrative, not claims about the real district.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..balance.checklist_items import JUDGEMENT_ITEMS

AREA = "420104"
YEARS = range(2019, 2026)
LEFT_OPEN = {"G13_nearby_enrolment", "Q09_quality_monitoring"}
ASSESSORS = ("区教育督导室 王敏", "区教育督导室 李强", "区教育局 陈静", "区教育督导室 刘洋")
EVIDENCE = {
    "G01_layout": "《硚口区中小学布局规划（{y}年修订）》及区政府批复",
    "G02_unified_standards": "区义务教育学校办学标准、编制标准与公用经费拨付文件（{y}年）",
    "G06_small_school_funding": "{y}年公用经费拨付明细（无不足100人学校，按实拨付）",
    "G07_special_school_funding": "区特殊教育学校{y}年公用经费决算表",
    "G10_staffing_pool": "区编办、区教育局{y}年教职工编制统筹调配文件",
    "G14_quota_allocation": "{y}年中考招生计划及优质高中名额分配方案",
    "G15_migrant_children": "{y}年随迁子女入学统计表、留守儿童关爱工作台账",
    "Q03_charter_informatisation": "各校章程核准文件、智慧校园管理平台使用报告（{y}年）",
    "Q04_training_budget": "{y}年各校公用经费预算及教师培训经费支出汇总",
    "Q05_ict_use": "{y}年信息化教学应用专项检查记录",
    "Q06_moral_education": "{y}年德育与校园文化建设评估结果",
    "Q07_curriculum": "{y}年课程设置与课表专项检查记录",
    "Q08_workload": "{y}年“双减”作业管理专项督查报告",
    "V01_exam_admission": "{y}年招生工作督查记录（无考试招生）",
    "V02_school_choice": "{y}年招生入学信访与督查记录",
    "V03_key_schools": "{y}年分班情况专项检查记录",
    "V04_vacant_posts": "{y}年教师招聘与编制使用情况报告",
    "V05_safety_accident": "{y}年教育系统安全工作年报",
    "V06_fraud": "{y}年督导评估材料复核记录",
}
# (item, year) judged not yet met: the 2019–2020 quota share and the training budget in 2019
NOT_MET = {("G14_quota_allocation", 2019): 45.0, ("G14_quota_allocation", 2020): 48.0,
           ("Q04_training_budget", 2019): 4.2}
VALUES = {"G14_quota_allocation": 52.0, "G15_migrant_children": 91.0, "Q04_training_budget": 5.5,
          "G07_special_school_funding": 6500.0}


def demo_judgements(data: dict[str, list[dict]], seed: int) -> dict[str, list[dict[str, Any]]]:
    """{"balance_judgement": rows} for the demo district (deterministic for a seed)."""
    rng = np.random.default_rng(seed + 2017)
    years = sorted({r["year"] for r in data.get("enrolment", [])} & set(YEARS)) or list(YEARS)
    rows = []
    for y in years:
        for item in JUDGEMENT_ITEMS:
            if item.id in LEFT_OPEN:
                continue
            value = NOT_MET.get((item.id, y), VALUES.get(item.id))
            if item.id in VALUES and (item.id, y) not in NOT_MET:
                value = round(VALUES[item.id] * (1 + 0.01 * (y - 2019)), 1)
            rows.append({
                "year": y, "area_code": AREA, "item": item.id,
                "passed": "否" if (item.id, y) in NOT_MET else "是",
                "value": value,
                "evidence": EVIDENCE.get(item.id, "督导评估记录（{y}年）").format(y=y),
                "assessor": ASSESSORS[int(rng.integers(len(ASSESSORS)))],
                "assessed_on": f"{y}-12-{int(rng.integers(1, 21)):02d}",
            })
    return {"balance_judgement": rows}
