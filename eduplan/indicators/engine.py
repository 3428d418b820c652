"""Compute declared indicators for every unit (district, 学区/组团, school) and year, at query time.

Plan: collect the distinct terms of the asked indicators; for each (relation, lag) run ONE grouped
Ibis aggregate (conditional sums, one column per term) at school × year × level or area × year; roll
school-grain sums up to zones (effective-dated membership of the reporting year) and districts, with
the declared breakdowns (办学性质, 学段); then value = Σ coef·numerator terms / Σ coef·denominator terms
× factor, per unit and year. Nothing is cached: after an import the next call sees the new rows.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Iterable

import ibis
import numpy as np
import pandas as pd

from ..store import Store
from .expr import compile_expr
from .relations import build_relations
from .schema import Definitions, Indicator, Term

KEYS = ["year", "unit_type", "unit_code", "bdim", "bval"]


def term_key(t: Term) -> tuple:
    return (t.relation, t.expr, t.where or "", t.lag)


@dataclass
class Computation:
    """The result: one row per indicator × year × unit × breakdown, and the term table behind it."""

    values: pd.DataFrame
    terms: pd.DataFrame  # KEYS + one column per term id
    term_ids: dict[tuple, str] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit_type, code) -> name


def _aggregate(rel: Any, terms: list[tuple[str, Term]], keys: list[str], lag: int,
               school_filter: Iterable[str] | None) -> pd.DataFrame:
    if school_filter is not None and "school_code" in rel.columns:
        rel = rel.filter(rel.school_code.isin(list(school_filter)))
    if lag:
        rel = rel.mutate(year=rel.year + lag)
    aggs = {}
    for tid, t in terms:
        value = compile_expr(t.expr, rel)
        if not isinstance(value, ibis.Expr):
            value = rel.year * 0 + value  # a constant, e.g. "1" to count schools
        cond = compile_expr(t.where, rel) if t.where else None
        aggs[tid] = value.sum(where=cond) if cond is not None else value.sum()
    df = rel.group_by(keys).aggregate(**aggs).to_pyarrow().to_pandas()
    for tid, _ in terms:
        df[tid] = df[tid].astype("float64").fillna(0.0)  # rows exist, none matched: zero, not missing
    return df


def _membership(store: Store, years: list[int]) -> pd.DataFrame:
    sz = pd.DataFrame(store.rows("school_zone", ["school_code", "zone_code", "start_year", "end_year"]))
    if sz.empty or not years:
        return pd.DataFrame(columns=["school_code", "year", "zone_code"])
    ys = pd.DataFrame({"year": years})
    m = sz.merge(ys, how="cross")
    end = m["end_year"].fillna(9999)
    m = m[(m["year"] >= m["start_year"]) & (m["year"] <= end)]
    return m[["school_code", "year", "zone_code"]]


def _rollup(df: pd.DataFrame, tids: list[str], schools: pd.DataFrame, member: pd.DataFrame,
            breakdowns: set[str]) -> pd.DataFrame:
    """School × year × level sums → school, zone and district rows (with breakdowns)."""
    df = df.merge(schools[["school_code", "ownership", "district_code"]], on="school_code", how="left")
    out = []

    def grouped(frame: pd.DataFrame, code_col: str, unit_type: str, bdim: str | None) -> pd.DataFrame:
        keys = ["year", code_col] + ([bdim] if bdim else [])
        g = frame.groupby(keys, dropna=False)[tids].sum(min_count=1).reset_index()
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
    ratio = [i for i in chosen if i.kind == "ratio"]
    rels = build_relations(store)
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

    schools = pd.DataFrame(store.rows("school", ["school_code", "school_name", "ownership", "district_code"]))
    years = sorted({r[0] for r in store.run("SELECT DISTINCT year FROM enrolment UNION SELECT DISTINCT year FROM population "
                                             "UNION SELECT DISTINCT year FROM area_year UNION SELECT DISTINCT year FROM reported")})
    member = _membership(store, years)
    frames = []
    for (relation, lag), terms in terms_by_group.items():
        tids = [tid for tid, _ in terms]
        if relation in ("population", "area_year", "reported"):
            if school is not None:
                continue
            df = _aggregate(rels[relation], terms, ["year", "area_code"], lag, None)
            df = df.rename(columns={"area_code": "unit_code"})
            df["unit_type"] = np.where(df["unit_code"].isin(set(schools["district_code"])) |
                                       df["unit_code"].str.fullmatch(r"\d{6}"), "district", "zone")
            df["bdim"] = ""
            df["bval"] = ""
        else:
            df = _aggregate(rels[relation], terms, ["year", "school_code", "level"], lag,
                            [school] if school else None)
            df = df.drop(columns=["level"]) if "level" not in breakdowns[(relation, lag)] else df
            if "level" not in df.columns:
                df["level"] = ""
            df = _rollup(df, tids, schools, member, breakdowns[(relation, lag)])
            if school is not None:
                df = df[df["unit_type"] == "school"]
        frames.append(df[KEYS + tids])
    if frames:
        terms_df = frames[0]
        for f in frames[1:]:
            terms_df = terms_df.merge(f, on=KEYS, how="outer")
        if years:
            terms_df = terms_df[terms_df["year"].isin(years)]
        # area figures (population, finance) have no breakdown: a breakdown row uses its unit's total,
        # so that e.g. 民办园 在园幼儿 ÷ all 3–5-year-olds is that sector's part of the gross rate
        area_cols = [tid for (rel, _), terms in terms_by_group.items()
                     if rel in ("population", "area_year", "reported") for tid, _ in terms]
        if area_cols and (terms_df["bdim"] != "").any():
            terms_df[area_cols] = terms_df.groupby(["year", "unit_type", "unit_code"])[area_cols].transform("max")
    else:
        terms_df = pd.DataFrame(columns=KEYS)

    rows = [_values(ind, terms_df, term_ids) for ind in ratio]
    values = pd.concat([r for r in rows if not r.empty], ignore_index=True) if any(not r.empty for r in rows) \
        else pd.DataFrame(columns=KEYS + ["indicator", "numerator", "denominator", "value", "source"])
    extra = []
    if school is None:
        extra.append(_reported(store, [i for i in chosen if i.kind == "reported" or (i.kind == "ratio" and i.reported_item)],
                               values))
        extra.append(_external(store, [i for i in chosen if i.kind == "external"]))
    values = pd.concat([values, *[e for e in extra if not e.empty]], ignore_index=True)
    return Computation(values=values, terms=terms_df, term_ids=term_ids, names=_names(store, schools))


def _side(ind: Indicator, terms: list[Term], df: pd.DataFrame, term_ids: dict) -> pd.Series:
    total = pd.Series(0.0, index=df.index)
    for t in terms:
        col = term_ids[term_key(t)]
        vals = df[col] if col in df.columns else pd.Series(np.nan, index=df.index)
        total = total + t.coefficient * vals  # NaN (no data) propagates
    return total


def _values(ind: Indicator, terms_df: pd.DataFrame, term_ids: dict) -> pd.DataFrame:
    if terms_df.empty:
        return pd.DataFrame()
    df = terms_df[terms_df["unit_type"].isin(ind.units) & terms_df["bdim"].isin(["", *ind.breakdowns])]
    cols = [term_ids[term_key(t)] for t in ind.terms]
    df = df.dropna(subset=[c for c in cols if c in df.columns], how="all")
    if df.empty:
        return pd.DataFrame()
    num = _side(ind, ind.numerator, df, term_ids)
    out = df[KEYS].copy()
    out["indicator"] = ind.id
    out["numerator"] = num
    if ind.denominator:
        den = _side(ind, ind.denominator, df, term_ids)
        out["denominator"] = den
        with np.errstate(divide="ignore", invalid="ignore"):
            v = num / den.where(den != 0) * ind.factor
        out["value"] = v
        # a school where the denominator is zero is outside the indicator's scope (e.g. 中职 at a 小学)
        out = out[~((out["unit_type"] == "school") & ((den == 0) | den.isna()))]
    else:
        out["denominator"] = np.nan
        out["value"] = num * ind.factor
    out["source"] = "computed"
    return out


def _reported(store: Store, inds: list[Indicator], computed: pd.DataFrame) -> pd.DataFrame:
    items = {i.reported_item: i for i in inds if i.reported_item}
    if not items:
        return pd.DataFrame()
    rows = store.rows("reported", ["year", "area_code", "item", "value", "source", "batch_id"])
    have = set()
    if not computed.empty:
        ok = computed[computed["value"].notna() & (computed["bdim"] == "")]
        have = set(zip(ok["indicator"], ok["year"], ok["unit_code"]))
    zones = {r[0] for r in store.run("SELECT zone_code FROM zone")}
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
    out = []
    district = store.run("SELECT district_code FROM district ORDER BY district_code LIMIT 1")
    if not district:
        return pd.DataFrame()
    for ind in inds:
        module, func = (ind.function or "").split(":")
        try:
            fn = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError):
            continue  # the capability is not installed: the indicator shows as 无数据
        for year, by_level in fn(store).items():
            for level, v in by_level.items():
                if level in ind.levels:
                    out.append({"year": int(year), "unit_type": "district", "unit_code": district[0][0],
                                "bdim": "level", "bval": level, "indicator": ind.id, "numerator": np.nan,
                                "denominator": np.nan, "value": v, "source": "computed"})
    return pd.DataFrame(out)


def _names(store: Store, schools: pd.DataFrame) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for code, name in store.run("SELECT district_code, district_name FROM district"):
        names[("district", code)] = name
    for code, name in store.run("SELECT zone_code, zone_name FROM zone"):
        names[("zone", code)] = name
    for r in schools.itertuples():
        names[("school", r.school_code)] = r.school_name
    return names
