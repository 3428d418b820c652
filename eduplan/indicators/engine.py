"""Compute declared indicators for every unit (district, 学区/组团, school) and year, at query time.

One statement per call. The asked indicators' distinct terms are grouped by (relation, lag); the engine
writes ONE Ibis expression that
1. sums each relation's terms per school × year (× 学段 where a 学段 breakdown needs it) — conditional sums
   (a sum of CASE WHEN filter THEN value END), one column per distinct expression and filter, computed once
   for all lags (a term with lag L reads year t − L); a term of a relation that has rows there but none
   matching is 0, not missing — and puts the relations side by side (a term is absent, NULL, where its
   relation has no row), in the store's years;
2. rolls them up to school, 学区 (effective-dated membership joined in the query: a school is in zone z in
   year y when school_zone.start_year ≤ y ≤ coalesce(end_year, 9999)) and district rows, with the declared
   breakdowns (办学性质 ownership, 学段 level), as a union of grouped branches;
3. sums the area relations (population, area_year, reported) per area × year, typed district or zone, and
   outer-joins them on (year, unit): an area figure is broadcast to the breakdown rows of its unit;
4. computes, per ratio indicator, numerator = Σ coef·term, denominator likewise and value = num / den ×
   factor in long form (one row per indicator × year × unit × breakdown), with the keep rules below;
5. joins the reported values: a reported value is used where the computed one has no value.
The expression runs on any Ibis backend (`store.ibis()`); on DuckDB its compiled SQL is kept (in this
process and on disk) and run on the store's own connection, fetched as Arrow. pandas only at the edge:
the `missing` text of the rows with a gap, the external (优质均衡) indicators, the Computation. Nothing is
cached but SQL text: after an import the next call sees the new rows.

Missing is missing. Beside each term's sum the same query counts the rows that should contribute but
cannot: the term's value is NULL (a blank optional cell), or its filter cannot be decided because a
column it tests is NULL. Rolled up, that is the number of schools (areas: rows) lacking the term in the
unit. A value is computed only over complete data: when any term of an indicator lacks a school of
the unit, its value, numerator and denominator are missing (NaN) and `missing` says why, e.g.
"2 所学校未填报“音乐专任教师数”" — never a sum that silently counts those schools as 0.

Keep rules (per indicator and row): the unit type is one of the indicator's units and the breakdown one of
its breakdowns (or none); a row where every term is absent is dropped; a school or breakdown group whose
denominator is 0 with complete data is outside the indicator's scope (e.g. 中职 at a 小学), and so is,
without a denominator, a school whose terms are all 0 with complete data; a side with an absent term is
NaN, and so is a value over a zero denominator.
"""

from __future__ import annotations

import hashlib
import importlib
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pandas as pd

from .. import sqlcache
from ..store import Store
from .expr import compile_expr
from .schema import SCHOOL_RELATIONS, Definitions, Indicator, Term

if TYPE_CHECKING:
    import pyarrow as pa

KEYS = ["year", "unit_type", "unit_code", "bdim", "bval"]
MISSING = "__m"  # suffix of a term's missing-count column: t3 → t3__m
COLUMNS = KEYS + ["indicator", "numerator", "denominator", "value", "source", "missing"]


def term_key(t: Term) -> tuple:
    return (t.relation, t.expr, t.where or "", t.lag)


def missing_expr(t: Term, rel) -> Any:
    """Ibis boolean: the row should contribute to the term but cannot (its value, or a column its filter
    tests, is NULL). With three-valued logic a filter that is false whatever the NULL holds (e.g.
    `level == '学前' and …` on a 小学 row) is not missing."""
    import ibis

    value = compile_expr(t.expr, rel)
    if not isinstance(value, ibis.Expr):
        value = rel.year * 0 + value
    if not t.where:
        return value.isnull()
    cond = compile_expr(t.where, rel)
    return cond.isnull() | (cond & value.isnull())


