"""Check a plan for internal consistency: `check_plan(plan) -> list[Finding]`.

Each rule is a small function `rule(plan) -> Iterable[Finding]` in RULES; `check_plan` runs them all
(a crashing rule becomes one error finding, the others still run). Rules read only the plan's data,
so another district's plan in the same format is checked the same way.

Severities: "error" — the plan data is unusable as written (duplicate ids, unknown codes or references,
unparseable comparisons, years outside the plan period); "warning" — the plan's own numbers disagree
(sums, text vs table, project schedule); "info" — worth knowing (a target already met by its baseline).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Iterator

from ..model.codes import LEVELS, REPORTED_BY_CODE
from .schema import OP_SYMBOL, Cite, Node, Op, Plan, Severity, SumPart, fmt_num

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str  # kebab-case rule id, e.g. "investment-sum"
    message: str  # Chinese
    where: str = ""  # seed citation and/or "file 第 N 行"
    subject: str = ""  # the id of the item concerned

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


Rule = Callable[[Plan], Iterable[Finding]]


def check_plan(plan: Plan, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Run every rule; findings sorted by severity (errors first), then rule order."""
    found: list[Finding] = []
    for rule in rules if rules is not None else RULES:
        try:
            found.extend(rule(plan))
        except Exception as e:  # one broken rule must not hide the others
            found.append(Finding("error", "rule-failed", f"检查规则 {rule.__name__} 运行出错：{e}"))
    return sorted(found, key=lambda f: _ORDER[f.severity])


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------


def where(plan: Plan, node: Node | None = None, cite: Cite | None = None, key: str | None = None) -> str:
    """"三、㈡ 2.⑶「…」；qiaokou-2021-2025.yaml 第 12 行"."""
    parts = []
    if cite is None and node is not None:
        cite = getattr(node, "cite", None)
    if isinstance(cite, Cite):
        parts.append(cite.short())
    line = node.line_of(key) if node is not None else None
    if line:
        parts.append(f"{plan.source_name} 第 {line} 行")
    return "；".join(parts)


def review_name(plan: Plan) -> str:
    """How the text names the previous period: “十三·五”, else its years, else 上一规划期."""
    rp = plan.meta.review_period
    if rp is None:
        return "上一规划期"
    return f"“{rp.name}”" if rp.name else f"{rp.start}–{rp.end} 年"


def _num(x: float) -> str:
    return fmt_num(round(x, 6))


def _u(unit: str | None) -> str:
    """"%" sticks to the number; word units get a space: "40.7 亿元"."""
    return "" if not unit else unit if unit == "%" else f" {unit}"


def _cmp(op: Op | None, value: float | None, unit: str | None = "") -> str:
    sym = "" if op in (None, "=") else OP_SYMBOL[op]
    return f"{sym}{_num(value) if value is not None else '—'}{_u(unit)}"


def _join(*wheres: str) -> str:
    """Join places, dropping repeats."""
    out: list[str] = []
    for w in wheres:
        for part in w.split("；"):
            if part and part not in out:
                out.append(part)
    return "；".join(out)


def _interval(op: Op | None, v: float) -> tuple[float, bool, float, bool]:
    """The set of values `op v` admits: (lo, lo_inclusive, hi, hi_inclusive)."""
    inf = float("inf")
    return {
        "=": (v, True, v, True), None: (v, True, v, True), ">=": (v, True, inf, False), ">": (v, False, inf, False),
        "<=": (-inf, False, v, True), "<": (-inf, False, v, False),
    }[op]


def compatible(a_op: Op | None, a: float, b_op: Op | None, b: float) -> bool:
    """Can one value satisfy both comparisons?"""
    lo1, li1, hi1, hi1i = _interval(a_op, a)
    lo2, li2, hi2, hi2i = _interval(b_op, b)
    lo, lo_inc = max((lo1, li1), (lo2, li2), key=lambda t: (t[0], not t[1]))
    hi, hi_inc = min((hi1, hi1i), (hi2, hi2i), key=lambda t: (t[0], t[1]))
    return lo < hi or (lo == hi and lo_inc and hi_inc)


def within(a_op: Op | None, a: float, b_op: Op | None, b: float) -> bool:
    """Does every value admitted by `a_op a` satisfy `b_op b`?"""
    lo1, li1, hi1, hi1i = _interval(a_op, a)
    lo2, li2, hi2, hi2i = _interval(b_op, b)
    lo_ok = lo1 > lo2 or (lo1 == lo2 and (li2 or not li1))
    hi_ok = hi1 < hi2 or (hi1 == hi2 and (hi2i or not hi1i))
    return lo_ok and hi_ok


