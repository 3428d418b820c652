"""The versioned store: every version kept, undo back to the exact previous state (update, insert,
--replace), refused on conflict unless --cascade, undo of an undo, the sha256 skip only while the
store still holds the file's rows, rows a re-import lacks, the schema 1 → 2 migration."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest

from eduplan.errors import StoreOutdated, UndoRefused
from eduplan.ingest import import_files
from eduplan.model import TABLES
from eduplan.store import SCHEMA_VERSION, Store, all_tables, history_table, os_account, time_label
from eduplan.store.schema import table_ddl
from helpers import SMALL, write_one, write_small

P1 = {"year": 2019, "school_code": "2420104001", "grade": "P1"}


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every model table, model columns only, in a stable order."""
    out = {}
    for t in TABLES:
        cols = ", ".join(f'"{f.name}"' for f in t.fields)
        out[t.name] = sorted(store.run(f'SELECT {cols} FROM "{t.name}"'), key=repr)
    return out


def snap(db: Path) -> dict[str, list[tuple]]:
    with Store(db, read_only=True) as s:
        return snapshot(s)


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    report = import_files(db, write_small(tmp_path / "src"), user="统计科")
    assert report.ok and [f.batch_id for f in report.files] == list(range(1, 9))
    return db


def enrolment_file(folder: Path, **changes) -> Path:
    """The small district's enrolment file with school 001's P1 row changed."""
    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0].update(changes)
    return write_one(folder, "enrolment", rows)


def pupils_p1(db: Path) -> int:
    with Store(db, read_only=True) as s:
        return s.one("SELECT pupils FROM enrolment WHERE school_code='2420104001' AND grade='P1'")[0]


def test_update_keeps_the_old_version_and_undo_restores_it(small_db, tmp_path):
    before = snap(small_db)
    report = import_files(small_db, [enrolment_file(tmp_path / "fix", male=91, pupils=176)], user="张三")
    assert report.files[0].written["enrolment"] == {"rows": 5, "inserted": 0, "updated": 1, "unchanged": 4,
                                                    "deleted": 0}
    with Store(small_db, read_only=True) as s:
        # the old version is in history, superseded by batch 9
        assert s.run(f'SELECT pupils, batch_id, superseded_by FROM "{history_table("enrolment")}"') == [(175, 5, 9)]
    with Store(small_db) as s:
        result = s.undo(9, "李四")
        assert result["undone"][0]["undo_batch"] == 10
        assert result["undone"][0]["written"] == {"enrolment": {"rows": 1, "inserted": 0, "updated": 1,
                                                                "unchanged": 0, "deleted": 0}}
        assert snapshot(s) == before
        b = s.batch(10)
        assert (b["kind"], b["undoes"], b["user_name"], b["note"]) == ("undo", 9, "李四", "撤销批次 9")
        assert b["file_name"] == "撤销批次 9（分年级学生数.xlsx）" and b["os_user"] == os_account()
        # nothing lost: the undone version (176) is in history too
        assert s.run(f'SELECT pupils, batch_id, superseded_by FROM "{history_table("enrolment")}" '
                     "ORDER BY batch_id") == [(175, 5, 9), (176, 9, 10)]


def test_undo_of_an_insert_removes_the_rows(small_db, tmp_path):
    before = snap(small_db)
    rows = [dict(r, year=2020) for r in SMALL["enrolment"]]
    report = import_files(small_db, [write_one(tmp_path / "y2020", "enrolment", rows)], user="u")
    assert report.files[0].written["enrolment"]["inserted"] == 5
    with Store(small_db) as s:
        s.undo(9, "u")
        assert snapshot(s) == before
        assert s.batch(10)["tables"] == {"enrolment": {"rows": 5, "inserted": 0, "updated": 0, "unchanged": 0,
                                                       "deleted": 5}}


