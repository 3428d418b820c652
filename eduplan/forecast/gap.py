"""The seat gap per 学区 × level × year: seats needed minus seats available, the projects that close it
and the children left without a place.

    gap(z, l, t)      = need(z, l, t) − available(z, l, t)
    shortage(z, l, t) = max(0, gap)                           children without a place in their 学区

need: 学前 = 3–5 岁人口 × 目标毛入园率; 小学 / 初中 = projected enrolment of the 学区; 高中 (district-wide
levels) = the district's projected enrolment. Cross-学区 placement is off by default (就近入学: gaps are
per 学区); when settings.cross_zone_placement is on, a shortage is first absorbed by the spare places
(available − need) of the 学区 listed as neighbours (else all other 学区), shared in proportion to
their spare places, and only the rest is unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .capacity import AreaCapacity, ProjectPlaces


@dataclass
class GapRow:
    area: str
    level: str
    year: int
    need: float
    existing: int
    projects: list[tuple[str, int]] = field(default_factory=list)  # in use by this year (after the base)
    pending: list[tuple[str, int, int]] = field(default_factory=list)  # (id, places, in-use year) later
    absorbed: float = 0.0  # by neighbouring 学区 (cross-学区 placement only)

    @property
    def project_places(self) -> int:
        return sum(p for _, p in self.projects)

    @property
    def available(self) -> int:
        return self.existing + self.project_places

    @property
    def gap(self) -> float:
        return self.need - self.available

    @property
    def shortage(self) -> int:
        return max(0, round(self.gap))

    @property
    def unplaced(self) -> int:
        return max(0, round(self.gap - self.absorbed))

    @property
    def closed_by_projects(self) -> bool:
        """Short on existing places alone, but not once the projects in use are counted."""
        return self.need > self.existing and self.shortage == 0 and bool(self.projects)

    def to_dict(self) -> dict[str, Any]:
        return {"area": self.area, "level": self.level, "year": self.year, "need": round(self.need),
                "existing": self.existing, "project_places": self.project_places, "available": self.available,
                "gap": round(self.gap), "shortage": self.shortage, "absorbed": round(self.absorbed),
                "unplaced": self.unplaced, "closed_by_projects": self.closed_by_projects,
                "projects": [{"id": i, "places": p} for i, p in self.projects],
                "pending": [{"id": i, "places": p, "in_use_year": y} for i, p, y in self.pending]}


def compute_gap(need: dict[tuple[str, str], dict[int, float]], capacity: dict[tuple[str, str], dict[int, AreaCapacity]],
                projects: list[ProjectPlaces], years: list[int], cross_zone: bool = False,
                neighbours: dict[str, list[str]] | None = None, district: str | None = None) -> list[GapRow]:
    rows: list[GapRow] = []
    for (area, level), by_year in capacity.items():
        for t in years:
            cap = by_year[t]
            pending = [(p.project_id, p.places, p.in_use_year) for p in projects
                       if p.level == level and p.in_use_year > t and (area == district or p.zone == area)]
            rows.append(GapRow(area, level, t, need.get((area, level), {}).get(t, 0.0), cap.existing,
                               list(cap.projects), pending))
    if cross_zone:
        _absorb(rows, neighbours or {}, district)
    return rows


def _absorb(rows: list[GapRow], neighbours: dict[str, list[str]], district: str | None) -> None:
    cells: dict[tuple[str, int], list[GapRow]] = {}
    for r in rows:
        if r.area != district:
            cells.setdefault((r.level, r.year), []).append(r)
    for group in cells.values():
        spare = {r.area: max(0.0, -r.gap) for r in group}
        for r in sorted(group, key=lambda r: r.area):
            if r.gap <= 0:
                continue
            pool = [a for a in (neighbours.get(r.area) or spare) if a != r.area and spare.get(a, 0) > 0]
            room = sum(spare[a] for a in pool)
            take = min(r.gap, room)
            for a in pool:
                spare[a] -= take * spare[a] / room if room else 0
            r.absorbed = take


def summarise_gap(rows: list[GapRow]) -> list[dict[str, Any]]:
    """Per 学区 × level: the years short of places, the largest shortage and the projects that close it."""
    out = []
    keys = sorted({(r.area, r.level) for r in rows})
    for area, level in keys:
        mine = sorted((r for r in rows if (r.area, r.level) == (area, level)), key=lambda r: r.year)
        short = [r for r in mine if r.unplaced > 0]
        closed = [r for r in mine if r.closed_by_projects]
        closers = sorted({i for r in closed for i, _ in r.projects})
        out.append({
            "area": area, "level": level,
            "shortage_years": [r.year for r in short],
            "max_shortage": max((r.unplaced for r in short), default=0),
            "first_shortage_year": short[0].year if short else None,
            "closed_years": [r.year for r in closed],
            "closing_projects": closers,
            "pending_for_shortage": sorted({i for r in short for i, _, _ in r.pending}),
        })
    return out
