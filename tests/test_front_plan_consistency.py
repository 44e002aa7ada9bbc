"""decisions.md never contradicts queries.sql: for every example and target, the index a pattern's plan names
is the one its queries.sql statement names, and a pattern whose statement cannot use the full-text index
(row-level security, SC0420) is not planned, tabled or decided as served by it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemac.backends import BuildOptions, get_backend
from schemac.backends.sql.context import Context
from schemac.backends.sql.indexes import build_indexes
from schemac.backends.sql.tables import build_layout
from schemac.build import build
from schemac.compiler.design.model import Design
from schemac.compiler.naming import pascal

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
TARGETS = ("postgres", "mysql")
NOT_USED = "full-text index is not used"


def _blocks(queries_sql: str) -> dict[str, str]:
    """statement name -> its comment header and text, as cut by the `-- name:` lines."""
    parts = re.split(r"^-- name: (\w+)[^\n]*\n", queries_sql, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _index_names(design: Design, target: str) -> dict[int, str]:
    backend = get_backend(target)
    ctx = Context(design, BuildOptions(), backend.dialect.configured(BuildOptions()))  # type: ignore[attr-defined]
    _, names = build_indexes(ctx, build_layout(ctx))
    return names


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_plan_names_the_index_queries_sql_names(path: Path, target: str) -> None:
    result = build(path, target)
    assert result.design is not None
    design = result.design
    names = _index_names(design, target)
    blocks = _blocks(next(a.text for a in result.artifacts if a.path == "queries.sql"))
    decisions = next(a.text for a in result.artifacts if a.path == "decisions.md")
    for plan in design.relational.access:
        header = blocks[pascal(plan.query)].split("\nSELECT", 1)[0]
        named = re.search(r"; index (\S+)", header)
        if plan.index is None:
            assert named is None, f"{plan.query}: queries.sql names {named and named.group(1)}, the plan none"
            continue
        ix = design.relational.indexes[plan.index]
        assert named is not None and named.group(1) == names[plan.index], \
            f"{plan.query}: the plan names #{plan.index} {names[plan.index]}, queries.sql {named and named.group(1)}"
        assert f"| {plan.query} | #{plan.index} {ix.entity}(" in decisions
        if NOT_USED in header:  # SC0420: the statement cannot use the full-text index
            assert ix.method != "fulltext", f"{plan.query}: planned on a full-text index queries.sql says is unused"
            assert plan.query in ix.serves
            assert all(plan.query not in i.serves for i in design.relational.indexes if i.method == "fulltext")
            assert ix.parts[0].field == design.model.entity(ix.entity).tenant_field.name  # type: ignore[union-attr]
            why = design.pattern(plan.query).why  # type: ignore[union-attr]
            assert "SC0420" in why and "row-level security" in why


def test_search_under_row_level_security_is_planned_on_the_tenant_index() -> None:
    """The case that contradicted itself: helpdesk's search_tickets on PostgreSQL."""
    result = build(ROOT / "examples" / "helpdesk.sdl", "postgres")
    assert result.design is not None
    plan = result.design.relational.pattern("search_tickets")
    assert plan is not None
    # a B-tree that leads with the tenant: the primary key (workspace, id) since tenant tables are keyed so
    if plan.index is not None:
        ix = result.design.relational.indexes[plan.index]
        assert (ix.method, ix.parts[0].field) == ("btree", "workspace")
    else:
        ticket = result.design.model.entity("Ticket")
        assert plan.by_primary_key and result.design.relational.primary_key(ticket)[0] == "workspace"
    gin = [i for i in result.design.relational.indexes if i.method == "fulltext" and i.entity == "Ticket"]
    assert gin and all("search_tickets" not in i.serves for i in gin)  # the @search index is still made
    decisions = next(a.text for a in result.artifacts if a.path == "decisions.md")
    line = next(x for x in decisions.splitlines() if x.startswith("- ") and "**search_tickets**" in x)
    assert "full-text index is not used under row-level security" in line
    assert "one row by its key" not in line and "(workspace)" in line


def test_search_without_row_level_security_uses_the_full_text_index() -> None:
    result = build(ROOT / "examples" / "helpdesk.sdl", "mysql")
    assert result.design is not None
    plan = result.design.relational.pattern("search_tickets")
    assert plan is not None and plan.index is not None
    assert result.design.relational.indexes[plan.index].method == "fulltext"