class Computation:
    """The result: `values`, one row per indicator × year × unit × breakdown (COLUMNS); `terms`, the term
    table behind it (KEYS + one column per term id and its missing count, fetched when first asked for, by
    explain); `term_ids`, term_key → column; `names`, (unit_type, code) → name (fetched when first asked)."""

    def __init__(self, values: pd.DataFrame, term_ids: dict[tuple, str],
                 terms: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
                 names: dict[tuple[str, str], str] | Callable[[], dict] | None = None):
        self.values = values
        self.term_ids = term_ids
        self._terms = terms
        self._names = names

    @property
    def terms(self) -> pd.DataFrame:
        if callable(self._terms):
            self._terms = self._terms()
        return self._terms if self._terms is not None else pd.DataFrame(columns=KEYS)

    @property
    def names(self) -> dict[tuple[str, str], str]:
        if callable(self._names):
            self._names = self._names()
        return self._names or {}


_SQL_CACHE: dict[str, str] = {}
_SCHOOL = "__eduplan_school__"  # compiled as a literal, then bound as a query parameter
BACKEND = "duckdb"  # the store is a DuckDB file (eduplan.store); the SQL dialect compiled to
_SCHEMAS: "weakref.WeakKeyDictionary[Store, str]" = weakref.WeakKeyDictionary()
_CODE: list[str] = []


def _code_signature() -> str:
    """The versions of the compilers and the source of the code that builds the queries."""
    if not _CODE:
        h = hashlib.sha256(sqlcache.compiler_versions().encode())
        here = Path(__file__).parent
        for name in ("engine.py", "relations.py", "expr.py"):
            h.update((here / name).read_bytes())
        _CODE.append(h.hexdigest())
    return _CODE[0]


def _schema_signature(store: Store) -> str:
    """The store's tables and column types (a query compiled for one schema is not reused for another)."""
    sig = _SCHEMAS.get(store)
    if sig is None:
        rows = store.run("SELECT table_name, column_name, data_type FROM information_schema.columns "
                         "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position")
        sig = hashlib.sha256(repr(rows).encode()).hexdigest()
        _SCHEMAS[store] = sig
    return sig


def _query(store: Store, what: tuple, build: Callable[[str | None], Any], school: str | None = None) -> "pa.Table":
    """Run one engine query, written as an Ibis expression (`build(school_literal)`), and fetch it as Arrow.
    On DuckDB the expression's SQL is compiled once (kept in this process and on disk, keyed by `what`, the
    backend, the store's schema and the code) and run on `store.con` — Ibis building and compiling costs
    seconds, the cached text nothing; `school` is bound as a parameter. On any other backend the expression
    itself is executed on `store.ibis()`."""
    import duckdb

    from ..store.connect import apply_memory_limit

    one_school = school is not None
    if not _is_duckdb(store):
        return store.ibis().to_pyarrow(build(school))
    sql = _cached_sql(store, what, lambda: build(_SCHOOL if one_school else None), one_school)
    params = [school] * sql.count("?") if one_school else None
    with warnings.catch_warnings():  # DuckDB suggests con.sql(); its relation API plans the text twice (slower)
        warnings.simplefilter("ignore", UserWarning)
        try:
            return store.con.execute(sql, params or []).to_arrow_table()
        except duckdb.OutOfMemoryException:
            pass  # past the store's memory budget (eduplan.store.connect) with what cannot spill: run unbudgeted
        store.con.execute("RESET memory_limit").fetchall()
        try:
            return store.con.execute(sql, params or []).to_arrow_table()
        finally:  # the budget as the connection was given it (the shown value is rounded: not that)
            apply_memory_limit(store.con)


def _is_duckdb(store: Store) -> bool:
    """The compiled-SQL fast path (cached SQL on `store.con`) exists only for the DuckDB store."""
    return getattr(store, "backend", None) == BACKEND and hasattr(store, "con")


def _cached_sql(store: Store, what: tuple, build: Callable[[], Any], one_school: bool) -> str:
    ck = (BACKEND, what, one_school)
    key = hashlib.sha256(repr((ck, _schema_signature(store), _code_signature())).encode()).hexdigest()
    sql = _SQL_CACHE.get(key)
    if sql is not None:
        return sql
    path = sqlcache.path_for(key)
    doc = sqlcache.read(path)
    if doc is None:
        doc = {"what": repr(what)[:200], "sql": _compile(build(), one_school)}
        sqlcache.write(path, doc)
    sql = _SQL_CACHE[key] = doc["sql"]
    return sql


