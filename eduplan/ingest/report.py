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
    "sheet-unknown": ("无法识别的工作表", "{detail}"),
    "sheet-empty": ("空工作表", "工作表没有数据行（模板的示例行不计）"),
    "missing-column": ("缺少必填列", "缺少必填列“{column}”（规则：{rule}）"),
    "duplicate-column": ("重复的列", "列“{column}”出现了不止一次"),
    "unknown-column": ("未识别的列", "列“{column}”不属于本表，已忽略"),
    "required": ("必填项为空", "列“{column}”不能为空（规则：{rule}）"),
    "type-error": ("类型错误", "列“{column}”的值“{value}”不是{detail}（规则：{rule}）"),
    "range-error": ("超出范围", "列“{column}”的值“{value}”超出范围（规则：{rule}）"),
    "pattern-error": ("格式错误", "列“{column}”的值“{value}”格式不对（规则：{rule}）"),
    "code-error": ("未知代码", "列“{column}”的值“{value}”不在代码表“{detail}”中（规则：{rule}）"),
    "rule-error": ("违反校验规则", "{detail}：{rule}"),
    "rule-warning": ("数据存疑", "{detail}：{rule}"),
    "duplicate-key": ("主键重复", "{detail}"),
    "reference-error": ("引用不存在", "列“{column}”的值“{value}”{detail}"),
    "grade-not-allowed": ("年级与办学类型不符", "{detail}"),
    "period-overlap": ("归属期重叠", "{detail}"),
    "already-imported": ("重复导入", "同一内容的文件已于 {detail} 导入，库中数据与该文件一致，本次跳过，数据不变"),
    "rows-absent": ("文件缺少库中已有的行", "{detail}"),
    "rows-replaced": ("按 --replace 删除的行", "{detail}"),
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
class FileResult:
    """What happened to one input file."""

    file: str
    path: str
    sha256: str = ""
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows read
    skipped: bool = False  # already imported
    batch_id: int | None = None
    written: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> inserted/updated/unchanged


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    written: bool = False
    years: set[int] = field(default_factory=set)  # the years of the rows written

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
            "files": [asdict(f) for f in self.files],
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "notes": [i.to_dict() for i in self.issues if i.level == "info"],
            "years": sorted(self.years),
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
