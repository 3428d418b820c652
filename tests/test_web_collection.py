"""The 数据采集 pages (eduplan/web/pages/collection.py) on this module's own copy of the demo store, as the bureau's
staff and the schools' principals use them: open a round, a school submits (errors listed by row and column,
nothing stored; another school's code refused naming the row; a valid file 待审核), the review page (changed
cells, flags), approve (batch and lock) / return (the school sees the comment), a second approve refused, the
board and its workbook, unlock — and a school never sees another school's submission nor the board."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import openpyxl
import pytest

from web_fixtures import make_web

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def w(demo_store, tmp_path_factory):
    web = make_web(tmp_path_factory.mktemp("web-collection"), demo_store)
    with web.state.reading() as store:
        web.last_year = store.one("SELECT max(year) FROM enrolment")[0]
        # 小学 with last year's enrolment rows (the review compares against them)
        web.primary = [r[0] for r in store.run(
            "SELECT DISTINCT s.school_code FROM school s JOIN enrolment e USING (school_code) "
            "WHERE s.type_code = '211' AND e.year = ? ORDER BY 1", [web.last_year])]
    web.year = web.last_year + 1
    web.deadline = (date.today() + timedelta(days=60)).isoformat()
    yield web
    web.close()


@pytest.fixture(scope="module")
def staff(w):
    return w.client("staff")


@pytest.fixture(scope="module")
def rid(w, staff):
    """The round of this module, opened through the page: enrolment and teachers for next year."""
    r = staff.post("/collection/rounds", data={"csrf": staff.csrf, "year": str(w.year), "tables": ["enrolment", "teachers"],
                                               "deadline": w.deadline, "note": "请按实际填报"})
    assert r.status_code == 303, r.text[:2000]
    m = re.fullmatch(r"/collection/rounds/(\d+)", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


# ------------------------------------------------------------------ helpers


def _count(w, sql: str, params=None):
    with w.state.reading() as store:
        return store.one(sql, params or [])[0]


def _csv(w, code: str, edit=None, table: str = "enrolment") -> bytes:
    """A school's rows of last year for `table` as next year's CSV file (headers as the template's), edited."""
    from eduplan.model import find_table

    t = find_table(table)
    with w.state.reading() as store:
        rows = store.dicts(f'SELECT * FROM "{table}" WHERE school_code = ? AND year = ? ORDER BY 3',
                           [code, w.last_year])
    assert rows, f"no {table} rows of {code} in {w.last_year}"
    for r in rows:
        r["year"] = w.year
    if edit:
        edit(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.header for f in t.fields])
    for r in rows:
        writer.writerow(["" if r.get(f.name) is None else r[f.name] for f in t.fields])
    return out.getvalue().encode("utf-8")


def _submit(client, rid: int, name: str, body: bytes, **data):
    return client.post(f"/collection/rounds/{rid}/submit", files=[("files", (name, body, "text/csv"))],
                       data={"csrf": client.csrf, **data})


def _table(page: str, testid: str) -> list[list[str]]:
    m = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', page, re.S)
    assert m, f"no table [data-testid={testid}]"
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1), re.S):
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)])
    return rows


def _error(page: str) -> str:
    m = re.search(r'<p class="error-message"[^>]*>(.*?)</p>', page, re.S)
    assert m, "no error message on the page"
    return unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def _pending_of(w, code: str) -> list[int]:
    with w.state.reading() as store:
        return [r[0] for r in store.run("SELECT submission_id FROM submission WHERE school_code = ? AND status = 'pending' "
                                        "ORDER BY 1", [code])]


# ------------------------------------------------------------------ tests


