"""Import (validate): read the bureau's Excel/CSV files, check them against the data model, load them.

readers (bytes → raw sheets) → parse (headers, cells) → validate (one sheet) → importer (all files,
cross-file checks, one transaction) ; report holds the Issue records and their Chinese messages;
template writes fill-in templates and filled source files from the model.
"""

from ..lazy import lazy_exports
from .importer import current_user, import_files
from .report import ISSUE_TYPES, ImportReport, Issue

# the template writers (xlsx styles, dropdowns) are imported when first used: `eduplan import` needs none
_LAZY = {"write_csv": ".template", "write_workbook": ".template"}

__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = ["import_files", "current_user", "ImportReport", "Issue", "ISSUE_TYPES", "write_workbook", "write_csv"]
