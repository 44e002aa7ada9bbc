"""Policy expansion in the resolver (SDL.md §3-§5): what schemac adds to a model without being asked.

Primary keys per `ids`, created_at/updated_at/deleted_at per `deletes` and modifiers, the tenant reference
and tenant-leading keys, junction entities for `Name[]`, reverse relations, parameter naming, returns_one,
and volumes multiplied out to the horizon.
"""

from __future__ import annotations

from typing import Any

import pytest

from schemac.compiler.links import with_links
from schemac.compiler.model import Entity, FieldKind, FieldOrigin, Model, OnDelete, Query, ScalarKind
from schemac.compiler.pipeline import Compilation, compile_text
from schemac.diagnostics import render


def compile_ok(text: str) -> Model:
    comp = compile_text(text, "t.sdl")
    errors = [render(d, comp.sources) for d in comp.diagnostics if d.is_error]
    assert not errors, "\n".join(errors)
    assert comp.model is not None
    return comp.model


def codes(comp: Compilation) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.col) for d in comp.diagnostics if d.span]


def query(model: Model, name: str) -> Query:
    return next(q for q in model.queries if q.name == name)


def layout(e: Entity) -> list[tuple[str, str]]:
    """(name, origin) of every field, in order."""
    return [(f.name, f.origin.value) for f in e.fields]


# -- primary keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "kind"), [
    ("", ScalarKind.UUID),
    ("ids uuid7", ScalarKind.UUID),
    ("ids uuid4", ScalarKind.UUID),
    ("ids bigint", ScalarKind.BIGINT),
])
def test_ids_setting(setting: str, kind: ScalarKind) -> None:
    m = compile_ok(f"model m {{ {setting} }}\nentity A {{ x int }}\nentity B {{ a A }}\n")
    for name in ("A", "B"):
        e = m.entity(name)
        assert e.primary_key == ("id",)
        pk = e.fields[0]
        assert (pk.name, pk.kind, pk.scalar.kind, pk.origin, pk.optional) == (  # type: ignore[union-attr]
            "id", FieldKind.SCALAR, kind, FieldOrigin.ID, False)
    assert m.settings.ids == (setting.split()[1] if setting else "uuid7")


@pytest.mark.parametrize(("setting", "decl", "kind"), [
    ("ids uuid7", "id bigint", ScalarKind.BIGINT),
    ("ids uuid4", "id int", ScalarKind.INT),
    ("ids bigint", "id uuid", ScalarKind.UUID),
    ("", "id bigint?", ScalarKind.BIGINT),  # a primary key is never optional
])
def test_id_field_overrides_the_ids_setting(setting: str, decl: str, kind: ScalarKind) -> None:
    m = compile_ok(f"model m {{ {setting} }}\nentity A {{\n  x int\n  {decl}\n}}\nentity B {{ x int }}\n")
    a = m.entity("A")
    assert [f.name for f in a.fields].count("id") == 1
    pk = a.fields[0]
    assert (pk.name, pk.scalar.kind, pk.origin, pk.optional) == (  # type: ignore[union-attr]
        "id", kind, FieldOrigin.ID, False)
    assert pk.span.line == 4  # the declared field, not the entity
    other = m.entity("B").fields[0]
    assert other.scalar.kind is (ScalarKind.BIGINT if setting == "ids bigint" else ScalarKind.UUID)  # type: ignore


# -- timestamps and soft delete ---------------------------------------------------------------------------

TIMESTAMPS: list[tuple[str, str, list[str], bool]] = [
    # (deletes setting, modifiers, implicit timestamp fields, soft_delete)
    ("", "", ["created_at", "updated_at", "deleted_at"], True),
    ("deletes soft", "", ["created_at", "updated_at", "deleted_at"], True),
    ("deletes hard", "", ["created_at", "updated_at"], False),
    ("deletes soft", "@hard_delete", ["created_at", "updated_at"], False),
    ("deletes hard", "@hard_delete", ["created_at", "updated_at"], False),
    ("deletes soft", "@append_only", ["created_at"], False),
    ("deletes hard", "@append_only", ["created_at"], False),
    ("deletes soft", "@append_only @hard_delete", ["created_at"], False),
    ("deletes soft", "@versioned", ["created_at", "updated_at", "deleted_at"], True),
    ("deletes soft", "@global", ["created_at", "updated_at", "deleted_at"], True),
]


