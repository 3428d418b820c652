"""Data-quality rules across rows, tables and years: each fires on a hand-made case and names the rows."""

from __future__ import annotations

import json
import subprocess
import sys

from eduplan.ingest import import_files
from eduplan.quality import RULES, run_rules
from helpers import SMALL, write_small

D = "420104"
S = "2420104001"


def _data():
    data = {k: [dict(r) for r in v] for k, v in SMALL.items() if k in ("district", "zone", "school", "school_zone")}
    data["enrolment"] = [
        # P1 2018: 100 pupils in 4 classes; 2019: P1 160 in 4 classes, P2 140 (the cohort of 100 grew 40 %)
        {"year": 2018, "school_code": S, "grade": "P1", "classes": 4, "male": 50, "female": 50, "pupils": 100},
        {"year": 2019, "school_code": S, "grade": "P1", "classes": 2, "male": 80, "female": 80, "pupils": 160},
        {"year": 2019, "school_code": S, "grade": "P2", "classes": 2, "male": 70, "female": 70, "pupils": 140},
    ]
    # 2019: 300 pupils and 5 teachers (生师比 60); 100 ㎡ of teaching rooms (0.33 ㎡ per pupil); 2018: nothing
    data["teachers"] = [{"year": 2019, "school_code": S, "section": "小学", "staff": 6, "teachers": 5, "q_postgrad": 0,
                         "q_bachelor": 5, "q_college": 0, "q_secondary": 0}]
    data["facilities"] = [{"year": 2019, "school_code": S, "building_area": 200, "teaching_area": 100, "sports_area": 500,
                           "equipment_value": 10.0, "books": 100, "computers": 5, "classrooms": 4, "multimedia_rooms": 4}]
    # the cohort aged 4 in 2018 (100 people) is 200 people aged 5 in 2019
    data["population"] = [{"year": 2018, "area_code": D, "age": 4, "population": 100},
                          {"year": 2019, "area_code": D, "age": 5, "population": 200}]
    return data


def test_each_rule_fires_with_its_rows(store, tmp_path):
    assert import_files(store, write_small(tmp_path, _data()), user="u").ok
    findings = run_rules(store)
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert set(by_rule) == {r.id for r in RULES}
    [jump] = by_rule["pupils_jump_without_classes"]
    assert "300" in jump.message and "100" in jump.message and jump.rows[0]["year"] == 2019
    [cohort] = by_rule["cohort_jump"]
    assert cohort.rows[0]["grade"] == "P2" and cohort.rows[0]["source_row"] == 4 and "+40%" in cohort.message
    [ptr] = by_rule["pupil_teacher_ratio_outlier"]
    assert "生师比 60.0" in ptr.message
    missing = {(f.rows[0]["table"], f.rows[0]["year"]) for f in by_rule["missing_related_rows"]}
    assert missing == {("teachers", 2018), ("facilities", 2018)}
    [area] = by_rule["teaching_area_per_pupil"]
    assert "0.3 ㎡" in area.message
    [pop] = by_rule["population_cohort_jump"]
    assert pop.rows[0]["age"] == 5 and "+100%" in pop.message
    # limited to a year
    assert all(f.rows[0]["year"] == 2018 for f in run_rules(store, {2018}))


def test_import_reports_quality_warnings_but_loads(tmp_path):
    db = tmp_path / "q.duckdb"
    paths = [str(p) for p in write_small(tmp_path / "src", _data())]
    r = subprocess.run([sys.executable, "-m", "eduplan.cli.app", "import", *paths, "--db", str(db), "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["written"] and {f["rule"] for f in doc["quality"]} == {r.id for r in RULES}
    r = subprocess.run([sys.executable, "-m", "eduplan.cli.app", "quality", "--db", str(db), "--year", "2019"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "生师比" in r.stdout
