"""Projections go to the series the plan judges, and to no other row (a mutation survivor of
indicators.targets._project_all: the selection and the district/zone filter must both hold)."""

from __future__ import annotations

import math

import pandas as pd

from eduplan.indicators import IndicatorSettings, load_definitions
from eduplan.indicators.targets import attach
from eduplan.plan.loader import load_plan

D, SCHOOL = "420104", "2420104001"


def test_only_the_district_and_zone_series_of_targeted_indicators_are_projected():
    # preschool_gross_enrolment has targets in the shipped plan; oversized_schools has none.
    # The same four values 90, 91, 92, 93 (2016–2019) for the district and for one school.
    rows = [dict(indicator=ind, unit_type=ut, unit_code=uc, bdim="", bval="", year=y, value=v)
            for ind in ("preschool_gross_enrolment", "oversized_schools")
            for ut, uc in (("district", D), ("school", SCHOOL))
            for y, v in zip(range(2016, 2020), (90.0, 91.0, 92.0, 93.0))]
    df = attach(pd.DataFrame(rows), load_plan(), load_definitions(), IndicatorSettings())
    last = {(r.indicator, r.unit_type): r for r in df[df.year == 2019].itertuples()}
    # the district's targeted series: one point a year, carried on six years to the plan's end 2025 → 99
    hit = last[("preschool_gross_enrolment", "district")]
    assert (round(hit.projection, 6), hit.projection_year) == (99.0, 2025)
    # a school's series and an indicator the plan sets no target for: no projection at all
    for key in (("preschool_gross_enrolment", "school"), ("oversized_schools", "district"),
                ("oversized_schools", "school")):
        assert math.isnan(last[key].projection) and math.isnan(last[key].projection_year), key