@dataclass
class Point:
    """One comparable number: a table cell (per level), a text target or a text baseline."""

    indicator: str
    name: str
    level: str | None
    year: int | None
    kind: str  # target | actual | expected (table) ; text_target ; baseline
    op: Op | None
    value: float
    raw: str
    unit: str | None
    source: str  # "表“…”" / "文中"
    key: str  # groups the levels of one cell
    where: str
    maintain: bool = False

    def text(self) -> str:
        lvl = f"{self.level} " if self.level else ""
        return f"{lvl}“{self.raw}”（{_cmp(self.op, self.value)}）"


def points(plan: Plan) -> list[Point]:
    """Every number the plan states, flattened (levels expanded)."""
    out: list[Point] = []
    for tab in plan.tables:
        cols = {c.key: c for c in tab.columns}
        for row in tab.rows:
            for key, cell in row.values.items():
                col = cols.get(key)
                if col is None:
                    continue
                cells = cell.by_level.items() if cell.by_level else [(None, cell)]
                for lvl, c in cells:
                    if c.value is None:
                        continue
                    out.append(Point(
                        row.id, row.name, lvl, col.year, col.kind, c.op, c.value, c.raw, row.unit,
                        f"{tab.short_title or tab.title}“{col.label}”", f"{tab.id}/{row.id}/{key}",
                        where(plan, row, key="values"),
                    ))
    for t in plan.targets:
        if t.kind == "quantitative" and t.value is not None:
            raw = t.raw or _cmp(t.op, t.value)
            out.append(Point(t.indicator, t.name, None, t.year, "text_target", t.op, t.value, raw,
                             t.unit, "文中目标", f"target/{t.id}", where(plan, t), t.maintain))
    for b in plan.baselines:
        if b.value is not None:
            out.append(Point(b.indicator, b.name, None, b.year, "baseline", b.op, b.value, b.raw or _num(b.value),
                             b.unit, "文中基线", f"baseline/{b.id}", where(plan, b)))
    return out


def _review_end(plan: Plan) -> int:
    rp = plan.meta.review_period
    return rp.end if rp else plan.meta.period.start - 1


# ---------------------------------------------------------------------------------------------------
# Schema-level rules (errors)
# ---------------------------------------------------------------------------------------------------


def rule_duplicate_ids(plan: Plan) -> Iterator[Finding]:
    """Ids must be unique within each collection (row ids within a table)."""
    kp = plan.key_projects
    collections: list[tuple[str, list]] = [
        ("指标表", plan.tables), ("文中目标", plan.targets), ("基线", plan.baselines), ("具体目标", plan.goals),
        ("任务", [*plan.tasks, *(t for s in plan.tasks for t in s.tasks)]), ("保障措施", plan.safeguards),
        ("核对总数", plan.sums),
    ]
    collections += [(f"表“{t.title}”的行", t.rows) for t in plan.tables]
    if kp:
        collections += [("项目组", kp.groups), ("项目", kp.projects)]
    for label, items in collections:
        seen: dict[str, Node] = {}
        for item in items:
            if item.id in seen:
                yield Finding("error", "duplicate-id", f"{label}的 id“{item.id}”重复（另见第 {seen[item.id].line} 行）",
                              where(plan, item, key="id"), item.id)
            else:
                seen[item.id] = item


def rule_reported_items(plan: Plan) -> Iterator[Finding]:
    """reported_item must be a code of eduplan.model.codes.REPORTED_ITEMS, with a matching unit."""
    holders = [r for t in plan.tables for r in t.rows] + list(plan.targets)
    for h in holders:
        code = h.reported_item
        if code is None:
            continue
        item = REPORTED_BY_CODE.get(code)
        if item is None:
            yield Finding("error", "unknown-reported-item",
                          f"“{h.name}”的 reported_item“{code}”不是已知的上报指标代码（见 eduplan/model/codes.py）",
                          where(plan, h, key="reported_item"), h.id)
        elif h.unit and h.unit != item.unit:
            yield Finding("warning", "reported-item-unit",
                          f"“{h.name}”的单位“{h.unit}”与上报指标“{item.label}”的单位“{item.unit}”不同",
                          where(plan, h, key="unit"), h.id)


