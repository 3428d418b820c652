"""Issue 11: validation at the speed of reading, with the same results.

- the column-wise validation (validate.validate_sheet) gives exactly the rows and issues — type, place,
  value, rule, message, order — of the row-by-row validation it replaced (kept below as `_by_rows`), on
  every table of the demo district with wrong, blank, odd and duplicated cells sown in;
- the fast path of the xlsx reader gives exactly what the expat reader gives (rows, refusals and the
  decompression budget spent), and gives up whenever the sheet holds anything it does not read itself;
- a 50,000-row enrolment file with errors in five cells reports exactly those five cells and writes nothing.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime

import pytest

import eduplan.ingest.xlsx as X
from eduplan.demo.run import build
from eduplan.ingest import import_files, write_workbook
from eduplan.ingest.cells import ExcelError, NoCachedValue, Percent
from eduplan.ingest.limits import ImportLimits, import_limits
from eduplan.ingest.parse import check_value, map_headers, parse_cell
from eduplan.ingest.readers import HELP_SHEETS, RawSheet
from eduplan.ingest.report import Issue, column_letter
from eduplan.ingest.validate import (
    ELEMENTWISE, EXAMPLE_MARK, INT64_RULE, UNREADABLE, _cell_issue, _has_soft, _implausible, _is_example, _mark_index,
    _matches_example, _show, _soft_rule, _soft_text, validate_sheet,
)
from eduplan.model import TABLES, TABLES_BY_NAME
from eduplan.store import Store


# ------------------------------------------------------------------ the row-by-row validation, as it was


def _by_rows(raw: RawSheet, table) -> tuple[list[dict], list[Issue]]:
    """validate_sheet before issue 11 (commit 3c2b368), one row and one cell at a time: the reference."""
    issues: list[Issue] = []
    where = dict(file=raw.file, sheet=raw.sheet)
    colmap = map_headers(raw.headers, table)
    seen: dict[str, int] = {}
    for i, f in sorted(colmap.items()):
        if f.name in seen:
            issues.append(Issue("duplicate-column", **where, row=raw.header_row, column=raw.headers[i],
                                cell=f"{column_letter(i)}{raw.header_row}"))
        else:
            seen[f.name] = i
    for i, h in enumerate(raw.headers):
        if i not in colmap and h.strip():
            issues.append(Issue("unknown-column", **where, level="warning", row=raw.header_row, column=h,
                                cell=f"{column_letter(i)}{raw.header_row}"))
    missing = [f for f in table.required if f.name not in seen]
    for f in missing:
        issues.append(Issue("missing-column", **where, row=raw.header_row, column=f.header, rule=f.rule_text()))
    if missing:
        return [], issues
    width = len(raw.headers)
    cols = [(f, seen.get(f.name), _has_soft(f)) for f in table.fields]
    rows: list[dict] = []
    keys: dict[tuple, int] = {}
    for rownum, cells in raw.rows:
        if len(cells) > width and _is_example(cells, width):
            if _matches_example(cells, cols, table):
                continue
            issues.append(Issue("example-row-modified", **where, row=rownum,
                                cell=f"{column_letter(_mark_index(cells, width))}{rownum}", value=EXAMPLE_MARK))
            continue
        row: dict = {"source_row": rownum}
        bad = False
        for f, idx, soft in cols:
            if idx is None:
                row[f.name] = None
                continue
            v = cells[idx]
            x, problem = parse_cell(f, v)
            if problem is None:
                if x is None:
                    row[f.name] = None
                    if f.required:
                        issues.append(_cell_issue("required", raw, f, idx, rownum, v))
                        bad = True
                    continue
                kind = check_value(f, x)
                if kind is None:
                    row[f.name] = x
                    if soft and _implausible(f, x):
                        issues.append(_cell_issue("soft-range", raw, f, idx, rownum, v, level="warning",
                                                  detail=_soft_text(f), rule=_soft_rule(f)))
                    continue
                problem = (kind, "")
            if problem[1] == "int64":
                unbounded = f.max is None or f.min is None
                issues.append(_cell_issue("range-error", raw, f, idx, rownum, v,
                                          rule=f.rule_text() + (INT64_RULE if unbounded else "")))
            else:
                issues.append(_cell_issue(problem[0], raw, f, idx, rownum, v, detail=problem[1]))
            row[f.name] = UNREADABLE
            bad = True
        for r in table.rules:
            if not r.applies(row):
                continue
            try:
                ok = r.check(row)
            except (TypeError, KeyError):
                continue
            if not ok:
                vals = "，".join(f"{table.field(c).label}={_show(row.get(c))}" for c in r.columns if c in table.labels)
                idx = seen.get(r.columns[0])
                issues.append(Issue("rule-error" if r.level == "error" else "rule-warning", **where,
                                    level=r.level, row=rownum, column=table.field(r.columns[0]).header,
                                    cell=f"{column_letter(idx)}{rownum}" if idx is not None else None,
                                    value=row.get(r.columns[0]), rule=r.text, detail=vals))
                bad = bad or r.level == "error"
        if bad:
            continue
        k = tuple(row[c] for c in table.key)
        if k in keys:
            desc = "，".join(f"{table.field(c).label}={_show(v)}" for c, v in zip(table.key, k))
            issues.append(Issue("duplicate-key", **where, row=rownum, column=table.field(table.key[-1]).header,
                                value=k[-1], rule=f"主键（{'＋'.join(table.field(c).label for c in table.key)}）不得重复",
                                detail=f"主键 {desc} 与第 {keys[k]} 行重复"))
            continue
        keys[k] = rownum
        rows.append(row)
    if not rows and not any(i.row is not None and i.row > raw.header_row for i in issues):
        issues.append(Issue("sheet-empty", **where, row=raw.header_row))
    return rows, issues


# ------------------------------------------------------------------ validation: columns vs rows

# what a person (or a program) may leave in a cell
ODD = ["", "  ", None, "1,0", "1,234", "abc", " 12 ", "12.0", "12.5", 12.5, 7.0, -3, 0, 2**70, -(2**63) - 1,
       2**53 + 1, float("nan"), float("inf"), True, "#DIV/0!", ExcelError("#N/A"), NoCachedValue("E2+F2"),
       Percent("0.855"), "85.5%", "=SUM(A1)", "+1", "@x", "\t1", "a\x01b", "１２", 3000, 99999, 10_001,
       1999, 2051, "2019", 2019.0, date(2020, 1, 1), datetime(2020, 1, 1, 8), "2025-02-30", "2025-12", "P1",
       "小学一年级", "P9", "公办", "是", "QK01", "2420104001", "12345", 1e16, -0.0, "0x10", "1e3"]


def _demo_sheet(table, rows: list[dict], rng: random.Random, sow: float) -> RawSheet:
    headers = [f.header for f in table.fields]
    data = []
    for i, r in enumerate(rows):
        cells = [r.get(f.name) for f in table.fields]
        for j in range(len(cells)):
            if rng.random() < sow:
                cells[j] = rng.choice(ODD)
        data.append((i + 2, cells))
    for k in range(min(5, len(data))):  # a few exact duplicates, and a row repeated with one change
        n, cells = data[rng.randrange(len(data))]
        data.append((len(data) + 2, list(cells)))
    rng.shuffle(data)
    data = [(i + 2, cells) for i, (_, cells) in enumerate(data)]
    if data:  # an example marker left on a real row, and an untouched-looking one
        data[0] = (data[0][0], data[0][1] + [EXAMPLE_MARK])
    return RawSheet("示例.xlsx", table.label, 1, headers, data)


@pytest.fixture(scope="module")
def demo_rows():
    return build(420104)


@pytest.mark.parametrize("sow", [0.0, 0.02, 0.3])
@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_columns_judge_exactly_as_rows(table, sow, demo_rows):
    rng = random.Random(f"{table.name}-{sow}")
    rows = demo_rows.get(table.name, [])[:400]
    raw = _demo_sheet(table, rows, rng, sow)
    got_rows, got_issues = validate_sheet(raw, table)
    want_rows, want_issues = _by_rows(raw, table)
    assert [i.to_dict() for i in got_issues] == [i.to_dict() for i in want_issues]
    assert got_rows == want_rows
    assert [list(r) for r in got_rows] == [list(r) for r in want_rows]  # the same columns, in the same order
    if sow == 0.3 and len(rows) >= 100:
        assert len(got_issues) > 20  # the sown cells were found (the comparison above is not vacuous)


def test_columns_of_text_as_a_csv_gives_them(demo_rows):
    """A CSV gives every cell as text: the column-wise pass parses each distinct text once."""
    table = TABLES_BY_NAME["enrolment"]
    rng = random.Random(7)
    rows = [[("" if r.get(f.name) is None else str(r.get(f.name))) for f in table.fields]
            for r in demo_rows["enrolment"][:2000]]
    for _ in range(40):
        rows[rng.randrange(len(rows))][rng.randrange(len(table.fields))] = rng.choice(
            ["1,0", "-1", "x", "", "  ", "12.0", "3000", "1,234", "P9", "#REF!"])
    raw = RawSheet("分年级学生数.csv", None, 1, [f.header for f in table.fields],
                   [(i + 2, r) for i, r in enumerate(rows)], "utf-8")
    got_rows, got_issues = validate_sheet(raw, table)
    want_rows, want_issues = _by_rows(raw, table)
    assert [i.to_dict() for i in got_issues] == [i.to_dict() for i in want_issues]
    assert got_rows == want_rows
    assert len(got_issues) >= 30


def test_the_model_arithmetic_rules_are_judged_by_whole_columns():
    """Six of the eight enrolment rules are built by sum_equals/at_most (ELEMENTWISE); the other two are
    written with `or` and judged row by row. (A renamed builder would silently lose the column-wise path.)"""
    enrolment = TABLES_BY_NAME["enrolment"]
    assert [r.id for r in enrolment.rules if r.check.__qualname__ in ELEMENTWISE] == [
        "sex_adds_up", "over_norm_le_classes", "big_le_over_norm", "entrants_le_pupils", "repeaters_le_pupils",
        "disabled_le_pupils"]


def test_a_rule_that_is_not_element_wise_is_judged_row_by_row():
    """pupils_need_classes is written with `or`: whole columns cannot be judged at once, rows are."""
    table = TABLES_BY_NAME["enrolment"]
    headers = [f.header for f in table.fields]
    rows = [(2, [2019, "2420104001", "P1", 0, 10, 10, 20]), (3, [2019, "2420104001", "P2", 2, 10, 10, 20]),
            (4, [2019, "2420104001", "P3", 1, 100, 0, 100]), (5, [2019, "2420104001", "P4", 0, 0, 0, 0])]
    rows = [(n, c + [None] * (len(headers) - len(c))) for n, c in rows]
    _, issues = validate_sheet(RawSheet("a.xlsx", "分年级学生数", 1, headers, rows), table)
    assert [(i.type, i.row, i.cell, i.rule) for i in issues] == [
        ("rule-error", 2, "G2", "有在校生时班数应大于 0"),
        ("rule-error", 4, "G4", "平均班额应在 1–80 人之间（在校生数 ÷ 班数）"),
    ]


# ------------------------------------------------------------------ reading: fast path vs expat


def _read(data: bytes, fast: bool, limits: ImportLimits | None = None, monkeypatch=None):
    """(rows per sheet or the refusal, the budget left, whether the fast path read every sheet)."""
    budgets, taken = [], []
    real_budget, real_fast = X._Budget, X._fast_sheet

    class Budget(real_budget):
        def __init__(self, lim):
            super().__init__(lim)
            budgets.append(self)

    def fast_sheet(*a):
        ok = real_fast(*a) if fast else False
        taken.append(ok)
        return ok

    monkeypatch.setattr(X, "_Budget", Budget)
    monkeypatch.setattr(X, "_fast_sheet", fast_sheet)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            wb = X.read_xlsx(zf, limits or import_limits(), HELP_SHEETS)
        out = ("read", [(s.name, s.rows) for s in wb.sheets], [(s.name, s.reason) for s in wb.skipped])
    except X.Refused as r:
        out = ("refused", r.kind, r.detail, r.sheet, r.row, r.cell)
    finally:
        monkeypatch.setattr(X, "_Budget", real_budget)
        monkeypatch.setattr(X, "_fast_sheet", real_fast)
    return out, budgets[0].left if budgets else None, bool(taken) and all(taken)


def _same(data: bytes, monkeypatch, limits: ImportLimits | None = None) -> bool:
    fast, left_fast, taken = _read(data, True, limits, monkeypatch)
    slow, left_slow, _ = _read(data, False, limits, monkeypatch)
    assert fast == slow
    assert left_fast == left_slow
    return taken


def _package(sheet_xml: str, strings: list[str] = ("统计年度", "学校标识码"), styles: str | None = None) -> bytes:
    """A minimal workbook around one worksheet's XML (as Excel lays the parts out)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                  f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                                  f"</Relationships>")
        z.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="{rel}"><sheets>'
                                      f'<sheet name="分年级学生数" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                   f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f"<sst {ns}>{sst}</sst>")
        z.writestr("xl/styles.xml", styles or f'<styleSheet {ns}><numFmts><numFmt numFmtId="164" formatCode="0.0%"/>'
                                              f'</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/>'
                                              f'<xf numFmtId="14"/></cellXfs></styleSheet>')
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet {ns}>'
                                               f'<dimension ref="A1:B3"/>{sheet_xml}</worksheet>')
    return buf.getvalue()


