"""The PostgreSQL harness the NoSQL proofs compare against (tests/helpers/pg_answers.py): its logical rows are
the tables' rows, typed and keyed as the contract says; its answers are the generated statements' rows; its
draws are the statements' parameters, the biggest group first; the summary tables the load skipped are full."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from psycopg import sql as psql

from schemac.backends.sql.naming import table_name
from schemac.compiler.model import FieldKind, ScalarKind
from tests.helpers.pg_answers import (  # noqa: F401  (fixtures)
    EXAMPLES,
    PgAnswers,
    pg_answers,
    pg_commerce,
    pg_course_platform,
    pg_helpdesk,
)

Load = Callable[[str], PgAnswers]


@pytest.mark.parametrize("example", EXAMPLES)
def test_logical_rows_are_the_tables(pg_answers: Load, example: str) -> None:  # noqa: F811
    """Every entity is there with as many rows as its table; fields by IR name, typed; references resolve."""
    a = pg_answers(example)
    model = a.model
    with a.server.connect(a.database) as conn:
        for e in model.entities:
            count = conn.execute(psql.SQL("SELECT count(*) FROM {}").format(
                psql.Identifier(table_name(model, e)))).fetchone()
            assert count is not None and len(a.data.of(e.name)) == count[0], e.name
    assert a.data.count() > 0
    problems: list[str] = []
    for e in model.entities:
        rows = a.data.of(e.name)
        assert rows, f"{example}: no rows for {e.name}"
        for f in e.stored_fields:
            assert all(f.name in r for r in rows), f"{e.name}.{f.name} missing"
            values = [r[f.name] for r in rows if r[f.name] is not None]
            problems += _typed(e.name, f, values, a)
    assert not problems, "\n".join(problems[:20])


def _typed(entity: str, f: Any, values: list[Any], a: PgAnswers) -> list[str]:
    out: list[str] = []
    if f.kind is FieldKind.REFERENCE:
        target = a.data.by_id(f.target)
        missing = [v for v in values if v not in target]
        if missing:
            out.append(f"{entity}.{f.name}: {len(missing)} ids not in {f.target}")
        return out
    if f.kind is FieldKind.EMBEDDED:
        names = {s.name for s in a.model.value_type(f.target).fields}
        return [f"{entity}.{f.name}: {v!r} is not a {f.target}" for v in values
                if not isinstance(v, dict) or set(v) != names][:1]
    kind = f.scalar.kind if f.scalar is not None and f.kind is FieldKind.SCALAR else None
    expected: dict[Any, type | tuple[type, ...]] = {
        ScalarKind.UUID: uuid.UUID, ScalarKind.TIMESTAMP: dt.datetime, ScalarKind.DECIMAL: decimal.Decimal,
        ScalarKind.BOOL: bool, ScalarKind.STRING: str, ScalarKind.ENUM: str,
    }
    want = expected.get(kind)
    if want is not None:
        wrong = [v for v in values if not isinstance(v, want)]
        if wrong:
            out.append(f"{entity}.{f.name}: {wrong[0]!r} is not {want}")
    if kind is ScalarKind.TIMESTAMP and any(v.tzinfo is None for v in values):
        out.append(f"{entity}.{f.name}: naive timestamps")
    return out


def test_soft_deleted_rows_and_value_objects(pg_helpdesk: PgAnswers, pg_commerce: PgAnswers) -> None:  # noqa: F811
    """Soft-deleted rows are kept with their deleted_at; a value object is a nested dict, None when absent."""
    deleted = [r for e in pg_helpdesk.model.entities if e.soft_delete
               for r in pg_helpdesk.data.of(e.name) if r.get("deleted_at") is not None]
    assert deleted, "helpdesk soft-deletes: some rows must be deleted"
    assert all(isinstance(r["deleted_at"], dt.datetime) for r in deleted)
    assert all(r["deleted_at"] is None for r in pg_helpdesk.data.live("Ticket"))
    orders = pg_commerce.data.of("Order")
    assert all(isinstance(o["shipping_address"], dict) and o["shipping_address"]["city"] for o in orders)
    customers = pg_commerce.data.of("Customer")
    assert any(c["shipping_address"] is None for c in customers), "an optional address is absent 30 % of the time"
    assert "shipping_address_city" not in orders[0], "columns of a value object are nested, not flat"


def test_answer_is_the_statement(pg_course_platform: PgAnswers) -> None:  # noqa: F811
    """user_by_email's answer is the live user of that tenant with that email, with queries.sql's columns."""
    a = pg_course_platform
    for params in a.draw("user_by_email", 3):
        rows = a.pg_answer("user_by_email", params)
        expected = [u for u in a.data.live("User")
                    if u["email"] == params["email"] and u["organization"] == params["organization_id"]]
        assert [r["id"] for r in rows] == [u["id"] for u in expected]
        assert set(rows[0]) == {"id", "organization_id", "email", "role", "name", "created_at", "updated_at"}


def test_draws_follow_the_statement(pg_course_platform: PgAnswers) -> None:  # noqa: F811
    """Draws carry exactly the statement's parameters, the tenant included; the biggest student comes first."""
    a = pg_course_platform
    labelled = a.draw_labelled("student_courses", 4)
    assert [label for label, _ in labelled] == ["biggest", "biggest", "random", "random"]
    for _, params in labelled:
        assert list(params) == ["organization_id", "student_id"]
    per_student = Counter(e["student"] for e in a.data.live("Enrollment"))
    first = labelled[0][1]["student_id"]
    assert per_student[first] == max(per_student.values())
    assert a.draw("student_courses", 4) == [p for _, p in labelled], "draws are deterministic"