def _compile(expr: Any, one_school: bool) -> str:
    """The SQL of an engine query for DuckDB; with `one_school` the school literal becomes a parameter."""
    import ibis

    sql = ibis.to_sql(expr, dialect=BACKEND, pretty=False)  # shorter text: less for the client to scan per run
    if one_school:
        assert f"'{_SCHOOL}'" in sql and "?" not in sql.replace(f"'{_SCHOOL}'", "")
        sql = sql.replace(f"'{_SCHOOL}'", "?")
    return sql


# ------------------------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    """What one compute() call asks for, before any Ibis: the indicators, their distinct terms (term_key →
    column id) grouped by (relation, lag), the breakdowns to roll up, and `signature`, the cache key of the
    query (every declaration field the query depends on)."""

    chosen: list[Indicator]
    ratio: list[Indicator]
    reported: list[Indicator]  # kind reported, or ratio with a reported fallback
    term_ids: dict[tuple, str] = field(default_factory=dict)
    school_groups: dict[tuple[str, int], list[tuple[str, Term]]] = field(default_factory=dict)
    area_groups: dict[tuple[str, int], list[tuple[str, Term]]] = field(default_factory=dict)
    breakdowns: list[str] = field(default_factory=list)
    level_groups: set[tuple[str, int]] = field(default_factory=set)  # summed per 学段 for a 学段 breakdown
    one_school: bool = False

    @property
    def signature(self) -> tuple:
        def side(terms: list[Term]) -> tuple:
            return tuple((self.term_ids[term_key(t)], t.coefficient) for t in terms)

        groups = tuple((k, tuple((tid, term_key(t)) for tid, t in v))
                       for k, v in (*self.school_groups.items(), *self.area_groups.items()))
        inds = tuple((i.id, i.factor, tuple(i.units), tuple(i.breakdowns), side(i.numerator), side(i.denominator),
                      tuple(self.term_ids[term_key(t)] for t in i.terms)) for i in self.ratio)
        reported = tuple((i.id, i.reported_item) for i in self.reported)
        return (groups, tuple(self.breakdowns), inds, reported, self.one_school)


def make_plan(defs: Definitions, indicators: Iterable[str] | None, school: str | None) -> Plan:
    chosen = [defs.get(i) for i in indicators] if indicators else list(defs.indicators)
    if school is not None:  # only what makes sense for one school
        chosen = [i for i in chosen if "school" in i.units]
    ratio = [i for i in chosen if i.kind == "ratio"]
    reported = [] if school is not None else [
        i for i in chosen if i.kind == "reported" or (i.kind == "ratio" and i.reported_item)]
    plan = Plan(chosen=chosen, ratio=ratio, reported=reported, one_school=school is not None)
    for ind in ratio:
        for t in ind.terms:
            k = term_key(t)
            if k not in plan.term_ids:
                plan.term_ids[k] = f"t{len(plan.term_ids)}"
                groups = plan.school_groups if t.relation in SCHOOL_RELATIONS else plan.area_groups
                groups.setdefault((t.relation, t.lag), []).append((plan.term_ids[k], t))
        for b in ind.breakdowns:
            if b not in plan.breakdowns:
                plan.breakdowns.append(b)
        if "level" in ind.breakdowns:
            plan.level_groups |= {(t.relation, t.lag) for t in ind.terms if t.relation in SCHOOL_RELATIONS}
    if school is not None:
        plan.area_groups = {}  # area figures have no school rows (the loader refuses them at the school level)
        plan.breakdowns = []
        plan.level_groups = set()
    return plan


# ------------------------------------------------------------------------------------- the query


def _group_sums(rel: Any, terms: list[tuple[str, Term]], keys: list[str]) -> Any:
    """One relation's conditional sums per `keys`: for each of its terms the sum (0 where rows exist but none
    matched: zero, not missing) and the number of rows lacking it."""
    import ibis

    exprs = {}
    for tid, t in terms:  # each term's value and filter once, as columns (a short query: less to parse and plan)
        value = compile_expr(t.expr, rel)
        exprs[f"{tid}_v"] = value if isinstance(value, ibis.Expr) else rel.year * 0 + value  # e.g. "1" counts schools
        if t.where:
            exprs[f"{tid}_c"] = compile_expr(t.where, rel)
    rel = rel.mutate(**exprs)
    aggs = {}
    for tid, t in terms:
        v, c = rel[f"{tid}_v"], (rel[f"{tid}_c"] if t.where else None)
        # CASE inside the sum, not sum(…) FILTER (WHERE …): the same rows in the same order, but DuckDB's grouped
        # aggregate runs ~10 % faster without one filter per aggregate (16× the city: 15 s CPU instead of 16.7)
        aggs[tid] = v.sum() if c is None else ibis.ifelse(c, v, ibis.null(v.type())).sum()
        # the rows lacking the term (as missing_expr): a boolean sum, portable (no bool → bigint cast)
        aggs[tid + MISSING] = (v.isnull() if c is None else c.isnull() | (c & v.isnull())).sum()
    g = rel.group_by(keys).aggregate(**aggs)
    cols: dict[str, Any] = {"year": g.year.cast("int32")}
    cols.update({k: g[k] for k in keys if k != "year"})
    for tid, _ in terms:
        cols[tid] = g[tid].cast("float64").fill_null(0.0)
        cols[tid + MISSING] = g[tid + MISSING].cast("int64").fill_null(0)
    return g.select(**cols)


def _lagged_parts(rel: Any, groups: list[tuple[int, list[tuple[str, Term]]]], keys: list[str],
                  level: set[int] | None = None) -> tuple[list[Any], list[Any]]:
    """One relation's sums for all its lags: the relation is aggregated ONCE per `keys` (× 学段 when a lag in
    `level` needs it), one column per distinct (expression, filter); a term with lag L is that column read
    from year t − L (the year shifted by L). Returns the parts per `keys` and the parts per `keys` × 学段."""
    level = level or set()
    measures: dict[tuple[str, str], str] = {}
    terms_of: list[tuple[str, Term]] = []
    for _, terms in groups:
        for _, t in terms:
            k = (t.expr, t.where or "")
            if k not in measures:
                measures[k] = f"m{len(measures)}"
                terms_of.append((measures[k], t))
    with_level = bool(level & {lag for lag, _ in groups})
    agg = _group_sums(rel, terms_of, [*keys, "level"] if with_level else keys)
    parts, level_parts = [], []
    for lag, terms in groups:
        cols = {"year": (agg.year + lag).cast("int32") if lag else agg.year}
        cols.update({k: agg[k] for k in agg.columns if k in keys[1:] or k == "level"})
        for tid, t in terms:
            m = measures[(t.expr, t.where or "")]
            cols[tid], cols[tid + MISSING] = agg[m], agg[m + MISSING]
        part = agg.select(**cols)
        if with_level:
            sums = [c for tid, _ in terms for c in (tid, tid + MISSING)]
            if lag in level:
                level_parts.append(part)
            part = part.group_by(keys).aggregate(**{c: part[c].sum() for c in sums})
        parts.append(part)
    return parts, level_parts


def _combine(parts: list[Any], keys: list[str], on: list[str]) -> Any:
    """The groups' sums side by side: one row per key any group has (matched on `on`, which determines the
    other keys), a term NULL (absent) where its relation has no row."""
    if len(parts) == 1:
        return parts[0]
    out = parts[0].select(*keys).union(*[p.select(*keys) for p in parts[1:]], distinct=True)
    for p in parts:
        cols = [c for c in p.columns if c not in keys]
        right = p.select(**{f"_k{k}": p[c] for k, c in enumerate(on)}, **{c: p[c] for c in cols})
        j = out.left_join(right, [out[c] == right[f"_k{k}"] for k, c in enumerate(on)])
        out = j.select(*[j[c] for c in out.columns], *[j[c] for c in cols])
    return out


def _flag(m: Any) -> Any:
    """1 when a school (or school × level) lacks the term, else 0."""
    import ibis

    return ibis.least(m.fill_null(0), 1).cast("int64")  # m ≥ 0


def _unit_rows(t: Any, code: Any, unit_type: str, bdim: str, bval: Any, tids: list[str], counts: dict) -> Any:
    """Rows of one unit type (and breakdown) in the term table's shape; terms `t` lacks are NULL (absent)."""
    import ibis

    return t.select(year=t.year, unit_type=ibis.literal(unit_type), unit_code=code.cast("string"),
                    bdim=ibis.literal(bdim), bval=ibis.literal("") if bval is None else bval.cast("string"),
                    **{tid: t[tid].cast("float64") if tid in t.columns else ibis.null("float64") for tid in tids},
                    **{tid + MISSING: counts[tid].cast("int64") if tid in counts else ibis.literal(0).cast("int64")
                       for tid in tids})