def rule_references(plan: Plan) -> Iterator[Finding]:
    """Ids referred to (targets of goals/tasks, project groups and hosts, table columns) must exist."""
    targets = {t.id for t in plan.targets}
    for holder in [*plan.goals, *(t for s in plan.tasks for t in s.tasks)]:
        for ref in holder.targets:
            if ref not in targets:
                yield Finding("error", "unknown-reference", f"“{holder.title}”引用的目标“{ref}”不存在",
                              where(plan, holder, key="targets"), holder.id)
    for tab in plan.tables:
        cols = {c.key for c in tab.columns}
        for row in tab.rows:
            for key in row.values:
                if key not in cols:
                    yield Finding("error", "unknown-reference", f"表“{tab.title}”中“{row.name}”的列“{key}”不在表头中",
                                  where(plan, row, key="values"), row.id)
    kp = plan.key_projects
    if kp is None:
        return
    projects = {p.id: p for p in kp.projects}
    for p in kp.projects:
        g = kp.group(p.group)
        if g is None:
            yield Finding("error", "unknown-reference", f"项目“{p.name}”的组“{p.group}”不存在",
                          where(plan, p, key="group"), p.id)
        elif p.category not in g.categories:
            yield Finding("error", "unknown-reference",
                          f"项目“{p.name}”的类别“{p.category}”不属于“{g.name}”组（{'、'.join(g.categories)}）",
                          where(plan, p, key="category"), p.id)
        for host in p.part_of:
            if host not in projects:
                yield Finding("error", "unknown-reference", f"项目“{p.name}”所属的项目“{host}”不存在",
                              where(plan, p, key="part_of"), p.id)


def rule_comparisons(plan: Plan) -> Iterator[Finding]:
    """Every comparison text must parse (e.g. "98.5 以上", "≦100", "<0.5/<0.45")."""
    for tab in plan.tables:
        for row in tab.rows:
            for key, cell in row.values.items():
                for msg in cell.errors():
                    yield Finding("error", "comparison-unparseable", f"表“{tab.title}”中“{row.name}”（{key}）：{msg}",
                                  where(plan, row, key="values"), row.id)
    for item in [*plan.targets, *plan.baselines]:
        if item.parse_error:
            yield Finding("error", "comparison-unparseable", f"“{item.name}”：{item.parse_error}",
                          where(plan, item, key="raw"), item.id)


def rule_years(plan: Plan) -> Iterator[Finding]:
    """Target years inside the plan period; target columns not after its end; baselines not after it."""
    per = plan.meta.period
    for t in plan.targets:
        if t.year is not None and not per.start <= t.year <= per.end:
            yield Finding("error", "year-out-of-period", f"目标“{t.name}”的年份 {t.year} 不在规划期 {per.start}–{per.end} 内",
                          where(plan, t, key="year"), t.id)
    for tab in plan.tables:
        for c in tab.columns:
            if c.kind == "target" and c.year > per.end:
                yield Finding("error", "year-out-of-period",
                              f"表“{tab.title}”的目标列“{c.label}”年份 {c.year} 晚于规划期末 {per.end}",
                              where(plan, c, key="year"), tab.id)
    for b in plan.baselines:
        if b.year is not None and b.year > per.end:
            yield Finding("error", "year-out-of-period", f"基线“{b.name}”的年份 {b.year} 晚于规划期末 {per.end}",
                          where(plan, b, key="year"), b.id)


def rule_indicator_units(plan: Plan) -> Iterator[Finding]:
    """The same indicator id must keep one unit and one reported_item everywhere."""
    units: dict[str, dict[str, Node]] = defaultdict(dict)
    items: dict[str, dict[str, Node]] = defaultdict(dict)
    for row in (r for t in plan.tables for r in t.rows):
        units[row.id].setdefault(row.unit, row)
        if row.reported_item:
            items[row.id].setdefault(row.reported_item, row)
    for t in [*plan.targets, *plan.baselines]:
        if t.unit:
            units[t.indicator].setdefault(t.unit, t)
        if getattr(t, "reported_item", None):
            items[t.indicator].setdefault(t.reported_item, t)
    for label, index in (("单位", units), ("上报指标", items)):
        for ind, seen in index.items():
            if len(seen) > 1:
                first = next(iter(seen.values()))
                yield Finding("warning", "indicator-inconsistent", f"指标“{ind}”的{label}不一致：{'、'.join(seen)}",
                              where(plan, first), ind)


