"""Mutation testing as a measured figure (issue 18): how many small, meaningful changes to the product
the test suite catches, per module.

`make mutation` (or `python tools/mutation.py`) runs mutmut 3 over eduplan/balance, ingest, indicators,
forecast and projects, and this file's own mutator over eduplan/indicators/definitions.yaml (mutmut
mutates only Python), and writes:

- out/mutation.json: {module: {killed, survived, total, timeout, suspicious, no_tests, equivalent, kill_rate, …}}
- out/mutation-survivors.txt: each surviving mutant: module, name, file:line and the diff.

Everything runs in a copy of the repository under out/mutation-work/ (mutmut's `mutants/` lands there,
never in the checkout). What is and is not mutated, and why, is in docs/testing.md. Options:
`--module balance` (repeatable), `--sample N` (N mutants per module, seeded, deterministic), `--jobs`.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(__file__).resolve().parent
YAML_MODULE = "indicators/definitions.yaml"
MODULES = {
    "balance": "eduplan/balance",
    "ingest": "eduplan/ingest",
    "indicators": "eduplan/indicators",
    "forecast": "eduplan/forecast",
    "projects": "eduplan/projects",
}
ALL_MODULES = [*MODULES, YAML_MODULE]
EQUIVALENT_FILE = TOOLS / "mutation_equivalent.txt"
# Tests that compare generated docs with the code: a mutant changing a help text or a definition fails them
# without any behaviour having changed, so they are no evidence of a kill.
NOT_EVIDENCE = ["tests/test_docs.py"]
# What a Chinese message looks like: prose (punctuation, spaces) or long; short literals such as '小学', '公办',
# '分年级学生数' or '无规划目标' are data and labels a user checks, and are still mutated.
_PROSE = re.compile(r"[\s，。：；！？、（）“”‘’《》…—]")


def _is_message(text: str) -> bool:
    """A string literal that is a user-facing sentence: not ASCII and prose-like or longer than 12 characters."""
    if text.isascii():
        return False
    return bool(_PROSE.search(text)) or len(text) > 12


# ----------------------------------------------------------------------------------------- the work copy

def prepare_copy(work: Path) -> Path:
    """A fresh copy of the repository's files (tracked and new, not ignored) at work/src, times kept."""
    src = work / "src"
    if src.exists():  # mutmut's mutants/ is kept: files whose text did not change are not mutated again
        for child in src.iterdir():
            if child.name != "mutants":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if not source.is_file():  # deleted in the working tree
            continue
        target = src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return src


def write_mutmut_config(src: Path, modules: list[str]) -> None:
    """mutmut reads [tool.mutmut] from pyproject.toml, else [mutmut] from setup.cfg: the copy gets a setup.cfg."""
    only = "\n".join(f"    {MODULES[m]}/*" for m in modules)
    deselect = "\n".join(f"    --ignore={p}" for p in NOT_EVIDENCE)
    text = (
        "[mutmut]\n"
        "source_paths = eduplan\n"
        f"only_mutate =\n{only}\n"
        "pytest_add_cli_args_test_selection =\n    tests\n"
        "pytest_add_cli_args =\n    -p\n    mutation_select\n    -p\n    no:cacheprovider\n"
        f"{deselect}\n"
        "use_git_change_detection = false\n"
    )
    (src / "setup.cfg").write_text(text, encoding="utf-8")


def patch_string_mutator() -> None:
    """Leave user-facing Chinese sentences alone (a changed message text is not the figure this measures);
    numbers, comparisons, arithmetic, booleans, arguments and short data literals are still mutated."""
    from mutmut.mutation import mutators

    original = mutators.operator_string

    def operator_string(node):
        value = getattr(node, "value", "")
        body = value.lstrip("rRbBuUfF")[1:-1]
        if _is_message(body):
            return
        yield from original(node)

    for i, (kind, op) in enumerate(mutators.mutation_operators):
        if op is original:
            mutators.mutation_operators[i] = (kind, operator_string)


# -------------------------------------------------------------------------------------------- results

@dataclass
class Mutant:
    module: str
    name: str
    status: str  # killed, survived, timeout, suspicious, no tests, skipped, segfault, equivalent
    where: str = ""
    diff: str = ""


