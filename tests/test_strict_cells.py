"""Issue 8 §1: no silent mis-reads. Each row of the issue's table, written as a real file (xlsxwriter /
openpyxl / bytes), imported through import_files: the Chinese message names the cell and nothing is
written; plus the parser's own rules on single cells."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from eduplan.ingest import import_files, write_workbook
from eduplan.ingest.cells import ExcelError, MonthDate, NoCachedValue, Percent
from eduplan.ingest.parse import parse_cell
from eduplan.ingest.readers import read_source
from eduplan.ingest.report import FileResult
from eduplan.ingest.validate import sheet_summary, skipped_summary
from eduplan.model import TABLES_BY_NAME, Field
from helpers import SMALL, write_one, write_small

ENROLMENT = TABLES_BY_NAME["enrolment"]
HEADERS = [f.header for f in ENROLMENT.fields]
ROW = [2019, "2420104001", "P1", 4, 90, 85, 175]  # A..G: 统计年度 … 在校生数


def _errors(report, kind: str) -> list:
    return [i for i in report.errors if i.type == kind]


def _write(path: Path, cells: dict[str, object], rows: list[list] | None = None, fmt: dict | None = None,
           sheet: str = "分年级学生数") -> Path:
    """An enrolment workbook written by xlsxwriter: the header, `rows` (default: one good row), then the
    cells overridden by reference, e.g. {"G2": ("formula", "=E2+F2")}."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for j, h in enumerate(HEADERS):
        ws.write_string(0, j, h)
    rows = rows or [ROW]
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    for ref, spec in cells.items():
        kind, value = spec if isinstance(spec, tuple) else ("value", spec)
        if kind == "formula":
            ws.write_formula(ref, value)
        elif kind == "percent":
            ws.write_number(ref, value, wb.add_format({"num_format": "0.0%"}))
        elif kind == "string":
            ws.write_string(ref, value)
        else:
            ws.write(ref, value)
    wb.close()
    return path


