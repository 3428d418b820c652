"""The hand-written-SQL baseline of issue 11: the engine's figures as plain DuckDB SQL, written for speed.

Each function takes a DuckDB connection to an eduplan store and returns a DataFrame keyed like the
engine's `compute(...).values` — year, unit_type, unit_code, bdim, bval, indicator — with numerator,
denominator and value (NaN where the engine's is NaN). The rules they follow are the engine's (module
docstring of eduplan/indicators/engine.py; the 优质均衡 series: eduplan/balance/data.py, cv.py and
methods.md §1), written out by hand here, not derived from the declarations:

- a term sums its column over the relation's rows that pass its filter; school sums roll up to the 学区
  (effective-dated school_zone membership of the year) and the district, with the declared breakdowns;
  area figures (population, area_year) are per area code and a breakdown row uses its unit's total;
- a unit without any row of a term's relation has no value for that term (NULL, never 0); a row that
  should contribute but holds NULL makes the unit incomplete: value, numerator and denominator NULL;
- school rows and breakdown rows whose denominator is 0 (or absent) are left out unless incomplete;
  unit rows where every term is absent are left out;
- value = numerator / denominator × factor, in that order (the engine's float operations: (a)–(c) are
  bit-identical to the engine's on the city). The 优质均衡 CVs follow the evaluator's arithmetic step by
  step (shares, x_i = R_i / P_i, the weighted variance summed with fsum) but add Σ R_i with fsum rather
  than in school order: they agree with the evaluator to about 1e-16, not bit for bit.

Figures: `preschool_gross_enrolment` (a), `pupil_teacher_ratio` (b), `six_indicators` (c: six ratio
indicators over six relations in one query), `balance_coefficients` / `balance_cvs` (d: the student-
weighted CVs of methods.md §1.2 and their mean per district × level × year). `compare` says whether
two such frames hold the same keys and values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from eduplan.model.codes import GRADE_LEVEL, TYPE_LEVELS

KEYS = ["year", "unit_type", "unit_code", "bdim", "bval", "indicator"]
K12_TYPES = ("211", "213", "218", "311", "312", "319", "341", "342", "345", "349")
STAGE = {
    "111": "学前", "119": "学前", "211": "小学", "213": "小学", "218": "小学", "311": "初中", "319": "初中",
    "312": "九年一贯制", "341": "完全中学", "342": "高中", "349": "高中", "345": "十二年一贯制",
    "361": "中职", "365": "中职", "366": "中职", "511": "特教", "512": "特教", "513": "特教", "514": "特教",
}
LEVEL_CODE = {"小学": "primary", "初中": "junior", "高中": "senior"}


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _grades(*levels: str) -> str:
    return _in(g for g, lvl in GRADE_LEVEL.items() if lvl in levels)


def _level(*levels: str, e: str = "e", s: str = "s") -> str:
    """SQL: the enrolment row's 学段 is one of `levels` (special schools' rows are 特教)."""
    return f"({s}.type_code NOT LIKE '5%' AND {e}.grade IN {_grades(*levels)})"


_STAGE_SQL = "CASE type_code " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STAGE.items()) + " ELSE type_code END"
_AREA_TYPE = ("CASE WHEN regexp_full_match(area_code, '[0-9]{6}') OR area_code IN (SELECT district_code FROM school) "
              "THEN 'district' ELSE 'zone' END")
_MEMBER = "school_zone z ON z.school_code = w.school_code AND w.year >= z.start_year AND w.year <= coalesce(z.end_year, 9999)"


def _rollup(cols: dict[str, str], breakdowns: tuple[str, ...], schools: bool) -> str:
    """SQL (a UNION ALL) rolling the per-school table `w` (year, school_code, ownership, district_code, stage
    and the term columns) up to school, district and zone rows with the breakdowns; `cols` maps each term
    column of w to its aggregate (sum, or bool_or for a missing flag)."""
    aggs = ", ".join(f"{agg} AS {name}" for name, agg in cols.items())
    bdim = ("CASE " + " ".join(f"WHEN GROUPING(w.{b}) = 0 THEN '{b}'" for b in breakdowns) + " ELSE '' END"
            if breakdowns else "''")
    bval = ("coalesce(" + ", ".join(f"CASE WHEN GROUPING(w.{b}) = 0 THEN w.{b} END" for b in breakdowns) + ", '')"
            if breakdowns else "''")
    parts = []
    if schools:  # a school's own row: its sums as they are
        parts.append(f"SELECT w.year, 'school' AS unit_type, w.school_code AS unit_code, '' AS bdim, '' AS bval, "
                     f"{', '.join(f'w.{name}' for name in cols)} FROM w")
    for unit, code, source in (("district", "w.district_code", "w"), ("zone", "z.zone_code", f"w JOIN {_MEMBER}")):
        sets = ", ".join([f"(w.year, {code})"] + [f"(w.year, {code}, w.{b})" for b in breakdowns])
        parts.append(f"SELECT w.year, '{unit}' AS unit_type, {code} AS unit_code, {bdim} AS bdim, {bval} AS bval, {aggs} "
                     f"FROM {source} GROUP BY GROUPING SETS ({sets})")
    return "\nUNION ALL\n".join(parts)


def _finish(sql: str, con) -> pd.DataFrame:
    df = con.execute(sql).fetch_df()
    for c in ("numerator", "denominator", "value"):
        df[c] = df[c].astype("float64")
    df["year"] = df["year"].astype("int64")
    return df


_VALUE = """
SELECT year, unit_type, unit_code, bdim, bval, indicator,
       CASE WHEN gap THEN NULL ELSE n::DOUBLE END AS numerator,
       CASE WHEN gap THEN NULL ELSE d::DOUBLE END AS denominator,
       CASE WHEN gap OR d = 0 THEN NULL ELSE n::DOUBLE / d::DOUBLE * factor END AS value
