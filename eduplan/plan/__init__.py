"""The plan as data: a district's five-year education plan read from YAML and checked.

This package owns the plan file format (schema.py: pydantic models and the comparison parser), loading
with file-and-line Chinese errors (loader.py), the consistency checks behind `eduplan plan check`
(check.py), binding a plan to its district in the store (binding.py), which district, plan and year a
command works on (scope.py), and the shipped plan of 武汉市硚口区 2021–2025 (data/qiaokou-2021-2025.yaml).

Indicator ids (e.g. `preschool_gross_enrolment`) are shared by the indicator tables, the text targets
and the baselines, so that the metrics layer can bind a computed or reported value to every target.
It never opens a database file itself: binding and scope work on a Store the caller opened.
"""

from .check import RULES, Finding, check_plan, has_errors
from .loader import default_plan_path, load_plan, parse_plan
from .schema import (
    Baseline, Cite, Column, KeyProjects, Plan, PlanMeta, Project, ProjectGroup, Row, SumCheck, Table, Target, Task,
    TaskSection, Value, parse_comparison, satisfies,
)

__all__ = [
    "Baseline", "Cite", "Column", "Finding", "KeyProjects", "Plan", "PlanMeta", "Project", "ProjectGroup", "RULES",
    "Row", "SumCheck", "Table", "Target", "Task", "TaskSection", "Value", "check_plan", "default_plan_path",
    "has_errors", "load_plan", "parse_comparison", "parse_plan", "satisfies",
]
