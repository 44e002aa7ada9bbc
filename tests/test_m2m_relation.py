"""Many-to-many in the IR: `tags Tag[]` is a `ManyToMany` of `Model.relations`, never a junction entity of
`Model.entities`; the owner keeps its `FieldKind.MANY` field. The link keeps the name users write
(`insert TicketTags`), and the diagnostics that speak of it keep their meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.links import link_entity, link_name, with_links
from schemac.compiler.model import FieldKind, Model
from schemac.compiler.pipeline import Compilation, compile_model, compile_text
from schemac.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))

BASE = """model m {
  tenant Org
}
entity Org { name text }
entity Tag {
  name string(20)
  volume 500
}
entity Ticket {
  subject text
  tags Tag[]
  default_tags Tag[]
  volume 10k + 1k/month
}
entity User {
  friends User[]
}
"""


def _comp(extra: str = "", base: str = BASE) -> Compilation:
    return compile_text(base + extra, "t.sdl")


def _model(extra: str = "", base: str = BASE) -> Model:
    comp = _comp(extra, base)
    assert comp.model is not None, [render(d, comp.sources) for d in comp.diagnostics]
    return comp.model


def _errors(comp: Compilation) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.span.line, d.span.col, d.message) for d in comp.diagnostics if d.is_error and d.span]


# -- the relation node --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_example_has_a_junction_entity(path: Path) -> None:
    model = compile_model(path).model
    assert model is not None
    assert not [e.name for e in model.entities if e.junction]
    for rel in model.relations:
        assert rel.name not in {e.name for e in model.entities}
        f = model.entity(rel.owner).field(rel.field)
        assert f is not None and f.kind is FieldKind.MANY and f.target == rel.target and not f.is_stored


def test_helpdesk_relations() -> None:
    model = compile_model(ROOT / "examples" / "helpdesk.sdl").model
    assert model is not None
    got = [(r.name, r.owner, r.field, r.target, r.sides, r.tenant) for r in model.relations]
    assert got == [("TeamMembers", "Team", "members", "User", ("team", "member"), "workspace"),
                   ("TicketTags", "Ticket", "tags", "Tag", ("ticket", "tag"), "workspace")]


def test_relation_lookups() -> None:
    m = _model()
    rel = m.relation_of("Ticket", "tags")
    assert rel is not None and rel is m.relation_named("TicketTags")
    assert (rel.owner, rel.field, rel.target, rel.sides, rel.tenant) == ("Ticket", "tags", "Tag", ("ticket", "tag"),
                                                                         "org")
    assert rel.span.line == 11 and rel.span.file == "t.sdl"
    multi = m.relation_of("Ticket", "default_tags")
    assert multi is not None and multi.name == "TicketDefaultTags" and multi.sides == ("ticket", "default_tag")
    assert m.relation_named("Ticket") is None and m.relation_of("Ticket", "subject") is None
    assert m.relation_of("Tag", "tags") is None  # only the owner declares it
    assert [r.name for r in m.relations] == ["TicketTags", "TicketDefaultTags", "UserFriends"]


def test_self_relation_names_the_other_side() -> None:
    rel = _model().relation_named("UserFriends")
    assert rel is not None and rel.sides == ("user", "friend") and rel.owner == rel.target == "User"
    tags = _model("entity Label {\n  labels Label[]\n}\n").relation_named("LabelLabels")
    assert tags is not None and tags.sides == ("label", "related_label")


def test_global_owner_has_no_tenant() -> None:
    m = _model(base=BASE.replace("model m {\n  tenant Org\n}\n", ""))
    rel = m.relation_named("TicketTags")
    assert rel is not None and rel.tenant is None
    link = with_links(m).entity("TicketTags")
    assert link.global_ and link.primary_key == ("ticket", "tag")


def test_relation_volume_is_the_larger_declared_side() -> None:
    rel = _model().relation_named("TicketTags")
    assert rel is not None and rel.volume.declared
    assert (rel.volume.base, rel.volume.per_month) == (10e3, 1e3)
    friends = _model().relation_named("UserFriends")
    assert friends is not None and not friends.volume.declared


def test_the_link_shape_is_derived_from_the_relation() -> None:
    m = _model()
    rel = m.relation_named("TicketTags")
    assert rel is not None
    link = link_entity(rel, m.entity("Ticket"))
    assert link.junction and link.name == link_name("Ticket", "tags") == "TicketTags"
    assert [f.name for f in link.fields] == ["org", "ticket", "tag", "created_at"]
    assert link.primary_key == ("org", "ticket", "tag") and link.volume == rel.volume
    assert link.hard_delete and not link.soft_delete and not link.append_only


def test_with_links_appends_once() -> None:
    m = _model()
    stored = with_links(m)
    assert [e.name for e in stored.entities] == [*(e.name for e in m.entities), "TicketTags", "TicketDefaultTags",
                                                 "UserFriends"]
    assert with_links(stored) is stored
    assert stored.relations == m.relations
    assert m.entities[-1].name == "User"  # the IR itself is untouched


def test_a_model_without_relations_is_its_own_stored_model() -> None:
    m = _model(base="entity A { x int }\n")
    assert m.relations == () and with_links(m) is m


# -- what users may still write -----------------------------------------------------------------------------


@pytest.mark.parametrize("write", ["insert TicketTags", "delete TicketTags by (ticket, tag)",
                                   "delete TicketTags by (ticket)", "upsert TicketTags by (ticket, tag)"])
def test_writes_name_the_link(write: str) -> None:
    m = _model(f"write w {{\n  {write}\n}}\n")
    (w,) = m.writes
    assert w.entity == "TicketTags" and m.relation_named(w.entity) is not None


def test_a_query_cannot_read_the_link() -> None:
    assert _errors(_comp("query q {\n  from TicketTags\n  where ticket = ?\n}\n")) == [
        ("SC0102", 19, 8, "unknown entity `TicketTags`; did you mean `Ticket`?")]
    assert _errors(_comp("query q {\n  from Ticket | TicketTags\n  order subject\n}\n")) == [
        ("SC0102", 19, 17, "unknown entity `TicketTags`; did you mean `Ticket`?")]


def test_the_link_is_no_type() -> None:
    assert [e[:3] for e in _errors(_comp("entity X {\n  link TicketTags\n}\n"))] == [("SC0101", 19, 8)]
    assert [e[:3] for e in _errors(_comp("entity X {\n  links TicketTags[]\n}\n"))] == [("SC0101", 19, 9)]


def test_an_entity_named_like_a_link_is_a_duplicate() -> None:
    assert [e[:2] for e in _errors(_comp("entity TicketTags { x int }\n"))] == [("SC0103", 11)]


def test_the_hints_name_the_link() -> None:
    (update,) = _errors(_comp("write w {\n  update Ticket (default_tags) by (id)\n}\n"))
    assert update[0] == "SC0105" and update[3].endswith(
        "(`default_tags` is a many-to-many: write its junction entity TicketDefaultTags)")
    (where,) = _errors(_comp("query q {\n  from Ticket\n  where tags = ?\n}\n"))
    assert where[0] == "SC0105" and "its rows live in the junction entity TicketTags" in where[3]


def test_schemac_columns_of_a_link_are_not_writable() -> None:
    (err,) = _errors(_comp("write w {\n  update TicketTags (created_at) by (ticket, tag)\n}\n"))
    assert err[0] == "SC0226"


def test_a_maintained_count_over_links() -> None:
    m = _model(base=BASE.replace("  name string(20)\n", "  name string(20)\n  uses int = count(TicketTags)\n"))
    f = m.entity("Tag").field("uses")
    assert f is not None and f.default is not None and f.default.aggregate is not None
    assert (f.default.aggregate.child, f.default.aggregate.via) == ("TicketTags", "tag")
