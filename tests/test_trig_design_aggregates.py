"""The design's decisions about maintained aggregates: a hot parent gets a deltas-table proposal with its
arithmetic, a target with row triggers only records its lock-order limit, and the counter's meaning under a
parent's soft delete is stated (and true on both engines: soft-deleting and restoring a parent leaves its
totals equal to a GROUP BY over the live children)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schemac.compiler.design.model import Subject
from tests.helpers.aggregates import check_aggregates
from tests.helpers.engine import MyExample, PgExample
from tests.helpers.sqldata import build_example
from tests.helpers.trig import COUNTERS_SDL, write_model

HOT_SDL = """\
model hot {}
entity Campaign {
  name    string(20)
  clicks  int = count(Click)
  volume  40
}
entity Shop {
  name    string(20)
  clicks  int = count(Click)
  volume  1M
}
entity Click {
  campaign  Campaign
  shop      Shop
  volume    100M
}
write click {
  insert  Click
  rate    5k/s
}
"""


def _decisions(tmp_path: Path, text: str, target: str) -> list[Any]:
    return list(build_example(write_model(tmp_path, "m", text), target).design.decisions)


@pytest.mark.parametrize("target", ["postgres", "mysql"])
def test_a_hot_parent_gets_a_deltas_table_proposal(tmp_path: Path, target: str) -> None:
    hot = [d for d in _decisions(tmp_path, HOT_SDL, target) if d.payload.kind == "hot_parent"]
    # 5000/s over 40 rows; not over 1M shops
    assert [d.subject for d in hot] == [Subject.of_field("Campaign", "clicks")]
    assert hot[0].rule == "SC-DEN-02"
    assert "5,000.0 writes/s of Click over 40 Campaign rows = 125.0 updates/s per Campaign row >= 100/s" in hot[0].why


def test_row_trigger_targets_record_their_lock_order_limit(tmp_path: Path) -> None:
    def limit(target: str) -> list[Any]:
        return [d for d in _decisions(tmp_path, COUNTERS_SDL, target) if d.payload.kind == "row_triggers"]

    assert limit("postgres") == []
    (mysql,) = limit("mysql")
    assert mysql.rule == "SC-DEN-01" and "sorted by parent key" in mysql.choice and "opposite order" in mysql.why


def test_soft_delete_semantics_is_a_decision(tmp_path: Path) -> None:
    found = [d for d in _decisions(tmp_path, COUNTERS_SDL, "postgres") if d.rule == "SC-DEL-01"
             and d.subject.kind == "field" and d.subject.entity == "Account"]
    assert {d.subject.field for d in found} == {"posted", "total", "top"}
    assert all(d.payload.kind == "count_under_soft_delete" for d in found)
    assert all("soft-deleted; a soft delete and a restore leave it unchanged" in d.choice for d in found)


ENGINES = {"postgres": ("pg_server", PgExample), "mysql": ("mariadb_server", MyExample)}


@pytest.fixture(params=sorted(ENGINES))
def counters(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    server_fixture, cls = ENGINES[request.param]
    ex = cls(request.getfixturevalue(server_fixture), write_model(tmp_path, "counters", COUNTERS_SDL),
             f"trig_soft_{request.param}")
    try:
        yield ex
    finally:
        ex.close()


def test_parent_soft_delete_and_restore_keep_totals(counters: Any) -> None:
    accounts, entries = counters.layout.of("Account").table, counters.layout.of("Entry").table
    aggregates = counters.result.design.relational.aggregates
    with counters.engine.begin() as conn:
        conn.execute(accounts.insert().values(name="a"))
        a = conn.execute(sa.select(sa.func.max(accounts.c.id))).scalar_one()
        conn.execute(entries.insert(), [{"account_id": a, "amount": n} for n in (3, 4, 5)])
        conn.execute(accounts.update().values(deleted_at=sa.func.now()).where(accounts.c.id == a))
        check_aggregates(conn, counters.layout, aggregates)
        conn.execute(entries.insert().values(account_id=a, amount=7))  # a child of a soft-deleted parent
        check_aggregates(conn, counters.layout, aggregates)
        conn.execute(accounts.update().values(deleted_at=None).where(accounts.c.id == a))
        check_aggregates(conn, counters.layout, aggregates)
        assert conn.execute(sa.select(accounts.c.posted, accounts.c.total, accounts.c.top)).one() == (4, 19, 7)
