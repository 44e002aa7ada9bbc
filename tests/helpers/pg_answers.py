"""The PostgreSQL side of every NoSQL comparison: one example's logical rows and its access patterns' answers.

For one example, :func:`load_pg_answers` builds the PostgreSQL target in-process (``schemac.build``), applies
``schema.sql`` to a fresh database of the session's PostgreSQL server, seeds it at a small scale with
``tests/seed.py`` (the biggest table holds ``SMALL_BIGGEST`` rows), fills the summary tables that triggers
would have kept (the load skips triggers), and reads every entity's rows back. What it returns
(:class:`PgAnswers`) gives:

* ``data`` (:class:`LogicalData`): per IR entity, its rows as dicts keyed by IR field name. A reference holds
  the referenced id under the field's name (``student``, ``workspace``: the tenant too); a value object is a
  nested dict keyed by its type's field names (None when optional and absent); uuids are ``uuid.UUID``,
  timestamps timezone-aware ``datetime``, money and decimals ``decimal.Decimal``, lists Python lists, json
  its parsed value. Soft-deleted rows are included (``deleted_at`` set). Junction entities of many-to-many
  fields (``TeamMembers``) are entities like the others.
* ``pg_answer(pattern, params)``: the rows of the PostgreSQL target's first-page statement for the access
  pattern (``queries.sql``, named ``pascal(pattern)``) with ``params`` (a dict by the statement's ``params:``
  names), as dicts keyed by the statement's column names. It runs as the application role under row-level
  security with ``app.tenant_id`` set from the tenant parameter, as the application would. An ``include``
  column (``json_agg``) holds what psycopg parses from JSON: ids and timestamps as strings, numbers as
  JSON numbers.
* ``draw(pattern, n)``: ``n`` parameter sets for the pattern, drawn from the loaded rows by
  ``tests.seed.draw_params``: the biggest groups first (the biggest tenant, student, course...), then random
  rows; dicts by parameter name, the tenant included. Deterministic for a given seed. A parameter that names
  a bucket (`week(created_at) between ? and ?`) is the bucket's first instant, as the IR defines it.

Fixtures (session scope, each example seeded once per session whatever the number of modules using it):
``pg_answers`` gives a function ``example -> PgAnswers``; ``pg_course_platform``, ``pg_commerce``,
``pg_helpdesk`` give one example each. A test module imports the fixtures it uses from this module.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql as psql

from schemac.backends.sql.naming import column_name, table_name
from schemac.build import BuildResult, build
from schemac.compiler.design.model import Design
from schemac.compiler.links import with_links
from schemac.compiler.model import Entity, Field, FieldKind, Model, Param, Query, ScalarKind
from schemac.compiler.naming import pascal
from tests.engines import PgServer, apply_pg_script, database_name
from tests.seed import NamedQuery, draw_params, parse_queries, scale_for, seed_postgres

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = tuple(p.stem for p in sorted((ROOT / "examples").glob("*.sdl")))
SMALL_BIGGEST = int(os.environ.get("SCHEMAC_PG_ANSWERS_ROWS", "3000"))
DRAW_SEED = 0.42

Row = dict[str, Any]


# --- logical rows ---------------------------------------------------------------------------------------------


@dataclass
class LogicalData:
    """Every entity's rows of one seeded example, keyed by IR field name (see the module's docstring)."""

    example: str
    model: Model
    rows: dict[str, list[Row]] = field(default_factory=dict)  # entity name -> rows

    def of(self, entity: str) -> list[Row]:
        """The rows of `entity` (soft-deleted ones included); KeyError naming the known entities."""
        if entity not in self.rows:
            raise KeyError(f"{self.example}: no entity {entity!r}; entities: {sorted(self.rows)}")
        return self.rows[entity]

    def live(self, entity: str) -> list[Row]:
        """The rows of `entity` that are not soft-deleted."""
        return [r for r in self.of(entity) if r.get("deleted_at") is None]

    def by_id(self, entity: str) -> dict[Any, Row]:
        return {r["id"]: r for r in self.of(entity) if "id" in r}

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())


def _value_object(model: Model, f: Field, prefix: str, row: Row) -> Row | None:
    """A value object's nested dict from its prefixed columns (`shipping_address_city` -> `city`)."""
    out: Row = {}
    for sub in model.value_type(f.target or "").fields:
        name = f"{prefix}_{column_name(sub)}"
        if sub.kind is FieldKind.EMBEDDED:
            out[sub.name] = _value_object(model, sub, name, row)
        else:
            out[sub.name] = row[name]
    if f.optional and all(v is None for v in out.values()):
        return None
    return out


