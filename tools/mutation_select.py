"""A pytest plugin for mutation runs (`tools/mutation.py`): keeps only the fast, hermetic tests.

A mutant lives only inside the test process, so a test that runs `eduplan` in a child process cannot
see it, and a test that reads a session store (the demo district, 江湾区) reads data built once, before
the mutant was switched on. Both are left out of mutation runs; so is every test marked `slow`.
Load it with `-p mutation_select` (tools/ on sys.path).

mutmut runs each mutant in a process forked from the one that collected its statistics, so whatever a
module cached there (a store built once per session, an `lru_cache`) would be the unmutated code's result
and, for a store in a temporary folder, may have been deleted since. Each session therefore starts with
those caches emptied: the tests' module-level lists of built stores, every `functools` cache of
eduplan and of the tests' helper modules, eduplan's module-level `_…CACHE…` dicts; and the compiled-SQL disk
cache is switched off (EDUPLAN_CACHE_DIR=off).
"""

from __future__ import annotations

import ast
import inspect
import textwrap

SESSION_STORES = {"demo_store", "jiangwan_store"}
# Tests that fail on the unmutated code (another change in flight): found during mutmut's statistics run
# (MUTANT_UNDER_TEST=stats), reported as skipped there, and left out of every later session — a test that
# fails anyway is no evidence of a kill. Kept in this process; mutant runs are forked from it.
FAILING_UNMUTATED: set[str] = set()


def pytest_sessionstart(session):
    import os
    import re
    import sys
    from pathlib import Path

    os.environ["EDUPLAN_CACHE_DIR"] = "off"  # compiled SQL kept on disk would hide a mutant of the compiler

    tests = Path(str(session.config.rootpath)) / "tests"
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        ours = name == "eduplan" or name.startswith("eduplan.")
        helper = file.startswith(str(tests)) and not Path(file).name.startswith("test_")
        if not (ours or helper):
            continue
        for attr, value in list(vars(module).items()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
            elif ours and isinstance(value, (dict, list)) and re.fullmatch(r"_[A-Z_]*CACHE[A-Z_]*", attr):
                value.clear()  # a module-level cache (engine._SQL_CACHE, plan.binding._CACHE)
            elif helper and attr.startswith("_") and isinstance(value, list) and value and \
                    all(isinstance(v, Path) for v in value):
                value.clear()  # a store built once per session (conftest._DEMO, hand_wide._BUILT, …)


def _calls_subprocess(item) -> bool:
    """The test function, or a module-level function it calls, starts a child process."""
    function = getattr(item, "function", None)
    module = getattr(item, "module", None)
    if function is None or module is None:
        return False
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return False
    sources = [source]
    try:
        called = {n.func.id for n in ast.walk(ast.parse(source))
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    except SyntaxError:
        called = set()
    for name in called:
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__:
            try:
                sources.append(inspect.getsource(helper))
            except (OSError, TypeError):
                pass
    return any("subprocess." in s or "Popen(" in s for s in sources)


def excluded(item) -> str | None:
    """Why a test is left out of mutation runs (None: it is kept)."""
    if item.get_closest_marker("slow") is not None:
        return "slow"
    if SESSION_STORES & set(getattr(item, "fixturenames", ())):
        return "session store"
    if _calls_subprocess(item):
        return "subprocess"
    return None


import pytest  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    import os
    import sys

    outcome = yield
    report = outcome.get_result()
    if report.failed and os.environ.get("MUTANT_UNDER_TEST") == "stats":
        FAILING_UNMUTATED.add(item.nodeid)
        print(f"\nmutation: {item.nodeid} fails without any mutant: left out", file=sys.stderr)
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, "fails without any mutant (left out)")


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        (drop if excluded(item) or item.nodeid in FAILING_UNMUTATED else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
