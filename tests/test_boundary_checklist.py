"""Boundary tests of the 2017 checklist items decided from data (methods.md §1.4), worked by hand: 交流轮岗
≥ 10 % of eligible teachers with 骨干 ≥ 20 % of those moved (公办 schools only), 初中三年巩固率 ≥ 95 %,
残疾儿童少年入学率 ≥ 95 %, 社会认可度 ≥ 85 %, one 音乐 and one 美术 room per 12 classes, and 超标准班额 = 0 (class sizes 45 / 50 are reported by the
schools as 超标准班额班数; nothing in the store holds class sizes to compare with 45 / 50 directly).

One store holds four districts, one 公办 初中 each (and, in the first, a 民办 one), so one import decides
every case:
  420104  at every line:  rotation 10 / 100, 骨干 2 / 10; 巩固率 950 / 1000; reported 95 and 85; 0 large classes
          (its 民办 school moved 0 of 100: not counted)
  420105  just below:     rotation 9 / 100; 巩固率 949 / 1000; reported 94.9 and 84.9; 1 large class
  420106  骨干 just below: rotation 10 / 100, 骨干 1 / 10
  420107  transfers:      950 graduates, 2 transferred in, 3 out, 1 death over three years:
                          (950 − 2 + 3) / (1000 − 1) = 951 / 999 = 95.195 % ≥ 95
"""

from __future__ import annotations

import pytest

from eduplan.balance import BalanceSettings
from eduplan.balance.checklist import FAIL, PASS, evaluate_checklist
from eduplan.balance.data import records_from_store
from eduplan.ingest import import_files
from eduplan.store import Store
from helpers import write_small

DISTRICTS = ("420104", "420105", "420106", "420107")
SETTINGS = BalanceSettings()


def _code(d: str, n: int) -> str:
    return f"2{d}{n:03d}"


