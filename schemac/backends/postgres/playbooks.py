"""PostgreSQL's online-migration playbook: which change locks what, and the safe form to use instead
(anchors-linters.md section 2)."""

from __future__ import annotations

from schemac.backends.playbook import Operation, Playbook
from schemac.backends.sql.playbooks import SQL_PHASES

PLAYBOOK = Playbook(
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
    phases=SQL_PHASES,
    forms={"online": "CREATE INDEX CONCURRENTLY", "constraint_form": "FOREIGN KEY / CHECK ... NOT VALID",
                   "validate_form": "ALTER TABLE ... VALIDATE CONSTRAINT",
                   "drop_form": "DROP INDEX CONCURRENTLY; DROP COLUMN is metadata-only",
                   "not_null_form": "CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL"},
)