def _school_units(store: Store, rels: dict, plan: Plan, school: str | None, years: Any) -> Any:
    """School, 学区 and district rows (with breakdowns) of the school-grain terms. Each (relation, lag) is
    summed per school × year (× 学段 where a 学段 breakdown needs it); a school's missing count is 1 when any of
    its rows lacks the term; 学区 and district rows add up their schools' sums and counts."""
    ks = ["year", "school_code", "district_code", "ownership"]
    tids = [tid for terms in plan.school_groups.values() for tid, _ in terms]
    by_relation: dict[str, list[tuple[int, list[tuple[str, Term]]]]] = {}
    for (relation, lag), terms in plan.school_groups.items():
        by_relation.setdefault(relation, []).append((lag, terms))
    parts, level_parts = [], []
    for relation, groups in by_relation.items():
        rel = rels[relation]
        if school is not None:
            rel = rel.filter(rel.school_code == school)
        got, got_level = _lagged_parts(rel, groups, ks, {lag for r, lag in plan.level_groups if r == relation})
        parts += got
        level_parts += got_level
    per_school = _combine(parts, ks, ["year", "school_code"])
    if years is not None:
        per_school = per_school.filter(per_school.year.isin(years))
    flags = {tid: _flag(per_school[tid + MISSING]) for tid in tids}
    out = [_unit_rows(per_school, per_school.school_code, "school", "", None, tids, flags)]
    if plan.one_school:
        return out[0]

    def rolled(t: Any, code: str, unit_type: str, bdim: str, have: list[str]) -> Any:
        by = ["year", code] + ([bdim] if bdim else [])
        g = t.group_by(by).aggregate(**{tid: t[tid].sum() for tid in have},
                                     **{tid + MISSING: t[f"{tid}__f"].sum() for tid in have})
        return _unit_rows(g, g[code], unit_type, bdim, g[bdim] if bdim else None, tids,
                          {tid: g[tid + MISSING] for tid in have})

    sz = store.ibis().table("school_zone")
    sz = sz.select(_s=sz.school_code, zone_code=sz.zone_code, _from=sz.start_year, _to=sz.end_year)

    def in_zones(t: Any) -> Any:  # the school's 学区 of that year (effective-dated)
        j = t.join(sz, [t.school_code == sz._s, sz._from <= t.year, t.year <= sz._to.fill_null(9999)])
        return j.drop("_s", "_from", "_to")

    s = per_school.mutate(**{f"{tid}__f": flags[tid] for tid in tids})
    zs = in_zones(s)
    out += [rolled(zs, "zone_code", "zone", "", tids), rolled(s, "district_code", "district", "", tids)]
    for bdim in plan.breakdowns:
        if bdim == "level":  # per school × 学段: only the relations a 学段 breakdown uses
            lv = _combine(level_parts, [*ks, "level"], ["year", "school_code", "level"])
            if years is not None:
                lv = lv.filter(lv.year.isin(years))
            have = [c for c in lv.columns if c in tids]
            src = lv.mutate(**{f"{tid}__f": _flag(lv[tid + MISSING]) for tid in have})
        else:
            src, have = s, tids
        out += [rolled(in_zones(src), "zone_code", "zone", bdim, have),
                rolled(src, "district_code", "district", bdim, have)]
    return out[0].union(*out[1:])


