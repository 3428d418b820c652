"""Decimal places by unit of measure: the one rule every output (command-line tables, web pages) shows figures by."""

from __future__ import annotations

# The unit as indicators and balance name it. Units not listed: PER_UNIT_DECIMALS for a rate per something
# (“㎡/生”), else DEFAULT_DECIMALS.
DECIMALS: dict[str, int] = {
    "%": 2, "系数": 3, "元": 0, "万元": 0, "亿元": 2, "元/生": 0,
    "人": 0, "所": 0, "个": 0, "间": 0, "班": 0, "项": 0, "名": 0, "台": 0, "册": 0, "学位": 0,
    ":1": 2, "年": 2, "厘米": 2, "Mbps": 2, "㎡": 0,
    "人/生": 4,  # 师生比 as teachers per pupil (2012 method): 0.0658
}
PER_UNIT_DECIMALS = 2
DEFAULT_DECIMALS = 2


def decimals(unit: str | None) -> int:
    """Decimal places for a figure in `unit`."""
    u = (unit or "").strip()
    if u in DECIMALS:
        return DECIMALS[u]
    if "/" in u:
        return PER_UNIT_DECIMALS
    return DEFAULT_DECIMALS
