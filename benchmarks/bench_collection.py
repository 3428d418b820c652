"""Benchmark of the annual data collection (issue 13): each step of a round, on the city and on the demo store.

Stores: a copy of the 1× city (benchmarks/city.py: 17 districts, 2,601 schools, ten years; built once into
out/bench/cities/) and, for comparison, a copy of the demo store out/demo.duckdb (one district, 153 schools; `make
demo`; left out, with a note, when it is not there, or with `--skip-demo`). The round is for the year after the
store's last one (2026), so that every template is pre-filled with the school's rows of the year before, as in an
autumn round.

Each run, on a fresh copy of the store, times with eduplan.collection (the functions the web pages and `eduplan
collection` call):
  1. open a round for every district, every collectable table (open_round);
  2. a school's pre-filled 分年级学生数 template (write_template) and its submission unchanged (submit: read,
     validate, the round's checks, store 待审核);
  3. the review of that submission (review: the diff against last year, and every data-quality rule run with the
     submission applied in a rolled-back transaction) — then each rule of eduplan.quality.RULES alone, with the
     submission applied the same way, to see which one the review's time goes to;
  4. approve (an import batch and a lock); 5. the board of the round (every school × every table).
On a second copy, kept for the whole benchmark, every school of one district (420104) with last year's rows submits
its pre-filled template once (not timed: the setup); then each run times `pending_overlay` entered and left with N
pending submissions (N = 1, 50, all of them; the others set 已退回 for the measurement), and the district's
indicator report of the round's year (indicators.report.build_reports, as `eduplan indicators` and the web page
compute it: every indicator of the store, then the district's report) without and inside the overlay with all N
pending — the ratio is taken within each run, since the machine is shared and noisy.

A warm-up run (imports, the compiled SQL, the first template) comes first and is reported apart. Medians of
`--runs` runs (wall and process CPU time) go to out/bench/collection.json (`--output`) with the machine, load
average, commit and date; docs/performance.md (section "Collection") quotes them.

`--copies N` runs on the city × N instead (benchmarks/city.py), `--no-overlay` leaves out the overlay and the report.

Run: .venv/bin/python benchmarks/bench_collection.py [--runs 5] [--skip-demo] [--copies 1] [--no-overlay]
     [--output out/bench/collection.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DISTRICT = "420104"  # the demo's district, also one of the city's 17 (its own seed there)
DEADLINE = date(2026, 10, 31)
PENDING_COUNTS = (1, 50, None)  # None: every school of the district that can submit
STAFF = ("bench-staff", "staff")


class Timer:
    """Wall and process-CPU seconds of named steps, run after run."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        w, c = time.perf_counter(), time.process_time()
        yield
        self.wall.setdefault(name, []).append(time.perf_counter() - w)
        self.cpu.setdefault(name, []).append(time.process_time() - c)

    def last(self, name: str) -> float:
        return self.wall[name][-1]

    def summary(self) -> dict[str, dict[str, Any]]:
        return {k: {"median_ms": round(statistics.median(v) * 1000, 1),
                    "cpu_median_ms": round(statistics.median(self.cpu[k]) * 1000, 1),
                    "runs_ms": [round(x * 1000, 1) for x in v]} for k, v in self.wall.items()}


