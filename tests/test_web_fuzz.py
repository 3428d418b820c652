"""The application fuzzed from its own OpenAPI document: no input gets a 500.

A real `eduplan serve` (tools/live_server.py) on 127.0.0.1 over this module's own copy of the demo store — the
fuzzer posts, undoes batches and fails logins, so it must not share a store (or the login throttle of
127.0.0.1) with other tests. schemathesis reads /api/v1/openapi.json; for every operation it documents,
hypothesis generates a bounded number of requests (valid ones and, fewer, invalid ones; derandomized, so a run
is repeatable) sent with a staff user's API token and again with a 学校 user's; an operation with path
parameters is fuzzed once more with them set to real identifiers (a school, an indicator, a batch), so that the
generated query parameters reach the code behind a found row. Every answer must be below 500
and come within TIMEOUT seconds. Operations that may end the caller's own token or log it in or out run last.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from test_web_rules import catalogue, kind, value_for

pytestmark = pytest.mark.slow

POSITIVE = 15  # generated requests per operation and role that fit the schema
NEGATIVE = 8  # … that do not
REAL = 5  # … that fit, with the path parameters set to real identifiers of the store
TIMEOUT = 120  # seconds one request may take
BUDGET = 1500  # seconds for the whole fuzz: past it the test fails naming the operations not reached
ROLES = ("staff", "school")


def _last(path: str, method: str) -> bool:
    """Operations that may revoke the caller's token or sign in or out: fuzzed after the others."""
    return method == "DELETE" or any(w in path for w in ("token", "login", "logout", "password"))


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    """`eduplan serve` over a copy of the demo store with a staff and a 学校 user, each with spare API tokens
    (numbered after 300 unrelated ones, so that a fuzzed DELETE /api/v1/auth/tokens/{small id} seldom hits
    them; when one is revoked anyway the next is used)."""
    import secrets
    import shutil

    import live_server  # tools/live_server.py (on the path through tests/web_live.py)

    from eduplan import access
    from eduplan.store import Store
    from eduplan.web.assets import missing_message

    problem = missing_message()
    if problem:
        pytest.fail(problem)
    folder = tmp_path_factory.mktemp("web-fuzz")
    db = folder / "fuzz.duckdb"
    shutil.copyfile(demo_store, db)
    tokens: dict[str, list[str]] = {}
    with Store(db) as store:
        school = store.one("SELECT school_code FROM school WHERE type_code = '211' ORDER BY 1 LIMIT 1")[0]
        cat = catalogue(store)
        other = access.add_user(store, "fuzz-other", "inspector", "Pw-" + secrets.token_urlsafe(12), actor="测试")
        for i in range(300):
            access.create_token(store, other, f"占位 {i}")
        for role in ROLES:
            user = access.add_user(store, f"fuzz-{role}", role, "Pw-" + secrets.token_urlsafe(12), actor="测试",
                                   school_code=school if role == "school" else None)
            tokens[role] = [access.create_token(store, user, f"模糊测试 {i}", expires_hours=24)[1] for i in range(4)]
    try:
        live = live_server.start(db, log=folder / "server.log")
    except live_server.LiveServerError as e:
        pytest.fail(str(e))
    live.tokens, live.cat, live.school = tokens, cat, school
    try:
        yield live
    finally:
        live.stop()


def test_no_operation_answers_500(server, tmp_path, monkeypatch):
    import requests
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation.modes import GenerationMode

    monkeypatch.chdir(tmp_path)  # schemathesis keeps a cache in ./.schemathesis: not in the checkout
    schema = schemathesis.openapi.from_url(server.url + "/api/v1/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    operations.sort(key=lambda op: (_last(op.path, op.method.upper()), op.path, op.method))
    assert len(operations) >= 20, [op.label for op in operations]
    session = requests.Session()
    failures: list[str] = []
    counts = {"requests": 0, "operations": 0}
    started = time.monotonic()
    not_reached: list[str] = []

    def real_path(op, i: int) -> dict[str, str] | None:
        """Real values for the operation's path parameters (the i-th indicator, the 学校 user's school, the last
        batch …); None when it has none."""
        names = re.findall(r"{([^}:]+)", op.path)
        if not names:
            return None
        out = {}
        for name in names:
            k = kind(name, int if name.endswith("_id") and "indicator" not in name else str, op.path)
            out[name] = (server.cat.indicators[i % len(server.cat.indicators)] if k == "indicator"
                         else value_for(k, server.cat, server.school))
        return out

    def bearer(role: str) -> dict[str, str]:
        """The role's current token; the next one when the fuzzer revoked it."""
        while server.tokens[role]:
            headers = {"Authorization": f"Bearer {server.tokens[role][0]}"}
            if session.get(server.url + "/api/v1/auth/me", headers=headers, timeout=TIMEOUT).status_code == 200:
                return headers
            server.tokens[role].pop(0)
        raise AssertionError(f"every API token of the {role} user was revoked by the fuzzer")

    def fuzz(op, mode, n: int, who: str, headers: dict[str, str], path: dict[str, str] | None = None) -> None:
        """`n` generated requests of one operation (no shrinking: every failure is recorded, none raised)."""

        @settings(max_examples=n, derandomize=True, database=None, deadline=None, print_blob=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode, path_parameters=path))
        def run(case):
            counts["requests"] += 1
            try:
                response = case.call(base_url=server.url, session=session, headers=headers, timeout=TIMEOUT)
            except requests.Timeout:
                failures.append(f"{who} {op.label}: no answer in {TIMEOUT} s — {case.as_curl_command()}")
                return
            if response.status_code >= 500:
                failures.append(f"{who} {op.label}: {response.status_code} {response.text[:160]} — "
                                f"{case.as_curl_command()}")

        try:
            run()
        except Unsatisfiable:  # no request of this kind can be made (e.g. nothing invalid to send): nothing to fuzz
            pass

    for role in ROLES:
        for i, op in enumerate(operations):
            if time.monotonic() - started > BUDGET:
                not_reached.append(f"{role} {op.label}")
                continue
            headers = bearer(role)
            for mode, n in ((GenerationMode.POSITIVE, POSITIVE), (GenerationMode.NEGATIVE, NEGATIVE)):
                fuzz(op, mode, n, f"{role} {mode.value}", headers)
            path = real_path(op, i)
            if path:
                fuzz(op, GenerationMode.POSITIVE, REAL, f"{role} real {path}", headers, path)
            counts["operations"] += 1
    elapsed = time.monotonic() - started
    print(f"fuzz: {counts['operations']} operation runs, {counts['requests']} requests, {elapsed:.0f} s")
    log = Path(server.log).read_text(encoding="utf-8", errors="replace")
    assert failures == [], (f"{len(failures)} of {counts['requests']} fuzzed requests got a server error or no "
                            "answer:\n" + "\n".join(failures[:40]) + "\n--- server log (end) ---\n" + log[-4000:])
    assert not_reached == [], f"the fuzz took over {BUDGET} s; not fuzzed: {not_reached}"
    assert counts["requests"] >= len(operations) * len(ROLES) * 5