def test_staff_sees_the_round_with_its_counts_and_the_open_form(w, staff, rid):
    page = staff.get("/collection")
    assert page.status_code == 200
    assert 'data-testid="open-round-form"' in page.text
    rounds = _table(page.text, "rounds")
    assert rounds[0][:6] == ["轮次", "年度", "采集的表", "截止日期", "范围", "状态"]
    row = next(r for r in rounds[1:] if r[0] == str(rid))
    expected = _count(w, "SELECT count(*) FROM school WHERE (closed_year IS NULL OR closed_year > ?) "
                         "AND (opened_year IS NULL OR opened_year <= ?)", [w.year, w.year])
    assert row[1:4] == [str(w.year), "分年级学生数、专任教师", w.deadline]
    assert row[6] == f"{2 * expected:,}"  # 未提交: every school, both tables


def test_a_second_round_for_the_same_year_is_refused_on_the_page(w, staff, rid):
    r = staff.post("/collection/rounds", data={"csrf": staff.csrf, "year": str(w.year), "tables": ["enrolment"],
                                               "deadline": f"{w.year}-11-30"})
    assert r.status_code == 409
    assert _error(r.text).startswith(f"未开启采集轮次：{w.year} 年已有进行中的采集轮次 {rid}")
    bad = staff.post("/collection/rounds", data={"csrf": staff.csrf, "year": str(w.year + 1), "tables": ["enrolment"],
                                                 "deadline": "31.10.2030"})
    assert bad.status_code == 400
    assert _error(bad.text) == "未开启采集轮次：截止日期“31.10.2030”不是日期（格式 2026-10-31）"


def test_a_school_submits_a_valid_file_and_sees_it_waiting(w, rid):
    code = w.primary[0]
    school = w.client("school", school_code=code)
    home = school.get("/collection")
    assert home.status_code == 200 and 'data-testid="upload-form"' in home.text
    mine = _table(home.text, "my-tables")
    assert [r[:2] for r in mine[1:]] == [["分年级学生数", "未提交"], ["专任教师", "未提交"]]
    body = _csv(w, code, lambda rows: rows[0].update(male=rows[0]["male"] + 1, pupils=rows[0]["pupils"] + 1))
    r = _submit(school, rid, "分年级学生数.csv", body)
    assert r.status_code == 200, _error(r.text)
    new = _table(r.text, "new-submissions")
    assert new[0] == ["提交号", "表", "年度", "行数", "文件", "状态"]
    assert len(new) == 2
    sid = int(new[1][0])
    assert new[1][1:] == ["分年级学生数", str(w.year), str(body.decode().count("\n") - 1), "分年级学生数.csv", "待审核"]
    assert _pending_of(w, code) == [sid]
    again = school.get("/collection")
    assert [r[:2] for r in _table(again.text, "my-tables")[1:]] == [["分年级学生数", "待审核"], ["专任教师", "未提交"]]


def test_a_file_with_an_error_lists_row_and_column_and_stores_nothing(w, rid):
    code = w.primary[1]
    school = w.client("school", school_code=code)
    before = _count(w, "SELECT count(*) FROM submission")

    def bad(rows):
        rows[2]["pupils"] = "两百"

    r = _submit(school, rid, "分年级学生数.csv", _csv(w, code, bad))
    assert r.status_code == 200
    assert "文件未被接收，什么也没有保存" in r.text
    problems = _table(r.text, "problems")
    assert problems[0][:7] == ["文件", "工作表", "行", "列", "值", "规则", "单元格"]
    assert len(problems) == 2
    assert problems[1][:5] == ["分年级学生数.csv", "—", "4", "在校生数（人）", "两百"]
    assert _count(w, "SELECT count(*) FROM submission") == before
    link = re.search(r'href="(/collection/reports/[A-Za-z0-9_-]+\.xlsx)"', r.text).group(1)
    x = school.get(link)
    assert x.status_code == 200 and x.headers["content-type"].startswith(XLSX)
    values = [list(v) for v in openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True)]
    header = next(i for i, v in enumerate(values) if v[:2] == ["级别", "文件"])
    assert values[header + 1][:3] == ["错误", "分年级学生数.csv", None] or values[header + 1][:2] == ["错误", "分年级学生数.csv"]
    assert "两百" in values[header + 1]
    # the list is the uploader's only
    assert w.client("school", school_code=w.primary[2]).get(link).status_code == 404