@dataclass
class Tally:
    mutants: list[Mutant] = field(default_factory=list)
    generated: int = 0
    seconds: float = 0.0


def read_equivalents() -> dict[str, str]:
    out = {}
    if EQUIVALENT_FILE.exists():
        for line in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(" ")
            out[name] = reason.strip(" —-")
        return out
    return out


def module_of(mutant_name: str) -> str | None:
    for module, path in MODULES.items():
        if mutant_name.startswith(path.replace("/", ".") + "."):
            return module
    return None


def _where(src: Path, path: str, mutant_name: str, diff: str) -> str:
    """file:line of the changed line: the first removed line of the diff, found inside its function."""
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    func, cls = orig_function_and_class_names_from_key(mutant_name)
    text = (src / path).read_text(encoding="utf-8")
    lines = text.splitlines()
    start, end = 1, len(lines)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef) and cls and node.name == cls:
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub.name == func:
                    start, end = sub.lineno, sub.end_lineno or end
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not cls and node.name == func:
            start, end = node.lineno, node.end_lineno or end
            break
    removed = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    if removed:
        for i in range(start - 1, end):
            if lines[i].strip() == removed[0]:
                return f"{path}:{i + 1}"
    return f"{path}:{start}"


# ------------------------------------------------------------------------------------- the Python part

def pick(names: list[str], sample: int | None, seed: int, only: set[str] | None = None) -> list[str]:
    """The mutants to run: those named in `only` (--names), else `sample` of them chosen by a seeded hash of
    each name — a mutant whose function did not change keeps its chance, so a later run of changed code picks
    mostly the same mutants (before/after comparisons) — else all."""
    if only is not None:
        return sorted(n for n in names if n in only)
    if sample is None or sample >= len(names):
        return sorted(names)
    return sorted(sorted(names, key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())[:sample])


def run_mutmut(src: Path, modules: list[str], sample: int | None, seed: int, jobs: int, tally: dict,
               count_only: bool = False, keep_kills: bool = False, report_only: bool = False,
               only: set[str] | None = None) -> None:
    """Generate mutmut's mutants in the copy, pick them (all, or `sample` per module), run them, tally."""
    os.chdir(src)
    sys.path.insert(0, str(src / "tools"))  # the pytest plugin `mutation_select`
    write_mutmut_config(src, modules)
    from mutmut import __main__ as mm
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import (copy_also_copy_files, copy_src_dir, setup_source_paths,
                                         walk_mutatable_files)

    patch_string_mutator()
    t0 = time.monotonic()
    Path("mutants").mkdir(exist_ok=True)
    shutil.rmtree("mutants/tests", ignore_errors=True)  # a renamed or deleted test must not linger
    for data_file in Path("eduplan").rglob("*"):  # mutmut copies other files only once: refresh them
        if data_file.is_file() and data_file.suffix != ".py" and "__pycache__" not in data_file.parts:
            target = Path("mutants") / data_file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(data_file, target)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    mm.create_mutants(jobs)
    by_module: dict[str, list[str]] = {m: [] for m in modules}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name in data.exit_code_by_key:
            module = module_of(name)
            if module in by_module:
                by_module[module].append(name)
    chosen: list[str] = []
    for module, names in by_module.items():
        tally[module].generated = len(names)
        chosen += pick(names, sample, seed, only)
    print(f"mutation: {sum(len(v) for v in by_module.values())} mutants generated, {len(chosen)} to run "
          f"({time.monotonic() - t0:.0f} s)", file=sys.stderr, flush=True)
    if not chosen or count_only:
        return
    to_run = chosen
    if keep_kills:  # a kill recorded by an earlier run of this copy stands while its function is unchanged
        earlier = {}
        for path in walk_mutatable_files():
            data = SourceFileMutationData(path=path)
            data.load()
            earlier.update(data.exit_code_by_key)
        to_run = [n for n in chosen if status_by_exit_code[earlier.get(n)] not in ("killed", "timeout")]
        print(f"mutation: {len(chosen) - len(to_run)} kills kept from the earlier run, {len(to_run)} to run",
              file=sys.stderr, flush=True)
    original_runner = mm.get_mutant_runner

    def runner_without_clean_run(max_workers: int = 1):
        # mutmut runs the chosen mutants' tests once unmutated before the mutants; the statistics run has
        # just run every selected test unmutated (and stops when one fails), so that second run is skipped.
        runner = original_runner(max_workers)
        runner.run_clean_tests = lambda tests: 0
        return runner

    mm.get_mutant_runner = runner_without_clean_run
    t1 = time.monotonic()
    try:
        if to_run and not report_only:
            mm._run(to_run, jobs)
    except SystemExit as e:
        if e.code not in (0, None):
            raise
    seconds = time.monotonic() - t1
    equivalents = read_equivalents()
    wanted = set(chosen)
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in data.exit_code_by_key.items():
            if name not in wanted:
                continue
            module = module_of(name)
            status = status_by_exit_code[code]
            m = Mutant(module, name, "equivalent" if name in equivalents and status != "killed" else status)
            if m.status in ("survived", "no tests", "equivalent", "suspicious"):
                m.diff = get_diff_for_mutant(name, path=path)
                m.where = _where(src, str(path), name, m.diff)
            tally[module].mutants.append(m)
    for module in modules:
        tally[module].seconds = seconds * len(tally[module].mutants) / max(1, len(chosen))


