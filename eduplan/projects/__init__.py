"""The key-project library (项目库和年度建设清单): the plan's projects as records, their progress and money.

library.py builds the records from the plan file and the store's `project`, `project_capacity`,
`project_milestone` and `project_finance` tables (allocating the plan's group investments, deriving
places and in-use years); checks.py flags delays, 资金预警 and the plan's statements against the
recorded state; annual.py lists a year's projects (年度建设清单). It reads the store, never writes it.
"""

from .annual import annual_list
from .checks import CHECKS, MESSAGES, Finding, check_library
from .library import (
    GroupTotal, LevelPlaces, Library, Milestone, ProjectRecord, build_library, in_use_year, largest_remainder,
    parse_date, school_year_of,
)
from .settings import ProjectSettings

__all__ = [
    "CHECKS", "MESSAGES", "Finding", "GroupTotal", "LevelPlaces", "Library", "Milestone", "ProjectRecord",
    "ProjectSettings", "annual_list", "build_library", "check_library", "in_use_year", "largest_remainder",
    "parse_date", "school_year_of",
]