@pytest.mark.parametrize(("deletes", "mods", "implicit", "soft"), TIMESTAMPS,
                         ids=[f"{t[0] or 'default'}-{t[1] or 'plain'}" for t in TIMESTAMPS])
def test_timestamps_per_deletes_and_modifiers(deletes: str, mods: str, implicit: list[str], soft: bool) -> None:
    e = compile_ok(f"model m {{ {deletes} }}\nentity A {mods} {{ x int }}\n").entity("A")
    stamps = [f for f in e.fields if f.name.endswith("_at")]
    assert [f.name for f in stamps] == implicit
    assert e.soft_delete is soft
    for f in stamps:
        assert f.origin.value == f.name
        assert f.scalar is not None and f.scalar.kind is ScalarKind.TIMESTAMP
        if f.name == "deleted_at":
            assert f.optional and f.default is None
        else:
            assert not f.optional and f.default is not None and f.default.kind == "now"


def test_field_order_is_id_tenant_declared_then_implicit() -> None:
    m = compile_ok("model m { tenant Org }\nentity Org { name text }\n"
                   "entity A @versioned {\n  b int\n  a text\n}\n")
    assert layout(m.entity("A")) == [
        ("id", "id"), ("org", "tenant"), ("b", "declared"), ("a", "declared"), ("version", "version"),
        ("created_at", "created_at"), ("updated_at", "updated_at"), ("deleted_at", "deleted_at")]
    assert layout(m.entity("Org")) == [
        ("id", "id"), ("name", "declared"), ("created_at", "created_at"), ("updated_at", "updated_at"),
        ("deleted_at", "deleted_at")]


def test_versioned_adds_a_version_counter() -> None:
    f = compile_ok("entity A @versioned { x int }").entity("A").field("version")
    assert f is not None
    assert (f.origin, f.scalar.kind, f.default.kind, f.default.value) == (  # type: ignore[union-attr]
        FieldOrigin.VERSION, ScalarKind.INT, "literal", 1)


def test_declared_timestamp_is_kept_once_with_its_role() -> None:
    e = compile_ok('entity A {\n  x int\n  created_at timestamp @doc("when it was filed")\n}').entity("A")
    stamps = [f for f in e.fields if f.name == "created_at"]
    assert len(stamps) == 1
    assert (stamps[0].origin, stamps[0].doc) == (FieldOrigin.CREATED_AT, "when it was filed")


# -- tenancy ----------------------------------------------------------------------------------------------

TENANT = "model m { tenant Organization }\nentity Organization { name string(100) }\n"


def test_tenant_reference_on_every_non_global_entity() -> None:
    m = compile_ok(TENANT + "entity User { email email }\nentity Country @global { code string(2) }\n"
                   "entity Course { owner User }\n")
    org = m.entity("Organization")
    assert (org.tenant_root, org.global_, org.tenant_field) == (True, True, None)
    assert m.entity("Country").tenant_field is None and m.entity("Country").global_
    for name in ("User", "Course"):
        e = m.entity(name)
        t = e.tenant_field
        assert t is not None and not e.global_ and not e.tenant_root
        assert (t.name, t.kind, t.target, t.optional, t.on_delete, t.origin) == (
            "organization", FieldKind.REFERENCE, "Organization", False, OnDelete.RESTRICT, FieldOrigin.TENANT)
        assert e.fields[1] is t


def test_without_tenant_every_entity_is_global() -> None:
    m = compile_ok("entity A { x int }\nentity B { a A }\n")
    assert all(e.global_ and e.tenant_field is None and not e.tenant_root for e in m.entities)


def test_tenant_field_is_named_in_snake_case() -> None:
    m = compile_ok("model m { tenant WorkspaceAccount }\nentity WorkspaceAccount { x int }\nentity A { x int }\n")
    assert m.entity("A").tenant_field.name == "workspace_account"  # type: ignore[union-attr]


def test_declared_required_reference_to_the_tenant_is_reused() -> None:
    m = compile_ok(TENANT + "entity Team {\n  name text\n  owner_org Organization @doc(\"billing org\")\n}\n")
    e = m.entity("Team")
    assert layout(e)[:3] == [("id", "id"), ("owner_org", "tenant"), ("name", "declared")]
    assert [f.name for f in e.references] == ["owner_org"]
    t = e.tenant_field
    assert t is not None and (t.name, t.doc, t.span.line) == ("owner_org", "billing org", 5)


