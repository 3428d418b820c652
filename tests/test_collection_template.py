"""A collection round's pre-filled template (eduplan.collection.template) and its progress board workbook
(eduplan.collection.board_xlsx): last year's rows copied, never promoted, clearly marked; uploaded unchanged the
file imports cleanly; a school without last year's rows gets its key rows; the board's cells as Excel shows them."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from eduplan.collection.board_xlsx import OVERDUE_FILL, write_board_xlsx
from eduplan.collection.errors import CollectionError
from eduplan.collection.template import template_rows, write_template
from eduplan.ingest import import_files
from eduplan.ingest.template import PREFILLED_FILL
from eduplan.model import TABLES_BY_NAME
from eduplan.store import Store
from helpers import SMALL, write_small

ROUND = {"round_id": 3, "year": 2026, "tables": ["enrolment", "teachers", "facilities"], "deadline": date(2026, 10, 31)}
SCHOOL = "2420104053"  # 武汉市硚口区陈家墩学校 of the demo, a nine-year school (type 312)
NAME = "武汉市硚口区陈家墩学校"
FILL = "FF" + PREFILLED_FILL[1:]


def _stored(db: Path, table: str, school: str, year: int) -> list[dict]:
    t = TABLES_BY_NAME[table]
    cols = ", ".join(f'"{f.name}"' for f in t.fields)
    with Store(db, read_only=True) as s:
        return s.dicts(f'SELECT {cols} FROM "{table}" WHERE school_code = ? AND year = ?', [school, year])


def _key(table: str, row: dict) -> tuple:
    return tuple(row[k] for k in TABLES_BY_NAME[table].key if k != "year")


@pytest.mark.parametrize("table", ["enrolment", "teachers", "facilities"])
def test_rows_are_last_years_with_the_round_year(demo_store, table):
    with Store(demo_store, read_only=True) as s:
        rows, since = template_rows(s, ROUND, SCHOOL, table)
    last = _stored(demo_store, table, SCHOOL, 2025)
    assert since == 2025 and len(rows) == len(last) == {"enrolment": 9, "teachers": 2, "facilities": 1}[table]
    assert {_key(table, r): r for r in rows} == {_key(table, r): {**r, "year": 2026} for r in last}


def test_grades_are_not_promoted_and_come_in_school_order(demo_store):
    with Store(demo_store, read_only=True) as s:
        rows, _ = template_rows(s, ROUND, SCHOOL, "enrolment")
        teachers, _ = template_rows(s, ROUND, SCHOOL, "teachers")
    assert [r["grade"] for r in rows] == ["P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3"]
    last = {r["grade"]: r["pupils"] for r in _stored(demo_store, "enrolment", SCHOOL, 2025)}
    assert {r["grade"]: r["pupils"] for r in rows} == last  # P1's pupils stay in P1 (not moved to P2)
    assert [r["section"] for r in teachers] == ["小学", "初中"]


@pytest.fixture(scope="module")
def written(demo_store, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    with Store(demo_store, read_only=True) as s:
        return {t: write_template(s, ROUND, SCHOOL, t, folder / f"{TABLES_BY_NAME[t].label}.xlsx") for t in ROUND["tables"]}


def test_prefilled_cells_are_marked(written):
    wb = openpyxl.load_workbook(written["enrolment"])
    assert wb.sheetnames == ["分年级学生数", "代码表", "填写说明"]
    ws = wb["分年级学生数"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["统计年度", "学校标识码", "年级", "班数（个）"]
    # the key cells: the round's year, the school's code as text, the grade — not filled; every copied value filled
    assert [(c.value, c.data_type) for c in ws[2][:3]] == [(2026, "n"), (SCHOOL, "s"), ("P1 小学一年级", "s")]
    assert [c.fill.fgColor.rgb for c in ws[2][:3]] == ["00000000"] * 3
    values = [c for row in ws.iter_rows(min_row=2, max_row=10) for c in row[3:len(headers)] if c.value is not None]
    assert len(values) == 9 * (len(headers) - 3) and {c.fill.fgColor.rgb for c in values} == {FILL}
    assert ws.max_row == 10 and {ws.cell(r, 2).value for r in range(2, 11)} == {SCHOOL}
    assert ws["A2"].comment.text == ("预填：2025 年已审核数据（浅黄色底纹），仅作填写起点。请逐项核对并改为 2026 年实际数；"
                                     "不会自动升级年级。")
    help_ws = wb["填写说明"]
    assert help_ws["A1"].value == (
        f"{NAME}（{SCHOOL}）：采集轮次 3，2026 年“分年级学生数”，请于 2026-10-31 前提交。工作表“分年级学生数”中预填的是 "
        "2025 年已审核数据（浅黄色底纹），仅作填写起点，请逐项核对并改为 2026 年实际数；不会自动升级年级：每行仍是 2025 年"
        "该年级的数。学校标识码和统计年度已填为本校和 2026 年，请勿修改。")
    assert help_ws["A1"].font.b and help_ws["A1"].fill.fgColor.rgb == FILL
    assert [str(r) for r in help_ws.merged_cells.ranges] == ["A1:H1"] and wb.active.title == "填写说明"
    # the normal 填写说明 follows, two rows down; the dropdowns are there
    assert help_ws["A3"].value.startswith("分年级学生数：") and help_ws["A6"].value == "列名"
    assert any(str(dv.sqref).startswith("C2") for dv in ws.data_validations.dataValidation)
    # the district's own examples (template context), not the model's
    assert [help_ws["B8"].value, help_ws["H8"].value] == ["school_code", "2420104011"]  # not the model's 1234567890


def test_facilities_note_says_nothing_of_grades(written):
    wb = openpyxl.load_workbook(written["facilities"])
    note = wb["填写说明"]["A1"].value
    assert "年级" not in note and note.endswith("请逐项核对并改为 2026 年实际数。学校标识码和统计年度已填为本校和 2026 年，请勿修改。")
    assert wb["办学条件"]["A2"].comment.text == "预填：2025 年已审核数据（浅黄色底纹），仅作填写起点。请逐项核对并改为 2026 年实际数。"


def test_unchanged_upload_imports_cleanly(demo_store, written, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_store, db)
    report = import_files(db, list(written.values()), user="学校用户")
    assert [i.text() for i in report.errors] == [] and report.written
    for table in ROUND["tables"]:
        assert sorted(_stored(db, table, SCHOOL, 2026), key=lambda r: _key(table, r)) == sorted(
            ({**r, "year": 2026} for r in _stored(db, table, SCHOOL, 2025)), key=lambda r: _key(table, r))


D = "420104"
ZERO = "0420104009"  # a school code with a leading zero


@pytest.fixture
def small(store, tmp_path):
    data = {k: [dict(r) for r in v] for k, v in SMALL.items()}
    data["school"].append({"school_code": ZERO, "school_name": "零号小学", "type_code": "211",
                           "ownership": "公办", "district_code": D})
    data["enrolment"].append({"year": 2019, "school_code": ZERO, "grade": "P1", "classes": 1, "male": 10, "female": 10,
                              "pupils": 20})
    assert import_files(store, write_small(tmp_path / "src", data), user="u").ok
    return store


def test_text_codes_stay_text_and_reimport(small, tmp_path):
    rnd = {**ROUND, "year": 2020}
    path = write_template(small, rnd, ZERO, "enrolment", tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["分年级学生数"]
    assert [(c.value, c.data_type) for c in ws[2][:3]] == [(2020, "n"), (ZERO, "s"), ("P1 小学一年级", "s")]
    assert openpyxl.load_workbook(path)["填写说明"]["A1"].value.startswith("零号小学（0420104009）：采集轮次 3，2020 年")
    report = import_files(small, [path], user="u")
    assert [i.text() for i in report.errors] == [] and report.written
    assert small.run("SELECT school_code, pupils FROM enrolment WHERE year = 2020") == [(ZERO, 20)]


def test_school_without_last_year_gets_its_key_rows(small, tmp_path):
    """陈家墩学校 (nine-year, 312) has no 2019 teachers or facilities, 红星幼儿园 no 2018 pupils: key rows only."""
    rnd = {**ROUND, "year": 2019}
    rows, since = template_rows(small, rnd, "2420104002", "teachers")
    assert since is None and rows == [{"year": 2019, "school_code": "2420104002", "section": "小学"},
                                      {"year": 2019, "school_code": "2420104002", "section": "初中"}]
    assert template_rows(small, rnd, "2420104002", "facilities") == ([{"year": 2019, "school_code": "2420104002"}], None)
    rows, since = template_rows(small, rnd, "2420104003", "enrolment")
    assert since is None and [r["grade"] for r in rows] == ["K1", "K2", "K3"]
    path = write_template(small, rnd, "2420104003", "enrolment", tmp_path / "k.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["分年级学生数"]
    assert [[c.value for c in row[:4]] for row in ws.iter_rows(min_row=2)] == [
        [2019, "2420104003", "K1 小班", None], [2019, "2420104003", "K2 中班", None], [2019, "2420104003", "K3 大班", None]]
    assert {c.fill.fgColor.rgb for row in ws.iter_rows(min_row=2) for c in row} == {"00000000"}
    assert ws["A2"].comment.text == "库中没有本校 2018 年的数据：请在各行填写 2019 年实际数。"
    assert wb["填写说明"]["A1"].value == (
        "红星幼儿园（2420104003）：采集轮次 3，2019 年“分年级学生数”，请于 2026-10-31 前提交。库中没有本校 2018 年的"
        "“分年级学生数”数据，未预填数值：已按学校类型列出应填的年级各一行，请填写 2019 年实际数。学校标识码和统计年度已填为"
        "本校和 2019 年，请勿修改。")


def test_refusals_name_the_round_table_and_school(small):
    with pytest.raises(CollectionError) as e:
        template_rows(small, {**ROUND, "tables": ["enrolment"]}, "2420104001", "facilities")
    assert str(e.value) == "采集轮次 3 不采集“办学条件”（本轮采集：分年级学生数）" and e.value.status == 404
    with pytest.raises(CollectionError) as e:
        template_rows(small, ROUND, "2420104999", "enrolment")
    assert str(e.value) == "没有学校标识码为 2420104999 的学校"
    with pytest.raises(CollectionError) as e:
        template_rows(small, {**ROUND, "tables": ["school"]}, "2420104001", "school")
    assert str(e.value) == "“学校基本信息”不是学校按年填报的表，没有采集模板"


def test_existing_callers_get_no_marks(tmp_path):
    """write_workbook without the new parameters: no note above 填写说明, no fill, no comment on the data."""
    from eduplan.ingest import write_workbook

    path = write_workbook(TABLES_BY_NAME["facilities"], tmp_path / "f.xlsx", [{"year": 2019, "school_code": "2420104001",
                                                                               "building_area": 9000}])
    wb = openpyxl.load_workbook(path)
    assert wb["填写说明"]["A1"].value.startswith("办学条件：") and not wb["填写说明"].merged_cells.ranges
    assert wb["办学条件"]["A2"].comment is None and wb["办学条件"]["C2"].fill.fgColor.rgb == "00000000"
    assert wb.active.title == "办学条件"


# ------------------------------------------------------------------ the board workbook

BOARD = {
    "round": {"round_id": 3, "year": 2026, "tables": ["enrolment", "facilities"], "table_labels": ["分年级学生数", "办学条件"],
              "deadline": date(2026, 10, 31), "status_label": "已过截止日期"},
    "states": ["未提交", "待审核", "已退回", "已解锁", "已通过"],
    "rows": [
        {"school_code": "0420104009", "school_name": "=1+1", "table": "enrolment", "table_label": "分年级学生数",
         "state": "未提交", "submission_id": None, "submitted_at": None, "submitted_by": None, "reviewed_by": None,
         "comment": None, "overdue": True, "contacts": "张三、李四"},
        {"school_code": "2420104001", "school_name": "崇仁路小学", "table": "enrolment", "table_label": "分年级学生数",
         "state": "已通过", "submission_id": 7, "submitted_at": datetime(2026, 10, 20, 8, 30, tzinfo=timezone.utc),
         "submitted_by": "崇仁路小学", "reviewed_by": "王五", "comment": "核对无误", "overdue": False, "contacts": ""},
        {"school_code": "2420104001", "school_name": "崇仁路小学", "table": "facilities", "table_label": "办学条件",
         "state": "已退回", "submission_id": 8, "submitted_at": datetime(2026, 10, 21, 1, 2, 3, tzinfo=timezone.utc),
         "submitted_by": "崇仁路小学", "reviewed_by": "王五", "comment": "占地面积请核对", "overdue": True, "contacts": ""},
    ],
    "counts": {"enrolment": {"未提交": 1, "待审核": 0, "已退回": 0, "已解锁": 0, "已通过": 1},
               "facilities": {"未提交": 0, "待审核": 0, "已退回": 1, "已解锁": 0, "已通过": 0}},
}


def test_board_workbook(tmp_path):
    path = write_board_xlsx(BOARD, tmp_path / "进度.xlsx", "演示库.duckdb")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["进度", "汇总", "说明"]
    ws = wb["进度"]
    assert ws["A1"].value == "采集轮次 3：2026 年数据采集进度（截止 2026-10-31，已过截止日期；逾期 2 项）"
    assert ws["A2"].value == (f"数据库：演示库.duckdb；数据来源：采集轮次 3；年度：2026；生成日期：{date.today().isoformat()}"
                              "；时间均为 UTC")
    assert [c.value for c in ws[3]] == ["学校标识码", "学校名称", "表", "状态", "逾期", "提交时间", "提交人", "审核人",
                                        "审核意见", "联系人"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=6)] == [
        ["0420104009", "=1+1", "分年级学生数", "未提交", "是", None, None, None, None, "张三、李四"],
        ["2420104001", "崇仁路小学", "分年级学生数", "已通过", "否", "2026-10-20 08:30:00 UTC", "崇仁路小学", "王五", "核对无误",
         None],
        ["2420104001", "崇仁路小学", "办学条件", "已退回", "是", "2026-10-21 01:02:03 UTC", "崇仁路小学", "王五", "占地面积请核对",
         None]]
    # text stays text: the code keeps its leading zero, the name is not a formula
    assert (ws["A4"].data_type, ws["B4"].data_type) == ("s", "s")
    late = "FF" + OVERDUE_FILL[1:]
    assert [ws.cell(r, 1).fill.fgColor.rgb for r in (4, 5, 6)] == [late, "00000000", late]
    assert ws["F4"].fill.fgColor.rgb == late and ws["D6"].font.color.rgb == "FFC00000"
    assert ws.freeze_panes == "C4" and ws.auto_filter.ref == "A3:J6"
    summary = wb["汇总"]
    assert [c.value for c in summary[3]] == ["表", "未提交", "待审核", "已退回", "已解锁", "已通过", "学校数", "逾期"]
    assert [[c.value for c in row] for row in summary.iter_rows(min_row=4, max_row=5)] == [
        ["分年级学生数", 1, 0, 0, 0, 1, 2, 1], ["办学条件", 0, 0, 1, 0, 0, 1, 1]]
    assert summary["H4"].fill.fgColor.rgb == late
    notes = wb["说明"]
    assert notes["A1"].value == ws["A1"].value and [notes["A5"].value, notes["A6"].value] == ["进度", "汇总"]


def test_board_of_a_real_round(demo_store, tmp_path):
    """The core's board (eduplan.collection.board) goes into the workbook as it is: one row per school × table."""
    from eduplan.collection import Actor, board, open_round

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as s:
        rid = open_round(s, Actor.cli("测试"), 2026, ["enrolment", "facilities"], date(2026, 10, 31))
        b = board(s, rid, today=date(2026, 11, 1))
    path = write_board_xlsx(b, tmp_path / "b.xlsx", db.name)
    ws = openpyxl.load_workbook(path)["进度"]
    assert len(b["rows"]) == 2 * b["schools"] and ws.max_row == 3 + len(b["rows"]) + 2
    assert ws.cell(ws.max_row, 1).value == "逾期的行以浅红色标出（截止日期 2026-10-31 已过而仍欠交）。"
    assert {ws.cell(r, 4).value for r in range(4, 4 + len(b["rows"]))} == {"未提交"}
    assert {ws.cell(r, 5).value for r in range(4, 4 + len(b["rows"]))} == {"是"}
    assert ws["A1"].value.endswith(f"逾期 {len(b['rows'])} 项）")


