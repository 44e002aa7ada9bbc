"""Online-migration facts per target, as data: which change locks what, and the safe form to use instead
(anchors-linters.md section 2: PostgreSQL lock levels, MySQL InnoDB online DDL). `migration.py` picks the
rows that apply to a model and fills the statement templates with its real tables, indexes and constraints.

Templates use `{table}`, `{name}`, `{columns}`, `{where}` (with its leading ` WHERE`), `{ref_table}`,
`{ref_columns}` and `{expression}`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    feature: str  # the model feature that makes this row relevant (see migration.features)
    change: str
    naive: str  # what the plain statement locks or rewrites
    safe: str  # the safe form, in words
    template: str = ""  # the safe form, as statements


@dataclass(frozen=True)
class Phase:
    name: str  # expand | migrate | contract
    steps: tuple[str, ...]  # may use {largest}, {largest_rows}, {batches}, {batch_size}


@dataclass(frozen=True)
class Playbook:
    name: str
    session: tuple[str, ...]  # run at the start of every migration step
    session_why: str
    operations: tuple[Operation, ...]
    phases: tuple[Phase, ...]
    online_index_label: str  # what the index list is headed with: "CREATE INDEX CONCURRENTLY"


BATCH_SIZE = 10_000

_PHASES_SQL = (
    Phase("expand", (
        "Add new tables and nullable columns (or columns with a constant default); nothing reads them yet.",
        "Build new indexes online ({online}) before the code that needs them ships.",
        "Add new constraints without checking existing rows ({constraint_form}).",
        "Deploy code that writes both the old and the new shape (or a trigger that copies old to new).",
    )),
    Phase("migrate", (
        "Backfill in batches of {batch_size} rows by primary key, outside the DDL transaction, throttled: "
        "{largest} ({largest_rows} rows at the horizon) takes about {batches} batches.",
        "Validate what was added unchecked ({validate_form}).",
        "Switch reads to the new shape; watch errors and latency before going on.",
    )),
    Phase("contract", (
        "Stop writing the old shape, then drop its columns and indexes ({drop_form}).",
        "Make backfilled columns required ({not_null_form}).",
    )),
)

POSTGRES = Playbook(
    name="PostgreSQL",
    session=("SET lock_timeout = '5s';", "SET statement_timeout = '15min';"),
    session_why=("a DDL statement waiting for its lock queues every later query on the table: give up after "
                 "5 s and retry, rather than stall traffic (statement_timeout 0 for CONCURRENTLY builds)"),
    online_index_label="CREATE INDEX CONCURRENTLY",
    operations=(
        Operation("index", "Add an index", "CREATE INDEX takes a SHARE lock: writes wait for the whole build",
                  "CREATE INDEX CONCURRENTLY, outside a transaction; after a failure drop the INVALID index "
                  "(pg_index.indisvalid) and retry",
                  "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns}){where};"),
        Operation("unique", "Add a unique constraint",
                  "ADD UNIQUE builds its index under ACCESS EXCLUSIVE: reads and writes wait",
                  "de-duplicate, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX "
                  "(brief); a partial unique index is the constraint itself",
                  "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns}){where};"),
        Operation("fk", "Add a foreign key",
                  "SHARE ROW EXCLUSIVE on both tables while the child table is scanned: writes wait",
                  "ADD CONSTRAINT ... NOT VALID (brief), then VALIDATE CONSTRAINT in its own transaction "
                  "(SHARE UPDATE EXCLUSIVE: reads and writes go on)",
                  "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) REFERENCES {ref_table} "
                  "({ref_columns}) NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {name};"),
        Operation("check", "Add a CHECK or change an enum's values",
                  "ACCESS EXCLUSIVE while every row is checked",
                  "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT; an enum change adds the new CHECK "
                  "that way, then drops the old one",
                  "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({expression}) NOT VALID;\n"
                  "ALTER TABLE {table} VALIDATE CONSTRAINT {name};"),
        Operation("column", "Add a column",
                  "a volatile default (clock_timestamp(), gen_random_uuid()), identity or stored generated "
                  "column rewrites the table and its indexes under ACCESS EXCLUSIVE",
                  "add it nullable or with a constant default (no rewrite since PostgreSQL 11), then set a "
                  "volatile default for new rows and backfill in batches"),
        Operation("not_null", "Make a column required", "SET NOT NULL scans the table under ACCESS EXCLUSIVE",
                  "CHECK (col IS NOT NULL) NOT VALID, backfill, VALIDATE, then SET NOT NULL (the scan is "
                  "skipped, PostgreSQL 12+) and drop the CHECK"),
        Operation("trigger", "Add a trigger (maintained aggregate, updated_at, audit)",
                  "CREATE TRIGGER takes SHARE ROW EXCLUSIVE: writes wait, briefly",
                  "create it under lock_timeout; create the trigger first, then backfill the aggregate in "
                  "batches so no change falls between the two"),
        Operation("rls", "Enable row-level security on a table",
                  "ENABLE ROW LEVEL SECURITY without a policy denies every row to the application role",
                  "CREATE POLICY first, then ENABLE and FORCE ROW LEVEL SECURITY in one short transaction"),
        Operation("drop_index", "Drop an index", "DROP INDEX takes ACCESS EXCLUSIVE on the table",
                  "DROP INDEX CONCURRENTLY, outside a transaction", "DROP INDEX CONCURRENTLY IF EXISTS {name};"),
        Operation("type_change", "Change a column's type",
                  "rewrites the table and every index under ACCESS EXCLUSIVE (except varchar growth, "
                  "varchar to text, numeric precision up)",
                  "expand-contract: new column, sync trigger, batched backfill, switch reads, drop the old"),
        Operation("rename", "Rename a column or table", "instant, but breaks every running client",
                  "keep the stored name and map it in code, or expand-contract with a view or sync trigger"),
    ),
    phases=_PHASES_SQL,
)

MYSQL = Playbook(
    name="MySQL",
    session=("SET SESSION lock_wait_timeout = 5;",),
    session_why=("every ALTER takes an exclusive metadata lock at start and end and queues all later "
                 "queries while it waits; the default wait is one year"),
    online_index_label="ALGORITHM=INPLACE, LOCK=NONE",
    operations=(
        Operation("index", "Add an index", "without ALGORITHM/LOCK the server may pick a blocking algorithm "
                  "silently", "ADD INDEX with ALGORITHM=INPLACE, LOCK=NONE: fails fast instead of copying",
                  "ALTER TABLE {table} ADD INDEX {name} ({columns}), ALGORITHM=INPLACE, LOCK=NONE;"),
        Operation("unique", "Add a unique index",
                  "fails half-way on duplicates; a STORED generated key column copies the table",
                  "de-duplicate first; ADD UNIQUE INDEX with ALGORITHM=INPLACE, LOCK=NONE; keep live-row "
                  "key columns VIRTUAL (added INSTANT)",
                  "ALTER TABLE {table} ADD UNIQUE INDEX {name} ({columns}), ALGORITHM=INPLACE, LOCK=NONE;"),
        Operation("fk", "Add a foreign key",
                  "with foreign_key_checks=1 the table is copied (ALGORITHM=COPY)",
                  "check for orphans with a query first, then add it with foreign_key_checks=0 "
                  "(INPLACE; the server does not validate)",
                  "SET foreign_key_checks = 0;\nALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY "
                  "({columns}) REFERENCES {ref_table} ({ref_columns}), ALGORITHM=INPLACE, LOCK=NONE;\n"
                  "SET foreign_key_checks = 1;"),
        Operation("check", "Add a CHECK or change an enum's values",
                  "writes are blocked while every row is checked; there is no NOT VALID",
                  "small tables: in a quiet window; large tables: an online schema change tool "
                  "(gh-ost, pt-online-schema-change)"),
        Operation("column", "Add a column", "before 8.0.29 only the last position is INSTANT; other forms "
                  "rebuild the table", "nullable or constant default with ALGORITHM=INSTANT (at most 64 "
                  "instant changes per table, then a rebuild)"),
        Operation("not_null", "Make a column required", "MODIFY ... NOT NULL rebuilds the table",
                  "backfill first, then MODIFY with ALGORITHM=INPLACE, LOCK=NONE (needs strict sql_mode)"),
        Operation("trigger", "Add a trigger (maintained aggregate)", "a brief exclusive metadata lock",
                  "create it under lock_wait_timeout, then backfill the aggregate in batches"),
        Operation("generated", "Add a generated column (live-row uniqueness)",
                  "a STORED generated column copies the table and blocks writes",
                  "VIRTUAL generated columns are added INSTANT; index them with INPLACE, LOCK=NONE"),
        Operation("drop_index", "Drop an index", "an index still in use disappears at once",
                  "ALTER INDEX ... INVISIBLE first, watch, then DROP INDEX with ALGORITHM=INPLACE",
                  "ALTER TABLE {table} ALTER INDEX {name} INVISIBLE;"),
        Operation("type_change", "Change a column's type",
                  "ALGORITHM=COPY with LOCK=SHARED: writes wait for the whole copy",
                  "expand-contract, or an online schema change tool for large tables"),
        Operation("rename", "Rename a column or table", "INSTANT, but breaks every running client",
                  "keep the stored name and map it in code, or expand-contract"),
    ),
    phases=_PHASES_SQL,
)

MONGODB = Playbook(
    name="MongoDB", session=(), session_why="index builds and validator changes do not block reads or writes",
    online_index_label="createIndex (hybrid build)",
    operations=(
        Operation("index", "Add an index", "builds hold an exclusive lock only at start and end",
                  "createIndex on the primary; watch replication lag; one build at a time on large "
                  "collections"),
        Operation("check", "Tighten a $jsonSchema validator", "existing documents that fail stay, "
                  "later updates to them fail", "collMod with validationLevel moderate, fix old documents, "
                  "then strict"),
    ),
    phases=(Phase("expand", ("Add new fields as optional; write both shapes.",)),
            Phase("migrate", ("Backfill in batches of {batch_size} documents: {largest} needs about {batches}.",)),
            Phase("contract", ("Stop writing the old shape; $unset it in batches.",))),
)

DYNAMODB = Playbook(
    name="DynamoDB", session=(), session_why="table changes are asynchronous and never lock items",
    online_index_label="UpdateTable (GSI backfill)",
    operations=(
        Operation("index", "Add a global secondary index", "the backfill consumes write capacity and the index "
                  "is not queryable until ACTIVE", "add one GSI at a time; provision backfill capacity"),
    ),
    phases=(Phase("expand", ("Write new attributes alongside the old ones.",)),
            Phase("migrate", ("Backfill with a parallel scan-and-update: {largest} needs about {batches} "
                              "batches of {batch_size} items.",)),
            Phase("contract", ("Stop writing the old attributes; remove them lazily on update.",))),
)

PLAYBOOKS: dict[str, Playbook] = {"postgres": POSTGRES, "mysql": MYSQL, "mariadb": MYSQL}
FAMILY_PLAYBOOKS: dict[str, Playbook] = {"relational": POSTGRES, "document": MONGODB, "key_value": DYNAMODB}

# Phase placeholders per target: how each step of expand-migrate-contract is written there.
FORMS: dict[str, dict[str, str]] = {
    "PostgreSQL": {"online": "CREATE INDEX CONCURRENTLY", "constraint_form": "FOREIGN KEY / CHECK ... NOT VALID",
                   "validate_form": "ALTER TABLE ... VALIDATE CONSTRAINT",
                   "drop_form": "DROP INDEX CONCURRENTLY; DROP COLUMN is metadata-only",
                   "not_null_form": "CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL"},
    "MySQL": {"online": "ALGORITHM=INPLACE, LOCK=NONE", "constraint_form": "foreign keys with "
              "foreign_key_checks=0; CHECKs through an online schema change tool on large tables",
              "validate_form": "orphan and range queries, since MySQL has no VALIDATE",
              "drop_form": "make indexes INVISIBLE first; DROP COLUMN with ALGORITHM=INSTANT (8.0.29+)",
              "not_null_form": "MODIFY ... NOT NULL, ALGORITHM=INPLACE, LOCK=NONE"},
}