def logical_row(model: Model, entity: Entity, row: Row) -> Row:
    """One table row (by column name) as a logical row (by IR field name); a field the table does not store
    (the id of an entity keyed by its unique on this target, SC-KEY-05) is None until `_fill_unstored`."""
    out: Row = {}
    for f in entity.stored_fields:
        if f.kind is FieldKind.EMBEDDED:
            out[f.name] = _value_object(model, f, column_name(f), row)
        else:
            out[f.name] = row.get(column_name(f))
    return out


def _fill_unstored(entity: Entity, key: tuple[str, ...], rows: list[Row], names: set[str]) -> None:
    """The same logical rows on every target: an id the relational design did not store (the table is keyed
    by `key`) is derived from the key's values, deterministically: 1, 2, ... in key order for integer ids, a
    name-based UUID otherwise."""
    for f in entity.stored_fields:
        if f.kind is FieldKind.EMBEDDED or column_name(f) in names:
            continue
        integer = f.scalar is not None and f.scalar.kind in (ScalarKind.SMALLINT, ScalarKind.INT, ScalarKind.BIGINT)
        rows.sort(key=lambda r: tuple(str(r[k]) for k in key))
        for i, r in enumerate(rows, 1):
            r[f.name] = i if integer else uuid.uuid5(uuid.NAMESPACE_OID,
                                                    f"{entity.name}:" + ":".join(str(r[k]) for k in key))


def read_logical(conn: psycopg.Connection[Any], example: str, design: Design) -> LogicalData:
    """Every entity's rows (junction tables' links included), by IR field name."""
    model = design.model
    layout = design.relational
    # the IR plus the entities of its many-to-many links, whose rows are read too (as before the IR kept them)
    data = LogicalData(example, with_links(model, tuple(j.entity for j in layout.junctions)))
    stored = layout.stored(model)
    for e in stored.entities:
        cur = conn.execute(psql.SQL("SELECT * FROM {}").format(psql.Identifier(table_name(stored, e))))
        names = [d.name for d in cur.description or []]
        logical = model.entity(e.name) if any(x.name == e.name for x in model.entities) else e
        rows = [logical_row(model, logical, dict(zip(names, r, strict=True))) for r in cur.fetchall()]
        _fill_unstored(logical, layout.primary_key(e), rows, set(names))
        if rows and "id" in rows[0]:
            rows.sort(key=lambda r: r["id"])
        data.rows[e.name] = rows
    return data


