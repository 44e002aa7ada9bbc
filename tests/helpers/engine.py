"""The database engines the SQL tests run on, as objects: one suite of tests takes them as the `engine`
fixture (tests/conftest.py), so that another engine is another object here, not a copy of the tests.

* `EngineFacts`: what differs between engines as data (the backend target, identifier quoting, whether
  tenant isolation is a row-level security policy or only the statements' tenant parameter, how a routine
  is called, which driver errors mean "refused").
* `SqlEngine`: one engine with its server: `build(path)`, `open(path, name)` -> an `EngineExample`.
* `EngineExample` (`PgExample`, `MyExample`): one model's schema applied to a fresh database, with
  - `engine`: SQLAlchemy engine of the owner (PostgreSQL's superuser, MariaDB's root), `seed()`, `close()`;
  - the roles the schema header recommends: `app(tenant, actor)` and `privacy()`, each a transaction;
  - `run(conn, stmt, values)`: a generated statement with its parameters by name (MariaDB: every warning
    fails), `explain(conn, stmt, values)`: the tables and indexes its plan reads, `indexes(conn)`: the
    database's index names, `sql(conn, text, *args)`: hand-written SQL with `%s` placeholders.
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import psycopg
import pymysql
import pymysql.cursors
import sqlalchemy as sa

from schemac.build import BuildResult
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script, execute_checked
from tests.helpers.sqldata import (
    Seed,
    Statement,
    Statements,
    artifact,
    build_example,
    driver_params,
    layout_of,
    param_values,
    parse_queries,
    seed,
)
from tests.seed import mariadb_accesses, pg_scans


@dataclass(frozen=True)
class EngineFacts:
    name: str  # the fixture's id
    target: str  # the schemac backend
    mysql: bool  # sample values in MySQL's shapes (naive UTC datetimes, JSON lists, uuid bytes)
    quote: str  # around an identifier that is a keyword
    # the app role's sessions are isolated by a row-level security policy; otherwise the tenant parameter
    # of every generated statement is the only guard
    row_level_security: bool
    call: str  # a routine call, `.format(routine, placeholders)`
    now: str  # the current time at the columns' precision
    refusals: tuple[type[BaseException], ...]  # driver errors of a write the engine refuses (policy, key)


POSTGRES = EngineFacts("postgres", "postgres", False, '"', True, "SELECT {}({})", "now()",
                       (psycopg.errors.InsufficientPrivilege, psycopg.errors.IntegrityError))
MARIADB = EngineFacts("mariadb", "mysql", True, "`", False, "CALL {}({})", "now(6)", (pymysql.err.IntegrityError,))

APP_ROLE, PRIVACY_JOB = "app", "privacy_job"


class Ran(NamedTuple):
    rows: list[Any]  # mappings: column name -> value
    rowcount: int


class Access(NamedTuple):
    """One table read of a plan: the table (or its alias) and the index read, None for a whole-table scan."""

    table: str | None
    index: str | None


class EngineExample(ABC):
    """One model's schema applied to a fresh database of one engine, with sample rows on demand."""

    facts: ClassVar[EngineFacts]
    engine: sa.Engine

    def __init__(self, path: Path) -> None:
        self.result = build_example(path, self.facts.target)
        self.schema = artifact(self.result, "schema.sql")
        self.queries = Statements(self.result, parse_queries(artifact(self.result, "queries.sql")))
        self.layout = layout_of(self.result, self.facts.target)
        self.data: Seed | None = None
        self._app: sa.Engine | None = None

    def seed(self) -> Seed:
        with self.engine.begin() as conn:
            self.data = seed(conn, self.layout, mysql=self.facts.mysql)
        return self.data

    def app_engine(self) -> sa.Engine:
        """The application's role with the privileges the schema header recommends (made once)."""
        if self._app is None:
            self._app = self._make_app_engine()
        return self._app

    @contextlib.contextmanager
    def app(self, tenant: Any = None, actor: str = "tester") -> Iterator[sa.Connection]:
        """A transaction of the application's role, with the session's tenant (where the engine has one)
        and the actor the audit log records."""
        with self.app_engine().begin() as conn:
            self._set_session(conn, tenant, actor)
            yield conn

    @abstractmethod
    def run(self, conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> Ran: ...

    @abstractmethod
    def explain(self, conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> list[Access]:
        """The engine's plan of a generated statement with these parameters, as the tables it reads."""

    @abstractmethod
    def indexes(self, conn: sa.Connection) -> set[str]:
        """The names of the database's indexes, primary keys included."""

    @abstractmethod
    def sql(self, conn: sa.Connection, text: str, *args: Any) -> list[Any]:
        """Hand-written SQL with `%s` placeholders; the rows as mappings."""

    def call(self, conn: sa.Connection, routine: str, *args: Any) -> None:
        self.sql(conn, self.facts.call.format(routine, ", ".join(["%s"] * len(args))), *args)

    @abstractmethod
    def privacy(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """A transaction of the privacy job: it may run the erasure routines, and sets no tenant."""

    @abstractmethod
    def _make_app_engine(self) -> sa.Engine: ...

    @abstractmethod
    def _set_session(self, conn: sa.Connection, tenant: Any, actor: str) -> None: ...

    def close(self) -> None:
        """Drop the database, so that little is left to flush or delete when the server stops."""
        if self._app is not None:
            self._app.dispose()
        self.engine.dispose()


class PgExample(EngineExample):
    facts = POSTGRES

    def __init__(self, server: PgServer, path: Path, name: str) -> None:
        super().__init__(path)
        self.server = server
        self.dsn = server.fresh_database(name)
        self.db = self.dsn.rsplit("/", 1)[1]
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            apply_pg_script(conn, self.schema)
        self.engine = sa.create_engine(self.dsn.replace("postgresql://", "postgresql+psycopg://"))

    def _make_app_engine(self) -> sa.Engine:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
            conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
            if "audit_log" in self.schema:  # written by SECURITY DEFINER triggers and erasure functions only
                conn.exec_driver_sql(f"REVOKE INSERT, UPDATE, DELETE ON audit_log FROM {APP_ROLE}")
        dsn = self.server.dsn_for(self.db, user=self.server.app_user)
        return sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://"))

    def _set_session(self, conn: sa.Connection, tenant: Any, actor: str) -> None:
        conn.exec_driver_sql("SELECT set_config('app.tenant_id', %(t)s, false), set_config('app.actor', %(a)s, false)",
                             {"t": "" if tenant is None else str(tenant), "a": actor})

    @contextlib.contextmanager
    def privacy(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:  # the superuser as the privacy role, which the schema makes
            conn.exec_driver_sql(f"SET LOCAL ROLE {self.result.design.model.settings.name}_privacy")  # type: ignore[union-attr]
            yield conn

    def run(self, conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> Ran:
        """`$n` placeholders through psycopg, which takes `%(name)s`."""
        sql = re.sub(r"\$(\d+)\b", lambda m: f"%(p{m.group(1)})s", stmt.sql.replace("%", "%%"))
        params = driver_params({f"p{i + 1}": values[p.name] for i, p in enumerate(stmt.params)}, mysql=False)
        result = conn.exec_driver_sql(sql, params)
        return Ran(list(result.mappings().all()) if result.returns_rows else [], result.rowcount)

    def explain(self, conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> list[Access]:
        explain = Statement(stmt.name, stmt.kind, "EXPLAIN (FORMAT JSON) " + stmt.sql, stmt.params)
        [row] = self.run(conn, explain, values).rows
        return [Access(s.relation, s.index) for s in pg_scans(next(iter(row.values())))]

    def indexes(self, conn: sa.Connection) -> set[str]:
        return {r["indexname"] for r in self.sql(conn, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}

    def sql(self, conn: sa.Connection, text: str, *args: Any) -> list[Any]:
        result = conn.exec_driver_sql(text, args or None)  # type: ignore[arg-type]
        return list(result.mappings().all()) if result.returns_rows else []

    def close(self) -> None:
        super().close()
        with self.server.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE "{self.db}" WITH (FORCE)')


class MyExample(EngineExample):
    """MariaDB 10.11 with MySQL 8's sql_mode; `conn` is a root PyMySQL connection (autocommit, dict rows)."""

    facts = MARIADB

    def __init__(self, server: MariaDbServer, path: Path, name: str) -> None:
        super().__init__(path)
        self.server = server
        self.kwargs = server.fresh_database(name)
        self.conn = pymysql.connect(**self.kwargs, cursorclass=pymysql.cursors.DictCursor)
        apply_mysql_script(self.conn, self.schema)
        self.engine = sa.create_engine(self._url(self.kwargs["user"]))

    def _url(self, user: str) -> str:
        k = self.kwargs
        return f"mysql+pymysql://{user}@{k['host']}:{k['port']}/{k['database']}?charset=utf8mb4"

    def _user(self, user: str) -> None:
        with self.conn.cursor() as cur:  # users are the server's: made once, kept (a note when it exists)
            cur.execute(f"CREATE USER IF NOT EXISTS '{user}'@'{self.kwargs['host']}'")

    def _make_app_engine(self) -> sa.Engine:
        """The header's grants: SELECT, INSERT, UPDATE, DELETE table by table, SELECT only on the audit log
        and the history tables; no CREATE TEMPORARY TABLES, no EXECUTE."""
        self._user(APP_ROLE)
        db, host = self.kwargs["database"], self.kwargs["host"]
        for row in execute_checked(self.conn, "SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'"):
            table = next(iter(row.values()))
            read_only = table == "audit_log" or table.endswith("_history")
            rights = "SELECT" if read_only else "SELECT, INSERT, UPDATE, DELETE"
            execute_checked(self.conn, f"GRANT {rights} ON `{db}`.`{table}` TO '{APP_ROLE}'@'{host}'")
        return sa.create_engine(self._url(APP_ROLE))

    def _set_session(self, conn: sa.Connection, tenant: Any, actor: str) -> None:
        conn.exec_driver_sql("SET @app_actor = %s", (actor,))  # MySQL has no session tenant

    @contextlib.contextmanager
    def privacy(self) -> Iterator[sa.Connection]:
        """The privacy job's user, granted EXECUTE on each erasure procedure and nothing else."""
        self._user(PRIVACY_JOB)
        db, host = self.kwargs["database"], self.kwargs["host"]
        for row in execute_checked(self.conn, "SELECT routine_name AS name FROM information_schema.routines WHERE "
                                   "routine_schema = DATABASE() AND routine_name LIKE 'erase\\_%'"):
            execute_checked(self.conn, f"GRANT EXECUTE ON PROCEDURE `{db}`.`{row['name']}` TO '{PRIVACY_JOB}'@'{host}'")
        engine = sa.create_engine(self._url(PRIVACY_JOB))
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()

    def run(self, conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> Ran:
        """`%(name)s` placeholders through PyMySQL, in `conn`'s transaction; any warning fails."""
        args = {p.name: driver_params(values, mysql=True)[p.name] for p in stmt.params}
        raw = conn.connection.driver_connection
        rows = execute_checked(raw, stmt.sql, args, cursor=pymysql.cursors.DictCursor)  # type: ignore[arg-type]
        return Ran(list(rows), raw.affected_rows())  # type: ignore[union-attr]

    def explain(self, conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> list[Access]:
        """EXPLAIN FORMAT=JSON of the statement with its parameters as literals, binary ones in hex (the
        document prints the conditions' literals as they are, and raw bytes there would not be JSON)."""
        raw = conn.connection.driver_connection
        args = {p.name: driver_params(values, mysql=True)[p.name] for p in stmt.params}

        def literal(m: re.Match[str]) -> str:
            value = args[m.group(1)]
            return f"X'{value.hex()}'" if isinstance(value, bytes) else str(raw.escape(value))  # type: ignore[union-attr]

        sql = re.sub(r"%\((\w+)\)s", literal, stmt.sql).replace("%%", "%")
        [row] = self.sql(conn, "EXPLAIN FORMAT=JSON " + sql)
        accesses = mariadb_accesses(next(iter(row.values())))  # <subquery2>, <derived3>: the engine's own tables
        return [Access(a.get("table_name"), a.get("key")) for a in accesses if not a["table_name"].startswith("<")]

    def indexes(self, conn: sa.Connection) -> set[str]:
        rows = self.sql(conn, "SELECT DISTINCT index_name AS name FROM information_schema.statistics "
                              "WHERE table_schema = DATABASE()")
        return {r["name"] for r in rows}

    def sql(self, conn: sa.Connection, text: str, *args: Any) -> list[Any]:
        raw = conn.connection.driver_connection
        return list(execute_checked(raw, text, args or None, cursor=pymysql.cursors.DictCursor))  # type: ignore[arg-type]

    def close(self) -> None:
        super().close()
        execute_checked(self.conn, f"DROP DATABASE `{self.kwargs['database']}`")
        self.conn.close()


@dataclass(frozen=True)
class SqlEngine:
    """The `engine` fixture: one engine's facts and its running server."""

    example_class: type[PgExample] | type[MyExample]
    server: PgServer | MariaDbServer

    @property
    def facts(self) -> EngineFacts:
        return self.example_class.facts

    @property
    def name(self) -> str:
        return self.facts.name

    def build(self, path: Path) -> BuildResult:
        return build_example(path, self.facts.target)

    def open(self, path: Path, name: str) -> EngineExample:
        """`path`'s schema applied to a fresh database `<engine>_<name>`; `close()` drops it."""
        return self.example_class(self.server, path, f"{self.name}_{name}")  # type: ignore[arg-type]

    @contextlib.contextmanager
    def opened(self, path: Path, name: str) -> Iterator[EngineExample]:
        """`open(path, name)`, closed at the end of the block."""
        example = self.open(path, name)
        try:
            yield example
        finally:
            example.close()


# the fixture's parameters: engine name -> (example class, the server's fixture)
ENGINES: dict[str, tuple[type[PgExample] | type[MyExample], str]] = {
    "postgres": (PgExample, "pg_server"),
    "mariadb": (MyExample, "mariadb_server"),
}


def run_every_statement(example: EngineExample) -> None:
    """Seed sample rows, then run every generated statement in one owner transaction: reads return rows
    (`:one` exactly one), and the next page of a keyset read does not repeat the cursor row."""
    data = example.seed()
    reads = [s for s in example.queries.statements if s.kind == ":many" or "SELECT" in s.sql[:6]]
    with example.engine.begin() as conn:
        for stmt in example.queries.statements:
            if example.queries.is_next_page(stmt):
                continue  # run by _next_page after its first page
            ir = example.queries.pattern(stmt.name)
            rows = example.run(conn, stmt, param_values(stmt, ir, data)).rows
            if stmt.sql.startswith("SELECT"):
                assert rows, f"{stmt.name} returned no rows from the sample data"
                if stmt.kind == ":one":
                    assert len(rows) == 1, stmt.name
                _next_page(example, conn, example.queries.next_page(stmt.name), ir, data, rows)
    assert reads


def _next_page(example: EngineExample, conn: sa.Connection, stmt: Statement | None, ir: Any, data: Seed,
               rows: list[Any]) -> None:
    if stmt is None:
        return
    values = param_values(stmt, ir, data)
    last = rows[-1]
    for name in (p.name for p in stmt.params if p.name.startswith("after_")):
        values[name] = last[name[len("after_"):]]
    again = example.run(conn, stmt, values).rows
    assert all(r["id"] != last["id"] for r in again), f"{stmt.name}: the next page repeats the cursor row"
