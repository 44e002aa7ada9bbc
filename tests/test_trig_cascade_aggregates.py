"""Maintained aggregates when a parent is deleted, on both engines: a cascade removes children that are
counted on *another* parent (and grandchildren: nested owners). On MySQL/MariaDB InnoDB's cascades fire no
triggers, so the design turns those keys into RESTRICT plus a BEFORE DELETE trigger on the parent; on
PostgreSQL the native cascade fires the triggers. Either way the totals stay equal to a GROUP BY."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from schemac.compiler.design.model import Subject
from tests.helpers.aggregates import check_aggregates
from tests.helpers.engine import MyExample, PgExample
from tests.helpers.trig import CASCADE_SDL, write_model

ENGINES = {"postgres": ("pg_server", PgExample), "mysql": ("mariadb_server", MyExample)}


@pytest.fixture(params=sorted(ENGINES))
def cascade(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    server_fixture, cls = ENGINES[request.param]
    server = request.getfixturevalue(server_fixture)
    ex = cls(server, write_model(tmp_path, "cascade", CASCADE_SDL), f"trig_cascade_{request.param}")
    try:
        yield ex
    finally:
        ex.close()


def _add(conn: sa.Connection, example: Any, entity: str, **values: Any) -> int:
    table = example.layout.of(entity).table
    conn.execute(table.insert().values(**{f"{k}_id" if isinstance(v, tuple) else k: v[0] if isinstance(v, tuple)
                                          else v for k, v in values.items()}))
    return int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar_one())


def _world(conn: sa.Connection, ex: Any) -> dict[str, int]:
    """Two customers, an order of customer 1 whose lines and notes are counted on customer 2 (and 1)."""
    c1, c2 = _add(conn, ex, "Customer", name="one"), _add(conn, ex, "Customer", name="two")
    out = {"c1": c1, "c2": c2}
    for name, owner in (("o1", c1), ("o2", c2)):
        out[name] = _add(conn, ex, "Order", customer=(owner,))
    for i in range(3):
        line = _add(conn, ex, "Line", order=(out["o1"],), customer=(c2,), amount=10 + i)
        for j in range(2):
            _add(conn, ex, "Note", line=(line,), customer=(c2 if j else c1,), body=f"n{i}{j}")
    kept = _add(conn, ex, "Line", order=(out["o2"],), customer=(c2,), amount=5)
    _add(conn, ex, "Note", line=(kept,), customer=(c2,), body="kept")
    return out


def test_deleting_a_parent_keeps_other_parents_totals(cascade: Any) -> None:
    aggregates = cascade.result.design.relational.aggregates
    with cascade.engine.begin() as conn:
        world = _world(conn, cascade)
        check_aggregates(conn, cascade.layout, aggregates)
        customers = cascade.layout.of("Customer").table
        assert conn.execute(sa.select(customers.c.lines, customers.c.spent, customers.c.notes)
                            .where(customers.c.id == world["c2"])).one() == (4, 38, 4)
        orders = cascade.layout.of("Order").table
        conn.execute(orders.delete().where(orders.c.id == world["o1"]))  # cascades to lines, then notes
        check_aggregates(conn, cascade.layout, aggregates)
        assert conn.execute(sa.select(customers.c.lines, customers.c.spent, customers.c.notes)
                            .where(customers.c.id == world["c2"])).one() == (1, 5, 1)
        assert conn.execute(sa.select(customers.c.notes).where(customers.c.id == world["c1"])).scalar_one() == 0
        lines = cascade.layout.of("Line").table
        conn.execute(lines.delete())  # a direct delete of lines still counts (the session flag is clear)
        check_aggregates(conn, cascade.layout, aggregates)


def test_a_failed_cascade_leaves_counting_on(cascade: Any) -> None:
    """A cascade that fails part-way (here: a note that cannot be deleted) is rolled back, and later
    deletes of the same parent's children still update its totals."""
    aggregates = cascade.result.design.relational.aggregates
    with cascade.engine.begin() as conn:
        world = _world(conn, cascade)
    notes, orders = cascade.layout.of("Note").table, cascade.layout.of("Order").table
    blocker = sa.Table("blockers", sa.MetaData(), sa.Column("note_id", sa.BigInteger,
                       sa.ForeignKey(notes.c.id, ondelete="RESTRICT"), primary_key=True))
    with cascade.engine.begin() as conn:
        blocker.create(conn)
        first = conn.execute(sa.select(sa.func.min(notes.c.id))).scalar_one()
        conn.execute(blocker.insert().values(note_id=first))
    with pytest.raises(sa.exc.IntegrityError), cascade.engine.begin() as conn:
        conn.execute(orders.delete().where(orders.c.id == world["o1"]))
    with cascade.engine.begin() as conn:
        check_aggregates(conn, cascade.layout, aggregates)
        lines = cascade.layout.of("Line").table
        conn.execute(notes.delete().where(notes.c.id != first))
        conn.execute(lines.update().values(amount=lines.c.amount + 1))
        check_aggregates(conn, cascade.layout, aggregates)


BLOCKED_SDL = """\
model blocked {
  ids bigint
}
entity User {
  name      string(20)
  comments  int = count(Comment)
}
entity Comment {
  author  User
  parent  Comment? @on_delete(cascade)
  body    string(20)
}
"""


def test_the_design_records_each_cascade_it_converts_or_keeps(tmp_path: Path) -> None:
    from schemac.backends.sql import codes  # noqa: F401 - registers the SQL backend's codes
    from schemac.diagnostics import REGISTRY
    from tests.helpers.sqldata import build_example

    assert "BEFORE DELETE trigger" in REGISTRY["SC0415"].explanation
    design = build_example(write_model(tmp_path, "cascade", CASCADE_SDL), "mysql").design
    converted = {(fk.entity, fk.field) for fk in design.relational.foreign_keys if fk.cascade_by_trigger}
    assert converted == {("Line", "order"), ("Note", "line")}
    assert all(fk.on_delete == "restrict" for fk in design.relational.foreign_keys if fk.cascade_by_trigger)
    assert {d.subject.label for d in design.decisions if d.payload.kind == "trigger_cascade"
                                  and d.payload.by_trigger} == \
        {"Line.order", "Note.line"}
    pg = build_example(write_model(tmp_path, "cascade", CASCADE_SDL), "postgres").design
    assert not any(fk.cascade_by_trigger for fk in pg.relational.foreign_keys)

    blocked = build_example(write_model(tmp_path, "blocked", BLOCKED_SDL), "mysql")
    assert not any(fk.cascade_by_trigger for fk in blocked.design.relational.foreign_keys)
    assert any(d.subject == Subject.of_reference("Comment", "parent") and d.payload.kind == "trigger_cascade"
               and not d.payload.by_trigger for d in blocked.design.decisions)
    assert "SC0415" in {d.code for d in blocked.diagnostics}