def test_replace_removes_absent_rows_recorded_and_undoable(small_db, tmp_path):
    before = snap(small_db)
    rows = [r for r in SMALL["enrolment"] if r["grade"] != "P2"]  # school 001 without its P2 row
    f = write_one(tmp_path / "fix", "enrolment", rows)
    # without --replace: a warning naming the row, which stays (the file is recorded, changing nothing)
    report = import_files(small_db, [f], user="u")
    assert report.ok and report.files[0].written["enrolment"] == {"rows": 4, "inserted": 0, "updated": 0,
                                                                  "unchanged": 4, "deleted": 0}
    absent = [i for i in report.issues if i.type == "rows-absent"]
    assert len(absent) == 1 and absent[0].level == "warning"
    assert ("库中“分年级学生数”有 1 行与本文件的统计年度＋学校标识码相同、但本文件中没有："
            "统计年度=2019，学校标识码=2420104001，年级=P2（批次 5）") in absent[0].message
    assert snap(small_db) == before
    # with --replace: removed, as a batch of kind 'replace' (the same file is not skipped: it would remove rows)
    report = import_files(small_db, [f], user="u", replace=True)
    assert report.ok and report.written
    assert report.files[0].written["enrolment"] == {"rows": 4, "inserted": 0, "updated": 0, "unchanged": 4,
                                                    "deleted": 1}
    assert [i.type for i in report.issues if i.level == "info"] == ["rows-replaced"]
    with Store(small_db, read_only=True) as s:
        assert s.batch(10)["kind"] == "replace"
        assert s.run("SELECT count(*) FROM enrolment WHERE grade = 'P2'") == [(0,)]
        assert s.run(f'SELECT grade, superseded_by FROM "{history_table("enrolment")}"') == [("P2", 10)]
    with Store(small_db) as s:
        s.undo(10, "u")
        assert snapshot(s) == before
    # after the undo P2 is back, so the same file with --replace is not skipped: it removes P2 again
    again = import_files(small_db, [f], user="u", replace=True)
    assert not again.files[0].skipped and again.files[0].written["enrolment"]["deleted"] == 1
    # and once more: the store holds exactly what the file says, nothing to remove → skipped
    assert import_files(small_db, [f], user="u", replace=True).files[0].skipped


def test_replace_scope_is_the_school_years_in_the_file(small_db, tmp_path):
    """A file holding only school 001's 2019 rows leaves the other schools' rows alone."""
    rows = [SMALL["enrolment"][0]]  # 001 P1 only
    report = import_files(small_db, [write_one(tmp_path / "one", "enrolment", rows)], user="u", replace=True)
    assert report.files[0].written["enrolment"]["deleted"] == 1
    with Store(small_db, read_only=True) as s:
        assert sorted(s.run("SELECT school_code, grade FROM enrolment")) == [
            ("2420104001", "P1"), ("2420104002", "J1"), ("2420104002", "P1"), ("2420104003", "K1")]


def test_undo_refused_when_a_later_batch_changed_the_rows_unless_cascade(small_db, tmp_path):
    before = snap(small_db)
    assert import_files(small_db, [enrolment_file(tmp_path / "a", male=91, pupils=176)], user="u").written
    assert import_files(small_db, [enrolment_file(tmp_path / "b", male=92, pupils=177)], user="u").written
    after = snap(small_db)
    with Store(small_db) as s:
        with pytest.raises(UndoRefused) as e:
            s.undo(9, "u")
        msg = str(e.value)
        assert msg.startswith("不能撤销批次 9（分年级学生数.xlsx）：之后的批次 10（分年级学生数.xlsx，导入，")
        assert "“分年级学生数”1 行（如 统计年度=2019，学校标识码=2420104001，年级=P1）" in msg
        assert "从新到旧依次撤销批次 10、9" in msg and "--cascade" in msg
        assert snapshot(s) == after and s.max_batch_id() == 10
        result = s.undo(9, "u", cascade=True)
        assert result["order"] == [10, 9]
        assert [(u["batch_id"], u["undo_batch"]) for u in result["undone"]] == [(10, 11), (9, 12)]
        assert snapshot(s) == before
        assert [b["undoes"] for b in s.batches()[-2:]] == [10, 9]
        # undoing it again: nothing left to undo, and the message says who undid it
        with pytest.raises(UndoRefused, match="批次 9（分年级学生数.xlsx）无需撤销.*已由批次 12 撤销"):
            s.undo(9, "u")