FROM v
WHERE NOT (n IS NULL AND d IS NULL) AND ((unit_type <> 'school' AND bdim = '') OR d <> 0 OR gap)
"""


# ------------------------------------------------------------------ (a) 学前三年毛入园率


def preschool_gross_enrolment(con, ages: tuple[int, int] = (3, 5)) -> pd.DataFrame:
    """学前三年毛入园率 for every district and zone and year, total and by 办学性质 (the engine's
    preschool_gross_enrolment): 在园幼儿 (all ages) ÷ population aged ages[0]–ages[1] × 100."""
    pre = _level("学前")
    rolled = _rollup({"n": "sum(w.n)", "n_m": "bool_or(w.n_m)"}, ("ownership",), schools=False)
    sql = f"""
WITH w AS MATERIALIZED (
    SELECT e.year, e.school_code, any_value(s.ownership) AS ownership, any_value(s.district_code) AS district_code,
           coalesce(sum(e.pupils) FILTER (WHERE {pre}), 0) AS n,
           bool_or({pre} AND e.pupils IS NULL) AS n_m
    FROM enrolment e JOIN school s USING (school_code)
    GROUP BY e.year, e.school_code),
r AS ({rolled}),
p AS (
    SELECT year, {_AREA_TYPE} AS unit_type, area_code AS unit_code,
           coalesce(sum(population) FILTER (WHERE age >= {int(ages[0])} AND age <= {int(ages[1])}), 0) AS d,
           bool_or(age >= {int(ages[0])} AND age <= {int(ages[1])} AND population IS NULL) AS d_m
    FROM population GROUP BY year, area_code),