PLAIN = ('<sheetData><row r="1" spans="1:2"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
         '<row r="2"><c r="A2"><v>2019</v></c><c r="B2" s="1"><v>0.855</v></c><c r="C2" s="2"><v>43831</v></c>'
         '<c r="D2"><v>1.5</v></c><c r="E2"><v>-7</v></c><c r="F2"><v>12345678901234567</v></c><c r="G2"/>'
         '<c r="H2"></c><c r="I2" t="n"><v>3</v></c></row><row r="4" spans="1:2"/>'
         '<row r="3"><c r="B3"><v>1</v></c><c r="A3"><v>2</v></c><c r="B3"><v>5</v></c></row>'
         '<row r="2"><c r="J2" t="s"><v>1</v></c></row></sheetData>')


def test_fast_path_reads_plain_sheets_as_expat_does(monkeypatch):
    assert _same(_package(PLAIN), monkeypatch)
    assert _same(_package("<sheetData></sheetData>"), monkeypatch)  # no rows at all
    assert _same(_package(PLAIN.replace("</sheetData>", '<row r="9"/></sheetData>')), monkeypatch)


def test_fast_path_chunk_ending_where_the_rows_end(monkeypatch):
    """A chunk cut at the last </row> just before </sheetData> leaves nothing for the last call."""
    row = '<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
    rows, size, n = [], 0, 1
    while size < X.FAST_CHUNK + 3 * X.BLOCK:  # past a megabyte, then to the end of a block
        rows.append(row.format(n=n))
        size += len(rows[-1])
        n += 1
    xml = "<sheetData>" + "".join(rows) + "</sheetData>"
    assert _same(_package(xml), monkeypatch)
    reader = X._Sheet("分年级学生数", [], [], False, False, import_limits(), 0)
    consume = X._consumer(reader)
    consume(row.format(n=1).encode())
    consume(b"")  # what is left when the last cut fell right before </sheetData>
    consume(None)
    assert reader.rows == {1: [1]} and reader.cells == 1


