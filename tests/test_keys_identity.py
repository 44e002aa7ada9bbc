"""Issue 10, item 13(a), integer ids: PostgreSQL keys a tenant table (tenant, id) with the identity inside
the key; InnoDB needs an AUTO_INCREMENT column to lead an index, so MariaDB keeps pkey (id) with unique
(tenant, id) for the tenant foreign keys (recorded as REL-K04). Both apply, generate ids and refuse a
cross-tenant reference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest

from schemac.compiler.design.decisions import PrimaryKeys, Subject
from tests.engines import MariaDbServer, PgServer
from tests.helpers.keys import key_indexes
from tests.helpers.sqlrun import ENGINES, Db, engine_db

SDL = """\
model numbered {
  tenant  Org
  ids     bigint
  deletes hard
}
entity Org {
  name  string(20)
}
entity Board {
  name  string(20)
  cards int = count(Card)
}
entity Card {
  board  Board
  title  string(20)
}
"""


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer,
       tmp_path: Path) -> Iterator[Db]:
    d = engine_db(request, pg_server, mariadb_server, tmp_path, SDL, "keys_identity")
    yield d
    d.conn.close()


def test_identity_keys(db: Db) -> None:
    expected = {"postgres": [(("org_id", "id"), True)],
                "mariadb": [(("id",), True), (("org_id", "id"), False)]}[db.engine]
    assert sorted((cols, pk) for _, cols, pk in key_indexes(db, "boards")) == sorted(expected)
    decisions = {d.rule for d in db.result.design.decisions  # type: ignore[union-attr]
                 if d.subject == Subject.of_model("numbered") and isinstance(d.payload, PrimaryKeys)}
    assert decisions == {"postgres": {"REL-S01"}, "mariadb": {"REL-K04"}}[db.engine]
    for name in ("a", "b"):
        db.sql("INSERT INTO orgs (name) VALUES (%s)", name)
    orgs = [r["id"] for r in db.sql("SELECT id FROM orgs ORDER BY id")]
    db.sql("INSERT INTO boards (org_id, name) VALUES (%s, 'x')", orgs[0])
    board = db.sql("SELECT id FROM boards")[0]["id"]
    db.sql("INSERT INTO cards (org_id, board_id, title) VALUES (%s, %s, 't')", orgs[0], board)
    with pytest.raises((psycopg.errors.ForeignKeyViolation, pymysql.err.IntegrityError)):
        db.sql("INSERT INTO cards (org_id, board_id, title) VALUES (%s, %s, 't')", orgs[1], board)
    assert db.sql("SELECT cards FROM boards")[0]["cards"] == 1
