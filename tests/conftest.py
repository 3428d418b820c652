import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# Hermetic runs: the suite's commands see neither the developer's store, plan, district, settings or debug
# switch (EDUPLAN_*) nor the terminal's size. COLUMNS/LINES must go before eduplan.cli is imported: a rich
# Console reads them once when it is made, and would then keep that width for every in-process run; without
# them it reads os.environ on each print, so `env={"COLUMNS": "250"}` of one CliRunner run applies to that run.
for _name in [n for n in os.environ if n.startswith("EDUPLAN_") or n in ("COLUMNS", "LINES")]:
    del os.environ[_name]
# The indicator engine keeps compiled SQL between runs (eduplan/indicators/engine.py, default ~/.cache/eduplan):
# the suite's go to a folder of its own, shared by its in-process runs and the processes it starts, removed after.
os.environ["EDUPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="eduplan-test-cache-")
atexit.register(shutil.rmtree, os.environ["EDUPLAN_CACHE_DIR"], True)

from eduplan.settings import use_settings_file  # noqa: E402
from eduplan.store import Store  # noqa: E402

pytest_plugins = ["web_fixtures", "web_live"]  # in process (tests/web_fixtures.py); a live server + Chromium (tests/web_live.py)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as s:
        yield s


@pytest.fixture(autouse=True)
def _no_settings_file_left_over():
    """`--settings` (and use_settings_file) points the whole process at a file and caches what it read; an
    in-process command run must not leave that to the next test."""
    yield
    use_settings_file(None)


@pytest.fixture(scope="session")
def demo_store() -> Path:
    """The demo district, written as source files and imported through the user's path as `eduplan demo` does,
    once per session (helpers.shared_demo). Tests must not write into it (copy it first)."""
    from helpers import shared_demo

    return shared_demo()


@pytest.fixture(scope="session")
def demo_sources(demo_store: Path) -> Path:
    """The folder of the demo's source files that `demo_store` was imported from. Do not write into it."""
    return demo_store.parent / "src"


_JIANGWAN: list[Path] = []


@pytest.fixture(scope="session")
def jiangwan_store(tmp_path_factory) -> Path:
    """The second, fictional district 江湾区 (420188; tests/data/jiangwan): its plan bound with
    `plan use`, its data written as filled templates and imported, once per session. Do not write to it."""
    if not _JIANGWAN:
        from jiangwan import build_store

        _JIANGWAN.append(build_store(tmp_path_factory.mktemp("jiangwan")))
    return _JIANGWAN[0]


_CITY: list[Path] = []


@pytest.fixture(scope="session")
def city_store(tmp_path_factory) -> Path:
    """The benchmark city at 1× (benchmarks/city.py: 17 districts, about 2,600 schools, ten years), built once
    per session; the path of its DuckDB file. Open it read-only; do not write to it. Tests using it are `slow`."""
    if not _CITY:
        sys.path.insert(0, str(Path(__file__).parent.parent))
        from benchmarks.city import build_city

        path = tmp_path_factory.mktemp("city") / "city.duckdb"
        build_city(path)
        _CITY.append(path)
    return _CITY[0]


# ------------------------------------------------------------------ the fast lane (`make test-fast`)

# Tests in files other helpers own that are slow by nature, marked here so that those files need no edit:
# node id (or file name) → why it must be slow. Slow tests in the files of this lane carry @pytest.mark.slow.
_HOSTILE = "each imports a hostile file (up to ~100 MB unpacked) in a child process of its own with capped memory"
SLOW: dict[str, str] = {
    **{f"tests/test_hostile_files.py::{name}": _HOSTILE for name in (
        "test_cell_at_xfd1048576", "test_cell_at_amj100000", "test_note_in_xfd1_of_a_real_file", "test_too_many_cells",
        "test_zip_bomb", "test_zip_bomb_below_the_total_is_caught_by_its_ratio",
        "test_zip_member_that_lies_about_its_size", "test_dev_zero_behind_a_csv_name", "test_fifo",
        "test_directory_named_like_a_csv", "test_file_too_large", "test_csv_of_500k_columns",
        "test_csv_with_a_huge_field", "test_xlsx_with_huge_cell_text")},
    "tests/test_demo_data.py::test_same_seed_same_data_other_seed_other_data":
        "builds the demo district twice more (same seed, another seed) to compare",
    "tests/test_indicators_status.py::test_demo_every_year_projections_inside_the_domain_never_zero_width":
        "every indicator of the whole demo district reported for each of its ten years",
    "tests/test_backup_export.py::test_export_all_import_identical":
        "exports every table of the whole demo and imports it all again (test_export_csv_round_trip_and_filters "
        "keeps a round trip in the fast lane)",
}


# A test on a whole district's store — the demo (about 150 schools, ten years) or 江湾区 — gets the marker `demo`
# (through the fixtures, or its file when it calls helpers.shared_demo() itself): `pytest -m "not slow and not demo"`
# is the narrowest lane, the hand-made districts only (docs/testing.md).
WHOLE_DISTRICT_FIXTURES = {"demo_store", "demo_sources", "jiangwan_store", "city_store", "web"}
WHOLE_DISTRICT_FILES = {"tests/test_workbook_safety.py"}


def pytest_configure(config):
    config.addinivalue_line("markers", "demo: runs on the whole demo district's or 江湾区's store (set by conftest.py)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if item.nodeid in SLOW or path in SLOW or item.nodeid.split("[", 1)[0] in SLOW:
            item.add_marker(pytest.mark.slow)
        fixtures = set(getattr(item, "fixturenames", ()))
        if WHOLE_DISTRICT_FIXTURES & fixtures or path in WHOLE_DISTRICT_FILES:
            item.add_marker(pytest.mark.demo)
        if "city_store" in fixtures:  # builds or reads the 17-district city
            item.add_marker(pytest.mark.slow)
