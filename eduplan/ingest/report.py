"""Import problems as data: one Issue record per problem, rendered from a Chinese message template.

Each Issue names the file, sheet, row (as the user sees it in the spreadsheet: the header is row 1),
column, cell, value and the rule broken. ISSUE_TYPES is the catalogue; docs/import-errors.md is
generated from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# type -> (title, template). Templates use {column}, {value}, {rule}, {detail}.
ISSUE_TYPES: dict[str, tuple[str, str]] = {
    "file-not-found": ("文件不存在", "找不到文件"),
    "file-type": ("不支持的文件类型", "{detail}"),
    "file-unreadable": ("文件无法读取", "{detail}"),
    "file-empty": ("空文件", "文件中没有任何数据（至少需要表头行和一行数据）"),
    "file-encoding": ("编码无法识别", "{detail}"),
    "file-mixed-encoding": ("编码不一致", "文件混用了两种编码（{detail}），无法确定按哪一种读取：请在 Excel 或 WPS 中把整个文件"
                                      "另存为“CSV UTF-8”后再导入"),
    "file-not-regular": ("不是普通文件", "{detail}"),
    "file-too-large": ("文件过大", "{detail}，不予读取；如确需导入，请拆分文件或在设置文件中调大该上限"),
    "file-unsafe": ("工作簿不安全", "{detail}"),
    "sheet-too-large": ("工作表超出上限", "{detail}"),
    "cell-too-long": ("单元格内容过长", "{detail}"),
    "sheet-unknown": ("无法识别的工作表", "{detail}"),
    "sheet-empty": ("空工作表", "工作表没有数据行（模板的示例行不计）"),
    "missing-column": ("缺少必填列", "缺少必填列“{column}”（规则：{rule}）"),
    "duplicate-column": ("重复的列", "列“{column}”出现了不止一次"),
    "unknown-column": ("未识别的列", "列“{column}”不属于本表，已忽略"),
    "required": ("必填项为空", "列“{column}”不能为空（规则：{rule}）"),
    "type-error": ("类型错误", "列“{column}”的值“{value}”不是{detail}（规则：{rule}）"),
    "number-format": ("数字格式错误", "列“{column}”的值“{value}”中的逗号不是有效的千位分隔符（千位分隔符须每三位一组，"
                                   "如 1,234 或 12,345,678；小数点请用“.”）（规则：{rule}）"),
    "excel-error": ("Excel 错误值", "列“{column}”的单元格为 Excel 错误值 {value}：请改正公式或直接填写数值（规则：{rule}）"),
    "formula-no-value": ("公式没有计算结果", "列“{column}”是公式“{value}”，文件中没有它的计算结果（文件由程序生成、"
                                         "未在 Excel 中打开保存过）：请用 Excel 或 WPS 打开该文件并保存后再导入，或直接填写数值"
                                         "（规则：{rule}）"),
    "percent-ambiguous": ("百分比格式不明确", "列“{column}”的值“{value}”是百分比格式，而本列{detail}，无法确定应取哪个数："
                                          "请去掉百分比格式，直接填写本列单位下的数值（规则：{rule}）"),
    "integer-inexact": ("整数无法精确读取", "列“{column}”的值“{value}”超过 2^53（9,007,199,254,740,992），Excel 只能保存 "
                                         "15 位有效数字，这个整数已无法精确读取：请以文本格式填写或核对数值（规则：{rule}）"),
    "date-error": ("日期无效", "列“{column}”的值“{value}”不是有效日期：{detail}（规则：{rule}）"),
    "control-char": ("含控制字符", "列“{column}”的值含不可见的控制字符（{detail}）：请删除后再导入（规则：文本不得含控制字符；说明类字段可含换行）"),
    "formula-like": ("疑似公式", "列“{column}”的值“{value}”以“{detail}”开头，在 Excel 中可能被当作公式执行"
                                "（规则：不得以 = + - @ 或制表符开头）"),
    "example-row-modified": ("示例行标记留在数据行上", "本行右侧带有模板的“示例行（导入时跳过）”标记，但内容与模板示例不同："
                                                  "如是真实数据，请删除该行的示例行标记；如是示例，请删除整行"),
    "range-error": ("超出范围", "列“{column}”的值“{value}”超出范围（规则：{rule}）"),
    "pattern-error": ("格式错误", "列“{column}”的值“{value}”格式不对（规则：{rule}）"),
    "code-error": ("未知代码", "列“{column}”的值“{value}”不在代码表“{detail}”中（规则：{rule}）"),
    "rule-error": ("违反校验规则", "{detail}：{rule}"),
    "rule-warning": ("数据存疑", "{detail}：{rule}"),
    "soft-range": ("数值存疑", "列“{column}”的值“{value}”超出常见范围 {detail}，请核实（规则：{rule}）"),
    "value-missing": ("数据缺失", "列“{column}”为空，按缺失处理：{detail}"),
    "duplicate-key": ("主键重复", "{detail}"),
    "reference-error": ("引用不存在", "列“{column}”的值“{value}”{detail}"),
    "grade-not-allowed": ("年级与办学类型不符", "{detail}"),
    "category-unknown": ("项目类别不在规划中", "列“{column}”的值“{value}”{detail}（规则：{rule}）"),
    "plan-not-bound": ("所在区未绑定规划", "{detail}（规则：{rule}）"),
    "project-district": ("项目所属的区不明", "{detail}"),
    "period-overlap": ("归属期重叠", "{detail}"),
    "already-imported": ("重复导入", "同一内容的文件已于 {detail} 导入，库中数据与该文件一致，本次跳过，数据不变"),
    "rows-absent": ("文件缺少库中已有的行", "{detail}"),
    "rows-replaced": ("按 --replace 删除的行", "{detail}"),
    "data-locked": ("数据已审核锁定", "{detail}（规则：{rule}）"),
    "not-own-school": ("不是本校的数据", "列“{column}”的值“{value}”{detail}（规则：{rule}）"),
    "wrong-year": ("统计年度与采集轮次不符", "列“{column}”的值“{value}”{detail}（规则：{rule}）"),
    "table-not-in-round": ("本轮不采集该表", "{detail}（规则：{rule}）"),
}

Level = Literal["error", "warning", "info"]


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Issue:
    type: str
    file: str
    level: Level = "error"
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    value: Any = None
    rule: str = ""
    detail: str = ""
    message: str = field(default="")

    def __post_init__(self) -> None:
        if not self.message:
            _, template = ISSUE_TYPES[self.type]
            self.message = template.format(
                column=self.column or "", value=_show(self.value), rule=self.rule, detail=self.detail
            )

    def where(self) -> str:
        """文件 / 工作表 / 行 / 列, as a Chinese phrase."""
        parts = [f"文件“{self.file}”"]
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列“{self.column}”" + (f"（{self.cell}）" if self.cell else ""))
        return "，".join(parts)

    def text(self) -> str:
        return f"{self.where()}：{self.message}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = _show(self.value) if self.value is not None else None
        return d


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class SheetSummary:
    """One sheet of a file: read (the table it held, its rows and years) or skipped (and why)."""

    sheet: str | None  # None for a csv file
    status: Literal["read", "skipped"]
    table: str | None = None  # model table name
    table_label: str | None = None
    rows: int = 0  # valid data rows read
    years: list[int] = field(default_factory=list)
    reason: str = ""  # why skipped, in Chinese (隐藏的工作表，未读取 …)
    routine: bool = False  # a skip every template has (its 填写说明/代码表 sheets): listed in JSON, not printed

    def text(self) -> str:
        """One Chinese line, e.g. 工作表“分年级学生数”：分年级学生数 5 行，2019 年."""
        name = f"工作表“{self.sheet}”" if self.sheet else "CSV"
        if self.status == "skipped":
            return f"{name}：{self.reason}"
        years = _year_span(self.years)
        return f"{name}：{self.table_label or self.table or '未识别'} {self.rows} 行" + (f"，{years}" if years else "")


def _year_span(years: list[int]) -> str:
    if not years:
        return ""
    ys = sorted(set(years))
    if len(ys) > 2 and ys[-1] - ys[0] == len(ys) - 1:
        return f"{ys[0]}–{ys[-1]} 年"
    return "、".join(str(y) for y in ys) + " 年"


@dataclass
class FileResult:
    """What happened to one input file; `sheets` names each sheet read (table, rows, years) or skipped."""

    file: str
    path: str
    sha256: str = ""
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows read
    skipped: bool = False  # already imported
    batch_id: int | None = None
    written: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> inserted/updated/unchanged
    sheets: list[SheetSummary] = field(default_factory=list)

    def sheet_lines(self) -> list[str]:
        """The sheet summary in Chinese, one line per sheet read or skipped (for the import output)."""
        return [s.text() for s in self.sheets if not s.routine]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    written: bool = False
    years: set[int] = field(default_factory=set)  # the years of the rows written
    # the districts the written rows belong to, each with its bound plan (plan_codes.districts_of)
    districts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "written": self.written,
            "files": [f.to_dict() for f in self.files],
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "notes": [i.to_dict() for i in self.issues if i.level == "info"],
            "years": sorted(self.years),
            "districts": self.districts,
        }


def render_issue_catalogue() -> str:
    """docs/import-errors.md: every problem the importer reports, generated from ISSUE_TYPES."""
    lines = [
        "# Import problems (导入检查)",
        "",
        "<!-- Generated by `eduplan docs` from eduplan/ingest/report.py — do not edit by hand. -->",
        "",
        "Every problem is a record `{type, level, file, sheet, row, column, cell, value, rule, message}`;",
        "rows are numbered as in the spreadsheet (header = row 1). All problems of all files in one",
        "`eduplan import` are reported together; if any is an error, nothing is written.",
        "",
        "| type | 名称 | message template |",
        "|---|---|---|",
    ]
    for t, (title, template) in ISSUE_TYPES.items():
        lines.append(f"| `{t}` | {title} | {template} |")
    return "\n".join(lines) + "\n"