# ---------------------------------------------------------------------------------------------------
# Sums and counts
# ---------------------------------------------------------------------------------------------------


def resolve_ref(plan: Plan, ref: str) -> float:
    """Follow a dotted path over the plan; inside a list a segment selects the item by id."""
    cur: object = plan
    for seg in ref.split("."):
        if isinstance(cur, list):
            cur = next((x for x in cur if getattr(x, "id", None) == seg), None)
        elif isinstance(cur, dict):
            cur = cur.get(seg)
        else:
            cur = getattr(cur, seg, None)
        if cur is None:
            raise KeyError(seg)
    if isinstance(cur, bool) or not isinstance(cur, (int, float)):
        raise KeyError(ref)
    return float(cur)


def _part_value(plan: Plan, part: SumPart) -> float:
    return part.value if part.value is not None else resolve_ref(plan, part.ref or "")


def rule_sums(plan: Plan) -> Iterator[Finding]:
    """Declared sums: the parts must add up to the stated total (within tolerance)."""
    for s in plan.sums:
        try:
            parts = [_part_value(plan, p) for p in s.parts]
            total = _part_value(plan, s.total)
        except KeyError as e:
            yield Finding("error", "unknown-reference", f"核对“{s.label}”引用的数值不存在（{e.args[0]}）", where(plan, s), s.id)
            continue
        got = sum(parts)
        if abs(got - total) > s.tolerance + 1e-9:
            unit = _u(s.unit)
            yield Finding(
                s.severity, s.code,
                f"{s.label}：{' + '.join(_num(p) for p in parts)} = {_num(got)}{unit}，与所述总数 {_num(total)}{unit}不符"
                f"（相差 {_num(total - got)}{unit}）",
                where(plan, s), s.id,
            )


def rule_project_counts(plan: Plan) -> Iterator[Finding]:
    """Stated counts (per group, per expected state, in total) vs the projects in the table."""
    kp = plan.key_projects
    if kp is None:
        return
    counted = [p for p in kp.projects if p.counted]
    for g in kp.groups:
        mine = [p for p in counted if p.group == g.id]
        if len(mine) != g.stated_count:
            yield Finding("warning", "count-mismatch", f"“{g.name}”文中为 {g.stated_count} 所，表中列出 {len(mine)} 所",
                          where(plan, g, key="stated_count"), g.id)
        for state, n in g.stated_states.items():
            have = sum(1 for p in mine if p.expected_state == state)
            if have != n:
                yield Finding("warning", "count-mismatch",
                              f"“{g.name}”文中预计 {n} 所“{state}”，表中标为“{state}”的有 {have} 所",
                              where(plan, g, key="stated_states"), g.id)
    if len(counted) != kp.stated_total.count:
        yield Finding("warning", "count-mismatch", f"重点项目文中为 {kp.stated_total.count} 个，表中列出 {len(counted)} 个（不含附属项目）",
                      where(plan, kp.stated_total), "key_projects")


# ---------------------------------------------------------------------------------------------------
# Project schedule
# ---------------------------------------------------------------------------------------------------


def _years_text(years: list[int]) -> str:
    return "、".join(str(y) for y in years)


