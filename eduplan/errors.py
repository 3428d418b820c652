"""Exceptions shared by all packages. Each carries a Chinese message a user can act on."""


class EduplanError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits non-zero."""


class StoreError(EduplanError):
    """The database file cannot be opened or is not an eduplan store."""


class PlanError(EduplanError):
    """A plan file cannot be read or does not match the plan schema."""


class UnknownTable(EduplanError):
    """No source table has this name or label."""
