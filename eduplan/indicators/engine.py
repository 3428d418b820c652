"""Compute declared indicators for every unit (district, 学区/组团, school) and year, at query time.

Plan: collect the distinct terms of the asked indicators; for each (relation, lag) run ONE grouped
Ibis aggregate (conditional sums, one column per term) at school × year × level or area × year; roll
school-grain sums up to zones (effective-dated membership of the reporting year) and districts, with
the declared breakdowns (办学性质, 学段); then value = Σ coef·numerator terms / Σ coef·denominator terms
× factor, per unit and year. Nothing is cached: after an import the next call sees the new rows.

Missing is missing. Beside each term's sum the same query counts the rows that should contribute but
cannot: the term's value is NULL (a blank optional cell), or its filter cannot be decided because a
column it tests is NULL. Rolled up, that is the number of schools (areas) lacking the term in the
unit. A value is computed only over complete data: when any term of an indicator lacks a school of
the unit, its value, numerator and denominator are missing (NaN) and `missing` says why, e.g.
"2 所学校未填报“音乐专任教师数”" — never a sum that silently counts those schools as 0.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from ..store import Store
from .expr import compile_expr
from .schema import Definitions, Indicator, Term

KEYS = ["year", "unit_type", "unit_code", "bdim", "bval"]
MISSING = "__m"  # suffix of a term's missing-count column: t3 → t3__m


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


@dataclass
class Computation:
    """The result: one row per indicator × year × unit × breakdown, and the term table behind it."""

    values: pd.DataFrame
    terms: pd.DataFrame  # KEYS + one column per term id
    term_ids: dict[tuple, str] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit_type, code) -> name


_SQL_CACHE: dict[str, str] = {}
_SCHOOL = "__eduplan_school__"  # compiled as a literal, then bound as a query parameter
BACKEND = "duckdb"  # the store is a DuckDB file (eduplan.store); the SQL dialect compiled to
CACHE_ENV = "EDUPLAN_CACHE_DIR"
_SCHEMAS: "weakref.WeakKeyDictionary[Store, str]" = weakref.WeakKeyDictionary()
_CODE: list[str] = []


def sql_cache_dir() -> Path | None:
    """Where compiled SQL is kept between runs (None: not on disk)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None and env.strip().lower() in ("", "none", "off", "0"):
        return None
    if env:
        return Path(env) / "sql"
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except (KeyError, RuntimeError):  # no home directory: compile in memory only
        return None
    return Path(base) / "eduplan" / "sql"


def _code_signature() -> str:
    """The versions of the compilers and the source of the code that builds the queries."""
    if not _CODE:
        from importlib.metadata import PackageNotFoundError, version

        h = hashlib.sha256()
        for pkg in ("ibis-framework", "sqlglot", "duckdb"):
            try:
                h.update(f"{pkg}={version(pkg)};".encode())
            except PackageNotFoundError:
                h.update(f"{pkg}=?;".encode())
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


def _read_cached(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc["sql"] if isinstance(doc, dict) and isinstance(doc.get("sql"), str) else None
    except (OSError, ValueError):
        return None  # absent, unreadable or damaged: compile afresh


def _write_cached(path: Path | None, sql: str, what: str) -> None:
    if path is None:
        return
    try:  # atomic: a reader sees the whole file or none
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"what": what, "sql": sql}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        pass  # a read-only or full cache directory only costs the compile next time


MAX_CACHED = 2000  # compiled queries kept on disk (a store and settings need about 60; older versions' go)


def _prune(folder: Path) -> None:
    """Keep the cache bounded: past MAX_CACHED files, the least recently written go (only on a write, i.e.
    after a compile, never on the read path)."""
    files = list(folder.glob("*.json"))
    if len(files) <= MAX_CACHED:
        return
    files.sort(key=lambda f: f.stat().st_mtime)
    for f in files[:len(files) - MAX_CACHED]:
        f.unlink(missing_ok=True)


def _is_duckdb(store: Store) -> bool:
    """The compiled-SQL fast path (cached SQL on `store.con`) exists only for the DuckDB store."""
    return getattr(store, "backend", None) == BACKEND and hasattr(store, "con")


