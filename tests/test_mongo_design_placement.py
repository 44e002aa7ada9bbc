"""The document planner's placements: what is embedded, a subset, copied, computed or referenced, and why
(typed decisions with MDB-* rule ids), on the examples and on small models built to push each rule."""

from __future__ import annotations

from pathlib import Path

from schemac.backends.mongodb.capabilities import CAPABILITIES
from schemac.compiler.design import design
from schemac.compiler.design.document.layout import Cond, DocumentLayout
from schemac.compiler.design.model import Design
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parent.parent


def _example(name: str) -> Design:
    model = compile_model(ROOT / "examples" / f"{name}.sdl").model
    assert model is not None
    d, _ = design(model, CAPABILITIES, "mongodb")
    assert d is not None
    return d


def _text(sdl: str) -> tuple[Design, list[Diagnostic]]:
    comp = compile_text(sdl)
    assert comp.model is not None, [x.message for x in comp.diagnostics]
    d, diags = design(comp.model, CAPABILITIES, "mongodb")
    assert d is not None
    return d, diags


def _layout(d: Design) -> DocumentLayout:
    assert isinstance(d.layout, DocumentLayout)
    return d.layout


def _rules(d: Design, entity: str) -> set[str]:
    return {x.rule for x in d.decisions if x.subject.entity == entity}


# -- the examples: what a MongoDB engineer would draw --------------------------------------------------------------


def test_commerce_embeds_line_items_and_payments_in_orders() -> None:
    d = _example("commerce")
    layout = _layout(d)
    for child, path in (("LineItem", "line_items"), ("Payment", "payments")):
        p = layout.placement(child)
        assert p is not None and p.collection is None and p.embedded is not None
        assert (p.embedded.parent, p.embedded.path, p.embedded.mode) == ("Order", path, "embed")
        assert "MDB-E02" in _rules(d, child)
    orders = layout.collection("orders")
    assert orders is not None and {e.entity for e in orders.embedded} >= {"LineItem", "Payment"}


def test_commerce_keeps_the_newest_reviews_as_a_subset_of_the_product() -> None:
    d = _example("commerce")
    p = _layout(d).placement("Review")
    assert p is not None and p.collection == "reviews"  # the full set stays queryable (product_reviews)
    assert p.embedded is not None and p.embedded.mode == "subset" and p.embedded.limit == 5
    assert p.embedded.order == (("created_at", -1),)
    assert "MDB-P02" in _rules(d, "Review")


def test_commerce_copies_what_hot_reads_include_with_the_fan_out_stated() -> None:
    d = _example("commerce")
    copies = {(c.holder, c.path): c for c in _layout(d).copies if c.mode == "extended_reference"}
    assert dict(copies[("Product", "category")].fields) == {"name": "name", "slug": "slug"}
    assert set(dict(copies[("LineItem", "product")].fields)) == {"name", "price", "sku"}
    assert copies[("Order", "customer")].fields == (("email", "email"),)  # the path predicate customer.email
    decided = [x for x in d.decisions if x.rule == "MDB-P01"]
    assert decided and all("fan-out" in x.why for x in decided)
    assert all(x.payload.kind == "copied" and x.payload.fan_out > 0 for x in decided)


def test_maintained_aggregates_are_computed_in_the_write() -> None:
    d = _example("commerce")
    computed = {(c.holder, c.path) for c in _layout(d).copies if c.mode == "computed"}
    assert {("Order", "total"), ("Product", "review_count")} <= computed
    add = next(w for w in _layout(d).writes if w.write == "add_line_item")
    # the line item is pushed into its order and the total moves in the same single-document update; the
    # quarter's revenue bucket follows the total in the same transaction
    assert add.steps[0].push and add.steps[0].inc == (("total", "amount"),)
    assert [s.role for s in add.steps] == ["embedded", "bucket"] and add.transaction
    remove = next(w for w in _layout(d).writes if w.write == "remove_line_item")
    assert remove.steps[0].pull and remove.steps[0].negate == ("total",)
    assert remove.steps[1].negate == ("revenue",)


def test_bucketed_aggregates_become_computed_bucket_documents() -> None:
    layout = _layout(_example("commerce"))
    comp = {c.collection: c for c in layout.computed}
    qr = comp["quarterly_revenue_buckets"]
    assert [k for k, _, _ in qr.keys] == ["created_at_quarter", "status"]
    assert {(k, f) for k, f, _ in qr.values} == {("revenue", "sum"), ("orders", "count")}
    place = next(w for w in layout.writes if w.write == "place_order")
    assert any(s.role == "bucket" and s.upsert for s in place.steps) and place.transaction
    bucket = next(s for s in place.steps if s.role == "bucket")
    assert bucket.inc == (("orders", 1),)  # a new order's total is 0: its line items move the revenue
    move = next(w for w in layout.writes if w.write == "update_order_status")
    out, into = [s for s in move.steps if s.role == "bucket"]
    assert out.negate == ("revenue",) and ("orders", -1) in out.inc and out.filter[-1].param == "old_status"
    assert ("orders", 1) in into.inc and into.filter[-1].param == "status"


