"""A whole annual collection round (数据采集, issue 13) in a real browser, on a copy of the demo store.

Playwright drives Debian's Chromium (tests/web_live.py's `browser`) against its own `eduplan serve` over its own
copy of the demo store (the round approves and locks data, which the session's shared server must not see), as
a 规划统计 user and one 学校 user would, through the pages (tools/screenshots.py's CollectionRound, the same steps
`make screenshots` shoots): the bureau opens a round for the year after the demo's last; the school downloads its
pre-filled template (checked cell by cell against last year's rows in the store), uploads it with two errors and
sees each one's row, column and cell (and in the 问题清单 workbook), fixes it with a cohort jump and submits
(待审核) — the bureau sees its figures only with the 含待审核数据 switch on, labelled so; the reviewer sees the
changed cells highlighted and the quality flag, returns it with a comment; the school sees the comment and
resubmits; the reviewer approves. The school's own page (/schools/{code}: 在校生 and the indicator
小学超标准班额班级占比) is read before submitting, after submitting (unchanged) and after approval (the new year,
with the numbers worked by hand). Locked data then refuse a new upload of the school and an import on the 数据
page, and the progress board lists every school of the round: this one 已通过, every other 未提交; unlocked with a
reason, the school submits again (待审核) while the approved figures stay. No page may request another host or
log a console error. With WEB_SCREENSHOTS=<folder> each step is also written there as collection-NN-<step>.png
(EDUPLAN_* variables are cleared by conftest.py, hence the name).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from web_live import serving  # the live server of the browser tests (tests/web_live.py)
from screenshots import (  # tools/screenshots.py: the same browser helpers `make screenshots` uses
    DESKTOP, UNLOCK_REASON, CollectionRound, Shooter, cohort_jump_edits, edit_workbook, grade_of, table_rows,
    template_rows,
)

pytestmark = [pytest.mark.slow, pytest.mark.demo]

TABLE, TABLE_LABEL = "enrolment", "分年级学生数"
INDICATOR = "large_class_share_primary"  # 小学超标准班额班级占比 = Σ超标准班额班数 ÷ Σ班数 × 100 (小学)
RETURN_COMMENT = "三年级在校生比去年二年级多出一半，请核对转入人数和班额后重新提交"
NOTE = "请先核对预填的上一年数据，再按本学年实际填写"
PUPILS, MALE, FEMALE, CLASSES, OVER_NORM = "在校生数（人）", "男生数（人）", "女生数（人）", "班数（个）", "超标准班额班数（个）"
LOCK_RULE = ("已审核的数据锁定后不得修改；如确需修改，请规划统计人员先解锁并说明理由（网页“数据采集”或 eduplan collection "
             "unlock），再由学校重新提交")
SECONDS = 90  # the whole round, signed in to the board (the server's start-up not counted)


@dataclass
class Facts:
    """What the test knows from the demo store itself (read before the server holds its copy)."""

    last: int  # the demo's last year
    code: str  # the school that reports: the first 小学 (211) by code
    name: str
    other: str  # another school's code (for the refused row)
    rows: dict[str, dict]  # its rows of the last year by grade
    expected: list[str]  # the schools that must report in the round's year (open in it), by code


@pytest.fixture(scope="module")
def facts(demo_store: Path) -> Facts:
    import duckdb

    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        last = con.execute("SELECT max(year) FROM enrolment").fetchone()[0]
        code, name = con.execute("SELECT school_code, school_name FROM school WHERE type_code = '211' "
                                 "ORDER BY school_code LIMIT 1").fetchone()
        other = con.execute("SELECT min(school_code) FROM school WHERE type_code = '211' AND school_code > ?",
                            [code]).fetchone()[0]
        cur = con.execute("SELECT * FROM enrolment WHERE school_code = ? AND year = ?", [code, last])
        names = [d[0] for d in cur.description]
        rows = {r["grade"]: r for r in (dict(zip(names, t)) for t in cur.fetchall())}
        expected = [r[0] for r in con.execute(
            "SELECT school_code FROM school WHERE (opened_year IS NULL OR opened_year <= ?) "
            "AND (closed_year IS NULL OR closed_year > ?) ORDER BY school_code", [last + 1, last + 1]).fetchall()]
    finally:
        con.close()
    return Facts(last, code, name, other, rows, expected)


@pytest.fixture(scope="module")
def round_server(demo_store: Path, tmp_path_factory):
    """`eduplan serve` over a fresh copy of the demo store with the demo users, for this module only (approving
    adds 2026 data that the other browser tests must not see)."""
    yield from serving(demo_store, tmp_path_factory, "collection-web")


def school_page(shooter: Shooter, code: str) -> dict:
    """What the school's own page shows: its years, and per year 在校生 and the indicator's cell text."""
    response = shooter.goto(f"/schools/{code}")
    assert response.status == 200
    page = shooter.page
    years = [h.strip() for h in page.locator("#school-figures thead th").all_inner_texts()][2:]
    pupils = page.locator("#school-figures tbody tr", has=page.locator("td", has_text=re.compile("^在校生$")))
    share = page.locator(f'#school-indicators tr[data-indicator="{INDICATOR}"]')
    return {"years": years,
            "在校生": dict(zip(years, (c.strip() for c in pupils.locator("td").all_inner_texts()[2:]))),
            INDICATOR: dict(zip(years, (c.strip() for c in share.locator("td").all_inner_texts()[1:])))}


def issue_rows(path: Path) -> list[tuple]:
    """The problems of a 问题清单 workbook: (级别, 文件, 工作表, 行, 列, 单元格, 值) under its header row."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book["导入检查"].iter_rows(values_only=True))
    finally:
        book.close()
    header = next(i for i, r in enumerate(rows) if r and r[0] == "级别")
    return [tuple(r[:7]) for r in rows[header + 1:] if r and r[0]]


