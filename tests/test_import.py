"""Import: good files load, bad files are reported in full and write nothing, re-imports are no-ops."""

from __future__ import annotations

import copy

import openpyxl

from eduplan.ingest import import_files
from eduplan.model import TABLES_BY_NAME
from helpers import SMALL, write_one, write_small


def _counts(store):
    return store.table_counts()


def test_small_district_imports_with_lineage(store, tmp_path):
    paths = write_small(tmp_path)
    report = import_files(store, paths, user="统计科张三")
    assert report.ok, [i.text() for i in report.errors]
    c = _counts(store)
    assert c["school"] == 3 and c["enrolment"] == 5 and c["population"] == 23 and c["school_zone"] == 4
    batches = store.batches()
    assert len(batches) == len(paths)
    b = next(b for b in batches if b["file_name"] == "分年级学生数.xlsx")
    assert b["user_name"] == "统计科张三"
    assert len(b["sha256"]) == 64
    assert b["tables"]["enrolment"] == {"rows": 5, "inserted": 5, "updated": 0, "unchanged": 0, "deleted": 0}
    # every stored row knows its batch and its row in the source file (header = row 1)
    rows = store.run("SELECT grade, batch_id, source_row FROM enrolment WHERE school_code='2420104001' ORDER BY grade")
    assert rows == [("P1", b["batch_id"], 2), ("P2", b["batch_id"], 3)]


def test_same_file_twice_changes_nothing(store, tmp_path):
    paths = write_small(tmp_path)
    assert import_files(store, paths, user="u").ok
    before = (_counts(store), store.batches())
    again = import_files(store, paths, user="u")
    assert again.ok and not again.written
    assert all(f.skipped for f in again.files)
    assert (_counts(store), store.batches()) == before


def test_corrected_file_updates_only_changed_rows(store, tmp_path):
    assert import_files(store, write_small(tmp_path), user="u").ok
    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0].update(male=91, pupils=176)  # one corrected row
    fix = write_one(tmp_path / "fix", "enrolment", rows)
    report = import_files(store, [fix], user="u")
    assert report.ok
    assert report.files[0].written["enrolment"] == {"rows": 5, "inserted": 0, "updated": 1, "unchanged": 4, "deleted": 0}
    assert store.run("SELECT pupils FROM enrolment WHERE school_code='2420104001' AND grade='P1'") == [(176,)]
    # the unchanged rows keep their original batch; the corrected one points to the new batch
    batches = {r[0] for r in store.run("SELECT DISTINCT batch_id FROM enrolment")}
    assert len(batches) == 2


def test_all_errors_reported_at_once_and_nothing_written(store, tmp_path):
    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0]["pupils"] = "很多"           # a word in a number column
    rows[1]["male"] = -3                 # a negative count
    rows[2]["grade"] = "P9"              # an unknown code
    rows[3]["pupils"] = 99               # 50 + 48 != 99: sexes do not add up
    rows.append(dict(rows[4]))           # a duplicated key
    paths = write_small(tmp_path)
    bad = write_one(tmp_path / "bad", "enrolment", rows)
    paths = [p for p in paths if p.name != bad.name] + [bad]
    report = import_files(store, paths, user="u")
    assert not report.ok and not report.written
    errs = {(i.type, i.row, i.column.split("（")[0] if i.column else None) for i in report.errors}
    assert ("type-error", 2, "在校生数") in errs
    assert ("range-error", 3, "男生数") in errs
    assert ("code-error", 4, "年级") in errs
    assert ("rule-error", 5, "在校生数") in errs
    assert ("duplicate-key", 7, "年级") in errs
    for i in report.errors:
        assert i.file == "分年级学生数.xlsx" and i.sheet == "分年级学生数"
        assert "第" in i.text() and "行" in i.text()
    # nothing of the batch was written, not even the valid files
    assert all(v == 0 for v in _counts(store).values())
    assert store.batches() == []
    # the value and the rule are named in the message
    msg = next(i for i in report.errors if i.type == "type-error").text()
    assert "很多" in msg and "整数" in msg and "G2" in msg


def test_missing_required_column(store, tmp_path):
    p = write_one(tmp_path, "enrolment", SMALL["enrolment"])
    wb = openpyxl.load_workbook(p)
    ws = wb["分年级学生数"]
    ws.delete_cols(7)  # 在校生数
    wb.save(p)
    report = import_files(store, write_small(tmp_path / "ok")[:3] + [p], user="u")
    assert [(i.type, i.column) for i in report.errors] == [("missing-column", "在校生数（人）")]
    assert store.batches() == []


