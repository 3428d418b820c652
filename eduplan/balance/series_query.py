"""The plan's coefficient series as one Ibis query: every district × year × level's student-weighted 差异系数
of the method's indicators (2017: L1–L7; 2012: B1–B8) and their composite, computed in the database.

It is the Python evaluator's arithmetic (data.split_units, indicators.evaluate_indicator, cv.weighted_cv)
written once against Ibis, so that the same expression runs on every store that offers `ibis()` (DuckDB,
PostgreSQL); nothing but the small result (districts × years × levels) is fetched:

- scope (data.exclusion_reason): 5xx and 36x schools out, only `scope_types`, a 教学点 type with fewer than
  `teaching_point_min_pupils` 小学 + 初中 pupils out;
- a unit is an in-scope school × a level it serves (model.codes.levels_of) with pupils of that level > 0;
  its teacher quantities come from the teachers row of that section (no row, or a NULL part: unknown);
  its facility totals are the school's times the level's share by weighted students
  (settings.weights_for: `level_weights`, `complete_school_weights` for `complete_school_types`);
- per indicator x_i = R_i·factor / P_i, X̄ = ΣR / ΣP (grouped, then joined back to the units), then
  S = sqrt(Σ (P_i/P)(x_i − X̄)²) — deviations from the mean, not E[x²] − X̄², so that the figures equal the
  evaluator's to 1e-12 — and CV = S / X̄; unknown when a unit's quantity is unknown, when the group has no
  unit, or when X̄ ≤ 0; the composite (`composite`: mean or max) is unknown when one CV is.

Every setting enters the expression as a literal taken from BalanceSettings; the school report still uses
the evaluator (eduplan.balance.evaluate_store), and tests/test_balance_series_query.py holds the two equal.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .. import sqlcache
from ..model.codes import GRADE_LEVEL, TYPE_LEVELS, levels_of
from .data import TEACHER_QUANTITIES
from .settings import LEVELS, BalanceSettings, load_settings

# level → its grades (P1–P6 小学, J1–J3 初中, …), from the data model
_GRADES: dict[str, list[str]] = {}
for _g, _lvl in GRADE_LEVEL.items():
    _GRADES.setdefault(_lvl, []).append(_g)
_LEVEL_ORDER = list(_GRADES)  # 学前, 小学, 初中, 高中, 中职 — the order levels_of lists a type's levels in


def method_indicators(method: str) -> list[tuple[str, str, float]]:
    """(id, quantity, factor) of the method's indicators, from its module (the evaluator's own specs)."""
    from . import method2012, method2017

    specs = {"2017": method2017.INDICATORS, "2012": method2012.INDICATORS}[str(method)]
    return [(s.id, s.quantity, float(s.factor)) for s in specs]


def _scope_weights(settings: BalanceSettings) -> dict[str, dict[str, float]]:
    """In-scope 办学类型代码 → the weight of each level that takes a share of its facilities (data.facility_shares:
    the levels it serves that have a weight or are compulsory; a compulsory level without a weight weighs 1)."""
    out: dict[str, dict[str, float]] = {}
    for t in settings.scope_types:
        if t.startswith("5") or t.startswith("36") or t not in TYPE_LEVELS:
            continue  # special and vocational schools are out whatever scope_types says
        w = settings.weights_for(t)
        out[t] = {lvl: float(w.get(lvl, 1.0)) for lvl in levels_of(t) if lvl in w or lvl in LEVELS}
    return out


def _by_type(col, mapping: dict[str, Any], default):
    """A CASE on the 办学类型代码 (a literal per type), `default` for the others."""
    import ibis

    branches = [(col == t, ibis.literal(v)) for t, v in mapping.items()]
    return ibis.cases(*branches, else_=ibis.literal(default)) if branches else ibis.literal(default)


def _isin(col, values: list):
    import ibis

    return col.isin(values) if values else ibis.literal(False)


def _teacher_quantity(t, q: str, level):
    """A teacher quantity of the section's row, as records_from_store sums it (a NULL part: NULL)."""
    import ibis

    if q == "teachers":
        return t.teachers
    if q == "qual":  # 小学 专科及以上, 初中 本科及以上
        return t.q_postgrad + t.q_bachelor + ibis.ifelse(level == "小学", t.q_college, 0)
    if q == "backbone":
        return t.bb_district + t.bb_city + t.bb_province
    if q == "pe_art":
        return t.pe + t.music + t.art
    if q == "senior_title":
        return t.t_senior_full + t.t_senior + t.t_first
    raise KeyError(q)


