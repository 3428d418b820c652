"""Mutation survivors in eduplan/balance (docs/testing.md, tools/mutation.py): the 优质均衡 workbook a bureau
forwards — its sheets, the 概要 table and notes, and the 说明 sheet — on the widened hand district
(tests/hand_wide.py; the coefficients are worked by hand in tests/test_hand_wide_balance.py)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from eduplan.balance import evaluate_store
from eduplan.balance.report import write_workbook
from eduplan.store import Store
from hand_wide import shared_store


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    db = shared_store(tmp_path_factory)
    with Store(db, read_only=True) as s:
        result = evaluate_store(s, 2019)
    path = write_workbook(result, tmp_path_factory.mktemp("bal") / "均衡.xlsx", produced=dt.date(2026, 1, 1))
    return openpyxl.load_workbook(path)


def _rows(ws):
    return [tuple(v for v in r if v is not None) for r in ws.iter_rows(values_only=True)]


def test_overview_sheet(workbook):
    assert workbook.sheetnames == ["概要", "差异系数", "学校", "方差贡献", "检查清单", "说明"]
    rows = _rows(workbook["概要"])
    assert rows[:5] == [
        ("义务教育均衡评估 — 硚口区（420104） 优质均衡（教督〔2017〕6号）",),
        ("年度：2019；生成日期：2026-01-01",),
        ("学段", "参评学校数", "在校生数", "综合系数（规划口径）", "差异系数全部达标（国家标准）", "学校全部达标（国家标准）",
         "达标学校数", "达标学校比例", "无法判定学校数", "结论（国家标准）"),
        # 小学: 宗关 1,059 + 育才民办 358 + 崇仁学校 小学部 1,687 + 汉江湾 182 = 3,286 pupils in 4 schools;
        # composite 0.593 (the mean of the seven hand CVs); their mean above 0.50 means one CV at least is above 0.50 → 未达标; no school reaches 6 of 7 standards
        ("小学", 4, 3286, 0.593, "未达标", "未达标", 0, 0, 0, "未达标"),
        # 初中: 崇仁学校 初中部 800 + 汉西中学 597 = 1,397; composite 0.117, every CV ≤ 0.45 → 达标
        ("初中", 2, 1397, 0.117, "达标", "未达标", 0, 0, 0, "未达标"),
    ]
    assert rows[6] == ("国家标准：优质均衡（教督〔2017〕6号），每项指标校际差异系数 小学 ≤0.50、初中 ≤0.45",)
    # the hand district's store has no plan bound
    assert rows[8] == ("规划目标：无规划目标",)


def test_notes_sheet_lists_each_sheet(workbook):
    rows = _rows(workbook["说明"])
    start = rows.index(("工作表", "内容")) + 1
    assert rows[start:start + 5] == [
        ("概要", "各学段结论：参评学校数、在校生数、综合系数、差异系数与学校达标情况；说明；规划目标；不参评学校"),
        ("差异系数", "每个学段每项指标的全区均值、标准差、差异系数 CV 及其国家标准上限、结论，以及达到标准的学校数与比例"),
        # the floor is the 85 % of methods.md (compliance_floor 0.85)
        ("学校", "每所学校（分学段）一行，各项指标的生均值为列；低于标准的单元格为黄色，低于标准 85% 的为红色"),
        ("方差贡献", "每所学校对各项指标加权方差的贡献比例（找出拉大差异的学校）"),
        ("检查清单", "政府保障程度、教育质量、社会认可度与一票否决项：结论、数值与佐证"),
    ]
    method = [r[0] for r in rows if r and str(r[0]).startswith(("评估方法", "2017 优质均衡"))]
    assert method == [
        "评估方法：优质均衡（教督〔2017〕6号）。差异系数 CV = 标准差 S ÷ 全区均值 X̄，按学生数加权。",
        "2017 优质均衡：每所学校至少 6 项指标达到标准，其余 1 项不低于标准的 85%（设置 compliance_floor），学校即达标；"
        "每项指标的校际差异系数小学 ≤ 0.50、初中 ≤ 0.45。",
    ]


def test_planner_names_the_caps_it_runs_into():
    # tests/test_balance_planner.py's three 小学 schools: the cheapest plans add 3 multimedia rooms at B and C
    # (3 × 60,000 = 180,000 元). With at most 2 rooms a school, one of B, C gets 2: that cap is binding. B and C
    # are short of the L1 standard (B 3.67, C 4.0 per 100 against 4.2) that a 骨干 or 体育艺术 teacher would
    # also raise, and both may add none (caps 0): binding too. A (not short) and the uncapped teachers are not.
    from test_balance_planner import CASE

    from eduplan.balance import plan_fixes
    from eduplan.balance.settings import ActionCaps, BalanceSettings

    caps = ActionCaps(backbone_teachers=0, pe_art_teachers=0, teaching_area=0, sports_area=0, equipment=0,
                      multimedia_rooms=2)
    plan = plan_fixes(CASE, BalanceSettings(default_caps=caps))
    assert (plan.status, plan.total_cost) == ("optimal", 180_000)
    rooms = {a.school_code: a.amount for a in plan.actions if a.kind == "multimedia_rooms"}
    assert sorted(rooms.values()) == [1.0, 2.0] and set(rooms) == {"B", "C"}
    at_cap = next(s for s, n in rooms.items() if n == 2.0)
    caps_hit = sorted((b["school"], b["action"], b["message"]) for b in plan.binding if b["kind"] == "cap")
    assert caps_hit == sorted([
        ("B", "backbone", "B 增加县级以上骨干教师已达上限 0"), ("B", "pe_art", "B 增加体育艺术专任教师已达上限 0"),
        ("C", "backbone", "C 增加县级以上骨干教师已达上限 0"), ("C", "pe_art", "C 增加体育艺术专任教师已达上限 0"),
        (at_cap, "multimedia_rooms", f"{at_cap} 增加网络多媒体教室已达上限 2")])


def test_a_judged_checklist_item_keeps_its_evidence_assessor_and_date():
    # a judgement row (item, 是否达标, value, 佐证, 评估人, 评估日期) as balance_judgement stores it
    from eduplan.balance.checklist import ITEMS, _decide

    g05 = next(i for i in ITEMS if i.id == "G05_class_size")
    judged = ("G05_class_size", "是", 0.0, "2019 年班额统计表（教育局计财科）", "督导室 王某", "2019-12-20")
    # no data decider: the judgement decides, and the result keeps who judged, on what evidence, when
    r = _decide(g05, None, judged)
    assert (r.status, r.decided_by, r.value, r.detail, r.evidence, r.assessor, r.assessed_on) == (
        "达标", "judgement", 0.0, "评估判定", "2019 年班额统计表（教育局计财科）", "督导室 王某", "2019-12-20")
    # a data decider whose data are incomplete: the judgement is used and the detail says why
    r = _decide(g05, lambda: (None, None, "2 所学校未填班额"), ("G05_class_size", "否", 1.7, "抽查", "李某", "2020-01-05"))
    assert (r.status, r.detail, r.evidence, r.assessor, r.assessed_on) == (
        "未达标", "评估判定（数据缺失，采用判定：2 所学校未填班额）", "抽查", "李某", "2020-01-05")


def test_supervisor_file_more_qualified_than_all_teachers_is_a_rule_warning(tmp_path):
    # 乙小学 has 25 小学专任教师; 30 of them 高于规定学历 cannot be: a warning (the row is still read), naming
    # the file, row (header = row 1, 乙 = row 3), column, value and rule
    from test_balance_input import FULL, ROWS, write_csv

    from eduplan.balance.infile import read_balance_file

    rows = [list(r) for r in ROWS]
    rows[1][FULL.index("小学高于规定学历教师数")] = 30
    records, issues, _ = read_balance_file(write_csv(tmp_path / "w.csv", FULL, rows))
    (w,) = issues
    assert (w.type, w.level, w.row, w.column) == ("rule-warning", "warning", 3, "小学高于规定学历教师数")
    assert w.text() == "文件“w.csv”，第 3 行，列“小学高于规定学历教师数”：小学高于规定学历教师数（30）：不应超过小学专任教师数（25）"
    assert records[1].sections["小学"]["qual"] == 30