def test_undo_of_an_undo_and_undo_after_the_later_one_was_undone(small_db, tmp_path):
    base = snap(small_db)
    assert import_files(small_db, [enrolment_file(tmp_path / "a", male=91, pupils=176)], user="u").written  # 9
    after_9 = snap(small_db)
    assert import_files(small_db, [enrolment_file(tmp_path / "b", male=92, pupils=177)], user="u").written  # 10
    after_10 = snap(small_db)
    with Store(small_db) as s:
        s.undo(10, "u")  # 11
        assert snapshot(s) == after_9
        s.undo(11, "u")  # 12: the undo undone, batch 10's values are back
        assert snapshot(s) == after_10
        s.undo(12, "u")  # 13
        assert snapshot(s) == after_9
        s.undo(9, "u")  # no cascade needed: the rows hold what batch 9 wrote
        assert snapshot(s) == base


def test_undo_refused_when_it_would_leave_dangling_references(small_db):
    before = snap(small_db)
    with Store(small_db) as s:
        with pytest.raises(UndoRefused) as e:
            s.undo(3, "u")  # the schools, referenced by enrolment, teachers and zone membership
        assert str(e.value).startswith("不能撤销批次 3（学校基本信息.xlsx）：撤销后库中会有行引用不存在的数据——")
        assert ("“分年级学生数”中引用的学校标识码在“学校基本信息”中不存在（5 行：2420104001、2420104002、2420104003）"
                in str(e.value))
        assert snapshot(s) == before and s.max_batch_id() == 8


def test_history_lists_every_version(small_db, tmp_path):
    import_files(small_db, [enrolment_file(tmp_path / "a", male=91, pupils=176)], user="张三")
    import_files(small_db, [enrolment_file(tmp_path / "b", male=92, pupils=177)], user="李四")
    with Store(small_db) as s:
        s.undo(10, "王五")
        versions = s.versions("enrolment", P1)
    assert [(v["batch_id"], v["kind"], v["user_name"], v["superseded_by"], v["current"]) for v in versions] == [
        (5, "import", "统计科", 9, False), (9, "import", "张三", 10, False), (10, "import", "李四", 11, False),
        (11, "undo", "王五", None, True)]
    assert [v["changed"] for v in versions[1:]] == [
        {"male": [90, 91], "pupils": [175, 176]}, {"male": [91, 92], "pupils": [176, 177]},
        {"male": [92, 91], "pupils": [177, 176]}]
    assert versions[0]["changed"]["pupils"] == [None, 175] and versions[0]["source_row"] == 2
    assert time_label(versions[0]["imported_at"]).endswith(" UTC")


def test_history_marks_a_deletion(small_db, tmp_path):
    rows = [r for r in SMALL["enrolment"] if r["grade"] != "P2"]
    import_files(small_db, [write_one(tmp_path / "fix", "enrolment", rows)], user="u", replace=True)
    with Store(small_db, read_only=True) as s:
        (v,) = s.versions("enrolment", {**P1, "grade": "P2"})
    assert (v["current"], v["deleted"], v["superseded_by"]) == (False, True, 9)


def test_sha_skip_only_while_the_store_holds_the_file(small_db, tmp_path):
    original = tmp_path / "src" / "分年级学生数.xlsx"
    # the same file again: skipped, nothing recorded
    report = import_files(small_db, [original], user="u")
    assert report.files[0].skipped and not report.written
    assert [i.type for i in report.issues] == ["already-imported"]
    assert "UTC（批次 5）" in report.issues[0].message
    # a bad correction, then the original again: imported, the original values are back
    assert import_files(small_db, [enrolment_file(tmp_path / "bad", male=9, pupils=94)], user="u").written
    assert pupils_p1(small_db) == 94
    report = import_files(small_db, [original], user="u")
    assert report.written and not report.files[0].skipped
    assert report.files[0].written["enrolment"]["updated"] == 1
    assert pupils_p1(small_db) == 175
    # and now it is current again: skipped
    assert import_files(small_db, [original], user="u").files[0].skipped