def test_course_lessons_are_embedded_and_read_by_unwinding_one_course() -> None:
    d = _example("course_platform")
    layout = _layout(d)
    assert layout.placement("Lesson").embedded.path == "lessons"  # type: ignore[union-attr]
    a = next(x for x in layout.access if x.pattern == "course_lessons")
    assert a.collection == "courses" and a.kind == "aggregate" and a.index == "_id_"
    assert a.stages[0].kind == "element" and a.post_sort == (("position", 1),)
    # unique (course, position) inside the array: the push only matches a course without that position
    insert = next(w for w in layout.writes if w.write == "insert Lesson")
    assert Cond(path="lessons.position", op="ne", param="position") in insert.steps[0].filter


def test_many_to_many_is_an_id_array_on_the_owner() -> None:
    layout = _layout(_example("helpdesk"))
    rels = {(r.owner, r.field): r for r in layout.relations}
    assert rels[("Ticket", "tags")].mode == "id_array" and rels[("Ticket", "tags")].path == "tag_ids"
    assert rels[("Team", "members")].path == "member_ids"
    assert all(p.entity not in ("TicketTags", "TeamMembers") for p in layout.placements)


def test_no_lookup_on_any_read() -> None:
    for name in ("commerce", "course_platform", "helpdesk"):
        for a in _layout(_example(name)).access:
            assert all(s.kind != "lookup" for s in a.stages), a.pattern  # type: ignore[comparison-overlap]


def test_the_union_read_uses_union_with_and_says_so() -> None:
    a = next(x for x in _layout(_example("commerce")).access if x.pattern == "customer_activity")
    assert [b.collection for b in a.branches] == ["reviews", "return_requests"]
    assert "$unionWith" in a.why and all(b.index for b in a.branches)


# -- small models: each rule pushed -------------------------------------------------------------------------------

_BASE = """
model m {
  ids uuid7
  deletes hard
  horizon 12 months
}
entity Post {
  title string(100)
  volume 1k
}
"""


def test_an_unbounded_owned_child_is_refused_with_a_diagnostic() -> None:
    d, diags = _text(_BASE + """
entity Note {
  post Post @owner
  body text
  volume 50M
}
query post_page {
  from Post
  where id = ?
  include Note
  rate 100/s
}
""")
    assert [x.code for x in diags if x.code == "SC0440"] == ["SC0440"]
    layout = _layout(d)
    assert layout.placement("Note").collection == "notes"  # type: ignore[union-attr]
    a = next(x for x in layout.access if x.pattern == "post_page")
    assert [f.collection for f in a.follow_ups] == ["notes"] and a.follow_ups[0].index
    assert any(o[0] == "notes" for o in a.omitted)
    assert "MDB-E04" in _rules(d, "Note")


def test_a_bounded_owned_child_read_with_its_parent_is_embedded() -> None:
    d, diags = _text(_BASE + """
entity Note {
  post Post @owner
  body string(200)
  volume 5k
}
query post_page {
  from Post
  where id = ?
  include Note
  rate 100/s
}
""")
    assert not [x for x in diags if x.code == "SC0440"]
    p = _layout(d).placement("Note")
    assert p is not None and p.collection is None and p.embedded is not None and p.embedded.mode == "embed"
    assert p.embedded.max_items == 50  # 5 per post on average, outliers at ten times that


def test_an_owned_child_never_read_with_its_parent_stays_a_collection() -> None:
    d, _ = _text(_BASE + """
entity Note {
  post Post @owner
  body string(200)
  volume 5k
}
query notes_by_body {
  from Note
  where body = ?
  rate 1/s
}
""")
    assert _layout(d).placement("Note").collection == "notes"  # type: ignore[union-attr]


def test_a_copy_read_less_often_than_its_source_changes_is_not_made() -> None:
    d, _ = _text(_BASE + """
entity Note {
  post Post
  body string(200)
  volume 5k
}
query note {
  from Note
  where id = ?
  include post (title)
  rate 1/s
}
write rename_post {
  update Post by (id)
  rate 50/s
}
""")
    layout = _layout(d)
    assert not [c for c in layout.copies if c.mode == "extended_reference"]
    a = next(x for x in layout.access if x.pattern == "note")
    assert [f.collection for f in a.follow_ups] == ["posts"]
    assert any(x.rule == "MDB-E07" for x in d.decisions)


def test_an_enum_in_the_unique_key_bounds_the_children_exactly() -> None:
    d, _ = _text(_BASE + """
entity Price {
  post Post @owner
  region enum(eu, uk, us)
  amount money
  unique (post, region)
  volume 3k
}
query post_prices {
  from Price
  where post = ?
  rate 10/s
}
""")
    p = _layout(d).placement("Price")
    assert p is not None and p.embedded is not None and p.embedded.max_items == 3