def bucket_start(value: Any, unit: str | None) -> Any:
    """The first instant of the UTC day, ISO week (Monday), month, quarter or year holding `value`."""
    if unit is None or not isinstance(value, dt.datetime):
        return value
    t = value.astimezone(dt.UTC)
    day = dt.datetime(t.year, t.month, t.day, tzinfo=dt.UTC)
    starts = {"day": day, "week": day - dt.timedelta(days=day.weekday()),
              "month": day.replace(day=1), "quarter": day.replace(month=3 * ((t.month - 1) // 3) + 1, day=1),
              "year": day.replace(month=1, day=1)}
    if unit not in starts:
        raise ValueError(f"unknown bucket {unit!r}")
    return starts[unit]


# --- summaries ------------------------------------------------------------------------------------------------


def fill_summaries(conn: psycopg.Connection[Any], design: Design) -> None:
    """Fill the summary tables the load left empty (its triggers were off): the source table's rows are taken
    out and put back with only the summary's insert trigger firing (ENABLE ALWAYS under the replica role)."""
    model = design.model
    for plan in design.relational.summaries:
        source = table_name(model, model.entity(plan.entity))
        triggers = [t for (t,) in conn.execute(
            """SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
               WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND p.proname = %s AND t.tgtype & 4 <> 0""",
            [source, f"{plan.query}_summary_sync"]).fetchall()]
        if not triggers:
            raise AssertionError(f"summary of {plan.query}: no insert trigger on {source} feeds it")
        table = psql.Identifier(source)
        conn.execute("SET session_replication_role = replica")
        try:
            for t in triggers:
                conn.execute(psql.SQL("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}").format(table, psql.Identifier(t)))
            conn.execute(psql.SQL("CREATE TEMP TABLE pga_replay AS SELECT * FROM {}").format(table))
            conn.execute(psql.SQL("DELETE FROM {}").format(table))
            conn.execute(psql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM pga_replay").format(table))
            conn.execute("DROP TABLE pga_replay")
            for t in triggers:
                conn.execute(psql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(table, psql.Identifier(t)))
        finally:
            conn.execute("SET session_replication_role = origin")


# --- one example ----------------------------------------------------------------------------------------------


@dataclass
class PgAnswers:
    """One seeded example: its logical rows, and its access patterns' PostgreSQL answers."""

    example: str
    result: BuildResult
    server: PgServer
    database: str
    data: LogicalData
    statements: dict[str, NamedQuery]  # access pattern (IR name) -> its first-page statement
    seconds: float = 0.0

    @property
    def design(self) -> Design:
        assert isinstance(self.result.design, Design)
        return self.result.design

    @property
    def model(self) -> Model:
        return self.design.model

    @property
    def with_links(self) -> Model:
        """The IR plus one entity per many-to-many relation (its links: `TicketTags`), whose rows `data` holds
        too; what a loader walks to write every logical row, links included."""
        return with_links(self.model, tuple(j.entity for j in self.design.relational.junctions))

    def query(self, pattern: str) -> Query:
        found = next((q for q in self.model.queries if q.name == pattern), None)
        if found is None:
            raise KeyError(f"{self.example}: no access pattern {pattern!r}; patterns: "
                           f"{[q.name for q in self.model.queries]}")
        return found

    def statement(self, pattern: str) -> NamedQuery:
        self.query(pattern)
        if pattern not in self.statements:
            raise KeyError(f"{self.example}: queries.sql has no statement {pascal(pattern)} for {pattern}")
        return self.statements[pattern]

    def pg_answer(self, pattern: str, params: dict[str, Any]) -> list[Row]:
        """The PostgreSQL target's rows for `pattern` with `params` (by name), as the application reads them."""
        named = self.statement(pattern)
        names = [name for name, _ty, _null in named.params]
        missing = [n for n in names if n not in params]
        if missing:
            raise KeyError(f"{self.example} {pattern}: parameters {missing} missing (the statement takes {names})")
        with self.server.connect(self.database, user=self.server.app_user) as conn:
            conn.execute("SELECT set_config('app.tenant_id', %s, false)", [self._tenant(pattern, params)])
            cur = psycopg.RawCursor(conn)
            cur.execute(named.sql, [params[n] for n in names])
            columns = [d.name for d in cur.description or []]
            return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]

    def _tenant(self, pattern: str, params: dict[str, Any]) -> str:
        root = self.model.entity(self.query(pattern).entity)
        if root.tenant_root:
            value = params.get("id")
        elif root.tenant_field is not None:
            value = params.get(column_name(root.tenant_field))
        else:
            value = None
        return "" if value is None else str(value)

    def draw(self, pattern: str, n: int = 3, *, seed: float = DRAW_SEED) -> list[Row]:
        """`n` parameter sets for `pattern`: the biggest groups first (at least one), then random rows."""
        return [values for _label, values in self.draw_labelled(pattern, n, seed=seed)]

    def draw_labelled(self, pattern: str, n: int = 3, *, seed: float = DRAW_SEED) -> list[tuple[str, Row]]:
        """Like :meth:`draw`, each set with its label: "biggest" or "random"."""
        named = self.statement(pattern)
        biggest = max(1, n // 2)
        with self.server.connect(self.database) as conn:
            conn.execute("SELECT setseed(%s)", [seed])
            sets = draw_params(conn, "postgres", self.model, self.query(pattern), named,
                               biggest=biggest, randoms=max(0, n - biggest))
        names = [name for name, _ty, _null in named.params]
        starts = self._bucket_params(pattern)
        out = []
        for ps in sets:
            values = dict(zip(names, ps.values, strict=True))
            out.append((ps.label, {k: bucket_start(v, starts[k]) if k in starts else v for k, v in values.items()}))
        return out

    def _bucket_params(self, pattern: str) -> dict[str, str]:
        """Parameters that name a bucket (`week(created_at) between ? and ?`): param -> the bucket unit."""
        out = {}
        for p in self.query(pattern).where:
            if p.bucket is not None:
                for v in (p.value, p.value2):
                    if isinstance(v, Param):
                        out[v.name] = p.bucket
        return out


def pg_result(example: str) -> BuildResult:
    result = build(ROOT / "examples" / f"{example}.sdl", "postgres")
    if not result.ok or result.design is None:
        raise AssertionError(f"{example} does not build for postgres: {[str(d) for d in result.diagnostics]}")
    return result


def first_pages(model: Model, result: BuildResult) -> dict[str, NamedQuery]:
    text = next(a.text for a in result.artifacts if a.path == "queries.sql")
    by_name = {n.name: n for n in parse_queries(text)}
    return {q.name: by_name[pascal(q.name)] for q in model.queries if pascal(q.name) in by_name}


def load_pg_answers(server: PgServer, example: str, *, biggest: int = SMALL_BIGGEST) -> PgAnswers:
    """Build, apply, seed (small) and read back one example on `server` (see the module's docstring)."""
    import time

    t0 = time.monotonic()
    answers = answers_of(server, example, pg_result(example), biggest=biggest)
    answers.seconds = time.monotonic() - t0
    return answers


def answers_of(server: PgServer, name: str, result: BuildResult, *, biggest: int) -> PgAnswers:
    """`result` (a PostgreSQL build of the model `name`) applied to a fresh database on `server`, seeded with
    `biggest` rows in its biggest table, its summaries filled, analysed and read back."""
    assert isinstance(result.design, Design)
    db = database_name(f"pga_{name}")
    server.fresh_database(db, app_default_privileges=True)
    with server.connect(db) as conn:
        apply_pg_script(conn, next(a.text for a in result.artifacts if a.path == "schema.sql"))
        seed_postgres(conn, result.design, scale=scale_for(result.design, biggest), vacuum=False)
        fill_summaries(conn, result.design)
        conn.execute("ANALYZE")
        data = read_logical(conn, name, result.design)
    return PgAnswers(name, result, server, db, data, first_pages(result.design.model, result))


# --- fixtures -------------------------------------------------------------------------------------------------

_LOADED: dict[tuple[int, str], PgAnswers] = {}
_LOCK = threading.Lock()


def cached_pg_answers(server: PgServer, example: str) -> PgAnswers:
    """`load_pg_answers`, once per server and example."""
    with _LOCK:
        key = (server.port, example)
        if key not in _LOADED:
            _LOADED[key] = load_pg_answers(server, example)
        return _LOADED[key]


@pytest.fixture(scope="session")
def pg_answers(pg_server: PgServer) -> Iterator[Callable[[str], PgAnswers]]:
    """A function `example -> PgAnswers`, each example seeded on first use and kept for the session."""
    yield lambda example: cached_pg_answers(pg_server, example)


@pytest.fixture(scope="session")
def pg_course_platform(pg_server: PgServer) -> PgAnswers:
    return cached_pg_answers(pg_server, "course_platform")


@pytest.fixture(scope="session")
def pg_commerce(pg_server: PgServer) -> PgAnswers:
    return cached_pg_answers(pg_server, "commerce")


@pytest.fixture(scope="session")
def pg_helpdesk(pg_server: PgServer) -> PgAnswers:
    return cached_pg_answers(pg_server, "helpdesk")