def _query(store: Store, what: tuple, build, school: str | None = None) -> "pa.Table":
    """Run one engine query, written as an Ibis expression (`build(school_literal)`), and fetch it as Arrow.
    On DuckDB the expression's SQL is compiled once (kept in this process and on disk, keyed by `what`, the
    backend, the store's schema and the code) and run on `store.con` — Ibis compiling costs seconds, the
    cached text nothing; `school` is bound as a parameter. On any other backend the expression itself is
    executed on `store.ibis()`."""
    one_school = school is not None
    if not _is_duckdb(store):
        return store.ibis().to_pyarrow(build(school))
    sql = _cached_sql(store, what, lambda: build(_SCHOOL if one_school else None), one_school)
    params = [school] * sql.count("?") if one_school else []
    return store.con.sql(sql, params=params).to_arrow_table() if params else store.con.sql(sql).to_arrow_table()


def _cached_sql(store: Store, what: tuple, build, one_school: bool) -> str:
    ck = (BACKEND, what, one_school)
    key = hashlib.sha256(repr((ck, _schema_signature(store), _code_signature())).encode()).hexdigest()
    sql = _SQL_CACHE.get(key)
    if sql is not None:
        return sql
    folder = sql_cache_dir()
    path = None if folder is None else folder / f"{key}.json"
    sql = _read_cached(path)
    if sql is None:
        sql = _compile(build(), one_school)
        _write_cached(path, sql, repr(what)[:200])
    _SQL_CACHE[key] = sql
    return sql


def _compile(expr, one_school: bool) -> str:
    """The SQL of an engine query for DuckDB; with `one_school` the school literal becomes a parameter."""
    import ibis

    sql = ibis.to_sql(expr, dialect=BACKEND)
    if one_school:
        assert f"'{_SCHOOL}'" in sql
        sql = sql.replace(f"'{_SCHOOL}'", "?")
    return sql


def _aggregate_expr(store: Store, relation: str, terms: list[tuple[str, Term]], keys: list[str], lag: int,
                    school: str | None) -> Any:
    """The grouped conditional-sum query for one relation and lag (one column per term and one counting the
    rows lacking it). With `school` the school filter sits inside the query, before the joins and grouping."""
    import ibis

    from .relations import build_relations

    rel = build_relations(store)[relation]
    if school is not None:
        rel = rel.filter(rel.school_code == school)
    if lag:
        rel = rel.mutate(year=rel.year + lag)
    aggs = {}
    for tid, t in terms:
        value = compile_expr(t.expr, rel)
        if not isinstance(value, ibis.Expr):
            value = rel.year * 0 + value  # a constant, e.g. "1" to count schools
        cond = compile_expr(t.where, rel) if t.where else None
        aggs[tid] = value.sum(where=cond) if cond is not None else value.sum()
        aggs[tid + MISSING] = missing_expr(t, rel).sum()  # Ibis sums a boolean portably (PostgreSQL casts no bool to bigint)
    return rel.group_by(keys).aggregate(**aggs)


def _aggregate(store: Store, relation: str, terms: list[tuple[str, Term]], keys: list[str], lag: int,
               school_filter: str | None) -> pd.DataFrame:
    what = ("aggregate", relation, lag, tuple(keys), tuple((tid, term_key(t)) for tid, t in terms))
    df = _query(store, what, lambda s: _aggregate_expr(store, relation, terms, keys, lag, s), school_filter).to_pandas()
    for tid, _ in terms:
        df[tid] = df[tid].astype("float64").fillna(0.0)  # rows exist, none matched: zero, not missing
        df[tid + MISSING] = df[tid + MISSING].fillna(0).astype("int64")  # rows lacking the term
    return df


def _table_query(store: Store, table: str, columns: tuple[str, ...], school: str | None = None) -> pd.DataFrame:
    """Columns of a store table (one school's row with `school`), through `_query`."""
    def build(s):
        t = store.ibis().table(table).select(*columns)
        return t.filter(t.school_code == s) if s is not None else t

    return _query(store, ("table", table, columns), build, school).to_pandas()


def _store_years(store: Store) -> list[int]:
    """The years any yearly table of the store holds data for."""
    def build(_):
        con = store.ibis()
        parts = [con.table(t).select("year").distinct() for t in ("enrolment", "population", "area_year", "reported")]
        return parts[0].union(*parts[1:], distinct=True)

    return sorted(int(y) for y in _query(store, ("years",), build).column("year").to_pylist())