def test_another_schools_code_in_the_file_is_refused_naming_the_row(w, rid):
    code, other = w.primary[2], w.primary[3]
    school = w.client("school", school_code=code)
    before = _count(w, "SELECT count(*) FROM submission")
    r = _submit(school, rid, "分年级学生数.csv", _csv(w, code, lambda rows: rows[1].update(school_code=other)))
    assert r.status_code == 200
    problems = _table(r.text, "problems")
    refused = [p for p in problems[1:] if p[5] == "每所学校只能提交本校的数据"]
    assert len(refused) == 1
    assert refused[0][2:5] == ["3", "学校标识码", other]
    assert _count(w, "SELECT count(*) FROM submission") == before
    # a code that does not exist gets the same answer: the upload does not tell which codes exist
    nowhere = _submit(school, rid, "分年级学生数.csv", _csv(w, code, lambda rows: rows[1].update(school_code="9999999999")))
    strip = [[c.replace("9999999999", "〈代码〉") for c in p] for p in _table(nowhere.text, "problems")]
    assert strip == [[c.replace(other, "〈代码〉") for c in p] for p in problems]


def test_a_school_user_sees_no_other_school(w, rid, staff):
    owner, other = w.primary[0], w.primary[4]
    sid = _pending_of(w, owner)[0]
    nosy = w.client("school", school_code=other)
    theirs = nosy.get(f"/collection/submissions/{sid}")
    nowhere = nosy.get("/collection/submissions/999999")
    assert theirs.status_code == nowhere.status_code == 404
    assert _error(theirs.text) == _error(nowhere.text) == "没有找到该提交"
    assert owner not in theirs.text
    assert nosy.get(f"/collection/rounds/{rid}").status_code == 403
    assert nosy.get(f"/collection/rounds/{rid}/board.xlsx").status_code == 403
    t = nosy.get(f"/collection/rounds/{rid}/template/enrolment.xlsx?school={owner}")
    assert t.status_code == 404 and _error(t.text) == "没有找到该学校"
    # submitting for another school through the form field: not found, nothing stored
    before = _count(w, "SELECT count(*) FROM submission")
    r = _submit(nosy, rid, "分年级学生数.csv", _csv(w, owner), school=owner)
    assert r.status_code == 404 and owner not in r.text
    assert _count(w, "SELECT count(*) FROM submission") == before
    nosy_file = nosy.get(f"/collection/submissions/{sid}/file")
    assert nosy_file.status_code == 404 and _error(nosy_file.text) == "没有找到该提交"
    # its own submission is shown to the owner, and the file as uploaded
    mine = w.client("school", school_code=owner)
    own = mine.get(f"/collection/submissions/{sid}")
    assert own.status_code == 200 and 'data-testid="submission-state">待审核<' in own.text
    rows = _table(own.text, "submission-rows")
    assert rows[0][:3] == ["源文件行", "年级", "班数"] and len(rows) - 1 == _count(
        w, "SELECT row_count FROM submission WHERE submission_id = ?", [sid])
    f = mine.get(f"/collection/submissions/{sid}/file")
    assert f.status_code == 200 and f.headers["content-type"].startswith("text/csv")
    assert f.content.decode("utf-8").splitlines()[0].startswith("统计年度,学校标识码,年级")


