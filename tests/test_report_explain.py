"""The report's claim "this pattern is served by index X" checked against PostgreSQL's planner.

For every example: apply the generated schema.sql to a fresh database, then for each read query in
queries.sql take the index the rendered report names for that pattern and run `EXPLAIN (FORMAT JSON)` on
the statement with sample parameters (as the application role, so row-level security applies). Each table
gets `ROWS` synthetic rows first (triggers, foreign keys and CHECKs off while loading, enum-like columns
drawn from their CHECK lists, `deleted_at` NULL: every row live) and is analysed, and `enable_seqscan =
off` stands in for the volumes the model declares. The named index must be the one the plan reads the
pattern's table through.

Runs once the PostgreSQL backend and the design stage are importable (in CI as soon as they land).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, LiteralString, cast

import pytest

from schemac.catalog import Statement
from schemac.compiler.naming import pascal
from schemac.compiler.pipeline import compile_model
from schemac.report import build_report, render_report
from schemac.report.access import PatternRow
from tests.engines import database_name
from tests.helpers.report_support import EXAMPLES, real_build

TODAY = date(2025, 1, 15)


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


pytestmark = pytest.mark.skipif(
    not (_available("schemac.backends.sql.postgres") and _available("schemac.compiler.design")),
    reason="the PostgreSQL backend or the design stage is not in this build yet")

SAMPLE = {  # one value per parameter type, as text PostgreSQL coerces to the type
    "uuid": "0190a6f2-0000-7000-8000-000000000001", "boolean": "true", "date": "2025-01-15",
    "timestamp with time zone": "2025-01-15 00:00:00+00", "timestamp without time zone": "2025-01-15 00:00:00",
    "json": "{}", "jsonb": "{}", "bytea": "\\x00",
}
NUMERIC = ("smallint", "integer", "bigint", "numeric", "real", "double precision")


# Patterns where the planner disagrees with the design today; strict, so a fix turns them into failures
# that ask for the entry to go.
KNOWN = {
    ("helpdesk", "search_tickets"): "tenant-scoped full-text search under row-level security (SC0420): the "
    "design names the tenant index (workspace_id, id); PostgreSQL picks the smallest (workspace_id, ...) B-tree, "
    "here the deduplicated (workspace_id, team_id)",
}


def _patterns() -> list[Any]:
    out = []
    for path in EXAMPLES:
        model = compile_model(path).model
        for q in model.queries if model else ():
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN[(path.stem, q.name)])] \
                if (path.stem, q.name) in KNOWN else []
            out.append(pytest.param(path, q.name, id=f"{path.stem}-{q.name}", marks=marks))
    return out


@dataclass
class Loaded:
    """One example's build, report and populated database."""

    dbname: str
    statements: dict[str, Statement]
    rows: dict[str, PatternRow]
    claims: dict[str, str]
    settings: tuple[str, ...]


@pytest.fixture(scope="module")
def loaded(pg_server: Any) -> Iterator[Callable[[Path], Loaded]]:
    from tests.engines import apply_pg_script

    cache: dict[Path, Loaded] = {}

    def load(path: Path) -> Loaded:
        if path not in cache:
            result = real_build(path, "postgres")
            assert result is not None, f"{path.name} does not build for postgres"
            schema = next(a.text for a in result.artifacts if a.path == "schema.sql")
            report = build_report(result, today=TODAY)
            dbname = database_name(f"report_explain_{path.stem}")
            pg_server.fresh_database(dbname, app_default_privileges=True)
            with pg_server.connect(dbname) as conn:
                apply_pg_script(conn, schema)
                populate(conn)
            cache[path] = Loaded(
                dbname=dbname, statements={s.name: s for s in result.catalog.statements},
                rows={r.name: r for r in report.access.queries}, claims=_claims(render_report(result, today=TODAY)),
                # the session settings the policies read (the test sets them; the report never reads SQL)
                settings=tuple(sorted(set(re.findall(r"current_setting\(\s*'([\w.]+)'", schema)))))
        return cache[path]

    yield load


@pytest.mark.parametrize(("path", "pattern"), _patterns())
def test_named_index_is_the_one_postgres_uses(path: Path, pattern: str, loaded: Callable[[Path], Loaded],
                                              pg_server: Any) -> None:
    db = loaded(path)
    row = db.rows[pattern]
    stmt = db.statements.get(pascal(pattern))
    assert stmt is not None, f"queries.sql has no {pascal(pattern)} statement"
    assert row.index_name is not None, f"the report names no index for {pattern}: {row.served_by}"
    assert db.claims.get(pattern) == row.index_name, "the rendered report names another index"
    with pg_server.connect(db.dbname, user=pg_server.app_user) as conn:
        conn.prepare_threshold = None  # psycopg's own prepared statements stay out of the way
        for setting in db.settings:
            conn.execute(cast(LiteralString, f"SET {setting} = '{SAMPLE['uuid']}'"))
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET plan_cache_mode = force_generic_plan")  # costed for a typical value, not the sample
        owners = dict(conn.execute("SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'"))
        used = _indexes_used(conn, stmt)
    on_table = {i for i in used if owners.get(i) == row.table}
    assert row.index_name in on_table, (
        f"the report says {row.index_name}; the plan reads {row.table} through {sorted(on_table) or 'no index'} "
        f"(all indexes used: {sorted(used)})")


def _claims(markdown: str) -> dict[str, str]:
    """pattern -> the index (or primary key) the rendered report says serves it."""
    out = {}
    for m in re.finditer(r"^### `(\w+)` \(query.*?\n- Served by: (?:index|primary key) `([^`]+)`", markdown,
                         re.MULTILINE | re.DOTALL):
        out[m.group(1)] = m.group(2)
    return out


