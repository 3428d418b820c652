"""Mutation survivors in eduplan/ingest (docs/testing.md, tools/mutation.py): a cell whose text is in runs of
different fonts (Excel's rich text, kept in sharedStrings.xml) is read as the text the user sees, and the CSV
decoder names each encoding it accepts."""

from __future__ import annotations

import pytest
import xlsxwriter

from eduplan.ingest import import_files
from eduplan.ingest.readers import decode_text
from eduplan.store import Store
from helpers import D, write_small


def test_rich_text_cell_is_read_as_its_whole_text(tmp_path):
    paths = write_small(tmp_path)
    school = next(p for p in paths if p.name == "学校基本信息.xlsx")
    wb = xlsxwriter.Workbook(str(school))  # the school table again, by hand, with one name in three runs
    ws = wb.add_worksheet("学校基本信息")
    rows = [["学校标识码", "学校名称", "办学类型", "办学性质", "是否普惠性", "行政区划代码"],
            ["2420104001", None, "211 小学", "公办", None, D],
            ["2420104002", "陈家墩学校", "312 九年一贯制学校", "公办", None, D],
            ["2420104003", "红星幼儿园", "111 幼儿园", "民办", "是", D]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v)
    ws.write_rich_string(1, 1, "崇仁", wb.add_format({"bold": True}), "路", "小学")  # shown: 崇仁路小学
    wb.close()
    with Store(tmp_path / "t.duckdb") as s:
        report = import_files(s, paths, user="测试")
        assert report.ok, [i.text() for i in report.errors]
        assert s.run("SELECT school_code, school_name FROM school ORDER BY 1") == [
            ("2420104001", "崇仁路小学"), ("2420104002", "陈家墩学校"), ("2420104003", "红星幼儿园")]


@pytest.mark.parametrize("data, expected", [
    ("学校,人数\n".encode("utf-8"), ("学校,人数\n", "utf-8")),
    (b"\xef\xbb\xbf" + "学校,人数\n".encode("utf-8"), ("学校,人数\n", "utf-8-bom")),  # the BOM is dropped
    ("学校,人数\n".encode("gb18030"), ("学校,人数\n", "gb18030")),  # not UTF-8: GBK/GB18030
    (b"school,pupils\n", ("school,pupils\n", "utf-8")),
    (b"a\x00b", None),  # a NUL byte: not a text file
])
def test_csv_encodings(data, expected):
    assert decode_text(data) == expected


def _strip_refs(path):
    """The workbook as some writers save it: no r= on rows or cells (positions implied by order)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    out = path.with_name("no-refs-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            if n.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'(<(?:row|c)\b[^>]*?) r="[A-Z]*[0-9]+"', rb"\1", data)
            z.writestr(n, data)
    return out


def test_rows_and_cells_without_references_are_counted_in_order(tmp_path):
    from helpers import write_one

    zones = [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
             {"zone_code": "QK02", "zone_name": "汉正组团", "district_code": "42010X"}]  # row 3: bad code
    path = _strip_refs(write_one(tmp_path, "zone", zones))
    with Store(tmp_path / "t.duckdb") as s:
        report = import_files(s, [path], user="测试")
    # the header is row 1, the zones rows 2 and 3 (counted in order, as Excel shows them), column C: the bad
    # code is named on row 3; the good one on row 2 refers to a district this store does not hold yet
    assert sorted((i.type, i.row, i.cell, i.value) for i in report.errors) == [
        ("pattern-error", 3, "C3", "42010X"), ("reference-error", 2, "C2", D)]
