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


COLUMNS: tuple[Column, ...] = (
    Column("小学在校生数", ("pupils", "小学"), "int"),
    Column("初中在校生数", ("pupils", "初中"), "int"),
    Column("高中在校生数", ("pupils", "高中"), "int"),
    *(Column(f"{lvl}{label}", (lvl, q), "int") for lvl in ("小学", "初中") for q, label in (
        ("teachers", "专任教师数"), ("qual", "高于规定学历教师数"), ("backbone", "县级以上骨干教师数"),
        ("pe_art", "体育艺术专任教师数"), ("senior_title", "中级及以上职称教师数"))),
    Column("教学及辅助用房面积", ("facility", "teaching_area"), "float"),
    Column("体育运动场馆面积", ("facility", "sports_area"), "float"),
    Column("教学仪器设备值", ("facility", "equipment"), "float"),
    Column("网络多媒体教室数", ("facility", "multimedia_rooms"), "int"),
    Column("计算机台数", ("facility", "computers"), "int"),
    Column("图书册数", ("facility", "books"), "int"),
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
    for row_no, cells in sheet.rows:
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
    return {"qual": "高于规定学历教师数", "backbone": "县级以上骨干教师数", "pe_art": "体育艺术专任教师数",
            "senior_title": "中级及以上职称教师数"}[q]