# --------------------------------------------------------------------------------------- the YAML part

LEVEL_SWAP = {"学前": "小学", "小学": "初中", "初中": "小学", "高中": "中职", "中职": "高中", "特教": "小学",
              "公办": "民办", "民办": "公办", "是": "否"}
GRADE_SWAP = {f"P{i}": f"P{i + 1}" for i in range(1, 6)} | {"P6": "J1", "J1": "J2", "J2": "J3", "J3": "J2",
                                                            "K1": "K2", "K2": "K3", "K3": "K2"}
OP_SWAP = {"==": "!=", "!=": "==", ">=": ">", "<=": "<", ">": ">=", "<": "<="}
# the text a mutant may change; names, labels, definitions and sources are left alone (documentation)
YAML_KEYS = ("factor", "lag", "coef", "where", "expr", "direction", "domain")


@dataclass
class YamlMutant:
    name: str
    line: int
    before: str
    after: str


def yaml_mutants(text: str) -> list[YamlMutant]:
    """One small change per mutant, line by line: each number +1 (and a sign dropped), each comparison and
    boolean operator swapped, each level / ownership / grade literal swapped, transfers in ↔ out,
    direction up ↔ down."""
    out: list[YamlMutant] = []
    seen: dict[str, int] = {}

    def add(i: int, line: str, start: int, end: int, new: str, what: str) -> None:
        after = line[:start] + new + line[end:]
        if after != line:
            name = f"{YAML_MODULE}:{i + 1}:{what.replace(' ', '_')}"  # one token: names go in lists
            seen[name] = seen.get(name, 0) + 1
            name += f"#{seen[name]}" if seen[name] > 1 else ""
            out.append(YamlMutant(name, i + 1, line, after))

    key_value = re.compile(r"\b(" + "|".join(YAML_KEYS) + r"):\s*(\"[^\"]*\"|'[^']*'|[^,}\]]+)")
    for i, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("#"):
            continue
        for kv in key_value.finditer(line):
            key, value = kv.group(1), kv.group(2)
            vs = kv.start(2)
            if key in ("factor", "lag", "coef"):
                for num in re.finditer(r"-?\d+(?:\.\d+)?", value):
                    s, e = vs + num.start(), vs + num.end()
                    literal = num.group()
                    if "{" in value[:num.start()] and "}" in value[num.end():]:
                        continue  # an index inside a {setting} placeholder
                    bumped = repr(float(literal) + 1) if "." in literal else str(int(literal) + 1)
                    add(i, line, s, e, bumped, f"{key} {literal}→{bumped}")
                    if literal.startswith("-"):
                        add(i, line, s, e, literal[1:], f"{key} {literal}→{literal[1:]}")
            elif key == "where":
                for op in re.finditer(r"==|!=|>=|<=|(?<![-=])>|<(?!=)", value):
                    new = OP_SWAP[op.group()]
                    add(i, line, vs + op.start(), vs + op.end(), new, f"{op.group()}→{new}")
                for bo in re.finditer(r"\b(and|or|not in|in)\b", value):
                    new = {"and": "or", "or": "and", "in": "not in", "not in": "in"}[bo.group()]
                    if bo.group() == "in" and value[:bo.start()].endswith("not "):
                        continue
                    add(i, line, vs + bo.start(), vs + bo.end(), new, f"{bo.group()}→{new}")
                for lit in re.finditer(r"'([^']*)'", value):
                    word = lit.group(1)
                    new = LEVEL_SWAP.get(word) or GRADE_SWAP.get(word)
                    if new is None and word.isdigit():
                        new = str(int(word) + 1)  # a type code: '211' → '212'
                    if new:
                        add(i, line, vs + lit.start(1), vs + lit.end(1), new, f"'{word}'→'{new}'")
                for num in re.finditer(r"(?<![\w'{\[])\d+(?![\w'}\]])", value):
                    new = str(int(num.group()) + 1)
                    add(i, line, vs + num.start(), vs + num.end(), new, f"{num.group()}→{new}")
            elif key == "expr":
                swap = {"transfers_in": "transfers_out", "transfers_out": "transfers_in", "graduates": "pupils",
                        "q_postgrad": "teachers", "dual": "teachers", "staff": "teachers"}
                word = value.strip().strip('"')
                if word in swap:
                    s = vs + value.index(word)
                    add(i, line, s, s + len(word), swap[word], f"expr {word}→{swap[word]}")
            elif key == "direction":
                word = value.strip()
                new = {"down": "up", "up": "down"}.get(word)
                if new:
                    s = vs + value.index(word)
                    add(i, line, s, s + len(word), new, f"direction {word}→{new}")
            elif key == "domain":
                word = value.strip()
                new = {"share": "rate", "rate": "share", "ratio": "amount", "signed": "amount"}.get(word)
                if new:
                    s = vs + value.index(word)
                    add(i, line, s, s + len(word), new, f"domain {word}→{new}")
    return out