def rule_project_years(plan: Plan) -> Iterator[Finding]:
    """Listed years vs the plan period, the group's completion year, the expected state and hosts."""
    kp = plan.key_projects
    if kp is None:
        return
    per = plan.meta.period
    by_id = {p.id: p for p in kp.projects}
    for p in kp.projects:
        w, ys = where(plan, p, key="years"), sorted(set(p.years))
        g = kp.group(p.group)
        outside = [y for y in ys if not per.start <= y <= per.end]
        if outside:
            yield Finding("error", "project-year-range",
                          f"项目“{p.name}”列于 {_years_text(outside)} 年，超出规划期 {per.start}–{per.end}", w, p.id)
        if not ys:
            yield Finding("error", "project-year-range", f"项目“{p.name}”没有列出年份", w, p.id)
            continue
        if len(ys) != len(p.years):
            yield Finding("warning", "project-year-range", f"项目“{p.name}”的年份有重复：{_years_text(p.years)}", w, p.id)
        if ys[-1] - ys[0] + 1 != len(ys):
            yield Finding("warning", "project-year-range", f"项目“{p.name}”所列年份不连续：{_years_text(ys)}", w, p.id)
        if g is not None and ys[-1] > g.completion_year:
            yield Finding("warning", "project-year-range",
                          f"项目“{p.name}”列至 {ys[-1]} 年，晚于文中“{g.name}”预计完成的 {g.completion_year} 年底", w, p.id)
        if g is not None and p.expected_state != "完工":
            yield Finding("warning", "project-year-range",
                          f"项目“{p.name}”表中列于 {_years_text(ys)} 年，但文中预计到 {g.completion_year} 年底仅“{p.expected_state}”："
                          + (f"完工将晚于规划期末（{per.end} 年），需列入下一规划期" if g.completion_year >= per.end
                             else f"完工将晚于 {g.completion_year} 年"), w, p.id)
        if len(ys) == 1 and p.work in ("新建", "异地新建"):
            yield Finding("info", "project-year-range",
                          f"项目“{p.name}”为{p.work}，表中只列于 {ys[0]} 年一年，请核实工期", w, p.id)
        for hid in p.part_of:
            host = by_id.get(hid)
            if host is not None and not set(ys) <= set(host.years):
                extra = sorted(set(ys) - set(host.years))
                yield Finding("info", "project-year-range",
                              f"“{p.name}”列于 {_years_text(ys)} 年，"
                              f"而所属项目“{host.name}”只列于 {_years_text(sorted(host.years))} 年"
                              f"（{_years_text(extra)} 年不在其内）", w, p.id)


def rule_project_membership(plan: Plan) -> Iterator[Finding]:
    """An uncounted part (e.g. a car park) should sit at a project of its own group."""
    kp = plan.key_projects
    if kp is None:
        return
    for p in kp.projects:
        if p.counted:
            continue
        g = kp.group(p.group)
        members = {q.name for q in kp.projects if q.group == p.group and q.counted}
        hosts = [kp_p for kp_p in kp.projects if kp_p.id in p.part_of]
        if g is None:
            continue
        if any(h.group != p.group for h in hosts):
            yield Finding("warning", "project-group-membership", f"“{p.name}”所属项目不在“{g.name}”组",
                          where(plan, p, key="part_of"), p.id)
        if not p.part_of:
            outside = [h for h in p.hosts if h not in members]
            if outside:
                yield Finding("info", "project-group-membership",
                              f"“{p.name}”位于{'、'.join(outside)}，不是“{g.name}”组所列的 {g.stated_count} 所学校之一；"
                              f"按文意归入该组并不计入所数，其投资归口请核实", where(plan, p, key="hosts"), p.id)


def rule_project_categories(plan: Plan) -> Iterator[Finding]:
    """Every project's category is one the plan declares, in exactly one group; places name real 学段."""
    kp = plan.key_projects
    if kp is None:
        return
    codes = kp.category_codes()
    declared = {c.code for c in kp.categories}
    for c in kp.categories:
        groups = [g.name for g in kp.groups if c.code in g.categories]
        if len(groups) != 1:
            yield Finding("error", "project-category-group",
                          f"项目类别“{c.code}”应属于且只属于一个项目组，实际：{'、'.join(groups) or '无'}",
                          where(plan, c), c.code)
    for g in kp.groups:
        for code in g.categories:
            if declared and code not in declared:
                yield Finding("error", "unknown-project-category",
                              f"项目组“{g.name}”的类别“{code}”不在 key_projects.categories 中", where(plan, g, key="categories"),
                              g.id)
    for p in kp.projects:
        if p.category not in codes:
            yield Finding("error", "unknown-project-category",
                          f"项目“{p.name}”的类别“{p.category}”不在规划的项目类别中（{'、'.join(codes)}）",
                          where(plan, p, key="category"), p.id)
        g = kp.group(p.group)
        if g is not None and p.category not in g.categories:
            yield Finding("error", "project-category-group",
                          f"项目“{p.name}”的类别“{p.category}”不属于它所在的项目组“{g.name}”（{'、'.join(g.categories)}）",
                          where(plan, p, key="category"), p.id)
    for c in kp.categories:
        if "places" in c.model_fields_set:
            continue
        silent = [p.name for p in kp.projects if p.category == c.code and p.places is None]
        if silent:
            yield Finding("warning", "places-unknown",
                          f"项目类别“{c.code}”没有写新增班数（places；不增加学位写 {{}}），{len(silent)} 个项目也没有写"
                          f"（{'、'.join(silent[:3])}{'等' if len(silent) > 3 else ''}）：它们新增的学位未知，"
                          "学位预测不计入，除非在“项目新增学位”表填写", where(plan, c), c.code)
    levels = set(LEVELS.values)
    for node, name, places in ([(c, f"项目类别“{c.code}”", c.places) for c in kp.categories]
                               + [(p, f"项目“{p.name}”", p.places or {}) for p in kp.projects]):
        for lvl, n in places.items():
            if lvl not in levels:
                yield Finding("error", "unknown-level", f"{name}的新增班数写了“{lvl}”，不是学段代码（{'、'.join(sorted(levels))}）",
                              where(plan, node, key="places"), getattr(node, "id", None) or getattr(node, "code", ""))
            elif not 0 < n <= 500:
                yield Finding("error", "places-range", f"{name}的{lvl}新增班数 {n} 不在 1–500 之间",
                              where(plan, node, key="places"), getattr(node, "id", None) or getattr(node, "code", ""))


