"""`update X by (id)` rewrites every column, so it checks the row's version (`@versioned`) or updated_at as
the caller read it (SC-CON-01): a stale update changes nothing, visibly (no RETURNING row on PostgreSQL,
0 rows on MySQL), and the concurrent change to another column survives. One test body, both engines."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.sqlrun import ENGINES, Db, engine_db

MODEL = """
model notes {
  ids uuid7
}
entity Doc {
  title  string(40)
  body   string(40)
}
entity Page @versioned {
  title  string(40)
  body   string(40)
}
write save_doc {
  update  Doc by (id)
}
write save_page {
  update  Page by (id)
}
"""


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer, tmp_path: Path) -> Db:
    return engine_db(request, pg_server, mariadb_server, tmp_path, MODEL, "optimistic")


def _read(db: Db, table: str, key: uuid.UUID) -> dict[str, Any]:
    return db.sql(f"SELECT * FROM {table} WHERE id = %s", key)[0]


def _changed(db: Db, rows: list[dict[str, Any]]) -> int:
    """Rows the update changed, as the caller sees it: RETURNING rows, else the driver's row count."""
    return len(rows) if db.engine == "postgres" else db.rowcount


@pytest.mark.parametrize(("table", "write", "check"), [("docs", "SaveDoc", "updated_at"),
                                                      ("pages", "SavePage", "version")], ids=["updated_at", "version"])
def test_a_stale_whole_row_update_changes_nothing(db: Db, table: str, write: str, check: str) -> None:
    key = uuid.uuid4()
    db.sql(f"INSERT INTO {table} (id, title, body) VALUES (%s, 'draft', 'first text')", key)
    assert [p.name for p in db.statements[write].params][-1] == f"expected_{check}"
    alice = _read(db, table, key)  # two editors read the same row
    bob = _read(db, table, key)

    rows = db.run(write, id=key, title=bob["title"], body="bob's text", **{f"expected_{check}": bob[check]})
    assert _changed(db, rows) == 1
    rows = db.run(write, id=key, title="alice's title", body=alice["body"], **{f"expected_{check}": alice[check]})
    assert _changed(db, rows) == 0, "the stale update must change nothing"
    now = _read(db, table, key)
    assert (now["title"], now["body"]) == ("draft", "bob's text"), "the concurrent change survives"

    rows = db.run(write, id=key, title="alice's title", body=now["body"], **{f"expected_{check}": now[check]})
    assert _changed(db, rows) == 1, "re-read, the update goes through"
    assert _read(db, table, key)["title"] == "alice's title"
