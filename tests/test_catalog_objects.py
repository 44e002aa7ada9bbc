"""The catalog lists every object schema.sql creates and every statement queries.sql names, including what
issue 10 added: the email collation, the erasure role and its grants, statement-level aggregate triggers,
MySQL's cascade triggers, CREATE STATISTICS and the keyset `<Name>Next` statements.

The backend builds the catalog from its own objects; only this test reads the SQL text, to check that
nothing the script creates is missing from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemac.build import BuildResult, build, options_for
from schemac.catalog import Catalog
from tests.helpers.trig import CASCADE_SDL, write_model

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
_TRIGGER = re.compile(r'^CREATE TRIGGER [`"]?(\w+)', re.M)
_STATISTICS = re.compile(r'^CREATE STATISTICS [`"]?(\w+)', re.M)


def _built(example: Path, target: str) -> tuple[BuildResult, Catalog, dict[str, str]]:
    result = build(example, target, options_for(target))
    assert result.ok and result.catalog is not None
    return result, result.catalog, {a.path: a.text for a in result.artifacts}


@pytest.mark.parametrize("target", ["postgres", "mysql"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_created_object_and_named_statement_is_in_the_catalog(example: Path, target: str) -> None:
    _, catalog, text = _built(example, target)
    schema, queries = text["schema.sql"], text["queries.sql"]
    assert sorted(_TRIGGER.findall(schema)) == sorted(t.name for t in catalog.triggers)
    assert sorted(_STATISTICS.findall(schema)) == sorted(s.name for s in catalog.statistics)
    named = [line.split()[2] for line in queries.splitlines() if line.startswith("-- name: ")]
    assert named == [s.name for s in catalog.statements]
    for group in (catalog.collations, catalog.roles, catalog.containers, catalog.statistics, catalog.triggers,
                  catalog.routines, catalog.policies):
        assert all(o.location is not None for o in group)


def test_postgres_collation_role_grants_and_statement_triggers() -> None:
    _, catalog, text = _built(ROOT / "examples" / "course_platform.sdl", "postgres")
    assert [(c.name, c.provider, c.deterministic) for c in catalog.collations] == \
        [("case_insensitive", "icu", False)]
    assert [r.name for r in catalog.roles] == ["course_platform_privacy"]
    assert {r.executor for r in catalog.routines} == {"course_platform_privacy"}
    per_statement = [t for t in catalog.triggers if t.per == "statement"]
    assert per_statement and all(len(t.events) == 1 and t.timing == "after" for t in per_statement)
    assert catalog.statistics and all(s.kinds and s.members for s in catalog.statistics)
    lines = text["schema.sql"].splitlines()
    role = catalog.roles[0]
    assert role.location is not None and "CREATE ROLE" in "\n".join(lines[role.location.line - 1:][:6])


def test_mysql_grants_nothing_and_lists_its_cascade_triggers(tmp_path: Path) -> None:
    for example in EXAMPLES:
        _, catalog, _ = _built(example, "mysql")
        assert not catalog.roles and not catalog.collations and not catalog.statistics
        assert all(r.executor == "" for r in catalog.routines)
        assert all(t.per == "row" and len(t.events) == 1 for t in catalog.triggers)
    result, catalog, text = _built(write_model(tmp_path, "cascade", CASCADE_SDL), "mysql")
    assert result.design is not None
    parents = {result.design.model.entity(fk.target) for fk in result.design.relational.foreign_keys
               if fk.cascade_by_trigger}
    assert parents
    cascades = [t for t in catalog.triggers if t.name.endswith("_cascade_del")]
    assert {t.container for t in cascades} == {catalog_table(catalog, p.name) for p in parents}
    assert sorted(_TRIGGER.findall(text["schema.sql"])) == sorted(t.name for t in catalog.triggers)


def test_keyset_next_statements_are_in_the_catalog_with_their_pattern() -> None:
    _, catalog, _ = _built(ROOT / "examples" / "commerce.sdl", "postgres")
    follow = [s for s in catalog.statements if s.name.endswith("Next")]
    assert follow
    for s in follow:
        first = catalog.statement(s.name.removesuffix("Next"))
        assert first is not None and s.pattern == first.pattern


def catalog_table(catalog: Catalog, entity: str) -> str:
    return next(c.name for c in catalog.containers if c.entity == entity and c.role == "entity")
