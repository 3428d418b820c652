"""The 数据 pages and their API: upload through the import path (errors by file, sheet, row, column, value, rule;
the 问题清单 workbook; nothing written on error), the size bound, batches with the web user, undo, row history,
audit rows — as a clerk would check them, on this module's own copy of the demo store."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
import pytest

from web_fixtures import make_web

HOUSING = "新建住宅项目.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def w(demo_store, tmp_path_factory):
    web = make_web(tmp_path_factory.mktemp("web-data"), demo_store)
    yield web
    web.close()


@pytest.fixture(scope="module")
def staff(w):
    return w.client("staff")


def _housing(demo_sources, edit) -> bytes:
    wb = openpyxl.load_workbook(demo_sources / HOUSING)
    edit(wb["新建住宅项目"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _count(w, sql: str):
    with w.state.reading() as store:
        return store.one(sql)[0]


def _table(html: str, table_id: str) -> list[list[str]]:
    m = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    assert m, f"no table #{table_id}"
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1), re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
        rows.append(cells)
    return rows


def test_upload_with_a_bad_cell_lists_it_writes_nothing_and_gives_the_problem_list(w, staff, demo_sources):
    before = _count(w, "SELECT count(*) FROM import_batch")
    failed = ("SELECT count(*) FROM audit_log WHERE action = 'upload' AND outcome = '失败' "
              f"AND target = '{HOUSING}' AND actor = 'test-staff'")
    audit_before = _count(w, failed)
    body = _housing(demo_sources, lambda ws: ws.cell(row=3, column=3, value="两千八"))
    r = staff.post("/data/upload", files=[("files", (HOUSING, body, XLSX))], data={"csrf": staff.csrf})
    assert r.status_code == 200
    rows = _table(r.text, "import-errors")
    assert rows[0][:7] == ["文件", "工作表", "行", "列", "值", "规则", "单元格"]
    assert len(rows) == 2
    assert rows[1][:5] == [HOUSING, "新建住宅项目", "3", "户数（户）", "两千八"]
    assert rows[1][6] == "C3"
    assert rows[1][5] == "必填，整数，0–200000"
    assert "全部文件都未写入数据库" in r.text
    assert _count(w, "SELECT count(*) FROM import_batch") == before
    assert _count(w, failed) == audit_before + 1
    link = re.search(r'href="(/data/reports/[A-Za-z0-9_-]+\.xlsx)"', r.text).group(1)
    x = staff.get(link)
    assert x.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0]
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(values) if row[:2] == ("级别", "文件") or row[:2] == ["级别", "文件"])
    problem = values[header + 1]
    assert problem[:7] == ["错误", HOUSING, "新建住宅项目", 3, "户数（户）", "C3", "两千八"]
    # the list is the uploader's: another staff user (or a guessed id) gets 404
    assert w.client("admin").get(link).status_code == 404
    assert staff.get("/data/reports/" + "A" * 24 + ".xlsx").status_code == 404


def test_good_upload_adds_one_batch_of_the_web_user_and_undo_restores_the_rows(w, staff, demo_sources):
    def add_row(ws):
        ws.append(["测试新建小区", "QK01", 1000, None, None, 2027, 3, None, None])

    batches = _count(w, "SELECT count(*) FROM import_batch")
    housing = _count(w, "SELECT count(*) FROM housing")
    staff.get("/places")  # a forecast cached for this data version
    version = w.state.version()
    body = _housing(demo_sources, add_row)
    r = staff.post("/data/upload", files=[("files", ("../../etc/" + HOUSING, body, XLSX))],
                   data={"csrf": staff.csrf})
    assert r.status_code == 200, r.text[:2000]
    assert _count(w, "SELECT count(*) FROM import_batch") == batches + 1
    assert _count(w, "SELECT count(*) FROM housing") == housing + 1
    with w.state.reading() as store:
        b = store.batches()[-1]
    assert (b["file_name"], b["user_name"], b["kind"]) == (HOUSING, "test-staff", "import")
    # where it came from, not the upload's temporary copy (removed after the import)
    assert b["file_path"] == "网页上传（用户 test-staff，地址 testclient）"
    assert f"已导入 1 个文件：批次 {b['batch_id']}" in r.text
    assert w.state.version() != version  # a new data version: the cached results are dropped
    misses = w.state.misses
    staff.get("/places")
    assert w.state.misses > misses  # … and computed again from the new data
    with w.state.reading() as store:
        audit = store.dicts("SELECT actor, target, detail, outcome FROM audit_log WHERE action = 'upload' "
                            "ORDER BY id DESC LIMIT 1")[0]
    assert (audit["actor"], audit["target"], audit["outcome"]) == ("test-staff", HOUSING, "成功")
    assert f'"batches": [{b["batch_id"]}]' in audit["detail"]

    page = staff.get("/data/batches")
    assert page.status_code == 200
    row = next(x for x in _table(page.text, "batches-table") if x and x[0] == str(b["batch_id"]))
    assert row[2] == HOUSING and row[5].startswith("test-staff")
    assert b["sha256"][:12] in row[3]

    r = staff.post(f"/data/batches/{b['batch_id']}/undo", data={"csrf": staff.csrf})
    assert r.status_code == 200, r.text[:2000]
    assert f"已撤销批次 {b['batch_id']}" in r.text
    assert _count(w, "SELECT count(*) FROM housing") == housing
    with w.state.reading() as store:
        u = store.batches()[-1]
        audit = store.dicts("SELECT actor, target, outcome FROM audit_log WHERE action = 'undo' ORDER BY id DESC LIMIT 1")[0]
    assert (u["kind"], u["undoes"], u["user_name"]) == ("undo", b["batch_id"], "test-staff")
    assert audit == {"actor": "test-staff", "target": f"批次 {b['batch_id']}", "outcome": "成功"}

    h = staff.get("/data/history", params={"table": "housing", "key": "测试新建小区"})
    assert h.status_code == 200
    versions = _table(h.text, "history-table")
    assert len(versions) == 2  # header + the one version, deleted by the undo batch
    assert versions[1][-1] == f"被批次 {u['batch_id']} 删除"


def _edited(demo_sources, name: str, edit) -> bytes:
    wb = openpyxl.load_workbook(demo_sources / name)
    edit(wb.worksheets[0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_several_files_at_once_are_checked_together(w, staff, demo_sources):
    before = _count(w, "SELECT count(*) FROM import_batch")
    housing = _edited(demo_sources, HOUSING, lambda ws: ws.cell(row=3, column=3, value="两千八"))
    area = _edited(demo_sources, "区域年度数据.xlsx", lambda ws: ws.cell(row=2, column=1, value="二〇一六"))
    r = staff.post("/data/upload", files=[("files", (HOUSING, housing, XLSX)), ("files", ("区域年度数据.xlsx", area, XLSX))],
                   data={"csrf": staff.csrf})
    assert r.status_code == 200
    rows = _table(r.text, "import-errors")[1:]
    assert [row[:5] for row in rows] == [[HOUSING, "新建住宅项目", "3", "户数（户）", "两千八"],
                                         ["区域年度数据.xlsx", "区域年度数据", "2", "统计年度", "二〇一六"]]
    assert "有 2 个错误：全部文件都未写入数据库" in r.text
    assert _count(w, "SELECT count(*) FROM import_batch") == before


def test_replace_removes_the_rows_the_file_lacks_and_undo_brings_them_back(w, staff, demo_sources):
    milestones = _count(w, "SELECT count(*) FROM project_milestone")
    body = _edited(demo_sources, "项目进展.xlsx", lambda ws: ws.delete_rows(4))  # kg_hongxing_jiayuan 竣工
    r = staff.post("/data/upload", files=[("files", ("项目进展.xlsx", body, XLSX))],
                   data={"csrf": staff.csrf, "replace": "1"})
    assert r.status_code == 200, r.text[:2000]
    assert _count(w, "SELECT count(*) FROM project_milestone") == milestones - 1
    with w.state.reading() as store:
        b = store.batches()[-1]
    assert (b["kind"], b["tables"]["project_milestone"]["deleted"]) == ("replace", 1)
    r = staff.post(f"/data/batches/{b['batch_id']}/undo", data={"csrf": staff.csrf})
    assert r.status_code == 200
    assert _count(w, "SELECT count(*) FROM project_milestone") == milestones
    assert _count(w, "SELECT count(*) FROM project_milestone WHERE project_id = 'kg_hongxing_jiayuan' "
                     "AND milestone = '竣工'") == 1


def test_undo_refused_is_said_and_audited(w, staff):
    with w.state.reading() as store:
        first = store.batches()[0]["batch_id"]
    r = staff.post(f"/data/batches/{first}/undo", data={"csrf": staff.csrf})
    assert r.status_code == 400
    assert f"不能撤销批次 {first}" in unescape(r.text)
    with w.state.reading() as store:
        audit = store.dicts("SELECT target, outcome FROM audit_log WHERE action = 'undo' ORDER BY id DESC LIMIT 1")[0]
    assert audit == {"target": f"批次 {first}", "outcome": "失败"}
    assert staff.post(f"/data/batches/{first}/undo").status_code == 403  # no CSRF token


def test_upload_bigger_than_the_limit_is_refused_unread(w, staff, monkeypatch):
    monkeypatch.setattr(w.state, "settings", w.state.settings.model_copy(update={"max_upload_mb": 1}))
    before = _count(w, "SELECT count(*) FROM import_batch")
    refused = ("SELECT count(*) FROM audit_log WHERE action = 'upload' AND outcome = '失败' "
               "AND target = '（超过大小上限，未读取）'")
    audited = _count(w, refused)
    big = b"x" * (1024 * 1024 + 10)
    r = staff.post("/data/upload", files=[("files", ("大文件.xlsx", big, XLSX))], data={"csrf": staff.csrf})
    assert r.status_code == 413
    assert "超过上限 1 MB（设置 web.max_upload_mb）" in r.text
    assert _count(w, "SELECT count(*) FROM import_batch") == before
    api = staff.post("/api/v1/import", files=[("files", ("大文件.xlsx", big, XLSX))], headers={"X-CSRF-Token": staff.csrf})
    assert api.status_code == 413
    assert "超过上限 1 MB" in api.json()["detail"]
    assert _count(w, refused) == audited + 2


def test_upload_without_a_file_says_so(staff):
    r = staff.post("/data/upload", data={"csrf": staff.csrf})
    assert r.status_code == 400
    assert "请选择要上传的文件" in r.text


def test_api_import_and_batches(w, staff, demo_sources):
    body = _housing(demo_sources, lambda ws: ws.cell(row=2, column=6, value=1850))
    r = staff.post("/api/v1/import", files=[("files", (HOUSING, body, XLSX))], headers={"X-CSRF-Token": staff.csrf})
    assert r.status_code == 400
    doc = r.json()
    assert doc["ok"] is False and doc["batches"] == []
    e = doc["errors"][0]
    assert (e["file"], e["sheet"], e["row"], e["column"], e["value"]) == (HOUSING, "新建住宅项目", 2, "竣工年份", "1850")
    listed = staff.get("/api/v1/batches").json()
    assert [b["batch_id"] for b in listed] == sorted(b["batch_id"] for b in listed)
    one = staff.get(f"/api/v1/batches/{listed[0]['batch_id']}").json()
    assert one["file_name"] == listed[0]["file_name"]
    missing = staff.get("/api/v1/batches/999999")
    assert missing.status_code == 404 and "没有批次 999999" in missing.json()["detail"]
    assert staff.post("/api/v1/batches/999999/undo", headers={"X-CSRF-Token": staff.csrf}).status_code == 404


def test_only_staff_and_admin_reach_the_data_pages(w):
    inspector = w.client("inspector")
    assert inspector.get("/data").status_code == 403
    assert inspector.get("/api/v1/batches").status_code == 403
    assert w.client(None).get("/data").status_code == 303
    assert w.client("admin").get("/data").status_code == 200


def test_history_of_an_unknown_row_and_a_bad_key(staff):
    r = staff.get("/data/history", params={"table": "enrolment", "key": "2023 x"})
    assert r.status_code == 404
    assert "的主键有 3 个值" in unescape(r.text)
    r = staff.get("/data/history", params={"table": "enrolment", "key": "99999999999 1 P1"})
    assert r.status_code == 404
    assert "不是整数" in unescape(r.text)
