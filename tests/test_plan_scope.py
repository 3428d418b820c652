"""Which district and plan a command works on (eduplan.plan.scope), the binding store table, and the
version 2 → 3 migration. Small stores written through Store.write_batch (the import path is tested elsewhere)."""

from __future__ import annotations

import duckdb
import pytest

from eduplan.errors import PlanError, StoreError, StoreOutdated
from eduplan.plan import default_plan_path, load_plan
from eduplan.plan.binding import bound_plan, use_plan
from eduplan.plan.scope import (
    DistrictRequired, UnknownDistrict, data_years, resolve_year, scopes,
)
from eduplan.store import SCHEMA_VERSION, Store

QIAOKOU = "qiaokou-2021-2025"


def _district(store: Store, code: str, name: str, years: tuple[int, ...] = ()) -> None:
    """A district with one primary school and its 一年级 enrolment in `years`."""
    school = f"2{code}001"
    tables = {"district": [{"district_code": code, "district_name": name, "city_name": "示例市", "source_row": 2}],
              "school": [{"school_code": school, "school_name": f"{name}第一小学", "type_code": "211",
                          "ownership": "公办", "district_code": code, "source_row": 2}]}
    if years:
        tables["enrolment"] = [{"year": y, "school_code": school, "grade": "P1", "classes": 2, "pupils": 80,
                                "source_row": i + 2} for i, y in enumerate(years)]
    store.write_batch([{"file_name": f"{name}.xlsx", "sha256": code, "tables": tables}], user="测试")


def test_one_district_is_implied_and_gets_its_bound_plan(db_path):
    with Store(db_path) as s:
        _district(s, "420104", "硚口区", (2018, 2019))
        use_plan(s, QIAOKOU, "测试")
        [sc] = scopes(s)
        assert (sc.district_code, sc.district_name, sc.plan_origin) == ("420104", "硚口区", "bound")
        assert sc.end_year == 2025 and sc.label == "硚口区（420104）"
        assert "qiaokou-2021-2025.yaml" in sc.plan_text() and "由 测试 绑定" in sc.plan_text()


def test_no_plan_bound_means_no_targets_never_the_shipped_plan(db_path):
    with Store(db_path) as s:
        _district(s, "420188", "江湾区", (2024, 2025))
        [sc] = scopes(s)
        assert sc.plan is None and sc.plan_origin == "none" and sc.end_year is None
        assert "未绑定规划，数值照常计算，无规划目标" in sc.plan_text()


def test_several_districts_ask_for_one_or_give_all(db_path):
    with Store(db_path) as s:
        _district(s, "420104", "硚口区", (2019,))
        _district(s, "420188", "江湾区", (2025,))
        with pytest.raises(DistrictRequired) as e:
            scopes(s)
        assert str(e.value) == "数据库中有 2 个区：420104 硚口区、420188 江湾区；请用 --district 指定一个（代码或名称）"
        assert [x.district_code for x in scopes(s, several=True)] == ["420104", "420188"]
        assert scopes(s, "江湾区")[0].district_code == "420188"
        assert scopes(s, "420104")[0].district_name == "硚口区"
        with pytest.raises(UnknownDistrict) as e:
            scopes(s, "420999")
        assert "数据库中没有区“420999”；库中的区：420104 硚口区、420188 江湾区" == str(e.value)
        # --plan implies its district; a plan of another district than the one named is refused
        assert scopes(s, plan_file=default_plan_path())[0].district_code == "420104"
        with pytest.raises(PlanError) as e:
            scopes(s, "420188", default_plan_path())
        assert "是 420104 硚口区 的规划，不能用来评估 420188 江湾区 的数据" in str(e.value)


def test_plan_file_of_a_district_without_data_is_refused(db_path):
    with Store(db_path) as s:
        _district(s, "420188", "江湾区", (2025,))
        with pytest.raises(PlanError) as e:
            scopes(s, plan_file=default_plan_path())
        assert "属于 420104 硚口区，数据库中没有该区的数据（库中：420188 江湾区）" in str(e.value)


def test_binding_refused_for_a_store_of_other_districts_only(db_path):
    with Store(db_path) as s:
        _district(s, "420188", "江湾区", (2025,))
        with pytest.raises(PlanError) as e:
            use_plan(s, QIAOKOU, "测试")
        assert "属于 420104 硚口区，而数据库" in str(e.value) and "中只有 420188 江湾区 的数据，未绑定" in str(e.value)
        assert s.plan_bindings(current=False) == []