def test_optional_reference_to_the_tenant_is_not_the_tenant() -> None:
    e = compile_ok(TENANT + "entity Team {\n  sponsor Organization?\n}\n").entity("Team")
    assert [(f.name, f.origin.value, f.optional) for f in e.references] == [
        ("organization", "tenant", False), ("sponsor", "declared", True)]


def test_tenant_leading_uniques_and_indexes() -> None:
    m = compile_ok(TENANT + """
entity User {
  email   email @unique
  handle  string(30) @index
  name    string(100)
  team    string(30)
  unique (name, team)
  unique (organization, handle)
  index (team desc, name)
  index (organization, name)
}
entity Country @global {
  code string(2) @unique
  name text
  unique (name)
}
""")
    u = m.entity("User")
    assert [(x.fields, x.origin) for x in u.uniques] == [
        (("organization", "email"), "field"), (("organization", "name", "team"), "declared"),
        (("organization", "handle"), "declared")]
    assert [[(p.field, p.descending) for p in i.parts] for i in u.indexes] == [
        [("organization", False), ("handle", False)],
        [("organization", False), ("team", True), ("name", False)],
        [("organization", False), ("name", False)]]
    c = m.entity("Country")
    assert [x.fields for x in c.uniques] == [("code",), ("name",)]


def test_tenant_leading_keys_follow_a_reused_tenant_reference() -> None:
    e = compile_ok(TENANT + "entity Team {\n  org Organization\n  slug string(20)\n  unique (slug)\n}\n").entity("Team")
    assert e.uniques[0].fields == ("org", "slug")


def test_course_platform_uniques_are_tenant_scoped() -> None:
    from pathlib import Path

    from schemac.compiler.pipeline import compile_model

    m = compile_model(Path(__file__).resolve().parent.parent / "examples" / "course_platform.sdl").model
    assert m is not None
    assert m.entity("User").uniques[0].fields == ("organization", "email")
    assert m.entity("Enrollment").uniques[0].fields == ("organization", "student", "course")
    assert m.entity("Organization").uniques == ()


# -- many-to-many: a relation, whose links have an entity's shape (links.with_links) -----------------------------


def test_junction_entity_for_many_to_many() -> None:
    m = compile_ok("entity Tag { name text }\nentity Ticket {\n  subject text\n  tags Tag[]\n}\n")
    ticket = m.entity("Ticket")
    tags = ticket.field("tags")
    assert tags is not None and (tags.kind, tags.target, tags.is_stored) == (FieldKind.MANY, "Tag", False)
    assert "tags" not in [f.name for f in ticket.stored_fields]
    assert "TicketTags" not in {e.name for e in m.entities} and m.relation_of("Ticket", "tags") is not None
    j = with_links(m).entity("TicketTags")
    # links cascade with either side: hard-deleted, not append-only
    assert (j.junction, j.append_only, j.hard_delete, j.soft_delete, j.global_) == (True, False, True, False, True)
    assert j.primary_key == ("ticket", "tag")
    assert layout(j) == [("ticket", "junction"), ("tag", "junction"), ("created_at", "created_at")]
    left, right = j.field("ticket"), j.field("tag")
    assert left is not None and right is not None
    assert (left.target, left.owner, left.on_delete) == ("Ticket", True, OnDelete.CASCADE)
    assert (right.target, right.owner, right.on_delete) == ("Tag", False, OnDelete.CASCADE)
    assert j.span.line == 4


def test_junction_entity_is_tenant_scoped() -> None:
    m = compile_ok(TENANT + "entity User { name text }\nentity Team {\n  members User[]\n}\n")
    j = with_links(m).entity("TeamMembers")
    assert j.primary_key == ("organization", "team", "member")
    assert layout(j)[:3] == [("organization", "tenant"), ("team", "junction"), ("member", "junction")]
    assert not j.global_ and j.tenant_field is not None


def test_self_many_to_many_names_the_other_side() -> None:
    m = compile_ok("entity Tag {\n  name text\n  tags Tag[]\n}\nentity User {\n  friends User[]\n}\n")
    assert with_links(m).entity("TagTags").primary_key == ("tag", "related_tag")
    assert with_links(m).entity("UserFriends").primary_key == ("user", "friend")


def test_many_to_many_include() -> None:
    m = compile_ok("entity Tag { name text }\nentity Ticket {\n  subject text\n  tags Tag[]\n}\n"
                   "query q { from Ticket; where subject = ?; include tags (name) }\n")
    (inc,) = query(m, "q").include
    assert (inc.kind, inc.entity, inc.via, inc.fields) == ("many", "Tag", "tags", ("name",))


