"""explain on an indicator of a derived relation (the school × year relation: enrolment summed, facilities joined)
names the import batches of the stored tables it is built from — it used to fail (the relation has no batch_id)."""

from __future__ import annotations

from eduplan.indicators.explain import explain
from eduplan.indicators.schema import load_definitions
from eduplan.store import Store


def test_explain_of_a_school_year_indicator_names_enrolment_and_facilities_batches(demo_store):
    with Store(demo_store, read_only=True) as s:
        r = explain(s, load_definitions(), "oversized_schools", 2025, ("district", "420104"))
        batches = {b["file_name"]: b["rows"] for t in r["numerator_terms"] + r["denominator_terms"] for b in t["batches"]}
        # by hand: the district's schools' rows of 2025 in each stored table the relation reads
        enrolment = s.one("SELECT count(*) FROM enrolment e JOIN school_zone z ON e.school_code = z.school_code "
                          "WHERE e.year = 2025 AND z.start_year <= 2025 AND (z.end_year IS NULL OR z.end_year >= 2025)")[0]
        facilities = s.one("SELECT count(*) FROM facilities f JOIN school_zone z ON f.school_code = z.school_code "
                           "WHERE f.year = 2025 AND z.start_year <= 2025 AND (z.end_year IS NULL OR z.end_year >= 2025)")[0]
    assert batches == {"分年级学生数.xlsx": enrolment, "办学条件.xlsx": facilities}
    assert enrolment > 500 and facilities > 100