def _area_units(store: Store, rels: dict, plan: Plan, years: Any) -> Any:
    """District and 学区 rows of the area-grain terms (population, area_year, reported), per area × year: an
    area code is a district's when a school names it as its district or it has six digits, else a 学区's.
    An area's missing count is the number of its rows lacking the term."""
    import ibis

    by_relation: dict[str, list[tuple[int, list[tuple[str, Term]]]]] = {}
    for (relation, lag), terms in plan.area_groups.items():
        by_relation.setdefault(relation, []).append((lag, terms))
    parts = []
    for relation, groups in by_relation.items():
        parts += _lagged_parts(rels[relation], groups, ["year", "area_code"])[0]
    a = _combine(parts, ["year", "area_code"], ["year", "area_code"])
    if years is not None:
        a = a.filter(a.year.isin(years))
    district = store.ibis().table("school").district_code
    unit_type = ibis.ifelse(a.area_code.isin(district) | a.area_code.re_search("^[0-9]{6}$"), "district", "zone")
    return a.select(year=a.year, unit_type=unit_type, unit_code=a.area_code.cast("string"),
                    **{c: a[c] for c in a.columns if c not in ("year", "area_code")})


def _years(store: Store) -> Any:
    """The years any yearly table of the store holds data for (one column, `year`)."""
    con = store.ibis()
    parts = [con.table(t).select(year=con.table(t).year.cast("int32")) for t in
             ("enrolment", "population", "area_year", "reported")]
    return parts[0].union(*parts[1:], distinct=True).year