def test_junction_entity_cannot_be_queried_directly() -> None:
    comp = compile_text("entity Tag { name text }\nentity Ticket { tags Tag[] }\n"
                        "query q {\n  from TicketTags\n  where ticket = ?\n}\n", "t.sdl")
    assert codes(comp) == [("SC0102", 4, 8)]


# -- reverse relations ------------------------------------------------------------------------------------

COURSES = """
entity User { name text }
entity Course {
  instructor User
  title text
}
entity Enrollment {
  student User
  course Course
  completed_at timestamp?
}
"""


def test_reverse_relation_in_select_and_include() -> None:
    m = compile_ok(COURSES + "query q {\n  from Course\n  where instructor = ?\n"
                   "  select title, count(Enrollment) as students\n  include Enrollment (completed_at)\n}\n")
    q = query(m, "q")
    assert [(s.alias, s.func, s.relation, s.via) for s in q.select] == [
        ("title", None, None, None), ("students", "count", "Enrollment", "course")]
    (inc,) = q.include
    assert (inc.kind, inc.entity, inc.via, inc.fields) == ("to_many", "Enrollment", "course", ("completed_at",))


def test_reverse_relation_as_a_maintained_counter() -> None:
    m = compile_ok(COURSES.replace("  title text\n", "  title text\n  students int = count(Enrollment)\n"
                                   "  done int = count(Enrollment where completed_at is not null)\n"))
    c = m.entity("Course")
    students = c.field("students").default.aggregate  # type: ignore[union-attr]
    assert (students.func, students.child, students.via) == ("count", "Enrollment", "course")  # type: ignore
    done = c.field("done").default.aggregate  # type: ignore[union-attr]
    assert [(p.field, p.op) for p in done.where] == [("completed_at", "is_not_null")]  # type: ignore[union-attr]


MESSAGES = """
entity User { name text }
entity Message {
  sender    User
  recipient User
  body      text
}
"""


def test_ambiguous_reverse_relation_needs_the_field() -> None:
    comp = compile_text(MESSAGES + "query q {\n  from User\n  where name = ?\n  select count(Message) as n\n}\n",
                        "t.sdl")
    assert codes(comp) == [("SC0114", 11, 16)]
    assert "name one, as in `Message.sender`" in comp.diagnostics.items[0].message


def test_named_reverse_relation() -> None:
    m = compile_ok(MESSAGES + "query q {\n  from User\n  where name = ?\n"
                   "  select count(Message.sender) as sent, count(Message.recipient) as received\n}\n")
    assert [(s.alias, s.relation, s.via) for s in query(m, "q").select] == [
        ("sent", "Message", "sender"), ("received", "Message", "recipient")]


def test_named_reverse_relation_in_a_maintained_counter() -> None:
    m = compile_ok(MESSAGES.replace("entity User { name text }",
                                    "entity User {\n  name text\n  inbox int = count(Message.recipient)\n}"))
    agg = m.entity("User").field("inbox").default.aggregate  # type: ignore[union-attr]
    assert (agg.child, agg.via, agg.field) == ("Message", "recipient", None)  # type: ignore[union-attr]


def test_ambiguous_include_can_name_the_field() -> None:
    m = compile_ok(MESSAGES + "query q {\n  from User\n  where name = ?\n  include Message.sender (body)\n}\n")
    (inc,) = query(m, "q").include
    assert (inc.kind, inc.entity, inc.via) == ("to_many", "Message", "sender")


def test_reverse_relation_without_a_reference() -> None:
    comp = compile_text("entity A { x int }\nentity B { y int }\nquery q {\n  from A\n  where x = ?\n"
                        "  select count(B) as n\n}\n", "t.sdl")
    assert codes(comp) == [("SC0113", 6, 16)]


# -- parameters -------------------------------------------------------------------------------------------

PARAM_MODEL = COURSES + """
entity Payment {
  enrollment Enrollment
  amount money
  paid_at timestamp
}
"""

