"""Terminal layout shared by the reporting commands: how wide a table may be, tables that never cut a
number or a name, and how many decimals a figure gets for its unit of measure.

- `page_width()`: the columns a table may take — `COLUMNS` when set, else the terminal's width; output to a
  file or a pipe (no terminal, no `COLUMNS`) is not limited, so a redirected report reads like a wide
  terminal.
- `Grid`: a table whose columns say what they hold. A number (`num`) is never wrapped or cut; a name
  (`name`) wraps over lines and is never narrower than its header (or its `min`); other text wraps. When
  the page is too narrow, the columns with the highest `drop` go first (分子/分母 before 数值/目标/状态),
  and below that the table becomes one block per row (`header：value` lines). No cell is ever cut to "…".
- `decimals(unit)` / `figure(value, unit)`: the one rule for decimal places (percent 2, 系数 3, 元 0,
  persons and counts 0, per-student rates 2; see DECIMALS).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from .common import out

from ..units import DECIMALS, DEFAULT_DECIMALS, PER_UNIT_DECIMALS, decimals  # noqa: F401 - the rule, re-exported

BORDER = 3  # a boxed column takes its width + 2 padding + 1 rule; the table one more rule


def figure(v: Any, unit: str | None = None, *, digits: int | None = None, sign: bool = False) -> str:
    """A number for a table cell: thousands separators, decimals by `unit` (or `digits`), “—” for no data."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    d = decimals(unit) if digits is None else digits
    text = f"{v:{'+' if sign else ''},.{d}f}"
    return "0" if text in ("-0", "+0") and d == 0 else text


def with_unit(v: Any, unit: str | None) -> str:
    """“99.00 %”, “26,065 元”; “—” alone for no data."""
    text = figure(v, unit)
    return text if text == "—" or not unit else f"{text} {unit}"


def years_text(years: Iterable[int], two_as_range: bool = False) -> str:
    """Years with consecutive runs as ranges: “2026–2030”, “2024、2026–2028” (two consecutive years as
    “2024、2025”, or “2024–2025” with `two_as_range`); “—” for none."""
    ys = sorted(set(years))
    parts: list[str] = []
    i = 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        if j == i:
            parts.append(str(ys[i]))
        else:
            parts.append(f"{ys[i]}–{ys[j]}" if j > i + 1 or two_as_range else f"{ys[i]}、{ys[j]}")
        i = j + 1
    return "、".join(parts) or "—"


def year_span(years: Iterable[int] | None) -> str:
    """The years a table or a school has data for: “2016–2025”, “2016–2019、2021”; “—” for none."""
    return years_text(years or [], two_as_range=True)


def page_width() -> int | None:
    """Columns a table may take: COLUMNS, else the terminal's width; None (no limit) for a file or pipe."""
    cols = os.environ.get("COLUMNS", "").strip()
    if cols.isdigit() and int(cols) > 0:
        return int(cols)
    if out.is_terminal:
        return out.width
    return None


def text_width(cell: str) -> int:
    """Display width of a cell (markup removed, CJK counted double; the widest line)."""
    if not cell:
        return 0
    return max(Text.from_markup(line).cell_len for line in cell.split("\n"))


FIGURE_WORD_MAX = 12  # longer words holding a figure may still be folded


def _figure_word(cell: str) -> int:
    """Width of the widest whitespace-separated word of `cell` that holds a digit (capped)."""
    words = [w for w in Text.from_markup(cell).plain.split() if any(ch.isdigit() for ch in w)]
    return min(max((Text(w).cell_len for w in words), default=0), FIGURE_WORD_MAX)


def _console(width: int, soft_wrap: bool = False) -> Console:
    """A console writing where `out` writes, `width` columns wide (so a table is never squeezed by rich)."""
    term = out.is_terminal
    return Console(file=out.file, width=max(width, 20), force_terminal=term, color_system=out.color_system if term else None,
                   emoji=False, highlight=False, soft_wrap=soft_wrap, no_color=out.no_color)


@dataclass
class Col:
    """A column: its header, what it holds (`num`, `name`, `text`), when it may be dropped (0 never; higher
    first) and, for wrapped columns, its narrowest width (default: a name its header's width, at least 8)."""

    header: str
    kind: str = "text"
    drop: int = 0
    min: int | None = None
    justify: str | None = None