def terms_expr(store: Store, plan: Plan, school: str | None) -> Any:
    """The term table: KEYS + each term's sum (NULL: absent) and missing count (0 when none), per unit row."""
    import ibis

    from .relations import build_relations

    rels = build_relations(store)
    years = None if school is not None else _years(store)
    s = _school_units(store, rels, plan, school, years) if plan.school_groups else None
    a = _area_units(store, rels, plan, years) if plan.area_groups else None
    if a is None:
        return s
    if s is None:
        return a.select(*KEYS[:3], bdim=ibis.literal(""), bval=ibis.literal(""),
                        **{c: (a[c].fill_null(0) if c.endswith(MISSING) else a[c]) for c in a.columns if c not in KEYS})
    # outer join on the unit: an area figure is broadcast to the breakdown rows of its unit
    a2 = a.rename(_y="year", _t="unit_type", _c="unit_code")
    j = s.outer_join(a2, [s.year == a2._y, s.unit_type == a2._t, s.unit_code == a2._c])
    term_cols = [c for c in (*s.columns, *a.columns) if c not in KEYS]
    return j.select(year=j.year.fill_null(j._y), unit_type=j.unit_type.fill_null(j._t),
                    unit_code=j.unit_code.fill_null(j._c), bdim=j.bdim.fill_null(""),
                    bval=ibis.ifelse(j.bdim.isnull(), "", j.bval),
                    **{c: (j[c].fill_null(0) if c.endswith(MISSING) else j[c]) for c in term_cols})


def _indicator_columns(w: Any, ind: Indicator, j: int, term_ids: dict) -> dict[str, Any]:
    """Indicator j's per-row figures over the term table: numerator `_n{j}` and denominator `_d{j}` (NULL when a
    side's term is absent), `_g{j}` (a term lacks some school's data), `_a{j}` (every term absent) and `_z{j}`
    (some term is not 0)."""
    import ibis

    def side(terms: list[Term]) -> Any:
        out = None
        for t in terms:
            x = w[term_ids[term_key(t)]]
            x = x if t.coefficient == 1 else x * t.coefficient
            out = x if out is None else out + x  # NULL (absent) when any term is absent
        return out

    tids = list(dict.fromkeys(term_ids[term_key(t)] for t in ind.terms))
    cols = {f"_n{j}": side(ind.numerator).cast("float64"), f"_g{j}": ibis.or_(*[w[c + MISSING] > 0 for c in tids]),
            f"_a{j}": ibis.and_(*[w[c].isnull() for c in tids])}
    if ind.denominator:
        cols[f"_d{j}"] = side(ind.denominator).cast("float64")
    else:
        cols[f"_z{j}"] = ibis.or_(*[w[c].fill_null(0) != 0 for c in tids])
    return cols


def _indicator_rows(w: Any, ind: Indicator, j: int, term_ids: dict) -> Any:
    """Indicator j's rows from the term table with its figures (`_indicator_columns`), by the keep rules of the
    module docstring."""
    import ibis

    n, g, none = w[f"_n{j}"], w[f"_g{j}"], ibis.null("float64")
    keep = w.unit_type.isin(list(ind.units)) & w.bdim.isin(["", *ind.breakdowns]) & ~w[f"_a{j}"]
    if ind.denominator:
        d = w[f"_d{j}"]
        # a school where the denominator is zero is outside the indicator's scope (e.g. 中职 at a 小学)
        # …and a breakdown group with none of it — unless the zero is only for want of data
        keep &= ~(((w.unit_type == "school") | (w.bdim != "")) & (d == 0).fill_null(False) & ~g)
        value = ibis.cases((d != 0, n / d * ind.factor), else_=none)
    else:
        d = none
        keep &= ~((w.unit_type == "school") & ~w[f"_z{j}"] & ~g)  # e.g. 小学编制缺口 at a 高中
        value = n * ind.factor
    counts = ibis.array([w[term_ids[term_key(t)] + MISSING] for t in ind.terms])
    w = w.filter(keep)
    return w.select(*KEYS, indicator=ibis.literal(ind.id), numerator=ibis.ifelse(g, none, n),
                    denominator=ibis.ifelse(g, none, d), value=ibis.ifelse(g, none, value).cast("float64"),
                    source=ibis.literal("computed"), counts=ibis.ifelse(g, counts, ibis.null(counts.type())),
                    _o=ibis.literal(j))


