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
