"""Shared pytest configuration: the ``--update-golden`` option and the database server fixtures.

Fixtures:

* ``update_golden`` -> bool: True when pytest runs with ``--update-golden`` (golden files are rewritten
  instead of compared).
* ``pg_server`` (session) -> :class:`tests.engines.PgServer`: a throwaway PostgreSQL 15 cluster.
* ``mariadb_server`` (session) -> :class:`tests.engines.MariaDbServer`: a throwaway MariaDB 10.11 server.
* ``pg_database`` -> str: the superuser DSN of a fresh, empty PostgreSQL database named after the test.
* ``mariadb_database`` -> dict: ``pymysql.connect`` kwargs of a fresh, empty MariaDB database named
  after the test.
* ``dynalite_server``, ``moto_server`` (session) -> :class:`tests.helpers.ddb_servers.DdbServer`: the two
  DynamoDB emulators of the DynamoDB proof (defined in tests/helpers/ddb_servers.py).
* ``engine`` (session, parametrised over ``tests.engines.ENGINE_NAMES``) ->
  :class:`tests.helpers.engine.SqlEngine`: one engine and its server, for the suites that run on every engine.

A server that is not installed makes the tests that use it fail (never skip), with a message naming
``scripts/test.sh``, which installs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from tests.engines import ENGINE_NAMES, EngineError, MariaDbServer, PgServer, start_mariadb, start_postgres
from tests.helpers.ddb_servers import dynalite_server, moto_server  # noqa: F401  (fixtures, registered here)

S = TypeVar("S", PgServer, MariaDbServer)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        dest="update_golden",
        help="rewrite golden files with the current output instead of comparing against them",
    )


@pytest.fixture(scope="session")
def update_golden(pytestconfig: pytest.Config) -> bool:
    """True when the run was started with ``--update-golden``."""
    return bool(pytestconfig.getoption("update_golden"))


def _start_or_fail(start: Callable[[], S], label: str) -> S:
    """Start a server; if it is missing or broken, fail (never skip) with the reason and the fix."""
    try:
        return start()
    except EngineError as exc:
        problem = f"{label} test server: {exc}"
    pytest.fail(problem, pytrace=False)  # outside the except block: no chained traceback


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL 15 cluster for the whole session; stopped and deleted at the end."""
    server = _start_or_fail(start_postgres, "PostgreSQL")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDbServer]:
    """A MariaDB 10.11 server for the whole session; stopped and deleted at the end."""
    server = _start_or_fail(start_mariadb, "MariaDB")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(pg_server: PgServer, request: pytest.FixtureRequest) -> str:
    """Superuser DSN of a fresh, empty database named after the current test."""
    return pg_server.fresh_database(request.node.name)


@pytest.fixture
def mariadb_database(mariadb_server: MariaDbServer, request: pytest.FixtureRequest) -> dict[str, Any]:
    """``pymysql.connect`` kwargs of a fresh, empty database named after the current test."""
    return mariadb_server.fresh_database(request.node.name)


@pytest.fixture(scope="session", params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest) -> Any:
    """A :class:`tests.helpers.engine.SqlEngine` with its server, started on first use."""
    from tests.helpers.engine import ENGINES, SqlEngine  # imported by the tests that use it (schemac, SQLAlchemy)

    example_class, server_fixture = ENGINES[request.param]
    return SqlEngine(example_class, request.getfixturevalue(server_fixture))
