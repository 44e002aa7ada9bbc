"""Maintained aggregates as statement-level triggers on PostgreSQL 15, as the non-superuser app role:
two transactions that post rows to the same two parents in opposite row order both finish (no deadlock),
and a statement updates each parent it touches once, whatever its number of rows (COPY, multi-row INSERT,
UPDATE and DELETE), so bulk writes are linear in the rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.engines import PgServer
from tests.helpers.aggregates import check_aggregates
from tests.helpers.engine import PgExample
from tests.helpers.trig import COUNTERS_SDL, run_together, write_model


@pytest.fixture
def counters(pg_server: PgServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PgExample]:
    ex = PgExample(pg_server, write_model(tmp_path, "counters", COUNTERS_SDL), f"trig_{request.node.name[:30]}")
    try:
        ex.app_engine().dispose()  # the grants
        yield ex
    finally:
        ex.close()


def _app(example: PgExample) -> psycopg.Connection:
    conn = psycopg.connect(example.server.dsn_for(example.db, user=example.server.app_user))
    conn.execute("SET lock_timeout = '20s'")
    conn.commit()
    return conn


def _accounts(example: PgExample, n: int) -> list[int]:
    with psycopg.connect(example.dsn, autocommit=True) as conn:
        return [conn.execute("INSERT INTO accounts (name) VALUES (%s) RETURNING id", (f"a{i}",)).fetchone()[0]
                for i in range(n)]


def _check(example: PgExample) -> None:
    with example.engine.begin() as conn:
        check_aggregates(conn, example.layout, example.result.design.relational.aggregates)  # type: ignore[union-attr]


def test_opposite_order_writers_do_not_deadlock(counters: PgExample) -> None:
    """Per-row triggers lock A then B in one transaction and B then A in the other: a deadlock. A test-only
    row trigger sleeps after each row, so that both transactions hold their first parent when they ask for
    the second one (deterministic, not a race)."""
    a, b = _accounts(counters, 2)
    with psycopg.connect(counters.dsn, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$")
        conn.execute("CREATE TRIGGER zz_slow AFTER INSERT ON entries FOR EACH ROW EXECUTE FUNCTION test_slow()")

    def writer(first: int, second: int) -> object:
        def job(barrier: threading.Barrier) -> None:
            with _app(counters) as conn:
                barrier.wait()
                with conn.transaction():
                    conn.execute("INSERT INTO entries (account_id, amount) VALUES (%s, 1), (%s, 2)", (first, second))
        return job

    errors = run_together([writer(a, b), writer(b, a)], timeout=30)  # type: ignore[list-item]
    assert not errors, errors
    _check(counters)
    with psycopg.connect(counters.dsn) as conn:
        assert conn.execute("SELECT posted, total FROM accounts WHERE id = %s", (a,)).fetchone() == (2, 3)


def _parent_updates(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'accounts'").fetchone()
    return int(row[0]) if row else 0


def test_a_statement_updates_each_parent_once(counters: PgExample) -> None:
    """n_tup_upd of the parent table grows by the parents a statement touches, not by its rows."""
    a, b = _accounts(counters, 2)
    steps: list[tuple[str, int]] = []
    with _app(counters) as conn, conn.transaction():
        with conn.cursor().copy("COPY entries (account_id, amount) FROM STDIN") as copy:
            for i in range(3000):
                copy.write_row((a, i % 7))
        steps.append(("copy 3000 rows of A", _parent_updates(conn)))
        conn.execute("INSERT INTO entries (account_id, amount) SELECT CASE WHEN g %% 2 = 0 THEN %s ELSE %s END, 1 "
                     "FROM generate_series(1, 2000) AS g", (a, b))
        steps.append(("insert 2000 rows of A and B", _parent_updates(conn)))
        conn.execute("UPDATE entries SET account_id = %s WHERE account_id = %s AND amount = 3", (b, a))
        steps.append(("move A's rows of amount 3 to B", _parent_updates(conn)))
        conn.execute("UPDATE entries SET deleted_at = now() WHERE amount = 1")
        steps.append(("soft-delete rows of A and B", _parent_updates(conn)))
        conn.execute("UPDATE entries SET created_at = created_at")
        steps.append(("touch every row: no aggregate changes", _parent_updates(conn)))
        conn.execute("DELETE FROM entries WHERE account_id = %s", (b,))
        steps.append(("delete B's rows", _parent_updates(conn)))
    # each of the three aggregates (posted, total, top) updates each parent a statement changes once
    touched = [("copy 3000 rows of A", 1), ("insert 2000 rows of A and B", 2), ("move A's rows of amount 3 to B", 2),
               ("soft-delete rows of A and B", 2), ("touch every row: no aggregate changes", 0), ("delete B's rows", 1)]
    aggregates = len(counters.result.design.relational.aggregates)  # type: ignore[union-attr]
    assert aggregates == 3
    expected = [(step, aggregates * sum(n for _, n in touched[: i + 1])) for i, (step, _) in enumerate(touched)]
    assert steps == expected
    _check(counters)


def test_bulk_statements_keep_every_aggregate_exact(counters: PgExample) -> None:
    """Many rows per statement, several parents, restores and hard deletes: equal to a GROUP BY."""
    ids = _accounts(counters, 5)
    with _app(counters) as conn, conn.transaction():
        conn.execute("INSERT INTO entries (account_id, amount) SELECT (%s::bigint[])[1 + g %% 5], g %% 11 "
                     "FROM generate_series(1, 5000) AS g", (ids,))
        conn.execute("UPDATE entries SET amount = amount + 100 WHERE id % 3 = 0")
        conn.execute("UPDATE entries SET deleted_at = now() WHERE id % 4 = 0")
        conn.execute("UPDATE entries SET account_id = %s WHERE id %% 5 = 1", (ids[0],))
        conn.execute("UPDATE entries SET deleted_at = NULL WHERE id % 8 = 0")
        conn.execute("DELETE FROM entries WHERE amount > 105")
    _check(counters)


def test_a_statement_waits_for_its_lowest_parent_holding_no_other(counters: PgExample) -> None:
    """The parents a statement changes are locked in key order before any is updated: while it waits for
    the lowest parent (held by another transaction), it holds none of the others, whatever the order of the
    statement's rows. Two writers that each need several parents therefore queue instead of deadlocking.
    (Without the ordered lock the update takes the parents in hash order and holds some higher one.)"""
    ids = sorted(_accounts(counters, 12))
    holder = _app(counters)
    try:
        # the lowest parent, locked as an update of it would (the inserts' foreign-key checks still pass)
        holder.execute("SELECT 1 FROM accounts WHERE id = %s FOR NO KEY UPDATE", (ids[0],))
        done: list[BaseException | None] = []

        def write() -> None:
            try:
                with _app(counters) as conn, conn.transaction():
                    conn.execute("INSERT INTO entries (account_id, amount) SELECT unnest(%s::bigint[]), 1",
                                 (list(reversed(ids)),))
                done.append(None)
            except BaseException as exc:  # reported below
                done.append(exc)

        writer = threading.Thread(target=write)
        writer.start()
        with psycopg.connect(counters.dsn, autocommit=True) as probe:
            for _ in range(100):  # until the writer waits for a row lock
                if probe.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN "
                                 "('transactionid', 'tuple')").fetchone()[0]:
                    break
                threading.Event().wait(0.05)
            else:
                pytest.fail("the writer never waited for the held parent")
            held = []
            for other in ids[1:]:
                with probe.transaction():
                    try:
                        probe.execute("SET LOCAL lock_timeout = '100ms'")
                        probe.execute("SELECT 1 FROM accounts WHERE id = %s FOR NO KEY UPDATE NOWAIT", (other,))
                    except psycopg.errors.LockNotAvailable:
                        held.append(other)
                        raise psycopg.Rollback() from None
        assert not held, f"the writer holds {len(held)} higher parents while it waits for the lowest"
    finally:
        holder.rollback()
        holder.close()
    writer.join(30)
    assert done == [None]
    _check(counters)