def test_the_review_marks_changed_cells_and_approve_writes_a_batch_and_locks(w, staff, rid):
    code = w.primary[0]
    sid = _pending_of(w, code)[0]
    page = staff.get(f"/collection/submissions/{sid}")
    assert page.status_code == 200
    changed = re.findall(r'<td class="changed st-warn" data-testid="changed-cell" data-field="([a-z_]+)" title="([^"]*)">([^<]*)</td>',
                         page.text)
    with w.state.reading() as store:
        first = store.dicts("SELECT * FROM enrolment WHERE school_code = ? AND year = ? ORDER BY grade LIMIT 1",
                            [code, w.last_year])[0]
    assert sorted(c[0] for c in changed) == ["male", "pupils"]
    by_field = {c[0]: c for c in changed}
    assert by_field["male"][1:] == (f"{w.last_year} 年：{first['male']}", str(first["male"] + 1))
    assert re.search(r'data-testid="count-changed">2<', page.text)
    # with the 含待审核数据 switch on, the review still compares against the approved data (not the pending overlay)
    pending = w.client("staff")
    assert pending.post("/figures/pending", data={"csrf": pending.csrf, "on": "true"}).status_code == 303
    switched = pending.get(f"/collection/submissions/{sid}").text
    assert "含待审核数据" in switched
    assert re.findall(r'data-testid="changed-cell" data-field="([a-z_]+)" title="([^"]*)">([^<]*)</td>', switched) == \
        [c[:3] for c in re.findall(r'data-testid="changed-cell" data-field="([a-z_]+)" title="([^"]*)">([^<]*)</td>', page.text)]
    assert re.search(r'data-testid="count-changed">2<', switched)
    assert 'data-testid="approve"' in page.text and 'data-testid="return"' in page.text
    batches = _count(w, "SELECT count(*) FROM import_batch")
    r = staff.post(f"/collection/submissions/{sid}/approve", data={"csrf": staff.csrf, "comment": "核对无误"})
    assert r.status_code == 303 and r.headers["location"] == f"/collection/submissions/{sid}"
    assert _count(w, "SELECT count(*) FROM import_batch") == batches + 1
    batch = _count(w, "SELECT batch_id FROM import_batch WHERE submission_id = ?", [sid])
    assert _count(w, "SELECT male FROM enrolment WHERE school_code = ? AND year = ? AND grade = ?",
                  [code, w.year, first["grade"]]) == first["male"] + 1
    after = staff.get(f"/collection/submissions/{sid}")
    assert 'data-testid="submission-state">已通过<' in after.text
    assert f"由 test-staff 审核通过，写入批次 {batch}。" in unescape(after.text)
    lock = unescape(re.search(r'data-testid="lock">(.*?)</dd>', after.text, re.S).group(1))
    assert lock.startswith(f"已锁定：{code} 的分年级学生数 {w.year} 年")
    assert 'data-testid="approve"' not in after.text and 'data-testid="unlock-form"' in after.text
    # a second approval (another reviewer's tab): refused, clearly, nothing written
    again = staff.post(f"/collection/submissions/{sid}/approve", data={"csrf": staff.csrf})
    assert again.status_code == 409
    assert _error(again.text).startswith(f"未能审核通过：不能审核通过提交 {sid}：它已由 test-staff 于 ")
    assert _error(again.text).endswith(f"审核通过（批次 {batch}）")
    assert _count(w, "SELECT count(*) FROM import_batch") == batches + 1
    # the school sees it approved
    mine = w.client("school", school_code=code).get("/collection")
    assert [r[:2] for r in _table(mine.text, "my-tables")[1:]][0] == ["分年级学生数", "已通过"]