def values_expr(store: Store, plan: Plan, school: str | None) -> Any:
    """Every asked ratio and reported indicator in long form (COLUMNS but `missing`, with `counts`: each
    term's missing count on the rows with a gap), reported values joined: a computed value takes
    precedence; a reported one replaces a computed one lacking a value."""
    import ibis

    computed = None
    if plan.ratio:
        w = terms_expr(store, plan, school)
        # every indicator's figures as columns of one table (a view: Ibis would otherwise inline each expression
        # into every place that uses it — a longer query to parse and plan), then one filtered branch per indicator
        w = w.mutate(**{c: e for j, ind in enumerate(plan.ratio)
                        for c, e in _indicator_columns(w, ind, j, plan.term_ids).items()})
        rows = [_indicator_rows(w, ind, j, plan.term_ids) for j, ind in enumerate(plan.ratio)]
        computed = rows[0].union(*rows[1:]) if len(rows) > 1 else rows[0]
    if plan.reported:
        items: dict[str, str] = {}
        for ind in plan.reported:
            items[ind.reported_item] = ind.id  # one item, several indicators: the last declared takes it
        con = store.ibis()
        r = con.table("reported")
        r = r.filter(r.item.isin(list(items)))
        zones = con.table("zone").zone_code
        rep = r.select(year=r.year.cast("int32"), unit_type=ibis.ifelse(r.area_code.isin(zones), "zone", "district"),
                       unit_code=r.area_code.cast("string"), bdim=ibis.literal(""), bval=ibis.literal(""),
                       indicator=r.item.substitute(items), numerator=ibis.null("float64"),
                       denominator=ibis.null("float64"), value=r.value.cast("float64"),
                       source=ibis.literal("reported:") + r.source.cast("string"),
                       counts=ibis.null("array<int64>"), _o=ibis.literal(len(plan.ratio)))
        if computed is not None:
            have = computed.filter(computed.value.notnull() & (computed.bdim == ""))
            rep = rep.anti_join(have, [rep.indicator == have.indicator, rep.year == have.year,
                                       rep.unit_code == have.unit_code])
            computed = computed.anti_join(rep, ["indicator", "year", "unit_type", "unit_code", "bdim"])
            computed = computed.union(rep)
        else:
            computed = rep
    return computed.order_by(["_o", *KEYS, "indicator"])  # reported rows: several indicators per unit


def compute(store: Store, defs: Definitions, indicators: Iterable[str] | None = None,
            school: str | None = None) -> Computation:
    """All values of the asked indicators (default: all) for every unit and year in the store.
    With `school`, only that school's rows are read (the fast path for one school's figures)."""
    plan = make_plan(defs, indicators, school)
    values = pd.DataFrame(columns=COLUMNS)
    if plan.ratio or plan.reported:
        got = _query(store, ("values", plan.signature), lambda s: values_expr(store, plan, s), school)
        values = _with_notes(got, plan)

    def load_terms() -> pd.DataFrame:
        if not plan.ratio:
            return pd.DataFrame(columns=KEYS)
        got = _query(store, ("terms", plan.signature), lambda s: terms_expr(store, plan, s), school)
        return got.to_pandas()

    extra = [] if school is not None else [_external(store, [i for i in plan.chosen if i.kind == "external"])]
    values = pd.concat([values, *[e for e in extra if not e.empty]], ignore_index=True) if any(
        not e.empty for e in extra) else values
    return Computation(values=values, term_ids=plan.term_ids, terms=load_terms,
                       names=lambda: _names(store, school))


