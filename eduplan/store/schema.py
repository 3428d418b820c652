"""The store's schema: table names, DDL derived from the model, the schema version and its migrations.

Every model table `t` has its current rows in `t` (model columns + `batch_id` + `source_row`) and every
superseded version in `t__history` (the same columns + `superseded_by`, the batch that replaced or
deleted it). `import_batch` records every batch (imports, undos, replaces, the demo); `plan_binding` every plan bound
to a district (its whole text, sha256, who and when; a later binding supersedes the earlier one, which
stays); `eduplan_meta` holds `schema_version`. Times are stored in UTC.

Version 4 adds the tables of eduplan.access (the users of the web application and the API): `app_user`
(accounts, roles, argon2id password hashes), `app_session` (signed-in browser sessions, by the sha256 of
their secret), `api_token` (API tokens, by the sha256 of their secret), `login_attempt` (every login
attempt, for throttling) and `audit_log` (the append-only, hash-chained audit log).

Version 5 adds the annual data collection (eduplan.collection): `collection_round` (which tables schools report
for which year, by when), `submission` (every file a school submitted: its bytes, its validated rows, its state
and review), `collection_lock` (approved school × table × year, locked until the bureau unlocks it with a
reason) and `import_batch.submission_id` (the submission an approval wrote).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from ..model import TABLES, Table

if TYPE_CHECKING:
    import duckdb

SCHEMA_VERSION = 5
META_TABLE = "eduplan_meta"
BATCH_TABLE = "import_batch"
PLAN_TABLE = "plan_binding"
HISTORY_SUFFIX = "__history"
LINEAGE_COLUMNS = ("batch_id", "source_row")

BATCH_DDL = f"""
CREATE TABLE IF NOT EXISTS {BATCH_TABLE} (
    batch_id     INTEGER PRIMARY KEY,
    file_name    VARCHAR NOT NULL,   -- the source file; for an undo: “撤销批次 N（…）”
    file_path    VARCHAR,
    sha256       VARCHAR NOT NULL,   -- '' when the batch has no file (undo)
    imported_at  TIMESTAMP NOT NULL, -- UTC
    user_name    VARCHAR NOT NULL,   -- --user / EDUPLAN_USER / the OS account
    tables       VARCHAR NOT NULL,   -- JSON: table -> {{rows, inserted, updated, unchanged, deleted}}
    rows_total   INTEGER NOT NULL,
    eduplan_version VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL DEFAULT 'import',  -- import | replace | undo | demo
    os_user      VARCHAR,            -- the operating-system account that ran the command
    note         VARCHAR,
    undoes       INTEGER,            -- for kind 'undo': the batch undone
    submission_id INTEGER            -- for kind 'collection': the approved submission (collection)
)
"""

PLAN_DDL = f"""
CREATE TABLE IF NOT EXISTS {PLAN_TABLE} (
    binding_id   INTEGER PRIMARY KEY,
    district_code VARCHAR NOT NULL,  -- the plan's meta.district.code
    plan_id      VARCHAR NOT NULL,   -- meta.id
    title        VARCHAR NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    file_name    VARCHAR NOT NULL,   -- the file it was read from (or the shipped plan's name)
    sha256       VARCHAR NOT NULL,   -- of the UTF-8 text
    text         VARCHAR NOT NULL,   -- the whole YAML text, as bound
    bound_at     TIMESTAMP NOT NULL, -- UTC
    user_name    VARCHAR NOT NULL,
    os_user      VARCHAR,
    eduplan_version VARCHAR NOT NULL,
    superseded_by INTEGER            -- the binding that replaced it; NULL: the district's current plan
)
"""

# ---- version 4: eduplan.access (users, sessions, API tokens, login attempts, audit log)
USER_TABLE = "app_user"
SESSION_TABLE = "app_session"
TOKEN_TABLE = "api_token"
ATTEMPT_TABLE = "login_attempt"
AUDIT_TABLE = "audit_log"
ACCESS_TABLES = (USER_TABLE, SESSION_TABLE, TOKEN_TABLE, ATTEMPT_TABLE, AUDIT_TABLE)

ACCESS_DDL = (
    f"""
CREATE TABLE IF NOT EXISTS {USER_TABLE} (
    user_id      INTEGER PRIMARY KEY,
    username     VARCHAR NOT NULL UNIQUE,  -- lower case: letters, digits, . _ -
    role         VARCHAR NOT NULL,         -- admin | staff | inspector | school
    school_code  VARCHAR,                  -- the school of a 学校 user; NULL for the others
    display_name VARCHAR,
    password_hash VARCHAR NOT NULL,        -- argon2id, PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)
    disabled     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL,       -- UTC
    created_by   VARCHAR NOT NULL,
    password_changed_at TIMESTAMP NOT NULL -- UTC
)""",
    f"""
