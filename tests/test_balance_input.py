"""Standalone input (`eduplan balance --input FILE`): one row per school in a csv or xlsx; absent columns
make their indicators not computable, blank cells are missing (never 0), bad cells name row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import xlsxwriter

from eduplan.balance import BalanceInputError, evaluate_file
from eduplan.balance.infile import read_balance_file, resolve_type

FULL = ["学校名称", "学校类型", "小学在校生数", "初中在校生数", "高中在校生数", "小学专任教师数", "初中专任教师数",
        "小学高于规定学历教师数", "初中高于规定学历教师数", "小学县级以上骨干教师数", "初中县级以上骨干教师数",
        "小学体育艺术专任教师数", "初中体育艺术专任教师数", "小学中级及以上职称教师数", "初中中级及以上职称教师数",
        "教学及辅助用房面积", "体育运动场馆面积", "教学仪器设备值", "网络多媒体教室数", "计算机台数", "图书册数"]
ROWS = [
    ["甲小学", "小学", 1000, "", "", 50, "", 45, "", 12, "", 10, "", 20, "", 5000, 8000, 2_500_000, 25, 120, 30000],
    ["乙小学", "211", 500, "", "", 25, "", 20, "", 4, "", 5, "", 10, "", 2000, 3000, 900_000, 10, 50, 12000],
    ["丙学校", "九年一贯制", 600, 400, "", 40, 35, 38, 30, 6, 5, 6, 5, 15, 14, 10400, 16000, 2_600_000, 26, 90, 40000],
    ["丁中学", "初级中学", "", 800, "", "", 60, "", 50, "", 9, "", 8, "", 25, 5200, 9000, 2_400_000, 20, 80, 36000],
]


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join(str(c) for c in r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("学校")
    for r, row in enumerate([header, *rows]):
        for c, v in enumerate(row):
            if v != "":
                ws.write(r, c, v)
    wb.close()
    return path


def test_full_csv_in_gbk(tmp_path):
    r = evaluate_file(write_csv(tmp_path / "学校.csv", FULL, ROWS, "gbk"), "2017")
    p, j = r.levels["小学"], r.levels["初中"]
    assert len(p.schools) == 3 and len(j.schools) == 2
    assert all(i.computable for i in p.indicators + j.indicators)
    # 甲小学: 45 qualified per 1000 pupils = 4.5 per 100; 丙学校 小学 share 600/1040 of 10400 ㎡ = 6000 ㎡ / 600 = 10
    jia = next(s for s in p.schools if s.name == "甲小学")
    bing = next(s for s in p.schools if s.name == "丙学校")
    assert jia.values["L1"] == pytest.approx(4.5) and bing.values["L4"] == pytest.approx(10.0)
    assert r.source == "学校.csv" and r.year is None


def test_xlsx_gives_the_same_result(tmp_path):
    a = evaluate_file(write_csv(tmp_path / "a.csv", FULL, ROWS), "2017")
    b = evaluate_file(write_xlsx(tmp_path / "b.xlsx", FULL, ROWS), "2017")
    assert a.coefficients == pytest.approx(b.coefficients)


def test_missing_columns_make_only_their_indicators_not_computable(tmp_path):
    drop = {"小学县级以上骨干教师数", "初中县级以上骨干教师数", "网络多媒体教室数"}
    keep = [i for i, h in enumerate(FULL) if h not in drop]
    path = write_csv(tmp_path / "partial.csv", [FULL[i] for i in keep], [[row[i] for i in keep] for row in ROWS])
    r = evaluate_file(path, "2017")
    lr = r.levels["小学"]
    computable = {i.spec.id: i.computable for i in lr.indicators}
    assert computable == {"L1": True, "L2": False, "L3": True, "L4": True, "L5": True, "L6": True, "L7": False}
    assert lr.indicator("L2").reason == "缺少“县级以上骨干教师数”数据，无法计算"
    assert lr.composite is None  # the plan coefficient needs all seven
    assert [s.compliant for s in lr.schools] == [None, False, None]  # undecided where a missing column could decide
    assert r.notes == ["文件中没有以下列，需要它们的指标无法计算：小学县级以上骨干教师数、初中县级以上骨干教师数、网络多媒体教室数"]
    # the 2012 method needs neither column: it is complete, and the same as from the full file
    full = write_csv(tmp_path / "full.csv", FULL, ROWS)
    partial = evaluate_file(path, "2012").levels["小学"].official_composite
    assert partial == evaluate_file(full, "2012").levels["小学"].official_composite
    assert partial == pytest.approx(0.20604255664334173, abs=1e-12)  # pinned: the 2012 formulas, test_balance_2012


def test_only_name_and_type_are_required(tmp_path):
    r = evaluate_file(write_csv(tmp_path / "min.csv", ["学校名称", "学校类型"], [["甲", "小学"]]), "2017")
    assert r.levels["小学"].schools == []  # no students column: nobody to evaluate
    assert not r.levels["小学"].indicators[0].computable


def test_blank_cell_is_missing_not_zero(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][FULL.index("小学县级以上骨干教师数")] = ""
    records, issues, _ = read_balance_file(write_csv(tmp_path / "blank.csv", FULL, rows))
    (w,) = issues
    assert (w.type, w.level, w.row, w.cell) == ("value-missing", "warning", 3, "J3")
    assert w.text() == ("文件“blank.csv”，第 3 行，列“小学县级以上骨干教师数”（J3）：列“小学县级以上骨干教师数”为空，按缺失处理："
                        "乙小学的“小学县级以上骨干教师数”未知，用到它的指标无法计算")
    assert records[1].sections["小学"]["backbone"] is None
    r = evaluate_file(write_csv(tmp_path / "blank.csv", FULL, rows), "2017")
    assert not r.levels["小学"].indicator("L2").computable
    assert r.levels["小学"].indicator("L1").computable
    # a level the school does not serve may stay blank (丁中学 has no 小学 columns filled)
    assert records[3].pupils == {"小学": 0, "初中": 800, "高中": 0}


def test_blank_pupils_of_a_served_level_is_an_error(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][FULL.index("初中在校生数")] = ""  # 丙学校 is a nine-year school
    with pytest.raises(BalanceInputError) as e:
        evaluate_file(write_csv(tmp_path / "p.csv", FULL, rows), "2017")
    (issue,) = e.value.issues
    assert (issue.type, issue.row, issue.cell, issue.column) == ("required", 4, "D4", "初中在校生数")


def test_strict_cells_in_the_standalone_file(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][FULL.index("图书册数")] = "30,00"
    rows[1][0] = "=HYPERLINK(\"http://x.example\")"
    rows[2][FULL.index("计算机台数")] = "#DIV/0!"
    p = tmp_path / "s.csv"
    with open(p, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([FULL, *rows])
    with pytest.raises(BalanceInputError) as e:
        evaluate_file(p, "2017")
    got = {(i.type, i.cell) for i in e.value.issues}
    assert got == {("number-format", "U2"), ("formula-like", "A3"), ("excel-error", "T4")}


def test_hidden_sheet_of_a_workbook_is_not_read(tmp_path):
    p = tmp_path / "h.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    hidden = wb.add_worksheet("旧表")
    for r, row in enumerate([FULL, ["戊小学", "小学", 10]]):
        hidden.write_row(r, 0, row)
    hidden.hide()
    ws = wb.add_worksheet("学校")
    ws.activate()
    for r, row in enumerate([FULL[:3], ["甲小学", "小学", 1000]]):
        ws.write_row(r, 0, row)
    wb.close()
    records, issues, _ = read_balance_file(p)
    assert [r.name for r in records] == ["甲小学"] and issues == []


def test_bad_number_names_row_and_column(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][FULL.index("小学在校生数")] = "五百"
    rows[2][FULL.index("体育运动场馆面积")] = -5
    with pytest.raises(BalanceInputError) as e:
        evaluate_file(write_csv(tmp_path / "bad.csv", FULL, rows), "2017")
    issues = {(i.row, i.column, i.type) for i in e.value.issues}
    assert (3, "小学在校生数", "type-error") in issues  # header is row 1, 乙小学 is row 3
    assert (4, "体育运动场馆面积", "range-error") in issues
    assert "第 3 行" in str(e.value) and "小学在校生数" in str(e.value)


def test_school_type_by_name_or_code():
    assert [resolve_type(t) for t in ("小学", "211", "211 小学", "初中", "初级中学", "九年一贯制", "完全中学",
                                      "十二年一贯制", "３１２")] == ["211", "211", "211", "311", "311", "312", "341",
                                                                 "345", "312"]
    assert resolve_type("幼儿") is None


def test_unknown_type_missing_column_and_duplicates(tmp_path):
    with pytest.raises(BalanceInputError) as e:
        evaluate_file(write_csv(tmp_path / "t.csv", ["学校名称", "学校类型"], [["甲", "大学"]]), "2017")
    (issue,) = e.value.issues
    assert issue.type == "code-error" and issue.row == 2 and issue.column == "学校类型"
    with pytest.raises(BalanceInputError) as e:
        evaluate_file(write_csv(tmp_path / "m.csv", ["学校名称", "小学在校生数"], [["甲", 5]]), "2017")
    assert e.value.issues[0].type == "missing-column" and e.value.issues[0].column == "学校类型"
    with pytest.raises(BalanceInputError) as e:
        evaluate_file(write_csv(tmp_path / "d.csv", ["学校名称", "学校类型"], [["甲", "小学"], ["甲", "小学"]]), "2017")
    assert e.value.issues[0].type == "duplicate-key" and e.value.issues[0].row == 3


def test_equipment_in_wan_yuan_and_headers_with_units(tmp_path):
    header = ["学校名称", "学校类型", "小学在校生数（人）", "教学仪器设备值（万元）", "备注"]
    records, issues, _ = read_balance_file(write_csv(tmp_path / "u.csv", header, [["甲", "小学", 100, 25.5, "x"]]))
    assert records[0].facilities["equipment"] == pytest.approx(255_000.0)
    assert records[0].pupils["小学"] == 100
    assert [i.type for i in issues] == ["unknown-column"] and issues[0].level == "warning"
