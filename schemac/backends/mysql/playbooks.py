"""MySQL's online-migration playbook: which change locks what, and the safe form to use instead
(anchors-linters.md section 2)."""

from __future__ import annotations

from schemac.backends.playbook import Operation, Playbook
from schemac.backends.sql.playbooks import SQL_PHASES

PLAYBOOK = Playbook(
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
    phases=SQL_PHASES,
    forms={"online": "ALGORITHM=INPLACE, LOCK=NONE", "constraint_form": "foreign keys with "
              "foreign_key_checks=0; CHECKs through an online schema change tool on large tables",
              "validate_form": "orphan and range queries, since MySQL has no VALIDATE",
              "drop_form": "make indexes INVISIBLE first; DROP COLUMN with ALGORITHM=INSTANT (8.0.29+)",
              "not_null_form": "MODIFY ... NOT NULL, ALGORITHM=INPLACE, LOCK=NONE"},
)
