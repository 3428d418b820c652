"""Improvement actions and how they change the data: an Action adds teachers to one section of a school
or facilities to a school's totals; `apply_actions` returns new school records with the additions, so
the plan can be re-checked with the exact evaluation.

A new qualified teacher counts in L1; a new backbone teacher in L1 and L2; a new PE/arts teacher in L1
and L3 (all are 专任教师 with the required degree). Facility additions go to the school's totals and are
split between its levels like every facility total (methods.md §1.3).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .data import SchoolRecord

# kind -> (Chinese label, unit, integer?)
ACTIONS: dict[str, tuple[str, str, bool]] = {
    "qual": ("增加高于规定学历专任教师", "人", True),
    "backbone": ("增加县级以上骨干教师", "人", True),
    "pe_art": ("增加体育艺术专任教师", "人", True),
    "teaching_area": ("增加教学及辅助用房面积", "㎡", False),
    "sports_area": ("增加体育运动场馆面积", "㎡", False),
    "equipment": ("增加教学仪器设备值", "元", False),
    "multimedia_rooms": ("增加网络多媒体教室", "间", True),
}
# teacher kind -> the section quantities it raises
TEACHER_EFFECT = {"qual": ("teachers", "qual"), "backbone": ("teachers", "qual", "backbone"),
                  "pe_art": ("teachers", "qual", "pe_art")}


@dataclass
class Action:
    school_code: str
    school_name: str
    level: str | None  # the section for teachers; None for a school's facilities
    kind: str
    amount: float
    cost: float

    @property
    def label(self) -> str:
        return ACTIONS[self.kind][0] + (f"（{self.level}）" if self.level else "")

    def amount_text(self) -> str:
        _, unit, integer = ACTIONS[self.kind]
        return f"{self.amount:,.0f} {unit}" if integer or unit == "元" else f"{self.amount:,.1f} {unit}"

    def to_dict(self) -> dict[str, Any]:
        return {"school_code": self.school_code, "school_name": self.school_name, "level": self.level,
                "kind": self.kind, "label": self.label, "amount": self.amount, "unit": ACTIONS[self.kind][1],
                "cost": self.cost}


def apply_actions(records: list[SchoolRecord], actions: list[Action]) -> list[SchoolRecord]:
    """New records with the actions' additions (the inputs are not changed)."""
    out = copy.deepcopy(records)
    by_code = {r.code: r for r in out}
    for a in actions:
        r = by_code[a.school_code]
        if a.kind in TEACHER_EFFECT:
            section = r.sections[a.level]
            for q in TEACHER_EFFECT[a.kind]:
                section[q] = (section.get(q) or 0.0) + a.amount
        else:
            r.facilities[a.kind] = (r.facilities.get(a.kind) or 0.0) + a.amount
    return out
