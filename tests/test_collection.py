"""The annual collection's core (eduplan.collection) on a small hand-made district: rounds, submissions validated
for their own school, year and tables, the review against last year, approve / return / unlock, locks refusing
imports and undo, the board, figures with pending submissions, concurrency, the audit trail, the schema upgrade.

The district (tests/helpers.SMALL): 崇仁路小学 2420104001 (211 小学) had in 2019 P1 175 pupils (4 classes) and
P2 178 (4 classes); 陈家墩学校 2420104002 (312 九年一贯制) P1 85, J1 98; 红星幼儿园 2420104003 K1 90.
The round is for 2020.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest

from eduplan import collection as c
from eduplan.access import audit
from eduplan.errors import UndoRefused
from eduplan.ingest import import_files
from eduplan.store import SCHEMA_VERSION, Store
from helpers import write_one, write_small

A, B, K = "2420104001", "2420104002", "2420104003"
STAFF = c.Actor("wangwu", "staff", address="10.0.0.5")
STAFF2 = c.Actor("zhaoliu", "staff")
SCHOOL_A = c.Actor("school-a", "school", A)
SCHOOL_B = c.Actor("school-b", "school", B)

# 2020 as 崇仁路小学 reports it: P1 new intake 180; P2 is last year's P1 cohort (175) moved up — 120 pupils is
# 120 / 175 − 1 = −31.4 %, beyond the cohort rule's ±30 % (both years ≥ 30 pupils), so the review flags it.
A_2020 = [
    {"year": 2020, "school_code": A, "grade": "P1", "classes": 4, "male": 92, "female": 88, "pupils": 180},
    {"year": 2020, "school_code": A, "grade": "P2", "classes": 4, "male": 60, "female": 60, "pupils": 120},
]


@pytest.fixture()
def store(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    db = tmp_path / "c.duckdb"
    rep = import_files(db, write_small(src))
    assert rep.written, [i.text() for i in rep.errors]
    with Store(db) as s:
        yield s


@pytest.fixture()
def round_id(store):
    return c.open_round(store, STAFF, 2020, ["enrolment", "专任教师"], date(2020, 10, 31), note="2020 年秋季统计")


def file_of(tmp_path: Path, rows, name: str = "a") -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return write_one(folder, "enrolment", rows)


def enrolment(store, school=A, year=2020):
    return {r[0]: r[1] for r in store.run("SELECT grade, pupils FROM enrolment WHERE school_code = ? AND year = ? "
                                          "ORDER BY grade", [school, year])}


def actions(store):
    return [(r["action"], r["actor"], r["target"]) for r in reversed(audit.rows(store))]


# ------------------------------------------------------------------ rounds


def test_open_round_records_tables_deadline_and_audit(store, round_id):
    r = c.round_(store, round_id)
    assert (r["year"], r["tables"], r["table_labels"], r["deadline"]) == (
        2020, ["enrolment", "teachers"], ["分年级学生数", "专任教师"], date(2020, 10, 31))
    assert r["opened_by"] == "wangwu" and r["is_open"]
    assert actions(store)[-1] == ("round_open", "wangwu", f"采集轮次 {round_id}")


def test_a_second_open_round_for_the_year_is_refused_naming_the_first(store, round_id):
    with pytest.raises(c.CollectionError, match=f"2020 年已有进行中的采集轮次 {round_id}") as e:
        c.open_round(store, STAFF, 2020, ["enrolment"], date(2020, 11, 30))
    assert e.value.status == 409


def test_open_round_refuses_unknown_table_and_school_users(store):
    with pytest.raises(c.CollectionError, match="“school”不是可采集的表；可选：enrolment（分年级学生数）"):
        c.open_round(store, STAFF, 2020, ["school"], date(2020, 10, 31))
    with pytest.raises(c.CollectionError, match="学校用户不能开启采集轮次"):
        c.open_round(store, SCHOOL_A, 2020, ["enrolment"], date(2020, 10, 31))


# ------------------------------------------------------------------ submit


def test_a_valid_file_is_pending_and_not_part_of_the_figures(store, round_id, tmp_path):
    res = c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    assert res.accepted and res.submissions == [1]
    s = c.submission(store, 1)
    assert (s["status_label"], s["school_code"], s["table_name"], s["row_count"], s["submitted_by"]) == (
        "待审核", A, "enrolment", 2, "school-a")
    assert [r["pupils"] for r in s["rows"]] == [180, 120]
    assert enrolment(store) == {}  # not in the store's figures until approved
    assert actions(store)[-1] == ("submit", "school-a", "提交 1")


def test_another_schools_row_is_refused_naming_the_row_and_nothing_is_stored(store, round_id, tmp_path):
    rows = A_2020 + [{"year": 2020, "school_code": B, "grade": "P1", "classes": 2, "male": 45, "female": 45,
                      "pupils": 90}]
    res = c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, rows)])
    assert not res.accepted and res.submissions == []
    texts = [i.text() for i in res.report.errors]
    assert texts == ["文件“分年级学生数.xlsx”，工作表“分年级学生数”，第 4 行，列“学校标识码”（B4）：列“学校标识码”的值"
                     "“2420104002”不是本次提交的学校（2420104001 崇仁路小学）（规则：每所学校只能提交本校的数据）"]
    assert c.submissions(store) == []
    assert actions(store)[-1] == ("submit_refused", "school-a", f"采集轮次 {round_id} · 学校 {A}")


def test_an_upload_does_not_tell_a_school_which_other_codes_exist(store, round_id, tmp_path):
    """Another school's code and a code no school has get the same one error (the pages answer 404 for another
    school so as not to confirm it exists; the upload must not either)."""
    def errors(code: str, folder: str) -> list[tuple]:
        rows = A_2020 + [dict(A_2020[0], school_code=code)]
        res = c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, rows, folder)])
        return [(i.type, i.row, i.column, i.message.replace(code, "X")) for i in res.report.errors]

    assert errors(B, "b") == errors("9999999999", "n") == [
        ("not-own-school", 4, "学校标识码", "列“学校标识码”的值“X”不是本次提交的学校（2420104001 崇仁路小学）"
                                        "（规则：每所学校只能提交本校的数据）")]


def test_wrong_year_a_table_not_in_the_round_and_a_bad_cell_are_all_reported_at_once(store, round_id, tmp_path):
    rows = [dict(A_2020[0], year=2019), dict(A_2020[1], male="六十")]
    p = file_of(tmp_path, rows)
    fac = write_one(tmp_path / "a", "facilities", [{"year": 2020, "school_code": A, "building_area": 9000,
                                                   "teaching_area": 5400, "sports_area": 8000,
                                                   "equipment_value": 260.5, "books": 45000, "computers": 200,
                                                   "classrooms": 24, "multimedia_rooms": 24}])
    res = c.submit(store, SCHOOL_A, round_id, [p, fac])
    kinds = sorted(i.type for i in res.report.errors)
    assert kinds == ["table-not-in-round", "type-error", "wrong-year"]
    wrong = next(i for i in res.report.errors if i.type == "wrong-year")
    assert (wrong.row, wrong.cell, wrong.value) == (2, "A2", 2019)
    assert "采集轮次 1 只采集：分年级学生数、专任教师" in next(
        i for i in res.report.errors if i.type == "table-not-in-round").message
    assert c.submissions(store) == []


def test_a_school_user_cannot_submit_for_another_school(store, round_id, tmp_path):
    with pytest.raises(c.CollectionError, match="学校用户只能提交本校的数据"):
        c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)], school_code=B)


def test_a_resubmission_supersedes_the_waiting_one_which_stays_in_history(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    rows = [A_2020[0], dict(A_2020[1], male=85, female=86, pupils=171)]
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, rows, "b")])
    subs = c.submissions(store, round_id=round_id)
    assert [(s["submission_id"], s["status"], s["superseded_by"]) for s in subs] == [
        (2, "pending", None), (1, "superseded", 2)]


# ------------------------------------------------------------------ review


def test_review_marks_changed_cells_against_last_year_and_flags_the_cohort(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    batches = store.max_batch_id()
    rv = c.review(store, 1)
    assert rv["last_year"] == 2019 and rv["counts"] == {"新增": 0, "修改": 2, "未变": 0}
    p1 = next(r for r in rv["rows"] if r["key_text"] == "P1")
    changed = {x["field"]: (x["last"], x["value"]) for x in p1["cells"] if x["changed"]}
    # P1: male 90 → 92, female 85 → 88, pupils 175 → 180; classes 4 = 4 unchanged
    assert changed == {"male": (90, 92), "female": (85, 88), "pupils": (175, 180)}
    # P2: male 88 → 60, female 90 → 60, pupils 178 → 120 (classes unchanged)
    assert rv["changed_cells"] == 6
    cohort = [f for f in rv["flags"] if f["rule"] == "cohort_jump"]
    assert [f["message"] for f in cohort] == [
        "崇仁路小学（2420104001）2020 年 P2 有 120 人，上一年低一年级为 175 人（变化 -31.4%，超过 ±30%）"]
    assert enrolment(store) == {} and store.max_batch_id() == batches  # the preview was rolled back
    # … and so were the temporary tables that shadowed the store with this school's rows during the rules
    assert store.one("SELECT count(*) FROM duckdb_tables() WHERE temporary")[0] == 0
    assert store.one("SELECT count(DISTINCT school_code) FROM enrolment")[0] == 3


def test_review_flags_a_file_identical_to_last_year(store, round_id, tmp_path):
    rows = [{"year": 2020, "school_code": A, "grade": "P1", "classes": 4, "male": 90, "female": 85, "pupils": 175},
            {"year": 2020, "school_code": A, "grade": "P2", "classes": 4, "male": 88, "female": 90, "pupils": 178}]
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, rows)])
    rv = c.review(store, 1)
    assert rv["changed_cells"] == 0 and rv["flags"][0]["rule"] == "same_as_last_year"


# ------------------------------------------------------------------ approve, return, unlock, locks


def test_approve_writes_a_batch_with_lineage_and_locks(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    batch = c.approve(store, STAFF, 1, comment="与学籍系统核对一致")
    assert enrolment(store) == {"P1": 180, "P2": 120}
    b = store.batch(batch)
    assert (b["kind"], b["submission_id"], b["user_name"], b["file_name"]) == (
        "collection", 1, "wangwu", "分年级学生数.xlsx")
    assert b["note"] == (f"采集轮次 {round_id} · 提交 1 · 学校 2420104001 崇仁路小学 · 提交人 school-a · 审核人 wangwu"
                         " · 审核意见：与学籍系统核对一致")
    assert b["tables"]["enrolment"]["inserted"] == 2
    assert [(lk["school_code"], lk["table_name"], lk["year"], lk["batch_id"]) for lk in c.locks(store)] == [
        (A, "enrolment", 2020, batch)]
    s = c.submission(store, 1)
    assert (s["status_label"], s["reviewed_by"], s["batch_id"]) == ("已通过", "wangwu", batch)
    assert actions(store)[-1] == ("approve", "wangwu", "提交 1")


def test_return_needs_a_comment_and_the_school_sees_it(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    with pytest.raises(c.CollectionError, match="请填写退回意见"):
        c.return_(store, STAFF, 1, "  ")
    c.return_(store, STAFF, 1, "二年级人数比去年一年级少 55 人，请核对")
    s = c.submission(store, 1, SCHOOL_A)
    assert (s["status_label"], s["review_comment"]) == ("已退回", "二年级人数比去年一年级少 55 人，请核对")
    with pytest.raises(c.CollectionError, match="没有找到该提交"):
        c.submission(store, 1, SCHOOL_B)  # another school's submission is not found
    with pytest.raises(c.CollectionError, match="不能审核通过提交 1：它已由 wangwu 于 .* 退回"):
        c.approve(store, STAFF, 1)


def test_locked_data_refuses_import_and_undo_until_unlocked_with_a_reason(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    batch = c.approve(store, STAFF, 1)
    same = import_files(store, [file_of(tmp_path, A_2020, "same")])
    assert not same.errors  # the same rows change nothing: allowed (and nothing written)
    changed = [A_2020[0], dict(A_2020[1], male=85, female=86, pupils=171)]
    rep = import_files(store, [file_of(tmp_path, changed, "changed")])
    assert [(i.type, i.row, i.cell) for i in rep.errors] == [("data-locked", 2, "B2")]
    assert "已于" in rep.errors[0].message and "由 wangwu 审核通过并锁定（提交 1" in rep.errors[0].message
    assert enrolment(store) == {"P1": 180, "P2": 120}
    with pytest.raises(UndoRefused, match=f"批次 {batch} 改动的数据已审核锁定"):
        store.undo(batch, "x")
    with pytest.raises(c.CollectionError, match="请填写解锁理由"):
        c.unlock(store, STAFF, A, "enrolment", 2020, "")
    with pytest.raises(c.CollectionError, match="只有规划统计人员或管理员可以解锁已审核的数据"):
        c.unlock(store, SCHOOL_A, A, "enrolment", 2020, "改")
    c.unlock(store, STAFF2, A, "分年级学生数", 2020, "学校发现二年级漏报转入生")
    assert c.locks(store) == []
    assert actions(store)[-1] == ("unlock", "zhaoliu", "学校 2420104001 · 分年级学生数 · 2020")
    assert import_files(store, [file_of(tmp_path, changed, "changed2")]).written
    assert enrolment(store) == {"P1": 180, "P2": 171}


def test_a_resubmission_after_unlock_replaces_the_schools_year(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    c.approve(store, STAFF, 1)
    locked = c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020[:1], "x")])
    assert [(i.type, i.row) for i in locked.report.errors] == [("data-locked", 2)] and not locked.submissions
    c.unlock(store, STAFF, A, "enrolment", 2020, "二年级并入一年级统计")
    res = c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020[:1], "y")])
    assert res.accepted
    c.approve(store, STAFF, res.submissions[0])
    assert enrolment(store) == {"P1": 180}  # P2 of 2020 removed: the submission is the school's whole year
    assert store.one("SELECT pupils FROM enrolment__history WHERE school_code = ? AND year = 2020 AND grade = 'P2'",
                     [A])[0] == 120


# ------------------------------------------------------------------ board


def test_board_states_overdue_and_contacts(store, round_id, tmp_path):
    from eduplan.access import add_user

    add_user(store, "cr-principal", "school", "Pw-very-long-1!", school_code=A, display_name="崇仁路 张校长", actor="t")
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    b = c.board(store, round_id, today=date(2020, 11, 1))
    assert b["schools"] == 3
    assert b["counts"]["enrolment"] == {"未提交": 2, "待审核": 1, "已退回": 0, "已解锁": 0, "已通过": 0}
    row = next(r for r in b["rows"] if r["school_code"] == A and r["table"] == "enrolment")
    assert (row["state"], row["overdue"], row["contacts"]) == ("待审核", False, "崇仁路 张校长")
    late = [(r["school_code"], r["table"]) for r in b["rows"] if r["overdue"]]
    assert late == [(B, "enrolment"), (K, "enrolment"), (A, "teachers"), (B, "teachers"), (K, "teachers")]
    assert c.board(store, round_id, today=date(2020, 10, 31))["overdue"] == 0  # the deadline day itself is not late
    c.approve(store, STAFF, 1)
    c.unlock(store, STAFF, A, "enrolment", 2020, "核对")
    assert c.board(store, round_id)["counts"]["enrolment"]["已解锁"] == 1


# ------------------------------------------------------------------ figures with pending submissions


def test_pending_overlay_shows_pending_rows_and_leaves_nothing(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    before = store.max_batch_id()
    total = "SELECT sum(pupils) FROM enrolment WHERE year = 2020"
    assert store.one(total)[0] is None
    with c.pending_overlay(store) as n:
        assert n == 1 and store.one(total)[0] == 180 + 120
    assert store.one(total)[0] is None and store.max_batch_id() == before
    v1 = c.pending_version(store)
    c.return_(store, STAFF, 1, "请核对")
    assert c.pending_version(store) != v1 and c.pending_count(store) == 0


def test_pending_overlay_applies_every_schools_pending_file_at_once(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    b_rows = [{"year": 2020, "school_code": B, "grade": "P1", "classes": 2, "male": 46, "female": 44, "pupils": 90},
              {"year": 2020, "school_code": B, "grade": "J1", "classes": 2, "male": 50, "female": 50, "pupils": 100}]
    c.submit(store, SCHOOL_B, round_id, [file_of(tmp_path, b_rows, "b")])
    total = "SELECT school_code, sum(pupils) FROM enrolment WHERE year = 2020 GROUP BY 1 ORDER BY 1"
    with c.pending_overlay(store) as n:
        assert n == 2 and store.run(total) == [(A, 180 + 120), (B, 90 + 100)]
        assert store.one("SELECT count(*) FROM import_batch WHERE kind = 'pending'")[0] == 1  # one table, one batch
    assert store.run(total) == []


def test_pending_overlay_needs_a_writable_store(store, round_id, tmp_path):
    path = store.path
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    store.close()
    with Store(path, read_only=True) as ro:
        with pytest.raises(c.CollectionError, match="以只读方式打开"):
            with c.pending_overlay(ro):
                pass
    store.con = duckdb.connect(str(path))  # (the fixture closes it again)


# ------------------------------------------------------------------ concurrency


def _second_connection(store: Store) -> Store:
    """Another connection to the same database (as a second server thread with its own cursor would have)."""
    other = object.__new__(Store)
    other.path, other.read_only, other._ibis, other.opened_version = store.path, False, None, SCHEMA_VERSION
    other.con = store.con.cursor()
    return other


def test_two_reviewers_approving_at_once_give_one_batch(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    before = store.max_batch_id()
    stores = [store, _second_connection(store)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def review_and_approve(s: Store, who: c.Actor) -> None:
        barrier.wait()
        try:
            outcomes.append(f"批次 {c.approve(s, who, 1)}")
        except Exception as e:  # noqa: BLE001 - the refusal is what is checked
            outcomes.append(type(e).__name__)

    threads = [threading.Thread(target=review_and_approve, args=(s, who)) for s, who in zip(stores, (STAFF, STAFF2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert f"批次 {before + 1}" in outcomes and len(outcomes) == 2
    assert sum(o.startswith("批次") for o in outcomes) == 1
    assert {o for o in outcomes if not o.startswith("批次")} <= {"CollectionError", "WriteFailed"}
    assert store.max_batch_id() == before + 1
    assert store.one("SELECT count(*) FROM collection_lock")[0] == 1
    assert store.one("SELECT count(*) FROM audit_log WHERE action = 'approve'")[0] == 1


def test_a_resubmission_during_review_is_never_lost(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    c.review(store, 1)  # the reviewer is looking at submission 1 …
    rows = [A_2020[0], dict(A_2020[1], male=85, female=86, pupils=171)]
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, rows, "b")])  # … when the school sends a corrected file
    with pytest.raises(c.CollectionError, match="不能审核通过提交 1：它已被学校的新提交 2 取代，请审核最新的提交"):
        c.approve(store, STAFF, 1)
    assert enrolment(store) == {} and c.submission(store, 2)["status"] == "pending"
    c.approve(store, STAFF, 2)
    assert enrolment(store) == {"P1": 180, "P2": 171}


def test_concurrent_resubmission_and_approval_leave_one_consistent_outcome(store, round_id, tmp_path):
    c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    rows = [A_2020[0], dict(A_2020[1], male=85, female=86, pupils=171)]
    second = file_of(tmp_path, rows, "b")
    other = _second_connection(store)
    barrier = threading.Barrier(2)
    out: dict[str, object] = {}

    def approve() -> None:
        barrier.wait()
        try:
            out["approve"] = c.approve(store, STAFF, 1)
        except Exception as e:  # noqa: BLE001
            out["approve"] = e

    def resubmit() -> None:
        barrier.wait()
        try:
            out["submit"] = c.submit(other, SCHOOL_A, round_id, [second])
        except Exception as e:  # noqa: BLE001
            out["submit"] = e

    threads = [threading.Thread(target=approve), threading.Thread(target=resubmit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    subs = {s["submission_id"]: s["status"] for s in c.submissions(store)}
    batches = store.one("SELECT count(*) FROM import_batch WHERE kind = 'collection'")[0]
    if isinstance(out["approve"], int):  # the approval won: submission 1 approved; the resubmission refused (locked) or failed
        assert batches == 1 and subs[1] == "approved"
        assert 2 not in subs or subs[2] == "pending"
    else:  # the resubmission won: 1 superseded by 2, nothing written
        assert batches == 0 and subs == {2: "pending", 1: "superseded"}
    assert list(subs.values()).count("pending") <= 1


# ------------------------------------------------------------------ the store


def test_upgrade_from_schema_4_adds_the_collection_tables(tmp_path):
    db = tmp_path / "old.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    for t in ("collection_round", "submission", "collection_lock"):
        con.execute(f"DROP TABLE {t}")
    con.execute("ALTER TABLE import_batch DROP COLUMN submission_id")
    con.execute("UPDATE eduplan_meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    with Store(db) as s:
        assert s.opened_version == 4 and s.schema_version() == SCHEMA_VERSION == 5
        assert c.rounds(s) == [] and s.one("SELECT count(submission_id) FROM import_batch")[0] == 0


def test_explain_names_the_approved_submission_behind_a_figure(demo_store, tmp_path):
    import shutil

    from eduplan.indicators.explain import explain
    from eduplan.indicators.schema import load_definitions

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as s:
        code = s.one("SELECT min(school_code) FROM enrolment WHERE year = 2025")[0]
        rows = s.dicts("SELECT * FROM enrolment WHERE school_code = ? AND year = 2025", [code])
        for r in rows:
            r["year"] = 2026
        rid = c.open_round(s, STAFF, 2026, ["enrolment"], date(2026, 10, 31))
        sub = c.submit(s, c.Actor("principal", "school", code), rid, [file_of(tmp_path, rows)]).submissions[0]
        batch = c.approve(s, STAFF, sub)
        r = explain(s, load_definitions(), "oversized_schools", 2026, ("district", "420104"))
    origins = {b["batch_id"]: b["origin"] for t in r["numerator_terms"] + r["denominator_terms"] for b in t["batches"]}
    assert origins[batch].startswith(f"采集轮次 {rid} · 提交 {sub} · 学校 {code} ")  # then the school's name
    assert origins[batch].endswith("· 提交人 principal · 审核人 wangwu")


def test_submit_validates_the_files_before_it_takes_the_store(store, round_id, tmp_path, monkeypatch):
    from contextlib import contextmanager

    import sys

    submit_module = sys.modules["eduplan.collection.submit"]  # (the package's `submit` is the function)

    events = []
    read = submit_module.read_files
    monkeypatch.setattr(submit_module, "read_files", lambda paths: events.append("read") or read(paths))

    @contextmanager
    def writing():
        events.append("store taken")
        yield store

    res = c.submit(writing, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    assert res.accepted and events == ["read", "store taken"]


def test_a_deadline_ends_with_its_day_in_the_bureaus_time_zone(store, round_id, monkeypatch):
    """Deadline 2020-10-31: at 2020-10-31 15:59 UTC it is 23:59 in Wuhan (UTC+8) — not late; at 16:00 UTC it is
    2020-11-01 00:00 there — late (a UTC date would say 10-31 until 08:00 Beijing time)."""
    from datetime import datetime

    from eduplan.access import clock

    monkeypatch.setattr(clock, "now", lambda: datetime(2020, 10, 31, 15, 59))
    assert not c.round_(store, round_id)["overdue"] and c.board(store, round_id)["overdue"] == 0
    monkeypatch.setattr(clock, "now", lambda: datetime(2020, 10, 31, 16, 0))
    assert c.round_(store, round_id)["status_label"] == "已过截止日期"
    assert c.board(store, round_id)["overdue"] == 6  # 3 schools × 2 tables, none submitted


def test_the_time_zone_setting_is_checked(tmp_path, monkeypatch):
    from eduplan.settings import SettingsError, load_section, use_settings_file
    from eduplan.collection.settings import CollectionSettings

    f = tmp_path / "s.yaml"
    f.write_text("collection:\n  timezone: 火星/奥林匹斯\n", encoding="utf-8")
    use_settings_file(f)
    try:
        with pytest.raises(SettingsError, match="不是已知的时区名"):
            load_section("collection", CollectionSettings)
    finally:
        use_settings_file(None)


def test_an_ended_round_can_be_opened_again(store, round_id, tmp_path):
    c.close_round(store, STAFF, round_id)
    with pytest.raises(c.CollectionError, match=f"采集轮次 {round_id} 已结束，不再接收提交"):
        c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020)])
    with pytest.raises(c.CollectionError, match="学校用户不能重新开启采集轮次"):
        c.reopen_round(store, SCHOOL_A, round_id)
    c.reopen_round(store, STAFF2, round_id)
    assert c.round_(store, round_id)["is_open"] and actions(store)[-1] == ("round_reopen", "zhaoliu", f"采集轮次 {round_id}")
    assert c.submit(store, SCHOOL_A, round_id, [file_of(tmp_path, A_2020, "b")]).accepted
    with pytest.raises(c.CollectionError, match="仍在进行中，无需重新开启"):
        c.reopen_round(store, STAFF, round_id)
    c.close_round(store, STAFF, round_id)
    other = c.open_round(store, STAFF, 2020, ["enrolment"], date(2020, 11, 30))
    with pytest.raises(c.CollectionError, match=f"2020 年已有进行中的采集轮次 {other}，不能再开启轮次 {round_id}"):
        c.reopen_round(store, STAFF, round_id)
