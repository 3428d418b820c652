"""The web application (an output stage, like the CLI): `eduplan serve`.

Server-rendered Chinese pages for the bureau, 督学, schools and the public, and a JSON API under /api/v1,
over the same store and the same engine as the CLI. Owns: the application factory (`app`), route rules per
role (`rules`), the server's hold on the store and its result cache (`state`), security headers, sessions
and CSRF (`security`), templates and static assets (served by the application itself: nothing is fetched
from the internet). Pages live in `pages/<name>.py`, API routes in `api/<name>.py`; every module there with
a `router` is included, and every route declares who may call it (`rules`).
"""