@pytest.mark.parametrize("change", [
    ('<c r="A2"><v>2019</v></c>', '<c r="A2"><f>1+1</f><v>2</v></c>'),  # a formula
    ('<c r="A2"><v>2019</v></c>', '<c r="A2"><f>1+1</f></c>'),  # a formula without its value
    ('<c r="A2"><v>2019</v></c>', '<c r="A2" t="e"><v>#DIV/0!</v></c>'),  # an error value
    ('<c r="A2"><v>2019</v></c>', '<c r="A2" t="inlineStr"><is><t>x&amp;y</t></is></c>'),
    ('<c r="A2"><v>2019</v></c>', '<c r="A2" t="str"><v>=x</v></c>'),
    ('<c r="A2"><v>2019</v></c>', '<c r="A2" t="b"><v>1</v></c>'),
    ('<c r="A2"><v>2019</v></c>', '<c r="A2" t="n" s="1"><v>2019</v></c>'),  # attributes in another order
    ('<c r="A2"><v>2019</v></c>', '<c r="A2"><v> 2019 </v></c>'),  # spaces in a value
    ('<c r="A2"><v>2019</v></c>', '<c><v>2019</v></c>'),  # no reference
    ('<c r="A2"><v>2019</v></c>', '<c r="a2"><v>2019</v></c>'),
    ('<c r="A2"><v>2019</v></c>', '<c r="XFD2"><v>2019</v></c>'),  # beyond the column limit
    ('<c r="A2"><v>2019</v></c>', '<c r="A2" t="s"><v>99</v></c>'),  # no such shared string
    ('<row r="2">', '<row r="2" ht="20" ht="30">'),  # a duplicate attribute: not well-formed
    ('<row r="2">', '<row  r="2">'),
    ('<row r="2">', '<row r="2" >'),
    ('<row r="2">', '<row r="9999999">'),  # beyond the row limit
    ('<row r="2">', '<!-- x --><row r="2">'),
    ('<row r="2">', '\n<row r="2">'),
    ('<row r="2">', '<row>'),
    ('</row><row r="4"', '<row r="4"'),  # an unclosed row
    ('<sheetData>', '<sheetData><!-- <sheetData> -->'),
    ('<sheetData>', '<x:sheetData>'),
    ('</sheetData>', ''),  # not closed
    ('<c r="D2"><v>1.5</v></c>', '<c r="D2"><v>1.5</v><extLst/></c>'),
    ('<c r="D2"><v>1.5</v></c>', '<c r="D2"><v>\x01</v></c>'),
    ('<c r="D2"><v>1.5</v></c>', '<c r="D2"><v>1é</v></c>'),
])
def test_fast_path_gives_up_and_expat_decides(change, monkeypatch):
    xml = PLAIN.replace(*change, 1)
    assert xml != PLAIN
    assert not _same(_package(xml), monkeypatch)


