"""Next pages on both targets: PostgreSQL's `<Name>Next` statement and a MongoDB pattern's `next` requests.

* `pg_next(pg, pattern, params)`: the rows of the PostgreSQL target's `<Name>Next` for the access pattern, run as
  `pg_answer` runs the first page (the application role, the tenant set); `params` holds the pattern's own
  parameters and the cursor's `after_<column>` values.
* `cursor_params(statement, row)`: the `after_<column>` values of one PostgreSQL result row.
* `next_request(pattern, params)`: the `next` request that applies to a cursor (its `when`: the cursor's value of
  a key null or set), or an AssertionError naming why none or several apply.
* `next_against_postgres(...)`: for one first-page parameter set, the page after each chosen cursor row on both
  targets, compared as `pattern_against_postgres` compares first pages.
"""

from __future__ import annotations

from typing import Any

import psycopg

from schemac.compiler.naming import pascal
from tests.helpers.mongo_compare import compare, on_pg_keys, pg_rows, result_rows, sort_columns
from tests.helpers.mongo_mock import Union, pattern_limit, pattern_sort, run_pattern, union_in_order
from tests.helpers.pg_answers import PgAnswers
from tests.seed import NamedQuery, parse_queries

NEXT = "Next"


_STATEMENTS: dict[tuple[str, str], dict[str, NamedQuery]] = {}


def _next_statements(pg: PgAnswers) -> dict[str, NamedQuery]:
    k = (pg.example, pg.database)
    if k not in _STATEMENTS:
        text = next(a.text for a in pg.result.artifacts if a.path == "queries.sql")
        by_name = {n.name: n for n in parse_queries(text)}
        _STATEMENTS[k] = {q.name: by_name[pascal(q.name) + NEXT] for q in pg.model.queries
                          if pascal(q.name) + NEXT in by_name}
    return _STATEMENTS[k]


def next_statement(pg: PgAnswers, pattern: str) -> NamedQuery | None:
    return _next_statements(pg).get(pattern)


def paged_patterns(pg: PgAnswers) -> list[str]:
    return sorted(_next_statements(pg))


def pg_next(pg: PgAnswers, pattern: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    named = _next_statements(pg)[pattern]
    with pg.server.connect(pg.database, user=pg.server.app_user) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", [pg._tenant(pattern, params)])
        cur = psycopg.RawCursor(conn)
        cur.execute(named.sql, [params[n] for n, _ty, _null in named.params])
        columns = [d.name for d in cur.description or []]
        return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


def cursor_params(statement: NamedQuery, row: dict[str, Any]) -> dict[str, Any]:
    return {n: row[n[len("after_"):]] for n, _ty, _null in statement.params if n.startswith("after_")}


def next_request(pattern: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    fits = [n for n in pattern.get("next") or []
            if all((params[k] is None) == (v == "null") for k, v in (n.get("when") or {}).items())]
    if len(fits) != 1:
        raise AssertionError(f"{pattern['name']}: {len(fits)} next requests apply to the cursor "
                             f"{ {k: v for k, v in params.items() if k.startswith('after_')} }")
    return fits[0]


def next_against_postgres(pg: PgAnswers, db: Any, pattern: dict[str, Any], params: dict[str, Any],
                          cursors: list[dict[str, Any]], *, union: Union = union_in_order,
                          emulate: bool = True) -> tuple[list[str], int]:
    """The page after each cursor row (a PostgreSQL first-page row) on both targets: the problems, and the
    number of rows compared (`emulate=False` on a real server)."""
    statement = _next_statements(pg)[pattern["name"]]
    problems: list[str] = []
    rows = 0
    for row in cursors:
        values = {**params, **cursor_params(statement, row)}
        request = next_request(pattern, values)
        answer = pg_next(pg, pattern["name"], values)
        docs = run_pattern(db, request, values, union=union, emulate=emulate)
        got = on_pg_keys(request, result_rows(request, docs), answer)
        pool = on_pg_keys(request, result_rows(request, run_pattern(db, request, values, unlimited=True,
                                                                    union=union, emulate=emulate)), answer)
        found = compare(pg_rows(request, answer), got, pool, ordered=bool(request.get("ordered")),
                        sort_keys=sort_columns(request, pattern_sort(request)), limit=pattern_limit(request))
        problems += [f"{request['name']} after {cursor_params(statement, row)}: {p}" for p in found]
        rows += len(answer)
    return problems, rows