def yaml_tests(src: Path) -> list[str]:
    """The test files that compute indicators (the fast, hermetic tests among them are run), those working
    indicators by hand first (a mutant is usually caught there, and the run stops at the first failure)."""
    chosen = []
    for f in sorted((src / "tests").glob("test_*.py")):
        if f"tests/{f.name}" in NOT_EVIDENCE:
            continue
        text = f.read_text(encoding="utf-8")
        if "eduplan.indicators" in text or "compute(" in text or "indicators" in f.name:
            chosen.append(f"tests/{f.name}")
    first = ("tests/test_indicators.py", "tests/test_hand_wide_indicators.py", "tests/test_boundary_indicators.py",
             "tests/test_mutants_indicators.py", "tests/test_retention.py")
    return [t for t in first if t in chosen] + [t for t in chosen if t not in first]


def _pytest_in_fork(args: list[str], cpu_seconds: int | None = None) -> int:
    """pytest.main(args) in a forked child (the parent has imported everything once); its exit code."""
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            if cpu_seconds:
                import resource
                resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest
            code = int(pytest.main(args))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _run_yaml_here(src: Path, sample: int | None, seed: int, result_file: Path, kept: dict,
                   only: set[str] | None = None) -> None:
    """In a process of its own: import eduplan and the tests once from the copy, then each mutant in
    definitions.yaml, one at a time, with the indicator tests in a forked child (stopping at the first
    failure; caches emptied by the plugin); the file is restored after each."""
    os.chdir(src)
    sys.path[:0] = [str(src), str(src / "tools")]
    path = src / "eduplan" / "indicators" / "definitions.yaml"
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    mutants = yaml_mutants(original)
    generated = len(mutants)
    chosen = set(pick([m.name for m in mutants], sample, seed, only))
    mutants = [m for m in mutants if m.name in chosen]
    tests = yaml_tests(src)
    args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "mutation_select", "--rootdir", str(src), *tests]
    import pytest  # noqa: F401  (imported once, before the forks)
    import eduplan.indicators  # noqa: F401
    import eduplan.balance  # noqa: F401
    t0, c0 = time.monotonic(), os.times()
    if _pytest_in_fork(args) != 0:
        raise SystemExit("mutation: the indicator tests fail without any mutant (run them: pytest " +
                         " ".join(tests) + ")")
    c1 = os.times()
    cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    print(f"mutation: {len(mutants)} of {generated} definitions.yaml mutants, {len(tests)} test files "
          f"({time.monotonic() - t0:.0f} s, {cpu:.0f} s CPU per clean run)", file=sys.stderr, flush=True)
    results = []
    try:
        for k, m in enumerate(mutants, 1):
            earlier = kept.get(m.name)
            if earlier and (earlier["before"], earlier["after"]) == (m.before, m.after):
                results.append(earlier)
                continue
            mutated = lines.copy()
            end = "\n" if mutated[m.line - 1].endswith("\n") else ""
            mutated[m.line - 1] = m.after + end
            path.write_text("".join(mutated), encoding="utf-8")
            code = _pytest_in_fork(args, cpu_seconds=int(10 * cpu + 60))
            status = ("killed" if code in (1, 3) else "survived" if code == 0
                      else "timeout" if code in (-24, -9, 152) else "suspicious")
            results.append({"name": m.name, "line": m.line, "before": m.before, "after": m.after, "status": status})
            result_file.write_text(json.dumps({"generated": generated, "seconds": time.monotonic() - t0,
                                               "mutants": results}, ensure_ascii=False), encoding="utf-8")
            print(f"mutation: yaml {k}/{len(mutants)} {status}: {m.name}", file=sys.stderr, flush=True)
    finally:
        path.write_text(original, encoding="utf-8")
        result_file.write_text(json.dumps({"generated": generated, "seconds": time.monotonic() - t0,
                                           "mutants": results}, ensure_ascii=False), encoding="utf-8")