# ---------------------------------------------------------------------------------------------------
# Text vs tables, targets vs baselines
# ---------------------------------------------------------------------------------------------------


def rule_text_vs_table(plan: Plan) -> Iterator[Finding]:
    """A text target or a text fact that disagrees with the tables for the same indicator and year."""
    pts = points(plan)
    table = [p for p in pts if p.kind in ("target", "actual", "expected")]
    for t in (p for p in pts if p.kind == "text_target"):
        for c in table:
            if c.kind == "target" and c.indicator == t.indicator and c.year == t.year and c.level is None \
                    and (c.op, c.value) != (t.op, t.value):
                yield Finding("warning", "text-table-mismatch",
                              f"{t.name} {t.year} 年目标：文中为“{t.raw}”（{_cmp(t.op, t.value)}），"
                              f"{c.source}为“{c.raw}”（{_cmp(c.op, c.value)}），两者不一致",
                              _join(t.where, c.where), t.key.split("/")[1])
    review_end = _review_end(plan)
    for b in (p for p in pts if p.kind == "baseline"):
        same = [c for c in table if c.indicator == b.indicator and c.level is None]
        if b.year is not None:
            cands = [c for c in same if c.year == b.year and c.kind in ("actual", "expected")]
        else:  # dated only by the review period: the latest actual value in it
            actual = [c for c in same if c.kind == "actual" and c.year is not None and c.year <= review_end]
            latest = max((c.year for c in actual), default=None)
            cands = [c for c in actual if c.year == latest][:1]
        for c in cands:
            if not compatible(b.op, b.value, c.op, c.value):
                also = sorted((x for x in same if x.year == review_end and x.kind in ("expected", "target")
                               and compatible(b.op, b.value, x.op, x.value)), key=lambda x: x.kind != "expected")[:1]
                hint = (f"；与{also[0].source}“{also[0].raw}”相符，文中数字可能指 {also[0].year} 年，请注明年份"
                        if also else "")
                when = f"{b.year} 年" if b.year else f"{review_name(plan)}期间"
                yield Finding("warning", "text-table-mismatch",
                              f"{b.name}：文中称{when}为“{b.raw}”（{_cmp(b.op, b.value, b.unit)}），"
                              f"而{c.source}为 {_cmp(c.op, c.value, c.unit)}{hint}",
                              _join(b.where, c.where), b.key.split("/")[1])


def rule_table_vs_table(plan: Plan) -> Iterator[Finding]:
    """The same indicator, year and kind of value must agree across tables."""
    cells = [p for p in points(plan) if p.kind in ("target", "actual", "expected")]
    seen: set[tuple] = set()
    for a in cells:
        for b in cells:
            if a.key.split("/")[0] >= b.key.split("/")[0]:
                continue
            if (a.indicator, a.level, a.year, a.kind) != (b.indicator, b.level, b.year, b.kind):
                continue
            if (a.op, a.value) != (b.op, b.value) and (a.indicator, a.year, a.kind) not in seen:
                seen.add((a.indicator, a.year, a.kind))
                kind = {"target": "目标", "actual": "实际值", "expected": "预计值"}[a.kind]
                yield Finding("warning", "table-table-mismatch",
                              f"{a.name} {a.year} 年{kind}：{a.source}为“{a.raw}”（{_cmp(a.op, a.value)}），"
                              f"{b.source}为“{b.raw}”（{_cmp(b.op, b.value)}）", _join(a.where, b.where), a.indicator)


