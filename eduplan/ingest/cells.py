"""Cell values whose meaning a reader cannot settle alone: Excel error values, formulas without a
cached result, percent-formatted numbers and month-only dates.

A reader puts one of these in a raw row instead of a plain value; parse.py decides, per field,
whether the cell can be read exactly as the user sees it or must be refused naming the cell. Each
marker's str() is what the user sees in the spreadsheet, so messages can echo it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The error values Excel (and WPS) show in a cell; a CSV exported from Excel carries them as text.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#EXTERNAL!", "#PYTHON!",
})


@dataclass(frozen=True, slots=True)
class ExcelError:
    """An Excel error value such as #DIV/0!."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class NoCachedValue:
    """A formula whose result the file does not hold (written by a program, never opened in Excel)."""

    formula: str

    def __str__(self) -> str:
        return "=" + self.formula if self.formula else "（公式）"


@dataclass(frozen=True, slots=True)
class Percent:
    """A number shown in percent format: `text` is the stored number (0.855 for 85.5 %)."""

    text: str

    def __str__(self) -> str:
        from decimal import Decimal

        shown = (Decimal(self.text) * 100).normalize()
        return f"{shown:f}%"


@dataclass(frozen=True, slots=True)
class MonthDate:
    """A date cell formatted to show only year and month (e.g. yyyy-mm): the user sees 2025-12."""

    value: date

    def __str__(self) -> str:
        return f"{self.value.year:04d}-{self.value.month:02d}"


MARKERS = (ExcelError, NoCachedValue, Percent, MonthDate)