def test_tenant_isolation(pg_course_platform: PgAnswers) -> None:  # noqa: F811
    """The answer runs under row-level security: another tenant's id in the tenant parameter finds nothing."""
    a = pg_course_platform
    params = a.draw("student_courses", 1)[0]
    assert a.pg_answer("student_courses", params)
    other = next(o["id"] for o in a.data.of("Organization") if o["id"] != params["organization_id"])
    assert a.pg_answer("student_courses", {**params, "organization_id": other}) == []


def test_summary_tables_are_filled(pg_commerce: PgAnswers) -> None:  # noqa: F811
    """quarterly_revenue reads a summary table the load left to triggers: its groups equal the orders'."""
    a = pg_commerce
    low = min(o["created_at"] for o in a.data.of("Order")) - dt.timedelta(days=100)
    high = max(o["created_at"] for o in a.data.of("Order")) + dt.timedelta(days=1)
    rows = a.pg_answer("quarterly_revenue", {"created_at_quarter_from": low, "created_at_quarter_to": high})
    groups: dict[tuple[Any, str], list[decimal.Decimal]] = defaultdict(list)
    for o in a.data.of("Order"):
        c = o["created_at"].astimezone(dt.UTC)
        start = dt.datetime(c.year, 3 * ((c.month - 1) // 3) + 1, 1, tzinfo=dt.UTC)
        groups[(start, o["status"])].append(o["total"])
    got = {(r["created_at_quarter"], r["status"]): (r["orders"], r["revenue"]) for r in rows}
    assert got == {k: (len(v), sum(v)) for k, v in groups.items()}


def test_clear_errors(pg_course_platform: PgAnswers) -> None:  # noqa: F811
    a = pg_course_platform
    with pytest.raises(KeyError, match="no access pattern 'nope'"):
        a.pg_answer("nope", {})
    with pytest.raises(KeyError, match=r"parameters \['student_id'\] missing"):
        a.pg_answer("student_courses", {"organization_id": uuid.uuid4()})
    with pytest.raises(KeyError, match="no entity 'Nope'"):
        a.data.of("Nope")


def test_expiring_rows_are_mostly_live(pg_helpdesk: PgAnswers) -> None:  # noqa: F811
    """Most sessions expire in the future (the load's @expires instants), so session_by_token finds some."""
    now = dt.datetime.now(dt.UTC)
    sessions = pg_helpdesk.data.of("Session")
    live = [s for s in sessions if s["expires_at"] > now]
    assert len(live) / len(sessions) > 0.5
    assert any(pg_helpdesk.pg_answer("session_by_token", p) for p in pg_helpdesk.draw("session_by_token", 4))


def test_bucket_parameters_are_bucket_starts(pg_commerce: PgAnswers) -> None:  # noqa: F811
    """A parameter naming a quarter is the quarter's first instant (the IR's meaning), whatever row it came from."""
    for params in pg_commerce.draw("quarterly_revenue", 4):
        for name in ("created_at_quarter_from", "created_at_quarter_to"):
            t = params[name]
            assert (t.month - 1) % 3 == 0 and t.day == 1 and (t.hour, t.minute, t.second, t.microsecond) == (0,) * 4