class Grid:
    """A table laid out for the page (see the module docstring). `note` is printed under the table when
    columns were dropped (it names them: `{dropped}`)."""

    def __init__(self, *cols: Col | str, title: str | None = None, caption: str | None = None,
                 note: str | None = None, show_lines: bool = False, stack: bool = True):
        self.cols = [c if isinstance(c, Col) else Col(c) for c in cols]
        self.rows: list[list[str]] = []
        self.title, self.caption, self.note = title, caption, note
        self.show_lines, self.stack = show_lines, stack
        self.dropped: list[str] = []

    def add_row(self, *cells: Any) -> None:
        row = ["" if c is None else str(c) for c in cells]
        self.rows.append(row + [""] * (len(self.cols) - len(row)))

    # ------------------------------------------------------------------ layout
    def _natural(self, i: int) -> int:
        return max([text_width(self.cols[i].header)] + [text_width(r[i]) for r in self.rows])

    def _min(self, i: int) -> int:
        c = self.cols[i]
        head = text_width(c.header)
        cells = max([text_width(r[i]) for r in self.rows] or [0])
        if c.kind == "num":  # the widest figure whole; a long header may take two lines
            return max(cells, head if head <= 8 else (head + 1) // 2, 2)
        # a word holding a figure (“≥99（2025”) is never folded inside: the column is at least that wide
        figures = max([_figure_word(r[i]) for r in self.rows] or [0])
        if c.kind == "name":
            return max(min(max(head, c.min or 8), max(cells, head)), figures)
        return max(min(max(c.min or 6, (head + 1) // 2), max(cells, head, 1)), figures)

    def layout(self, width: int | None) -> tuple[list[int], list[int]] | None:
        """(the columns shown, their widths) for a page `width` wide (None: unlimited); None when even the
        columns that may not be dropped do not fit (then the table is printed as blocks)."""
        shown = list(range(len(self.cols)))
        natural = {i: self._natural(i) for i in shown}
        if width is None:
            return shown, [natural[i] for i in shown]
        mins = {i: self._min(i) for i in shown}

        def need(cols: list[int]) -> int:
            return sum(mins[i] for i in cols) + BORDER * len(cols) + 1

        while need(shown) > width:
            droppable = [i for i in shown if self.cols[i].drop > 0]
            if not droppable:
                return None
            worst = max(droppable, key=lambda i: (self.cols[i].drop, i))
            shown.remove(worst)
        widths = {i: mins[i] for i in shown}
        spare = width - need(shown)
        while spare > 0:
            short = [i for i in shown if widths[i] < natural[i]]
            if not short:
                break
            # widen the column showing the smallest part of its text, one column at a time
            i = min(short, key=lambda j: (widths[j] / natural[j], j))
            widths[i] += 1
            spare -= 1
        return shown, [widths[i] for i in shown]

    # ------------------------------------------------------------------ output
    def print(self) -> None:
        width = page_width()
        laid = self.layout(width)
        if laid is None and self.stack:
            self._print_blocks(width)
            return
        if laid is None:  # keep every column; wrapped cells, never cut
            laid = list(range(len(self.cols))), [self._min(i) for i in range(len(self.cols))]
        shown, widths = laid
        self.dropped = [self.cols[i].header for i in range(len(self.cols)) if i not in shown]
        t = RichTable(title=self.title, caption=self.caption, show_lines=self.show_lines)
        for i, w in zip(shown, widths):
            c = self.cols[i]
            # a number column is as wide as its widest figure, so figures never wrap; its header may
            t.add_column(c.header, width=w, overflow="fold",
                         justify=c.justify or ("right" if c.kind == "num" else "left"))
        for r in self.rows:
            t.add_row(*(r[i] for i in shown))
        total = sum(widths) + BORDER * len(widths) + 1
        if width is None:  # a file: as wide as the table and its texts, nothing wrapped
            width = max([total] + [text_width(x) for x in (self.title, self.caption, self.note) if x])
        console = _console(max(width, total))
        console.print(t)
        if self.dropped and self.note:
            console.print(self.note.replace("{dropped}", "、".join(self.dropped)))

    def _print_blocks(self, width: int | None) -> None:
        """One block per row: the first column as its heading, then “header：value” lines."""
        console = _console(width or 80, soft_wrap=True)  # lines as long as their text: the terminal wraps them
        if self.title:
            console.print(self.title)
        for r in self.rows:
            console.print(f"[bold]{r[0]}[/]" if r[0] else "—")
            for c, cell in zip(self.cols[1:], r[1:]):
                if cell:
                    console.print(f"  {c.header}：{' '.join(cell.split(chr(10)))}")
        if self.caption:
            console.print(self.caption)
