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
