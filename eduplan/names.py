"""Finding a thing by the name a person types: an indicator, a scenario, a school, a 学区.

One rule everywhere: the id (code) or the full Chinese name finds it (full-width characters, spaces and
letter case ignored); otherwise an unambiguous part of a name does; otherwise the error names the
nearest names in Chinese (difflib over the names, plus ids), never a list of every id.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Hashable, Iterable, Sequence

from .errors import EduplanError


class NameNotFound(EduplanError):
    """No entry has this id or name, or a part of a name fits several entries (`ambiguous`)."""

    def __init__(self, message: str, ambiguous: bool = False):
        super().__init__(message)
        self.ambiguous = ambiguous


def norm(text: object) -> str:
    """The form two names are compared in: NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def find(text: str, entries: Iterable[tuple[Hashable, str, Sequence[str]]], what: str) -> Hashable:
    """The key of the entry `text` names. `entries`: (key, id shown to the user, [Chinese names…]).

    Exact id or name first; then an entry whose name (or id) contains the text, when only one does;
    else NameNotFound saying which entries fit (several) or which names are nearest (none)."""
    entries = list(entries)
    t = norm(text)
    if not t:
        raise NameNotFound(f"请给出{what}的名称或代码")
    for key, ident, names in entries:
        if t == norm(ident) or any(t == norm(n) for n in names):
            return key
    parts = [(key, ident, names) for key, ident, names in entries
             if t in norm(ident) or any(t in norm(n) for n in names if n)]
    if len(parts) == 1:
        return parts[0][0]
    if parts:
        shown = "、".join(label(ident, names) for _, ident, names in parts[:12])
        more = f" 等 {len(parts)} 个" if len(parts) > 12 else ""
        raise NameNotFound(f"“{text}”对应多个{what}：{shown}{more}；请给出完整名称或代码", ambiguous=True)
    raise NameNotFound(f"没有名为“{text}”的{what}" + nearest_hint(text, entries))


def label(ident: str, names: Sequence[str]) -> str:
    name = next((n for n in names if n), "")
    return f"{name}（{ident}）" if name and name != ident else str(ident)


def nearest_hint(text: str, entries: list[tuple[Hashable, str, Sequence[str]]], n: int = 5) -> str:
    """“；最接近的：学前三年毛入园率（preschool_gross_enrolment）、…” (empty when nothing is near)."""
    t = norm(text)
    scored = []
    for _, ident, names in entries:
        candidates = [norm(ident), *(norm(x) for x in names if x)]
        best = max(difflib.SequenceMatcher(None, t, c).ratio() for c in candidates)
        scored.append((best, label(ident, names)))
    scored.sort(key=lambda s: -s[0])
    near = [lab for score, lab in scored[:n] if score >= 0.3]
    if near:
        return f"；最接近的：{'、'.join(near)}"
    if len(entries) <= 12:  # a short list: all of it
        return f"；可用：{'、'.join(label(ident, names) for _, ident, names in entries)}"
    return ""
