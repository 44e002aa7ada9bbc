"""SDL 1.2 on the engines (PostgreSQL 15 and MariaDB, every warning a failure): bucket ranges and bucket
expressions in UTC, the UNION ALL feed against the per-entity reads merged by hand (page by page), partial
updates, and batched expiry purges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from schemac.backends import get_backend
from tests.engines import MariaDbServer, PgServer
from tests.helpers.sdl12_feed import feed_db
from tests.helpers.sqldata import bucket_start
from tests.helpers.sqlrun import ENGINES, TARGET, Db

UTC = dt.UTC
BUCKETS = ("day", "week", "month", "quarter", "year")


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer) -> Iterator[Db]:
    d = feed_db(request.param, f"sdl12_{request.param}", pg_server, mariadb_server)
    if d.engine == "postgres":  # buckets are UTC whatever the session's zone: one with daylight saving
        d.sql("SET TIME ZONE 'America/New_York'")
    try:
        yield d
    finally:
        d.conn.close()


def _ts(db: Db, value: dt.datetime) -> dt.datetime:
    """A UTC instant as the engine takes it (MariaDB's DATETIME(6) holds UTC, naive)."""
    return value if db.engine == "postgres" else value.astimezone(UTC).replace(tzinfo=None)


def _utc(value: Any) -> dt.datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _shop(db: Db) -> tuple[int, int]:
    db.sql("INSERT INTO shops (name) VALUES ('s')")
    shop = db.sql("SELECT max(id) AS id FROM shops")[0]["id"]
    db.sql("INSERT INTO customers (shop_id, name) VALUES (%s, 'c')", shop)
    customer = db.sql("SELECT max(id) AS id FROM customers")[0]["id"]
    return shop, customer


def _add(db: Db, table: str, shop: int, customer: int, rep: str, total: str, at: dt.datetime) -> None:
    db.sql(f"INSERT INTO {table} (shop_id, customer_id, rep, total, created_at) VALUES (%s, %s, %s, %s, %s)",
           shop, customer, rep, Decimal(total), _ts(db, at))


# --- buckets ---------------------------------------------------------------------------------------------------
def _python_next(start: dt.datetime, bucket: str) -> dt.datetime:
    months = {"month": 1, "quarter": 3, "year": 12}.get(bucket)
    if months is None:
        return start + dt.timedelta(days=7 if bucket == "week" else 1)
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1)


INSTANTS = [dt.datetime(2024, 3, 31, 23, 59, 59, 999999, UTC), dt.datetime(2024, 4, 1, tzinfo=UTC),
            dt.datetime(2024, 11, 3, 5, 30, tzinfo=UTC),  # the night New York leaves daylight saving
            dt.datetime(2024, 12, 31, 23, 0, tzinfo=UTC), dt.datetime(2021, 1, 3, 12, tzinfo=UTC),  # a Sunday
            dt.datetime(2024, 2, 29, 8, tzinfo=UTC), dt.datetime(2023, 10, 2, tzinfo=UTC)]


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_start_and_next_are_utc_iso_buckets(db: Db, bucket: str) -> None:
    shop, customer = _shop(db)
    for at in INSTANTS:
        _add(db, "invoices", shop, customer, "r", "1", at)
    dialect = get_backend(TARGET[db.engine]).dialect  # type: ignore[attr-defined]
    t = sa.table("invoices", sa.column("id", sa.BigInteger()),
                 sa.column("created_at", sa.DateTime(timezone=db.engine == "postgres")))
    start = dialect.bucket_start(t.c.created_at, bucket)
    stmt = sa.select(t.c.created_at, start.label("s"), dialect.bucket_next(start, bucket).label("n")) \
        .order_by(t.c.id)
    sql = str(stmt.compile(dialect=dialect.query_dialect))
    for row in db.sql(sql):
        at = _utc(row["created_at"])
        assert _utc(row["s"]) == bucket_start(at, bucket), (bucket, at)
        assert _utc(row["n"]) == _python_next(bucket_start(at, bucket), bucket), (bucket, at)


def test_quarter_totals_read_the_half_open_range(db: Db) -> None:
    shop, customer = _shop(db)
    for at, rep, total in [(INSTANTS[0], "ann", "1.00"), (INSTANTS[1], "ann", "2.00"),
                           (dt.datetime(2024, 6, 30, 23, 59, 59, 999999, UTC), "ann", "4.00"),
                           (dt.datetime(2024, 7, 1, tzinfo=UTC), "ann", "8.00"),
                           (dt.datetime(2024, 5, 5, tzinfo=UTC), "bob", "16.00")]:
        _add(db, "invoices", shop, customer, rep, total, at)
    db.sql("UPDATE invoices SET deleted_at = created_at WHERE total = 4.00")  # a soft-deleted row leaves
    q2 = _ts(db, dt.datetime(2024, 4, 1, tzinfo=UTC))
    rows = db.run("RepQuarterTotals", shop_id=shop, created_at_quarter=q2)
    assert sorted((r["rep"], r["revenue"], r["orders"]) for r in rows) == \
        [("ann", Decimal("2.00"), 1), ("bob", Decimal("16.00"), 1)]
    assert {_utc(r["created_at_quarter"]) for r in rows} == {dt.datetime(2024, 4, 1, tzinfo=UTC)}
    # the group key is the bucket's first instant: passed back, it reads the same bucket
    again = db.run("RepQuarterTotals", shop_id=shop, created_at_quarter=rows[0]["created_at_quarter"])
    assert sorted(again, key=str) == sorted(rows, key=str)