def table_state(rnd: CollectionRound, rid: int) -> tuple[str, str]:
    """(state, review comment) of the school's 分年级学生数 row on its /collection page."""
    rnd.school.goto("/collection")
    row = rnd.school_round(rid).locator(f'tr[data-table="{TABLE}"]')
    return (row.locator('[data-testid="table-state"]').inner_text().strip(),
            row.locator('[data-testid="review-comment"]').inner_text().strip())


def test_a_whole_collection_round(browser, round_server, facts, tmp_path):
    shots = os.environ.get("WEB_SCREENSHOTS")
    output = Path(shots) if shots else None
    if output:
        output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    staff = Shooter(browser, round_server, output, DESKTOP, "staff")
    school = Shooter(browser, round_server, output, DESKTOP, "school")
    staff.sign_in(*round_server.credentials("staff"))
    school.sign_in(*round_server.credentials("school", facts.code))
    rnd = CollectionRound(staff, school, tmp_path)
    year, last, code = facts.last + 1, facts.last, facts.code
    try:
        _round(rnd, facts, year, last, code, tmp_path, round_server)
        assert time.monotonic() - started < SECONDS, f"the round took {time.monotonic() - started:.0f} s"
        for shooter in (staff, school):
            assert {"foreign": shooter.foreign, "errors": shooter.errors} == {"foreign": [], "errors": []}
    finally:
        staff.close()
        school.close()


