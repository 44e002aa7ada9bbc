"""Query plans on loaded data: every generated read statement is served by an index, on both engines.

For every example x {PostgreSQL 15, MariaDB 10.11}: schema.sql is applied to a fresh database, synthetic rows
are loaded by ``tests/seed.py`` (scaled from the model's declared volumes so that the biggest table holds
``PG_BIGGEST`` rows on PostgreSQL, ``MARIADB_BIGGEST`` on MariaDB; tenants, parents and enum values skewed),
the tables are analysed, and every read statement of queries.sql is explained with parameters drawn from
the data: the biggest group (the biggest tenant and parent: most rows to read) and a random row, and for
keyset-paginated next-page statements the page after the first page of each. The planners run with their
defaults (``enable_seqscan`` stays on: the real choice must be right).

PostgreSQL (``EXPLAIN (FORMAT JSON)``, as the unprivileged role ``app`` under row-level security with
``app.tenant_id`` set, like the application):

* no ``Seq Scan`` on a table with more than ``SEQ_SCAN_ROWS`` (10 000) rows, anywhere in the plan;
* the root table of the access pattern is read through an index (Index Scan, Index Only Scan, or a Bitmap
  Heap Scan over Bitmap Index Scans);
* that index is the one the design says serves the pattern (``PatternPlan.index``; found in schema.sql by
  its table and columns), or for a pattern served by the primary key, the primary key or the tenant's
  ``(tenant_id, id)`` key; and queries.sql's own note ("index <name>") names the same index;
* the generic plan (what a driver's prepared statement runs after five executions: ``PREPARE`` +
  ``plan_cache_mode = force_generic_plan``) has no Seq Scan on a big table either.

MariaDB (``EXPLAIN FORMAT=JSON``): the root table's access type is an index access (``ref``, ``eq_ref``,
``range``, ``const``, ``ref_or_null``, ``fulltext``, ``index_merge``), and no table with more than
``SEQ_SCAN_ROWS`` rows is read with ``ALL`` or a full ``index`` scan.

``batch`` patterns: their own rows must come through an index (a large read may be slow, but it may not be a
blind full scan); the tables they join may be read whole (a hash join is the right plan for an export).

The six loads run in a background pool (two at a time: one per engine) as soon as the module starts, and
each test waits for its own; the whole module takes about a minute on two cores.
"""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from tests.helpers.plans import (
    ENGINES,
    EXAMPLES,
    MARIADB_BIGGEST,
    OTHER_INDEX,
    PG_BIGGEST,
    Loaded,
    cases,
    check_mariadb,
    check_postgres,
    loaded,
    loads,  # noqa: F401  (the module-scoped fixture)
    parameter_sets,
    resolve,
    statements,
)

# Statements MariaDB reads through another index than the one queries.sql and the report name (the rest of
# the check still applies); a fix turns the entry into a failure that asks for it to go.
MARIADB_OTHER_INDEX: dict[tuple[str, str], str] = {}

# Plans that depend on the drawn parameters: for some, MariaDB reads another tenant-led index than the planned
# one (still an index; the full-scan checks hold). helpdesk WeeklyIntake: a week range of one team, where
# (workspace_id, created_at, id) is sometimes preferred to the planned (workspace_id, team_id, created_at).
# helpdesk AgentTickets: `status IN (JSON_TABLE(?))` becomes a semi-join; MariaDB materialises the list and,
# for some drawn agents, reads tickets through the single-column assignee_id foreign-key index (MySQL has no
# ON DELETE SET NULL (col), so that key is not tenant-composite) or an index_merge, then sorts; for others it
# reads the planned index (seen in the full run of 2026-12-06).
MARIADB_MAY_READ_OTHER_INDEX = {("helpdesk", "WeeklyIntake"), ("helpdesk", "AgentTickets")}


# --- the tests --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_seed(loads: dict[tuple[str, str], Future[Loaded]], engine: str, example: str) -> None:  # noqa: F811
    """The load reaches its row targets (within 10 %), keeps every foreign key, and the biggest table is the
    size the plan checks are calibrated for."""
    ld = loaded(loads, engine, example)
    short = [f"{t.table}: {t.rows} of {t.target}" for t in ld.report.tables if t.rows < 0.9 * t.target]
    assert not short, f"tables below their target: {short}\n{ld.report.summary()}"
    assert not ld.foreign_key_problems, ld.foreign_key_problems
    biggest = PG_BIGGEST if engine == "postgres" else MARIADB_BIGGEST
    assert ld.report.biggest().rows >= 0.9 * biggest, ld.report.summary()


@pytest.mark.parametrize(("engine", "example", "statement"), list(cases()))
def test_plan(loads: dict[tuple[str, str], Future[Loaded]],  # noqa: F811
              engine: str, example: str, statement: str) -> None:
    assert not statement.startswith("<build"), statement
    ld = loaded(loads, engine, example)
    named = next(n for n in statements(example, engine) if n.name == statement)
    query, parent = resolve(ld.model, named, statements(example, engine))
    assert query is not None, f"{statement}: no access pattern of the model has this statement"
    problems: list[str] = []
    for params in parameter_sets(ld, query, named, parent):
        if engine == "postgres":
            problems += check_postgres(ld, query, named, params)
        else:
            problems += check_mariadb(ld, query, named, params)
    if (example, statement) in MARIADB_MAY_READ_OTHER_INDEX and engine == "mariadb":
        problems = [p for p in problems if not p.startswith(OTHER_INDEX)]
    if (example, statement) in MARIADB_OTHER_INDEX and engine == "mariadb":
        other = [p for p in problems if p.startswith(OTHER_INDEX)]
        problems = [p for p in problems if not p.startswith(OTHER_INDEX)]
        if not other:
            problems.append("every plan reads the claimed index now: drop the entry from MARIADB_OTHER_INDEX")
    assert not problems, f"{example} {statement} on {engine}:\n" + "\n".join(dict.fromkeys(problems))
