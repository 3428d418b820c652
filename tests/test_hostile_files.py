"""Issue 8 §3: hostile files are refused with a Chinese message naming the file, in bounded memory, and
the store is unchanged. Each import runs in a child process (so an abort or a runaway allocation cannot
take the test run with it) under an address-space cap and a time-out; the child reports its own peak
memory. How fast each kind is refused is measured by benchmarks/bench_import.py, not asserted here."""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from eduplan.ingest import write_workbook
from eduplan.ingest.xlsx import check_zip
from eduplan.ingest.limits import ImportLimits
from eduplan.model import TABLES_BY_NAME
from eduplan.store import Store
from helpers import SMALL

MAX_MB = 500
MiB = 1 << 20

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from eduplan.ingest import import_files
from eduplan.store import Store
t0 = time.perf_counter()
with Store(Path(sys.argv[1])) as s:
    before = s.table_counts()
    r = import_files(s, [Path(p) for p in sys.argv[2:]], user="t")
    after = s.table_counts()
print(json.dumps({"errors": [[i.type, i.file, i.sheet, i.row, i.cell, i.text()] for i in r.errors],
                  "written": r.written, "unchanged": before == after and not any(after.values()),
                  "seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, ensure_ascii=False))
"""


def _cap_memory() -> None:
    cap = 3 << 30  # a regression must fail the test, not exhaust the machine
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_import(tmp_path: Path, *files: Path, settings: str | None = None) -> dict:
    """Import `files` into a fresh store in a child process; returns its report, time and peak memory.
    (A runaway import fails on the time-out, which is a guard, not a speed requirement.)"""
    env = dict(os.environ)
    env.pop("EDUPLAN_SETTINGS", None)
    if settings:
        s = tmp_path / "settings.yaml"
        s.write_text(settings, encoding="utf-8")
        env["EDUPLAN_SETTINGS"] = str(s)
    db = tmp_path / "store.duckdb"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(db), *map(str, files)], capture_output=True, text=True,
                          timeout=120, env=env, preexec_fn=_cap_memory)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["peak_mb"] < MAX_MB, f"{out['peak_mb']:.0f} MB"
    assert not out["written"] and out["unchanged"]
    with Store(db) as s:  # checked again from outside: nothing in the store, no batch
        assert not any(s.table_counts().values()) and s.batches() == []
    return out


def _one_error(out: dict) -> list:
    (err,) = out["errors"]
    return err


def _enrolment_workbook(path: Path) -> Path:
    return write_workbook(TABLES_BY_NAME["enrolment"], path, SMALL["enrolment"])


# ---------------------------------------------------------------- far-away cells

def test_cell_at_xfd1048576(tmp_path):
    p = tmp_path / "分年级学生数.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("分年级学生数")
    ws.write_row(0, 0, ["统计年度", "学校标识码"])
    ws.write(1048575, 16383, "x")
    wb.close()
    assert p.stat().st_size < 10_000
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, file, sheet, row) == ("sheet-too-large", "分年级学生数.xlsx", "分年级学生数", 1048576)
    assert text == ("文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 1048576 行：工作表“分年级学生数”第 1,048,576 行有内容或格式，"
                    "超过行数上限 300,000 行（设置项 import.max_rows）：请删除多余的行后保存再导入"
                    "（工作表声明的数据范围为 A1:XFD1048576）")


def test_cell_at_amj100000(tmp_path):
    p = tmp_path / "分年级学生数.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("分年级学生数")
    ws.write_row(0, 0, ["统计年度", "学校标识码"])
    ws.write(99999, 1023, 1)
    wb.close()
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, sheet, row, cell) == ("sheet-too-large", "分年级学生数", 100000, "AMJ100000")
    assert text == ("文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 100000 行：工作表“分年级学生数”单元格 AMJ100000 有内容，"
                    "超过列数上限 256 列（A–IV 列；设置项 import.max_columns）：请删除该单元格的内容后保存再导入"
                    "（工作表声明的数据范围为 A1:AMJ100000）")


def test_note_in_xfd1_of_a_real_file(tmp_path):
    p = _enrolment_workbook(tmp_path / "分年级学生数.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["分年级学生数"]["XFD1"] = "备注：数据截至 9 月"
    wb.save(p)
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, sheet, row, cell) == ("sheet-too-large", "分年级学生数", 1, "XFD1")
    assert text == ("文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 1 行：工作表“分年级学生数”单元格 XFD1 有内容，"
                    "超过列数上限 256 列（A–IV 列；设置项 import.max_columns）：请删除该单元格的内容后保存再导入"
                    "（工作表声明的数据范围为 A1:XFD6）")


def test_too_many_cells(tmp_path):
    p = _enrolment_workbook(tmp_path / "分年级学生数.xlsx")
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p, settings="import:\n  max_cells: 20\n"))
    assert (kind, sheet, row) == ("sheet-too-large", "分年级学生数", 2)
    assert text == ("文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 2 行：工作表“分年级学生数”有内容的单元格（连同此前各表）"
                    "超过 20 个（设置项 import.max_cells）：请把数据拆成几个文件导入")


# ---------------------------------------------------------------- zip bombs

def _deflate_repeated(prefix: bytes, block: bytes, times: int, suffix: bytes) -> tuple[bytes, int]:
    """A raw deflate stream of prefix + block × times + suffix, built without compressing it all: after a
    full flush the compressor starts afresh, so one compressed block can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(block) + c.flush(zlib.Z_FULL_FLUSH) == body
    tail = c.compress(suffix) + c.flush()
    return head + body * times + tail, len(prefix) + len(block) * times + len(suffix)


def _zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: (name, raw deflate data, uncompressed size declared, crc)."""
    out, central = bytearray(), bytearray()
    for name, data, size, crc in members:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n), 0) + n + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n),
                               0, 0, 0, 0, 0, offset) + n
    count = len(members)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


def _bomb(path: Path, sheet_mb: int, declared_mb: int | None = None, copies: int = 1) -> Path:
    """A real enrolment workbook whose sheet1.xml is inflated to `sheet_mb` MiB of blanks (and `copies` − 1
    more such parts beside it)."""
    good = _enrolment_workbook(path.with_name("good.xlsx"))
    members = []
    with zipfile.ZipFile(good) as z:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                at = data.index(b"<sheetData>") + len(b"<sheetData>")
                raw, size = _deflate_repeated(data[:at], b" " * MiB, sheet_mb, data[at:])
                crc = 0  # never checked: the directory is refused before anything is decompressed
                for k in range(copies):
                    name = info.filename if k == 0 else f"xl/worksheets/extra{k}.xml"
                    members.append((name, raw, size if declared_mb is None else declared_mb * MiB, crc))
            else:
                c = zlib.compressobj(9, zlib.DEFLATED, -15)
                members.append((info.filename, c.compress(data) + c.flush(), len(data), zlib.crc32(data)))
    good.unlink()
    return _zip(path, members)


@pytest.mark.parametrize("copies", [1, 2])
def test_zip_bomb(tmp_path, copies):
    p = _bomb(tmp_path / "分年级学生数.xlsx", 4000, copies=copies)
    expanded_mb = sum(i.file_size for i in zipfile.ZipFile(p).infolist()) / MiB
    assert 4 * copies * 1_000_000 < p.stat().st_size < 4.5 * copies * MiB  # 4 MB and 8 MB on disk
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, file) == ("file-unsafe", "分年级学生数.xlsx")
    assert text.startswith(f"文件“分年级学生数.xlsx”：工作簿解压后共 {expanded_mb:,.0f} MB，超过上限 300 MB"
                           f"（设置项 import.max_unzipped_mb；可能是“压缩炸弹”），不予读取")


def test_zip_bomb_below_the_total_is_caught_by_its_ratio(tmp_path):
    p = _bomb(tmp_path / "分年级学生数.xlsx", 200)
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, text) == ("file-unsafe", "文件“分年级学生数.xlsx”：工作簿内部文件“xl/worksheets/sheet1.xml”的压缩比为 "
                                           "1,003 倍，超过上限 250 倍（设置项 import.max_zip_ratio；可能是“压缩炸弹”），不予读取")


def test_zip_member_that_lies_about_its_size(tmp_path):
    # declared 1 MiB, holds 4 GiB: decompression stops at the declared size and the file is refused
    p = _bomb(tmp_path / "分年级学生数.xlsx", 4000, declared_mb=1)
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, text) == ("file-unreadable", "文件“分年级学生数.xlsx”：工作簿内部文件“xl/worksheets/sheet1.xml”已损坏"
                                               "（BadZipFile），请用 Excel 或 WPS 打开后另存为 .xlsx 再导入")


def test_zip_checks_read_only_the_directory():
    class Info:
        def __init__(self, name, size, packed):
            self.filename, self.file_size, self.compress_size = name, size, packed
            self.compress_type = zipfile.ZIP_DEFLATED

    class Zip:
        def __init__(self, infos):
            self._infos = infos

        def infolist(self):
            return self._infos

    limits = ImportLimits()
    check_zip(Zip([Info("xl/worksheets/sheet1.xml", 2_595_277, 277_540)]), limits)  # the demo's largest sheet
    with pytest.raises(Exception, match="个内部文件，超过上限 10000 个"):
        check_zip(Zip([Info(f"f{i}", 1, 1) for i in range(10_001)]), limits)


# ---------------------------------------------------------------- not regular files

def test_dev_zero_behind_a_csv_name(tmp_path):
    link = tmp_path / "常住人口分年龄.csv"
    link.symlink_to("/dev/zero")
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, link))
    assert (kind, file) == ("file-not-regular", "常住人口分年龄.csv")
    assert text == "文件“常住人口分年龄.csv”：“常住人口分年龄.csv”（它是指向“/dev/zero”的链接）是字符设备，不是普通文件，不予读取"


def test_fifo(tmp_path):
    fifo = tmp_path / "学区组团.csv"
    os.mkfifo(fifo)
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, fifo))
    assert text == "文件“学区组团.csv”：“学区组团.csv”是命名管道（FIFO），不是普通文件，不予读取"


def test_directory_named_like_a_csv(tmp_path):
    d = tmp_path / "x.csv"
    d.mkdir()
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, d))
    assert text == "文件“x.csv”：“x.csv”是一个文件夹，不是文件，不予读取"


def test_symlink_to_a_regular_file_is_read(store, tmp_path):
    from eduplan.ingest.readers import read_source

    real = _enrolment_workbook(tmp_path / "real" / "分年级学生数.xlsx")
    link = tmp_path / "链接.xlsx"
    link.symlink_to(real)
    src = read_source(link)
    assert src.issues == [] and src.resolved == str(real) and len(src.sheets) == 1


def test_file_too_large(tmp_path):
    p = tmp_path / "学区组团.csv"
    p.write_bytes(b"a,b\n" + b"1,2\n" * (MiB // 2))
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p, settings="import:\n  max_file_mb: 1\n"))
    assert text == ("文件“学区组团.csv”：文件大小 2.0 MB，超过上限 1 MB（设置项 import.max_file_mb），不予读取；"
                    "如确需导入，请拆分文件或在设置文件中调大该上限")


# ---------------------------------------------------------------- wide csv, long cells

def test_csv_of_500k_columns(tmp_path):
    p = tmp_path / "学区组团.csv"
    p.write_bytes(b"a," * 500_000 + b"\n")
    assert p.stat().st_size == 1_000_001
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, row) == ("sheet-too-large", 1)
    assert text == ("文件“学区组团.csv”，第 1 行：第 1 行有 500,001 列，超过列数上限 256 列（设置项 import.max_columns），不予读取")


def test_csv_with_a_huge_field(tmp_path):
    p = tmp_path / "学区组团.csv"
    p.write_text("学区代码,学区名称,行政区划代码\nQK01," + "长" * 3_000_000 + ",420104\n", encoding="utf-8")
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, row) == ("cell-too-long", 2)
    assert text == "文件“学区组团.csv”，第 2 行：第 2 行附近有一个字段超过 5,000 个字符（设置项 import.max_cell_chars），不予读取"


def test_xlsx_with_huge_cell_text(tmp_path):
    p = tmp_path / "学区组团.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("学区组团")
    ws.write_row(0, 0, ["学区代码", "学区名称", "行政区划代码"])
    ws.write_row(1, 0, ["QK01", "长" * 32_000, "420104"])
    wb.close()
    kind, file, sheet, row, cell, text = _one_error(run_import(tmp_path, p))
    assert (kind, sheet, row, cell) == ("cell-too-long", "学区组团", 2, "B2")
    assert text == ("文件“学区组团.xlsx”，工作表“学区组团”，第 2 行：工作表“学区组团”单元格 B2 的内容有 32,000 个字符，"
                    "超过上限 5,000 个字符（设置项 import.max_cell_chars）")


@pytest.mark.parametrize("suffix", [".ods", ".xlsb"])
def test_ods_and_xlsb_are_refused_asking_for_xlsx(tmp_path, suffix):
    """calamine would allocate whatever extent these declare: they are refused before reading."""
    from eduplan.ingest.readers import read_file

    path = tmp_path / f"学校基本信息{suffix}"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    sheets, issues = read_file(path)
    assert sheets == []
    assert [(i.type, i.text()) for i in issues] == [("file-type", f"文件“学校基本信息{suffix}”：不支持 {suffix} 格式"
                                                                 "（读取前无法限定其大小）：请用 Excel 或 WPS 另存为 .xlsx 后再导入")]


def test_unsupported_compression_method_is_refused_naming_the_member(tmp_path):
    """A package member compressed with a method Office does not write (here bzip2) is refused before
    any decompression, naming the member."""
    from eduplan.ingest.readers import read_file

    good = write_workbook(TABLES_BY_NAME["district"], tmp_path / "good.xlsx")
    bad = tmp_path / "区县.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == "xl/workbook.xml" else zipfile.ZIP_DEFLATED
            dst.writestr(info.filename, src.read(info), compress_type=method)
    sheets, issues = read_file(bad)
    assert sheets == []
    assert [i.type for i in issues] == ["file-unreadable"]
    assert "“xl/workbook.xml”使用了不支持的压缩方式（编号 12）" in issues[0].message