def _saved_by_excel(path: Path) -> Path:
    """What Excel does on save: the workbook no longer asks for a full recalculation on load, so the
    cached formula results in the file are trustworthy."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            dst.writestr(info, data)
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def base(store, tmp_path):
    """The small district imported; returns the table counts to compare against."""
    assert import_files(store, write_small(tmp_path / "base"), user="u").ok
    return store.table_counts()


# ---------------------------------------------------------------- 1. thousands separators

def test_comma_must_be_a_thousands_separator(store, base, tmp_path):
    p = _write(tmp_path / "分年级学生数.xlsx", {"G2": ("string", "1,0"), "D2": ("string", "260,5")})
    report = import_files(store, [p], user="u")
    bad = {(i.cell, i.value) for i in _errors(report, "number-format")}
    assert bad == {("G2", "1,0"), ("D2", "260,5")}
    e = next(i for i in report.errors if i.cell == "G2")
    assert e.text() == ("文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 2 行，列“在校生数（人）”（G2）：列“在校生数（人）”"
                        "的值“1,0”中的逗号不是有效的千位分隔符（千位分隔符须每三位一组，如 1,234 或 12,345,678；小数点请用“.”）"
                        "（规则：必填，整数，0–10000）")
    assert store.table_counts() == base


@pytest.mark.parametrize("text,value", [("1,234", 1234), ("12,345,678", 12345678), ("-1,000", -1000)])
def test_valid_thousands_groups(text, value):
    f = Field("n", "数", "int")
    assert parse_cell(f, text) == (value, None)
    assert parse_cell(Field("x", "数", "float"), text + ".5") == (value + (0.5 if value > 0 else -0.5), None)


@pytest.mark.parametrize("text", ["1,0", "260,5", "1,23,4", "12,34", ",123", "1,2345", "1,234,56"])
def test_invalid_thousands_groups(text):
    assert parse_cell(Field("n", "数", "int"), text) == (None, ("number-format", ""))
    assert parse_cell(Field("x", "数", "float"), text) == (None, ("number-format", ""))


# ---------------------------------------------------------------- 2. Excel error values

def test_excel_error_values_in_any_column(store, base, tmp_path):
    p = tmp_path / "分年级学生数.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分年级学生数"
    ws.append(HEADERS)
    ws.append(ROW)
    ws.append([2019, "2420104001", "P2", 4, 88, 90, 178])
    ws["G2"] = "#DIV/0!"  # openpyxl stores the error codes as error cells (t="e")
    ws["H2"] = "#N/A"  # an optional column
    ws["B3"] = "#REF!"  # a text column
    ws["E3"] = "#VALUE!"
    wb.save(p)
    report = import_files(store, [p], user="u")
    got = {(i.cell, i.value) for i in _errors(report, "excel-error")}
    assert got == {("G2", "#DIV/0!"), ("H2", "#N/A"), ("B3", "#REF!"), ("E3", "#VALUE!")}
    assert "单元格为 Excel 错误值 #DIV/0!" in next(i for i in report.errors if i.cell == "G2").text()
    assert not _errors(report, "required")  # never "不能为空"
    assert store.table_counts() == base


def test_excel_error_values_as_csv_text(store, base, tmp_path):
    p = tmp_path / "分年级学生数.csv"
    p.write_text(",".join(HEADERS[:7]) + "\n2019,2420104001,P1,4,90,85,#NAME?\n", encoding="utf-8")
    report = import_files(store, [p], user="u")
    (e,) = report.errors
    assert (e.type, e.row, e.cell) == ("excel-error", 2, "G2")
    assert "单元格为 Excel 错误值 #NAME?" in e.message
    assert store.table_counts() == base


# ---------------------------------------------------------------- 3. formulas without a cached value

def test_formula_without_value_asks_to_open_and_save(store, base, tmp_path):
    # xlsxwriter stores 0 as the formula's "result" and asks Excel to recalculate on load
    p = _write(tmp_path / "分年级学生数.xlsx", {"G2": ("formula", "=E2+F2"), "H2": ("formula", "=G2")})
    report = import_files(store, [p], user="u")
    got = {(i.cell, i.value) for i in _errors(report, "formula-no-value")}
    assert got == {("G2", "=E2+F2"), ("H2", "=G2")}
    msg = next(i for i in report.errors if i.cell == "G2").message
    assert "请用 Excel 或 WPS 打开该文件并保存后再导入" in msg and "=E2+F2" in msg
    assert store.table_counts() == base


def test_formula_saved_by_excel_is_read(store, base, tmp_path):
    p = tmp_path / "分年级学生数.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("分年级学生数")
    for j, h in enumerate(HEADERS):
        ws.write_string(0, j, h)
    for j, v in enumerate(ROW[:6]):
        ws.write(1, j, v)
    ws.write_formula("G2", "=E2+F2", None, 175)  # the cached result Excel would have saved
    wb.close()
    report = import_files(store, [_saved_by_excel(p)], user="u")
    assert report.ok, [i.text() for i in report.errors]
    assert store.run("SELECT pupils FROM enrolment WHERE school_code='2420104001' AND grade='P1'") == [(175,)]


def test_formula_without_v_element(store, base, tmp_path):
    p = tmp_path / "分年级学生数.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分年级学生数"
    ws.append(HEADERS)
    ws.append(ROW[:6] + ["=E2+F2"])  # openpyxl writes <f> and an empty <v/>
    wb.save(p)
    report = import_files(store, [_saved_by_excel(p)], user="u")
    assert [(i.type, i.cell) for i in report.errors] == [("formula-no-value", "G2")]
    assert store.table_counts() == base


# ---------------------------------------------------------------- 4. percent format

def test_percent_cell_in_a_non_percent_column_is_ambiguous(store, base, tmp_path):
    p = _write(tmp_path / "分年级学生数.xlsx", {"G2": ("percent", 0.855)})
    report = import_files(store, [p], user="u")
    (e,) = _errors(report, "percent-ambiguous")
    assert (e.cell, e.value) == ("G2", "85.5%")
    assert e.message.startswith("列“在校生数（人）”的值“85.5%”是百分比格式，而本列单位是“人”")
    assert store.table_counts() == base


def test_percent_cell_in_a_percent_column_reads_as_seen(tmp_path):
    p = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("比率")
    ws.write_row(0, 0, ["比率（%）", "别的"])
    pct = wb.add_format({"num_format": "0.00%"})
    for i, x in enumerate([0.855, 0.1, 1.0, 0.07], start=1):
        ws.write_number(i, 0, x, pct)
        ws.write_number(i, 1, i)
    wb.close()
    (sheet,) = read_source(p).sheets
    cells = [r[0] for _, r in sheet.rows]
    assert cells == [Percent("0.855"), Percent("0.1"), Percent("1"), Percent("0.07")]
    f = Field("rate", "比率", "float", unit="%")
    assert [parse_cell(f, c) for c in cells] == [(85.5, None), (10.0, None), (100.0, None), (7.0, None)]
    assert parse_cell(f, "85.5%") == (85.5, None)  # the same as text, e.g. from a CSV
    assert parse_cell(Field("n", "人数", "int", unit="人"), "85%") == (None, ("percent-ambiguous", "单位是“人”"))
    assert parse_cell(Field("r", "数值", "float"), Percent("0.855")) == (None, ("percent-ambiguous", "不是百分比"))


# ---------------------------------------------------------------- 5. blank optional cells are missing

def test_blank_optional_cell_is_stored_as_null(store, base):
    # SMALL's enrolment rows leave 招生数, 留级生数 … blank: stored as missing, never 0
    assert store.run("SELECT count(*) FROM enrolment WHERE new_entrants IS NULL AND repeaters IS NULL") == [(5,)]
    assert store.run("SELECT count(*) FROM enrolment WHERE new_entrants = 0") == [(0,)]
    assert store.run("SELECT music, art FROM teachers") == [(None, None)]


# ---------------------------------------------------------------- 6. hidden sheets

def test_hidden_sheets_are_never_read(store, base, tmp_path):
    p = tmp_path / "分年级学生数.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分年级学生数"
    ws.append(HEADERS)
    ws.append([2020, "2420104001", "P1", 4, 90, 85, 175])
    for title, state, year in (("旧数据", "hidden", 2018), ("更早", "veryHidden", 2017)):
        h = wb.create_sheet(title)
        h.sheet_state = state
        h.append(HEADERS)
        for g in ("P1", "P2"):
            h.append([year, "2420104001", g, 4, 90, 85, 175])
    wb.save(p)
    src = read_source(p)
    assert [s.sheet for s in src.sheets] == ["分年级学生数"]
    assert [(s.sheet, s.reason_text) for s in src.skipped] == [("旧数据", "隐藏的工作表，未读取"),
                                                              ("更早", "深度隐藏的工作表，未读取")]
    report = import_files(store, [p], user="u")
    assert report.ok, [i.text() for i in report.errors]
    assert store.run("SELECT DISTINCT year FROM enrolment ORDER BY year") == [(2019,), (2020,)]


def test_sheet_summary_names_each_sheet_and_its_years(tmp_path):
    from eduplan.ingest.validate import identify_table, validate_sheet

    p = write_workbook(ENROLMENT, tmp_path / "分年级学生数.xlsx", SMALL["enrolment"])
    src = read_source(p)
    fr = FileResult(p.name, str(p))
    fr.sheets += [skipped_summary(s) for s in src.skipped]
    for raw in src.sheets:
        table, _ = identify_table(raw, p.stem)
        rows, _ = validate_sheet(raw, table)
        fr.sheets.append(sheet_summary(raw, table, rows))
    # the template's own help sheets are listed in the JSON but not printed (every template has them)
    assert fr.sheet_lines() == ["工作表“分年级学生数”：分年级学生数 5 行，2019 年"]
    assert [(s["sheet"], s["reason"]) for s in fr.to_dict()["sheets"][:2]] == [
        ("代码表", "模板说明页，未读取"), ("填写说明", "模板说明页，未读取")]
    d = fr.to_dict()["sheets"][-1]
    assert (d["table"], d["rows"], d["years"], d["status"]) == ("enrolment", 5, [2019], "read")


# ---------------------------------------------------------------- 7. the template's example row

def test_example_marker_on_real_data_is_an_error(store, tmp_path):
    p = write_workbook(TABLES_BY_NAME["district"], tmp_path / "区县.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["区县"]
    ws["B2"] = "汉阳区"  # the clerk typed over the example but left its marker in D2
    wb.save(p)
    report = import_files(store, [p], user="u")
    (e,) = report.errors
    assert (e.type, e.row, e.cell) == ("example-row-modified", 2, "D2")
    assert e.text().startswith("文件“区县.xlsx”，工作表“区县”，第 2 行：本行右侧带有模板的“示例行（导入时跳过）”标记")
    assert all(v == 0 for v in store.table_counts().values())


def test_untouched_example_row_is_skipped(store, tmp_path):
    p = write_workbook(TABLES_BY_NAME["zone"], tmp_path / "学区组团.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["学区组团"].append(["QK09", "新组团", "420104"])
    wb.save(p)
    import_files(store, write_small(tmp_path / "base")[:1], user="u")
    report = import_files(store, [p], user="u")
    assert report.ok, [i.text() for i in report.errors]
    assert store.run("SELECT zone_code FROM zone") == [("QK09",)]


# ---------------------------------------------------------------- 8. one encoding per CSV

def test_csv_mixing_gbk_and_utf8_is_refused(store, base, tmp_path):
    p = tmp_path / "学区组团.csv"
    p.write_bytes("学区代码,学区名称,行政区划代码\n".encode("gbk") + "QK03,宝丰组团,420104\n".encode("utf-8"))
    report = import_files(store, [p], user="u")
    (e,) = report.errors
    assert (e.type, e.row) == ("file-mixed-encoding", 2)
    assert e.text() == ("文件“学区组团.csv”，第 2 行：文件混用了两种编码（文件前面的行是 GBK/GB18030 编码，第 2 行却是 UTF-8 编码），"
                        "无法确定按哪一种读取：请在 Excel 或 WPS 中把整个文件另存为“CSV UTF-8”后再导入")
    assert store.table_counts() == base


def test_utf8_header_with_gbk_rows_is_refused(store, tmp_path):
    p = tmp_path / "学区组团.csv"
    p.write_bytes("学区代码,学区名称,行政区划代码\nQK03,abc,420104\n".encode("utf-8")
                  + "QK04,宝丰组团,420104\n".encode("gbk"))
    (e,) = import_files(store, [p], user="u").errors
    assert (e.type, e.row) == ("file-mixed-encoding", 3)


# ---------------------------------------------------------------- 9. dates

MILESTONE = TABLES_BY_NAME["project_milestone"]


@pytest.mark.parametrize("text,detail", [
    ("2021-02-30", "2021 年 2 月没有 30 日"), ("2025-13-45", "月份 13 不存在"), ("0000-00-00", "月份 0 不存在"),
    ("2999-99-99", "月份 99 不存在"), ("2051-01-01", "年份须在 2000–2050 之间"), ("2025-02", None),
    ("明年", "应写作 YYYY-MM-DD（如 2025-12-31）或 YYYY-MM（如 2025-12）"),
])
def test_dates_must_exist_and_lie_in_range(text, detail):
    f = MILESTONE.field("planned_date")
    got = parse_cell(f, text)
    assert got == (("2025-02", None) if detail is None else (None, ("date-error", detail)))


@pytest.mark.parametrize("cell,value", [
    ("2025-12-31", "2025-12-31"), ("2025/3/5", "2025-03-05"), ("2025.3.5", "2025-03-05"),
    ("2025年3月5日", "2025-03-05"), ("2025-3", "2025-03"), ("2025年12月", "2025-12"), ("2025-12-31 00:00:00", "2025-12-31"),
    (date(2025, 12, 31), "2025-12-31"), (datetime(2025, 12, 31), "2025-12-31"), (MonthDate(date(2025, 12, 1)), "2025-12"),
])
def test_date_spellings_normalise(cell, value):
    assert parse_cell(MILESTONE.field("planned_date"), cell) == (value, None)


def test_impossible_dates_in_a_file(store, tmp_path):
    rows = [{"project_id": "p1", "milestone": m, "planned_date": d}
            for m, d in (("开工", "2021-02-30"), ("竣工", "2025-13-45"), ("投入使用", "2999-99-99"))]
    p = write_one(tmp_path, "project_milestone", rows)
    report = import_files(store, [p], user="u")
    got = [(i.cell, i.value) for i in _errors(report, "date-error")]
    assert got == [("C2", "2021-02-30"), ("C3", "2025-13-45"), ("C4", "2999-99-99")]
    assert _errors(report, "date-error")[0].message == ("列“计划日期”的值“2021-02-30”不是有效日期：2021 年 2 月没有 30 日"
                                                        "（规则：可空，日期 YYYY-MM-DD 或 YYYY-MM，2000–2050 年）")
    assert all(v == 0 for v in store.table_counts().values())


def test_excel_date_cells(tmp_path):
    p = tmp_path / "d.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("项目进展")
    ws.write_row(0, 0, ["计划日期", "实际日期"])
    ws.write_datetime(1, 0, datetime(2025, 12, 31), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_datetime(1, 1, datetime(2026, 3, 1), wb.add_format({"num_format": 'yyyy"年"m"月"'}))
    wb.close()
    (sheet,) = read_source(p).sheets
    assert sheet.rows == [(2, [date(2025, 12, 31), MonthDate(date(2026, 3, 1))])]
    f = MILESTONE.field("planned_date")
    assert [parse_cell(f, c)[0] for c in sheet.rows[0][1]] == ["2025-12-31", "2026-03"]
    # a plain number in a date column is not a date
    assert parse_cell(f, 45000)[1][0] == "date-error"


# ---------------------------------------------------------------- 10. integers beyond what can be read exactly

def test_huge_integers(store, base, tmp_path):
    p = _write(tmp_path / "分年级学生数.xlsx", {"G2": ("string", "10000000000000000000"), "E2": 1e19,
                                               "F2": ("string", "99999999999999999999999")})
    report = import_files(store, [p], user="u")
    got = {(i.cell, i.type) for i in report.errors if i.cell in ("E2", "F2", "G2")}
    assert got == {("E2", "range-error"), ("F2", "range-error"), ("G2", "range-error")}
    g2 = next(i for i in report.errors if i.cell == "G2")
    assert g2.message == "列“在校生数（人）”的值“10000000000000000000”超出范围（规则：必填，整数，0–10000）"
    assert store.table_counts() == base


def test_integers_beyond_2_pow_53_cannot_be_read_exactly(tmp_path):
    p = tmp_path / "n.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("x")
    ws.write_row(0, 0, ["数"])
    ws.write_number(1, 0, 12345678901234567)  # Excel keeps 1.2345678901234568E+16
    wb.close()
    (sheet,) = read_source(p).sheets
    (cell,) = sheet.rows[0][1]
    f = Field("n", "数", "int")
    assert parse_cell(f, cell) == (None, ("integer-inexact", ""))
    assert parse_cell(f, "12345678901234567") == (12345678901234567, None)  # typed as text: exact
    assert parse_cell(f, 2.0**63) == (None, ("range-error", "int64"))
    assert parse_cell(f, 10**19) == (None, ("range-error", "int64"))
    assert parse_cell(f, "1.23457E+16") == (None, ("type-error", "整数"))


# ---------------------------------------------------------------- text: control characters, formula-like values

def test_control_characters_and_formula_like_names(store, base, tmp_path):
    data = copy.deepcopy(SMALL["school"])
    data[0]["school_name"] = "崇仁路\t小学"
    data[1]["school_name"] = '=HYPERLINK("http://x.example","点我")'
    data[2]["school_name"] = "红星\x00幼儿园"
    data.append(dict(data[2], school_code="2420104004", school_name="+1+1"))
    data.append(dict(data[2], school_code="2420104005", school_name="@SUM(1)"))
    data.append(dict(data[2], school_code="2420104006", school_name=" =1+1"))
    data.append(dict(data[2], school_code="2420104007", school_name="\t=1+1"))
    data.append(dict(data[2], school_code="2420104008", school_name="-2"))
    p = write_one(tmp_path, "school", data)
    report = import_files(store, [p], user="u")
    got = [(i.type, i.cell, i.detail) for i in report.errors]
    assert got == [("control-char", "B2", "制表符"), ("formula-like", "B3", "="), ("control-char", "B4", "空字符 U+0000"),
                   ("formula-like", "B5", "+"), ("formula-like", "B6", "@"), ("formula-like", "B7", "="),
                   ("formula-like", "B8", "制表符"), ("formula-like", "B9", "-")]
    assert report.errors[1].message == ("列“学校名称”的值“=HYPERLINK(\"http://x.example\",\"点我\")”以“=”开头，"
                                        "在 Excel 中可能被当作公式执行（规则：不得以 = + - @ 或制表符开头）")
    assert store.table_counts() == base


def test_notes_may_hold_line_breaks_but_names_may_not():
    note = TABLES_BY_NAME["project"].field("note")
    name = TABLES_BY_NAME["project"].field("project_name")
    assert parse_cell(note, "原址 24 班\n新址 36 班") == ("原址 24 班\n新址 36 班", None)
    assert parse_cell(note, "a\tb") == (None, ("control-char", "制表符"))
    assert parse_cell(name, "古田路\n小学") == (None, ("control-char", "换行符"))
    assert parse_cell(name, "古田路小学\n") == ("古田路小学", None)  # surrounding whitespace is trimmed
    assert parse_cell(name, "a\u202eb") == (None, ("control-char", "U+202E"))
    # codes and patterned fields keep their own rules
    assert parse_cell(TABLES_BY_NAME["zone"].field("zone_code"), "-QK") == ("-QK", None)


# ---------------------------------------------------------------- soft bounds

def test_value_outside_soft_bounds_is_a_warning(store, base, tmp_path):
    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0].update(classes=70, male=1200, female=1200, pupils=2400)  # 70 classes in one grade: implausible
    p = write_one(tmp_path / "w", "enrolment", rows)
    report = import_files(store, [p], user="u")
    assert report.ok and report.written
    (w,) = [i for i in report.warnings if i.type == "soft-range"]
    assert (w.level, w.cell, w.value) == ("warning", "D2", 70)
    assert w.message.startswith("列“班数（个）”的值“70”超出常见范围 ≤60，请核实")


def test_markers_in_every_field_type():
    for t in ("int", "float", "str", "year", "date"):
        f = Field("x", "x", t)
        assert parse_cell(f, ExcelError("#DIV/0!")) == (None, ("excel-error", ""))
        assert parse_cell(f, NoCachedValue("A1*2")) == (None, ("formula-no-value", ""))
        assert parse_cell(f, "#N/A") == (None, ("excel-error", ""))


def test_a_bad_cell_does_not_cascade_into_its_rows_rules(tmp_path):
    """A milestone whose 计划日期 is not a real date is one error (the date), not also the row rule
    “计划日期与实际日期至少填一项” (the cell is filled, only unreadable)."""
    from eduplan.ingest.readers import read_file
    from eduplan.ingest.validate import validate_sheet
    from eduplan.model import TABLES_BY_NAME
    from helpers import write_one

    path = write_one(tmp_path, "project_milestone",
                     [{"project_id": "p1", "milestone": "开工", "planned_date": "2021-02-30"}])
    sheets, issues = read_file(path)
    assert not issues
    rows, issues = validate_sheet(sheets[0], TABLES_BY_NAME["project_milestone"])
    assert rows == []
    assert [(i.type, i.cell, i.value) for i in issues if i.level == "error"] == [("date-error", "C2", "2021-02-30")]