def _facility_quantity(f, q: str):
    if q == "equipment":
        return f.equipment_value * 10_000.0  # 万元 → 元
    return f[q].cast("float64")  # teaching_area, sports_area (㎡), multimedia_rooms, computers, books


def coefficient_query(store, method: str | None = None, years: list[int] | None = None,
                      settings: BalanceSettings | None = None, by_district: bool = True):
    """The Ibis expression: one row per (district_code,) year × level present in the store (a district and
    year with any enrolment row; both levels), with `cv_<id>` per indicator and `composite` (NULL: unknown).
    Without `by_district` the store's schools are pooled (one group per year × level)."""
    import ibis

    settings = settings or load_settings()
    method = str(method or settings.plan_method)
    indicators = method_indicators(method)
    weights = _scope_weights(settings)
    con = store.ibis()
    enrolment, school = con.table("enrolment"), con.table("school")
    teachers, facilities = con.table("teachers"), con.table("facilities")

    if years is not None:
        enrolment = enrolment.filter(_isin(enrolment.year, sorted({int(y) for y in years})))
    weighted_levels = [lvl for lvl in _LEVEL_ORDER if any(lvl in w for w in weights.values())]
    pupil_levels = [lvl for lvl in _LEVEL_ORDER if lvl in LEVELS or lvl in weighted_levels]
    # pupils per school × year and level (grades → level by the data model)
    per_school = enrolment.group_by(["school_code", "year"]).aggregate(
        **{f"p_{i}": enrolment.pupils.sum(where=_isin(enrolment.grade, _GRADES[lvl]))
           for i, lvl in enumerate(pupil_levels)})
    # as doubles from here: a weight literal (1.1) times a BIGINT would be a DECIMAL in DuckDB and a NUMERIC in
    # PostgreSQL, not the evaluator's float arithmetic
    per_school = per_school.mutate(**{f"p_{i}": per_school[f"p_{i}"].coalesce(0).cast("float64")
                                      for i in range(len(pupil_levels))})
    p = {lvl: f"p_{i}" for i, lvl in enumerate(pupil_levels)}
    per_school = per_school.join(school.select("school_code", "district_code", "type_code"), "school_code")
    group = ["district_code", "year"] if by_district else ["year"]
    # the groups reported: every (district,) year with enrolment rows, as the evaluator's records are
    # (an aggregate, not a select: Ibis then shares per_school with the units instead of joining it again)
    keys = (per_school.group_by(group).aggregate(schools=per_school.school_code.count()).select(*group)
            if by_district else enrolment.select("year").distinct())

    # scope (data.exclusion_reason)
    compulsory = sum((per_school[p[lvl]] for lvl in LEVELS[1:]), per_school[p[LEVELS[0]]])
    tp_types = [t for t in settings.teaching_point_types if t in weights]
    in_scope = _isin(per_school.type_code, list(weights))
    if tp_types:
        in_scope = in_scope & ~(_isin(per_school.type_code, tp_types)
                                & (compulsory < settings.teaching_point_min_pupils))
    schools = per_school.filter(in_scope)

    # each level's share of the school's facilities, by weighted students (data.facility_shares)
    terms = {lvl: _by_type(schools.type_code, {t: w[lvl] for t, w in weights.items() if lvl in w}, 0.0)
             * schools[p[lvl]] for lvl in weighted_levels}
    total = None
    for lvl in weighted_levels:  # summed in levels_of order, as the evaluator sums
        total = terms[lvl] if total is None else total + terms[lvl]
    units = []
    for lvl in LEVELS:
        served = [t for t in weights if lvl in levels_of(t)]
        if not served:
            continue
        share = ibis.ifelse(total > 0, terms[lvl] / total, 0.0) if lvl in terms else ibis.literal(0.0)
        units.append(schools.filter(_isin(schools.type_code, served) & (schools[p[lvl]] > 0)).select(
            *group, "school_code", level=ibis.literal(lvl), pupils=schools[p[lvl]], share=share))
    if units:
        unit = units[0]
        for u in units[1:]:
            unit = unit.union(u)
    else:  # nothing can be in scope: an empty relation of the same shape
        unit = keys.mutate(school_code=ibis.literal("", "string"), level=ibis.literal("", "string"),
                           pupils=ibis.literal(1.0), share=ibis.literal(0.0)).filter(ibis.literal(False))

    quantities = {q for _, q, _ in indicators}
    t = teachers.select(t_school="school_code", t_year="year", section="section", **{c: c for c in sorted(
        {c for q in quantities & set(TEACHER_QUANTITIES) for c in _teacher_columns(q)})})
    f = facilities.select(f_school="school_code", f_year="year", **{c: c for c in sorted(
        {c for q in quantities - set(TEACHER_QUANTITIES) for c in _facility_columns(q)})})
    joined = unit.left_join(t, [unit.school_code == t.t_school, unit.year == t.t_year, unit.level == t.section])
    joined = joined.left_join(f, [joined.school_code == f.f_school, joined.year == f.f_year])
    raw = {}
    for k, q, factor in indicators:
        if q in TEACHER_QUANTITIES:
            amount = _teacher_quantity(joined, q, joined.level).cast("float64")
        else:
            amount = _facility_quantity(joined, q) * joined.share
        raw[f"r_{k}"] = amount * factor if factor != 1.0 else amount
    cols = joined.select(*group, "level", "pupils", **raw)

    # X̄ = ΣR / ΣP per group first (joined back), then the weighted squared deviations from it
    by = [*group, "level"]
    means = cols.group_by(by).aggregate(
        p_sum=cols.pupils.sum(), n=cols.pupils.count(),
        **{f"known_{k}": cols[f"r_{k}"].count() for k, _, _ in indicators},
        **{f"r_sum_{k}": cols[f"r_{k}"].sum() for k, _, _ in indicators})
    means = means.select(*by, "p_sum", "n", *[f"known_{k}" for k, _, _ in indicators],
                         **{f"mean_{k}": means[f"r_sum_{k}"] / means.p_sum for k, _, _ in indicators})
    dev = means.join(cols, by)  # (means on the left: Ibis keeps `cols` one shared relation)
    dev = dev.select(*by, *[f"known_{k}" for k, _, _ in indicators], *[f"mean_{k}" for k, _, _ in indicators], "n",
                     **{f"d_{k}": dev.pupils / dev.p_sum * (dev[f"r_{k}"] / dev.pupils - dev[f"mean_{k}"]) ** 2
                        for k, _, _ in indicators})
    agg = dev.group_by([*by, "n", *[f"known_{k}" for k, _, _ in indicators], *[f"mean_{k}" for k, _, _ in indicators]]
                       ).aggregate(**{f"var_{k}": dev[f"d_{k}"].sum() for k, _, _ in indicators})
    cv = {f"cv_{k}": ibis.ifelse((agg[f"known_{k}"] == agg.n) & (agg[f"mean_{k}"] > 0),
                                 agg[f"var_{k}"].sqrt() / agg[f"mean_{k}"], ibis.null("float64"))
          for k, _, _ in indicators}
    result = agg.select(*group, "level", **cv)
    cvs = [result[c] for c in cv]
    any_unknown = ibis.or_(*[c.isnull() for c in cvs])
    if settings.composite == "mean":
        value = sum(cvs[1:], cvs[0]) / float(len(cvs))
    else:
        value = ibis.greatest(*cvs) if len(cvs) > 1 else cvs[0]
    result = result.mutate(composite=ibis.ifelse(any_unknown, ibis.null("float64"), value))

    # every (district,) year with enrolment rows, both levels, known or not
    level_keys = keys.mutate(level=ibis.literal(LEVELS[0]))
    for lvl in LEVELS[1:]:
        level_keys = level_keys.union(keys.mutate(level=ibis.literal(lvl)))
    on = [level_keys[c] == result[c] for c in (*group, "level")]
    out = level_keys.left_join(result, on).select(
        *[level_keys[c] for c in (*group, "level")], *[result[c] for c in (*cv, "composite")])
    return out.order_by([*group, "level"])