CREATE TABLE IF NOT EXISTS {SESSION_TABLE} (
    session_id    INTEGER PRIMARY KEY,
    secret_sha256 VARCHAR NOT NULL UNIQUE, -- the cookie's secret is never stored, only its sha256
    user_id       INTEGER NOT NULL,
    csrf          VARCHAR NOT NULL,        -- the session's CSRF token
    created_at    TIMESTAMP NOT NULL,      -- UTC
    last_seen     TIMESTAMP NOT NULL,      -- UTC, updated at most once a minute
    address       VARCHAR,
    user_agent    VARCHAR,
    ended_at      TIMESTAMP,               -- UTC; NULL while the session lives
    ended_reason  VARCHAR                  -- logout | idle | expired | password_change | password_reset | disabled | role_change | ended
)""",
    f"""
CREATE TABLE IF NOT EXISTS {TOKEN_TABLE} (
    token_id      INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL,
    name          VARCHAR NOT NULL,
    secret_sha256 VARCHAR NOT NULL UNIQUE, -- the secret is shown once and never stored
    created_at    TIMESTAMP NOT NULL,      -- UTC
    last_used     TIMESTAMP,               -- UTC, updated at most once a minute
    expires_at    TIMESTAMP,               -- UTC; NULL: until revoked
    revoked_at    TIMESTAMP,               -- UTC
    revoked_by    VARCHAR
)""",
    f"""
CREATE TABLE IF NOT EXISTS {ATTEMPT_TABLE} (
    attempt_id    INTEGER PRIMARY KEY,
    attempted_at  TIMESTAMP NOT NULL,      -- UTC
    username      VARCHAR NOT NULL,        -- as typed (normalised), whether or not such a user exists
    address       VARCHAR,
    outcome       VARCHAR NOT NULL         -- success | failure | refused (throttled) | disabled
)""",
    f"""
CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
    id        INTEGER PRIMARY KEY,
    "at"      TIMESTAMP NOT NULL,          -- UTC
    actor     VARCHAR,                     -- user name, or “命令行：<OS account>”
    role      VARCHAR,
    address   VARCHAR,
    action    VARCHAR NOT NULL,            -- eduplan.access.audit.ACTIONS
    target    VARCHAR NOT NULL DEFAULT '',
    detail    VARCHAR,                     -- JSON text
    outcome   VARCHAR NOT NULL,            -- 成功 | 失败
    prev_hash VARCHAR NOT NULL,            -- the previous row's hash (64 zeros for the first row)
    hash      VARCHAR NOT NULL             -- sha256 over prev_hash and this row's content
)""",
)

# ---- version 5: eduplan.collection (rounds, submissions, locks)
ROUND_TABLE = "collection_round"
SUBMISSION_TABLE = "submission"
LOCK_TABLE = "collection_lock"
COLLECTION_TABLES = (ROUND_TABLE, SUBMISSION_TABLE, LOCK_TABLE)

COLLECTION_DDL = (
    f"""
CREATE TABLE IF NOT EXISTS {ROUND_TABLE} (
    round_id      INTEGER PRIMARY KEY,
    year          INTEGER NOT NULL,        -- the statistical year schools report
    tables        VARCHAR NOT NULL,        -- JSON list of model table names
    deadline      DATE NOT NULL,
    district_code VARCHAR,                 -- NULL: every district of the store
    note          VARCHAR,
    opened_at     TIMESTAMP NOT NULL,      -- UTC
    opened_by     VARCHAR NOT NULL,
    closed_at     TIMESTAMP,               -- UTC; NULL while the round is open
    closed_by     VARCHAR
)""",
    f"""
CREATE TABLE IF NOT EXISTS {SUBMISSION_TABLE} (
    submission_id INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL,
    school_code   VARCHAR NOT NULL,
    table_name    VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    status        VARCHAR NOT NULL,        -- pending | returned | approved | superseded
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,        -- of the file's bytes
    content       BLOB,                    -- the file as uploaded
    "rows"        VARCHAR NOT NULL,        -- JSON: the validated rows of this table (with source_row)
    row_count     INTEGER NOT NULL,
    submitted_at  TIMESTAMP NOT NULL,      -- UTC
    submitted_by  VARCHAR NOT NULL,
    reviewed_at   TIMESTAMP,               -- UTC
    reviewed_by   VARCHAR,
    review_comment VARCHAR,
    batch_id      INTEGER,                 -- the import batch its approval wrote
    superseded_by INTEGER                  -- the later submission of the same school × table that replaced it
)""",
    f"""
CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (
    lock_id       INTEGER PRIMARY KEY,
    school_code   VARCHAR NOT NULL,
    table_name    VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    submission_id INTEGER NOT NULL,
    batch_id      INTEGER NOT NULL,
    locked_at     TIMESTAMP NOT NULL,      -- UTC
    locked_by     VARCHAR NOT NULL,
    unlocked_at   TIMESTAMP,               -- UTC; NULL while the lock holds
    unlocked_by   VARCHAR,
    unlock_reason VARCHAR
)""",
)

# columns added to import_batch by schema version 2, with their DDL
_BATCH_V2_COLUMNS = (
    ("kind", "VARCHAR DEFAULT 'import'"),
    ("os_user", "VARCHAR"),
    ("note", "VARCHAR"),
    ("undoes", "INTEGER"),
)

KINDS = {"import": "导入", "replace": "导入（--replace）", "undo": "撤销", "demo": "示范区",
         "collection": "采集审核入库", "pending": "待审核数据（预览，未入库）"}

# the Arrow type staging a column, by its SQL type (a field type such as "date" maps through its SQL type)
_ARROW = {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR": pa.string(), "INTEGER": pa.int32()}


def history_table(name: str) -> str:
    """The history table of model table `name`."""
    return name + HISTORY_SUFFIX


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def model_columns(t: Table) -> list[str]:
    return [f.name for f in t.fields]


def table_ddl(t: Table, history: bool = False) -> str:
    cols = [f"    {q(f.name)} {f.sql_type}" + (" NOT NULL" if f.key else "") for f in t.fields]
    cols += ["    batch_id INTEGER NOT NULL", "    source_row INTEGER"]
    if history:
        cols.append("    superseded_by INTEGER NOT NULL")
    name = history_table(t.name) if history else t.name
    return f"CREATE TABLE IF NOT EXISTS {q(name)} (\n" + ",\n".join(cols) + "\n)"


def arrow_schema(t: Table) -> pa.Schema:
    return pa.schema([(f.name, _ARROW[f.sql_type]) for f in t.fields]
                     + [("batch_id", pa.int32()), ("source_row", pa.int32())])


def all_tables() -> list[str]:
    """Every table of a current store: model tables (dependency order), their history tables, batches, plans,
    meta, the access tables (users, sessions, tokens, login attempts, audit log) and the collection tables."""
    return ([t.name for t in TABLES] + [history_table(t.name) for t in TABLES]
            + [BATCH_TABLE, PLAN_TABLE, META_TABLE, *ACCESS_TABLES, *COLLECTION_TABLES])


def read_version(con: "duckdb.DuckDBPyConnection") -> int | None:
    """The store's schema version; None when the file has no eduplan meta table (a new or foreign file)."""
    has_meta = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                           "AND database_name = current_database() AND table_name = ?", [META_TABLE]).fetchone()[0]
    if not has_meta:
        return None
    row = con.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def create(con: "duckdb.DuckDBPyConnection") -> None:
    """Create every table of the current schema (idempotent) and record the schema version."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(BATCH_DDL)
    con.execute(PLAN_DDL)
    for t in TABLES:
        con.execute(table_ddl(t))
        con.execute(table_ddl(t, history=True))
    for ddl in ACCESS_DDL + COLLECTION_DDL:
        con.execute(ddl)
    con.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def migrate_1_to_2(con: "duckdb.DuckDBPyConnection") -> None:
    """Version 2: batches gain kind, os_user, note, undoes; every model table gains its history table."""
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?", [BATCH_TABLE]).fetchall()}
    for name, ddl in _BATCH_V2_COLUMNS:
        if name not in have:
            con.execute(f"ALTER TABLE {BATCH_TABLE} ADD COLUMN {name} {ddl}")
    con.execute(f"UPDATE {BATCH_TABLE} SET kind = 'import' WHERE kind IS NULL")
    create(con)


def migrate_2_to_3(con: "duckdb.DuckDBPyConnection") -> None:
    """Version 3: plans bound to districts (`plan_binding`)."""
    con.execute(PLAN_DDL)


def migrate_3_to_4(con: "duckdb.DuckDBPyConnection") -> None:
    """Version 4: the access tables (users, sessions, API tokens, login attempts, audit log)."""
    for ddl in ACCESS_DDL:
        con.execute(ddl)


def migrate_4_to_5(con: "duckdb.DuckDBPyConnection") -> None:
    """Version 5: the collection tables, and `import_batch.submission_id`."""
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?", [BATCH_TABLE]).fetchall()}
    if "submission_id" not in have:
        con.execute(f"ALTER TABLE {BATCH_TABLE} ADD COLUMN submission_id INTEGER")
    for ddl in COLLECTION_DDL:
        con.execute(ddl)


MIGRATIONS = {1: migrate_1_to_2, 2: migrate_2_to_3, 3: migrate_3_to_4, 4: migrate_4_to_5}
