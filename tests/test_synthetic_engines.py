"""Models that are not the examples, on the real engines: synthetic models (bench/synth.py, several sizes
and seeds) mix every field type, checks between fields, references with every ON DELETE, owners, tenancy,
volumes, maintained counters, full-text fields, includes and every kind of write. Each model's PostgreSQL
schema applies to PostgreSQL 15 and its MySQL schema to MariaDB (no warnings), and every generated statement
runs there against sample rows: reads return rows, keyset pages move on, writes succeed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.plan_models import synthetic_model
from tests.test_mysql_engine import MyExample
from tests.test_mysql_engine import run_every_statement as run_on_mariadb
from tests.test_postgres_engine import PgExample
from tests.test_postgres_engine import run_every_statement as run_on_postgres

MODELS = [(40, 11), (60, 7), (120, 2)]  # (entities, seed)
_model = synthetic_model


@pytest.mark.parametrize(("n", "seed"), MODELS, ids=[f"{n}-entities-seed-{s}" for n, s in MODELS])
def test_synthetic_model_on_postgres(pg_server: PgServer, tmp_path: Path, n: int, seed: int) -> None:
    example = PgExample(pg_server, _model(tmp_path, n, seed), f"synthetic_pg_{n}_{seed}")
    try:
        run_on_postgres(example)
    finally:
        example.close()


@pytest.mark.parametrize(("n", "seed"), MODELS, ids=[f"{n}-entities-seed-{s}" for n, s in MODELS])
def test_synthetic_model_on_mariadb(mariadb_server: MariaDbServer, tmp_path: Path, n: int, seed: int) -> None:
    example = MyExample(mariadb_server, _model(tmp_path, n, seed), f"synthetic_my_{n}_{seed}")
    try:
        run_on_mariadb(example)
    finally:
        example.close()
