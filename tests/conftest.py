import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from eduplan.store import Store  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as s:
        yield s


_DEMO: list[Path] = []


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """The demo district, written as source files and imported through the user's path, once per session.
    Tests must not write into it (copy it first)."""
    if not _DEMO:
        from eduplan.demo.run import DEMO_USER, build, source_files, write_sources
        from eduplan.ingest import import_files
        from eduplan.plan.binding import use_plan

        folder = tmp_path_factory.mktemp("shared-demo")
        write_sources(build(420104), folder / "sources")
        db = folder / "demo.duckdb"
        with Store(db) as s:
            use_plan(s, "qiaokou-2021-2025", DEMO_USER)  # as `eduplan demo` does
            report = import_files(s, source_files(folder / "sources"), user=DEMO_USER, kind="demo")
            assert report.ok, [i.text() for i in report.errors[:10]]
        _DEMO.append(db)
    return _DEMO[0]


_JIANGWAN: list[Path] = []


@pytest.fixture(scope="session")
def jiangwan_store(tmp_path_factory) -> Path:
    """The second, fictional district 江湾区 (420188; tests/data/jiangwan): its plan bound with
    `plan use`, its data written as filled templates and imported, once per session. Do not write to it."""
    if not _JIANGWAN:
        from jiangwan import build_store

        _JIANGWAN.append(build_store(tmp_path_factory.mktemp("jiangwan")))
    return _JIANGWAN[0]