PARAMS: list[tuple[str, str, list[tuple[str, str, str, bool]]]] = [
    # (from, where, [(name, field, entity, is_list)])
    ("Enrollment", "student = ?", [("student_id", "student", "Enrollment", False)]),
    ("Enrollment", "student = ? and course = ?", [("student_id", "student", "Enrollment", False),
                                                  ("course_id", "course", "Enrollment", False)]),
    ("Enrollment", "completed_at > ?", [("completed_at", "completed_at", "Enrollment", False)]),
    ("Enrollment", "course in ?", [("course_id", "course", "Enrollment", True)]),
    ("Payment", "amount between ? and ?", [("amount_from", "amount", "Payment", False),
                                           ("amount_to", "amount", "Payment", False)]),
    ("Payment", "paid_at between :since and :until", [("since", "paid_at", "Payment", False),
                                                      ("until", "paid_at", "Payment", False)]),
    ("Payment", "enrollment = :e", [("e", "enrollment", "Payment", False)]),
    ("Payment", "enrollment.student = ?", [("enrollment_student_id", "student", "Enrollment", False)]),
    ("Payment", "enrollment.course.title = ?", [("enrollment_course_title", "title", "Course", False)]),
    ("Payment", "enrollment.id = ?", [("enrollment_id", "enrollment", "Payment", False)]),
    ("Payment", "amount = :x and amount > :x", [("x", "amount", "Payment", False)]),
    ("Payment", "amount > ? and paid_at is null", [("amount", "amount", "Payment", False)]),
    ("Course", "title = \"Intro\"", []),
    ("Enrollment", "student = ? and completed_at is not null", [("student_id", "student", "Enrollment", False)]),
]


@pytest.mark.parametrize(("root", "where", "expected"), PARAMS, ids=[p[1] for p in PARAMS])
def test_parameter_names(root: str, where: str, expected: list[tuple[str, str, str, bool]]) -> None:
    q = query(compile_ok(PARAM_MODEL + f"query q {{\n  from {root}\n  where {where}\n}}\n"), "q")
    assert [(p.name, p.field, p.entity, p.is_list) for p in q.params] == expected


def test_parameter_name_used_for_two_fields_is_an_error() -> None:
    comp = compile_text(PARAM_MODEL + "query q {\n  from Payment\n  where amount = :x and paid_at > :x\n}\n",
                        "t.sdl")
    assert [c for c, *_ in codes(comp)] == ["SC0209"]
    assert "parameter `x` names two different fields" in comp.diagnostics.items[0].message


def test_write_parameters() -> None:
    m = compile_ok(PARAM_MODEL.replace("  completed_at timestamp?\n", "  completed_at timestamp?\n"
                                       "  unique (student, course)\n")
                   + "write w { upsert Enrollment by (student, course) }\nwrite d { delete Payment by (id) }\n")
    up, dl = m.writes
    assert [(p.name, p.field, p.entity) for p in up.params] == [
        ("student_id", "student", "Enrollment"), ("course_id", "course", "Enrollment")]
    assert [p.name for p in dl.params] == ["id"]


# -- returns_one ------------------------------------------------------------------------------------------

ONE_MODEL = TENANT + """
entity User {
  email  email @unique
  handle string(30)
  name   text
  status enum(active, gone) = active
  manager User?
  unique (handle) where status = active
}
entity Membership {
  user   User
  group  string(20)
  role   string(20)
  unique (user, group)
}
"""

RETURNS_ONE: list[tuple[str, str, bool]] = [
    ("User", "id = ?", True),
    ("User", "email = ?", True),  # unique within the tenant: the tenant filter is added by the compiler
    ("User", "email = ? and name = ?", True),
    ("User", "name = ?", False),
    ("User", "email in ?", False),
    ("User", "handle = ?", False),  # a partial unique does not make a row unique
    ("User", "manager.email = ?", False),  # a path: many users share a manager
    ("User", "organization = ?", False),
    ("User", "email = :e", True),
    ("Membership", "user = ? and group = ?", True),
    ("Membership", "user = ?", False),
    ("Membership", "user = ? and group = ? and role = ?", True),
    ("Membership", "user = ? and group > ?", False),
]


@pytest.mark.parametrize(("root", "where", "one"), RETURNS_ONE, ids=[f"{r[0]}:{r[1]}" for r in RETURNS_ONE])
def test_returns_one(root: str, where: str, one: bool) -> None:
    q = query(compile_ok(ONE_MODEL + f"query q {{\n  from {root}\n  where {where}\n}}\n"), "q")
    assert q.returns_one is one


def test_grouped_query_returns_a_list() -> None:
    q = query(compile_ok(ONE_MODEL + "query q {\n  from User\n  where id = ?\n  group status\n"
                         "  select status, count(id) as n\n}\n"), "q")
    assert not q.returns_one