def run_yaml(src: Path, sample: int | None, seed: int, tally: Tally, keep_kills: bool = False,
             report_only: bool = False, only: set[str] | None = None) -> None:
    """The definitions.yaml mutants, run in a forked process so that this one imports nothing of eduplan
    (mutmut must import the mutated copy later)."""
    result_file = src.parent / "yaml-results.json"
    if report_only:
        if result_file.exists():
            _tally_yaml(json.loads(result_file.read_text(encoding="utf-8")), tally)
        return
    kept = {}
    if keep_kills and result_file.exists():
        kept = {r["name"]: r for r in json.loads(result_file.read_text(encoding="utf-8"))["mutants"]
                if r["status"] in ("killed", "timeout")}
        print(f"mutation: {len(kept)} definitions.yaml kills kept from the earlier run", file=sys.stderr)
    result_file.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _run_yaml_here(src, sample, seed, result_file, kept, only)
            code = 0
        except SystemExit as e:
            print(e, file=sys.stderr)
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if not result_file.exists():
        raise SystemExit("mutation: the definitions.yaml run failed (see above)")
    _tally_yaml(json.loads(result_file.read_text(encoding="utf-8")), tally)


def _tally_yaml(data: dict, tally: Tally) -> None:
    tally.generated, tally.seconds = data["generated"], data["seconds"]
    equivalents = read_equivalents()
    for r in data["mutants"]:
        status = r["status"]
        if status == "survived" and r["name"] in equivalents:
            status = "equivalent"
        diff = f"--- {YAML_MODULE}\n+++ {YAML_MODULE}\n@@ line {r['line']} @@\n-{r['before']}\n+{r['after']}"
        tally.mutants.append(Mutant(YAML_MODULE, r["name"], status, f"eduplan/{YAML_MODULE}:{r['line']}",
                                    "" if status in ("killed", "timeout") else diff))


# -------------------------------------------------------------------------------------------- reporting