v AS (
    SELECT year, unit_type, unit_code, '' AS bdim, '' AS bval, 'preschool_gross_enrolment' AS indicator,
           r.n, p.d, coalesce(r.n_m, false) OR coalesce(p.d_m, false) AS gap, 100::DOUBLE AS factor
    FROM (SELECT * FROM r WHERE bdim = '') r FULL JOIN p USING (year, unit_type, unit_code)
    UNION ALL
    SELECT r.year, r.unit_type, r.unit_code, r.bdim, r.bval, 'preschool_gross_enrolment', r.n, p.d,
           r.n_m OR coalesce(p.d_m, false), 100::DOUBLE
    FROM r LEFT JOIN p USING (year, unit_type, unit_code) WHERE r.bdim <> '')
{_VALUE}"""
    return _finish(sql, con)


# ------------------------------------------------------------------ (b) 生师比 of one level


def pupil_teacher_ratio(con, level: str = "小学") -> pd.DataFrame:
    """生师比 of one level (小学 / 初中 / 高中: the engine's pupil_teacher_ratio_<primary|junior|senior>) for
    every school, zone and district and year, with the 办学性质 breakdown: pupils ÷ 专任教师 of the level."""
    lvl = _level(level)
    rolled = _rollup({"n": "sum(w.n)", "d": "sum(w.d)", "gap": "bool_or(w.gap)"}, ("ownership",), schools=True)
    sql = f"""
WITH e AS (
    SELECT e.year, e.school_code, coalesce(sum(e.pupils) FILTER (WHERE {lvl}), 0) AS n,
           bool_or({lvl} AND e.pupils IS NULL) AS n_m
    FROM enrolment e JOIN school s USING (school_code) GROUP BY e.year, e.school_code),
t AS (
    SELECT t.year, t.school_code, coalesce(sum(t.teachers) FILTER (WHERE t.section = '{level}'), 0) AS d,
           bool_or(t.section = '{level}' AND t.teachers IS NULL) AS d_m
    FROM teachers t SEMI JOIN school s USING (school_code) GROUP BY t.year, t.school_code),
w AS MATERIALIZED (
    SELECT year, school_code, s.ownership, s.district_code, e.n, t.d,
           coalesce(e.n_m, false) OR coalesce(t.d_m, false) AS gap
    FROM e FULL JOIN t USING (year, school_code) JOIN school s USING (school_code)),
v AS (SELECT *, 'pupil_teacher_ratio_{LEVEL_CODE[level]}' AS indicator, 1::DOUBLE AS factor FROM ({rolled}))
{_VALUE}"""
    return _finish(sql, con)


# ------------------------------------------------------------------ (c) six indicators in one query

SIX = {
    # id: relations of its terms; units; breakdowns
    "large_class_share_primary": "enrolment / enrolment; district, zone, school; ownership",
    "senior_teacher_postgraduate_share": "teachers / teachers; district, zone, school; ownership",
    "teacher_mobile_terminal_coverage": "facilities / teachers; district, zone, school; ownership",
    "upper_secondary_gross_enrolment": "enrolment / population; district, zone",
    "education_expenditure_share": "area_year / area_year; district",
    "smart_classroom_school_rate": "schools (school × year, enrolment + facilities) / schools; district, zone; "
                                  "ownership, level (the school's stage)",
}


def six_indicators(con, upper_ages: tuple[int, int] = (15, 17)) -> pd.DataFrame:
    """The six indicators of SIX (one per pair of relations) for every unit, year and breakdown, in ONE query:
    one per-school table of every term, one rollup, the area figures joined, the six read off it."""
    primary, upper = _level("小学"), _level("高中", "中职")
    k12 = f"s.type_code IN {_in(K12_TYPES)}"
    a0, a1 = int(upper_ages[0]), int(upper_ages[1])
    cols = {c: f"sum(w.{c})" for c in ("e1", "e2", "e3", "s1", "s2", "t1", "t2", "t3", "f1")}
    cols.update({c: f"bool_or(w.{c})" for c in ("e1_m", "e2_m", "e3_m", "s1_m", "t1_m", "t2_m", "t3_m", "f1_m")})
    rolled = _rollup(cols, ("ownership", "level"), schools=True)
    sql = f"""
WITH e AS (
    SELECT e.year, e.school_code,
           coalesce(sum(e.classes_over_norm) FILTER (WHERE {primary}), 0) AS e1,
           bool_or({primary} AND e.classes_over_norm IS NULL) AS e1_m,
           coalesce(sum(e.classes) FILTER (WHERE {primary}), 0) AS e2,
           bool_or({primary} AND e.classes IS NULL) AS e2_m,
           coalesce(sum(e.pupils) FILTER (WHERE {upper}), 0) AS e3,
           bool_or({upper} AND e.pupils IS NULL) AS e3_m
    FROM enrolment e JOIN school s USING (school_code) GROUP BY e.year, e.school_code),
t AS (
    SELECT t.year, t.school_code,
           coalesce(sum(t.q_postgrad) FILTER (WHERE t.section = '高中'), 0) AS t1,
           bool_or(t.section = '高中' AND t.q_postgrad IS NULL) AS t1_m,
           coalesce(sum(t.teachers) FILTER (WHERE t.section = '高中'), 0) AS t2,
           bool_or(t.section = '高中' AND t.teachers IS NULL) AS t2_m,
           coalesce(sum(t.teachers) FILTER (WHERE {k12}), 0) AS t3,
           bool_or({k12} AND t.teachers IS NULL) AS t3_m
    FROM teachers t JOIN school s USING (school_code) GROUP BY t.year, t.school_code),
f AS (SELECT year, school_code, teacher_devices, smart_rooms FROM facilities SEMI JOIN school USING (school_code)),
w AS MATERIALIZED (
    SELECT year, school_code, s.ownership, s.district_code, {_STAGE_SQL.replace('type_code', 's.type_code')} AS level,
           e1, e1_m, e2, e2_m, e3, e3_m, t1, t1_m, t2, t2_m, t3, t3_m,
           CASE WHEN f.school_code IS NULL THEN NULL WHEN {k12} THEN coalesce(f.teacher_devices, 0) ELSE 0 END AS f1,
           {k12} AND f.school_code IS NOT NULL AND f.teacher_devices IS NULL AS f1_m,
           -- the `schools` relation: one row per school × year with enrolment rows, its facilities left-joined
           CASE WHEN e.school_code IS NULL THEN NULL WHEN {k12} AND f.smart_rooms > 0 THEN 1 ELSE 0 END AS s1,
           e.school_code IS NOT NULL AND {k12} AND f.smart_rooms IS NULL AS s1_m,
           CASE WHEN e.school_code IS NULL THEN NULL WHEN {k12} THEN 1 ELSE 0 END AS s2
    FROM e FULL JOIN t USING (year, school_code) FULL JOIN f USING (year, school_code) JOIN school s USING (school_code)),
r AS ({rolled}),
area AS (
    SELECT year, unit_type, unit_code, p1, p1_m, a1, a1_m, a2, a2_m
    FROM (SELECT year, {_AREA_TYPE} AS unit_type, area_code AS unit_code,
                 coalesce(sum(population) FILTER (WHERE age >= {a0} AND age <= {a1}), 0) AS p1,
                 bool_or(age >= {a0} AND age <= {a1} AND population IS NULL) AS p1_m
          FROM population GROUP BY year, area_code) p
    FULL JOIN (SELECT year, {_AREA_TYPE} AS unit_type, area_code AS unit_code,
                      coalesce(sum(education_expenditure), 0) AS a1, bool_or(education_expenditure IS NULL) AS a1_m,
                      coalesce(sum(public_expenditure), 0) AS a2, bool_or(public_expenditure IS NULL) AS a2_m
               FROM area_year GROUP BY year, area_code) a USING (year, unit_type, unit_code)),
c AS MATERIALIZED (
    SELECT * FROM (SELECT * FROM r WHERE bdim = '') r FULL JOIN area USING (year, unit_type, unit_code)
    UNION ALL BY NAME
    SELECT * FROM r WHERE bdim <> ''),
v AS (
    SELECT year, unit_type, unit_code, bdim, bval, 'large_class_share_primary' AS indicator, e1 AS n, e2 AS d,
           coalesce(e1_m, false) OR coalesce(e2_m, false) AS gap, 100::DOUBLE AS factor
    FROM c WHERE bdim IN ('', 'ownership') AND unit_type IN ('district', 'zone', 'school')
    UNION ALL
    SELECT year, unit_type, unit_code, bdim, bval, 'senior_teacher_postgraduate_share', t1, t2,
           coalesce(t1_m, false) OR coalesce(t2_m, false), 100::DOUBLE
    FROM c WHERE bdim IN ('', 'ownership') AND unit_type IN ('district', 'zone', 'school')
    UNION ALL
    SELECT year, unit_type, unit_code, bdim, bval, 'teacher_mobile_terminal_coverage', f1, t3,
           coalesce(f1_m, false) OR coalesce(t3_m, false), 100::DOUBLE
    FROM c WHERE bdim IN ('', 'ownership') AND unit_type IN ('district', 'zone', 'school')
    UNION ALL
    SELECT year, unit_type, unit_code, bdim, bval, 'upper_secondary_gross_enrolment', e3, p1,
           coalesce(e3_m, false) OR coalesce(p1_m, false), 100::DOUBLE
    FROM c WHERE bdim = '' AND unit_type IN ('district', 'zone')
    UNION ALL
    SELECT year, unit_type, unit_code, bdim, bval, 'education_expenditure_share', a1, a2,
           coalesce(a1_m, false) OR coalesce(a2_m, false), 100::DOUBLE
    FROM c WHERE bdim = '' AND unit_type = 'district'
    UNION ALL
    SELECT year, unit_type, unit_code, bdim, bval, 'smart_classroom_school_rate', s1, s2, coalesce(s1_m, false), 100::DOUBLE
    FROM c WHERE unit_type IN ('district', 'zone'))
{_VALUE}"""
    return _finish(sql, con)


# ------------------------------------------------------------------ (d) 优质均衡系数


def _type_rules(settings) -> str:
    """VALUES: per 办学类型 whether it is evaluated, whether it is a 教学点, which of 小学/初中/高中 it serves
    and each level's facility-splitting weight (0 where it does not serve the level)."""
    rows = []
    for code, levels in TYPE_LEVELS.items():
        weights = settings.weights_for(code)
        served = [lvl for lvl in levels if lvl in weights or lvl in ("小学", "初中")]
        w = [float(weights.get(lvl, 1.0)) if lvl in served else 0.0 for lvl in ("小学", "初中", "高中")]
        rows.append(f"('{code}', {str(code in settings.scope_types).lower()}, "
                    f"{str(code in settings.teaching_point_types).lower()}, "
                    f"{str('小学' in levels).lower()}, {str('初中' in levels).lower()}, "
                    f"{w[0]!r}::DOUBLE, {w[1]!r}::DOUBLE, {w[2]!r}::DOUBLE)")
    return "(VALUES " + ", ".join(rows) + ") AS tr(type_code, scoped, point, has1, has2, w1, w2, w3)"


_QUANTITIES = {  # indicator: (SQL of the unit's raw total R from the teachers row t and the facilities row f, factor)
    "L1": ("(t.q_postgrad + t.q_bachelor + CASE WHEN u.level = '小学' THEN t.q_college ELSE 0 END)", 100.0),
    "L2": ("(t.bb_district + t.bb_city + t.bb_province)", 100.0),
    "L3": ("(t.pe + t.music + t.art)", 100.0),
    "L4": ("(f.teaching_area::DOUBLE * u.share)", 1.0),
    "L5": ("(f.sports_area::DOUBLE * u.share)", 1.0),
    "L6": ("(f.equipment_value::DOUBLE * 10000::DOUBLE * u.share)", 1.0),
    "L7": ("(f.multimedia_rooms::DOUBLE * u.share)", 100.0),
}


def balance_cvs(con, settings=None) -> pd.DataFrame:
    """The seven 2017 差异系数 (L1–L7) per district × level × year (methods.md §1.2–§1.3): columns year,
    district_code, level, indicator, cv (NaN where a unit lacks the quantity, or no school is evaluated)."""
    from eduplan.balance.settings import BalanceSettings

    settings = settings or BalanceSettings()
    return con.execute(_cv_sql(settings)).fetch_df()


def _cv_sql(settings) -> str:
    point_min = int(settings.teaching_point_min_pupils)
    r_cols = ",\n           ".join(f"{expr}::DOUBLE * {factor!r}::DOUBLE AS {k}" for k, (expr, factor) in _QUANTITIES.items())
    unpivot = ", ".join(_QUANTITIES)
    m_cols = ",\n           ".join(f"count({k}) = count(*) AS {k}_known, fsum({k}) / sum(pupils)::DOUBLE AS {k}_mean"
                                    for k in _QUANTITIES)
    cv_cols = ",\n           ".join(
        f"CASE WHEN {k}_known AND {k}_mean > 0 THEN sqrt(fsum(r.pupils / p_sum * "
        f"((r.{k} / r.pupils - {k}_mean) * (r.{k} / r.pupils - {k}_mean)))) / {k}_mean END AS {k}" for k in _QUANTITIES)
    group_cols = ", ".join(f"{k}_known, {k}_mean" for k in _QUANTITIES)
    return f"""
WITH p AS (
    SELECT year, school_code,
           coalesce(sum(pupils) FILTER (WHERE grade IN {_grades('小学')}), 0) AS p1,
           coalesce(sum(pupils) FILTER (WHERE grade IN {_grades('初中')}), 0) AS p2,
           coalesce(sum(pupils) FILTER (WHERE grade IN {_grades('高中')}), 0) AS p3
    FROM enrolment GROUP BY year, school_code),
rec AS (  -- every school with enrolment rows in the year (the evaluation's records), with its type's rules
    SELECT p.*, s.district_code, tr.scoped, tr.point, tr.has1, tr.has2, tr.w1, tr.w2, tr.w3
    FROM p JOIN school s USING (school_code) JOIN {_type_rules(settings)} USING (type_code)),
u AS (  -- (school, level) units in scope, with the level's weighted share of the school's facility totals
    SELECT year, school_code, district_code, level, pupils,
           weighted / ((w1 * p1 + w2 * p2) + w3 * p3) AS share
    FROM (SELECT *, '小学' AS level, p1 AS pupils, w1 * p1 AS weighted FROM rec WHERE has1
          UNION ALL
          SELECT *, '初中' AS level, p2 AS pupils, w2 * p2 AS weighted FROM rec WHERE has2)
    WHERE scoped AND NOT (point AND p1 + p2 < {point_min}) AND pupils > 0),
r AS MATERIALIZED (  -- each unit's raw totals R (×100 for the 每百名 indicators); NULL where a part is missing
    SELECT u.year, u.district_code, u.level, u.school_code, u.pupils,
           {r_cols}
    FROM u LEFT JOIN teachers t ON t.year = u.year AND t.school_code = u.school_code AND t.section = u.level
           LEFT JOIN facilities f ON f.year = u.year AND f.school_code = u.school_code),
m AS (  -- per district × level × year: students, units, and per indicator the units knowing R and X̄ = Σ R_i / P
    SELECT year, district_code, level, sum(pupils)::DOUBLE AS p_sum, count(*) AS n,
           {m_cols}
    FROM r GROUP BY year, district_code, level),
wide AS (  -- S² = Σ (P_i / P)(x_i − X̄)², summed with fsum; CV = S / X̄ (missing when a unit lacks R, or X̄ ≤ 0)
    SELECT year, district_code, level,
           {cv_cols}
    FROM r JOIN m USING (year, district_code, level)
    GROUP BY year, district_code, level, {group_cols}),
cv AS (SELECT * FROM wide UNPIVOT INCLUDE NULLS (cv FOR indicator IN ({unpivot}))),
keys AS (  -- every district with records in the year, both levels, all seven indicators
    SELECT year, district_code, level, indicator
    FROM (SELECT DISTINCT year, district_code FROM rec), (VALUES ('小学'), ('初中')) lv(level), (VALUES {', '.join(f"('{k}')" for k in _QUANTITIES)}) i(indicator))
SELECT year, district_code, level, indicator, cv FROM keys LEFT JOIN cv USING (year, district_code, level, indicator)
"""


def balance_coefficients(con, settings=None) -> pd.DataFrame:
    """义务教育优质均衡系数 per district × level × year: the mean of the seven CVs (NULL when one is),
    keyed like the engine's compulsory_balance_coefficient (unit_type district, bdim level, bval 小学/初中)."""
    from eduplan.balance.settings import BalanceSettings

    settings = settings or BalanceSettings()
    agg = "fsum(cv) / 7::DOUBLE" if settings.composite == "mean" else "max(cv)"
    sql = f"""
WITH c AS ({_cv_sql(settings)})
SELECT year, 'district' AS unit_type, district_code AS unit_code, 'level' AS bdim, level AS bval,
       'compulsory_balance_coefficient' AS indicator,
       CASE WHEN count(cv) = 7 THEN {agg} END AS value
FROM c GROUP BY year, district_code, level"""
    df = con.execute(sql).fetch_df()
    df["value"] = df["value"].astype("float64")
    df["year"] = df["year"].astype("int64")
    return df


# ------------------------------------------------------------------ equality


def compare(engine: pd.DataFrame, hand: pd.DataFrame, keys: list[str] = KEYS) -> dict:
    """Same key set, and the values' largest absolute and relative difference (NaN = NaN; a NaN beside a
    number counts as a mismatch)."""
    a = engine[keys + ["value"]].copy()
    b = hand[keys + ["value"]].copy()
    for f in (a, b):
        f["year"] = f["year"].astype("int64")
        f["value"] = pd.to_numeric(f["value"], errors="coerce").astype("float64")
    m = a.merge(b, on=keys, how="outer", suffixes=("_engine", "_hand"), indicator=True)
    only_engine = int((m["_merge"] == "left_only").sum())
    only_hand = int((m["_merge"] == "right_only").sum())
    both = m[m["_merge"] == "both"]
    x, y = both["value_engine"].to_numpy(), both["value_hand"].to_numpy()
    nan_mismatch = int((np.isnan(x) != np.isnan(y)).sum())
    ok = ~np.isnan(x) & ~np.isnan(y)
    diff = np.abs(x[ok] - y[ok])
    rel = diff / np.maximum(np.abs(x[ok]), 1e-300)
    max_abs = float(diff.max()) if diff.size else 0.0
    max_rel = float(rel.max()) if rel.size else 0.0
    dup = int(a.duplicated(keys).sum() + b.duplicated(keys).sum())
    return {"rows": int(len(both)), "values": int(ok.sum()), "only_engine": only_engine, "only_hand": only_hand,
            "duplicates": dup, "nan_mismatch": nan_mismatch, "max_abs": max_abs, "max_rel": max_rel,
            "identical": bool(diff.size == 0 or max_abs == 0.0),
            "equal": bool(only_engine == 0 and only_hand == 0 and dup == 0 and nan_mismatch == 0
                          and (max_abs <= 1e-12 or max_rel <= 1e-12) and not math.isnan(max_abs))}