def test_fast_path_gives_up_at_the_limits_and_spends_the_same_budget(monkeypatch):
    big = "<sheetData>" + "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="s"><v>0</v></c></row>'
                                  for n in range(1, 30_000)) + "</sheetData>"
    data = _package(big)
    assert _same(data, monkeypatch)
    for limits in (ImportLimits(max_rows=20_000), ImportLimits(max_cells=40_000), ImportLimits(max_unzipped_mb=0.5),
                   ImportLimits(max_columns=1), ImportLimits(max_cell_chars=3)):
        assert not _same(data, monkeypatch, limits)


def _rows_xml(n: int, layout) -> str:
    return "<sheetData>" + "".join(layout(k) for k in range(1, n)) + "</sheetData>"


@pytest.mark.parametrize("layout", [
    # every 7th row without its B cell, every 11th with a cell in E: three layouts mixed in every chunk
    lambda k: (f'<row r="{k}" spans="1:5"><c r="A{k}" s="0"><v>{k}</v></c>'
               + ("" if k % 7 == 0 else f'<c r="B{k}" t="s"><v>{k % 2}</v></c>')
               + (f'<c r="E{k}"><v>{k * 3}</v></c>' if k % 11 == 0 else "") + "</row>"),
    # a row number met again two chunks later: its cells go into the same row, as expat puts them
    lambda k: (f'<row r="{k if k % 5000 else 3}"><c r="A{k}"><v>{k}</v></c><c r="C{k}"><v>7</v></c></row>'),
    # a cell reference that does not hold the row's number, and a value of 16 digits
    lambda k: (f'<row r="{k}"><c r="A{k + (k == 20_000)}"><v>{k}</v></c>'
               f'<c r="B{k}"><v>{"1234567890123456" if k == 25_000 else k}</v></c></row>'),
    # rows out of order; a percent-formatted column (not a template column: cell by cell)
    lambda k: (f'<row r="{40_000 - k}"><c r="A{40_000 - k}"><v>{k}</v></c>'
               f'<c r="B{40_000 - k}" s="1"><v>{k % 3}</v></c></row>'),
], ids=["mixed", "repeated-row", "odd-reference", "reversed-percent"])
def test_fast_path_rows_of_one_layout_and_the_others(layout, monkeypatch):
    data = _package(_rows_xml(30_000, layout))
    assert len(data) > 100_000
    assert _same(data, monkeypatch)


