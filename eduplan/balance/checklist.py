"""Decide the 2017 checklist (checklist_items.ITEMS) for one year: data items from the store (school
sizes, class sizes, special rooms, training, rotation, certification, salaries, 巩固率, reported rates),
judgement items from the store table balance_judgement. An item without data or judgement is 待评估
and says what evidence it needs. A data item whose data is missing falls back to a recorded judgement.
Missing is never 0: a school that left a needed cell blank is named as 未填报; the item fails when the
schools that did fill it in already fail it, and otherwise cannot be decided from data (待评估).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from ..model.codes import GRADE_LEVEL
from .checklist_items import ITEMS, Item
from .data import SchoolRecord, exclusion_reason
from .settings import LEVELS, BalanceSettings

PASS, FAIL, PENDING = "达标", "未达标", "待评估"
COMPULSORY_GRADES = tuple(g for g, lvl in GRADE_LEVEL.items() if lvl in LEVELS)
Decision = tuple[bool | None, float | None, str]  # passed (None: data incomplete, cannot decide), value, detail


@dataclass
class ItemResult:
    item: Item
    status: str
    decided_by: str | None  # "data", "judgement" or None (待评估)
    value: float | None = None
    detail: str = ""
    evidence: str | None = None
    assessor: str | None = None
    assessed_on: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.item.id, "dimension": self.item.dimension, "text": self.item.text,
                "threshold": self.item.threshold, "source": self.item.source, "how": self.item.how,
                "decided": self.item.decided, "status": self.status, "decided_by": self.decided_by,
                "value": self.value, "detail": self.detail, "evidence": self.evidence,
                "assessor": self.assessor, "assessed_on": self.assessed_on}


def _names(rows: list[str], n: int = 5) -> str:
    return "、".join(rows[:n]) + (f" 等 {len(rows)} 所" if len(rows) > n else "")


THROUGH_TYPES = ("312", "345")  # 九年一贯制、十二年一贯制: the through-school ceiling on their compulsory pupils


def size_ceilings() -> tuple[int, int]:
    """(小学、初中 ceiling, through-school ceiling): the `indicators` settings school_size_ceiling and
    through_school_size_ceiling, so the checklist item and the indicator oversized_schools move together."""
    from ..indicators.settings import IndicatorSettings
    from ..settings import load_section

    s = load_section("indicators", IndicatorSettings)
    return s.school_size_ceiling, s.through_school_size_ceiling


def school_size(records: list[SchoolRecord], settings: BalanceSettings) -> Decision | None:
    over = []
    school_limit, through_limit = size_ceilings()
    for r in records:
        p = sum(r.pupils.get(lvl, 0) for lvl in LEVELS)
        if exclusion_reason(r.type_code, p, settings) is not None or p == 0:
            continue
        limit = through_limit if r.type_code in THROUGH_TYPES else school_limit
        if p > limit:
            over.append(f"{r.name}（{p} 人 > {limit}）")
    if not records:
        return None
    return (not over, float(len(over)), f"超规模学校：{_names(over)}" if over else "所有学校规模符合")


class _StoreFacts:
    """The store queries behind the data items, for one year and the in-scope schools. A blank cell is
    missing, never 0: an item that a missing value could change is not decided from data (待评估, or the
    recorded judgement) and its detail names the schools that did not fill the value in (未填报)."""

    def __init__(self, store, year: int, codes: list[str], area: str | None):
        self.store, self.year, self.area = store, year, area
        self.codes = codes or ["-"]
        self.marks = ", ".join("?" for _ in self.codes)

    def q(self, sql: str, *params) -> list[tuple]:
        return self.store.run(sql.replace("{codes}", self.marks), [*params, *self.codes])

    def rooms(self) -> Decision | None:
        g = ", ".join(f"'{x}'" for x in COMPULSORY_GRADES)
        rows = self.q(f"SELECT s.school_name, c.classes, f.music_rooms, f.art_rooms, f.year IS NOT NULL FROM "
                      f"(SELECT school_code, sum(classes) AS classes FROM enrolment WHERE year = ? AND grade IN ({g}) "
                      f"AND school_code IN ({{codes}}) GROUP BY school_code) c JOIN school s USING (school_code) "
                      f"LEFT JOIN facilities f ON f.school_code = c.school_code AND f.year = {int(self.year)} "
                      f"ORDER BY c.school_code", self.year)
        if not rows:
            return None
        short, unknown = [], []
        for n, c, m, a, has_row in rows:
            if not c:
                continue
            need = math.ceil(c / 12)
            if (m is not None and m < need) or (a is not None and a < need):
                short.append(f"{n}（{c} 班需 {need} 间，音乐 {_shown(m)}、美术 {_shown(a)}）")
            elif m is None or a is None:
                blank = "、".join(x for x, v in (("音乐", m), ("美术", a)) if v is None)
                unknown.append(f"{n}（{blank}专用教室数未填报）" if has_row else f"{n}（没有办学条件数据）")
        gaps = f"；{_UNFILLED}：{_names(unknown)}" if unknown else ""
        if short:
            return (False, float(len(short)), f"专用教室不足的学校：{_names(short)}{gaps}")
        if unknown:
            return (None, None, f"无法判定，{_UNFILLED}：{_names(unknown)}（未填报不按 0 计）")
        return (True, 0.0, "所有学校音乐、美术专用教室数达标（面积另行核查）")

    def class_size(self) -> Decision | None:
        g = ", ".join(f"'{x}'" for x in COMPULSORY_GRADES)
        rows = self.q(f"SELECT s.school_name, sum(e.classes_over_norm), count(*) FILTER (e.classes_over_norm IS NULL), "
                      f"sum(e.classes) FROM enrolment e JOIN school s USING (school_code) WHERE e.year = ? "
                      f"AND e.grade IN ({g}) AND e.school_code IN ({{codes}}) GROUP BY ALL ORDER BY 1", self.year)
        classes = sum(r[3] or 0 for r in rows)
        if not classes:
            return None
        over = int(sum(r[1] or 0 for r in rows))
        unknown = [f"{n}（{k} 个年级）" for n, _, k, _ in rows if k]
        text = f"超标准班额 {over} 个班，占 {over / classes:.1%}（共 {int(classes)} 个班）"
        if over:
            return (False, float(over), text + (f"；另有{_UNFILLED}：{_names(unknown)}" if unknown else ""))
        if unknown:
            return (None, None, f"已填报的学校{text}；无法判定，{_UNFILLED}（超标准班额班数）：{_names(unknown)}"
                                "（未填报不按 0 计）")
        return (True, 0.0, text)

    def _teachers(self, num: str, den: str, public_only: bool = False) -> tuple[float, float, list[str]]:
        """Σ num and Σ den over the 小学/初中 sections whose both cells are filled, and the schools (and
        sections) where either is blank."""
        pub = " AND s.ownership = '公办'" if public_only else ""
        rows = self.q(f"SELECT s.school_name, t.section, t.{num}, t.{den} FROM teachers t JOIN school s "
                      f"USING (school_code) WHERE t.year = ? AND t.section IN ('小学', '初中'){pub} "
                      f"AND t.school_code IN ({{codes}}) ORDER BY t.school_code, t.section", self.year)
        n = sum(float(a) for _, _, a, b in rows if a is not None and b is not None)
        d = sum(float(b) for _, _, a, b in rows if a is not None and b is not None)
        return n, d, [f"{name}（{sec}）" for name, sec, a, b in rows if a is None or b is None]

    def share(self, num: str, den: str, target: float, label: str) -> Decision | None:
        n, d, unknown = self._teachers(num, den)
        if d == 0 and not unknown:
            return None
        if unknown:
            filled = f"已填报的 {100 * n / d:.2f}%（{int(n)} / {int(d)}）；" if d else ""
            return (None, None, f"{label}无法判定：{filled}{_UNFILLED}：{_names(unknown)}（未填报不按 0 计）")
        rate = 100 * n / d
        return (rate >= target - 1e-9, rate, f"{label} {rate:.2f}%（{int(n)} / {int(d)}）")

    def rotation(self) -> Decision | None:
        # 交流轮岗 is a rule for 公办 schools (县域内公办学校校长教师交流轮岗): private schools are not counted
        moved, eligible, u1 = self._teachers("rot_moved", "rot_eligible", public_only=True)
        backbone, moved2, u2 = self._teachers("rot_backbone", "rot_moved", public_only=True)
        unknown = sorted(set(u1) | set(u2), key=(u1 + u2).index)
        if unknown:
            return (None, None, f"交流轮岗无法判定，{_UNFILLED}（交流轮岗教师数、符合交流条件教师数或交流轮岗骨干教师数）："
                                f"{_names(unknown)}（未填报不按 0 计）")
        if eligible == 0:
            return None
        rate = 100 * moved / eligible
        bb = 100 * backbone / moved if moved else 0.0
        return (rate >= 10 - 1e-9 and bb >= 20 - 1e-9, rate,
                f"交流轮岗 {rate:.1f}%（{int(moved)} / {int(eligible)}），其中骨干 {bb:.1f}%（{int(backbone)} / {int(moved)}）")

    def reported(self, item: str, target: float, label: str) -> Decision | None:
        row = self.store.one("SELECT value, source FROM reported WHERE year = ? AND area_code = ? AND item = ?",
                             [self.year, self.area, item])
        if row is None:
            return None
        return (row[0] >= target - 1e-9, float(row[0]), f"{label} {row[0]:g}%（来源：{row[1]}）")

    def salary(self) -> Decision | None:
        row = self.store.one("SELECT teacher_salary, civil_servant_salary FROM area_year WHERE year = ? AND area_code = ?",
                             [self.year, self.area])
        if row and row[0] and row[1]:
            return (row[0] >= row[1], 100 * row[0] / row[1],
                    f"教师 {row[0]:,.0f} 元，公务员 {row[1]:,.0f} 元（{100 * row[0] / row[1]:.1f}%）")
        return self.reported("teacher_salary_ratio", 100, "教师与公务员平均工资之比")

    def retention(self) -> Decision | None:
        t = self.year
        unknown: list[str] = []

        def total(col: str, label: str, year: int, grade: str) -> float:
            rows = self.q(f"SELECT s.school_name, e.{col} FROM enrolment e JOIN school s USING (school_code) "
                          "WHERE e.year = ? AND e.grade = ? AND e.school_code IN ({codes}) ORDER BY 1", year, grade)
            unknown.extend(f"{name}（{year} 年 {grade} {label}）" for name, v in rows if v is None)
            return float(sum(v for _, v in rows if v is not None))

        grads, base = total("graduates", "毕业生数", t, "J3"), total("pupils", "在校生数", t - 3, "J1")
        # a row (year y, grade g) holds the movements during school year y − 1 of the class then in grade g
        moves = [(t - 2, "J1"), (t - 1, "J2"), (t, "J3")]
        tin = sum(total("transfers_in", "转入人数", y, g) for y, g in moves)
        tout = sum(total("transfers_out", "转出人数", y, g) for y, g in moves)
        deaths = sum(total("deaths", "死亡人数", y, g) for y, g in moves)
        if unknown:
            return (None, None, f"巩固率无法判定，{_UNFILLED}：{_names(unknown)}（未填报不按 0 计）")
        if grads == 0 or base == 0:
            return None
        rate = 100 * (grads - tin + tout) / (base - deaths)
        return (rate >= 95 - 1e-9, rate,
                f"({grads:.0f} − {tin:.0f} + {tout:.0f}) ÷ ({base:.0f} − {deaths:.0f}) = {rate:.2f}%（{t - 3} 级初一）")


_UNFILLED = "未填报的学校"


def _shown(v) -> str:
    return "未填报" if v is None else str(v)


def district_of(store) -> str | None:
    codes = Counter(r[0] for r in store.run("SELECT district_code FROM school WHERE district_code IS NOT NULL"))
    return codes.most_common(1)[0][0] if codes else None


def in_scope_codes(records: list[SchoolRecord], settings: BalanceSettings) -> list[str]:
    return [r.code for r in records
            if exclusion_reason(r.type_code, sum(r.pupils.get(lvl, 0) for lvl in LEVELS), settings) is None]


def evaluate_checklist(store, year: int, records: list[SchoolRecord], settings: BalanceSettings,
                       district_code: str | None = None) -> list[ItemResult]:
    """Every checklist item for `year`, decided from the store's data and judgements."""
    area = district_code or district_of(store)
    facts = _StoreFacts(store, year, in_scope_codes(records, settings), area)
    deciders: dict[str, Callable[[], Decision | None]] = {
        "G03_music_art_rooms": facts.rooms,
        "G04_school_size": lambda: school_size(records, settings),
        "G05_class_size": facts.class_size,
        "G08_teacher_salary": facts.salary,
        "G09_training_360": lambda: facts.share("trained_360", "teachers", 100, "完成率"),
        "G11_rotation": facts.rotation,
        "G12_certification": lambda: facts.share("certified", "teachers", 100, "持证上岗率"),
        "Q01_junior_retention": facts.retention,
        "Q02_disabled_enrolment": lambda: facts.reported("disabled_enrolment_rate", 95, "残疾儿童少年入学率"),
        "S01_social_recognition": lambda: facts.reported("social_recognition_rate", 85, "社会认可度"),
    }
    judged = {r[0]: r for r in store.run(
        "SELECT item, passed, value, evidence, assessor, assessed_on FROM balance_judgement WHERE year = ? AND area_code = ?",
        [year, area])}
    return [_decide(item, deciders.get(item.id), judged.get(item.id)) for item in ITEMS]