# --- from Invoice | Shipment -------------------------------------------------------------------------------------
def _feed_rows(db: Db, shop: int, customer: int) -> None:
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(45):  # ties on created_at between and within tables; ids 1.. in both tables
        _add(db, "invoices", shop, customer, "r", f"{i}.00", base + dt.timedelta(hours=i // 3))
    for i in range(38):
        _add(db, "shipments", shop, customer, "r", f"{i}.50", base + dt.timedelta(hours=i // 2))
    db.sql("UPDATE invoices SET deleted_at = created_at WHERE id IN (4, 17)")
    _add(db, "shipments", shop, customer, "r", "99.00", base - dt.timedelta(days=3))  # outside the range


def _by_hand(db: Db, shop: int, customer: int, low: dt.datetime, high: dt.datetime) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for table, entity in (("invoices", "Invoice"), ("shipments", "Shipment")):
        for r in db.sql(f"SELECT id, created_at, total FROM {table} WHERE shop_id = %s AND customer_id = %s "
                        f"AND created_at BETWEEN %s AND %s AND deleted_at IS NULL", shop, customer,
                        _ts(db, low), _ts(db, high)):
            rows.append((_utc(r["created_at"]), r["id"], entity, r["total"]))
    return sorted(rows, reverse=True)


def test_union_pages_equal_the_per_entity_reads_merged_by_hand(db: Db) -> None:
    shop, customer = _shop(db)
    _feed_rows(db, shop, customer)
    low, high = dt.datetime(2023, 12, 31, tzinfo=UTC), dt.datetime(2024, 1, 2, tzinfo=UTC)
    args = {"shop_id": shop, "customer_id": customer, "created_at_from": _ts(db, low),
            "created_at_to": _ts(db, high)}
    got: list[tuple[Any, ...]] = []
    page = db.run("CustomerActivity", **args)
    pages = 0
    while page:
        pages += 1
        assert len(page) <= 20
        got += [(_utc(r["created_at"]), r["id"], r["entity"], r["total"]) for r in page]
        last = page[-1]
        page = db.run("CustomerActivityNext", **args, after_created_at=last["created_at"], after_id=last["id"],
                      after_entity=last["entity"])
    assert got == _by_hand(db, shop, customer, low, high)
    assert pages == 5 and len(got) == 81


# --- partial update ----------------------------------------------------------------------------------------------
def test_partial_update_sets_only_the_listed_field(db: Db) -> None:
    shop, customer = _shop(db)
    _add(db, "invoices", shop, customer, "ann", "5.00", INSTANTS[1])
    db.sql("UPDATE invoices SET updated_at = %s", _ts(db, dt.datetime(2020, 1, 1, tzinfo=UTC)))
    before = db.sql("SELECT * FROM invoices")[0]
    db.run("SetNote", shop_id=shop, id=before["id"], note="paid late")
    after = db.sql("SELECT * FROM invoices")[0]
    assert after["note"] == "paid late"
    assert {k: v for k, v in after.items() if k not in ("note", "updated_at")} == \
        {k: v for k, v in before.items() if k not in ("note", "updated_at")}
    assert _utc(after["updated_at"]) > dt.datetime(2020, 1, 2, tzinfo=UTC)


# --- @expires -----------------------------------------------------------------------------------------------------
def test_purge_removes_exactly_the_expired_rows_in_batches(db: Db) -> None:
    shop, customer = _shop(db)
    now = dt.datetime.now(UTC)
    for i in range(2500):
        db.sql("INSERT INTO sessions (shop_id, customer_id, token, expires_at) VALUES (%s, %s, %s, %s)",
               shop, customer, f"old{i}", _ts(db, now - dt.timedelta(minutes=1 + i % 50)))
    for i in range(300):
        db.sql("INSERT INTO sessions (shop_id, customer_id, token, expires_at) VALUES (%s, %s, %s, %s)",
               shop, customer, f"live{i}", _ts(db, now + dt.timedelta(hours=1 + i)))
    db.sql("UPDATE sessions SET deleted_at = expires_at WHERE token IN ('old7', 'live7')")  # soft-deleted
    audited = "SELECT count(*) AS n FROM audit_log WHERE table_name = 'sessions' AND action = 'delete'"
    before = db.sql(audited)[0]["n"]  # the two soft deletes
    counts = []
    while True:
        db.run("PurgeSession")
        counts.append(db.rowcount)
        if db.rowcount < 1000:
            break
    assert counts == [1000, 1000, 500]
    left = db.sql("SELECT token FROM sessions")
    assert sorted(r["token"] for r in left) == sorted(f"live{i}" for i in range(300))
    assert db.sql(audited)[0]["n"] - before == 2500  # expiry is a hard delete, and audited


# --- maintained summary ------------------------------------------------------------------------------------------
def _truth(db: Db) -> list[tuple[Any, ...]]:
    rows = db.sql("SELECT shop_id, rep, created_at, total FROM invoices WHERE deleted_at IS NULL")
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for r in rows:
        key = (r["shop_id"], r["rep"], bucket_start(_utc(r["created_at"]), "quarter"))
        acc = groups.setdefault(key, [0, Decimal(0)])
        acc[0] += 1
        acc[1] += r["total"]
    return sorted((*k, n, total) for k, (n, total) in groups.items())


def _summary(db: Db) -> list[tuple[Any, ...]]:
    rows = db.sql("SELECT shop_id, rep, created_at_quarter, rows_count, revenue FROM rep_quarter_totals_summary")
    return sorted((r["shop_id"], r["rep"], _utc(r["created_at_quarter"]), r["rows_count"], r["revenue"])
                  for r in rows)


def test_summary_equals_a_group_by_through_every_kind_of_write(db: Db) -> None:
    shop, customer = _shop(db)
    other, other_customer = _shop(db)
    for i, at in enumerate(INSTANTS * 3):
        _add(db, "invoices", shop if i % 4 else other, customer if i % 4 else other_customer,
             ("ann", "bob", "cy")[i % 3], f"{i}.25", at)
    steps = [
        "UPDATE invoices SET total = total + 1 WHERE rep = 'ann'",  # values change, groups stay
        "UPDATE invoices SET rep = 'bob' WHERE id % 5 = 0",  # moves between groups
        "UPDATE invoices SET created_at = created_at + INTERVAL '1' DAY WHERE id % 3 = 0",  # between buckets
        "UPDATE invoices SET deleted_at = created_at WHERE id % 4 = 1",  # soft deletes
        "UPDATE invoices SET deleted_at = NULL WHERE id % 8 = 1",  # restores
        "UPDATE invoices SET deleted_at = created_at, rep = 'dee' WHERE id = 2",  # a soft delete that moves
        "DELETE FROM invoices WHERE id % 7 = 0",  # hard deletes
        "DELETE FROM invoices WHERE rep = 'cy' AND deleted_at IS NULL",  # a whole group goes
    ]
    assert _summary(db) == _truth(db)
    for step in steps:
        db.sql(step)
        assert _summary(db) == _truth(db), step
    q2 = _ts(db, dt.datetime(2024, 4, 1, tzinfo=UTC))
    got = db.run("RepQuarterTotals", shop_id=shop, created_at_quarter=q2)
    want = [(rep, n, total) for s, rep, at, n, total in _truth(db) if s == shop and at == _utc(q2)]
    assert sorted((r["rep"], r["orders"], r["revenue"]) for r in got) == want and want


def test_postgres_purge_needs_a_bypassrls_role(pg_server: PgServer, mariadb_server: MariaDbServer) -> None:
    """Row-level security is FORCEd: the application's role purges nothing (it sees no tenant); the purge
    role the decision names (BYPASSRLS, SELECT and DELETE on the table) purges every tenant's rows."""
    d = feed_db("postgres", "sdl12_purge_role", pg_server, mariadb_server)
    try:
        shops = [_shop(d) for _ in range(2)]
        for shop, customer in shops:
            for i in range(5):
                d.sql("INSERT INTO sessions (shop_id, customer_id, token, expires_at) VALUES (%s, %s, %s, "
                      "now() - interval '1 minute')", shop, customer, f"s{shop}-{i}")
        d.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sdl12_purger') THEN "
              "CREATE ROLE sdl12_purger NOLOGIN BYPASSRLS; END IF; END $$")
        d.sql("GRANT SELECT, DELETE ON sessions TO sdl12_purger")
        d.sql(f"GRANT SELECT, DELETE ON sessions TO {pg_server.app_user}")
        d.sql(f"SET ROLE {pg_server.app_user}")
        d.run("PurgeSession")
        assert d.rowcount == 0
        d.sql("RESET ROLE")
        d.sql("SET ROLE sdl12_purger")
        d.run("PurgeSession")
        assert d.rowcount == 10
        d.sql("RESET ROLE")
        assert d.sql("SELECT count(*) AS n FROM sessions")[0]["n"] == 0
    finally:
        d.sql("RESET ROLE")
        d.sql("REVOKE ALL ON sessions FROM sdl12_purger")
        d.conn.close()