def test_examples_returns_one() -> None:
    from pathlib import Path

    from schemac.compiler.pipeline import compile_model

    root = Path(__file__).resolve().parent.parent / "examples"
    expected = {
        "course_platform": {"user_by_email": True, "student_courses": False, "course_lessons": False},
        "commerce": {"customer_profile": True, "order_detail": True, "product_page": True,
                     "customer_orders": False, "category_products": False},
        "helpdesk": {"ticket_detail": True, "team_queue": False, "agent_tickets": False},
    }
    for name, queries in expected.items():
        m = compile_model(root / f"{name}.sdl").model
        assert m is not None
        assert {q.name: q.returns_one for q in m.queries if q.name in queries} == queries


# -- volumes at the horizon -------------------------------------------------------------------------------

HORIZON_VOLUMES: list[tuple[str, str, dict[str, Any]]] = [
    ("horizon 18 months", "volume 50k/month", {"base": 0, "per_month": 50_000, "at_horizon": 900_000}),
    ("horizon 2 years", "volume 50k/month", {"at_horizon": 1_200_000}),
    ("horizon 3 years", "volume 400k + 15k/month", {"base": 400_000, "per_month": 15_000, "at_horizon": 940_000}),
    ("horizon 6 months", "volume 100", {"base": 100, "per_month": 0, "at_horizon": 100}),
    ("horizon 12 months", "volume 1k/day", {"at_horizon": 1000 * 365}),
    ("horizon 1 year", "volume 1k/week", {"at_horizon": 52_000}),
    ("horizon 10 years", "volume 12/year", {"per_month": 1, "at_horizon": 120}),
    ("horizon 18 months", "volume 2k + 150/month", {"at_horizon": 2_000 + 150 * 18}),
]


@pytest.mark.parametrize(("horizon", "line", "expected"), HORIZON_VOLUMES,
                         ids=[f"{h[0]}-{h[1]}" for h in HORIZON_VOLUMES])
def test_volume_at_horizon(horizon: str, line: str, expected: dict[str, Any]) -> None:
    m = compile_ok(f"model m {{ {horizon} }}\nentity A {{\n  x int\n  {line}\n}}\n")
    v = m.entity("A").volume
    for key, value in expected.items():
        assert getattr(v, key) == pytest.approx(value), key


def test_examples_volumes_at_horizon() -> None:
    from pathlib import Path

    from schemac.compiler.pipeline import compile_model

    root = Path(__file__).resolve().parent.parent / "examples"
    cp = compile_model(root / "course_platform.sdl").model  # horizon 18 months
    hd = compile_model(root / "helpdesk.sdl").model  # horizon 2 years
    cm = compile_model(root / "commerce.sdl").model  # horizon 3 years
    assert cp is not None and hd is not None and cm is not None
    assert cp.entity("Enrollment").volume.at_horizon == 50_000 * 18
    assert cp.entity("Progress").volume.at_horizon == 5_000_000
    assert hd.entity("User").volume.at_horizon == 300_000 + 25_000 * 24
    assert hd.entity("Attachment").volume.at_horizon == 120_000 * 24
    assert [c.rows for c in hd.entity("User").volume.conditional] == [6_000]
    assert cm.entity("Customer").volume.at_horizon == 400_000 + 15_000 * 36
    assert cm.entity("Review").volume.at_horizon == 40_000 * 36
    assert cm.entity("Order").volume.conditional[0].rows == 600_000


def test_conditional_volume_is_not_scaled() -> None:
    v = compile_ok("model m { horizon 2 years }\nentity A {\n  open bool\n  volume 1k/month\n"
                   "  volume 500 where open = true\n}\n").entity("A").volume
    assert v.at_horizon == 24_000
    assert [(c.rows, [(p.field, p.op, p.value.value) for p in c.where]) for c in v.conditional] == [  # type: ignore
        (500, [("open", "=", True)])]


def test_a_field_bounded_on_both_sides_gets_from_and_to_params() -> None:
    m = compile_ok("entity A {\n  x int\n  y int\n}\nquery q {\n  from A\n  where y = ? and x >= ? and x < ?\n}\n"
                   "query r {\n  from A\n  where y = ? and x > ?\n}\n")
    assert [p.name for p in query(m, "q").params] == ["y", "x_from", "x_to"]
    assert [p.name for p in query(m, "r").params] == ["y", "x"]


def test_only_quote_and_backslash_are_string_escapes() -> None:
    m = compile_ok("entity A {\n" + r'  s string(20) = "a\"b\\c\n"' + "\n}\n")
    assert m.entity("A").field("s").default.value == 'a"b\\c\\n'  # type: ignore[union-attr]