def test_binding_keeps_text_history_and_same_text_changes_nothing(db_path, tmp_path):
    text = default_plan_path().read_text(encoding="utf-8")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(text.replace("status: 征求意见稿", "status: 正式稿", 1), encoding="utf-8")
    with Store(db_path) as s:
        first = use_plan(s, QIAOKOU, "张三")
        again = use_plan(s, QIAOKOU, "李四")
        assert first["changed"] and not again["changed"] and again["binding_id"] == first["binding_id"] == 1
        second = use_plan(s, v2, "王五")
        assert second["changed"] and second["binding_id"] == 2 and second["replaced"]["binding_id"] == 1
        rows = s.plan_bindings(current=False)
        assert [(r["binding_id"], r["user_name"], r["superseded_by"], r["file_name"]) for r in rows] == [
            (1, "张三", 2, "qiaokou-2021-2025.yaml"), (2, "王五", None, "v2.yaml")]
        assert rows[0]["text"] == text and len(rows[0]["sha256"]) == 64
        plan, b = bound_plan(s, "420104")
        assert plan.meta.status == "正式稿" and b["binding_id"] == 2
        # rebinding the older version by its plan id takes the shipped file again (same text as binding 1)
        back = use_plan(s, QIAOKOU, "张三")
        assert back["binding_id"] == 3 and bound_plan(s, "420104")[0].meta.status == "征求意见稿"


def test_default_year_is_the_latest_with_data_of_the_district(db_path):
    with Store(db_path) as s:
        _district(s, "420104", "硚口区", (2018, 2019))
        _district(s, "420188", "江湾区", (2024, 2025))
        assert data_years(s, "420104") == [2018, 2019]
        assert resolve_year(s, None, "420104") == (2019, "未指定 --year：使用库中有数据的最近年度 2019 年")
        assert resolve_year(s, None, None)[0] == 2025
        assert resolve_year(s, 2018, "420188") == (2018, None)


def test_empty_store_has_no_district(db_path):
    with Store(db_path) as s:
        with pytest.raises(StoreError) as e:
            scopes(s)
        assert "中还没有任何区县数据" in str(e.value)


def test_version_2_store_gains_plan_binding(tmp_path):
    db = tmp_path / "v2.duckdb"
    with Store(db) as s:
        _district(s, "420104", "硚口区", (2019,))
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE plan_binding")
    con.execute("UPDATE eduplan_meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreOutdated):
        Store(db, read_only=True)
    with Store(db) as s:
        assert s.opened_version == 2 and s.schema_version() == SCHEMA_VERSION >= 3
        assert s.plan_bindings() == [] and s.table_counts()["enrolment"] == 1
        use_plan(s, QIAOKOU, "测试")
        assert load_plan().meta.id == bound_plan(s, "420104")[0].meta.id


def test_a_binding_number_brings_back_exactly_that_version(db_path, tmp_path):
    text = default_plan_path().read_text(encoding="utf-8")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(text.replace("status: 征求意见稿", "status: 正式稿", 1), encoding="utf-8")
    v3 = tmp_path / "v3.yaml"
    v3.write_text(text.replace("status: 征求意见稿", "status: 送审稿", 1), encoding="utf-8")
    with Store(db_path) as s:
        for src in (v2, v3):
            use_plan(s, src, "张三")
        # the plan id alone would give the latest version (送审稿); binding 1 is the 正式稿
        back = use_plan(s, "1", "李四")
        assert back["binding_id"] == 3 and back["replaced"]["binding_id"] == 2
        assert bound_plan(s, "420104")[0].meta.status == "正式稿"
        with pytest.raises(PlanError) as e:
            use_plan(s, "9", "李四")
        assert "也不是本库中绑定过的规划编号或绑定编号（eduplan plan history）" in str(e.value)


def test_plan_files_are_bounded_and_have_no_aliases(tmp_path):
    from eduplan.plan.loader import MAX_PLAN_BYTES

    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_PLAN_BYTES)
    with pytest.raises(PlanError) as e:
        load_plan(big)
    assert str(e.value) == f"规划文件 {big} 超过 5 MB，不是规划文件（规划通常只有几百 KB）"
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(bomb)
    assert str(e.value) == "bomb.yaml 第 2 行：YAML 语法错误：规划文件不使用锚点和别名（*引用）"
    latin = tmp_path / "gbk.yaml"
    latin.write_bytes("规划".encode("gbk"))
    with pytest.raises(PlanError, match=r"不是 UTF-8 编码的文本（第 1 个字节）"):
        load_plan(latin)
