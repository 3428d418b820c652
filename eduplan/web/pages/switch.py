"""The 含待审核数据 switch (POST /figures/pending, bureau roles): figures computed with the collection's pending
submissions applied, or on approved data only (the default, and always on the public pages). The choice is a
cookie of the browser; every page then says which figures it shows (base.html banner). eduplan.web.state
explains how the figures are computed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from ..rules import BUREAU
from ..security import cookie_header, is_tls
from ..state import PENDING_COOKIE

router = APIRouter()


def _local(target: str | None) -> str:
    """Where to go back to: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/overview"
    return target


@router.post("/figures/pending", dependencies=[BUREAU])
def switch(request: Request, on: Annotated[bool, Form()] = False, next: Annotated[str | None, Form(max_length=500)] = None):
    """Turn 含待审核数据 on or off for this browser (a cookie), then back to the page it came from."""
    response = RedirectResponse(_local(next), status_code=303)
    value = "1" if on else "0"
    response.raw_headers.append((b"set-cookie", cookie_header(PENDING_COOKIE, value, secure=is_tls(request.scope),
                                                              max_age=30 * 86400)))
    return response
