"""A plain data sheet in an xlsxwriter workbook: bold header row, column widths, numbers as numbers,
是/否 for booleans, frozen header and an autofilter — the shape every forwarded list shares.
A utility at the bottom of the package: it imports nothing of eduplan."""

from __future__ import annotations

from typing import Any


def write_sheet(wb, name: str, headers: list[str], rows: list[list[Any]], widths: list[int] | None = None,
                header_colour: str = "#DDEBF7") -> None:
    ws = wb.add_worksheet(name[:31])
    head = wb.add_format({"bold": True, "bg_color": header_colour, "border": 1, "text_wrap": True})
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, head)
        width = widths[j] if widths and j < len(widths) else max(10, min(60, len(h) * 2 + 4))
        ws.set_column(j, j, width)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_string(i, j, "是" if v else "否")
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    ws.freeze_panes(1, 0)
    if rows:
        ws.autofilter(0, 0, len(rows), len(headers) - 1)