def _teacher_columns(q: str) -> tuple[str, ...]:
    return {"teachers": ("teachers",), "qual": ("q_postgrad", "q_bachelor", "q_college"),
            "backbone": ("bb_district", "bb_city", "bb_province"), "pe_art": ("pe", "music", "art"),
            "senior_title": ("t_senior_full", "t_senior", "t_first")}[q]


def _facility_columns(q: str) -> tuple[str, ...]:
    return ("equipment_value",) if q == "equipment" else (q,)


_SQL: dict[str, tuple[str, list[str]]] = {}  # compiled DuckDB SQL and column names, per query key
_MAX_SQL = 64
_PREFIX = "balance-series-"  # its files in the shared cache folder (eduplan.sqlcache)
_CODE: list[str] = []


def _code_signature() -> str:
    """What the compiled SQL depends on besides the query key: this module, the data model's grades and
    types, the store's schema version and the compilers' versions."""
    if not _CODE:
        from ..store.schema import SCHEMA_VERSION

        h = hashlib.sha256(Path(__file__).read_bytes())
        h.update(repr((GRADE_LEVEL, TYPE_LEVELS, TEACHER_QUANTITIES, LEVELS, SCHEMA_VERSION)).encode())
        h.update(sqlcache.compiler_versions().encode())
        _CODE.append(h.hexdigest())
    return _CODE[0]


