"""Many-to-many in the design: the relational planner decides each relation's junction table (SC-M2M-01) and
its layout carries it; the SQL backend, the catalog and lint read the tables from the layout; another family's
planner sees the relation itself."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

import pytest

from schemac.backends import BuildOptions, get_backend
from schemac.build import emit_compiled
from schemac.compiler.check import run_checks
from schemac.compiler.design import PLANNERS, design
from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import JunctionTable, Subject
from schemac.compiler.design.document.layout import Collection, DocumentLayout
from schemac.compiler.design.model import Capabilities, Design
from schemac.compiler.links import link_entity
from schemac.compiler.model import FieldKind, Model
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.design_rules import RULE_IDS, explain_rule_id
from schemac.diagnostics import render
from tests.helpers.lint import build
from tests.helpers.m2m import TICKET_TAGS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
TARGETS = ("postgres", "mysql")

SDL = TICKET_TAGS


def _model(text: str = SDL) -> Model:
    comp = compile_text(text, "t.sdl")
    assert comp.model is not None, [render(d, comp.sources) for d in comp.diagnostics]
    return comp.model


def _design(model: Model, target: str = "postgres") -> Design:
    d, _ = design(model, get_backend(target).capabilities, target)
    assert d is not None
    return d


# -- the relational planner decides the junction table ----------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_one_junction_per_relation(path: Path, target: str) -> None:
    model = compile_model(path).model
    assert model is not None
    d = _design(model, target)
    assert d.model is model  # the core keeps the IR: no junction entity
    layout = d.relational
    assert [j.relation for j in layout.junctions] == list(model.relations)
    for j in layout.junctions:
        rel = j.relation
        assert j.entity == link_entity(rel, model.entity(rel.owner))
        assert j.decision.rule == "SC-M2M-01" and j.decision.subject == Subject.of_reference(rel.owner, rel.field)
        assert j.decision.payload == JunctionTable(owner=rel.owner, field=rel.field, target=rel.target,
                                                   entity=rel.name, key=j.entity.primary_key)
        assert j.decision.span == rel.span and layout.junction(rel.name) is j
    stored = layout.stored(model)
    assert stored.entities == layout.keyed(model).entities + tuple(j.entity for j in layout.junctions)
    assert layout.stored(model) is stored  # computed once


@pytest.mark.parametrize("target", TARGETS)
def test_the_backend_emits_the_layouts_junction_tables(target: str) -> None:
    comp = compile_model(ROOT / "examples" / "helpdesk.sdl")
    result = emit_compiled(comp, target, BuildOptions())
    assert result.design is not None and result.catalog is not None
    junctions = {c.entity: c.name for c in result.catalog.containers if c.role == "junction"}
    assert junctions == {"TeamMembers": "teams_members", "TicketTags": "tickets_tags"}
    assert set(junctions) == {j.entity.name for j in result.design.relational.junctions}
    tables = {c.entity for c in result.catalog.containers if c.role in ("entity", "junction")}
    assert tables == {e.name for e in result.design.relational.stored(result.design.model).entities}


def test_the_junction_keeps_its_indexes_growth_and_decisions() -> None:
    d = _design(_model())
    reverse = [ix for ix in d.relational.indexes_of("TicketTags") if ix.origin == "foreign_key"]
    assert [tuple(p.field for p in ix.parts) for ix in reverse] == [("org", "tag", "ticket")]
    assert "TicketTags" in {g.entity for g in d.growth}
    assert any(x.rule == "REL-I08" and x.subject.entity == "TicketTags" for x in d.decisions)


def test_the_junction_decision_is_carried_by_the_layout_and_listed() -> None:
    d = _design(_model())
    (j,) = d.relational.junctions
    assert d.decisions[0] is j.decision  # decisions.md says why the table exists, first
    assert j.decision.choice == "junction table TicketTags keyed (org, ticket, tag)"
    assert "SC-M2M-01" in RULE_IDS and "junction table" in (explain_rule_id("sc-m2m-01") or "")


@pytest.mark.parametrize("target", TARGETS)
def test_writes_and_includes_go_through_the_junction_table(target: str) -> None:
    comp = compile_text(SDL, "t.sdl")
    result = emit_compiled(comp, target, BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics if d.is_error]
    queries = next(a.text for a in result.artifacts if a.path == "queries.sql")
    name = "tickets_tags"
    tag = next(s for s in result.catalog.statements if s.pattern == "tag_ticket")  # type: ignore[union-attr]
    untag = next(s for s in result.catalog.statements if s.pattern == "untag_ticket")  # type: ignore[union-attr]
    assert "INSERT INTO" in tag.text and name in tag.text
    assert "DELETE FROM" in untag.text and name in untag.text
    read = next(s for s in result.catalog.statements if s.pattern == "ticket_tags")  # type: ignore[union-attr]
    assert name in read.text and name in queries


# -- lint reads the stored tables -----------------------------------------------------------------------------


LONG = ("entity Averyveryveryverylongentitynamethatgoeson {\n"
        "  averyveryveryverylongfieldnamethatgoesonandonandon Tag[]\n}\n")


def test_lint_judges_the_junction_table_the_backend_emitted() -> None:
    model = _model(SDL + LONG)
    table = "averyveryveryverylongentitynamethatgoesons_averyveryveryverylongfieldnamethatgoesonandonandon"

    def long_tables(target: str) -> list[str]:
        built, catalog = build(model, target)
        assert table in {c.shortened_from for c in catalog.containers}  # cut short, and the catalog says so
        return [x.message.split(" is ")[0] for x in run_checks(model, built, catalog=catalog)
                if x.code == "SC0336" and table in x.message]

    assert long_tables("postgres") == long_tables("mysql") == [f"table name `{table}`"]


# -- another family sees the relation itself ------------------------------------------------------------------


class IdArray(NamedTuple):
    owner: str
    field: str
    target: str
    kind: Literal["id_array"] = "id_array"


def test_a_family_planner_reads_the_relation(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, ...]] = []

    def document(ctx: Ctx) -> Design:
        m = ctx.model
        assert not [e for e in m.entities if e.junction]
        for e in m.entities:
            for f in e.fields:
                rel = m.relation_of(e.name, f.name) if f.kind is FieldKind.MANY else None
                if rel is not None:
                    seen.append((rel.owner, rel.field, rel.target, *rel.sides))
                    ctx.decide("MDB-E05", Subject.of_field(rel.owner, rel.field), f"array of {rel.target} ids",
                               "bounded, read with the owner", rel.span,
                               payload=IdArray(rel.owner, rel.field, rel.target))  # type: ignore[arg-type]
        for w in m.writes:
            rel = m.relation_named(w.entity)
            assert rel is not None and (rel.owner, rel.field) == ("Ticket", "tags")  # writes name the link
        coll = tuple(Collection(name=e.name.lower(), entities=(e.name,)) for e in m.entities)
        return Design(model=m, target=ctx.target, capabilities=ctx.caps, layout=DocumentLayout(collections=coll),
                      decisions=tuple(ctx.decisions))

    monkeypatch.setitem(PLANNERS, "document", document)
    d, diags = design(_model(), Capabilities(family="document"), "mongodb")
    assert d is not None and not diags
    assert seen == [("Ticket", "tags", "Tag", "ticket", "tag")]
    assert [x.rule for x in d.decisions] == ["MDB-E05"]
    assert {c.name for c in d.layout.collections} == {"org", "tag", "ticket"}  # type: ignore[union-attr]
    assert not [x for x in run_checks(d.model, d) if "tickets_tags" in x.message]  # no junction to judge