def _with_notes(got: "pa.Table", plan: Plan) -> pd.DataFrame:
    """The fetched rows as a DataFrame (COLUMNS), `missing` written for the rows with a gap only."""
    counts = got.column("counts")
    gaps = [k for k, c in enumerate(counts.is_valid().to_pylist()) if c] if counts.null_count < len(got) else []
    df = got.drop_columns(["counts", "_o"]).to_pandas()
    notes: list[str | None] = [None] * len(df)
    if gaps:
        by_id = {i.id: i for i in plan.ratio}
        ids, uts, ys = df["indicator"].to_numpy(), df["unit_type"].to_numpy(), df["year"].to_numpy()
        cs = counts.take(gaps).to_pylist()
        for k, c in zip(gaps, cs):
            ind = by_id[ids[k]]
            notes[k] = missing_note(list(zip(ind.terms, c)), uts[k], int(ys[k]))
    df["missing"] = pd.Series(notes, index=df.index, dtype=object)
    return df[COLUMNS]


def term_columns(t: Term) -> list[str]:
    """The optional (nullable) model columns a term reads — what a school can have left blank."""
    from .expr import columns_of

    cols = columns_of(t.expr) | (columns_of(t.where) if t.where else set())
    return [c for c in OPTIONAL_LABELS.get(t.relation, {}) if c in cols]


def missing_note(lacking: list[tuple[Term, float]], unit_type: str, year: int) -> str:
    """"2 所学校未填报“音乐专任教师数”；…" for the terms that lack data (count > 0)."""
    parts: list[str] = []
    for t, n in lacking:
        if not n:
            continue
        labels = OPTIONAL_LABELS.get(t.relation, {})
        what = "或".join(f"“{labels[c]}”" for c in term_columns(t)) or f"“{t.label or t.expr}”"
        when = f"{year - t.lag} 年" if t.lag else ""
        if t.grain == "area":
            who = "本区域" if unit_type != "school" else ""
        else:
            who = "本校" if unit_type == "school" else f"{int(n)} 所学校"
        text = f"{who}{when}未填报{what}"
        if text not in parts:
            parts.append(text)
    return "；".join(parts) + "，不计算（缺失不按 0 计）"


def _optional_labels() -> dict[str, dict[str, str]]:
    """relation → {column: label} of the optional fields a relation's rows carry."""
    from ..model import TABLES_BY_NAME

    def opt(*tables: str) -> dict[str, str]:
        return {f.name: f.label for t in tables for f in TABLES_BY_NAME[t].fields if not f.required}

    return {"enrolment": opt("enrolment", "school"), "teachers": opt("teachers", "school"),
            "facilities": opt("facilities", "school"), "schools": opt("facilities", "school"),
            "population": opt("population"), "area_year": opt("area_year"), "reported": opt("reported")}


OPTIONAL_LABELS = _optional_labels()


def _external(store: Store, inds: list[Indicator]) -> pd.DataFrame:
    """Indicators a capability computes per district: fn(store) → {district: {year: {level: value}}}
    (e.g. 优质均衡系数 from eduplan.balance)."""
    out = []
    for ind in inds:
        module, func = (ind.function or "").split(":")
        try:
            fn = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError):
            continue  # the capability is not installed: the indicator shows as 无数据
        for code, series in fn(store).items():
            for year, by_level in series.items():
                for level, v in by_level.items():
                    if level in ind.levels:
                        out.append({"year": int(year), "unit_type": "district", "unit_code": code,
                                    "bdim": "level", "bval": level, "indicator": ind.id, "numerator": float("nan"),
                                    "denominator": float("nan"), "value": v, "source": "computed"})
    return pd.DataFrame(out)


def _names(store: Store, school: str | None = None) -> dict[tuple[str, str], str]:
    """(unit_type, code) → name of every district, 学区 and school (of the one school with `school`)."""
    def build(s):
        import ibis

        con = store.ibis()
        parts = []
        for table in ("district", "zone", "school"):
            t = con.table(table)
            if table == "school" and s is not None:
                t = t.filter(t.school_code == s)
            parts.append(t.select(unit_type=ibis.literal(table), code=t[f"{table}_code"].cast("string"),
                                  name=t[f"{table}_name"].cast("string")))
        return parts[0].union(*parts[1:])

    got = _query(store, ("names",), build, school)
    return dict(zip(zip(got.column("unit_type").to_pylist(), got.column("code").to_pylist()),
                    got.column("name").to_pylist()))