def test_return_with_a_comment_the_school_sees(w, staff, rid):
    code = w.primary[5]
    school = w.client("school", school_code=code)
    r = _submit(school, rid, "专任教师.csv", _csv(w, code, table="teachers"))
    assert r.status_code == 200, _error(r.text)
    sid = _pending_of(w, code)[0]
    review = staff.get(f"/collection/submissions/{sid}").text
    flags = re.findall(r'<li data-testid="flag" data-rule="([a-z_]+)"[^>]*><strong>(.*?)</strong>：(.*?)</li>', review)
    same = [f for f in flags if f[0] == "same_as_last_year"]
    assert len(same) == 1 and same[0][1] == "提交的数据与上年已审核数据完全相同"
    assert same[0][2].startswith("全部 ") and f"与 {w.last_year} 年的数值完全相同" in same[0][2]
    assert 'data-testid="changed-cell"' not in review
    empty = staff.post(f"/collection/submissions/{sid}/return", data={"csrf": staff.csrf, "comment": "  "})
    assert empty.status_code == 400
    assert _error(empty.text) == "未能退回：请填写退回意见（学校将看到这段说明）"
    done = staff.post(f"/collection/submissions/{sid}/return", data={"csrf": staff.csrf, "comment": "专任教师数与去年完全相同，请核实"})
    assert done.status_code == 303
    home = school.get("/collection")
    row = next(r for r in _table(home.text, "my-tables")[1:] if r[0] == "专任教师")
    assert row[1] == "已退回"
    assert row[2] == "专任教师数与去年完全相同，请核实审核人 test-staff"
    page = school.get(f"/collection/submissions/{sid}")
    assert unescape(re.search(r'data-testid="review-comment">(.*?)</dd>', page.text).group(1)) == "专任教师数与去年完全相同，请核实"
    assert 'data-testid="approve"' not in page.text  # the school sees no review forms
    # returning it again: refused (state conflict)
    twice = staff.post(f"/collection/submissions/{sid}/return", data={"csrf": staff.csrf, "comment": "再退一次"})
    assert twice.status_code == 409
    assert _error(twice.text).startswith(f"未能退回：不能退回提交 {sid}：它已由 test-staff 于 ")


