"""No look-ahead: a forecast from base year B reads nothing stored after B. A copy of the demo store with
every yearly row after 2020 deleted — 项目资金 included — gives exactly the same forecast from 2020 as the
full store. (A forward forecast, from the latest data year, does use later years' 年度计划投资 as the
schedule: tests/test_second_district.py checks 江湾区's capital by year from them.)"""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import pytest

from eduplan.forecast import ForecastSettings, run_forecast
from eduplan.forecast.report import forecasts_doc
from eduplan.store import Store

YEARLY = ("area_year", "balance_judgement", "enrolment", "facilities", "population", "project_finance", "reported",
          "teachers")


def _doc(db) -> dict:
    with Store(db, read_only=True) as s:
        f = run_forecast(s, "baseline", ForecastSettings(base_year=2020), as_of=date(2025, 12, 31))
    return json.loads(json.dumps(forecasts_doc([f]), default=str, ensure_ascii=False))


@pytest.fixture(scope="module")
def truncated(demo_store, tmp_path_factory):
    db = tmp_path_factory.mktemp("lookahead") / "to2020.duckdb"
    shutil.copy(demo_store, db)
    con = duckdb.connect(str(db))
    for t in YEARLY:
        con.execute(f"DELETE FROM {t} WHERE year > 2020")
    # project milestones (dates, not yearly rows) stay: the forecast itself reads progress only to 2020-12-31
    for t in YEARLY:
        assert con.execute(f"SELECT count(*) FROM {t} WHERE year > 2020").fetchone() == (0,)
    con.close()
    return db


def test_a_forecast_from_2020_ignores_data_after_2020(demo_store, truncated):
    full, cut = _doc(demo_store), _doc(truncated)
    assert full == cut


def test_births_after_the_base_year_are_projected_not_read(demo_store):
    with Store(demo_store, read_only=True) as s:
        f = run_forecast(s, "baseline", ForecastSettings(base_year=2020), as_of=date(2025, 12, 31))
    total = {t: sum(f.births[a][t] for a in f.inputs.areas) for t in range(2021, 2028)}
    # before: the stored births of 2021–2025 (5,100 … 4,500), then +62 % to 7,277 in 2026 on the crude
    # birth rate; now one rule throughout: no year-on-year step above 3 %
    steps = [total[t + 1] / total[t] - 1 for t in range(2021, 2027)]
    assert max(abs(x) for x in steps) < 0.03
    assert round(total[2021]) == 6569 and round(total[2026]) == 7277