def test_batches_record_os_account_kind_and_utc_times(small_db):
    with Store(small_db, read_only=True) as s:
        b = s.batches()[0]
    assert b["os_user"] == os_account() and b["user_name"] == "统计科" and b["kind"] == "import"
    assert b["imported_at"].utcoffset().total_seconds() == 0
    assert b["tables"]["district"] == {"rows": 1, "inserted": 1, "updated": 0, "unchanged": 0, "deleted": 0}


def test_demo_kind(tmp_path):
    db = tmp_path / "d.duckdb"
    assert import_files(db, write_small(tmp_path / "src"), user="demo", kind="demo").written
    with Store(db, read_only=True) as s:
        assert {b["kind"] for b in s.batches()} == {"demo"}


V1_BATCH = """CREATE TABLE import_batch (batch_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, file_path VARCHAR,
    sha256 VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL, user_name VARCHAR NOT NULL, tables VARCHAR NOT NULL,
    rows_total INTEGER NOT NULL, eduplan_version VARCHAR NOT NULL)"""


def make_v1_store(db: Path) -> None:
    """A store as eduplan wrote it before versions: no history tables, batches without kind/os_user."""
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE eduplan_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO eduplan_meta VALUES ('schema_version', '1')")
    con.execute(V1_BATCH)
    for t in TABLES:
        con.execute(table_ddl(t))
    con.execute("INSERT INTO import_batch VALUES (1, '区县.xlsx', NULL, 'abc', TIMESTAMP '2025-01-02 03:04:05', "
                "'老用户', ?, 1, '0.1')", [json.dumps({"district": {"rows": 1}})])
    con.execute("INSERT INTO district VALUES ('420104', '硚口区', '武汉市', 1, 2)")
    con.close()


def test_version_1_store_is_upgraded_by_a_write_and_refused_read_only(tmp_path):
    db = tmp_path / "v1.duckdb"
    make_v1_store(db)
    with pytest.raises(StoreOutdated) as e:
        Store(db, read_only=True)
    assert f"结构版本为 1，本程序需要 {SCHEMA_VERSION}：请先运行 eduplan db upgrade --db {db}" in str(e.value)
    with Store(db) as s:
        assert s.opened_version == 1 and s.schema_version() == SCHEMA_VERSION
    with Store(db, read_only=True) as s:
        tables = {r[0] for r in s.run("SELECT table_name FROM duckdb_tables()")}
        assert tables == set(all_tables())
        (b,) = s.batches()
        assert (b["kind"], b["os_user"], b["user_name"], b["note"]) == ("import", None, "老用户", None)
        assert time_label(b["imported_at"]) == "2025-01-02 03:04:05 UTC"
        assert s.rows("district") == [{"district_code": "420104", "district_name": "硚口区", "city_name": "武汉市",
                                        "batch_id": 1, "source_row": 2}]


def test_import_into_a_version_1_store_upgrades_it(tmp_path):
    db = tmp_path / "v1.duckdb"
    make_v1_store(db)
    report = import_files(db, write_small(tmp_path / "src"), user="u")
    assert report.ok and report.written
    with Store(db, read_only=True) as s:
        assert s.schema_version() == SCHEMA_VERSION and s.table_counts()["school"] == 3
        # the district file holds the stored row unchanged: it keeps its v1 batch, no history
        assert s.run("SELECT batch_id FROM district") == [(1,)]
        assert s.run(f'SELECT count(*) FROM "{history_table("district")}"') == [(0,)]
        assert [b["kind"] for b in s.batches()] == ["import"] * 9
