"""Explain one figure: its definition, every numerator and denominator term with its value, each
sub-unit's contribution (a district → its 学区 and schools; a 学区 → its schools; a sub-unit the indicator is
not declared for, e.g. a 学区 of a district-only cohort rate, shows its parts but no ratio), and the import
batches (file, sha256, time, user) the rows behind it came from. When schools left a term blank the
figure has no value (missing is never counted as 0): `missing` says why, each term lists the schools
lacking it (`missing_schools`), and a contribution lacking data shows `missing` instead of a value.

With the district's scope (its plan), `plan` gives the plan's view of the figure: the target ahead of
the year (an interim target, then the final one, named by its year), the final target, the path value,
the status with its note ("2023 中期目标 ≥95 未达成") and the projection to the plan's end year; a district
without a plan says 无规划目标.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..errors import EduplanError
from ..plan.scope import NO_PLAN, Scope
from ..store import Store, time_label
from .engine import MISSING, Computation, compute, missing_expr, missing_note, term_key
from .expr import compile_expr
from .relations import LINEAGE, build_relations
from .schema import Definitions, Term
from .settings import IndicatorSettings
from .targets import attach, target_text


# the relations terms are written against, as a person knows them (the source table's Chinese name)
RELATION_LABELS = {"enrolment": "分年级学生数", "teachers": "专任教师", "facilities": "办学条件",
                   "schools": "学校逐年汇总（在校生、班数、办学条件）", "population": "常住人口分年龄",
                   "area_year": "区域年度数据", "reported": "上报指标值"}


def term_words(t: Term) -> str:
    """One term in words: its label, the year it is taken from and its coefficient ("在园幼儿数 ÷ 19")."""
    text = t.label or t.expr
    if t.lag and "年前" not in text:  # a label may already say when (“三年前初一在校生数”)
        text += f"（{t.lag} 年前）"
    c = t.coef
    if isinstance(c, str) and c.replace(" ", "").startswith("1/"):
        n = c.replace(" ", "")[2:]
        return text if n in text else f"{text} ÷ {n}"  # “按 1:19.0 应有教职工” already is pupils ÷ 19
    v = abs(t.coefficient)
    return text if v == 1 or f"{v:g}" in text else f"{text} × {v:g}"


def _side_words(terms: list[Term]) -> str:
    out = ""
    for i, t in enumerate(terms):
        neg = t.coefficient < 0
        out += ("−" if neg else "") + term_words(t) if i == 0 else (" − " if neg else " + ") + term_words(t)
    return out


def formula_words(ind) -> str:
    """How the value is computed, in the words of definitions.yaml's labels:
    "在园幼儿数（含全部年龄） ÷ 3–5 岁常住人口 × 100" — never the internal expression."""
    num = _side_words(ind.numerator)
    if ind.denominator:
        den = _side_words(ind.denominator)
        if len(ind.numerator) > 1:
            num = f"（{num}）"
        text = f"{num} ÷ " + (f"（{den}）" if len(ind.denominator) > 1 else den)
    else:
        text = num
    return text + (f" × {ind.factor:g}" if ind.factor != 1 else "")


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _side_value(terms: list[Term], sub: pd.DataFrame, term_ids: dict) -> float | None:
    """Σ coef × term for one sub-unit, or None when a term is not available at that level or lacks
    some school's data."""
    total = 0.0
    for t in terms:
        col = term_ids[term_key(t)]
        if col not in sub.columns or _lacking(sub, col):
            return None
        v = _f(sub[col].iloc[0])
        if v is None:
            return None
        total += t.coefficient * v
    return total