def test_reference_and_grade_checks(store, tmp_path):
    data = copy.deepcopy(SMALL)
    data["enrolment"].append({"year": 2019, "school_code": "2420104999", "grade": "P1", "classes": 1, "male": 1,
                              "female": 1, "pupils": 2})
    data["enrolment"].append({"year": 2019, "school_code": "2420104001", "grade": "J1", "classes": 1, "male": 1,
                              "female": 1, "pupils": 2})  # a 小学 with a 初中 grade
    data["school_zone"].append({"school_code": "2420104001", "zone_code": "QK02", "start_year": 2018})
    report = import_files(store, write_small(tmp_path, data), user="u")
    types = sorted(i.type for i in report.errors)
    assert types == ["grade-not-allowed", "period-overlap", "reference-error"]
    ref = next(i for i in report.errors if i.type == "reference-error")
    assert ref.value == "2420104999" and "学校基本信息" in ref.message


def test_headers_tolerate_spaces_fullwidth_and_missing_units(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base"), user="u").ok
    t = TABLES_BY_NAME["enrolment"]
    lines = ["　统计年度 ,学校标识码,年 级,班数（个）,男生数,女生数( 人 ),在校生数（人）",
             "２０２０,2420104001,P1 小学一年级,4,90,85,175"]
    p = tmp_path / "分年级学生数.csv"
    p.write_text("\n".join(lines), encoding="utf-8")
    report = import_files(store, [p], user="u")
    assert report.ok, [i.text() for i in report.errors]
    assert store.run("SELECT pupils FROM enrolment WHERE year=2020") == [(175,)]
    assert t.field("pupils").header == "在校生数（人）"


def test_csv_encodings(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base"), user="u").ok
    rows = [{"year": 2020 + i, "area_code": "420104", "age": a, "population": 1000 + a}
            for i in range(3) for a in range(3)]
    for i, enc in enumerate(["utf-8", "utf-8-sig", "gb18030"]):
        p = write_one(tmp_path / enc, "population", [r for r in rows if r["year"] == 2020 + i], csv_encoding=enc)
        report = import_files(store, [p], user="u")
        assert report.ok, (enc, [e.text() for e in report.errors])
    assert store.run("SELECT count(*) FROM population WHERE year >= 2020") == [(9,)]


def test_gbk_csv_errors_are_readable_chinese(store, tmp_path):
    p = tmp_path / "常住人口分年龄.csv"
    p.write_bytes("统计年度,区域代码,年龄,常住人口数\n2019,420104,3,五千\n".encode("gbk"))
    report = import_files(store, [p], user="u")
    assert not report.ok
    e = report.errors[0]
    assert (e.type, e.row, e.column, e.value) == ("type-error", 2, "常住人口数（人）", "五千")


def test_files_that_are_not_spreadsheets(store, tmp_path):
    junk = tmp_path / "学校基本信息.xlsx"
    junk.write_bytes(b"this is not a workbook at all")
    empty = tmp_path / "分年级学生数.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "常住人口分年龄.csv"
    binary.write_bytes(bytes(range(256)))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    report = import_files(store, [junk, empty, binary, pdf, tmp_path / "missing.xlsx"], user="u")
    got = {(i.file, i.type) for i in report.errors}
    assert got == {("学校基本信息.xlsx", "file-unreadable"), ("分年级学生数.csv", "file-empty"),
                   ("常住人口分年龄.csv", "file-encoding"), ("report.pdf", "file-type"),
                   ("missing.xlsx", "file-not-found")}
    assert all(i.row is None for i in report.errors)
    assert store.batches() == []


def test_unfilled_template_is_not_data(store, tmp_path):
    from eduplan.ingest import write_workbook

    p = write_workbook(TABLES_BY_NAME["school"], tmp_path / "学校基本信息.xlsx")
    report = import_files(store, [p], user="u")
    assert [i.type for i in report.errors] == ["sheet-empty"]


def test_template_example_row_is_skipped_when_data_added(store, tmp_path):
    from eduplan.ingest import write_workbook

    p = write_workbook(TABLES_BY_NAME["district"], tmp_path / "区县.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["区县"]
    ws.append(["420105", "汉阳区", "武汉市"])
    wb.save(p)
    report = import_files(store, [p], user="u")
    assert report.ok
    assert store.run("SELECT district_code FROM district") == [("420105",)]


def test_unknown_sheet_is_reported(store, tmp_path):
    p = tmp_path / "其他.csv"
    p.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    report = import_files(store, [p], user="u")
    assert [i.type for i in report.errors] == ["sheet-unknown"]
    assert "分年级学生数" in report.errors[0].message


def test_write_failure_rolls_back(store, tmp_path, monkeypatch):
    paths = write_small(tmp_path)
    calls = {"n": 0}
    original = store._upsert

    def failing(t, rows, batch_id):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return original(t, rows, batch_id)

    monkeypatch.setattr(store, "_upsert", failing)
    try:
        import_files(store, paths, user="u")
    except RuntimeError:
        pass
    assert all(v == 0 for v in store.table_counts().values())
    assert store.batches() == []