def summarise(tally: dict[str, Tally], sample: int | None, seed: int) -> dict:
    out: dict = {}
    for module, t in tally.items():
        counts = {s: sum(1 for m in t.mutants if m.status == s) for s in
                  ("killed", "survived", "timeout", "suspicious", "no tests", "equivalent", "segfault", "skipped",
                   "not checked")}
        total = len(t.mutants) - counts["not checked"]
        detected = counts["killed"] + counts["timeout"]
        judged = total - counts["equivalent"] - counts["skipped"]
        out[module] = {
            "killed": counts["killed"],
            "survived": counts["survived"] + counts["no tests"],
            "total": total,
            "timeout": counts["timeout"],
            "suspicious": counts["suspicious"] + counts["segfault"],
            "no_tests": counts["no tests"],
            "equivalent": counts["equivalent"],
            "kill_rate": round(detected / judged, 4) if judged else None,
            "generated": t.generated,
            "sample": sample if sample is not None and sample < t.generated else None,
            "seconds": round(t.seconds, 1),
            "not_run": counts["not checked"],  # chosen but not run (a run stopped early: --report-only)
        }
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
            "seed": seed, "modules": out}


def write_outputs(out_dir: Path, tally: dict[str, Tally], summary: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "mutation.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    chunks = []
    for module, t in tally.items():
        for m in sorted(t.mutants, key=lambda m: m.name):
            if m.status in ("killed", "timeout", "not checked"):
                continue
            chunks.append(f"## {module} · {m.name} · {m.where} · {m.status}\n{m.diff}\n")
    (out_dir / "mutation-survivors.txt").write_text("\n".join(chunks), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", action="append", choices=ALL_MODULES,
                   help="only this module (repeatable); default: all")
    p.add_argument("--sample", type=int, help="run N mutants per module, chosen with --seed (default: all)")
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1: the machine is shared)")
    p.add_argument("--work", type=Path, default=ROOT / "out" / "mutation-work")
    p.add_argument("--out", type=Path, default=ROOT / "out")
    p.add_argument("--keep-kills", action="store_true",
                   help="do not run again a mutant an earlier run of the same work copy killed (its function "
                        "unchanged): after adding tests, only the survivors are run")
    p.add_argument("--names", type=Path,
                   help="run only the mutants named in this file (one a line, as in mutation-survivors.txt)")
    p.add_argument("--report-only", action="store_true",
                   help="run nothing: report what the work copy's earlier (perhaps stopped) run recorded")
    p.add_argument("--count", action="store_true", help="only generate the mutants and count them per module")
    a = p.parse_args(argv)
    os.nice(10)  # two cores shared with others: mutants run at low priority
    modules = a.module or ALL_MODULES
    only = None
    if a.names:
        listed = [ln.strip() for ln in a.names.read_text(encoding="utf-8").splitlines()
                  if ln.strip() and not ln.startswith("#")]
        only = {ln.split()[0] for ln in listed} | set(listed)  # a name, or a name followed by a note
    py_modules = [m for m in modules if m in MODULES]
    out_dir = a.out.resolve()
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    src = prepare_copy(work)
    tally = {m: Tally() for m in modules}
    if a.count:
        if YAML_MODULE in modules:
            print(f"{YAML_MODULE:30} {len(yaml_mutants((src / 'eduplan' / YAML_MODULE).read_text('utf-8')))}")
        if py_modules:
            run_mutmut(src, py_modules, a.sample, a.seed, a.jobs, tally, count_only=True)
            for m in py_modules:
                print(f"{m:30} {tally[m].generated}")
        return 0
    if YAML_MODULE in modules:
        run_yaml(src, a.sample, a.seed, tally[YAML_MODULE], keep_kills=a.keep_kills, report_only=a.report_only,
                 only=only)
    if py_modules:
        run_mutmut(src, py_modules, a.sample, a.seed, a.jobs, tally, keep_kills=a.keep_kills,
                   report_only=a.report_only, only=only)
    summary = summarise(tally, a.sample, a.seed)
    write_outputs(out_dir, tally, summary)
    for module, s in summary["modules"].items():
        rate = "—" if s["kill_rate"] is None else f"{100 * s['kill_rate']:.1f} %"
        sample = f" (sample of {s['total']} from {s['generated']})" if s["sample"] else ""
        print(f"{module:30} {s['killed'] + s['timeout']:5}/{s['total'] - s['equivalent']:<5} killed  {rate}{sample}")
    print(f"written: {out_dir / 'mutation.json'}, {out_dir / 'mutation-survivors.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
