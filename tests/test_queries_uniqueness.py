"""The same model accepts and rejects the same keys on every target (SC-KEY-03, SC-KEY-04), one test body
for PostgreSQL and MariaDB: opaque keys (a `string` in a unique key) compare byte for byte, so 'k-abc' and
'k-AbC' are two keys and a lookup returns the right one; emails compare case-insensitively, so 'bob@x.io'
after 'Bob@x.io' is refused and a lookup in any case finds the one row; both lookups still use their
unique index."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg
import pymysql
import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.sqlrun import ENGINES, Db, engine_db

MODEL = """
model keys {
  ids uuid7
}
entity Payment {
  idempotency_key  string(64)  @unique
  amount           int
}
entity Account {
  email  email
  name   string(40)
  unique (email)
}
query payment_by_key {
  from   Payment
  where  idempotency_key = ?
}
query account_by_email {
  from   Account
  where  email = ?
}
"""
DUPLICATE = (psycopg.errors.UniqueViolation, pymysql.err.IntegrityError)


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer, tmp_path: Path) -> Db:
    return engine_db(request, pg_server, mariadb_server, tmp_path, MODEL, "uniqueness")


def _payment(db: Db, key: str, amount: int) -> None:
    db.sql("INSERT INTO payments (id, idempotency_key, amount) VALUES (%s, %s, %s)", uuid.uuid4(), key, amount)


def _account(db: Db, email: str, name: str) -> None:
    db.sql("INSERT INTO accounts (id, email, name) VALUES (%s, %s, %s)", uuid.uuid4(), email, name)


def _uses_index(db: Db, statement: str, index: str, value: str) -> bool:
    sql = db.statements[statement].sql
    if db.engine == "postgres":
        db.sql("SET enable_seqscan = off")  # a table of a few rows: is the index usable at all?
        try:
            plan = db.sql("EXPLAIN (FORMAT JSON) " + sql.replace("$1", "%s"), value)[0]["QUERY PLAN"]
        finally:
            db.sql("RESET enable_seqscan")
        return f'"Index Name": "{index}"' in json.dumps(plan)
    rows = db.sql("EXPLAIN " + sql.replace("%(" + db.statements[statement].params[0].name + ")s", "%s"), value)
    return any(r["key"] == index for r in rows)


def test_opaque_keys_compare_byte_for_byte(db: Db) -> None:
    for key, amount in (("k-abc", 1), ("k-AbC", 2), ("k-é", 3), ("k-e", 4)):
        _payment(db, key, amount)  # case and accents make different keys on every target
    with pytest.raises(DUPLICATE):
        _payment(db, "k-AbC", 5)
    for key, amount in (("k-AbC", 2), ("k-abc", 1), ("k-e", 4)):
        assert [r["amount"] for r in db.run("PaymentByKey", idempotency_key=key)] == [amount]
    assert db.run("PaymentByKey", idempotency_key="K-ABC") == []
    assert _uses_index(db, "PaymentByKey", "payments_idempotency_key_key", "k-abc")


def test_emails_compare_case_insensitively(db: Db) -> None:
    _account(db, "Bob@x.io", "bob")
    with pytest.raises(DUPLICATE):
        _account(db, "bob@x.io", "impostor")
    _account(db, "alice@x.io", "alice")
    for typed in ("bob@x.io", "BOB@X.IO", "Bob@x.io"):
        assert [r["name"] for r in db.run("AccountByEmail", email=typed)] == ["bob"]
    assert _uses_index(db, "AccountByEmail", "accounts_email_key", "bob@x.io")


def test_accented_emails(db: Db) -> None:
    """PostgreSQL's collation is accent-sensitive: two addresses. MySQL 8 and MariaDB 10.11 share no
    case-insensitive, accent-sensitive collation: the second is refused (SC-KEY-04 says so), never stored
    twice or returned for the other."""
    _account(db, "josé@x.io", "josé")
    if db.engine == "postgres":
        _account(db, "jose@x.io", "jose")
        assert [r["name"] for r in db.run("AccountByEmail", email="JOSE@x.io")] == ["jose"]
    else:
        with pytest.raises(DUPLICATE):
            _account(db, "jose@x.io", "jose")
    assert [r["name"] for r in db.run("AccountByEmail", email="JOSÉ@x.io")] == ["josé"]
