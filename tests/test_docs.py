"""Docs generated from code must be current: run `make docs` when this fails."""

from pathlib import Path

from eduplan.cli.app import app
from eduplan.cli.docs import generated_docs

DOCS = Path(__file__).parent.parent / "docs"


def test_generated_docs_are_current():
    for name, text in generated_docs(app).items():
        path = DOCS / name
        assert path.exists(), f"{path} missing: run make docs"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run make docs"


def test_data_model_doc_lists_every_field():
    from eduplan.model import TABLES

    text = (DOCS / "data-model.md").read_text(encoding="utf-8")
    for t in TABLES:
        assert f"## `{t.name}` — {t.label}" in text
        for f in t.fields:
            assert f"`{f.name}`" in text