def copy_store(source: Path, target: Path) -> Path:
    """`source` copied to `target` (its WAL too, if any)."""
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def remove_store(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def choose(store, year: int) -> tuple[str, list[str]]:
    """(the school whose submission the flow times: the district's first 小学 with last year's rows, every school of
    the district with last year's 分年级学生数 rows — those whose pre-filled template can be submitted unchanged)."""
    schools = [r[0] for r in store.run(
        "SELECT DISTINCT e.school_code FROM enrolment e JOIN school s USING (school_code) "
        "WHERE s.district_code = ? AND e.year = ? ORDER BY 1", [DISTRICT, year - 1])]
    first = store.one("SELECT min(e.school_code) FROM enrolment e JOIN school s USING (school_code) "
                      "WHERE s.district_code = ? AND e.year = ? AND s.type_code = '211'", [DISTRICT, year - 1])[0]
    if not schools or first is None:
        raise SystemExit(f"库中区 {DISTRICT} 没有 {year - 1} 年的分年级学生数，无法预填采集模板")
    return first, schools


def flow_run(db: Path, year: int, school: str, folder: Path, timer: Timer, rules: bool) -> dict[str, Any]:
    """One round's steps on the store at `db` (a fresh copy): open, template, submit, review (and each rule alone),
    approve, board."""
    from eduplan import collection as C
    from eduplan.collection.overlay import applied
    from eduplan.collection.template import write_template
    from eduplan.quality import RULES
    from eduplan.store import Store

    staff = C.Actor(*STAFF)
    pupil = C.Actor("bench-school", "school", school)
    with Store(db) as store:
        with timer("open a round (all districts, all tables)"):
            rid = C.open_round(store, staff, year, list(C.COLLECTABLE), DEADLINE)
        path = folder / f"{school}-分年级学生数.xlsx"
        with timer("pre-filled template (write_template)"):
            write_template(store, rid, school, "enrolment", path)
        with timer("submit the template (validate, store 待审核)"):
            res = C.submit(store, pupil, rid, [path])
        if not res.accepted:
            raise SystemExit("提交被拒：" + "；".join(i.text() for i in res.report.errors[:5]))
        sid = res.submissions[0]
        with timer("review (diff + every quality rule, rolled back)"):
            rev = C.review(store, sid)
        if rules:
            sub = C.submission(store, sid)
            with timer("  the submission applied and rolled back (no rule)"):
                with applied(store, [sub], "基准测试"):
                    pass
            with applied(store, [sub], "基准测试"):
                for rule in RULES:
                    with timer(f"  rule {rule.id}"):
                        rule.check(store, {year})
        with timer("approve (import batch + lock)"):
            batch = C.approve(store, staff, sid)
        with timer("board of the round (every school × table)"):
            b = C.board(store, rid, today=DEADLINE)
    return {"round": rid, "submission": sid, "rows": len(rev["rows"]), "flags": [f["rule"] for f in rev["flags"]],
            "batch": batch, "board_rows": len(b["rows"]), "board_schools": b["schools"]}


def prepare_pending(db: Path, year: int, schools: list[str], folder: Path) -> tuple[int, list[int]]:
    """A round on the store at `db` with every school of `schools` having submitted its pre-filled 分年级学生数
    (pending); (round id, the submission ids in school order)."""
    from eduplan import collection as C
    from eduplan.collection.template import write_template
    from eduplan.store import Store

    ids = []
    with Store(db) as store:
        rid = C.open_round(store, C.Actor(*STAFF), year, ["enrolment"], DEADLINE, district_code=DISTRICT)
        t0 = time.perf_counter()
        for i, school in enumerate(schools, 1):
            path = folder / f"pending-{school}.xlsx"
            write_template(store, rid, school, "enrolment", path)
            res = C.submit(store, C.Actor("bench-school", "school", school), rid, [path])
            if not res.accepted:
                raise SystemExit(f"学校 {school} 的提交被拒：" + "；".join(i.text() for i in res.report.errors[:5]))
            ids += res.submissions
            path.unlink()
            if i % 25 == 0 or i == len(schools):
                print(f"  待审核提交 {i}/{len(schools)}（{time.perf_counter() - t0:.0f} 秒）", flush=True)
    return rid, ids


def set_pending(store, ids: list[int], n: int) -> None:
    """The first `n` of the setup's submissions pending, the rest 已退回 (for one measurement)."""
    keep = ", ".join(str(i) for i in ids[:n])
    store.run("UPDATE submission SET status = CASE WHEN submission_id IN (" + keep + ") THEN 'pending' "
              "ELSE 'returned' END WHERE submission_id IN (" + ", ".join(map(str, ids)) + ")")


def pending_run(store, ids: list[int], timer: Timer, report, plain_first: bool) -> dict[str, Any]:
    """One run of the overlay measurements on the store with the setup's submissions."""
    from eduplan.collection import pending_overlay

    out: dict[str, Any] = {}
    for n in PENDING_COUNTS:
        n = len(ids) if n is None else n
        set_pending(store, ids, n)
        label = f"N = {n}" if n < len(ids) else f"N = {n} (every school of {DISTRICT})"
        cm = pending_overlay(store)
        with timer(f"pending_overlay entry, {label}"):
            applied = cm.__enter__()
        with timer(f"pending_overlay exit (rollback), {label}"):
            cm.__exit__(None, None, None)
        out[n] = applied
    # N = all: the district's report of the round's year without and with the submissions, one after the other
    # (which comes first alternates from run to run)
    def plain() -> dict[str, Any]:
        with timer("indicator report, approved data only"):
            return report()

    def overlaid() -> dict[str, Any]:
        with timer("indicator report 含待审核数据 (overlay entry + report + exit)"):
            with pending_overlay(store):
                with timer("indicator report inside the overlay (report alone)"):
                    return report()

    if plain_first:
        values = (count_values(plain()), count_values(overlaid()))
    else:
        values = tuple(reversed((count_values(overlaid()), count_values(plain()))))
    out["values"] = values
    return out


def count_values(rep: dict[str, Any]) -> int:
    """The report's values that are not missing (what the overlay adds shows here)."""
    n = 0
    for ind in rep.get("indicators", []):
        for e in ind["values"]:
            n += e.get("value") is not None
    return n


def bench_store(name: str, source: Path, runs: int, folder: Path, rules: bool, overlay: bool = True) -> dict[str, Any]:
    """Every measurement on one store (`source` is copied; never written)."""
    from eduplan import collection as C
    from eduplan.indicators import IndicatorSettings, load_definitions
    from eduplan.indicators.report import build_reports
    from eduplan.plan.scope import scopes
    from eduplan.settings import load_section
    from eduplan.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    base = copy_store(source, folder / "base.duckdb")
    with Store(base) as store:  # an older store is brought up to the current schema once, here
        year = store.one("SELECT max(year) FROM enrolment")[0] + 1
        school, schools = choose(store, year)
        stats = {"districts": store.one("SELECT count(*) FROM district")[0],
                 "schools": store.one("SELECT count(*) FROM school")[0],
                 "enrolment_rows": store.one("SELECT count(*) FROM enrolment")[0],
                 "collectable_tables": list(C.COLLECTABLE)}
        store.run("CHECKPOINT")
    print(f"[{name}] {stats['districts']} 个区，{stats['schools']:,} 所学校，{stats['enrolment_rows']:,} 行分年级学生数；"
          f"采集 {year} 年，计时学校 {school}", flush=True)

    flow = Timer()
    warm = Timer()
    facts = {}
    for i in range(runs + 1):
        db = copy_store(base, folder / "run.duckdb")
        t = warm if i == 0 else flow
        facts = flow_run(db, year, school, folder, t, rules)
        remove_store(db)
        print(f"[{name}] 流程第 {i} 次{'（预热）' if i == 0 else ''}："
              f"审核 {t.last('review (diff + every quality rule, rolled back)') * 1000:.0f} ms，"
              f"看板 {t.last('board of the round (every school × table)') * 1000:.0f} ms", flush=True)

    out = {"store": {"name": name, **stats}, "year": year, "school": school, "district": DISTRICT,
           "flow": flow.summary(), "warmup": warm.summary(), "facts": facts}
    if not overlay:
        remove_store(base)
        return out
    print(f"[{name}] 准备 {len(schools)} 份待审核提交（区 {DISTRICT} 的每所学校，不计时）…", flush=True)
    pend = copy_store(base, folder / "pending.duckdb")
    t0 = time.perf_counter()
    _, ids = prepare_pending(pend, year, schools, folder)
    setup_s = time.perf_counter() - t0
    timer = Timer()
    ratios = []
    settings = load_section("indicators", IndicatorSettings)
    defs = load_definitions(settings)
    with Store(pend) as store:
        scope = scopes(store, DISTRICT, None)[0]

        def report() -> dict[str, Any]:
            return build_reports(store, [scope], defs, settings, year)[0]

        result: dict[str, Any] = {}
        for i in range(runs + 1):
            t = warm if i == 0 else timer
            result = pending_run(store, ids, t, report, plain_first=i % 2 == 0)
            ratio = t.last("indicator report inside the overlay (report alone)") / t.last(
                "indicator report, approved data only")
            if i:
                ratios.append(ratio)
            print(f"[{name}] 含待审核数据第 {i} 次{'（预热）' if i == 0 else ''}：报告 "
                  f"{t.last('indicator report, approved data only') * 1000:.0f} ms / 含待审核 "
                  f"{t.last('indicator report inside the overlay (report alone)') * 1000:.0f} ms（{ratio:.2f}×）",
                  flush=True)
    remove_store(pend)
    remove_store(base)
    return {**out, "pending_schools": len(ids), "pending_setup_s": round(setup_s, 1),
            "pending_submit_mean_ms": round(setup_s * 1000 / max(1, len(ids)), 1),
            "overlay": timer.summary(), "warmup": warm.summary(),
            "report_ratio_overlay_over_plain": {"median": round(statistics.median(ratios), 2),
                                                "runs": [round(r, 2) for r in ratios]},
            "report_values": {"approved": result["values"][0], "with_pending": result["values"][1]}}


def print_table(results: list[dict[str, Any]]) -> None:
    names = [r["store"]["name"] for r in results]
    rows: dict[str, list[str]] = {}
    for r in results:
        for part in ("flow", "overlay"):
            for k, v in r.get(part, {}).items():
                rows.setdefault(k, ["—"] * len(results))[names.index(r["store"]["name"])] = (
                    f"{v['median_ms']:,.1f} ms（CPU {v['cpu_median_ms']:,.1f}）")
    width = max(len(k) for k in rows) + 2
    print(f"\n{'步骤（中位数）':<{width}}" + "".join(f"{n:>30}" for n in names))
    for k, cells in rows.items():
        print(f"{k:<{width}}" + "".join(f"{c:>30}" for c in cells))
    for r in (r for r in results if "overlay" in r):
        q = r["report_ratio_overlay_over_plain"]
        print(f"{r['store']['name']}：含待审核数据的指标报告 ÷ 仅正式数据 = {q['median']}×（各次 {q['runs']}）；"
              f"报告数值 {r['report_values']['approved']} → {r['report_values']['with_pending']}")
    for r in results:
        f = r["facts"]
        print(f"{r['store']['name']}：审核 {f['rows']} 行，提示 {f['flags']}；"
              f"看板 {f['board_rows']:,} 行（{f['board_schools']:,} 所学校）")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from benchmarks.bench_web import commit, machine
    from benchmarks.city import cached_city

    p = argparse.ArgumentParser(description="数据采集各步骤的基准（全市与演示库）")
    p.add_argument("--runs", type=int, default=5, help="计时的次数（另有一次预热；默认 5）")
    p.add_argument("--copies", type=int, default=1, help="全市数据的倍数（benchmarks/city.py，默认 1）")
    p.add_argument("--no-overlay", action="store_true", help="不测含待审核数据（pending_overlay 与指标报告）")
    p.add_argument("--demo", type=Path, default=None,
                   help="演示库（默认 out/demo.duckdb，由 make demo 生成；默认的不存在时只测全市）")
    p.add_argument("--skip-demo", action="store_true", help="只测全市")
    p.add_argument("--no-rules", action="store_true", help="不逐条计时质量规则")
    p.add_argument("--output", type=Path, default=ROOT / "out" / "bench" / "collection.json")
    args = p.parse_args(argv)

    load_before = os.getloadavg()
    started = datetime.now(timezone.utc)
    city, _ = cached_city(ROOT / "out" / "bench" / "cities", args.copies, progress=True)
    stores = [(f"city {args.copies}×", city)]
    demo = args.demo or ROOT / "out" / "demo.duckdb"
    if not args.skip_demo:
        if demo.exists():
            stores.append(("demo", demo))
        elif args.demo is not None:
            raise SystemExit(f"没有演示库 {demo}：先运行 make demo，或加 --skip-demo")
        else:
            print(f"没有演示库 {demo}（make demo 生成）：只测全市", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="eduplan-bench-collection-") as tmp:
        for i, (name, source) in enumerate(stores):
            results.append(bench_store(name, source, args.runs, Path(tmp) / f"s{i}", not args.no_rules,
                                       not args.no_overlay))
    report = {"benchmark": "collection", "date": started.isoformat(timespec="seconds"),
              "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit(),
              "machine": machine(), "load_average_before": [round(x, 2) for x in load_before],
              "load_average_after": [round(x, 2) for x in os.getloadavg()], "runs": args.runs, "stores": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print_table(results)
    print(f"平均负载 {report['load_average_before'][0]} → {report['load_average_after'][0]}；结果写入 {args.output}")
    return report


if __name__ == "__main__":
    main()
