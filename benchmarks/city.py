"""The synthetic city the benchmarks and the city-scale tests run on (issues 3 and 11).

`build_city(path)` writes 17 districts into a fresh DuckDB store at `path`: each is the demo district
generated with its own seed (eduplan.demo.district.build_district(seed=1000 + k)) with its codes moved to
a district code of its own (420101 … 420117; 420104 keeps the demo's codes), written as one batch per
district through Store.write_batch — about 2,600 schools, ten years (2016–2025), 92,000 enrolment rows.

`build_city(path, copies=n)` then replicates the whole city n − 1 times inside DuckDB (INSERT … SELECT
rewriting the codes, not by generating again): copy c gets district codes with the province digits 42
moved to 42 + c (420104 → 430104 for c = 1), school codes with that district code inside, zone codes
prefixed “C01” …, area codes mapped the same way, project ids and housing names suffixed, and names
suffixed “（副本1）”. Every copy is one batch recorded in import_batch. 16 copies: 41,616 schools, 1.48 M
enrolment rows.

Run alone: .venv/bin/python benchmarks/city.py out/bench/cities/city-1x.duckdb [copies]
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from rich.progress import Progress

DISTRICTS = 17
BASE = "420104"


def city_rows(k: int) -> dict[str, list[dict]]:
    """District k: the demo district re-seeded, with its codes moved to a synthetic district code."""
    from eduplan.demo.district import build_district
    from eduplan.model import TABLES

    code = f"4201{k:02d}" if k != 4 else BASE
    data = build_district(seed=1000 + k)

    def fix(v: str) -> str:
        if v == BASE:
            return code
        if v.startswith("QK"):
            return f"D{k:02d}{v}"
        if len(v) == 10 and v[1:7] == BASE:
            return v[0] + code + v[7:]
        return v

    out = {}
    for t in TABLES:
        keys = {f.name for f in t.fields if f.name in ("district_code", "zone_code", "school_code", "area_code")}
        rows = []
        for r in data.get(t.name, []):
            r = dict(r)
            for key in keys:
                if r.get(key) is not None:
                    r[key] = fix(r[key])
            for f in t.fields:  # what the import path stores for a blank optional cell
                if r.get(f.name) is None and f.default is not None:
                    r[f.name] = f.default
            if t.name == "district":
                r["district_name"] = f"示范区{k:02d}"
            rows.append(r)
        out[t.name] = rows
    return out


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def _copy_expr(column: str, c: int) -> str:
    """SQL for `column` of a row in copy c (codes rewritten, names suffixed, everything else as is)."""
    from eduplan.store.schema import q

    col = q(column)
    district = f"('{42 + c}' || substr(x, 3))"
    if column == "district_code":
        return district.replace("x", col)
    if column == "school_code":
        return f"(substr({col}, 1, 1) || {district.replace('x', f'substr({col}, 2, 6)')} || substr({col}, 8))"
    if column == "zone_code":
        return f"('C{c:02d}' || {col})"
    if column == "area_code":
        return (f"(CASE WHEN regexp_full_match({col}, '[0-9]{{6}}') THEN {district.replace('x', col)} "
                f"ELSE 'C{c:02d}' || {col} END)")
    if column in ("project_id", "housing_name"):
        return f"({col} || '-c{c:02d}')"
    if column in ("district_name", "zone_name", "school_name", "project_name"):
        return f"({col} || '（副本{c}）')"
    return col


def replicate(store, copies: int, progress: bool = False) -> None:
    """Add copies 1 … copies − 1 of every district already in `store` (see the module docstring)."""
    from eduplan.model import TABLES
    from eduplan.store.schema import model_columns, q

    if copies <= 1:
        return
    original = store.max_batch_id()  # the batches of the city copied (copies are made of it only)
    with Progress(disable=not progress) as bar:
        task = bar.add_task(f"复制全市数据（{copies} 倍）", total=copies - 1)
        for c in range(1, copies):
            store._begin()
            try:
                batch_id = store.max_batch_id() + 1
                written = {}
                for t in TABLES:  # dependency order
                    cols = model_columns(t)
                    n = store.one(f"SELECT count(*) FROM {q(t.name)} WHERE batch_id <= {original}")[0]
                    if not n:
                        continue
                    exprs = ", ".join(_copy_expr(col, c) for col in cols)
                    store.run(f"INSERT INTO {q(t.name)} ({', '.join(q(x) for x in cols)}, batch_id, source_row) "
                              f"SELECT {exprs}, {batch_id}, source_row FROM {q(t.name)} WHERE batch_id <= {original}")
                    written[t.name] = {"rows": n, "inserted": n, "updated": 0, "unchanged": 0, "deleted": 0}
                store.record_batch(batch_id, file_name=f"city-copy-{c:02d}", file_path=None, sha256=f"bench-copy-{c}",
                                   user="bench", tables=written, rows_total=sum(w["rows"] for w in written.values()),
                                   kind="demo", os_user="bench", note=f"全市数据的第 {c} 份副本（基准测试）")
            except BaseException:
                store._rollback()
                raise
            store._commit("复制全市数据")
            bar.advance(task)


def city_stats(store) -> dict:
    """districts, schools, enrolment_rows, years of a built city."""
    return {
        "districts": store.one("SELECT count(*) FROM district")[0],
        "schools": store.one("SELECT count(*) FROM school")[0],
        "enrolment_rows": store.one("SELECT count(*) FROM enrolment")[0],
        "years": store.one("SELECT count(DISTINCT year) FROM enrolment")[0],
    }


def build_city(path: Path, copies: int = 1, progress: bool = False, base: Path | None = None) -> dict:
    """Build the city (× `copies`) into a fresh DuckDB store at `path` (replaced if it exists); its stats.
    With `base` (a 1× city built before), that file is copied instead of generating the 17 districts."""
    from eduplan.store import Store

    path = Path(path)
    _remove(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if base is not None:
        shutil.copyfile(base, path)
    else:
        with Store(path) as store, Progress(disable=not progress) as bar:
            task = bar.add_task("生成并写入全市数据（17 个区）", total=DISTRICTS)
            for k in range(1, DISTRICTS + 1):
                rows = city_rows(k)
                for r in (x for rs in rows.values() for x in rs):
                    r.setdefault("source_row", None)
                store.write_batch([{"file_name": f"city-{k:02d}", "sha256": f"bench-{k}", "tables": rows}], "bench")
                bar.advance(task)
    with Store(path) as store:
        replicate(store, copies, progress)
        store.run("CHECKPOINT")
        return city_stats(store)


def signature() -> str:
    """What a built city depends on: this file, the demo generator, the data model and the store's schema
    version (a cached city built by other code is rebuilt)."""
    import hashlib

    import eduplan
    from eduplan.store.schema import SCHEMA_VERSION

    h = hashlib.sha256(f"schema {SCHEMA_VERSION};".encode())
    pkg = Path(eduplan.__file__).parent
    for f in [Path(__file__), *sorted((pkg / "demo").glob("*.py")), *sorted((pkg / "model").glob("*.py"))]:
        h.update(f.read_bytes())
    return h.hexdigest()


def cached_city(folder: Path, copies: int, progress: bool = False) -> tuple[Path, dict]:
    """The city × `copies` kept in `folder` (city-<n>x.duckdb, its stats and signature beside it in .json):
    built once, reused by later runs while the code it depends on is unchanged (the 1× file is the base of the
    larger ones)."""
    folder = Path(folder)
    path = folder / f"city-{copies}x.duckdb"
    meta = path.with_suffix(".json")
    sig = signature()
    if path.exists() and meta.exists():
        got = json.loads(meta.read_text(encoding="utf-8"))
        if got.pop("signature", None) == sig:
            return path, got
    base = None
    if copies > 1:
        base, _ = cached_city(folder, 1, progress)
    stats = build_city(path, copies, progress, base=base)
    meta.write_text(json.dumps({**stats, "signature": sig}), encoding="utf-8")
    return path, stats


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/bench/cities/city-1x.duckdb")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print(build_city(target, n, progress=True))
