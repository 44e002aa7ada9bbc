"""A small model with everything the generated routines and triggers guard (a tenant, the audit log, a
@versioned entity with a count and a sum kept by triggers, GDPR erasure), applied to a real engine with
the roles the schema header recommends: an owner, the application and a privacy job.

`SecureDb` is one engine's database of it; the tests in `test_sec_*.py` take it parametrised over
PostgreSQL (owned by a superuser, or by a plain owner role) and MariaDB.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pymysql

from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script
from tests.helpers.sqldata import artifact, build_example

SECURE_SDL = """\
model secure {
  tenant     Org
  compliance gdpr
  audit      on
}
entity Org { name string(50) }
entity Account @audited @versioned {
  email       email        @pii @unique
  name        string(50)
  card_count  int = count(Card)
  points      int = sum(Card.points)
}
entity Card {
  account  Account
  points   int
}
query account_cards {
  from  Card
  where account = ?
}
"""
PRIVACY_ROLE = "secure_privacy"
PG_OWNER, PG_PRIVACY_JOB = "sec_owner", "sec_privacy_job"
MY_APP, MY_PRIVACY_JOB = "sec_app", "sec_privacy_job"


def build_schema(tmp: Path, target: str) -> str:
    path = tmp / "secure.sdl"
    path.write_text(SECURE_SDL, encoding="utf-8")
    return artifact(build_example(path, target), "schema.sql")


class SecureDb:
    """The model applied to one database, with two tenants (A, B) of one account each."""

    engine: str
    schema: str

    def __init__(self) -> None:
        self.tenants = (uuid.uuid4(), uuid.uuid4())
        self.accounts = (uuid.uuid4(), uuid.uuid4())

    def key(self, value: uuid.UUID) -> Any:
        """A uuid as the driver passes it: PostgreSQL's uuid, MySQL's BINARY(16)."""
        return value if self.engine == "postgres" else value.bytes

    def seed(self) -> None:
        for i, (tenant, account) in enumerate(zip(self.tenants, self.accounts, strict=True)):
            self.owner("INSERT INTO orgs (id, name) VALUES (%s, %s)", self.key(tenant), f"org {i}", tenant=tenant)
            self.owner("INSERT INTO accounts (id, org_id, email, name) VALUES (%s, %s, %s, %s)",
                       self.key(account), self.key(tenant), f"person{i}@example.com", f"person {i}", tenant=tenant)

    def owner(self, sql: str, *args: Any, tenant: uuid.UUID | None = None) -> list[tuple[Any, ...]]:
        """Run one statement as a role that bypasses tenant isolation (the superuser / root), in a
        transaction of `tenant` (for the triggers, which run as the schema's owner)."""
        raise NotImplementedError

    def owner_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run one statement for each of `rows`, as the superuser / root, in one transaction."""
        raise NotImplementedError

    def app(self) -> contextlib.AbstractContextManager[Any]:
        """A connection of the application's role, with the privileges the header recommends."""
        raise NotImplementedError

    def privacy(self) -> contextlib.AbstractContextManager[Any]:
        """A connection of the privacy job (granted the privacy role), without any tenant setting."""
        raise NotImplementedError

    def erase_sql(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class PgSecureDb(SecureDb):
    engine = "postgres"

    def __init__(self, server: PgServer, name: str, schema: str, *, superuser_owner: bool) -> None:
        super().__init__()
        self.server, self.schema = server, schema
        self.dsn = server.fresh_database(name)
        self.db = self.dsn.rsplit("/", 1)[1]
        owner = server.superuser if superuser_owner else PG_OWNER
        with server.connect(self.db) as conn:
            # the privacy role as an administrator makes it (the schema makes it when missing)
            for role, options in ((PG_OWNER, "LOGIN CREATEROLE"), (PG_PRIVACY_JOB, "LOGIN"),
                                  (PRIVACY_ROLE, "NOLOGIN")):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                    conn.execute(f"CREATE ROLE {role} {options}")
            conn.execute(f"GRANT CREATE ON SCHEMA public TO {PG_OWNER}")
        with server.connect(self.db, user=owner) as conn:
            apply_pg_script(conn, schema)
            conn.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app")
            conn.execute("REVOKE INSERT, UPDATE, DELETE ON audit_log FROM app")
        with server.connect(self.db) as conn:
            conn.execute(f"GRANT {PRIVACY_ROLE} TO {PG_PRIVACY_JOB}")

    def owner(self, sql: str, *args: Any, tenant: uuid.UUID | None = None) -> list[tuple[Any, ...]]:
        with self.server.connect(self.db, autocommit=False) as conn:
            if tenant is not None:
                conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant)])
            cur = conn.execute(sql, list(args))  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def owner_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self.server.connect(self.db, autocommit=False) as conn, conn.cursor() as cur:
            cur.executemany(sql, rows)

    @contextlib.contextmanager
    def app(self) -> Iterator[psycopg.Connection[Any]]:
        with self.server.connect(self.db, user=self.server.app_user, autocommit=False) as conn:
            yield conn

    @contextlib.contextmanager
    def privacy(self) -> Iterator[psycopg.Connection[Any]]:
        with self.server.connect(self.db, user=PG_PRIVACY_JOB, autocommit=False) as conn:
            yield conn

    def erase_sql(self) -> str:
        return "SELECT erase_account(%s, %s)"

    def close(self) -> None:
        with self.server.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE "{self.db}" WITH (FORCE)')


class MySecureDb(SecureDb):
    engine = "mysql"

    def __init__(self, server: MariaDbServer, name: str, schema: str) -> None:
        super().__init__()
        self.server, self.schema = server, schema
        self.kwargs = server.fresh_database(name)
        self.db = self.kwargs["database"]
        with contextlib.closing(pymysql.connect(**self.kwargs)) as conn:
            apply_mysql_script(conn, schema)
            with conn.cursor() as cur:  # the header's grants: table rights, no CREATE TEMPORARY TABLES
                for user in (MY_APP, MY_PRIVACY_JOB):
                    cur.execute(f"CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1'")
                cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{self.db}`.* TO '{MY_APP}'@'127.0.0.1'")
                cur.execute(f"GRANT EXECUTE ON PROCEDURE `{self.db}`.erase_account TO '{MY_PRIVACY_JOB}'@'127.0.0.1'")

    def owner(self, sql: str, *args: Any, tenant: uuid.UUID | None = None) -> list[tuple[Any, ...]]:
        with contextlib.closing(pymysql.connect(**self.kwargs)) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def owner_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with contextlib.closing(pymysql.connect(**self.kwargs)) as conn, conn.cursor() as cur:
            cur.executemany(sql, rows)

    def _as(self, user: str) -> contextlib.closing[pymysql.connections.Connection]:
        return contextlib.closing(pymysql.connect(**{**self.kwargs, "user": user, "autocommit": False}))

    @contextlib.contextmanager
    def app(self) -> Iterator[pymysql.connections.Connection]:
        with self._as(MY_APP) as conn:
            yield conn

    @contextlib.contextmanager
    def privacy(self) -> Iterator[pymysql.connections.Connection]:
        with self._as(MY_PRIVACY_JOB) as conn:
            yield conn

    def erase_sql(self) -> str:
        return "CALL erase_account(%s, %s)"

    def close(self) -> None:
        self.owner(f"DROP DATABASE `{self.db}`")
