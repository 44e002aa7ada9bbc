"""Maintained aggregates on MariaDB (row triggers only): a counter update is not an edit of the parent
(its ON UPDATE CURRENT_TIMESTAMP updated_at stays), and concurrent writers that post rows to the same
parents in opposite order leave the counters equal to the truth (a transaction the engine aborts as a
deadlock is retried, as the design's decision says)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from tests.engines import MariaDbServer
from tests.helpers.engine import MyExample
from tests.helpers.trig import COUNTERS_SDL, run_together, truth, write_model

DEADLOCK, LOCK_WAIT = 1213, 1205


@pytest.fixture
def counters(mariadb_server: MariaDbServer, tmp_path: Path) -> Iterator[MyExample]:
    ex = MyExample(mariadb_server, write_model(tmp_path, "counters", COUNTERS_SDL), "trig_counters")
    try:
        yield ex
    finally:
        ex.close()


def _connect(example: MyExample) -> pymysql.connections.Connection:
    conn = pymysql.connect(**example.kwargs)
    with conn.cursor() as cur:
        cur.execute("SET SESSION innodb_lock_wait_timeout = 20")
    return conn


def _accounts(example: MyExample, n: int) -> list[int]:
    with _connect(example) as conn, conn.cursor() as cur:
        for i in range(n):
            cur.execute("INSERT INTO accounts (name, updated_at) VALUES (%s, '2020-01-01 00:00:00')", (f"a{i}",))
        conn.commit()
        cur.execute("SELECT id FROM accounts ORDER BY id")
        return [r[0] for r in cur.fetchall()]


def test_a_counter_is_not_an_edit_of_the_parent(counters: MyExample) -> None:
    (a,) = _accounts(counters, 1)
    with _connect(counters) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO entries (account_id, amount) VALUES (%s, 4), (%s, 6)", (a, a))
        cur.execute("UPDATE entries SET amount = amount + 1")
        cur.execute("DELETE FROM entries WHERE amount = 5")
        conn.commit()
        cur.execute("SELECT posted, total, top, CAST(updated_at AS CHAR) FROM accounts WHERE id = %s", (a,))
        assert cur.fetchone() == (1, 7, 7, "2020-01-01 00:00:00.000000")
        cur.execute("UPDATE accounts SET name = 'edited' WHERE id = %s", (a,))  # a real edit still moves it
        conn.commit()
        cur.execute("SELECT updated_at > '2020-01-02' FROM accounts WHERE id = %s", (a,))
        assert cur.fetchone() == (1,)


def test_opposite_order_writers_keep_counters_true(counters: MyExample) -> None:
    ids = _accounts(counters, 2)
    deadlocks: list[int] = []

    def writer(order: list[int]) -> object:
        rng = random.Random(order[0])

        def job(barrier: threading.Barrier) -> None:
            with _connect(counters) as conn, conn.cursor() as cur:
                barrier.wait()
                for round_ in range(40):
                    rows = [(k, round_ % 5) for k in order for _ in range(3)]
                    values = ", ".join(["(%s, %s)"] * len(rows))
                    args = [x for row in rows for x in row]
                    for _attempt in range(20):
                        try:
                            cur.execute(f"INSERT INTO entries (account_id, amount) VALUES {values}", args)
                            cur.execute("DELETE FROM entries WHERE account_id = %s AND amount = 0 LIMIT 1",
                                        (order[-1],))
                            conn.commit()
                            break
                        except pymysql.err.OperationalError as err:
                            conn.rollback()
                            if err.args[0] not in (DEADLOCK, LOCK_WAIT):
                                raise
                            deadlocks.append(err.args[0])
                            # the advice the decision gives: retry after a random pause, so that two writers
                            # that collided do not retry in lockstep and collide again
                            time.sleep(rng.uniform(0.001, 0.02) * (_attempt + 1))
                    else:
                        raise AssertionError("20 deadlocks in a row")
        return job

    errors = run_together([writer(ids), writer(ids[::-1])], timeout=120)  # type: ignore[list-item]
    assert not errors, errors
    with _connect(counters) as conn, conn.cursor() as cur:
        cur.execute("SELECT account_id, amount FROM entries WHERE deleted_at IS NULL")
        real = truth(list(cur.fetchall()))
        cur.execute("SELECT id, posted, total FROM accounts")
        kept = {k: (n, s) for k, n, s in cur.fetchall()}
    assert kept == {k: real.get(k, (0, 0)) for k in ids}
