"""The indicator engine's rollup and ratio run in the query (eduplan/indicators/engine.py): a school that changes
学区 counts in its old 学区 before the change and in the new one from it; a breakdown row counts the schools of
its group that lack a term; a reported value replaces a computed one lacking data, never one that has a value;
the generated SQL compiles for PostgreSQL; and a call is one statement.

A small district written straight into a store (no files), worked by hand:

  school                        办学性质  学区 (school_zone)                    2018 pupils/teachers  2019 pupils/teachers
  A 2420104001 一小              公办      古田 QK01 2016–2018, 宝丰 QK02 2019–    400 / 25              420 / 28
  B 2420104002 二小              公办      宝丰 QK02 2016–                       300 / 20              300 / 24
  C 2420104003 民办三小          民办      古田 QK01 2016–                       180 / 10              180 / 10

小学生师比 2018: 古田 (A + C) 580 / 35 = 16.571…, 宝丰 (B) 300 / 20 = 15;
            2019: 古田 (C) 180 / 10 = 18, 宝丰 (A + B) 720 / 52 = 13.846…, 区 900 / 62 = 14.516…;
            2019 区 公办 720 / 52, 区 民办 18, 古田 民办 18, 宝丰 公办 720 / 52 (古田 has no 公办 school in 2019).
教师移动终端覆盖率 2019 (facilities only in 2019; C leaves 教师移动终端数 blank; A 28, B 20 devices):
            区, 区 民办, 古田 and C lack it (1 school); 区 公办 and 宝丰 = 48 / 52 × 100 = 92.307….
义务教育教师平均工资与公务员平均工资之比 (area_year 420104; reported fallback): 2019 10.0 / 8.0 × 100 = 125 computed
            (the reported 110 is not used); 2018 teacher_salary blank → the reported 101.5 (区人社局) replaces it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from eduplan.indicators import compute, engine, load_definitions
from eduplan.store import Store

D = "420104"
A, B, C = "2420104001", "2420104002", "2420104003"
PTR = "pupil_teacher_ratio_primary"
DEVICES = "teacher_mobile_terminal_coverage"
SALARY = "teacher_salary_ratio"


def _teachers(year: int, code: str, teachers: int) -> dict:
    return {"year": year, "school_code": code, "section": "小学", "staff": teachers, "teachers": teachers,
            "q_postgrad": 0, "q_bachelor": teachers, "q_college": 0, "q_secondary": 0}


def _enrolment(year: int, code: str, pupils: int) -> dict:
    return {"year": year, "school_code": code, "grade": "P1", "classes": pupils // 40, "male": pupils // 2,
            "female": pupils - pupils // 2, "pupils": pupils, "classes_over_norm": 0}


def _facilities(code: str, devices: int | None) -> dict:
    return {"year": 2019, "school_code": code, "building_area": 5000.0, "teaching_area": 2500.0,
            "sports_area": 3000.0, "equipment_value": 100.0, "books": 10000, "computers": 50, "classrooms": 10,
            "multimedia_rooms": 10, "teacher_devices": devices}


TABLES = {
    "district": [{"district_code": D, "district_name": "硚口区"}],
    "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
             {"zone_code": "QK02", "zone_name": "宝丰组团", "district_code": D}],
    "school": [{"school_code": A, "school_name": "一小", "type_code": "211", "ownership": "公办", "district_code": D},
               {"school_code": B, "school_name": "二小", "type_code": "211", "ownership": "公办", "district_code": D},
               {"school_code": C, "school_name": "民办三小", "type_code": "211", "ownership": "民办",
                "district_code": D}],
    "school_zone": [{"school_code": A, "zone_code": "QK01", "start_year": 2016, "end_year": 2018},
                    {"school_code": A, "zone_code": "QK02", "start_year": 2019, "end_year": None},
                    {"school_code": B, "zone_code": "QK02", "start_year": 2016, "end_year": None},
                    {"school_code": C, "zone_code": "QK01", "start_year": 2016, "end_year": None}],
    "enrolment": [_enrolment(2018, A, 400), _enrolment(2019, A, 420), _enrolment(2018, B, 300),
                  _enrolment(2019, B, 300), _enrolment(2018, C, 180), _enrolment(2019, C, 180)],
    "teachers": [_teachers(2018, A, 25), _teachers(2019, A, 28), _teachers(2018, B, 20), _teachers(2019, B, 24),
                 _teachers(2018, C, 10), _teachers(2019, C, 10)],
    "facilities": [_facilities(A, 28), _facilities(B, 20), _facilities(C, None)],
    "area_year": [{"year": 2018, "area_code": D, "residents": 500000, "teacher_salary": None,
                   "civil_servant_salary": 8.0},
                  {"year": 2019, "area_code": D, "residents": 500000, "teacher_salary": 10.0,
                   "civil_servant_salary": 8.0}],
    "reported": [{"year": 2018, "area_code": D, "item": SALARY, "value": 101.5, "source": "区人社局"},
                 {"year": 2019, "area_code": D, "item": SALARY, "value": 110.0, "source": "区人社局"}],
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("engine-query") / "small.duckdb"
    with Store(path) as s:
        tables = {t: [{**r, "source_row": None} for r in rows] for t, rows in TABLES.items()}
        s.write_batch([{"file_name": "hand", "sha256": "hand", "tables": tables}], "test")
    return path


@pytest.fixture(scope="module")
def values(db) -> pd.DataFrame:
    with Store(db, read_only=True) as s:
        return compute(s, load_definitions()).values


def one(values: pd.DataFrame, ind: str, year: int, unit_type: str, code: str, bdim: str = "", bval: str = ""):
    got = values[(values.indicator == ind) & (values.year == year) & (values.unit_type == unit_type)
                 & (values.unit_code == code) & (values.bdim == bdim) & (values.bval == bval)]
    assert len(got) == 1, got
    return got.iloc[0]


def test_a_school_counts_in_its_old_zone_before_the_move_and_in_the_new_one_from_it(values):
    assert one(values, PTR, 2018, "zone", "QK01").value == pytest.approx(580 / 35, rel=1e-12)
    assert one(values, PTR, 2018, "zone", "QK02").value == pytest.approx(15.0, rel=1e-12)
    assert one(values, PTR, 2019, "zone", "QK01").value == pytest.approx(18.0, rel=1e-12)
    r = one(values, PTR, 2019, "zone", "QK02")
    assert (r.numerator, r.denominator) == (720.0, 52.0)
    assert one(values, PTR, 2019, "district", D).value == pytest.approx(900 / 62, rel=1e-12)


def test_breakdown_rows_follow_the_membership_of_the_year(values):
    assert one(values, PTR, 2019, "district", D, "ownership", "公办").value == pytest.approx(720 / 52, rel=1e-12)
    assert one(values, PTR, 2019, "district", D, "ownership", "民办").value == pytest.approx(18.0, rel=1e-12)
    assert one(values, PTR, 2019, "zone", "QK01", "ownership", "民办").value == pytest.approx(18.0, rel=1e-12)
    assert one(values, PTR, 2019, "zone", "QK02", "ownership", "公办").value == pytest.approx(720 / 52, rel=1e-12)
    zone_rows = values[(values.indicator == PTR) & (values.year == 2019) & (values.unit_code == "QK01")]
    assert sorted(zone_rows.bval) == ["", "民办"]  # 古田 has no 公办 school in 2019: no row for it


NOTE = "1 所学校未填报“教师移动终端数”，不计算（缺失不按 0 计）"


def test_a_breakdown_row_counts_the_schools_of_its_group_lacking_a_term(values):
    for unit in (("district", D, "", ""), ("district", D, "ownership", "民办"), ("zone", "QK01", "", "")):
        r = one(values, DEVICES, 2019, *unit)
        assert r.missing == NOTE
        assert math.isnan(r.value) and math.isnan(r.numerator) and math.isnan(r.denominator)
    assert one(values, DEVICES, 2019, "school", C).missing == "本校未填报“教师移动终端数”，不计算（缺失不按 0 计）"
    for unit in (("district", D, "ownership", "公办"), ("zone", "QK02", "", "")):
        r = one(values, DEVICES, 2019, *unit)
        assert r.value == pytest.approx(48 / 52 * 100, rel=1e-12)
        assert r.missing is None


def test_a_reported_value_replaces_a_computed_one_lacking_data_only(values):
    r2018 = one(values, SALARY, 2018, "district", D)
    assert (r2018.value, r2018.source) == (101.5, "reported:区人社局")
    assert math.isnan(r2018.numerator)
    r2019 = one(values, SALARY, 2019, "district", D)
    assert (r2019.value, r2019.source) == (pytest.approx(125.0, rel=1e-12), "computed")
    assert (r2019.numerator, r2019.denominator) == (10.0, 8.0)


def test_the_terms_and_names_of_a_computation(db):
    with Store(db, read_only=True) as s:
        comp = compute(s, load_definitions(), [PTR])
        terms, names = comp.terms, comp.names
    pupils = comp.term_ids[engine.term_key(load_definitions().get(PTR).numerator[0])]
    row = terms[(terms.year == 2019) & (terms.unit_type == "zone") & (terms.unit_code == "QK02") & (terms.bdim == "")]
    assert row[pupils].tolist() == [720.0] and row[pupils + engine.MISSING].tolist() == [0]
    assert names[("zone", "QK02")] == "宝丰组团" and names[("school", C)] == "民办三小"


def test_one_school_gives_that_school_only(db):
    with Store(db, read_only=True) as s:
        v = compute(s, load_definitions(), school=A).values
    assert set(v.unit_code) == {A}
    assert one(v, PTR, 2019, "school", A).value == pytest.approx(15.0, rel=1e-12)


def test_one_statement_per_call(db, monkeypatch):
    """The ratio and reported indicators of a call are one query (plus the external ones' own)."""
    calls = []
    real = engine._query
    monkeypatch.setattr(engine, "_query", lambda *a, **k: calls.append(a[1][0]) or real(*a, **k))
    defs = load_definitions()
    with Store(db, read_only=True) as s:
        compute(s, defs, [PTR, DEVICES, SALARY, "preschool_gross_enrolment", "disabled_enrolment_rate"])
        compute(s, defs, school=A)
    assert calls == ["values", "values"]


@pytest.mark.parametrize("ids, school", [(None, None), ([PTR], None), (["preschool_gross_enrolment"], None),
                                         (["disabled_enrolment_rate"], None), (None, A)])
def test_the_queries_compile_for_postgresql(db, ids, school):
    import ibis

    defs = load_definitions()
    with Store(db, read_only=True) as s:
        plan = engine.make_plan(defs, ids, school)
        sql = ibis.to_sql(engine.values_expr(s, plan, school), dialect="postgres")
        assert sql.lstrip().startswith(("WITH", "SELECT"))
        assert (f"'{school}'" in sql) == (school is not None)  # one school: filtered inside the query
        if plan.ratio:
            ibis.to_sql(engine.terms_expr(s, plan, school), dialect="postgres")
