"""The annual data collection (数据采集): the round a district bureau runs each autumn on top of the import.

The bureau opens a round (`rounds`: which tables, which year, by when); each school downloads its template
pre-filled with last year's approved rows (`template`), and submits (`submit`: validated at once like an
import, plus its own school, the round's year and tables; a valid file is stored 待审核, not part of the
official figures). The bureau reviews it against last year (`review`: changed cells, quality flags), then
approves — an import batch with lineage to the submission, the school and both users, and a lock on that
school × table × year — or returns it with a comment (`decide`); locked data changes only after the bureau
unlocks it with a reason. `board` is the progress of a round; `overlay` computes figures 含待审核数据
(the pending submissions applied in a transaction that is rolled back). Every step is one transaction with
its audit row (eduplan.access.audit). The locks themselves are read by the store (eduplan.store.locks), so
that every write path refuses to change locked rows. docs/collection.md is the user guide.

Stage: above the import (eduplan.ingest), the store, the quality rules and eduplan.access; below the outputs,
the web application and the command line, which call it.
"""

from __future__ import annotations

from .board import STATES, board, expected_schools
from .common import COLLECTABLE, NOT_SUBMITTED, STATUS, Actor
from .decide import approve, locks, return_, unlock
from .errors import CollectionError
from .overlay import pending, pending_count, pending_overlay, pending_version
from .review import review
from .rounds import close_round, latest_open, open_round, reopen_round, round_, rounds
from .submit import SubmitResult, submission, submission_file, submissions, submit

__all__ = [
    "COLLECTABLE", "STATUS", "STATES", "NOT_SUBMITTED", "Actor", "CollectionError", "SubmitResult",
    "open_round", "close_round", "reopen_round", "rounds", "round_", "latest_open", "submit", "submissions", "submission",
    "submission_file", "review", "approve", "return_", "unlock", "locks", "board", "expected_schools",
    "pending", "pending_count", "pending_overlay", "pending_version",
]