def evaluate_checklist_file(records: list[SchoolRecord], settings: BalanceSettings) -> list[ItemResult]:
    """A standalone file decides only the school sizes; the rest are 待评估."""
    return [_decide(item, (lambda: school_size(records, settings)) if item.id == "G04_school_size" else None, None)
            for item in ITEMS]


def _decide(item: Item, decider: Callable[[], Decision | None] | None, judgement: tuple | None) -> ItemResult:
    incomplete = ""
    if decider is not None:
        got = decider()
        if got is not None:
            ok, value, detail = got
            if ok is not None:
                return ItemResult(item, PASS if ok else FAIL, "data", value, detail)
            incomplete = detail  # some schools did not fill the data in
    if judgement is not None:
        _, passed, value, evidence, assessor, assessed_on = judgement
        return ItemResult(item, PASS if passed == "是" else FAIL, "judgement", value,
                          "评估判定" + ("" if decider is None else f"（数据缺失，采用判定{'：' + incomplete if incomplete else ''}）"),
                          evidence, assessor, assessed_on)
    if incomplete:
        return ItemResult(item, PENDING, None, None, incomplete)
    need = f"缺少数据：{item.how}" if item.decided == "data" else f"需要评估判定及佐证：{item.how}"
    return ItemResult(item, PENDING, None, None, need)


def summary(results: list[ItemResult]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in results:
        d = out.setdefault(r.item.dimension, {PASS: 0, FAIL: 0, PENDING: 0})
        d[r.status] += 1
    return out
