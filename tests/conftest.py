import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# Hermetic runs: the suite's commands see neither the developer's store, plan, district, settings or debug
# switch (EDUPLAN_*) nor the terminal's size. COLUMNS/LINES must go before eduplan.cli is imported: a rich
# Console reads them once when it is made, and would then keep that width for every in-process run; without
# them it reads os.environ on each print, so `env={"COLUMNS": "250"}` of one CliRunner run applies to that run.
for _name in [n for n in os.environ if n.startswith("EDUPLAN_") or n in ("COLUMNS", "LINES")]:
    del os.environ[_name]

from eduplan.settings import use_settings_file  # noqa: E402
from eduplan.store import Store  # noqa: E402


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


# ------------------------------------------------------------------ the fast lane (`make test-fast`)

# Tests in files other helpers own that are slow by nature, marked here so that those files need no edit:
# node id (or file name) → why it must be slow. Slow tests in the files of this lane carry @pytest.mark.slow.
SLOW: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if item.nodeid in SLOW or path in SLOW or item.nodeid.split("[", 1)[0] in SLOW:
            item.add_marker(pytest.mark.slow)