def _membership(store: Store, years: list[int]) -> pd.DataFrame:
    sz = _table_query(store, "school_zone", ("school_code", "zone_code", "start_year", "end_year"))
    if sz.empty or not years:
        return pd.DataFrame(columns=["school_code", "year", "zone_code"])
    ys = pd.DataFrame({"year": years})
    m = sz.merge(ys, how="cross")
    end = m["end_year"].fillna(9999)
    m = m[(m["year"] >= m["start_year"]) & (m["year"] <= end)]
    return m[["school_code", "year", "zone_code"]]


def _school_counts(frame: pd.DataFrame, keys: list[str], mids: list[str]) -> pd.DataFrame:
    """Per group of `keys`: how many distinct schools lack each term (a school counts once, whatever
    number of its grades or sections lack it)."""
    sk = keys if "school_code" in keys else keys + ["school_code"]
    flags = frame[sk].copy()
    flags[mids] = (frame[mids].to_numpy() > 0).astype("int64")
    return flags.groupby(sk, dropna=False)[mids].max().groupby(level=keys, dropna=False).sum()


def _rollup(df: pd.DataFrame, tids: list[str], schools: pd.DataFrame, member: pd.DataFrame,
            breakdowns: set[str]) -> pd.DataFrame:
    """School × year × level sums → school, zone and district rows (with breakdowns); each term's
    missing column becomes the number of the unit's schools lacking it."""
    df = df.merge(schools[["school_code", "ownership", "district_code"]], on="school_code", how="left")
    mids = [t + MISSING for t in tids]
    any_missing = bool((df[mids].to_numpy() > 0).any())  # complete data (the usual case): no counting
    out = []

    def grouped(frame: pd.DataFrame, code_col: str, unit_type: str, bdim: str | None) -> pd.DataFrame:
        keys = ["year", code_col] + ([bdim] if bdim else [])
        g = frame.groupby(keys, dropna=False)[tids].sum(min_count=1)
        if any_missing:
            g = g.join(_school_counts(frame, keys, mids))
        else:
            g[mids] = 0
        g = g.reset_index()
        g = g.rename(columns={code_col: "unit_code"})
        g["unit_type"] = unit_type
        g["bdim"] = bdim or ""
        g["bval"] = g.pop(bdim) if bdim else ""
        return g

    out.append(grouped(df, "school_code", "school", None))
    z = df.merge(member, on=["school_code", "year"], how="inner")
    out.append(grouped(z, "zone_code", "zone", None))
    out.append(grouped(df, "district_code", "district", None))
    for bdim in breakdowns:
        out.append(grouped(z, "zone_code", "zone", bdim))
        out.append(grouped(df, "district_code", "district", bdim))
    return pd.concat(out, ignore_index=True)