def test_fast_path_reads_the_templates_and_an_openpyxl_workbook(tmp_path, monkeypatch, demo_rows):
    import openpyxl

    for name in ("enrolment", "facilities", "project", "project_milestone", "school"):
        t = TABLES_BY_NAME[name]
        p = write_workbook(t, tmp_path / f"{t.label}.xlsx", demo_rows[name][:300])
        assert _same(p.read_bytes(), monkeypatch), name
    assert _same(write_workbook(TABLES_BY_NAME["enrolment"], tmp_path / "blank.xlsx").read_bytes(), monkeypatch)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分年级学生数"
    ws.append(["统计年度", "学校标识码", "年级", "班数", "x"])
    ws.append([2019, "2420104001", "P1", 4.0, 0.1 + 0.2])
    ws.append([2020, "0420104001", "小学一年级", 12345678901234567, -1.5e-7])
    ws["E3"].number_format = "0.0%"
    ws["D4"] = datetime(2020, 5, 1)
    p = tmp_path / "openpyxl.xlsx"
    wb.save(p)
    _same(p.read_bytes(), monkeypatch)


# ------------------------------------------------------------------ a 50,000-row file with five wrong cells


@pytest.mark.slow
def test_50k_rows_with_five_wrong_cells_reports_exactly_those(tmp_path, demo_rows):
    table = TABLES_BY_NAME["enrolment"]
    schools = [dict(s, school_code=f"{c}{s['school_code'][1:]}") for c in range(10) for s in demo_rows["school"]]
    rows = [dict(r, school_code=f"{c}{r['school_code'][1:]}") for c in range(10)
            for r in demo_rows["enrolment"]][:50_000]
    bad = {7: ("male", "1,0"), 12_345: ("classes", -3), 25_000: ("grade", "P9"), 38_000: ("pupils", 12.5),
           49_999: ("school_code", "12345")}
    for i, (col, value) in bad.items():
        rows[i] = dict(rows[i], **{col: value})
    path = write_workbook(table, tmp_path / "分年级学生数.xlsx", rows)
    db = tmp_path / "库.duckdb"
    with Store(db) as store:
        refs = {"district": demo_rows["district"], "zone": demo_rows["zone"], "school": schools}
        store.write_batch([{"file_name": "refs", "sha256": "refs",
                            "tables": {k: [dict(r, source_row=None) for r in v] for k, v in refs.items()}}], "test")
    report = import_files(db, [path], user="test")
    got = [(i.type, i.file, i.sheet, i.row, i.column, i.cell, i.value, i.rule) for i in report.errors]
    letter = {f.name: column_letter(j) for j, f in enumerate(table.fields)}
    f = table.field
    assert got == [
        ("number-format", "分年级学生数.xlsx", "分年级学生数", 9, "男生数（人）", f"{letter['male']}9", "1,0",
         f("male").rule_text()),
        ("range-error", "分年级学生数.xlsx", "分年级学生数", 12_347, "班数（个）", f"{letter['classes']}12347", -3,
         f("classes").rule_text()),
        ("code-error", "分年级学生数.xlsx", "分年级学生数", 25_002, "年级", f"{letter['grade']}25002", "P9",
         f("grade").rule_text()),
        ("type-error", "分年级学生数.xlsx", "分年级学生数", 38_002, "在校生数（人）", f"{letter['pupils']}38002", 12.5,
         f("pupils").rule_text()),
        ("pattern-error", "分年级学生数.xlsx", "分年级学生数", 50_001, "学校标识码", f"{letter['school_code']}50001",
         "12345", f("school_code").rule_text()),
    ]
    assert report.errors[0].message == ("列“男生数（人）”的值“1,0”中的逗号不是有效的千位分隔符（千位分隔符须每三位一组，"
                                        "如 1,234 或 12,345,678；小数点请用“.”）（规则：必填，整数，0–10000）")
    assert not report.written
    with Store(db, read_only=True) as store:
        assert store.run("SELECT count(*) FROM enrolment")[0][0] == 0
        assert store.max_batch_id() == 1
