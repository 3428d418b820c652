"""Every table's template: Chinese headers with units, an example row, dropdowns for coded columns,
a 填写说明 sheet; and a filled template round-trips through the importer."""

from __future__ import annotations

import openpyxl
import pytest

from eduplan.ingest import write_workbook
from eduplan.ingest.validate import EXAMPLE_MARK, example_seal
from eduplan.model import TABLES


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_template_layout(table, tmp_path):
    p = write_workbook(table, tmp_path / f"{table.label}.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[0] == table.label and "填写说明" in wb.sheetnames
    ws = wb[table.label]
    headers = [c.value for c in ws[1]][: len(table.fields)]
    assert headers == [f.header for f in table.fields]
    # one example row, marked so that the importer skips it
    example = [c.value for c in ws[2]]
    assert example[len(table.fields)] == EXAMPLE_MARK
    # sealed with the digest of the example values, so that only the untouched row is skipped
    assert example[len(table.fields) + 1] == example_seal(table, {f.name: f.example for f in table.fields})
    assert sum(v is not None for v in example[: len(table.fields)]) >= len(table.required)
    # dropdowns for every coded column, drawn from the 代码表 sheet
    coded = {i for i, f in enumerate(table.fields) if f.codes is not None}
    list_cols = set()
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            assert "代码表" in dv.formula1
            for rng in dv.sqref.ranges:
                list_cols.add(rng.min_col - 1)
    assert list_cols == coded
    # every column is explained
    help_text = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    for f in table.fields:
        assert f.header in help_text and f.rule_text() in help_text


def test_example_values_pass_the_model_rules(store, tmp_path):
    """Each template's example row, entered as data, is valid (apart from references)."""
    from eduplan.ingest.parse import check_value, parse_cell

    for t in TABLES:
        row = {}
        for f in t.fields:
            x, problem = parse_cell(f, f.example)
            assert problem is None, (t.name, f.name, f.example)
            if x is not None:
                assert check_value(f, x) is None, (t.name, f.name, x)
            assert x is not None or not f.required, (t.name, f.name)
            row[f.name] = x
        for r in t.rules:
            if r.applies(row):
                assert r.check(row), (t.name, r.id)


def test_template_cli_writes_all(tmp_path):
    from typer.testing import CliRunner

    from eduplan.cli.app import app

    res = CliRunner().invoke(app, ["template", "--all", "--output", str(tmp_path)])
    assert res.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{t.label}.xlsx" for t in TABLES] + ["优质均衡评估.xlsx"])
    res = CliRunner().invoke(app, ["template", "分年级学生数", "--output", str(tmp_path / "e.xlsx")])
    assert res.exit_code == 0 and (tmp_path / "e.xlsx").exists()
    res = CliRunner().invoke(app, ["template", "不存在的表", "--output", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 1 and "没有名为" in res.output


def test_templates_name_no_district(tmp_path):
    """Without a store the examples and texts are neutral: no district's names or codes."""
    words = ("硚口", "420104", "QK0", "崇仁", "古田", "汉江湾", "六大组团", "35 个")
    for t in TABLES:
        wb = openpyxl.load_workbook(write_workbook(t, tmp_path / f"{t.label}.xlsx"))
        texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        assert [(t.name, x) for x in texts if any(w in x for w in words)] == []
