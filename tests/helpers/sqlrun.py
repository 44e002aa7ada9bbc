"""One model's schema.sql applied to a fresh database of either engine, and its queries.sql statements run by
name with named values: the same test body drives PostgreSQL 15 and MariaDB (`db_for(engine, ...)`).

Values are plain Python (uuid.UUID, str, datetime): a uuid is sent as 16 bytes to MariaDB. Rows come back as
dicts; `Db.rowcount` is the row count of the last statement (what a driver's `:execrows` reports)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pymysql.cursors
from psycopg.rows import dict_row

from schemac.build import BuildResult, build
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script
from tests.helpers.sqldata import Statement, parse_queries

TARGET = {"postgres": "postgres", "mariadb": "mysql"}
ENGINES = tuple(TARGET)


def build_model(sdl: str, tmp_path: Path, target: str) -> BuildResult:
    path = tmp_path / "model.sdl"
    path.write_text(sdl, encoding="utf-8")
    result = build(path, target)
    assert result.ok, [str(d) for d in result.diagnostics]
    return result


def artifact(result: BuildResult, name: str) -> str:
    return next(a.text for a in result.artifacts if a.path == name)


@dataclass
class Db:
    engine: str
    conn: Any
    result: BuildResult
    statements: dict[str, Statement] = field(default_factory=dict)
    rowcount: int = 0

    def sql(self, text: str, *args: Any) -> list[dict[str, Any]]:
        """Run hand-written SQL (`%s` placeholders on both engines; without arguments `%` is plain)."""
        values = tuple(self._value(a) for a in args) or None
        if self.engine == "postgres":
            cur = self.conn.execute(text, values)
            self.rowcount = cur.rowcount
            return list(cur.fetchall()) if cur.description else []
        with self.conn.cursor() as cur:
            self.rowcount = cur.execute(text, values)
            return list(cur.fetchall())

    def run(self, name: str, **values: Any) -> list[dict[str, Any]]:
        """Run the generated statement `name` with its parameters taken by name from `values`."""
        stmt = self.statements[name]
        if self.engine == "postgres":
            text = re.sub(r"\$(\d+)\b", lambda m: f"%(p{m.group(1)})s", stmt.sql.replace("%", "%%"))
            names = list(dict.fromkeys(p.name for p in stmt.params))
            named = {f"p{i + 1}": self._value(values[n]) for i, n in enumerate(names)}
            cur = self.conn.execute(text, named)
            self.rowcount = cur.rowcount
            return list(cur.fetchall()) if cur.description else []
        with self.conn.cursor() as cur:
            self.rowcount = cur.execute(stmt.sql, {p.name: self._value(values[p.name]) for p in stmt.params})
            return list(cur.fetchall())

    def _value(self, v: Any) -> Any:
        if isinstance(v, uuid.UUID) and self.engine == "mariadb":
            return v.bytes
        return v

    def key(self, v: Any) -> Any:
        """A key value as it comes back from the engine, as a uuid.UUID where it is one."""
        return uuid.UUID(bytes=v) if isinstance(v, bytes) and len(v) == 16 else v


def db_for(engine: str, sdl: str, tmp_path: Path, name: str, pg: PgServer | None = None,
           maria: MariaDbServer | None = None) -> Db:
    result = build_model(sdl, tmp_path, TARGET[engine])
    schema = artifact(result, "schema.sql")
    statements = {s.name: s for s in parse_queries(artifact(result, "queries.sql"))}
    if engine == "postgres":
        assert pg is not None
        dsn = pg.fresh_database(name)
        conn = psycopg.connect(dsn, autocommit=True, row_factory=dict_row)
        apply_pg_script(conn, schema)
        return Db(engine, conn, result, statements)
    assert maria is not None
    kwargs = maria.fresh_database(name)
    conn = pymysql.connect(**kwargs, cursorclass=pymysql.cursors.DictCursor)
    apply_mysql_script(conn, schema)
    return Db(engine, conn, result, statements)


def engine_db(request: Any, pg: PgServer, maria: MariaDbServer, tmp_path: Path, sdl: str, prefix: str) -> Db:
    """The body of a fixture parametrised over ENGINES: `sdl` applied to a fresh `<prefix>_<engine>` database."""
    return db_for(request.param, sdl, tmp_path, f"{prefix}_{request.param}", pg, maria)


HANDLER_READS = ("Handler_read_first", "Handler_read_key", "Handler_read_last", "Handler_read_next",
                 "Handler_read_prev", "Handler_read_rnd", "Handler_read_rnd_next")


def handler_reads(db: Db, run: Callable[[], object]) -> int:
    """MariaDB: the index entries and rows the statements of `run` read (the session's Handler_read_*)."""
    db.sql("FLUSH STATUS")
    run()
    status = {r["Variable_name"]: int(r["Value"]) for r in db.sql("SHOW SESSION STATUS LIKE 'Handler_read%'")}
    return sum(status[k] for k in HANDLER_READS)
