"""Boundary tests of the import's bounds (the data-trust issue): every limit of the `import` settings section
(eduplan/ingest/limits.py) with a file exactly at the limit accepted and one just past it refused, naming
file, sheet, row and cell; every hard and soft bound declared with a field (eduplan/model/tables.py) on each
side; and, end to end through import_files on small real workbooks written with helpers.write_one, a blank
required cell, the 10-digit pattern of 学校标识码 and a hard bound — each refused with the exact message and
the store unchanged.

The limits are set low (ImportLimits(max_rows=4) …) so that the files stay tiny; the default values
themselves are checked in test_settings_methods.py."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pytest

from eduplan.ingest import import_files
from eduplan.ingest.limits import ImportLimits
from eduplan.ingest.parse import check_value, soft_range
from eduplan.ingest.readers import read_source
from eduplan.ingest.xlsx import BIG_MEMBER, Refused, check_zip
from eduplan.model import TABLES
from eduplan.model.fields import NUMERIC_TYPES
from helpers import SMALL, write_one, write_small

MB = 1 << 20
SCHOOLS = SMALL["school"]  # 3 schools: a header row + 3 rows × 9 columns


def errors(path: Path, **limits) -> list[tuple]:
    res = read_source(path, ImportLimits(**limits))
    return [(i.type, i.file, i.sheet, i.row, i.cell, i.text()) for i in res.issues]


@pytest.fixture
def xlsx(tmp_path) -> Path:
    # 学校基本信息.xlsx: data sheet A1:I4 (header + 3 schools); the help sheets 代码表 and 填写说明 are not read.
    # Cells with content: 9 headers + 5 + 5 + 6 values (是否普惠性 only for the kindergarten) = 25;
    # the longest cell: C3 “312 九年一贯制学校” = 11 characters
    return write_one(tmp_path, "school", SCHOOLS)


@pytest.fixture
def csv_file(tmp_path) -> Path:
    # the same as UTF-8 CSV: 4 lines × 9 fields
    return write_one(tmp_path, "school", SCHOOLS, csv_encoding="utf-8")


# ------------------------------------------------------------------ max_rows (the header row counts)

def test_max_rows_xlsx(xlsx):
    assert errors(xlsx, max_rows=4) == []  # the last row with content is row 4
    assert errors(xlsx, max_rows=3) == [(
        "sheet-too-large", "学校基本信息.xlsx", "学校基本信息", 4, None,
        "文件“学校基本信息.xlsx”，工作表“学校基本信息”，第 4 行：工作表“学校基本信息”第 4 行有内容或格式，超过行数上限 3 行"
        "（设置项 import.max_rows）：请删除多余的行后保存再导入（工作表声明的数据范围为 A1:I4）")]


def test_max_rows_csv(csv_file):
    assert errors(csv_file, max_rows=4) == []
    assert errors(csv_file, max_rows=3) == [(
        "sheet-too-large", "学校基本信息.csv", None, 4, None,
        "文件“学校基本信息.csv”，第 4 行：文件超过 3 行或 6,000,000 个单元格（设置项 import.max_rows、import.max_cells），不予读取")]


# ------------------------------------------------------------------ max_columns

def test_max_columns_xlsx(xlsx):
    assert errors(xlsx, max_columns=9) == []  # A–I
    assert errors(xlsx, max_columns=8) == [(
        "sheet-too-large", "学校基本信息.xlsx", "学校基本信息", 1, "I1",
        "文件“学校基本信息.xlsx”，工作表“学校基本信息”，第 1 行：工作表“学校基本信息”单元格 I1 有内容，超过列数上限 8 列"
        "（A–H 列；设置项 import.max_columns）：请删除该单元格的内容后保存再导入（工作表声明的数据范围为 A1:I4）")]


def test_max_columns_csv(csv_file):
    assert errors(csv_file, max_columns=9) == []
    assert errors(csv_file, max_columns=8) == [(
        "sheet-too-large", "学校基本信息.csv", None, 1, None,
        "文件“学校基本信息.csv”，第 1 行：第 1 行有 9 列，超过列数上限 8 列（设置项 import.max_columns），不予读取")]


# ------------------------------------------------------------------ max_cells

def test_max_cells_xlsx(xlsx):
    assert errors(xlsx, max_cells=25) == []
    assert errors(xlsx, max_cells=24) == [(
        "sheet-too-large", "学校基本信息.xlsx", "学校基本信息", 4, None,
        "文件“学校基本信息.xlsx”，工作表“学校基本信息”，第 4 行：工作表“学校基本信息”有内容的单元格（连同此前各表）超过 24 个"
        "（设置项 import.max_cells）：请把数据拆成几个文件导入")]


def test_max_cells_csv(tmp_path):
    # 区县.csv with every field filled: 3 headers + 3 values = 6 cells
    path = write_one(tmp_path, "district", SMALL["district"], csv_encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines() == ["行政区划代码,区县名称,所属市", "420104,硚口区,武汉市"]
    assert errors(path, max_cells=6) == []
    assert errors(path, max_cells=5) == [(
        "sheet-too-large", "区县.csv", None, 2, None,
        "文件“区县.csv”，第 2 行：文件超过 300,000 行或 5 个单元格（设置项 import.max_rows、import.max_cells），不予读取")]


# ------------------------------------------------------------------ max_cell_chars

def test_max_cell_chars_xlsx(xlsx):
    assert errors(xlsx, max_cell_chars=11) == []
    assert errors(xlsx, max_cell_chars=10) == [(
        "cell-too-long", "学校基本信息.xlsx", "学校基本信息", 3, "C3",
        "文件“学校基本信息.xlsx”，工作表“学校基本信息”，第 3 行：工作表“学校基本信息”单元格 C3 的内容有 11 个字符，"
        "超过上限 10 个字符（设置项 import.max_cell_chars）")]


def test_max_cell_chars_csv(csv_file):
    assert errors(csv_file, max_cell_chars=11) == []
    assert errors(csv_file, max_cell_chars=10) == [(
        "cell-too-long", "学校基本信息.csv", None, 3, None,
        "文件“学校基本信息.csv”，第 3 行：第 3 行附近有一个字段超过 10 个字符（设置项 import.max_cell_chars），不予读取")]


# ------------------------------------------------------------------ max_file_mb

@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_max_file_mb(kind, xlsx, csv_file):
    path = xlsx if kind == "xlsx" else csv_file
    size = path.stat().st_size
    # a limit of exactly the file's size (size / 2²⁰ MB is exact in binary) → read
    assert errors(path, max_file_mb=size / MB) == []
    # one byte less → refused before reading, naming the file and the setting
    [(kind_, file, sheet, row, cell, text)] = errors(path, max_file_mb=(size - 1) / MB)
    assert (kind_, file, sheet, row, cell) == ("file-too-large", path.name, None, None, None)
    assert text == (f"文件“{path.name}”：文件大小 0.0 MB，超过上限 {(size - 1) / MB:g} MB（设置项 import.max_file_mb），"
                    "不予读取；如确需导入，请拆分文件或在设置文件中调大该上限")


# ------------------------------------------------------------------ max_unzipped_mb

def test_max_unzipped_mb(xlsx):
    total = sum(i.file_size for i in zipfile.ZipFile(xlsx).infolist())
    assert errors(xlsx, max_unzipped_mb=total / MB) == []
    assert errors(xlsx, max_unzipped_mb=(total - 1) / MB) == [(
        "file-unsafe", "学校基本信息.xlsx", None, None, None,
        f"文件“学校基本信息.xlsx”：工作簿解压后共 0 MB，超过上限 {(total - 1) / MB:g} MB（设置项 import.max_unzipped_mb；"
        "可能是“压缩炸弹”），不予读取")]


# ------------------------------------------------------------------ max_zip_members, max_zip_ratio (the zip directory)

class _Info:
    def __init__(self, name: str, size: int, packed: int):
        self.filename, self.file_size, self.compress_size = name, size, packed
        self.compress_type = zipfile.ZIP_DEFLATED


class _Zip:
    def __init__(self, infos):
        self._infos = infos

    def infolist(self):
        return self._infos


def test_max_zip_members():
    limits = ImportLimits()
    check_zip(_Zip([_Info(f"f{i}", 1, 1) for i in range(10_000)]), limits)  # 10,000 members: at the limit
    with pytest.raises(Refused) as e:
        check_zip(_Zip([_Info(f"f{i}", 1, 1) for i in range(10_001)]), limits)
    assert (e.value.kind, e.value.detail) == (
        "file-unsafe", "工作簿包含 10001 个内部文件，超过上限 10000 个（设置项 import.max_zip_members），不予读取")


def test_max_zip_ratio():
    limits = ImportLimits()
    # 2,500,000 bytes packed into 10,000: ratio 250 = the limit → accepted
    check_zip(_Zip([_Info("xl/worksheets/sheet1.xml", 2_500_000, 10_000)]), limits)
    # one byte more: 250.0001 × → refused
    with pytest.raises(Refused) as e:
        check_zip(_Zip([_Info("xl/worksheets/sheet1.xml", 2_500_001, 10_000)]), limits)
    assert e.value.detail == ("工作簿内部文件“xl/worksheets/sheet1.xml”的压缩比为 250 倍，超过上限 250 倍"
                              "（设置项 import.max_zip_ratio；可能是“压缩炸弹”），不予读取")
    # the ratio applies to members larger than 1 MiB only: 1 MiB packed into 1 byte is not checked …
    check_zip(_Zip([_Info("xl/sharedStrings.xml", BIG_MEMBER, 1)]), limits)
    # … one byte more is
    with pytest.raises(Refused):
        check_zip(_Zip([_Info("xl/sharedStrings.xml", BIG_MEMBER + 1, 1)]), limits)


# ------------------------------------------------------------------ every field's hard and soft bounds

def _above(f, x):
    return x + 1 if f.type in ("int", "year") else math.nextafter(x, math.inf)


def _below(f, x):
    return x - 1 if f.type in ("int", "year") else math.nextafter(x, -math.inf)


BOUNDED = [(t.name, f) for t in TABLES for f in t.fields if f.type in NUMERIC_TYPES]


@pytest.mark.parametrize("table,f", [b for b in BOUNDED if b[1].max is not None], ids=lambda v: getattr(v, "name", v))
def test_every_hard_maximum(table, f):
    assert check_value(f, f.max) is None
    assert check_value(f, _above(f, f.max)) == "range-error"


@pytest.mark.parametrize("table,f", [b for b in BOUNDED if b[1].min is not None], ids=lambda v: getattr(v, "name", v))
def test_every_hard_minimum(table, f):
    assert check_value(f, f.min) is None
    assert check_value(f, _below(f, f.min)) == "range-error"


@pytest.mark.parametrize("table,f", [b for b in BOUNDED if b[1].soft_max is not None], ids=lambda v: getattr(v, "name", v))
def test_every_soft_maximum(table, f):
    assert soft_range(f, f.soft_max) is None
    assert soft_range(f, _above(f, f.soft_max)) is not None


@pytest.mark.parametrize("table,f", [b for b in BOUNDED if b[1].soft_min is not None], ids=lambda v: getattr(v, "name", v))
def test_every_soft_minimum(table, f):
    assert soft_range(f, f.soft_min) is None
    assert soft_range(f, _below(f, f.soft_min)) is not None


def test_the_model_declares_bounds():
    # a guard against the parametrised tests above silently running on nothing
    assert sum(f.max is not None for _, f in BOUNDED) >= 40 and sum(f.soft_max is not None for _, f in BOUNDED) >= 10


# ------------------------------------------------------------------ end to end: required, pattern, a hard bound

BASE = {k: v for k, v in SMALL.items() if k in ("district", "zone", "school", "school_zone")}


@pytest.fixture
def base(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base", BASE), user="u").ok
    return store


def _refused(store, path) -> list[tuple]:
    before = store.table_counts()
    report = import_files(store, [path], user="u")
    assert not report.ok and store.table_counts() == before  # nothing written
    return [(i.type, i.row, i.column, i.cell, i.value, i.text()) for i in report.errors]


def test_a_blank_required_cell_is_refused(base, tmp_path):
    # 在校生数 left blank: missing is never 0, and a required cell cannot be missing
    rows = [dict(SMALL["enrolment"][0], pupils=None)]
    assert _refused(base, write_one(tmp_path, "enrolment", rows)) == [(
        "required", 2, "在校生数（人）", "G2", None,
        "文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 2 行，列“在校生数（人）”（G2）：列“在校生数（人）”不能为空"
        "（规则：必填，整数，0–10000）")]
    # the same row filled in imports
    assert import_files(base, [write_one(tmp_path, "enrolment", SMALL["enrolment"][:1])], user="u").ok


def _school(code: str) -> list[dict]:
    return [{"school_code": code, "school_name": "新校", "type_code": "211", "ownership": "公办", "district_code": "420104"}]


@pytest.mark.parametrize("code", ["242010400", "24201040011", "24201040X1", "2420104 09"])
def test_a_school_code_not_of_10_digits_is_refused(base, tmp_path, code):
    # 学校标识码: exactly 10 digits. 9 digits, 11 digits, a letter, a space: refused, naming the cell and value
    assert _refused(base, write_one(tmp_path, "school", _school(code))) == [(
        "pattern-error", 2, "学校标识码", "A2", code,
        f"文件“学校基本信息.xlsx”，工作表“学校基本信息”，第 2 行，列“学校标识码”（A2）：列“学校标识码”的值“{code}”格式不对"
        "（规则：必填，10 位数字）")]


def test_a_school_code_of_10_digits_imports(base, tmp_path):
    assert import_files(base, [write_one(tmp_path, "school", _school("2420104009"))], user="u").ok
    assert base.run("SELECT school_name FROM school WHERE school_code = '2420104009'") == [("新校",)]


def _fac(classrooms: int) -> dict:
    return {"year": 2019, "school_code": "2420104001", "building_area": 9000.0, "teaching_area": 5000.0,
            "sports_area": 6000.0, "equipment_value": 200.0, "books": 30000, "computers": 100,
            "classrooms": classrooms, "multimedia_rooms": 24}


def test_classrooms_2000_imports_with_a_warning_and_2001_is_refused(base, tmp_path):
    # 普通教室数: hard maximum 2,000 (error beyond), soft maximum 250 (warning beyond)
    assert _refused(base, write_one(tmp_path, "facilities", [_fac(2001)])) == [(
        "range-error", 2, "普通教室数（间）", "J2", 2001,
        "文件“办学条件.xlsx”，工作表“办学条件”，第 2 行，列“普通教室数（间）”（J2）：列“普通教室数（间）”的值“2001”超出范围"
        "（规则：必填，整数，0–2000）")]
    report = import_files(base, [write_one(tmp_path, "facilities", [_fac(2000)])], user="u")
    assert report.ok and [(w.type, w.cell, w.value) for w in report.warnings] == [("soft-range", "J2", 2000)]
    assert base.run("SELECT classrooms FROM facilities") == [(2000,)]