def compute(store: Store, defs: Definitions, indicators: Iterable[str] | None = None,
            school: str | None = None) -> Computation:
    """All values of the asked indicators (default: all) for every unit and year in the store.
    With `school`, only that school's rows are read (the fast path for one school's figures)."""
    chosen = [defs.get(i) for i in indicators] if indicators else list(defs.indicators)
    if school is not None:  # only what makes sense for one school
        chosen = [i for i in chosen if "school" in i.units]
    ratio = [i for i in chosen if i.kind == "ratio"]
    term_ids: dict[tuple, str] = {}
    terms_by_group: dict[tuple[str, int], list[tuple[str, Term]]] = {}
    breakdowns: dict[tuple[str, int], set[str]] = {}
    for ind in ratio:
        for t in ind.terms:
            k = term_key(t)
            if k not in term_ids:
                term_ids[k] = f"t{len(term_ids)}"
                terms_by_group.setdefault((t.relation, t.lag), []).append((term_ids[k], t))
            breakdowns.setdefault((t.relation, t.lag), set()).update(ind.breakdowns)

    schools = _table_query(store, "school", ("school_code", "school_name", "ownership", "district_code"), school)
    years = [] if school is not None else _store_years(store)
    member = _membership(store, years) if school is None else None
    frames = []
    for (relation, lag), terms in terms_by_group.items():
        tids = [tid for tid, _ in terms]
        mids = [tid + MISSING for tid in tids]
        if relation in ("population", "area_year", "reported"):
            if school is not None:
                continue
            df = _aggregate(store, relation, terms, ["year", "area_code"], lag, None)
            df = df.rename(columns={"area_code": "unit_code"})
            df["unit_type"] = np.where(df["unit_code"].isin(set(schools["district_code"])) |
                                       df["unit_code"].str.fullmatch(r"\d{6}"), "district", "zone")
            df["bdim"] = ""
            df["bval"] = ""
        else:
            df = _aggregate(store, relation, terms, ["year", "school_code", "level"], lag, school)
            if school is not None:  # one school: no rollup, no breakdowns
                keys = ["year", "school_code"]
                df = df.groupby(keys)[tids].sum(min_count=1).join(_school_counts(df, keys, mids)).reset_index()
                df = df.rename(columns={"school_code": "unit_code"}).assign(unit_type="school", bdim="", bval="")
                frames.append(df[KEYS + tids + mids])
                continue
            df = df.drop(columns=["level"]) if "level" not in breakdowns[(relation, lag)] else df
            if "level" not in df.columns:
                df["level"] = ""
            df = _rollup(df, tids, schools, member, breakdowns[(relation, lag)])
        frames.append(df[KEYS + tids + mids])
    if frames:
        terms_df = frames[0]
        for f in frames[1:]:
            terms_df = terms_df.merge(f, on=KEYS, how="outer")
        all_mids = [c for c in terms_df.columns if c.endswith(MISSING)]
        terms_df[all_mids] = terms_df[all_mids].fillna(0).astype("int64")
        if years:
            terms_df = terms_df[terms_df["year"].isin(years)]
        # area figures (population, finance) have no breakdown: a breakdown row uses its unit's total,
        # so that e.g. 民办园 在园幼儿 ÷ all 3–5-year-olds is that sector's part of the gross rate
        area_cols = [c for (rel, _), terms in terms_by_group.items()
                     if rel in ("population", "area_year", "reported") for tid, _ in terms for c in (tid, tid + MISSING)]
        if area_cols and (terms_df["bdim"] != "").any():
            terms_df[area_cols] = terms_df.groupby(["year", "unit_type", "unit_code"])[area_cols].transform("max")
    else:
        terms_df = pd.DataFrame(columns=KEYS)

    values = _values_all(ratio, terms_df, term_ids)
    extra = []
    if school is None:
        reported = _reported(store, [i for i in chosen if i.kind == "reported" or (i.kind == "ratio" and i.reported_item)],
                             values)
        if not reported.empty and not values.empty:  # a reported value replaces a computed one lacking data
            rk = set(zip(reported["indicator"], reported["year"], reported["unit_type"], reported["unit_code"]))
            replaced = [(i, y, t, c) in rk and b == "" for i, y, t, c, b in
                        zip(values["indicator"], values["year"], values["unit_type"], values["unit_code"], values["bdim"])]
            values = values[~np.array(replaced, dtype=bool)]
        extra.append(reported)
        extra.append(_external(store, [i for i in chosen if i.kind == "external"]))
    values = pd.concat([values, *[e for e in extra if not e.empty]], ignore_index=True)
    return Computation(values=values, terms=terms_df, term_ids=term_ids, names=_names(store, schools))


COLUMNS = KEYS + ["indicator", "numerator", "denominator", "value", "source", "missing"]


