"""Every workbook eduplan writes, opened as a clerk would (openpyxl), on a copy of the shared demo store: a
frozen header on every sheet, every number written in a unit's style (never General) and holding no more
decimals than that style shows, no English code in a column with a Chinese header (except the documented
code columns — headers ending 代码/标识码/编号, 示例, 设置值 — and the codes a user types: settings keys,
reported-item codes, command-line options), a title row with the store, year and date produced, and a 说明
(or, for a re-importable template or export, 填写说明) sheet. Plus the 优质均衡 workbook's shape and one
school's hand-worked figures, the forecast's 净转入, the one number-style rule, and `eduplan template`'s
refusal to overwrite."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.sheets import decimals_allowed, style_for
from eduplan.store import Store

SNAKE = re.compile(r"[A-Za-z]+_[A-Za-z0-9_]+")  # preschool_gross_enrolment, G01_layout
KEBAB = re.compile(r"\b[a-z]+-[a-z]+(?:-[a-z]+)*\b")  # milestone-late, births-low
WORD = re.compile(r"^[a-z]+$")  # computed, recorded
CJK = re.compile(r"[\u4e00-\u9fff]")
# Columns whose values are codes by definition (a user types them): their headers end so.
CODE_SUFFIXES = ("代码", "标识码", "编号")
# 示例 (填写说明: the example of what a user types, codes included); 设置值 (a setting as the settings file has it)
CODE_HEADERS = {"示例", "设置值", "操作人", "来源地址", "对象"}  # the last three: names and addresses a person typed
OPTION = re.compile(r"--[a-z][a-z-]*")  # a command-line option a text tells the user to type


def codes_a_user_types() -> set[str]:
    """Settings keys and reported-item codes: texts name them because a user writes them in a settings file
    or in the 上报指标值 table."""
    from eduplan.balance.settings import BalanceSettings
    from eduplan.forecast.settings import ForecastSettings
    from eduplan.indicators.settings import IndicatorSettings
    from eduplan.model.codes import REPORTED

    keys = set(ForecastSettings.model_fields) | set(IndicatorSettings.model_fields) | set(BalanceSettings.model_fields)
    return keys | set(REPORTED.values)


def decimals(x: float | int) -> int:
    exp = Decimal(repr(x)).as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def header_row(ws) -> int:
    """The 1-based row of the header: the row above the frozen pane."""
    assert ws.freeze_panes, f"{ws.title}: no frozen header"
    return openpyxl.utils.cell.coordinate_from_string(ws.freeze_panes)[1] - 1


def problems(path: Path, title_rows: bool = True) -> list[str]:
    """Every breach of the rules above in the workbook at `path`. `title_rows=False` for a re-importable file
    (template, export: the header must stay in row 1; the 填写说明 sheet carries the title and provenance)."""
    wb = openpyxl.load_workbook(path)
    allowed = codes_a_user_types()
    out: list[str] = []
    names = wb.sheetnames
    if not ({"说明", "填写说明"} & set(names)):
        out.append(f"{path.name}: no 说明 sheet")
    for ws in wb.worksheets:
        where = f"{path.name}/{ws.title}"
        if not ws.freeze_panes:
            out.append(f"{where}: no frozen header")
            continue
        top = header_row(ws)
        if title_rows and ws.title not in ("填写说明",):
            a1, a2 = ws["A1"].value, ws["A2"].value
            if not (isinstance(a1, str) and a1.strip()) or not (isinstance(a2, str) and "生成日期：" in a2):
                out.append(f"{where}: no title row with the date produced ({a1!r}, {a2!r})")
        heads = {c.column: (c.value or "") for c in ws[top]}
        if ws.title == "代码表":
            heads = {}  # the dropdowns' code lists ("211 小学"): codes by definition
        for row in ws.iter_rows(min_row=top + 1):
            for c in row:
                v = c.value
                head = str(heads.get(c.column, ""))
                if isinstance(v, bool) or v is None:
                    continue
                if isinstance(v, (int, float)):
                    if c.number_format == "General":
                        out.append(f"{where}!{c.coordinate}: number {v!r} in General format ({head})")
                    elif decimals(v) > decimals_allowed(c.number_format):
                        out.append(f"{where}!{c.coordinate}: {v!r} has more decimals than {c.number_format} ({head})")
                    continue
                if not isinstance(v, str) or head.endswith(CODE_SUFFIXES) or head in CODE_HEADERS \
                        or not CJK.search(head):
                    continue
                text = OPTION.sub(" ", v).strip()
                for pattern in (SNAKE, KEBAB, WORD):
                    for m in pattern.finditer(text):
                        if m.group() not in allowed:
                            out.append(f"{where}!{c.coordinate}: English code {m.group()!r} in column {head!r}")
    return out


# ------------------------------------------------------------------ the workbooks, written once

TODAY = dt.date.today().isoformat()
YEAR = 2019
runner = CliRunner()


def cli(*args):
    from eduplan.cli.app import app

    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def books(demo_store, tmp_path_factory) -> dict[str, Path]:
    """Every kind of workbook the product writes, from a copy of the demo store."""
    folder = tmp_path_factory.mktemp("books")
    db = folder / "演示库.duckdb"
    shutil.copy(demo_store, db)
    out = {}
    for name, args in {
        "indicators": ("indicators", "--year", YEAR, "--format", "xlsx"),
        "balance": ("balance", "--year", YEAR, "--plan-fixes", "--format", "xlsx"),
        "projects": ("projects", "--year", 2025, "--as-of", "2025-06-30", "--format", "xlsx"),
        "forecast": ("forecast", "--as-of", "2025-06-30", "--scenario", "baseline,births-low", "--format", "xlsx"),
        "export": ("export", "分年级学生数", "--year", YEAR),
        "template": ("template", "分年级学生数"),
        "balance-template": ("template", "优质均衡评估"),
    }.items():
        path = folder / f"{name}.xlsx"
        res = cli(*args, "--output", path, *(("--db", db) if name not in ("balance-template",) else ()))
        assert res.exit_code == 0, (name, res.output)
        out[name] = path
    bad = folder / "坏文件"
    bad.mkdir()
    from helpers import SMALL, write_one

    write_one(bad, "enrolment", [{**SMALL["enrolment"][0], "female": "八十"}])
    res = cli("import", *sorted(bad.iterdir()), "--db", folder / "新库.duckdb", "--report", folder / "issues.xlsx")
    assert res.exit_code == 1, res.output
    out["issues"] = folder / "issues.xlsx"
    # the web application's own workbooks: the audit log, a school's page (after the CLI's, on the same copy)
    from eduplan import access
    from eduplan.access import audit
    from eduplan.web.pages.school import profile, write_school_workbook
    from eduplan.web.state import WebState

    with Store(db) as s:
        u = access.add_user(s, "admin", "admin", "Rote-Ziegel-2026", actor="命令行：测试")
        audit.record(s, actor=u, action="upload", target="分年级学生数.xlsx", detail={"批次": 17}, address="127.0.0.1")
        audit.write_xlsx(audit.rows(s), folder / "audit.xlsx", db.name)
        school = s.one("SELECT min(school_code) FROM school")[0]
    out["audit"] = folder / "audit.xlsx"
    state = WebState(db)
    state.open()
    try:
        write_school_workbook(profile(state, school), folder / "school.xlsx", db.name)
    finally:
        state.close()
    out["school"] = folder / "school.xlsx"
    # a collection round's progress board (eduplan.collection.board_xlsx) and a school's pre-filled template
    from eduplan.collection import Actor, board, open_round
    from eduplan.collection.board_xlsx import write_board_xlsx
    from eduplan.collection.template import write_template

    with Store(db) as s:
        rid = open_round(s, Actor.cli("测试"), 2026, ["enrolment", "facilities"], dt.date(2026, 10, 31))
        write_board_xlsx(board(s, rid, today=dt.date(2026, 11, 1)), folder / "board.xlsx", db.name)
        write_template(s, rid, school, "enrolment", folder / "prefilled.xlsx")
    out["board"] = folder / "board.xlsx"
    out["prefilled"] = folder / "prefilled.xlsx"
    out["db"] = db
    return out


@pytest.mark.parametrize("name", ["indicators", "balance", "projects", "forecast", "issues", "audit", "school", "board"])
def test_forwarded_workbooks_read_as_a_clerk_expects(books, name):
    assert problems(books[name]) == []
    wb = openpyxl.load_workbook(books[name])
    assert "说明" in wb.sheetnames
    store = "新库.duckdb" if name == "issues" else "演示库.duckdb"
    for ws in wb.worksheets:
        line = ws["A2"].value
        assert line.startswith(f"数据库：{store}；") and f"生成日期：{TODAY}" in line, (ws.title, line)
        if name in ("indicators", "balance", "projects"):
            assert f"年度：{2025 if name == 'projects' else YEAR}" in line, (ws.title, line)


@pytest.mark.parametrize("name", ["export", "template", "balance-template", "prefilled"])
def test_reimportable_workbooks_keep_the_header_in_row_1(books, name):
    assert problems(books[name], title_rows=False) == []
    wb = openpyxl.load_workbook(books[name])
    assert "填写说明" in wb.sheetnames
    data = wb.worksheets[0]
    assert data.freeze_panes in ("A2", "B2") and data["A1"].value in ("统计年度", "学校名称")


def test_export_says_where_it_comes_from(books):
    text = openpyxl.load_workbook(books["export"])["填写说明"]["A2"].value
    assert f"导出自数据库：演示库.duckdb；年度：{YEAR}；生成日期：{TODAY}。" in text


def test_template_and_export_help_name_field_codes_in_their_own_column(books):
    ws = openpyxl.load_workbook(books["template"])["填写说明"]
    assert [c.value for c in ws[4]][:4] == ["列名", "字段代码", "类型", "计量单位"]


# ------------------------------------------------------------------ the 优质均衡 workbook


def _rows(ws, top: int = 3) -> tuple[list[str], list[tuple]]:
    heads = [c.value for c in ws[top]]
    rows = [r for r in ws.iter_rows(min_row=top + 1, values_only=True) if r[0] in ("小学", "初中")]
    return heads, rows


def test_balance_has_one_row_per_school_and_level(books):
    import json

    doc = json.loads(cli("balance", "--year", YEAR, "--format", "json", "--db", books["db"]).stdout)
    wb = openpyxl.load_workbook(books["balance"])
    assert wb.sheetnames == ["概要", "差异系数", "学校", "方差贡献", "改进方案", "检查清单", "说明"]
    heads, rows = _rows(wb["学校"])
    expected = sorted((lvl, s["code"]) for lvl, lr in doc["levels"].items() for s in lr["schools"])
    assert sorted((r[0], r[1]) for r in rows) == expected  # each (学段, school) once
    assert len(rows) == 39 + 15
    assert heads[6:13] == [
        "L1 每百名学生拥有高于规定学历教师数（人/百名学生）", "L2 每百名学生拥有县级以上骨干教师数（人/百名学生）",
        "L3 每百名学生拥有体育、艺术（美术、音乐）专任教师数（人/百名学生）", "L4 生均教学及辅助用房面积（㎡/生）",
        "L5 生均体育运动场馆面积（㎡/生）", "L6 生均教学仪器设备值（元/生）", "L7 每百名学生拥有网络多媒体教室数（间/百名学生）"]
    # the CV table on its own sheet: 7 indicators × 2 levels
    _, cv = _rows(wb["差异系数"])
    assert len(cv) == 14 and {r[1] for r in cv} == {f"L{i}" for i in range(1, 8)}


def test_one_schools_figures_worked_by_hand(books):
    """武汉市硚口区崇仁路小学 (2420104011), 2019, 小学, 2146 pupils (demo store): 158 teachers above the required
    qualification (12 + 127 + 19), 21 backbone (16 + 4 + 1), 20 PE/arts (10 + 5 + 5), 15801 ㎡ teaching rooms,
    23065 ㎡ sports, equipment 552.4 万元, 74 multimedia rooms."""
    ws = openpyxl.load_workbook(books["balance"])["学校"]
    top = 3
    row = next(r for r in ws.iter_rows(min_row=top + 1) if r[1].value == "2420104011")
    values = [c.value for c in row]
    assert values[:6] == ["小学", "2420104011", "武汉市硚口区崇仁路小学", "小学", 2146, 1]
    assert values[6:13] == [round(158 / 2146 * 100, 2), round(21 / 2146 * 100, 2), round(20 / 2146 * 100, 2),
                            round(15801 / 2146, 2), round(23065 / 2146, 2), round(5_524_000 / 2146),
                            round(74 / 2146 * 100, 2)]
    assert values[6:13] == [7.36, 0.98, 0.93, 7.36, 10.75, 2574, 3.45]
    assert values[13:16] == [6, "达标", "L2 0.98/1（97.9%）"]
    formats = [c.number_format for c in row[4:13]]
    assert formats == ["#,##0", "0.0%", "#,##0.00", "#,##0.00", "#,##0.00", "#,##0.00", "#,##0.00", "#,##0", "#,##0.00"]
    # L2 is below its standard (1 per 100 pupils) but above 85 % of it: yellow; L1 meets it: green
    assert row[7].fill.fgColor.rgb.endswith("FFEB9C") and row[6].fill.fgColor.rgb.endswith("C6EFCE")


def test_no_raw_floats_in_the_improvement_plan(books):
    ws = openpyxl.load_workbook(books["balance"])["改进方案"]
    heads = [c.value for c in ws[3]]
    assert heads == ["学校标识码", "学校名称", "学段", "措施", "数量", "计量单位", "成本（元）"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[3]]
    allowed = {"人": 0, "间": 0, "元": 0, "㎡": 1}
    assert rows and all(decimals(r[4]) <= allowed[r[5]] and isinstance(r[6], int) for r in rows)
    total = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[5] == "合计")
    assert total[6] == sum(r[6] for r in rows)


def test_checklist_names_items_in_chinese_and_keeps_the_code_apart(books):
    ws = openpyxl.load_workbook(books["balance"])["检查清单"]
    heads = [c.value for c in ws[3]]
    assert heads[0] == "项目" and heads[-1] == "评估项目代码"
    first = [c.value for c in ws[4]]
    assert first[0] == "政府保障程度第（一）项" and first[-1] == "G01_layout"
    g12 = next(r for r in ws.iter_rows(min_row=4) if r[-1].value == "G12_certification")
    assert g12[4].value == "未达标" and g12[5].number_format == "0.00%" and g12[6].value == "%"


# ------------------------------------------------------------------ indicators, forecast


def test_indicator_source_and_units_are_chinese(books):
    ws = openpyxl.load_workbook(books["indicators"])["区"]
    heads = [c.value for c in ws[3]]
    assert heads[:4] == ["指标", "计量单位", "区代码", "区"] and "单位" not in heads
    sources = {r[heads.index("来源")] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert sources and all(s == "计算" or s.startswith("上报") for s in sources)
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "学前三年毛入园率" and r[4].value is None)
    assert row[5].number_format == "0.0%" and row[6].number_format == "#,##0"
    assert row[5].value == round(row[6].value / row[7].value, 3)  # 95.0 % of 3–5-year-olds, as a fraction


def test_forecast_shows_net_inflow_not_a_negative_dropout_rate(books):
    from eduplan.forecast.report import NET_INFLOW

    ws = openpyxl.load_workbook(books["forecast"])["流动率"]
    heads = [c.value for c in ws[3]]
    assert heads[5:8] == ["辍学率", "净转入率", "说明"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert all(r[5] is None or r[5] >= 0 for r in rows)
    inflow = [r for r in rows if r[6] is not None]
    assert inflow and all(r[6] > 0 and r[5] is None and r[7] == NET_INFLOW for r in inflow)
    first = next(r for r in inflow if r[0] == "QK02")  # 宝丰组团: P1 dropout −0.24 %, a net inflow
    assert first[2:7] == ("小学一年级", 1.0024, 0, None, 0.0024)  # the grade in words, not P1
    assert not any(re.fullmatch(r"[A-Z]\d", r[2]) for r in rows)


def test_every_forecast_sheet_has_widths_and_formats(books):
    wb = openpyxl.load_workbook(books["forecast"])
    for ws in wb.worksheets:
        assert ws.column_dimensions["A"].width >= 6, ws.title
    assert "学位缺口汇总（出生低方案）" in wb.sheetnames  # a scenario sheet named in Chinese


# ------------------------------------------------------------------ one rule for numbers


@pytest.mark.parametrize("unit, raw, written, shown", [
    ("㎡", 502.499999999999, 502.5, "502.5"),
    ("元", 301499.9999999994, 301500, "301,500"),
    ("人", 7.0, 7, "7"),
    ("%", 85.5, 0.855, "85.5%"),
    ("系数", 0.38231277, 0.382, "0.382"),
    (":1", 13.456, 13.5, "13.5:1"),
    ("万元", 923.5749, 923.57, "923.57"),
])
def test_one_number_rule_by_unit(unit, raw, written, shown):
    style = style_for(unit)
    assert style.value(raw) == written and type(style.value(raw)) is type(written)
    assert style.text(raw) == shown
    assert decimals(style.value(raw)) <= decimals_allowed(style.num_format)


# ------------------------------------------------------------------ templates: never overwrite


def test_template_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "评估.xlsx"
    assert cli("template", "优质均衡评估", "-o", out).exit_code == 0
    out.write_bytes(b"mine")
    res = cli("template", "优质均衡评估", "-o", out)
    assert res.exit_code == 1 and out.read_bytes() == b"mine"
    expected = f"错误：文件“{out}”已存在，未覆盖；如要覆盖请加 --force，或用 --output 指定另一个文件"
    assert "".join(expected.split()) in "".join(res.output.split())
    res = cli("template", "分年级学生数", "-o", out)
    assert res.exit_code == 1 and out.read_bytes() == b"mine"
    assert cli("template", "分年级学生数", "-o", out, "--force").exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "分年级学生数"


def test_template_all_refuses_a_folder_with_existing_files(tmp_path):
    folder = tmp_path / "模板"
    assert cli("template", "--all", "-o", folder).exit_code == 0
    (folder / "区县.xlsx").write_bytes(b"mine")
    res = cli("template", "--all", "-o", folder)
    assert res.exit_code == 1 and (folder / "区县.xlsx").read_bytes() == b"mine"
    text = "".join(res.output.split())
    assert f"目录“{folder}”中已有模板文件：" in text and "未写出任何模板；如要覆盖请加--force" in text
    assert cli("template", "--all", "-o", folder, "--force").exit_code == 0
    assert (folder / "区县.xlsx").read_bytes()[:2] == b"PK"


# ------------------------------------------------------------------ the 督学's template for balance --input


def test_balance_template_lists_every_accepted_header_with_its_unit(books):
    from eduplan.balance.infile import COLUMNS, HEADERS_HELP

    ws = openpyxl.load_workbook(books["balance-template"])["学校数据"]
    heads = [c.value for c in ws[1]]
    assert heads[:3] == ["学校名称", "学校类型", "学校标识码"]
    assert heads[3:3 + len(COLUMNS)] == [f"{c.header}（{c.unit}）" for c in COLUMNS]
    assert heads[3] == "小学在校生数（人）" and "教学及辅助用房面积（㎡）" in heads and "教学仪器设备值（元）" in heads
    for c in COLUMNS:
        assert c.header in HEADERS_HELP
    for unit in ("人", "㎡", "元", "万元", "间", "台", "册"):
        assert f"（{unit}" in HEADERS_HELP
    help_sheet = openpyxl.load_workbook(books["balance-template"])["填写说明"]
    assert [c.value for c in help_sheet[4]] == ["列名", "计量单位", "必填", "说明", "示例"]


def test_balance_template_example_row_is_skipped_and_a_filled_row_read(books, tmp_path):
    from eduplan.balance.infile import read_balance_file

    records, issues, absent = read_balance_file(books["balance-template"])
    assert (records, issues, absent) == ([], [], [])
    wb = openpyxl.load_workbook(books["balance-template"])
    ws = wb["学校数据"]
    ws.append(["甲小学", "小学", None, 1000, None, None, 50, 45, 12, 10, 20, None, None, None, None, None,
               5000, 8000, 2_500_000, 25, 120, 30000])
    wb.save(tmp_path / "填好.xlsx")
    records, issues, _ = read_balance_file(tmp_path / "填好.xlsx")
    assert issues == [] and [(r.name, r.type_code, r.pupils["小学"], r.row) for r in records] == [("甲小学", "211", 1000, 3)]
    ws["B2"] = "小学"  # the example changed but still marked: refused, naming the marker's cell
    wb.save(tmp_path / "改过.xlsx")
    _, issues, _ = read_balance_file(tmp_path / "改过.xlsx")
    assert [(i.type, i.row, i.cell) for i in issues] == [("example-row-modified", 2, "W2")]


def test_colours_and_counts_follow_the_floor_the_evaluation_used(books, tmp_path):
    """With `compliance_floor: 0.99`, 崇仁路小学's L2 at 97.9 % of its standard is below the floor: red, and the
    school is not compliant; the 差异系数 sheet names 99 % in its header."""
    settings = tmp_path / "s.yaml"
    settings.write_text("balance:\n  compliance_floor: 0.99\n", encoding="utf-8")
    out = tmp_path / "b.xlsx"
    res = cli("balance", "--year", YEAR, "--format", "xlsx", "--output", out, "--db", books["db"], "--settings", settings)
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    heads = [c.value for c in wb["差异系数"][3]]
    assert heads[12] == "低于标准 99% 的学校数"
    row = next(r for r in wb["学校"].iter_rows(min_row=4) if r[1].value == "2420104011")
    assert row[7].fill.fgColor.rgb.endswith("FFC7CE") and row[14].value == "未达标"
    l2 = next(r for r in wb["差异系数"].iter_rows(min_row=4, values_only=True) if r[:2] == ("小学", "L2"))
    # four 小学 schools are below the L2 standard of 1 per 100 pupils: 0.974 (英中), 0.979 (崇仁路) below 0.99, and
    # 0.990 (古田四路: 1/101), 0.993 (新合村) at or above it
    assert l2[10:13] == (35, round(35 / 39, 3), 2)


def test_every_workbook_writer_is_checked_here():
    """Each function that opens `eduplan.sheets.workbook` is one of the writers this file checks; a new writer
    must be added above (and to the checks) before this passes."""
    import ast

    import eduplan

    root = Path(eduplan.__file__).parent
    writers = set()
    for path in root.rglob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef) and any(
                    isinstance(node, ast.With) and any(isinstance(i.context_expr, ast.Call)
                                                       and getattr(i.context_expr.func, "id", None) == "workbook"
                                                       for i in node.items) for node in ast.walk(fn)):
                writers.add(f"{path.relative_to(root).with_suffix('').as_posix()}.{fn.name}")
    assert writers == {
        "balance/report.write_workbook",  # books["balance"]
        "balance/infile.write_template",  # books["balance-template"]
        "forecast/report.write_forecast_xlsx",  # books["forecast"]
        "projects/report.write_projects_xlsx",  # books["projects"]
        "outputs/indicators_xlsx.write_indicator_workbook",  # books["indicators"]
        "ingest/template.write_workbook",  # books["template"], books["export"]
        "ingest/template.write_issue_workbook",  # books["issues"]
        "access/audit.write_xlsx",  # books["audit"]
        "web/pages/school.write_school_workbook",  # books["school"]
        "collection/board_xlsx.write_board_xlsx",  # books["board"]
    }
