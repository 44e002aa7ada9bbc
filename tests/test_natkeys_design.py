"""Issue 10, item 12 (SC-KEY-05): an append-only or link entity nothing names by id is keyed by its unique.

Design-level: which entities qualify, which keep their surrogate and why (typed reasons), the key's order,
what the design stops making (the id, the duplicate unique index, updated_at), where InnoDB's clustering
keeps the surrogate (REL-K04), the examples, and determinism. The engines: test_natkeys_engines.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.build import design_for
from schemac.compiler.design.decisions import PrimaryKeys
from schemac.compiler.design.model import Design
from schemac.compiler.model import Model
from schemac.compiler.pipeline import compile_model
from schemac.design_rules import explain_rule_id
from tests.helpers.natkeys import SOCIAL_SDL, design_of, design_only, key_decisions

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("postgres", "mysql")

# A small tenant model to vary: one link entity `Like` between Member and Post.
BASE = """\
model m {{
  tenant  Org
  deletes {deletes}
  compliance gdpr
}}
entity Org {{
  name  string(40)
}}
entity Member {{
  handle  string(40)
}}
entity Post {{
  title  string(80)
  {post_extra}
}}
entity Like {attrs} {{
  member  Member
  post    Post
  {like_extra}
}}
{extra}
"""


def _stored(d: Design) -> Model:
    """The tables as the relational layout stores them (natural keys applied, junctions added)."""
    return d.relational.stored(d.model)


def _variant(deletes: str = "hard", attrs: str = "", post_extra: str = "", like_extra: str = "unique (member, post)",
             extra: str = "") -> str:
    return BASE.format(deletes=deletes, attrs=attrs, post_extra=post_extra, like_extra=like_extra, extra=extra)


@pytest.mark.parametrize("target", TARGETS)
def test_social_model_keys(target: str, tmp_path: Path) -> None:
    d = design_of(SOCIAL_SDL, tmp_path, target)
    keys = key_decisions(d)
    rule, like = keys["Like"]
    assert (rule, like.layout, like.fields, like.dropped) == \
        ("SC-KEY-05", "natural", ("org", "post", "member"), ("id", "updated_at"))
    # the declared unique is (recorded_at, sensor): the key leads with what the hot read binds, then its sort
    rule, reading = keys["Reading"]
    assert (rule, reading.layout, reading.fields, reading.dropped) == \
        ("SC-KEY-05", "natural", ("org", "sensor", "recorded_at"), ("id",))
    assert keys["Bookmark"][1].layout == "surrogate" and keys["Bookmark"][1].reason == "read_by_id"
    assert keys["Visit"][1].layout == "surrogate" and keys["Visit"][1].reason == "no_unique"
    rel = d.relational
    for name, key in (("Like", like.fields), ("Reading", reading.fields)):
        e = _stored(d).entity(name)
        assert e.primary_key == key and rel.primary_key(e) == key and e.field("id") is None
        # the unique that became the primary key is not a second index
        assert not any(i.unique and set(p.field for p in i.parts) == set(key) and i.origin != "primary"
                       for i in rel.indexes_of(name))
    assert _stored(d).entity("Like").field("updated_at") is None
    assert _stored(d).entity("Reading").field("created_at") is not None
    assert _stored(d).entity("Bookmark").field("id") is not None
    # the hot read of readings is served by the primary key itself; the likes' keyset by one index whose
    # tiebreak is the one key field the equality does not bind
    assert rel.pattern("sensor_readings").by_primary_key  # type: ignore[union-attr]
    likes = rel.pattern("post_likes")
    assert likes is not None and likes.index is not None
    assert [p.field for p in rel.indexes[likes.index].parts] == ["org", "post", "created_at", "member"]
    upsert = rel.write("like_post")
    assert upsert is not None and upsert.by_primary_key


@pytest.mark.parametrize(("variant", "reason"), [
    ({"post_extra": "likes  Like[]"}, "referenced"),  # a many-to-many junction would reference it
    ({"extra": "entity Report {\n  like  Like\n}"}, "referenced"),
    ({"extra": "query like_by_id {\n  from  Like\n  where id = ?\n}"}, "read_by_id"),
    ({"extra": "query likes_sorted {\n  from  Like\n  where post = ?\n  order id\n  limit 10\n}"}, "read_by_id"),
    ({"extra": "query post {\n  from  Post\n  where id = ?\n  include Like (id)\n}"}, "read_by_id"),
    ({"extra": "write drop_like {\n  delete  Like by (id)\n}"}, "written_by_id"),
    ({"post_extra": "member  Member", "extra": "query feed {\n  from  Post | Like\n  where member = ?\n"
      "  order created_at desc\n  limit 10\n}"}, "read_by_id"),  # a union pages by (keys, id, entity)
    ({"like_extra": "unique (member, post)\n  note  string(40) @pii", "attrs": "@append_only"}, "erasure"),
    ({"attrs": "@versioned"}, "versioned"),
    ({"deletes": "soft"}, "soft_delete"),
    ({"attrs": "@append_only", "like_extra": ""}, "no_unique"),
    ({"attrs": "@append_only", "like_extra": "note  string(40)?\n  unique (member, note)"}, "no_unique"),
    ({"attrs": "@append_only", "like_extra": "state  enum(a, b)\n  unique (member, post) where state = a"},
     "no_unique"),
])
@pytest.mark.parametrize("target", TARGETS)
def test_surrogate_kept_when_something_needs_it(variant: dict[str, str], reason: str, target: str,
                                                 tmp_path: Path) -> None:
    d = design_of(_variant(**variant), tmp_path, target)
    rule, payload = key_decisions(d)["Like"]
    assert (rule, payload.layout, payload.reason) == ("SC-KEY-05", "surrogate", reason)
    assert _stored(d).entity("Like").primary_key == ("id",) and _stored(d).entity("Like").field("id") is not None


@pytest.mark.parametrize("target", TARGETS)
def test_plain_entities_are_not_candidates(target: str, tmp_path: Path) -> None:
    """Neither append-only nor a link (a declared scalar besides the references): no decision at all."""
    d = design_of(_variant(like_extra="unique (member, post)\n  weight  int"), tmp_path, target)
    assert "Like" not in key_decisions(d)
    assert _stored(d).entity("Like").primary_key == ("id",)


def test_wide_random_key_keeps_the_surrogate_where_the_key_clusters(tmp_path: Path) -> None:
    """An opaque string(512) key: PostgreSQL keys the heap by it (the unique exists anyway); InnoDB would
    copy it into every secondary index and insert at random, so the estimate keeps the surrogate there."""
    sdl = _variant(attrs="@append_only", like_extra="storage_key  string(512) @unique\n  volume 3M")
    pg, my = design_of(sdl, tmp_path, "postgres"), design_of(sdl, tmp_path, "mysql")
    assert key_decisions(pg)["Like"][1].fields == ("org", "storage_key")
    rule, kept = key_decisions(my)["Like"]
    assert (rule, kept.layout, kept.reason) == ("REL-K04", "surrogate", "clustering")
    why = next(x.why for x in my.decisions if x.payload is kept)
    assert "B per row" in why and "MB" in why


def test_key_longer_than_the_target_allows(tmp_path: Path) -> None:
    """string(1000) is up to 4000 bytes in utf8mb4: past InnoDB's 3072-byte keys (the backend refuses the
    unique index too, SC0412), and a primary key cannot be cut to a prefix; PostgreSQL has no such limit."""
    sdl = _variant(attrs="@append_only", like_extra="path  string(1000) @unique")
    assert key_decisions(design_of(sdl, tmp_path, "postgres"))["Like"][1].layout == "natural"
    rule, kept = key_decisions(design_only(sdl, tmp_path, "mysql"))["Like"]
    assert (rule, kept.layout, kept.reason) == ("SC-KEY-05", "surrogate", "key_too_long")


def test_narrow_link_key_wins_on_innodb_too(tmp_path: Path) -> None:
    d = design_of(_variant(attrs="@append_only"), tmp_path, "mysql")
    rule, payload = key_decisions(d)["Like"]
    assert (rule, payload.layout, payload.fields) == ("SC-KEY-05", "natural", ("org", "member", "post"))


def test_examples(tmp_path: Path) -> None:
    def keys(example: str, target: str) -> dict[str, tuple[str, str, str | None]]:
        path = ROOT / "examples" / f"{example}.sdl"
        d = design_of(path.read_text(encoding="utf-8"), tmp_path, target)
        return {e: (rule, p.layout, p.reason) for e, (rule, p) in key_decisions(d).items()}

    natural, kept = ("SC-KEY-05", "natural", None), ("REL-K04", "surrogate", "clustering")
    assert keys("course_platform", "postgres") == keys("course_platform", "mysql") == {
        "QuizAttempt": ("SC-KEY-05", "surrogate", "no_unique"), "Certificate": natural}
    assert keys("commerce", "postgres") == {"Payment": natural}
    assert keys("commerce", "mysql") == {"Payment": kept}
    comment = ("SC-KEY-05", "surrogate", "referenced")
    assert keys("helpdesk", "postgres") == {"Comment": comment, "Attachment": natural}
    assert keys("helpdesk", "mysql") == {"Comment": comment, "Attachment": kept}


@pytest.mark.parametrize("target", TARGETS)
def test_deterministic(target: str, tmp_path: Path) -> None:
    a, b = design_of(SOCIAL_SDL, tmp_path, target), design_of(SOCIAL_SDL, tmp_path, target)
    assert [(x.rule, x.choice, x.why) for x in a.decisions] == [(x.rule, x.choice, x.why) for x in b.decisions]


def test_rule_is_explained() -> None:
    text = explain_rule_id("SC-KEY-05")
    assert text is not None and "append-only" in text


def test_payload_is_typed() -> None:
    p = PrimaryKeys(layout="natural", entities=("Like",), tenant="org", fields=("org", "post"), dropped=("id",))
    assert p.kind == "primary_keys" and p.reason is None


@pytest.mark.parametrize("target", TARGETS)
def test_layout_carries_the_keys_as_data(target: str, tmp_path: Path) -> None:
    """RelationalLayout.natural_keys re-applied to the compiled model gives the tables the design built on."""
    path = tmp_path / "social.sdl"
    path.write_text(SOCIAL_SDL, encoding="utf-8")
    comp = compile_model(path)
    assert comp.model is not None
    d, _ = design_for(comp, target)
    assert d is not None
    assert [n.entity for n in d.relational.natural_keys] == ["Like", "Reading"]
    assert d.model == comp.model  # the Design keeps the IR; the layout says how it is stored
    assert d.relational.stored(comp.model).entity("Like").field("id") is None
    assert comp.model.entity("Like").field("id") is not None  # the IR itself is untouched
