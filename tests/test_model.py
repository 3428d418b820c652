"""The data model's codes and rules, checked on hand-made rows."""

from __future__ import annotations

from eduplan.model import (GRADES, SCHOOL_TYPES, TABLES, TABLES_BY_NAME, find_table, grades_allowed, levels_of)


def _rule(table, rid):
    return next(r for r in TABLES_BY_NAME[table].rules if r.id == rid)


def test_school_type_codes_are_the_official_list():
    assert SCHOOL_TYPES.values == ["111", "119", "211", "213", "218", "311", "312", "319", "341", "342", "345",
                                   "349", "361", "365", "366", "511", "512", "513", "514"]
    assert levels_of("312") == ("小学", "初中")
    assert levels_of("341") == ("初中", "高中")
    assert levels_of("345") == ("小学", "初中", "高中")
    assert SCHOOL_TYPES.resolve("九年一贯制学校") == "312"
    assert SCHOOL_TYPES.resolve("312 九年一贯制学校") == "312"
    assert SCHOOL_TYPES.resolve("999") is None


def test_grades_by_type():
    assert grades_allowed("211") == {"P1", "P2", "P3", "P4", "P5", "P6"}
    assert grades_allowed("312") == {f"P{i}" for i in range(1, 7)} | {"J1", "J2", "J3"}
    assert grades_allowed("513") == grades_allowed("312")  # special schools report 义务教育 grades
    assert GRADES.resolve("小学一年级") == "P1"


def test_sex_must_add_up_to_pupils():
    r = _rule("enrolment", "sex_adds_up")
    assert r.check({"male": 90, "female": 85, "pupils": 175})
    assert not r.check({"male": 90, "female": 85, "pupils": 176})


def test_qualifications_add_up_and_postgrads_within_teachers():
    r = _rule("teachers", "qualifications_add_up")
    row = {"teachers": 22, "q_postgrad": 2, "q_bachelor": 18, "q_college": 2, "q_secondary": 0}
    assert r.check(row)
    assert not r.check({**row, "q_postgrad": 30})


def test_titles_rule_only_when_titles_given():
    r = _rule("teachers", "titles_add_up")
    six = {"t_senior_full": 0, "t_senior": 3, "t_first": 5, "t_second": 0, "t_third": 0, "t_none": 0}
    assert r.check({"teachers": 10})
    assert r.check({"teachers": 10, "t_senior": 3, "t_first": 7})
    # the other four titles blank are missing, not 0: 3 + 5 ≤ 10 cannot be judged wrong …
    assert r.check({"teachers": 10, "t_senior": 3, "t_first": 5})
    # … but 3 + 9 > 10 is wrong whatever the blanks hold, and all six filled must add up
    assert not r.check({"teachers": 10, "t_senior": 3, "t_first": 9})
    assert not r.check({"teachers": 10, **six})
    assert r.check({"teachers": 8, **six})


def test_sum_at_most_checks_the_filled_parts():
    r = _rule("teachers", "pe_art_le_teachers")
    assert r.applies({"teachers": 5, "pe": None, "music": None, "art": None})
    assert r.check({"teachers": 5, "pe": 3, "music": None, "art": 2})  # 3 + 2 ≤ 5, 音乐 missing
    assert not r.check({"teachers": 5, "pe": 4, "music": None, "art": 2})  # 4 + 2 > 5 whatever 音乐 is
    assert not r.applies({"teachers": None, "pe": 4})


def test_class_size_rules():
    assert not _rule("enrolment", "pupils_need_classes").check({"pupils": 30, "classes": 0})
    assert not _rule("enrolment", "class_size_plausible").check({"pupils": 400, "classes": 4})
    assert _rule("enrolment", "class_size_plausible").check({"pupils": 200, "classes": 4})


def test_finance_and_kindergarten_rules():
    assert not _rule("area_year", "edu_le_public").check({"education_expenditure": 2, "public_expenditure": 1})
    k = _rule("school", "kindergarten_inclusive")
    assert not k.check({"type_code": "111", "inclusive": None})
    assert k.check({"type_code": "211", "inclusive": None})
    assert not _rule("school", "public_kindergarten_inclusive").check(
        {"type_code": "111", "ownership": "公办", "inclusive": "否"})


def test_reported_percent_range():
    r = _rule("reported", "value_range")
    assert r.check({"item": "disabled_enrolment_rate", "value": 100})
    assert not r.check({"item": "disabled_enrolment_rate", "value": 101})
    assert r.check({"item": "labour_force_schooling_years", "value": 14.53})
    assert r.check({"item": "teacher_salary_ratio", "value": 104.5})  # teachers above civil servants
    assert not r.check({"item": "myopia_new_rate", "value": -1})


def test_every_field_has_label_unit_and_rule():
    for t in TABLES:
        assert t.key, t.name
        for f in t.fields:
            assert f.label and f.rule_text()
            if f.type in ("int", "float") and (t.name, f.name) not in (("reported", "value"), ("balance_judgement", "value")):  # unit per item
                assert f.unit, (t.name, f.name)
    assert find_table("分年级学生数") is TABLES_BY_NAME["enrolment"]


def test_every_numeric_field_has_hard_bounds_with_a_reason():
    for t in TABLES:
        for f in t.fields:
            if f.type in ("int", "float", "year", "date"):
                assert f.min is not None and f.max is not None, (t.name, f.name)
                assert f.bounds_note or f.key, (t.name, f.name)
            if f.soft_min is not None or f.soft_max is not None:
                lo = f.min if f.soft_min is None else f.soft_min
                hi = f.max if f.soft_max is None else f.soft_max
                assert f.min <= lo <= hi <= f.max, (t.name, f.name)


def test_observed_absurd_values_are_outside_the_hard_bounds():
    fac, area, housing = TABLES_BY_NAME["facilities"], TABLES_BY_NAME["area_year"], TABLES_BY_NAME["housing"]
    assert fac.field("classrooms").max == 2000 and 10**12 > 2000
    assert area.field("residents").max == 20_000_000
    assert housing.field("households").max == 200_000
    assert fac.field("teaching_area").max == 1_000_000  # 1e308 ㎡ is refused
    f = TABLES_BY_NAME["enrolment"].field("pupils")
    assert (f.min, f.max, f.soft_max) == (0, 10_000, 2_500)
    assert f.rule_text() == "必填，整数，0–10000"
    assert f.implausible(2501) and not f.implausible(2500) and not f.implausible(None)
    assert f.plausible_rule().startswith("通常 ≤2500（一所学校一个年级：")
    salary = area.field("teacher_salary")
    assert salary.soft_text() == "20000–500000" and salary.implausible(12_000)
    assert salary.plausible_rule().startswith("通常在 20000–500000 之间（")


def test_blank_optional_cells_have_no_default():
    for t in TABLES:
        for f in t.fields:
            assert f.default is None, (t.name, f.name)


def test_milestone_dates_are_dates_within_the_years():
    m = TABLES_BY_NAME["project_milestone"]
    for name in ("planned_date", "actual_date"):
        f = m.field(name)
        assert (f.type, f.sql_type, f.min, f.max) == ("date", "VARCHAR", 2000, 2050)
        assert f.rule_text() == "可空，日期 YYYY-MM-DD 或 YYYY-MM，2000–2050 年"
    f = TABLES_BY_NAME["balance_judgement"].field("assessed_on")
    assert f.type == "date" and f.rule_text() == "可空，日期 YYYY-MM-DD，2000–2050 年"