def _compiled(store, method: str, years: list[int] | None, settings: BalanceSettings,
              by_district: bool) -> tuple[str, list[str]]:
    """The query's DuckDB SQL and column names: from this process, else from the cache folder, else built and
    compiled by Ibis (and kept in both)."""
    asked = None if years is None else sorted({int(y) for y in years})
    key = hashlib.sha256(repr((method, method_indicators(method), asked, by_district, settings.model_dump_json(),
                               _code_signature())).encode()).hexdigest()
    got = _SQL.get(key)
    if got is not None:
        return got
    path = sqlcache.path_for(key, _PREFIX)
    doc = sqlcache.read(path)
    if doc is not None and isinstance(doc.get("columns"), list):
        got = (doc["sql"], [str(c) for c in doc["columns"]])
    else:
        import ibis

        expr = coefficient_query(store, method, years, settings, by_district)
        got = (str(ibis.to_sql(expr, dialect="duckdb")), list(expr.columns))
        sqlcache.write(path, {"what": "优质均衡系数 series", "sql": got[0], "columns": got[1]})
    if len(_SQL) >= _MAX_SQL:
        _SQL.pop(next(iter(_SQL)))
    _SQL[key] = got
    return got


def coefficient_rows(store, method: str | None = None, years: list[int] | None = None,
                     settings: BalanceSettings | None = None, by_district: bool = True) -> list[dict[str, Any]]:
    """The query's rows, fetched (a few per district and year): dicts with district_code (by district), year,
    level, cv_<id> per indicator and composite; None where unknown.

    On a DuckDB store the SQL Ibis compiles is kept — in this process and in the cache folder the indicator
    engine uses (keyed by method, years, grouping, every setting and this code) — and run on the store's
    connection: building and compiling the expression costs more than running it, and a fresh process then
    needs no Ibis at all. Other backends (PostgreSQL) execute the expression through Ibis."""
    settings = settings or load_settings()
    method = str(method or settings.plan_method)
    if getattr(store, "backend", None) != "duckdb" or not hasattr(store, "con"):
        return coefficient_query(store, method, years, settings, by_district).to_pyarrow().to_pylist()
    sql, names = _compiled(store, method, years, settings, by_district)
    return [dict(zip(names, row)) for row in store.con.execute(sql).fetchall()]
