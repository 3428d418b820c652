"""Standalone input: one spreadsheet (csv or xlsx) with one row per school, as supervisors often hold it.

Headers (NFKC, spaces and a trailing unit in brackets ignored): 学校名称 and 学校类型 are required; every
other column may be absent (the indicators needing it are then not computable). A blank cell is missing,
never 0: a school's 在校生数 for a level its type serves must be filled (0 when it has none); a blank
teacher or facility cell makes the indicators needing it not computable and is named in a warning. The
file is read by the same bounded reader and strict cell parser as `eduplan import` (ingest.readers /
ingest.parse): hidden sheets are skipped, error values, formulas without results, percent cells, bad
thousands separators and formula-like names are refused naming the cell. 学校类型 takes a name (小学, 初中, 九年一贯制, 完全中学, 十二年一贯制 …) or the 办学类型代码.
Teacher columns are per section; facility columns are school totals. 教学仪器设备值 is in 元 unless its
header says 万元. Problems are Issue records naming file, row and column; nothing is evaluated while
any error remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import EduplanError
from ..ingest.cells import MARKERS
from ..ingest.parse import check_value, norm, parse_cell
from ..ingest.readers import read_file
from ..ingest.report import Issue, column_letter
from ..model import Field
from ..model.codes import SCHOOL_TYPES, levels_of
from .data import FACILITY_QUANTITIES, TEACHER_QUANTITIES, SchoolRecord

NAME, TYPE, CODE = "学校名称", "学校类型", "学校标识码"


@dataclass(frozen=True)
class Column:
    header: str
    target: tuple[str, str]  # ("pupils", level) / (level, teacher quantity) / ("facility", quantity)
    type: str  # int / float
    unit: str = "人"  # the unit of measure (计量单位) the value is read in


COLUMNS: tuple[Column, ...] = (
    Column("小学在校生数", ("pupils", "小学"), "int"),
    Column("初中在校生数", ("pupils", "初中"), "int"),
    Column("高中在校生数", ("pupils", "高中"), "int"),
    *(Column(f"{lvl}{label}", (lvl, q), "int") for lvl in ("小学", "初中") for q, label in (
        ("teachers", "专任教师数"), ("qual", "高于规定学历教师数"), ("backbone", "县级以上骨干教师数"),
        ("pe_art", "体育艺术专任教师数"), ("senior_title", "中级及以上职称教师数"))),
    Column("教学及辅助用房面积", ("facility", "teaching_area"), "float", "㎡"),
    Column("体育运动场馆面积", ("facility", "sports_area"), "float", "㎡"),
    Column("教学仪器设备值", ("facility", "equipment"), "float", "元"),
    Column("网络多媒体教室数", ("facility", "multimedia_rooms"), "int", "间"),
    Column("计算机台数", ("facility", "computers"), "int", "台"),
    Column("图书册数", ("facility", "books"), "int", "册"),
)
BY_HEADER = {norm(c.header): c for c in COLUMNS}
# names a supervisor writes for 学校类型, beyond the code list's own labels
TYPE_ALIASES = {
    "初中": "311", "九年一贯制": "312", "九年一贯制学校": "312", "一贯制学校": "312", "完全中学": "341",
    "完中": "341", "十二年一贯制": "345", "十二年一贯制学校": "345", "教学点": "218", "小学教学点": "218",
    "高中": "342", "高级中学": "342", "特殊教育学校": "514", "特教学校": "514", "职业学校": "361",
    "中等职业学校": "361", "职业高中": "365", "一贯制学校小学部": "213", "附设初中班": "319",
}
TYPE_RULE = "小学、初中、九年一贯制、完全中学、十二年一贯制，或办学类型代码（如 211）"


# The template (`write_template`, `eduplan template 优质均衡评估`): a header with its unit of measure, and
# one example row that the reader skips while it is untouched (marked like the import templates' example).
SHEET = "学校数据"
TEXT_HELP = {NAME: "必填；学校全称，每校一行", TYPE: f"必填；{TYPE_RULE}",
             CODE: "可空；10 位学校标识码，填写后按它区分同名学校"}
COLUMN_HELP = {
    "在校生数": "该学段在校生数；学校所设学段必填（没有学生填 0），不设的学段留空",
    "专任教师数": "该学段专任教师数（教师列均按学段分列）",
    "高于规定学历教师数": "高于规定学历的专任教师数（小学专科及以上、初中本科及以上）",
    "县级以上骨干教师数": "县级及以上骨干教师数",
    "体育艺术专任教师数": "体育、艺术（美术、音乐）专任教师数",
    "中级及以上职称教师数": "中级及以上专业技术职务的专任教师数（2012 年基本均衡用）",
    "教学及辅助用房面积": "全校合计；一贯制学校按学段在校生比例拆分",
    "体育运动场馆面积": "全校合计",
    "教学仪器设备值": "全校合计；表头写“教学仪器设备值（万元）”时按万元读",
    "网络多媒体教室数": "全校合计",
    "计算机台数": "全校合计（2012 年基本均衡用）",
    "图书册数": "全校合计（2012 年基本均衡用）",
}
EXAMPLE: dict[str, object] = {
    NAME: "示例九年一贯制学校", TYPE: "九年一贯制", CODE: "2142019999",
    "小学在校生数": 600, "初中在校生数": 400, "高中在校生数": None,
    "小学专任教师数": 40, "小学高于规定学历教师数": 38, "小学县级以上骨干教师数": 6, "小学体育艺术专任教师数": 6,
    "小学中级及以上职称教师数": 15, "初中专任教师数": 35, "初中高于规定学历教师数": 30, "初中县级以上骨干教师数": 5,
    "初中体育艺术专任教师数": 5, "初中中级及以上职称教师数": 14, "教学及辅助用房面积": 10400, "体育运动场馆面积": 16000,
    "教学仪器设备值": 2600000, "网络多媒体教室数": 26, "计算机台数": 90, "图书册数": 40000,
}


def _column_help(c: Column) -> str:
    return next(text for key, text in COLUMN_HELP.items() if c.header.endswith(key))


def template_headers() -> list[tuple[str, str, str, bool]]:
    """Every accepted column of the standalone file: (header as the template writes it, bare header,
    unit of measure or "", required)."""
    cols = [(NAME, NAME, "", True), (TYPE, TYPE, "", True), (CODE, CODE, "", False)]
    return cols + [(f"{c.header}（{c.unit}）", c.header, c.unit, False) for c in COLUMNS]


HEADERS_HELP = (
    "表头（每校一行；括号内为计量单位，可写可不写，顺序不限）：学校名称（必填）；学校类型（必填："
    + TYPE_RULE + "）；学校标识码（可空）；"
    + "、".join(c.header for c in COLUMNS[:3]) + "（人）；"
    + "、".join(c.header for c in COLUMNS[3:13]) + "（人，按学段分列）；"
    + "教学及辅助用房面积、体育运动场馆面积（㎡，全校合计）；教学仪器设备值（元，全校合计；表头写“（万元）”时按万元）；"
    + "网络多媒体教室数（间）、计算机台数（台）、图书册数（册）。"
    "除学校名称、学校类型外各列都可缺：缺列时用到它的指标无法计算。空白单元格为缺失，不按 0 计；"
    "学校所设学段的在校生数必填（没有学生填 0）。模板：eduplan template 优质均衡评估 -o 文件.xlsx"
)


def write_template(path: Path) -> Path:
    """The supervisor's one-sheet template for `eduplan balance --input`: every accepted header with its unit
    (required ones highlighted, each with a comment), one example row the reader skips while untouched,
    and a 填写说明 sheet. An unwritable `path` raises OutputError and leaves nothing behind."""
    from ..ingest.validate import EXAMPLE_MARK
    from ..sheets import put, text_width, workbook

    path = Path(path)
    cols = template_headers()
    with workbook(path, {"title": "优质均衡评估 学校数据", "author": "eduplan"}) as wb:
        req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "vcenter"})
        opt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
        example = wb.add_format({"italic": True, "font_color": "#7F7F7F", "num_format": "#,##0"})
        text = wb.add_format({"num_format": "@"})
        count = wb.add_format({"num_format": "#,##0"})
        area = wb.add_format({"num_format": "#,##0.0"})
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet(SHEET)
        ws.set_row(0, 36)
        ws.freeze_panes(1, 1)
        helps = {NAME: TEXT_HELP[NAME], TYPE: TEXT_HELP[TYPE], CODE: TEXT_HELP[CODE],
                 **{c.header: _column_help(c) for c in COLUMNS}}
        for j, (header, bare, unit, required) in enumerate(cols):
            ws.write_string(0, j, header, req if required else opt)
            ws.write_comment(0, j, f"{'必填' if required else '可空'}。{helps[bare]}。", {"x_scale": 2, "y_scale": 1.5})
            fmt = text if not unit else (area if unit == "㎡" else count)
            ws.set_column(j, j, max(10, min(30, text_width(header) + 2)), fmt)
            put(ws, 1, j, EXAMPLE.get(bare), example)
            if unit:
                ws.data_validation(1, j, 100_000, j, {"validate": "decimal", "criteria": ">=", "value": 0,
                                                        "error_title": "数值错误",
                                                        "error_message": f"{bare}：不小于 0 的数值（{unit}）"})
        ws.write_string(1, len(cols), EXAMPLE_MARK, example)
        ws.set_column(len(cols), len(cols), 22)
        ws.write_comment(1, 0, "示例行：评估时自动跳过（以右侧“示例行”标记识别），可直接覆盖或删除；改动后请同时删除右侧标记。")
        hs = wb.add_worksheet("填写说明")
        hs.write_string(0, 0, "优质均衡评估 学校数据表（eduplan balance --input 文件.xlsx）", bold)
        hs.write_string(1, 0, "每校一行；第 1 行为表头，第 2 行为示例（评估时跳过）。橙色表头为必填列，其余可缺列。"
                              "空白单元格为缺失，不按 0 计。")
        for j, h in enumerate(("列名", "计量单位", "必填", "说明", "示例")):
            hs.write_string(3, j, h, bold)
        for i, (header, bare, unit, required) in enumerate(cols, start=4):
            ex = EXAMPLE.get(bare)
            for j, v in enumerate((header, unit, "是" if required else "否", helps[bare], "" if ex is None else str(ex))):
                hs.write_string(i, j, v, wrap)
        hs.write_string(5 + len(cols), 0, "表头说明", bold)
        hs.write_string(6 + len(cols), 0, HEADERS_HELP, wrap)
        hs.set_column(0, 0, 30)
        hs.set_column(1, 2, 10)
        hs.set_column(3, 3, 60)
        hs.set_column(4, 4, 22)
        hs.freeze_panes(4, 0)
    return path


def _canon(v: object) -> str | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return norm(v)


def _example_mark(cells: list, width: int) -> int:
    from ..ingest.validate import EXAMPLE_MARK

    return next((i for i in range(width, len(cells)) if isinstance(cells[i], str) and cells[i].strip() == EXAMPLE_MARK),
                -1)


def _is_untouched_example(cells: list, cols: dict, mark: int) -> bool:
    """The template's example row exactly as written (every column it has, nothing beside the mark)."""
    if any(_canon(c) is not None for i, c in enumerate(cells) if i not in cols and i != mark):
        return False
    for i, target in cols.items():
        name = target if isinstance(target, str) else target.header
        v = cells[i] if i < len(cells) else None
        if _canon(v) != _canon(EXAMPLE.get(name)):
            return False
    return True


