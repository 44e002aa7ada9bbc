"""PostgreSQL's answers over a model that is not one of the examples (a test's own SDL), as
tests/helpers/pg_answers.py gives them for the examples: built, applied, seeded small and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from schemac.build import BuildResult, build
from tests.engines import PgServer
from tests.helpers.pg_answers import PgAnswers, answers_of
from tests.seed import parse_queries


def built(path: Path, target: str) -> BuildResult:
    result = build(path, target)
    if not result.ok or result.design is None:
        raise AssertionError(f"{path.name} does not build for {target}: {[str(d) for d in result.diagnostics]}")
    return result


def pg_answers_of(server: PgServer, path: Path, *, biggest: int) -> PgAnswers:
    """The model at `path` on `server`: schema applied, seeded with `biggest` rows in its biggest table."""
    return answers_of(server, path.stem, built(path, "postgres"), biggest=biggest)


def run_statement(pg: PgAnswers, name: str, params: dict[str, Any], tenant: Any = None) -> list[dict[str, Any]]:
    """Run one queries.sql statement (a write: `RenameAuthor`) as the app role (in `tenant`), committed."""
    named = next((n for n in pg.statements.values() if n.name == name), None)
    if named is None:
        text = next(a.text for a in pg.result.artifacts if a.path == "queries.sql")
        named = next(n for n in parse_queries(text) if n.name == name)
    with pg.server.connect(pg.database, user=pg.server.app_user) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", ["" if tenant is None else str(tenant)])
        cur = psycopg.RawCursor(conn)
        cur.execute(named.sql, [params[n] for n, _t, _null in named.params])
        columns = [d.name for d in cur.description or []]
        rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()] if cur.description else []
    return rows
