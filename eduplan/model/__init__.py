"""The canonical data model (统一标准): code lists, fields, tables and their rules, defined once.

Everything else — fill-in templates, import validation, the store schema, docs/data-model.md — is
derived from the declarations here. Nothing in this package imports from any other eduplan package.
"""

from .codes import (
    GRADE_LEVEL, GRADES, LEVELS, OWNERSHIP, REPORTED, REPORTED_BY_CODE, SCHOOL_TYPES, CodeList,
    grades_allowed, is_kindergarten, levels_of, sections_allowed,
)
from .fields import Field, Rule, Table
from .tables import TABLES, TABLES_BY_NAME, find_table

__all__ = [
    "CodeList", "Field", "Rule", "Table", "TABLES", "TABLES_BY_NAME", "find_table", "GRADES", "GRADE_LEVEL",
    "LEVELS", "OWNERSHIP", "REPORTED", "REPORTED_BY_CODE", "SCHOOL_TYPES", "grades_allowed",
    "is_kindergarten", "levels_of", "sections_allowed",
]