class BalanceInputError(EduplanError):
    """A standalone balance file has errors; `issues` lists them all."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        lines = [f"输入文件有 {len(issues)} 个问题，未作评估："] + [f"  {i.text()}" for i in issues]
        super().__init__("\n".join(lines))


def resolve_type(text: str) -> str | None:
    key = norm(text)
    return TYPE_ALIASES.get(key) or SCHOOL_TYPES.resolve(key)


def _header_key(h: str) -> tuple[str, str]:
    """(bare normalised header, unit in brackets or "")."""
    k = norm(h)
    for op, cl in (("(", ")"), ("[", "]")):
        if k.endswith(cl) and op in k:
            i = k.rindex(op)
            return k[:i], k[i + 1:-1]
    return k, ""


def read_balance_file(path: str | Path) -> tuple[list[SchoolRecord], list[Issue], list[str]]:
    """Records, problems (errors and warnings) and the optional columns that are absent."""
    path = Path(path)
    sheets, issues = read_file(path)
    if not sheets:
        return [], issues, []
    sheet = next((s for s in sheets if any(_header_key(h)[0] == norm(NAME) for h in s.headers)), sheets[0])
    file, sname = sheet.file, sheet.sheet
    cols: dict[int, Column | str] = {}
    scale: dict[int, float] = {}
    seen: dict[str, int] = {}
    for i, h in enumerate(sheet.headers):
        key, unit = _header_key(h)
        if not key:
            continue
        target: Column | str | None = {norm(NAME): NAME, norm(TYPE): TYPE, norm(CODE): CODE}.get(key) or BY_HEADER.get(key)
        if target is None:
            issues.append(Issue("unknown-column", file, "warning", sname, sheet.header_row, h, column_letter(i) +
                                str(sheet.header_row)))
            continue
        name = target if isinstance(target, str) else target.header
        if name in seen:
            issues.append(Issue("duplicate-column", file, sheet=sname, row=sheet.header_row, column=h))
            continue
        seen[name] = i
        cols[i] = target
        if name == "教学仪器设备值" and "万元" in unit:
            scale[i] = 10_000.0
    for required in (NAME, TYPE):
        if required not in seen:
            issues.append(Issue("missing-column", file, sheet=sname, row=sheet.header_row, column=required,
                                rule="必填"))
    if any(i.level == "error" for i in issues):
        return [], issues, []
    present = {c.target for c in cols.values() if isinstance(c, Column)}
    absent = [c.header for c in COLUMNS if c.target not in present]
    records: list[SchoolRecord] = []
    names: dict[str, int] = {}
    width = len(sheet.headers)
    for row_no, cells in sheet.rows:
        mark = _example_mark(cells, width)
        if mark >= 0:
            if not _is_untouched_example(cells, cols, mark):
                issues.append(Issue("example-row-modified", file, sheet=sname, row=row_no,
                                    cell=f"{column_letter(mark)}{row_no}", value=cells[mark]))
            continue
        rec = _record(file, sname, row_no, cells, cols, scale, present, issues)
        if rec is None:
            continue
        if rec.code in names:
            issues.append(Issue("duplicate-key", file, sheet=sname, row=row_no, column=CODE if CODE in seen else NAME,
                                value=rec.code, detail=f"学校“{rec.code}”在第 {names[rec.code]} 行已出现"))
            continue
        names[rec.code] = row_no
        records.append(rec)
    return records, issues, absent


_TEXT_FIELDS = {NAME: Field(NAME, NAME, "str"), TYPE: Field(TYPE, TYPE, "str"), CODE: Field(CODE, CODE, "str")}


def _shown(v: object) -> object:
    """A cell as the user sees it, for messages (markers such as #DIV/0! or 85.5% as text)."""
    return str(v) if isinstance(v, MARKERS) else v


def _record(file: str, sheet: str | None, row_no: int, cells: list, cols: dict, scale: dict,
            present: set, issues: list[Issue]) -> SchoolRecord | None:
    values: dict[str, object] = {}
    blank: dict[tuple[str, str], str] = {}  # quantity -> cell, for blank cells of present columns
    ok = True
    for i, target in cols.items():
        v = cells[i] if i < len(cells) else None
        cell = column_letter(i) + str(row_no)
        if isinstance(target, str):
            x, problem = parse_cell(_TEXT_FIELDS[target], v)
            if problem is not None:
                kind, detail = problem
                issues.append(Issue(kind, file, sheet=sheet, row=row_no, column=target, cell=cell, value=_shown(v),
                                    detail=detail, rule="文本"))
                ok = False
                continue
            if x is None:
                if target != CODE:
                    issues.append(Issue("required", file, sheet=sheet, row=row_no, column=target, cell=cell, rule="必填"))
                    ok = False
                continue
            text = str(x)
            if target == TYPE:
                code = resolve_type(text)
                if code is None:
                    issues.append(Issue("code-error", file, sheet=sheet, row=row_no, column=TYPE, cell=cell, value=text,
                                        detail="学校办学类型代码", rule=TYPE_RULE))
                    ok = False
                    continue
                text = code
            values[target] = text
            continue
        f = Field(target.header, target.header, target.type, min=0)
        x, problem = parse_cell(f, v)
        if problem is None and x is not None and check_value(f, x):
            problem = ("range-error", "")
        if problem is not None:
            kind, detail = problem
            issues.append(Issue(kind, file, sheet=sheet, row=row_no, column=target.header, cell=cell, value=_shown(v),
                                detail=detail if detail != "int64" else "",
                                rule="不小于 0 的" + ("整数" if target.type == "int" else "数值")))
            ok = False
            continue
        if x is None:
            blank[target.target] = cell  # missing, never 0
            continue
        values[target.target] = float(x) * scale.get(i, 1.0)
    if not ok:
        return None
    name = str(values[NAME])
    type_code = str(values[TYPE])
    try:
        served = set(levels_of(type_code))
    except KeyError:
        served = set()
    pupils: dict[str, int] = {}
    for lvl in ("小学", "初中", "高中"):
        key = ("pupils", lvl)
        if key in blank and lvl in served:
            issues.append(Issue("required", file, sheet=sheet, row=row_no, column=f"{lvl}在校生数", cell=blank[key],
                                rule=f"{lvl}学段的学校必填（没有学生请填 0）"))
            ok = False
        pupils[lvl] = int(values.get(key, 0) or 0)  # an absent column or a level the school lacks: none
    if not ok:
        return None
    for (group, q), cell in blank.items():
        if group == "pupils" or (group in ("小学", "初中") and group not in served):
            continue
        label = f"{group}{_label(q)}" if group != "facility" else _facility_label(q)
        issues.append(Issue("value-missing", file, "warning", sheet, row_no, label, cell,
                            detail=f"{name}的“{label}”未知，用到它的指标无法计算"))
    sections = {lvl: {q: (values.get((lvl, q)) if (lvl, q) in present else None) for q in TEACHER_QUANTITIES}
                for lvl in ("小学", "初中")}
    facilities = {q: (values.get(("facility", q)) if ("facility", q) in present else None)
                  for q in FACILITY_QUANTITIES}
    for lvl, sec in sections.items():
        t = sec.get("teachers")
        for q in ("qual", "backbone", "pe_art", "senior_title"):
            if t is not None and sec.get(q) is not None and sec[q] > t:
                issues.append(Issue("rule-warning", file, "warning", sheet, row_no, f"{lvl}{_label(q)}",
                                    detail=f"{lvl}{_label(q)}（{sec[q]:g}）", rule=f"不应超过{lvl}专任教师数（{t:g}）"))
    return SchoolRecord(str(values.get(CODE) or name), name, type_code, pupils, sections, facilities, row_no)


def _facility_label(q: str) -> str:
    return next(c.header for c in COLUMNS if c.target == ("facility", q))


def _label(q: str) -> str:
    return {"teachers": "专任教师数", "qual": "高于规定学历教师数", "backbone": "县级以上骨干教师数",
            "pe_art": "体育艺术专任教师数", "senior_title": "中级及以上职称教师数"}[q]
