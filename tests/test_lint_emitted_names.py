"""Names past the identifier limit, from everywhere a name comes from (an entity, a @table, a query's summary
table and its group keys and aliases, a many-to-many junction, a @versioned history table, a GDPR erasure
routine): the SQL backend cuts each one short with a hash and records the long one in its catalog, the schema
applies as is on PostgreSQL 15 and MariaDB (whose limits would truncate or refuse the long names), and lint's
SC0336 names each long name at the line it comes from, with the name the database really has."""

from __future__ import annotations

import uuid
from pathlib import Path

import pymysql
import pytest
import sqlalchemy as sa

from schemac.catalog import Catalog
from schemac.compiler.pipeline import compile_model
from tests.helpers.engine import SqlEngine
from tests.helpers.lint import build, lint

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "tests" / "fixtures" / "long_names.sdl"
LIMITS = {"postgres": 63, "mysql": 64}
DB_ERRORS = (sa.exc.DBAPIError, pymysql.err.MySQLError)  # MariaDB's CALL reaches the driver directly

# (the line the finding points at, what the long name is) for every name past the limit in the fixture
EXPECTED = {
    (16, "table", "a_really_long_query_name_for_the_quarterly_revenue_by_region_x_summary"),
    (16, "column", "the_moment_this_particular_sale_was_recorded_at_the_register_x_quarter"),
    (16, "column", "total_revenue_of_all_the_sales_in_the_group_over_the_whole_period"),
    (24, "routine", "erase_an_extremely_long_entity_name_that_goes_on_and_on_forever_and_ever_and_ever_yes"),
    (29, "table", "price_of_the_product_in_the_regional_catalogue_for_the_wholesale_markets"),
    (39, "table", "shelfs_labels_that_the_warehouse_staff_attach_to_this_shelf_for_the_audit"),
    (39, "column", "labels_that_the_warehouse_staff_attach_to_this_shelf_for_the_audit_id"),
}


def _catalog(target: str) -> Catalog:
    comp = compile_model(MODEL)
    assert comp.model is not None
    return build(comp.model, target)[1]


@pytest.mark.parametrize("target", sorted(LIMITS))
def test_every_long_name_is_found_where_it_comes_from(target: str) -> None:
    found = [d for d in lint(MODEL.read_text(encoding="utf-8"), target=target) if d.code == "SC0336"]
    named = {(d.span.line if d.span else 0, d.message.split(" name ")[0], d.message.split("`")[1]) for d in found}
    assert named >= EXPECTED
    history = {n for n in named if n[2].endswith("_history")}  # the history of a table already cut short
    assert {line for line, _, _ in history} == {29}
    assert named - EXPECTED - history == set()
    for d in found:
        assert d.help is not None and "schemac emits it as `" in d.help, d.help
    junction = next(d for d in found if d.span and d.span.line == 39 and d.message.startswith("table"))
    assert "Shelf.labels_that_the_warehouse_staff_attach_to_this_shelf_for_the_audit" in (junction.help or "")
    summary = next(d for d in found if d.message.startswith("table name `a_really"))
    assert "query name" in (summary.help or "")


@pytest.mark.parametrize("target", sorted(LIMITS))
def test_the_catalog_records_each_cut_and_every_emitted_name_fits(target: str) -> None:
    catalog = _catalog(target)
    limit = LIMITS[target]
    names = [*(c.name for c in catalog.containers), *(m.name for c in catalog.containers for m in c.members),
             *(r.name for r in catalog.routines), *(r.name for r in catalog.roles), *(k.name for k in catalog.keys),
             *(t.name for t in catalog.triggers)]
    assert all(len(n.encode()) <= limit for n in names), [n for n in names if len(n.encode()) > limit]
    cut = {x.shortened_from for x in (*catalog.containers, *catalog.routines) if x.shortened_from}
    cut |= {m.shortened_from for c in catalog.containers for m in c.members if m.shortened_from}
    assert {name for _, _, name in EXPECTED} <= cut


def test_the_schema_applies_and_the_database_has_the_catalog_names(engine: SqlEngine) -> None:
    catalog = _catalog(engine.facts.target)
    with engine.opened(MODEL, "long_names") as ex, ex.engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names())
        for container in catalog.containers:
            assert container.name in tables, container.name
            columns = {c["name"] for c in inspector.get_columns(container.name)}
            assert {m.name for m in container.members} == columns, container.name
        routines = {r.name for r in catalog.routines}
        if engine.facts.mysql:
            found = {row[0] for row in conn.execute(sa.text(
                "SELECT routine_name FROM information_schema.routines WHERE routine_schema = DATABASE()"))}
        else:
            found = {row[0] for row in conn.execute(sa.text(
                "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"))}
        assert routines <= found


def test_a_long_tenant_column_is_one_finding_at_the_tenant_line() -> None:
    root = "TheOrganisationThatOwnsEverythingInThisVeryLongNamedWorkspace"
    sdl = (f"model ten {{\n  tenant {root}\n}}\nentity {root} {{\n  name string(40)\n}}\n"
           "entity Ticket {\n  title string(40)\n  labels Label[]\n}\nentity Label {\n  name string(40)\n}\n")
    for target in sorted(LIMITS):
        columns = [d for d in lint(sdl, target=target) if d.code == "SC0336" and d.message.startswith("column")]
        assert [(d.span.line if d.span else 0) for d in columns] == [2], [d.message for d in columns]
        assert "tenant entity" in (columns[0].help or "")


def test_a_cut_erasure_routine_runs_for_the_privacy_job_only(engine: SqlEngine) -> None:
    """The erasure routine under its cut name keeps its grant: the application role is refused, the privacy
    job's role may run it (an unknown row: the routine itself answers that it has no such row)."""
    catalog = _catalog(engine.facts.target)
    (routine,) = [r for r in catalog.routines if r.shortened_from]
    unknown = uuid.UUID(int=7)
    arg = unknown.bytes if engine.facts.mysql else unknown
    with engine.opened(MODEL, "long_names_erase") as ex:
        with pytest.raises(DB_ERRORS) as refused, ex.app() as conn:
            ex.call(conn, routine.name, arg)
        assert any(w in str(refused.value).lower() for w in ("permission denied", "command denied")), refused.value
        with pytest.raises(DB_ERRORS) as answered, ex.privacy() as conn:
            ex.call(conn, routine.name, arg)
        assert "no such" in str(answered.value), answered.value
