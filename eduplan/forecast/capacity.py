"""School places: what the buildings allow per school and level, and per 学区 × level × year with the
projects that come into use.

    places(school, level) = classes allowed × class-size norm
    classes allowed       = 设计办学规模班数 (facilities.design_classes, the base year)
                            else settings.capacity_fallback: 普通教室数 (classrooms) or the most classes
                            run in the last `capacity_lookback` years (peak_classes);
                            a school serving several levels splits the school figure by its base-year
                            classes per level; a new school (新建/配建 project, linked by school_code,
                            already in use) without a design figure counts its project's places
    available(z, l, t)    = Σ places of the base-year schools of z still open in t
                            + Σ places of projects in z with base year < in-use year ≤ t

A project already in use by the base year is in its school's figures. Project places are scaled by
the scenario's class size over the norm they were recorded with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..projects import Library
from .inputs import SchoolLevel

BASIS_LABEL = {"design": "设计办学规模班数", "classrooms": "普通教室数", "peak_classes": "近年最多班数",
               "project": "新建学校项目学位"}


@dataclass
class SchoolCapacity:
    school_code: str
    name: str
    zone: str | None
    level: str
    classes_allowed: float
    basis: str
    places: int
    pupils: int
    classes: int
    classes_56plus: int
    classes_over_norm: int
    closed_year: int | None = None

    @property
    def over_capacity(self) -> bool:
        return self.pupils > self.places

    @property
    def avg_class_size(self) -> float | None:
        return self.pupils / self.classes if self.classes else None

    def to_dict(self) -> dict[str, Any]:
        return {"school_code": self.school_code, "name": self.name, "zone": self.zone, "level": self.level,
                "classes_allowed": round(self.classes_allowed, 1), "basis": BASIS_LABEL[self.basis],
                "places": self.places, "pupils": self.pupils, "classes": self.classes,
                "avg_class_size": round(self.avg_class_size, 1) if self.avg_class_size else None,
                "utilisation": round(self.pupils / self.places, 3) if self.places else None,
                "over_capacity": self.over_capacity, "big_classes": self.classes_56plus,
                "classes_over_norm": self.classes_over_norm, "closed_year": self.closed_year}


def school_capacities(levels: list[SchoolLevel], class_size: dict[str, int], fallback: str, lookback: int,
                      base_year: int, library: Library | None = None) -> list[SchoolCapacity]:
    new_school_places: dict[tuple[str, str], float] = {}
    for rec in (library.projects if library else []):
        if rec.school_code and rec.is_new_school and rec.in_use_year is not None and rec.in_use_year <= base_year:
            for lvl, lp in rec.places.items():
                norm = library.settings.class_size.get(lvl, 45)
                new_school_places[(rec.school_code, lvl)] = lp.places / norm  # classes
    out = []
    for sl in levels:
        share = sl.classes / sl.school_classes if sl.school_classes else 1.0
        if sl.design_classes:
            allowed, basis = sl.design_classes * share, "design"
        elif (sl.school_code, sl.level) in new_school_places:
            allowed, basis = new_school_places[(sl.school_code, sl.level)], "project"
        elif fallback == "classrooms" and sl.classrooms:
            allowed, basis = sl.classrooms * share, "classrooms"
        else:
            recent = [c for y, c in sl.classes_history.items() if base_year - lookback < y <= base_year]
            allowed, basis = float(max(recent or [sl.classes])), "peak_classes"
        out.append(SchoolCapacity(sl.school_code, sl.name, sl.zone, sl.level, allowed, basis,
                                  round(allowed * class_size.get(sl.level, 45)), round(sl.pupils), sl.classes,
                                  sl.classes_56plus, sl.classes_over_norm, sl.closed_year))
    return out


@dataclass
class ProjectPlaces:
    project_id: str
    name: str
    zone: str | None
    level: str
    places: int
    in_use_year: int
    delayed_by: int = 0


def project_places(library: Library, base_year: int, class_size: dict[str, int],
                   delays: dict[str, int] | None = None) -> tuple[list[ProjectPlaces], list[str]]:
    """Places each project adds after the base year, at its (scenario) in-use year; and notes."""
    delays = delays or {}
    out, notes = [], []
    for rec in library.projects:
        if rec.in_use_year is None or not rec.places:
            continue
        shift = delays.get(rec.id, 0)
        if rec.in_use_year <= base_year:
            if shift:
                notes.append(f"{rec.name} 已于 {rec.in_use_year} 年投入使用（基年 {base_year} 之前），延期设定不影响预测")
            continue
        for lvl, lp in rec.places.items():
            norm = library.settings.class_size.get(lvl, 45)
            places = round(lp.places * class_size.get(lvl, norm) / norm)
            out.append(ProjectPlaces(rec.id, rec.name, rec.zone_code, lvl, places, rec.in_use_year + shift, shift))
    return out, notes


@dataclass
class AreaCapacity:
    existing: int
    projects: list[tuple[str, int]] = field(default_factory=list)  # (project id, places) in use by the year

    @property
    def available(self) -> int:
        return self.existing + sum(p for _, p in self.projects)


def capacity_by_area(schools: list[SchoolCapacity], projects: list[ProjectPlaces], areas: list[str],
                     district: str, levels: list[str], district_wide: list[str],
                     years: list[int]) -> dict[tuple[str, str], dict[int, AreaCapacity]]:
    out: dict[tuple[str, str], dict[int, AreaCapacity]] = {}
    for level in levels:
        targets = [district] if level in district_wide else areas
        for area in targets:
            mine = [s for s in schools if s.level == level and (area == district or s.zone == area)]
            theirs = [p for p in projects if p.level == level and (area == district or p.zone == area)]
            out[(area, level)] = {
                t: AreaCapacity(sum(s.places for s in mine if s.closed_year is None or t < s.closed_year),
                                [(p.project_id, p.places) for p in theirs if p.in_use_year <= t])
                for t in years}
    return out