def test_the_board_filters_and_its_workbook(w, staff, rid):
    approved, returned = w.primary[0], w.primary[5]
    page = staff.get(f"/collection/rounds/{rid}?table=enrolment&state=已通过")
    assert page.status_code == 200
    rows = _table(page.text, "board")
    assert rows[0][:9] == ["学校标识码", "学校", "表", "状态", "提交", "提交时间", "提交人", "审核人", "联系人"]
    assert [r[0] for r in rows[1:]] == [approved]
    assert rows[1][2:4] == ["分年级学生数", "已通过"] and rows[1][7] == "test-staff"
    assert f'href="/collection/rounds/{rid}/board.xlsx?table=enrolment&amp;state=已通过"' in page.text
    inspector = w.client("inspector")
    seen = inspector.get(f"/collection/rounds/{rid}")
    assert seen.status_code == 200 and 'data-testid="unlock-form"' not in seen.text
    assert 'data-testid="close-round"' not in seen.text and 'data-testid="staff-upload-form"' not in seen.text
    home = inspector.get("/collection").text  # the rounds, read-only
    assert f'<tr data-round="{rid}">' in home
    assert 'data-testid="open-round-form"' not in home and 'data-testid="pending"' not in home
    review = inspector.get(f"/collection/submissions/{rows[1][4].split()[-1]}").text
    assert 'data-testid="review-rows"' in review and 'data-testid="unlock-form"' not in review
    assert inspector.post(f"/collection/rounds/{rid}/close", data={"csrf": inspector.csrf}).status_code == 403
    x = staff.get(f"/collection/rounds/{rid}/board.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(x.content))["进度"]
    values = [list(v) for v in sheet.iter_rows(values_only=True)]
    head = next(i for i, v in enumerate(values) if v[0] == "学校标识码")
    assert values[head][:10] == ["学校标识码", "学校名称", "表", "状态", "逾期", "提交时间", "提交人", "审核人", "审核意见", "联系人"]
    body = [v for v in values[head + 1:] if v[2] in ("分年级学生数", "专任教师")]  # (notes follow the table)
    expected = _count(w, "SELECT count(*) FROM school WHERE (closed_year IS NULL OR closed_year > ?) "
                         "AND (opened_year IS NULL OR opened_year <= ?)", [w.year, w.year])
    assert len(body) == 2 * expected  # every school × both tables
    name = _count(w, "SELECT school_name FROM school WHERE school_code = ?", [approved])
    row = next(v for v in body if v[0] == approved and v[2] == "分年级学生数")
    assert row[1:5] == [name, "分年级学生数", "已通过", "否"]
    assert row[6:10] == [f"school-{approved}", "test-staff", "核对无误", "测试学校"]
    back = next(v for v in body if v[0] == returned and v[2] == "专任教师")
    assert back[3:5] == ["已退回", "否"] and back[8] == "专任教师数与去年完全相同，请核实"
    assert sum(1 for v in body if v[3] == "未提交") == 2 * expected - 2  # two schools have submitted one table each
    # filtered as the page: the list of one table's schools in one state
    only = staff.get(f"/collection/rounds/{rid}/board.xlsx?table=teachers&state=已退回")
    rows = [list(v) for v in openpyxl.load_workbook(io.BytesIO(only.content))["进度"].iter_rows(values_only=True)]
    head = next(i for i, v in enumerate(rows) if v[0] == "学校标识码")
    assert [v[0] for v in rows[head + 1:] if v[2] == "专任教师"] == [returned]


def test_unlock_needs_a_reason_and_frees_the_school_to_resubmit(w, staff, rid):
    code = w.primary[0]
    form = {"csrf": staff.csrf, "school": code, "table": "enrolment", "year": str(w.year),
            "back": f"/collection/rounds/{rid}"}
    r = staff.post("/collection/unlock", data={**form, "reason": ""})
    assert r.status_code == 400 and _error(r.text) == "未解锁：请填写解锁理由"
    ok = staff.post("/collection/unlock", data={**form, "reason": "学校报告一年级人数录入错误"})
    assert ok.status_code == 200
    assert "学校报告一年级人数录入错误" in unescape(ok.text) and f'href="/collection/rounds/{rid}"' in ok.text
    again = staff.post("/collection/unlock", data={**form, "reason": "再解一次"})
    assert again.status_code == 409
    board = _table(staff.get(f"/collection/rounds/{rid}?table=enrolment&state=已解锁").text, "board")
    assert [r[0] for r in board[1:]] == [code]
    school = w.client("school", school_code=code)
    resubmit = _submit(school, rid, "分年级学生数.csv", _csv(w, code))
    assert resubmit.status_code == 200, _error(resubmit.text)
    assert _table(resubmit.text, "new-submissions")[1][5] == "待审核"


def test_a_school_downloads_its_prefilled_template_and_uploads_it(w, staff, rid):
    code = w.primary[6]
    school = w.client("school", school_code=code)
    home = school.get("/collection")
    link = f"/collection/rounds/{rid}/template/enrolment.xlsx"
    assert f'href="{link}"' in home.text
    x = school.get(link)
    assert x.status_code == 200 and x.headers["content-type"].startswith(XLSX)
    book = openpyxl.load_workbook(io.BytesIO(x.content))
    sheet = book["分年级学生数"]
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    with w.state.reading() as store:
        last = store.dicts("SELECT grade, pupils FROM enrolment WHERE school_code = ? AND year = ?", [code, w.last_year])
    mine = [r for r in cells if code in [str(c) for c in r]]
    assert len(mine) == len(last)  # one row per grade of last year, this school's only
    assert all(str(w.year) in [str(c) for c in r] for r in mine)
    # uploaded unchanged: accepted, 待审核
    r = school.post(f"/collection/rounds/{rid}/submit", data={"csrf": school.csrf},
                    files=[("files", ("分年级学生数.xlsx", x.content, XLSX))])
    assert r.status_code == 200, _error(r.text)
    new = _table(r.text, "new-submissions")
    assert new[1][1:4] == ["分年级学生数", str(w.year), str(len(last))] and new[1][5] == "待审核"
    # the bureau names the school; a table the round does not collect is not found
    assert staff.get(f"{link}?school={code}").status_code == 200
    assert staff.get(link).status_code == 400
    missing = school.get(f"/collection/rounds/{rid}/template/facilities.xlsx")
    assert missing.status_code == 404
    assert _error(missing.text) == f"采集轮次 {rid} 不采集表“facilities”；本轮次采集：分年级学生数、专任教师"


def test_overdue_schools_are_marked_and_a_closed_round_takes_no_more(w, staff):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    r = staff.post("/collection/rounds", data={"csrf": staff.csrf, "year": str(w.year + 1), "tables": ["facilities"],
                                               "deadline": yesterday})
    assert r.status_code == 303
    late = int(r.headers["location"].rsplit("/", 1)[1])
    page = staff.get(f"/collection/rounds/{late}")
    rows = re.findall(r'<tr data-testid="board-row" data-school="(\d+)"[^>]*class="overdue"', page.text)
    expected = _count(w, "SELECT count(*) FROM school WHERE (closed_year IS NULL OR closed_year > ?) "
                         "AND (opened_year IS NULL OR opened_year <= ?)", [w.year + 1, w.year + 1])
    assert len(rows) == expected == page.text.count('data-testid="overdue">逾期<')
    assert 'data-testid="round-state">已过截止日期<' in page.text
    code = w.primary[7]
    school = w.client("school", school_code=code)
    mine = school.get("/collection").text
    section = mine[mine.index(f'data-round="{late}"'):]
    assert '已过截止日期' in section[:600]
    assert _table(section, "my-tables")[1][:2] == ["办学条件", "未提交 逾期"]
    closed = staff.post(f"/collection/rounds/{late}/close", data={"csrf": staff.csrf})
    assert closed.status_code == 303
    assert 'data-testid="round-state">已结束<' in staff.get(f"/collection/rounds/{late}").text
    assert f'data-round="{late}"' not in school.get("/collection").text
    refused = _submit(school, late, "办学条件.csv", _csv(w, code, table="facilities"))
    assert refused.status_code == 409
    assert _error(refused.text) == f"未提交：采集轮次 {late} 已结束，不再接收提交；如需补报请联系规划统计人员"
    twice = staff.post(f"/collection/rounds/{late}/close", data={"csrf": staff.csrf})
    assert twice.status_code == 409 and _error(twice.text).startswith(f"采集轮次 {late} 已于 ")


def test_a_submission_bigger_than_the_limit_is_refused_unread(w, rid, monkeypatch):
    monkeypatch.setattr(w.state, "settings", w.state.settings.model_copy(update={"max_upload_mb": 1}))
    code = w.primary[8]
    school = w.client("school", school_code=code)
    before = _count(w, "SELECT count(*) FROM submission")
    refused = ("SELECT count(*) FROM audit_log WHERE action = 'submit_refused' AND outcome = '失败' "
               "AND target = '（超过大小上限，未读取）' AND actor = ?")
    r = _submit(school, rid, "分年级学生数.csv", b"x" * (1024 * 1024 + 10))
    assert r.status_code == 413
    assert _error(r.text).startswith("上传的文件共 1.0 MB，超过上限 1 MB（设置 web.max_upload_mb）")
    assert _count(w, "SELECT count(*) FROM submission") == before
    assert _count(w, refused, [f"school-{code}"]) == 1
    # no file at all: said, nothing stored
    empty = school.post(f"/collection/rounds/{rid}/submit", data={"csrf": school.csrf})
    assert empty.status_code == 400 and _error(empty.text).startswith("请选择要提交的文件")
    # a 督学 does not submit
    inspector = w.client("inspector")
    no = inspector.post(f"/collection/rounds/{rid}/submit", data={"csrf": inspector.csrf, "school": code},
                        files=[("files", ("分年级学生数.csv", _csv(w, code), "text/csv"))])
    assert no.status_code == 403 and _error(no.text) == "督学不提交采集数据：由学校上传，或由规划统计代学校上传"
    assert _count(w, "SELECT count(*) FROM submission") == before


def test_staff_submit_for_a_school_named_in_the_form(w, staff, rid):
    code = w.primary[9]
    none = _submit(staff, rid, "分年级学生数.csv", _csv(w, code))
    assert none.status_code == 400 and _error(none.text) == "请选择提交数据的学校（学校标识码）"
    r = _submit(staff, rid, "分年级学生数.csv", _csv(w, code), school=code)
    assert r.status_code == 200, _error(r.text)
    sid = int(_table(r.text, "new-submissions")[1][0])
    with w.state.reading() as store:
        row = store.dicts("SELECT school_code, status, submitted_by FROM submission WHERE submission_id = ?", [sid])[0]
    assert row == {"school_code": code, "status": "pending", "submitted_by": "test-staff"}
    pending = _table(staff.get("/collection").text, "pending")
    assert any(p[0] == str(sid) and p[1].endswith(f"（{code}）") for p in pending[1:])


def test_a_resubmission_supersedes_the_waiting_one(w, staff, rid):
    code = w.primary[9]
    first = _pending_of(w, code)
    assert len(first) == 1  # the one staff submitted for the school above
    school = w.client("school", school_code=code)
    r = _submit(school, rid, "分年级学生数.csv", _csv(w, code, lambda rows: rows[0].update(classes=rows[0]["classes"] + 1)))
    assert r.status_code == 200, _error(r.text)
    second = int(_table(r.text, "new-submissions")[1][0])
    assert _pending_of(w, code) == [second]
    old = staff.get(f"/collection/submissions/{first[0]}").text
    assert 'data-testid="submission-state">已被新提交取代<' in old
    assert f'href="/collection/submissions/{second}">提交 {second}</a>' in old
    assert 'data-testid="approve"' not in old
    refused = staff.post(f"/collection/submissions/{first[0]}/approve", data={"csrf": staff.csrf})
    assert refused.status_code == 409
    assert _error(refused.text) == (f"未能审核通过：不能审核通过提交 {first[0]}：它已被学校的新提交 {second} 取代，"
                                    "请审核最新的提交")
    mine = [row for row in _table(school.get("/collection").text, "my-submissions")[1:]]
    assert [(row[0], row[6]) for row in mine[:2]] == [(str(second), "待审核"), (str(first[0]), "已被新提交取代")]


def test_a_schools_collection_pages_name_no_other_school(w, rid):
    """With other schools' submissions, approvals and returns in the store, every 数据采集 page and download a 学校
    user reaches from its home (and the submission and file ids of others) carries no other school's code or name."""
    from test_web_probe import Probe

    code = w.primary[0]
    with w.state.reading() as store:
        schools = store.run("SELECT school_code, school_name FROM school ORDER BY 1")
        theirs = [r[0] for r in store.run("SELECT submission_id FROM submission WHERE school_code <> ?", [code])]
    names = dict(schools)
    assert len(theirs) >= 4
    probe = Probe(w.client("school", school_code=code), (code, names[code]), [(c, n) for c, n in schools if c != code])
    probe.get("/collection")
    for sid in theirs:
        probe.get(f"/collection/submissions/{sid}")
        probe.get(f"/collection/submissions/{sid}/file")
    probe.links = [u for u in probe.links if "/collection" in u]
    probe.crawl(100)
    assert probe.leaks == [] and probe.errors == []
    assert probe.workbooks >= 1  # its template
    own = _count(w, "SELECT max(submission_id) FROM submission WHERE school_code = ?", [code])
    assert f"/collection/submissions/{own}" in probe.seen  # reached through its home's links
    # the check itself can fail: the bureau's home (the submissions waiting, other schools among them) is caught
    control = Probe(w.client("staff"), (code, names[code]), [(c, n) for c, n in schools if c != code])
    control.get("/collection")
    assert len(control.leaks) == 1 and control.leaks[0].startswith("GET /collection (200): ")