def test_template_of_a_stored_round_by_its_id(demo_store, tmp_path):
    """write_template takes the round's id as well (eduplan.collection.round_ looks it up): same rows as above."""
    from eduplan.collection import Actor, open_round

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as s:
        rid = open_round(s, Actor.cli("测试"), 2026, ["enrolment"], date(2026, 10, 31))
        rows, since = template_rows(s, rid, SCHOOL, "enrolment")
        path = write_template(s, rid, SCHOOL, "enrolment", tmp_path / "t.xlsx")
        with pytest.raises(CollectionError) as e:
            template_rows(s, rid + 1, SCHOOL, "enrolment")
    assert since == 2025 and len(rows) == 9
    assert openpyxl.load_workbook(path)["填写说明"]["A1"].value.startswith(f"{NAME}（{SCHOOL}）：采集轮次 {rid}，2026 年")
    assert str(e.value) == f"没有采集轮次 {rid + 1}" and e.value.status == 404


def _no_formula(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") and n.endswith(".xml"):
                xml = z.read(n).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml and "<hyperlink" not in xml, n


def test_formula_like_names_stay_text(small, tmp_path):
    """A school name like =HYPERLINK(…) (put into the store with SQL: the import refuses it) is text in the
    template's note and on the board, never a formula or a link."""
    from eduplan.collection import Actor, board, open_round

    evil = '=HYPERLINK("http://example.com/x","点我")'
    small.con.execute("UPDATE school SET school_name = ? WHERE school_code = ?", [evil, "2420104001"])
    rid = open_round(small, Actor.cli("测试"), 2020, ["enrolment"], date(2020, 10, 31))
    template = write_template(small, rid, "2420104001", "enrolment", tmp_path / "t.xlsx")
    b = board(small, rid, today=date(2020, 11, 1))
    book = write_board_xlsx(b, tmp_path / "b.xlsx", "small.duckdb")
    for path in (template, book):
        _no_formula(path)
    note = openpyxl.load_workbook(template)["填写说明"]["A1"]
    assert note.data_type == "s" and note.value.startswith(evil + "（2420104001）：采集轮次")
    ws = openpyxl.load_workbook(book)["进度"]
    assert [(c.value, c.data_type) for c in ws[4][:2]] == [("0420104009", "s"), ("零号小学", "s")]
    assert [(c.value, c.data_type) for c in ws[5][:2]] == [("2420104001", "s"), (evil, "s")]