def rule_baseline_conflict(plan: Plan) -> Iterator[Finding]:
    """Two text facts for the same indicator and year must agree."""
    groups: dict[tuple, list[Point]] = defaultdict(list)
    for b in (p for p in points(plan) if p.kind == "baseline"):
        groups[(b.indicator, b.year)].append(b)
    for (ind, year), bs in groups.items():
        for other in bs[1:]:
            if not compatible(bs[0].op, bs[0].value, other.op, other.value):
                yield Finding("warning", "baseline-conflict",
                              f"{bs[0].name}：文中两处说法不一致：“{bs[0].raw}”与“{other.raw}”",
                              _join(bs[0].where, other.where), ind)


def rule_target_direction(plan: Plan) -> Iterator[Finding]:
    """An explicit upper bound on a higher-is-better indicator (or the reverse) constrains nothing useful."""
    for tab in plan.tables:
        cols = {c.key: c for c in tab.columns}
        for row in tab.rows:
            for key, cell in row.values.items():
                col = cols.get(key)
                if col is None or col.kind != "target":
                    continue
                for lvl, c in (cell.by_level.items() if cell.by_level else [(None, cell)]):
                    if c.implied or c.op is None:
                        continue
                    wrong = c.op in ("<", "<=") if row.direction == "up" else c.op in (">", ">=")
                    if wrong:
                        bound = "上限" if row.direction == "up" else "下限"
                        better = "越高越好" if row.direction == "up" else "越低越好"
                        yield Finding("warning", "target-direction",
                                      f"{row.name}{' ' + lvl if lvl else ''} {col.year} 年目标“{c.raw}”是{bound}，"
                                      f"而该指标{better}："
                                      f"这一目标不要求任何提高", where(plan, row, key="values"), row.id)


def rule_target_met(plan: Plan) -> Iterator[Finding]:
    """A target already met by the latest observed value before its year."""
    pts = points(plan)
    review_end = _review_end(plan)
    observed = [p for p in pts if p.kind == "actual" or p.kind == "baseline"]
    by_key: dict[str, list[Point]] = defaultdict(list)
    for p in pts:
        if p.kind in ("target", "text_target") and p.year is not None:
            by_key[p.key].append(p)
    for key, cell in by_key.items():
        met: list[tuple[Point, Point]] = []
        for t in cell:
            cands = [o for o in observed if o.indicator == t.indicator and o.level == t.level
                     and (o.year if o.year is not None else review_end) < t.year]
            if not cands:
                continue
            latest = max(cands, key=lambda o: ((o.year if o.year is not None else review_end), o.kind == "actual"))
            if within(latest.op, latest.value, t.op, t.value):
                met.append((t, latest))
        if not met or len(met) < len(cell):
            continue
        t0 = met[0][0]
        severity: Severity = "warning" if t0.year >= plan.meta.period.start and not t0.maintain else "info"
        obs = "，".join(f"{(o.level + ' ') if o.level else ''}{_cmp(o.op, o.value, o.unit)}" for _, o in met)
        tgt = "，".join(f"{(t.level + ' ') if t.level else ''}{_cmp(t.op, t.value, t.unit)}" for t, _ in met)
        raw = t0.raw if len(met) == 1 else "/".join(t.raw for t, _ in met)
        o0 = met[0][1]
        when = f" {o0.year} 年" if o0.year else f"{review_name(plan)}期末"
        note = "（保持型目标）" if t0.maintain else ("（目标不具提升要求）" if severity == "warning" else "（提前达成）")
        yield Finding(severity, "target-met-by-baseline",
                      f"{t0.name} {t0.year} 年目标 {tgt}（{t0.source}为“{raw}”）在{when}已达到："
                      f"{o0.source}为 {obs}{note}", _join(t0.where, o0.where), t0.indicator)


RULES: list[Rule] = [
    rule_duplicate_ids,
    rule_reported_items,
    rule_references,
    rule_comparisons,
    rule_years,
    rule_indicator_units,
    rule_sums,
    rule_project_counts,
    rule_project_categories,
    rule_project_years,
    rule_project_membership,
    rule_text_vs_table,
    rule_table_vs_table,
    rule_baseline_conflict,
    rule_target_direction,
    rule_target_met,
]
