"""Models and catalog helpers for the primary-key tests (tests/test_keys_*.py)."""

from __future__ import annotations

from tests.helpers.sqlrun import Db

# A tenant-scoped parent with a maintained counter (statement triggers on PostgreSQL, row triggers on
# MariaDB), @versioned and @audited; children referencing it by composite tenant keys; lookups and writes
# by id.
TENANT_SDL = """\
model keys {
  tenant     Org
  ids        uuid7
  deletes    hard
  audit      on
}
entity Org {
  name  string(40)
}
entity Project @audited @versioned {
  label  string(40)
  tasks  int = count(Task)
  unique (label)
}
entity Task {
  project  Project @on_delete(cascade)
  title    string(40)
}
entity Country @global {
  code  string(2)
  unique (code)
}
query project_by_id {
  from   Project
  where  id = ?
}
query project_tasks {
  from   Task
  where  project = ?
}
write rename_project {
  update  Project by (id)
}
write save_project {
  upsert  Project by (label)
}
write drop_task {
  delete  Task by (id)
}
"""


def key_indexes(db: Db, table: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, columns, primary?) of every unique index of `table` whose columns include `id`, from the
    engine's catalog (pg_index / information_schema.statistics)."""
    if db.engine == "postgres":
        rows = db.sql(
            "SELECT i.relname AS name, x.indisprimary AS pk, "
            "array_agg(a.attname::text ORDER BY k.n) AS cols "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = %s AND x.indisunique GROUP BY i.relname, x.indisprimary", table)
        found = [(r["name"], tuple(r["cols"]), bool(r["pk"])) for r in rows]
    else:
        rows = db.sql(
            "SELECT index_name AS name, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols "
            "FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = %s "
            "AND non_unique = 0 GROUP BY index_name", table)
        found = [(r["name"], tuple(r["cols"].split(",")), r["name"] == "PRIMARY") for r in rows]
    return sorted(f for f in found if "id" in f[1])
