"""One whole-process run of every `eduplan` command, through the installed console script.

Everything a command does is tested in this process (tests/helpers.eduplan, typer's CliRunner): these runs check
only what a process of its own adds — the entry point `eduplan.cli.app:main` is installed and imports, each command
is registered under its name and answers, its help ends with an example, the exit code reaches the shell, and
stdout carries only the report (JSON) while progress and errors go to stderr. The list of commands is read from
the app, so a new command gets its smoke test without an edit here. Marked slow: each starts Python and eduplan.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from eduplan.cli.app import app
from helpers import SMALL, write_small

SCRIPT = Path(sys.executable).parent / "eduplan"  # the console script pip installed next to this interpreter


def _commands(cmd, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf command of the app as its words (`("db", "status")`)."""
    subs = getattr(cmd, "commands", None)
    if not subs:
        return [path]
    return [p for name, sub in sorted(subs.items()) for p in _commands(sub, (*path, name))]


COMMANDS = _commands(typer.main.get_command(app))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: install the package (make setup)"
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def _help(words: tuple[str, ...], tmp_path: Path) -> None:
    r = run(*words, "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    usage = next(line for line in r.stdout.splitlines() if line.strip())
    assert f"eduplan {' '.join(words)} " in usage  # the usage line, under the script's name
    flat = "".join(r.stdout.split())  # without spaces: the terminal may wrap a line inside a word
    assert f"例：eduplan{''.join(words)}" in flat  # the docstring ends with an example
    assert r.stderr == ""
    assert list(tmp_path.iterdir()) == []  # help writes nothing


def _import(tmp_path: Path) -> None:
    """A real import: the report is the only thing on stdout (one JSON document), progress goes to stderr."""
    db = tmp_path / "s.duckdb"
    paths = [str(p) for p in write_small(tmp_path / "src")]
    r = run("import", *paths, "--db", str(db), "--format", "json", "--user", "统计科", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is True and doc["errors"] == [] and len(doc["files"]) == len(SMALL)
    assert f"{len(SMALL)}/{len(SMALL)}" in r.stderr  # the progress bar: every file read
    assert "Traceback" not in r.stderr


def _db_status(tmp_path: Path) -> None:
    """A real failure: exit code 1, the Chinese message on stderr, nothing on stdout, nothing created."""
    missing = tmp_path / "nope.duckdb"
    r = run("db", "status", "--db", str(missing), "--format", "json", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout == ""
    assert f"“{missing}”不存在" in "".join(r.stderr.split())  # (the terminal may wrap the line)
    assert "Traceback" not in r.stderr and not missing.exists()


REAL_RUNS = {("import",): _import, ("db", "status"): _db_status}


@pytest.mark.slow
@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_command_runs_as_its_own_process(words: tuple[str, ...], tmp_path: Path):
    if words in REAL_RUNS:
        REAL_RUNS[words](tmp_path)
    else:
        _help(words, tmp_path)


def test_every_command_has_a_smoke_test():
    """The list is the app's: the two real runs name commands that exist, and there are at least the commands
    this suite was written against."""
    assert set(REAL_RUNS) <= set(COMMANDS)
    assert {("import",), ("demo",), ("summary",), ("indicators",), ("explain",), ("quality",), ("balance",),
            ("forecast",), ("projects",), ("export",), ("template",), ("docs",), ("db", "status"),
            ("db", "history"), ("db", "undo"), ("db", "backup"), ("db", "restore"), ("db", "verify"),
            ("plan", "use"), ("plan", "show"), ("plan", "check"), ("plan", "history")} <= set(COMMANDS)
