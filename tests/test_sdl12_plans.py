"""Plans of the SDL 1.2 statements on the loaded examples (the loaders of tests/test_plans.py): every branch
of a `from A | B | C` union reads its own table through the index its branch plan names, and the expiry
purge reads the index that leads with the expiry field; no table over SEQ_SCAN_ROWS is read whole. (The
bucket ranges and the summary reads are plain read statements: test_plans.py checks them like every other
pattern, with the summary table as their root.)"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest

from schemac.backends.sql.naming import table_name
from tests.helpers.plans import (
    ENGINES,
    PG_INDEX_NODES,
    Loaded,
    artifact,
    built,
    connect,
    explain_pg,
    loaded,
    loads,  # noqa: F401  (the module-scoped fixture)
    mysql_inline,
    parameter_sets,
    resolve,
    statements,
)
from tests.seed import SEQ_SCAN_ROWS, NamedQuery, mariadb_accesses, parse_queries, pg_scans

UNIONS = [("commerce", "CustomerActivity"), ("commerce", "CustomerActivityNext")]
PURGES = [("helpdesk", "PurgeSession")]


def _branch_indexes(ld: Loaded, query_name: str) -> dict[str, str]:
    """table -> the emitted name of the index its branch plan names."""
    plan = ld.design.relational.pattern(query_name)
    assert plan is not None and len(plan.branches) > 1, query_name
    out = {}
    for b in plan.branches:
        assert b.index is not None, f"{query_name}: the {b.entity} branch has no index"
        out[table_name(ld.model, ld.model.entity(b.entity))] = ld.names[b.index]
    return out


def _accesses(ld: Loaded, named: NamedQuery, values: list[Any], *, owner: bool = False) -> list[tuple[str, str, str]]:
    """(table, access, index) of every table read, and the rows of each table."""
    with connect(ld, owner=owner) as conn:
        if ld.engine == "postgres":
            if values and not owner:
                conn.execute("SELECT set_config('app.tenant_id', %s, false)", [str(values[0])])
            return [(s.relation or "", s.node, s.index or "") for s in pg_scans(explain_pg(conn, named, values))]
        with conn.cursor() as cur:
            cur.execute("EXPLAIN FORMAT=JSON " + mysql_inline(conn, named, values))
            doc = cur.fetchone()[0]
    return [(str(a["table_name"]), str(a["access_type"]), str(a.get("key") or "")) for a in mariadb_accesses(doc)]


def _problems(ld: Loaded, reads: list[tuple[str, str, str]], wanted: dict[str, str]) -> list[str]:
    out = []
    text = "\n".join(f"    {t} {a} {i}" for t, a, i in reads)
    full = ("Seq Scan",) if ld.engine == "postgres" else ("ALL", "index")
    index_access = PG_INDEX_NODES if ld.engine == "postgres" else ("ref", "range", "eq_ref", "const", "index")
    for table, access, _index in reads:
        if access in full and ld.rows.get(table, 0) > SEQ_SCAN_ROWS:
            out.append(f"{access} of {table} ({ld.rows[table]:.0f} rows)\n{text}")
    for table, index in wanted.items():
        mine = [(a, i) for t, a, i in reads if t == table]
        if not mine:
            out.append(f"{table} is not read\n{text}")
        elif not any(a in index_access and i == index for a, i in mine):
            out.append(f"{table} read by {mine}, the design says {index}\n{text}")
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("example", "statement"), UNIONS)
def test_each_union_branch_reads_its_own_index(loads: dict[tuple[str, str], Future[Loaded]],  # noqa: F811
                                              engine: str, example: str, statement: str) -> None:
    ld = loaded(loads, engine, example)
    named = next(n for n in statements(example, engine) if n.name == statement)
    query, parent = resolve(ld.model, named, statements(example, engine))
    assert query is not None
    wanted = _branch_indexes(ld, query.name)
    assert len(wanted) == len(query.sources) == 3
    problems: list[str] = []
    for ps in parameter_sets(ld, query, named, parent):
        problems += [f"{ps.label}: {p}" for p in _problems(ld, _accesses(ld, named, ps.values), wanted)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("example", "statement"), PURGES)
def test_the_purge_reads_the_expiry_index(loads: dict[tuple[str, str], Future[Loaded]],  # noqa: F811
                                          engine: str, example: str, statement: str) -> None:
    """As the purge job runs it: across tenants (on PostgreSQL as the owner, past row-level security)."""
    ld = loaded(loads, engine, example)
    named = next(n for n in parse_queries_of(example, engine) if n.name == statement)
    plan = next(x for x in ld.design.relational.expiry if statement.endswith(x.entity))
    assert plan.index is not None
    table = table_name(ld.model, ld.model.entity(plan.entity))
    assert ld.rows.get(table, 0) > SEQ_SCAN_ROWS, f"{table} is too small to tell"
    problems = _problems(ld, _accesses(ld, named, [], owner=True), {table: ld.names[plan.index]})
    assert not problems, "\n".join(problems)


def parse_queries_of(example: str, engine: str) -> list[NamedQuery]:
    return parse_queries(artifact(built(example, engine), "queries.sql"))
