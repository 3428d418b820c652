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
    assert r.check({"teachers": 10})
    assert r.check({"teachers": 10, "t_senior": 3, "t_first": 7})
    assert not r.check({"teachers": 10, "t_senior": 3, "t_first": 5})


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