def _e(year, school, grade, pupils, over=0, classes=20, **kw):
    return {"year": year, "school_code": school, "grade": grade, "classes": classes, "male": pupils // 2,
            "female": pupils - pupils // 2, "pupils": pupils, "classes_over_norm": over, **kw}


def _t(school, moved, backbone, eligible=100):
    return {"year": 2019, "school_code": school, "section": "初中", "teachers": 100, "staff": 110, "q_postgrad": 0,
            "q_bachelor": 100, "q_college": 0, "q_secondary": 0, "rot_eligible": eligible, "rot_moved": moved,
            "rot_backbone": backbone}


def _f(school, music, art):
    return {"year": 2019, "school_code": school, "building_area": 20000.0, "teaching_area": 9000.0,
            "sports_area": 9000.0, "equipment_value": 500.0, "books": 60000, "computers": 300, "classrooms": 70,
            "multimedia_rooms": 60, "music_rooms": music, "art_rooms": art}


def _data():
    case = {  # district: (moved, backbone, graduates, over, reported disabled, reported recognition, moves)
        "420104": (10, 2, 950, 0, 95.0, 85.0, (0, 0, 0)),
        "420105": (9, 2, 949, 1, 94.9, 84.9, (0, 0, 0)),
        "420106": (10, 1, 950, 0, 95.0, 85.0, (0, 0, 0)),
        "420107": (10, 2, 950, 0, 95.0, 85.0, (2, 3, 1)),
    }
    # 音乐、美术专用教室 (each): 420104 60 classes → ⌈60 / 12⌉ = 5 needed, 5 each; 420105 60 classes, music 4;
    # 420106 61 classes → 6 needed, 5 each; 420107 60 classes, 10 each
    rooms = {"420104": (5, 5, 20), "420105": (4, 5, 20), "420106": (5, 5, 21), "420107": (10, 10, 20)}
    data = {"district": [], "school": [], "enrolment": [], "teachers": [], "facilities": [], "reported": []}
    for d, (moved, bb, grads, over, disabled, recog, (tin, tout, deaths)) in case.items():
        s = _code(d, 1)
        data["district"].append({"district_code": d, "district_name": f"区{d}", "city_name": "武汉市"})
        data["school"].append({"school_code": s, "school_name": f"{d}中学", "type_code": "311", "ownership": "公办",
                               "district_code": d})
        # the 初一 of 2016 (1,000 pupils) graduates in 2019; the class's movements are booked on (2017, J1),
        # (2018, J2) and (2019, J3) — here all on the 2019 J3 row
        data["enrolment"] += [
            _e(2016, s, "J1", 1000),
            _e(2019, s, "J1", 1000, classes=rooms[d][2]), _e(2019, s, "J2", 1000, over=over),
            _e(2019, s, "J3", 950, graduates=grads, transfers_in=tin, transfers_out=tout, deaths=deaths),
        ]
        data["teachers"].append(_t(s, moved, bb))
        data["facilities"].append(_f(s, *rooms[d][:2]))
        data["reported"] += [
            {"year": 2019, "area_code": d, "item": "disabled_enrolment_rate", "value": disabled, "source": "区残联"},
            {"year": 2019, "area_code": d, "item": "social_recognition_rate", "value": recog, "source": "第三方调查"},
        ]
    # a 民办 初中 in 420104 that moved none of its 100 eligible teachers: the rotation rule is for 公办 schools
    p = _code("420104", 2)
    data["school"].append({"school_code": p, "school_name": "民办中学", "type_code": "311", "ownership": "民办",
                           "district_code": "420104"})
    data["enrolment"].append(_e(2019, p, "J1", 500))
    data["teachers"].append(_t(p, 0, 0))
    data["facilities"].append(_f(p, 2, 2))  # 20 classes → ⌈20 / 12⌉ = 2 needed
    return data


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boundary-checklist")
    out = {}
    with Store(folder / "s.duckdb") as s:
        report = import_files(s, write_small(folder, _data()), user="督导室")
        assert report.ok, [i.text() for i in report.errors]
        for d in DISTRICTS:
            records, _ = records_from_store(s, 2019, SETTINGS, d)
            out[d] = {r.item.id: (r.status, r.detail) for r in evaluate_checklist(s, 2019, records, SETTINGS, d)}
    return out


def test_rotation_at_10_and_20_percent(items):
    assert items["420104"]["G11_rotation"] == (PASS, "交流轮岗 10.0%（10 / 100），其中骨干 20.0%（2 / 10）")


def test_rotation_below_10_percent(items):
    assert items["420105"]["G11_rotation"] == (FAIL, "交流轮岗 9.0%（9 / 100），其中骨干 22.2%（2 / 9）")


def test_rotation_backbone_below_20_percent(items):
    assert items["420106"]["G11_rotation"] == (FAIL, "交流轮岗 10.0%（10 / 100），其中骨干 10.0%（1 / 10）")


def test_junior_retention_at_and_below_95(items):
    # (950 − 0 + 0) / (1000 − 0) = 95.00 % → 达标; 949 → 94.90 % → 未达标
    assert items["420104"]["Q01_junior_retention"] == (PASS, "(950 − 0 + 0) ÷ (1000 − 0) = 95.00%（2016 级初一）")
    assert items["420105"]["Q01_junior_retention"] == (FAIL, "(949 − 0 + 0) ÷ (1000 − 0) = 94.90%（2016 级初一）")


def test_junior_retention_adjusts_for_transfers_and_deaths(items):
    # (950 − 2 + 3) / (1000 − 1) = 951 / 999 = 95.20 %; with the signs of the transfers swapped it would be
    # (950 + 2 − 3) / 999 = 949 / 999 = 94.99 % → 未达标
    assert items["420107"]["Q01_junior_retention"] == (PASS, "(950 − 2 + 3) ÷ (1000 − 1) = 95.20%（2016 级初一）")


def test_reported_rates_at_and_below_their_lines(items):
    assert items["420104"]["Q02_disabled_enrolment"] == (PASS, "残疾儿童少年入学率 95%（来源：区残联）")
    assert items["420105"]["Q02_disabled_enrolment"] == (FAIL, "残疾儿童少年入学率 94.9%（来源：区残联）")
    assert items["420104"]["S01_social_recognition"] == (PASS, "社会认可度 85%（来源：第三方调查）")
    assert items["420105"]["S01_social_recognition"] == (FAIL, "社会认可度 84.9%（来源：第三方调查）")


def test_music_and_art_rooms_one_per_12_classes(items):
    # 60 classes need ⌈60 / 12⌉ = 5 rooms of each: 5 and 5 → 达标 (the 民办 school: 20 classes, 2 and 2)
    assert items["420104"]["G03_music_art_rooms"] == (PASS, "所有学校音乐、美术专用教室数达标（面积另行核查）")
    # 4 music rooms for 60 classes → 未达标
    assert items["420105"]["G03_music_art_rooms"] == (
        FAIL, "专用教室不足的学校：420105中学（60 班需 5 间，音乐 4、美术 5）")
    # 61 classes need ⌈61 / 12⌉ = 6 → 5 and 5 are short
    assert items["420106"]["G03_music_art_rooms"] == (
        FAIL, "专用教室不足的学校：420106中学（61 班需 6 间，音乐 5、美术 5）")


def test_class_size_item(items):
    # 420104: 3 grades × 20 classes + the 民办 school's 20 = 80 classes (class size applies to every school), none
    # over → 达标; 420105: 60 classes, 1 over → 1 / 60 = 1.7 % → 未达标 (the item asks for none)
    assert items["420104"]["G05_class_size"] == (PASS, "超标准班额 0 个班，占 0.0%（共 80 个班）")
    assert items["420105"]["G05_class_size"] == (FAIL, "超标准班额 1 个班，占 1.7%（共 60 个班）")