def _values_all(inds: list[Indicator], terms_df: pd.DataFrame, term_ids: dict) -> pd.DataFrame:
    """Every ratio indicator at once: numerators and denominators as (rows × terms) @ (terms × indicators)
    with NaN (no data) propagating from any term an indicator uses; a unit where a term lacks some
    school's data gets no value, and `missing` names the terms and how many schools lack them."""
    if terms_df.empty or not inds:
        return pd.DataFrame(columns=COLUMNS)
    cols = [c for c in terms_df.columns if c not in KEYS and not c.endswith(MISSING)]
    pos = {c: k for k, c in enumerate(cols)}
    X = terms_df[cols].to_numpy(dtype=float)
    M = np.column_stack([terms_df[c + MISSING].to_numpy(dtype=float) if c + MISSING in terms_df.columns
                         else np.zeros(len(terms_df)) for c in cols]) if cols else np.zeros((len(terms_df), 0))
    missing = np.isnan(X)
    X0 = np.where(missing, 0.0, X)
    n_ind = len(inds)
    C = {side: np.zeros((len(cols), n_ind)) for side in ("num", "den")}
    U = {side: np.zeros((len(cols), n_ind)) for side in ("num", "den")}
    for j, ind in enumerate(inds):
        for side, terms in (("num", ind.numerator), ("den", ind.denominator)):
            for t in terms:
                k = pos.get(term_ids[term_key(t)])
                if k is None:
                    continue
                C[side][k, j] += t.coefficient
                U[side][k, j] = 1.0
    num = X0 @ C["num"]
    den = X0 @ C["den"]
    num_missing = (missing.astype(float) @ U["num"]) > 0
    den_missing = (missing.astype(float) @ U["den"]) > 0
    all_missing = (missing.astype(float) @ (U["num"] + U["den"])) >= (U["num"] + U["den"]).sum(axis=0)
    any_nonzero = ((X0 != 0).astype(float) @ (U["num"] + U["den"])) > 0
    incomplete = ((M > 0).astype(float) @ (U["num"] + U["den"])) > 0
    num[num_missing] = np.nan
    den[den_missing] = np.nan
    unit_type = terms_df["unit_type"].to_numpy()
    bdim = terms_df["bdim"].to_numpy()
    years = terms_df["year"].to_numpy()
    is_school = unit_type == "school"
    out = []
    for j, ind in enumerate(inds):
        keep = np.isin(unit_type, ind.units) & np.isin(bdim, ["", *ind.breakdowns]) & ~all_missing[:, j]
        if ind.denominator:
            d = den[:, j].copy()
            # a school where the denominator is zero is outside the indicator's scope (e.g. 中职 at a 小学)
            # …and a breakdown group with none of it — unless the zero is only for want of data
            keep &= ~((is_school | (bdim != "")) & ~(d != 0) & ~incomplete[:, j])
            with np.errstate(divide="ignore", invalid="ignore"):
                value = num[:, j] / np.where(d != 0, d, np.nan) * ind.factor
        else:
            d = np.full(len(X), np.nan)
            keep &= ~(is_school & ~any_nonzero[:, j] & ~incomplete[:, j])  # e.g. 小学编制缺口 at a 高中
            value = num[:, j] * ind.factor
        if not keep.any():
            continue
        n = num[:, j].copy()
        gap = incomplete[:, j]
        value = np.where(gap, np.nan, value)
        n[gap] = np.nan
        d[gap] = np.nan
        part = terms_df.loc[keep, KEYS].copy()
        part["indicator"] = ind.id
        part["numerator"] = n[keep]
        part["denominator"] = d[keep]
        part["value"] = value[keep]
        part["source"] = "computed"
        notes = np.full(len(X), None, dtype=object)
        for r in np.flatnonzero(keep & gap):
            notes[r] = missing_note([(t, M[r, pos[term_ids[term_key(t)]]]) for t in ind.terms
                                     if term_ids[term_key(t)] in pos], unit_type[r], int(years[r]))
        part["missing"] = notes[keep]
        out.append(part)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=COLUMNS)


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


def _reported(store: Store, inds: list[Indicator], computed: pd.DataFrame) -> pd.DataFrame:
    items = {i.reported_item: i for i in inds if i.reported_item}
    if not items:
        return pd.DataFrame()
    rows = _table_query(store, "reported", ("year", "area_code", "item", "value", "source")).to_dict("records")
    have = set()
    if not computed.empty:
        ok = computed[computed["value"].notna() & (computed["bdim"] == "")]
        have = set(zip(ok["indicator"], ok["year"], ok["unit_code"]))
    zones = set(_table_query(store, "zone", ("zone_code",))["zone_code"])
    out = []
    for r in rows:
        ind = items.get(r["item"])
        if ind is None or (ind.id, r["year"], r["area_code"]) in have:
            continue  # a computed value takes precedence over a reported one
        out.append({"year": r["year"], "unit_type": "zone" if r["area_code"] in zones else "district",
                    "unit_code": r["area_code"], "bdim": "", "bval": "", "indicator": ind.id,
                    "numerator": np.nan, "denominator": np.nan, "value": r["value"],
                    "source": f"reported:{r['source']}"})
    return pd.DataFrame(out)


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
                                    "bdim": "level", "bval": level, "indicator": ind.id, "numerator": np.nan,
                                    "denominator": np.nan, "value": v, "source": "computed"})
    return pd.DataFrame(out)


def _names(store: Store, schools: pd.DataFrame) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for table in ("district", "zone"):
        got = _table_query(store, table, (f"{table}_code", f"{table}_name"))
        for code, name in zip(got[f"{table}_code"], got[f"{table}_name"]):
            names[(table, code)] = name
    for r in schools.itertuples():
        names[("school", r.school_code)] = r.school_name
    return names