def _indexes_used(conn: Any, stmt: Statement) -> set[str]:
    sql = "\n".join(line for line in stmt.text.splitlines() if not line.lstrip().startswith("--"))
    sql = sql.strip().rstrip(";")
    conn.execute(cast(LiteralString, f"PREPARE q AS {sql}"))
    (types,) = conn.execute("SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'q'").fetchone()
    nullable = _nullable_params(stmt)
    args = ["NULL" if i in nullable else _literal(t) for i, t in enumerate(types or [])]
    call = f"EXECUTE q({', '.join(args)})" if args else "EXECUTE q"
    (plan,) = conn.execute(cast(LiteralString, f"EXPLAIN (FORMAT JSON) {call}")).fetchone()
    conn.execute("DEALLOCATE q")
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return {n["Index Name"] for n in _nodes(plan[0]["Plan"]) if "Index Name" in n}


def _nullable_params(stmt: Statement) -> set[int]:
    """Positions of parameters the statement's `-- params:` comment marks NULL (keyset cursors: first page)."""
    m = re.search(r"^--\s*params:\s*(.+)$", stmt.text, re.MULTILINE)
    if not m:
        return set()
    return {i for i, p in enumerate(m.group(1).split(", ")) if p.rstrip().endswith(" NULL")}


def _literal(pg_type: str) -> str:
    if pg_type.endswith("[]"):
        inner = _literal(pg_type[:-2]).strip("'")
        return "'{" + (inner or "x") + "}'"
    if pg_type in NUMERIC:
        return "'1'"
    if pg_type in SAMPLE:
        return "'" + SAMPLE[pg_type].replace("'", "''") + "'"
    return "'open'"  # text, varchar and check-constrained enums: a plausible value


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


# -- synthetic rows ---------------------------------------------------------------------------------------

ROWS = 3000
PRIMES = (59, 97, 89, 83, 79, 73, 71, 67)  # distinct values per foreign-key column; any two multiply past ROWS


def populate(conn: Any, rows: int = ROWS) -> None:
    """Fill every table with up to `rows` rows (those that would break a unique index are skipped), then
    ANALYZE.

    Foreign-key columns repeat a few dozen values (a different prime each, so composite keys of two of them
    stay unique), other columns are unique per row, enum-like text cycles through the values its CHECK
    allows, and `deleted_at` is NULL."""
    conn.execute("SET session_replication_role = replica")  # no triggers, no foreign-key checks
    enums = _enum_values(conn)
    checks = conn.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint "
                          "WHERE contype = 'c' AND connamespace = 'public'::regnamespace").fetchall()
    for table, name in checks:
        conn.execute(cast(LiteralString, f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    for table in tables:
        fks = [c for (c,) in conn.execute(
            "SELECT a.attname FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid "
            "AND a.attnum = ANY (k.conkey) WHERE k.contype = 'f' AND k.conrelid = %s::regclass "
            "ORDER BY k.conkey[1] = a.attnum DESC, a.attnum", (table,))]
        fk_order = list(dict.fromkeys(fks))
        cols = conn.execute(
            "SELECT column_name, data_type, udt_name, is_generated, is_identity, character_maximum_length "
            "FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", (table,)).fetchall()
        names, exprs = [], []
        for name, dtype, udt, generated, identity, length in cols:
            if generated == "ALWAYS" or identity == "YES":
                continue
            distinct = PRIMES[min(fk_order.index(name), len(PRIMES) - 1)] if name in fk_order else None
            names.append(f'"{name}"')
            value = _value(table, name, dtype, udt, distinct, enums.get((table, name)))
            exprs.append(f"right({value}, {length})" if length else value)
        conn.execute(cast(LiteralString, f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} "
                                         f"FROM generate_series(1, {rows}) AS g(i) ON CONFLICT DO NOTHING"))
    conn.execute("SET session_replication_role = origin")
    conn.execute("ANALYZE")


def _enum_values(conn: Any) -> dict[tuple[str, str], list[str]]:
    out = {}
    for table, column, definition in conn.execute(
            "SELECT k.conrelid::regclass::text, a.attname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
            "WHERE k.contype = 'c' AND cardinality(k.conkey) = 1 AND k.connamespace = 'public'::regnamespace"):
        values = re.findall(r"'((?:[^']|'')*)'::", definition)
        if values and (" IN " in definition.upper() or "ANY" in definition.upper()):
            out[(table, column)] = values
    return out


def _value(table: str, name: str, dtype: str, udt: str, distinct: int | None, enum: list[str] | None) -> str:
    key = f"(i % {distinct})" if distinct else "i"
    if name == "deleted_at":
        return "NULL"
    if enum:
        return "(ARRAY[" + ", ".join("'" + v + "'" for v in enum) + f"])[1 + i % {len(enum)}]"
    if dtype == "uuid":
        return f"md5('{name}' || {key})::uuid" if distinct else f"md5('{table}' || i)::uuid"
    if dtype in NUMERIC:
        return f"{key}::{dtype}" if dtype != "smallint" else f"({key} % 30000)::smallint"
    if dtype == "boolean":
        return "(i % 2 = 0)"
    if name == "expires_at":  # the examples' @expires field: live rows expire ahead (the purge takes the rest)
        return f"(now() + i * interval '1 minute')::{dtype}"
    if dtype.startswith("timestamp") or dtype == "date":
        return f"(timestamptz '2025-01-15' - i * interval '1 minute')::{dtype}"
    if dtype in ("json", "jsonb"):
        return f"'{{}}'::{dtype}"
    if dtype == "bytea":
        return "'\\x00'::bytea"
    if dtype == "ARRAY":
        return f"'{{}}'::{udt.lstrip('_')}[]"
    return f"'v' || {key}"