def _note(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _lacking(sub: pd.DataFrame, col: str) -> int:
    m = col + MISSING
    return int(sub[m].iloc[0]) if m in sub.columns and _f(sub[m].iloc[0]) else 0


def _missing_schools(store: Store, rel, t: Term, year: int, code: str, schools: list[str]) -> list[dict]:
    """The schools (or the area) whose rows should feed the term in its source year but are blank."""
    r = rel.filter(rel.year == year - t.lag)
    r = r.filter(r.school_code.isin(schools)) if "school_code" in r.columns else r.filter(r.area_code == code)
    r = r.filter(missing_expr(t, r))
    key = "school_code" if "school_code" in r.columns else "area_code"
    got = r.group_by(key).aggregate(rows=r.count()).order_by(key).to_pyarrow().to_pylist()
    if key == "area_code":
        return [{"area_code": g["area_code"], "rows": g["rows"]} for g in got]
    names = dict(store.run("SELECT school_code, school_name FROM school"))
    return [{"school_code": g["school_code"], "school_name": names.get(g["school_code"]), "rows": g["rows"]}
            for g in got]


def _term_stats(store: Store, rels: dict, terms: list[Term], year: int, code: str,
                schools: list[str]) -> dict[tuple, tuple[list[dict], list[dict]]]:
    """For each term: (the schools or area whose rows it lacks, the import batches behind it) — as
    `_missing_schools` and `_batches` give them, but with two queries per relation for all its terms (each term's
    condition a conditional count), not two per term: compiling an Ibis query costs more than running it, and an
    indicator such as 巩固率 has a term per lagged year."""
    import ibis

    by_rel: dict[str, list[Term]] = {}
    for t in terms:
        if term_key(t) not in {term_key(u) for u in by_rel.get(t.relation, [])}:
            by_rel.setdefault(t.relation, []).append(t)
    names = None
    out: dict[tuple, tuple[list[dict], list[dict]]] = {}
    for rel_name, ts in by_rel.items():
        rel = rels[rel_name]
        if "batch_id" not in rel.columns:  # a derived relation: per term, as before
            for t in ts:
                out[term_key(t)] = (_missing_schools(store, rel, t, year, code, schools),
                                    _batches(store, rel, t, year, "", code, schools))
            continue
        key = "school_code" if "school_code" in rel.columns else "area_code"
        r = rel.filter(rel.year.isin(sorted({year - t.lag for t in ts})))
        r = r.filter(r.school_code.isin(schools)) if key == "school_code" else r.filter(r.area_code == code)
        conds = []
        for t in ts:
            c = r.year == year - t.lag
            conds.append(c & compile_expr(t.where, r).fill_null(False) if t.where else c)
        missing = (r.group_by(key)
                   .aggregate(**{f"m{i}": ibis.ifelse((r.year == year - t.lag) & missing_expr(t, r).fill_null(False), 1, 0).sum()
                                 for i, t in enumerate(ts)})
                   .order_by(key).to_pyarrow().to_pylist())
        batches = (r.group_by("batch_id").aggregate(**{f"b{i}": ibis.ifelse(c, 1, 0).sum() for i, c in enumerate(conds)})
                   .order_by("batch_id").to_pyarrow().to_pylist())
        if key == "school_code" and names is None:
            names = dict(store.run("SELECT school_code, school_name FROM school"))
        for i, t in enumerate(ts):
            lacking = [({"school_code": g[key], "school_name": names.get(g[key]), "rows": g[f"m{i}"]}
                        if key == "school_code" else {"area_code": g[key], "rows": g[f"m{i}"]})
                       for g in missing if g[f"m{i}"]]
            counts = [{"batch_id": b["batch_id"], "rows": b[f"b{i}"]} for b in batches if b[f"b{i}"]]
            out[term_key(t)] = (lacking, _batch_rows(store, counts))
    return out


def _schools_of(store: Store, unit_type: str, code: str, year: int) -> list[str] | None:
    if unit_type == "school":
        return [code]
    if unit_type == "district":
        return [r[0] for r in store.run("SELECT school_code FROM school WHERE district_code = ?", [code])]
    return [r[0] for r in store.run(
        "SELECT school_code FROM school_zone WHERE zone_code = ? AND start_year <= ? "
        "AND (end_year IS NULL OR end_year >= ?)", [code, year, year])]


def _batches(store: Store, rel, t: Term, year: int, unit_type: str, code: str, schools: list[str]) -> list[dict]:
    src_year = year - t.lag
    if "batch_id" not in rel.columns:  # a derived relation: the batches of the stored tables it is built from
        con = store.ibis()
        counts = []
        for table in LINEAGE.get(t.relation, ()):
            s = con.table(table)
            s = s.filter((s.year == src_year) & s.school_code.isin(schools))
            counts += s.group_by("batch_id").aggregate(rows=s.count()).to_pyarrow().to_pylist()
        merged: dict[int, int] = {}
        for c in counts:
            merged[c["batch_id"]] = merged.get(c["batch_id"], 0) + c["rows"]
        return _batch_rows(store, [{"batch_id": b, "rows": n} for b, n in merged.items()])
    r = rel.filter(rel.year == src_year)
    if "school_code" in r.columns:
        r = r.filter(r.school_code.isin(schools))
    else:
        r = r.filter(r.area_code == code)
    if t.where:
        r = r.filter(compile_expr(t.where, r))
    counts = r.group_by("batch_id").aggregate(rows=r.count()).to_pyarrow().to_pylist()
    return _batch_rows(store, counts)


def _batch_rows(store: Store, counts: list[dict]) -> list[dict]:
    out = []
    for c in sorted(counts, key=lambda c: c["batch_id"]):
        b = store.run("SELECT file_name, sha256, imported_at, user_name, kind, note FROM import_batch WHERE batch_id = ?",
                      [c["batch_id"]])
        if b:
            # an approved collection submission names its round, submission, school, submitter and reviewer
            out.append({"batch_id": c["batch_id"], "rows": c["rows"], "file_name": b[0][0], "sha256": b[0][1],
                        "imported_at": time_label(b[0][2]), "user": b[0][3],
                        "origin": b[0][5] if b[0][4] in ("collection", "pending") else None})
    return out


def plan_view(store: Store, comp: Computation, defs: Definitions, indicator_id: str, year: int,
              unit: tuple[str, str], scope: Scope, settings: IndicatorSettings) -> dict[str, Any]:
    """The plan's view of one unit's figure in `year` (see the module docstring): one row for the total and
    one per breakdown the plan sets a target for (e.g. 小学/初中)."""
    from .report import split_by_district

    view: dict[str, Any] = {"district": scope.label, "plan": None if scope.plan is None else scope.plan.meta.id,
                            "title": None if scope.plan is None else scope.plan.meta.title, "rows": []}
    if scope.plan is None:
        view["status"] = NO_PLAN
        return view
    v = split_by_district(store, comp.values[comp.values["indicator"] == indicator_id])
    v = v[v["district_code"] == scope.district_code] if not v.empty else v
    if v.empty:
        return view
    v = attach(v, scope.plan, defs, settings)
    v = v[(v["year"] == year) & (v["unit_type"] == unit[0]) & (v["unit_code"] == unit[1])]
    order = list(getattr(defs.get(indicator_id), "levels", None) or [])
    v = v.assign(_o=[order.index(b) if b in order else (-1 if not d else len(order)) for d, b in zip(v["bdim"], v["bval"])])
    for r in v.sort_values("_o").itertuples():
        if r.bdim and _f(r.target) is None:
            continue

        def cmp(op, value, y, text, label=None):
            return None if _f(value) is None else {"op": op, "value": _f(value), "year": int(y), "label": label,
                                                   "text": _note(text) or target_text(op, _f(value))}

        view["rows"].append({
            "breakdown": f"{r.bval}" if r.bdim else "",
            "value": _f(r.value),
            "target": (cmp(r.target_op, r.target, r.target_year, r.target_text, r.target_label)
                       if _f(r.target_year) else None),
            "final_target": cmp(r.final_op, r.final_target, r.final_year, r.final_text) if _f(r.final_year) else None,
            "path": _f(r.path), "status": _note(r.status), "status_note": _note(r.status_note),
            "projection": None if _f(r.projection) is None else {
                "year": int(r.projection_year), "value": _f(r.projection), "low": _f(r.projection_low),
                "high": _f(r.projection_high)},
        })
    return view


def explain(store: Store, defs: Definitions, indicator_id: str, year: int, unit: tuple[str, str],
            scope: Scope | None = None, settings: IndicatorSettings | None = None) -> dict[str, Any]:
    """The explanation of one figure (see the module docstring); with `scope`, also the plan's view."""
    ind = defs.get(indicator_id)
    utype, code = unit
    if ind.kind != "ratio":
        result = _explain_other(store, ind, year, unit)
        if ind.kind != "qualitative":
            comp = compute(store, defs, [ind.id])
            if ind.kind == "external":  # a capability's figure, one per level (e.g. 小学/初中)
                v = comp.values
                at = v[(v["year"] == year) & (v["unit_type"] == utype) & (v["unit_code"] == code)] if not v.empty else v
                result["value_by_level"] = {r.bval or "": _f(r.value) for r in at.itertuples()} if len(at) else {}
            if scope is not None:
                result["plan"] = plan_view(store, comp, defs, ind.id, year, unit, scope, settings or IndicatorSettings())
        return _with_district(result, scope)
    if utype not in ind.units:
        raise EduplanError(f"指标“{ind.name}”不在{ {'district': '区', 'zone': '学区', 'school': '学校'}[utype]}层级计算"
                           f"（可用层级：{'、'.join(ind.units)}）")
    comp = compute(store, defs, [ind.id])
    v = comp.values
    row = v[(v["year"] == year) & (v["unit_type"] == utype) & (v["unit_code"] == code) & (v["bdim"] == "")]
    terms_df = comp.terms
    trow = terms_df[(terms_df["year"] == year) & (terms_df["unit_type"] == utype) & (terms_df["unit_code"] == code)
                    & (terms_df["bdim"] == "")]
    rels = build_relations(store)
    schools = _schools_of(store, utype, code, year) or []

    stats = _term_stats(store, rels, list(ind.terms), year, code, schools)

    def side(terms: list[Term]) -> list[dict[str, Any]]:
        out = []
        for t in terms:
            col = comp.term_ids[term_key(t)]
            val = _f(trow[col].iloc[0]) if not trow.empty and col in trow.columns else None
            lacking, batches = stats[term_key(t)]
            out.append({"label": t.label, "words": term_words(t), "relation": t.relation,
                        "relation_label": RELATION_LABELS.get(t.relation, t.relation), "expr": t.expr, "where": t.where,
                        "source_year": year - t.lag, "coef": t.coefficient,
                        "value": None if lacking else val, "sum_of_filled": val if lacking else None,
                        "missing_schools": lacking, "batches": batches})
        return out

    contributions = []
    if utype in ("district", "zone"):
        total_num = _f(row["numerator"].iloc[0]) if not row.empty else None
        subs = [("school", c) for c in schools]
        if utype == "district":
            subs += [("zone", r[0]) for r in store.run(
                "SELECT zone_code FROM zone WHERE district_code = ? ORDER BY zone_code", [code])]
        for stype, scode in subs:
            sub = terms_df[(terms_df["year"] == year) & (terms_df["unit_type"] == stype)
                           & (terms_df["unit_code"] == scode) & (terms_df["bdim"] == "")]
            if sub.empty:
                continue
            lacking = [(t, _lacking(sub, comp.term_ids[term_key(t)])) for t in ind.terms
                       if comp.term_ids[term_key(t)] in sub.columns]
            if any(n for _, n in lacking):
                contributions.append({"unit_type": stype, "unit_code": scode,
                                      "unit_name": comp.names.get((stype, scode), scode),
                                      "numerator": None, "denominator": None, "value": None,
                                      "share_of_numerator": None, "missing": missing_note(lacking, stype, year)})
                continue
            num = _side_value(ind.numerator, sub, comp.term_ids)
            den = _side_value(ind.denominator, sub, comp.term_ids) if ind.denominator else None
            if num is None or (stype == "school" and num == 0):
                continue
            value = (num / den * ind.factor) if den else (num * ind.factor if not ind.denominator else None)
            if stype not in ind.units:  # e.g. a cohort rate across 学区: its parts add up, its ratio means nothing
                value = None
            contributions.append({"unit_type": stype, "unit_code": scode,
                                  "unit_name": comp.names.get((stype, scode), scode),
                                  "numerator": num, "denominator": den, "value": value,
                                  "share_of_numerator": (num / total_num) if total_num else None,
                                  "missing": None})
        contributions.sort(key=lambda c: (c["unit_type"] != "zone", -(c["numerator"] or 0)))
    return _with_district({
        "indicator": ind.id, "name": ind.name, "unit_of_measure": ind.unit, "year": year,
        "unit": {"type": utype, "code": code, "name": comp.names.get((utype, code), code)},
        "definition": ind.definition, "source": ind.source, "factor": ind.factor,
        "formula": formula_words(ind),
        "numerator": _f(row["numerator"].iloc[0]) if not row.empty else None,
        "denominator": _f(row["denominator"].iloc[0]) if not row.empty else None,
        "value": _f(row["value"].iloc[0]) if not row.empty else None,
        "missing": _note(row["missing"].iloc[0]) if not row.empty and "missing" in row.columns else None,
        "numerator_terms": side(ind.numerator),
        "denominator_terms": side(ind.denominator),
        "contributions": contributions,
        "plan": None if scope is None else plan_view(store, comp, defs, ind.id, year, unit, scope,
                                                      settings or IndicatorSettings()),
    }, scope)


def _with_district(result: dict[str, Any], scope: Scope | None) -> dict[str, Any]:
    if scope is not None:
        result["district"] = {**scope.to_dict(), "label": scope.label}
    return result


def _explain_other(store: Store, ind, year: int, unit: tuple[str, str]) -> dict[str, Any]:
    table = {"district": ("district", "district_code", "district_name"), "zone": ("zone", "zone_code", "zone_name"),
             "school": ("school", "school_code", "school_name")}[unit[0]]
    named = store.run(f"SELECT {table[2]} FROM {table[0]} WHERE {table[1]} = ?", [unit[1]])
    base = {"indicator": ind.id, "name": ind.name, "unit_of_measure": ind.unit, "year": year,
            "unit": {"type": unit[0], "code": unit[1], "name": named[0][0] if named else None}, "definition": ind.definition, "source": ind.source,
            "numerator_terms": [], "denominator_terms": [], "contributions": []}
    if ind.kind == "reported":
        rows = store.run("SELECT r.value, r.source, r.note, b.batch_id, b.file_name, b.sha256, b.imported_at, b.user_name "
                         "FROM reported r JOIN import_batch b USING (batch_id) "
                         "WHERE r.year = ? AND r.area_code = ? AND r.item = ?", [year, unit[1], ind.reported_item])
        if rows:
            v, src, note, bid, fname, sha, at, user = rows[0]
            base.update(value=v, formula=f"上报值（{src}）", reported={"source": src, "note": note},
                        batches=[{"batch_id": bid, "file_name": fname, "sha256": sha,
                                  "imported_at": time_label(at), "user": user}])
        else:
            base.update(value=None, formula="上报值：本年度未导入")
        return base
    base.update(value=None, formula=f"{ {'external': '由专门模块计算', 'qualitative': '定性目标'}[ind.kind]}")
    return base