def _round(rnd: CollectionRound, facts: Facts, year: int, last: int, code: str, tmp_path: Path, server) -> None:
    staff, school = rnd.staff, rnd.school
    before = school_page(school, code)
    assert before["years"][-1] == str(last)

    # ---- 1. the bureau opens the round: the year after the demo's last, 分年级学生数, a deadline
    staff.goto("/collection")
    assert staff.page.locator('[data-testid="round-year"]').input_value() == str(year)  # the form proposes it
    rid = rnd.open_round(year, [TABLE], date.today() + timedelta(days=30), note=NOTE,
                         shot="collection-01-open-round.png")
    assert staff.page.url == f"{server.url}/collection/rounds/{rid}"

    # ---- 2. the school sees it and downloads its pre-filled template
    assert table_state(rnd, rid) == ("未提交", "—")
    school.snap("collection-02-school-round.png")
    template = rnd.template(rid, TABLE)
    sheet, rows = template_rows(template)
    assert sheet == TABLE_LABEL
    assert {(r["统计年度"], r["学校标识码"]) for r in rows} == {(year, code)}  # its own school, the round's year
    assert {grade_of(r): (r[CLASSES], r[MALE], r[FEMALE], r[PUPILS], r[OVER_NORM]) for r in rows} == {
        g: (r["classes"], r["male"], r["female"], r["pupils"], r["classes_over_norm"]) for g, r in facts.rows.items()}
    by_grade = {grade_of(r): r for r in rows}

    # ---- 3. an upload with two errors: a pupils count written in words, another school's code
    first, final = rows[0], rows[-1]
    bad = edit_workbook(template, tmp_path / "bad" / template.name,
                        [(first["_row"], PUPILS, "三百二十三"), (final["_row"], "学校标识码", facts.other)])
    assert rnd.upload(rid, [bad], shot="collection-03-problems.png") == []
    problems = table_rows(school.page, "#submit-errors")
    pupils_cell = f"{get_column_letter(list(first).index(PUPILS) + 1)}{first['_row']}"
    code_cell = f"{get_column_letter(list(first).index('学校标识码') + 1)}{final['_row']}"
    assert [{k: p[k] for k in ("文件", "工作表", "行", "列", "值", "单元格")} for p in problems] == [
        {"文件": template.name, "工作表": TABLE_LABEL, "行": str(first["_row"]), "列": PUPILS, "值": "三百二十三",
         "单元格": pupils_cell},
        {"文件": template.name, "工作表": TABLE_LABEL, "行": str(final["_row"]), "列": "学校标识码", "值": facts.other,
         "单元格": code_cell},
    ], school.page.locator("main").inner_text()[:3000]
    assert problems[1]["规则"] == "每所学校只能提交本校的数据"
    report = school.page.locator('[data-testid="problems-xlsx"]').get_attribute("href")  # the 问题清单 to keep
    answer = school.page.request.get(school.server.url + report)
    assert answer.status == 200
    (tmp_path / "问题清单.xlsx").write_bytes(answer.body())
    assert issue_rows(tmp_path / "问题清单.xlsx") == [
        ("错误", template.name, TABLE_LABEL, first["_row"], PUPILS, pupils_cell, "三百二十三"),
        ("错误", template.name, TABLE_LABEL, final["_row"], "学校标识码", code_cell, facts.other)]
    assert table_state(rnd, rid) == ("未提交", "—")  # nothing was stored

    # ---- 4. fixed, with a cohort jump the quality rules will flag. By hand, on the demo (2025 → 2026):
    # 二年级 (P2) had 342 pupils in 2025; the school reports 三年级 (P3) 2026 = 342 × 1.5 = 513 (+50.0 %, beyond
    # the rule's ±30 %; P3 was 415 in 2025), 男 = 513 − 女 210 = 303, and all its 10 classes over 45 pupils
    # (超标准班额班数 0 → 10). The other grades stay as pre-filled.
    edits, change = cohort_jump_edits(rows, "P3")
    p2, p3 = facts.rows["P2"], facts.rows["P3"]
    assert change == {"grade": "P3", "lower": "P2", "lower_pupils": p2["pupils"], "pupils": round(p2["pupils"] * 1.5),
                      "male": round(p2["pupils"] * 1.5) - p3["female"], "classes": p3["classes"]}
    fixed = edit_workbook(template, tmp_path / "fixed" / template.name, edits)
    submitted = rnd.upload(rid, [fixed], shot="collection-04-submitted.png")
    assert len(submitted) == 1
    sid = submitted[0]
    assert school.page.locator('#new-submissions [data-testid="submission-state"]').inner_text().strip() == "待审核"
    assert table_state(rnd, rid) == ("待审核", "—")
    assert school_page(school, code) == before  # pending data are not part of the official figures

    # the bureau sees them only when it asks (含待审核数据, labelled on the page), with the numbers worked below
    assert school_page(staff, code) == before
    rnd.figures_pending(True)
    assert staff.page.locator('[data-testid="pending-banner"]').inner_text().startswith(
        "含待审核数据：本页数字包含 1 份尚未审核的采集提交，不是正式数据")
    pending = school_page(staff, code)
    staff.snap("collection-05-pending-figures.png")
    rnd.figures_pending(False)
    assert staff.page.locator('[data-testid="pending-banner"]').count() == 0
    assert school_page(staff, code) == before

    # ---- 5. the review: the changed cells highlighted (last year's value in the title), the cohort flag
    assert rnd.review(sid, shot="collection-06-review.png").status == 200
    page = staff.page
    changed = page.locator('[data-testid="changed-cell"]').evaluate_all(
        "els => els.map(e => [e.closest('tr').dataset.key, e.dataset.field, e.textContent.trim(),"
        " e.getAttribute('title')])")
    assert sorted(map(tuple, changed)) == sorted([
        ("P3", "male", str(change["male"]), f"{last} 年：{p3['male']}"),
        ("P3", "pupils", str(change["pupils"]), f"{last} 年：{p3['pupils']}"),
        ("P3", "classes_over_norm", str(change["classes"]), f"{last} 年：{p3['classes_over_norm']}"),
    ])
    assert page.locator('[data-testid="count-changed"]').inner_text() == "3"
    assert page.locator('tr[data-testid="review-row"]').evaluate_all(
        "els => els.map(e => [e.dataset.key, e.dataset.state])") == [
        [grade_of(r), "修改" if grade_of(r) == "P3" else "未变"] for r in rows]
    flags = page.locator('[data-testid="flag"]').evaluate_all("els => els.map(e => [e.dataset.rule, e.textContent])")
    jump = change["pupils"] / p2["pupils"] - 1
    assert [rule for rule, _ in flags] == ["cohort_jump"], flags
    assert flags[0][1].endswith(f"{facts.name}（{code}）{year} 年 P3 有 {change['pupils']} 人，上一年低一年级为 "
                                f"{p2['pupils']} 人（变化 {jump:+.1%}，超过 ±30%）"), flags
    assert f"{jump:+.1%}" == "+50.0%"

    # ---- 6. returned with a comment; 7. the school sees it
    rnd.return_(sid, RETURN_COMMENT)
    assert page.locator('[data-testid="submission-state"]').inner_text().strip() == "已退回"
    assert table_state(rnd, rid) == ("已退回", RETURN_COMMENT + "\n审核人 " + server.user("staff")["username"])
    school.snap("collection-07-returned.png")

    # ---- 8. resubmitted (the same corrected file, checked again), 9. approved
    resubmitted = rnd.upload(rid, [fixed])
    assert len(resubmitted) == 1 and resubmitted[0] != sid
    sid = resubmitted[0]
    assert school_page(school, code) == before
    rnd.approve(sid, shot="collection-08-approved.png")
    assert page.locator('[data-testid="submission-state"]').inner_text().strip() == "已通过"
    assert page.locator('[data-testid="lock"]').inner_text().startswith(f"已锁定：{code} 的{TABLE_LABEL} {year} 年")
    assert table_state(rnd, rid)[0] == "已通过"

    # the school's page now has the new year. By hand: 在校生 = Σ last year's pupils − P3's 415 + 513
    # = 2,362 − 415 + 513 = 2,460; 小学超标准班额班级占比 = (0 + 10) ÷ Σ班数 58 × 100 = 17.2 %.
    pupils = sum(r["pupils"] for r in facts.rows.values()) - p3["pupils"] + change["pupils"]
    over = sum(r["classes_over_norm"] for r in facts.rows.values()) - p3["classes_over_norm"] + p3["classes"]
    share = over / sum(r["classes"] for r in facts.rows.values()) * 100
    after = school_page(school, code)
    school.snap("collection-09-school-page.png")
    assert after["years"] == before["years"] + [str(year)]
    assert after["在校生"] == {**before["在校生"], str(year): f"{pupils:,}"}
    assert after[INDICATOR] == {**before[INDICATOR], str(year): f"{share:.1f}%"}
    assert (after["在校生"][str(year)], after[INDICATOR][str(year)]) == ("2,460", "17.2%")
    assert pending == after  # what the switch showed before approval is what approval made official

    # ---- 10. locked: a new upload of the school is refused, and so is an import on the 数据 page
    lock = (rf"学校 {code} 的 {year} 年“{TABLE_LABEL}”已于 [^，]+ 由 {re.escape(server.user('staff')['username'])} "
            rf"审核通过并锁定（提交 {sid}，批次 \d+）")
    again = edit_workbook(fixed, tmp_path / "again" / template.name, [(by_grade["P1"]["_row"], CLASSES, 9)])
    assert rnd.upload(rid, [again], shot="collection-10-locked.png") == []
    refused = table_rows(school.page, "#submit-errors")
    assert len(refused) == 1 and refused[0]["列"] == "学校标识码" and refused[0]["值"] == code, refused
    assert refused[0]["规则"] == LOCK_RULE
    assert re.fullmatch(f"{lock}，不能再提交（规则：{re.escape(LOCK_RULE)}）", refused[0]["说明"]), refused
    staff.goto("/data")
    form = staff.page.locator("form#upload-form")
    form.locator('input[type="file"]').set_input_files(str(again))
    with staff.page.expect_navigation(wait_until="load"):
        form.locator('button[type="submit"]').click()
    refused = table_rows(staff.page, "#import-errors")
    assert len(refused) == 1, refused
    assert refused[0]["规则"] == LOCK_RULE
    assert re.fullmatch(f"本文件有该校 {year} 年的 {len(rows)} 行，与库中不同，但{lock}，不能再导入或修改"
                        f"（规则：{re.escape(LOCK_RULE)}）", refused[0]["说明"]), refused
    assert school_page(school, code) == after

    # ---- 11. the board: every school that must report, this one 已通过, the others 未提交
    assert rnd.board(rid, shot="collection-11-board.png").status == 200
    states = page.locator(f'table#board tr[data-table="{TABLE}"]').evaluate_all(
        "els => els.map(e => [e.dataset.school, e.querySelector('[data-testid=board-state]').textContent.trim()])")
    assert sorted(map(tuple, states)) == [(c, "已通过" if c == code else "未提交") for c in facts.expected]
    assert table_rows(page, "table#board-counts") == [
        {"表": TABLE_LABEL, "未提交": f"{len(facts.expected) - 1:,}", "待审核": "0", "已退回": "0", "已解锁": "0", "已通过": "1"}]
    staff.shoot("/collection", "collection-12-rounds.png")

    # ---- 12. unlocked with a reason: the school may submit again (the cycle repeats); the approved figures stay
    rnd.unlock(sid, UNLOCK_REASON, shot="collection-13-unlocked.png")
    assert staff.page.locator('[data-testid="message"]').inner_text() == (
        f"已解锁{facts.name}（{code}）{year} 年的“{TABLE_LABEL}”；原因：{UNLOCK_REASON}。学校现在可以重新提交，审核通过后再次锁定。")
    assert table_state(rnd, rid)[0] == "已解锁"
    school.snap("collection-14-school-after-unlock.png")
    assert len(rnd.upload(rid, [again])) == 1
    assert table_state(rnd, rid)[0] == "待审核"
    assert school_page(school, code) == after
