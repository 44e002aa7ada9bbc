"""The key-value planner's keys and indexes: one table, tenant-first key templates, item collections for
owned children read with their parent, overloaded and sparse GSIs, and never a Scan."""

from __future__ import annotations

import pytest

from schemac.compiler.design.keyvalue.payloads import Placement, SecondaryIndexUse
from schemac.compiler.design.plans import Operation
from tests.helpers.ddb import EXAMPLES, codes, example, from_text, layout

SERVED = {Operation.GET_ITEM, Operation.QUERY, Operation.BATCH_GET_ITEM}


def _entity(name: str, entity: str):  # type: ignore[no-untyped-def]
    return next(e for e in layout(example(name)).entities if e.entity == entity)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_builds_without_errors(name: str) -> None:
    result = example(name)
    assert result.ok, [d.message for d in result.diagnostics if d.is_error]


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_pattern_scans(name: str) -> None:
    design = example(name).design
    assert design is not None
    for plan in design.patterns:
        if plan.round_trips == 0:  # unserved, and diagnosed (full text)
            assert "SC0470" in codes(example(name))
            continue
        assert plan.operation in SERVED, plan
    for access in layout(example(name)).access:
        assert all(s.operation in ("GetItem", "Query", "BatchGetItem") for s in access.steps)


@pytest.mark.parametrize(("name", "most"), [("course_platform", 3), ("commerce", 3), ("helpdesk", 3)])
def test_few_overloaded_gsis(name: str, most: int) -> None:
    lay = layout(example(name))
    gsis = [i for i in lay.indexes if i.kind == "global"]
    assert 1 <= len(gsis) <= most
    # overloaded: more than one entity writes keys into some GSI
    users = {i.name: {e.entity for e in lay.entities for k in e.keys if k.index == i.name} for i in gsis}
    assert any(len(v) > 1 for v in users.values()), users


def test_tenant_prefix_comes_first() -> None:
    for e in layout(example("course_platform")).entities:
        for k in e.keys:
            if e.entity != "Organization":
                assert k.partition.startswith("ORGANIZATION#<organization>#"), (e.entity, k)


def test_owned_children_live_in_the_parents_item_collection() -> None:
    lesson = _entity("course_platform", "Lesson")
    assert lesson.placement == "collection" and lesson.parent == "Course"
    assert lesson.keys[0].partition == "ORGANIZATION#<organization>#COURSE#<course>"
    assert lesson.keys[0].sort is not None and lesson.keys[0].sort.startswith("LESSON#<position>")
    for child in ("LineItem", "Payment"):
        items = _entity("commerce", child)
        assert items.placement == "collection" and items.keys[0].partition == "ORDER#<order>"
    # the course's lessons: one Query on the table, in position order, no GSI
    access = next(a for a in layout(example("course_platform")).access if a.pattern == "course_lessons")
    assert access.steps[0].key.index is None and access.steps[0].key.sort == "LESSON#"


def test_sort_keys_encode_numbers_and_times_to_sort() -> None:
    doc = example("course_platform")
    from tests.helpers.ddb import artifact

    ents = artifact(doc, "entities.json")
    assert ents["entities"]["Lesson"]["key_encodings"]["position"] == "uint"  # check (>= 0): zero-padded
    assert ents["entities"]["Enrollment"]["key_encodings"]["created_at"] == "timestamp"
    assert "zero-padded" in ents["encodings"]["uint"]


def test_keyed_writes_address_items_by_their_unique_key() -> None:
    progress = _entity("course_platform", "Progress")  # upsert Progress by (enrollment, lesson)
    assert progress.keys[0].partition.endswith("ENROLLMENT#<enrollment>")
    assert progress.keys[0].sort == "PROGRESS#<lesson>"
    price = _entity("commerce", "ProductPrice")  # @versioned: v0 is the current version
    assert price.keys[0].sort == "PRODUCT_PRICE#<region>#v0"


def test_soft_deleted_entities_leave_every_index() -> None:
    for e in layout(example("helpdesk")).entities:
        for k in e.keys[1:]:
            if e.entity == "Ticket":
                assert any(c.field == "deleted_at" and c.op == "is_null" for c in k.sparse)


def test_constant_predicates_make_sparse_indexes() -> None:
    ticket = _entity("helpdesk", "Ticket")
    open_keys = [k for k in ticket.keys[1:] if any(c.field == "status" and c.value == "open" for c in k.sparse)]
    assert open_keys, ticket.keys
    design = example("helpdesk").design
    assert design is not None
    uses = [d for d in design.decisions if isinstance(d.payload, SecondaryIndexUse) and d.rule == "DDB-I03"]
    assert any("sparse index" in d.why for d in uses)


def test_union_shares_one_gsi_partition_and_tag() -> None:
    lay = layout(example("commerce"))
    access = next(a for a in lay.access if a.pattern == "customer_activity")
    step = access.steps[0]
    assert set(step.types) == {"ORDER", "REVIEW", "RETURN_REQUEST"}
    index = step.key.index
    for name in ("Order", "Review", "ReturnRequest"):
        keys = [k for k in _entity("commerce", name).keys if k.index == index]
        assert keys and keys[0].sort is not None and keys[0].sort.startswith("CUSTOMER_ACTIVITY#<created_at>")


def test_path_predicate_copies_the_key_attribute() -> None:
    order = _entity("commerce", "Order")
    assert [(c.attribute, c.entity, c.field) for c in order.copies] == [("customer_email", "Customer", "email")]
    assert any("<customer_email>" in k.partition for k in order.keys)


def test_strong_read_by_unique_goes_through_the_guard_item() -> None:
    access = next(a for a in layout(example("commerce")).access if a.pattern == "order_detail")
    assert access.steps[0].operation == "GetItem" and access.steps[0].consistent
    assert access.steps[0].key.partition.startswith("UNIQUE#ORDER#NUMBER#")
    assert all(s.key.index is None for s in access.steps)  # never a GSI for a strong read


def test_every_entity_placement_is_a_typed_decision() -> None:
    design = example("commerce").design
    assert design is not None
    placed = {d.subject.entity for d in design.decisions if isinstance(d.payload, Placement)}
    assert placed == {e.name for e in design.model.entities if not e.junction}


STRONG_ON_GSI = """\
model m { ids uuid7 }
entity Author { name string(40) }
entity Book {
  author Author
  title string(80)
}
entity Review {
  book Book
  stars int
}
query reviews_by_stars {
  from Review
  where stars = ?
  consistency strong
}
"""


def test_a_strong_read_only_a_gsi_serves_is_an_error() -> None:
    result = from_text(STRONG_ON_GSI)
    assert "SC0471" in codes(result) and not result.ok


STRONG_BY_REFERENCE = STRONG_ON_GSI.replace("where stars = ?", "where book = ?")


def test_a_strong_read_by_a_reference_is_served_by_the_table() -> None:
    result = from_text(STRONG_BY_REFERENCE)
    assert result.ok, codes(result)
    review = next(e for e in layout(result).entities if e.entity == "Review")
    assert review.placement == "collection" and review.parent == "Book"
    access = layout(result).access[0]
    assert access.steps[0].key.index is None and access.steps[0].consistent


STRONG_TWO_ORDERS = STRONG_BY_REFERENCE + """
query reviews_by_score {
  from Review
  where book = ?
  order stars desc
  consistency strong
}
query reviews_by_date {
  from Review
  where book = ?
  order created_at desc
  consistency strong
}
"""


def test_a_strong_read_in_another_order_gets_a_local_secondary_index() -> None:
    result = from_text(STRONG_TWO_ORDERS)
    assert result.ok, codes(result)
    lay = layout(result)
    lsis = [i for i in lay.indexes if i.kind == "local"]
    assert [(i.name, i.keys.partition_key, i.keys.sort_key) for i in lsis] == [("LSI1", "PK", "LSI1SK")]
    access = next(a for a in lay.access if a.pattern == "reviews_by_date")
    step = access.steps[0]
    assert step.key.index == "LSI1" and step.key.partition_attr == "PK" and step.consistent and step.descending
    from tests.helpers.ddb import artifact

    table = artifact(result, "table.json")
    assert table["LocalSecondaryIndexes"][0]["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"},
                                                              {"AttributeName": "LSI1SK", "KeyType": "RANGE"}]
    review = artifact(result, "entities.json")["entities"]["Review"]["keys"]
    assert "LSI1SK" in review and "LSI1PK" not in review


LONG_SORT_KEY = """\
model m { ids uuid7 }
entity Shelf { label string(40) }
entity Note {
  shelf Shelf @owner
  title string(400)
}
query shelf_notes {
  from Note
  where shelf = ?
  order title
  rate 10/s
}
"""


def test_a_sort_key_that_can_exceed_1024_bytes_is_an_error() -> None:
    result = from_text(LONG_SORT_KEY)  # string(400) is up to 1,600 bytes of UTF-8 in the sort key
    messages = [d.message for d in result.diagnostics if d.code == "SC0473"]
    assert any("sort key NOTE#<title>#<id>" in m and "1,024" in m for m in messages), messages
    assert from_text(LONG_SORT_KEY.replace("string(400)", "string(200)")).ok


def test_many_to_many_is_an_adjacency_list_inverted_in_an_overloaded_gsi() -> None:
    lay = layout(example("helpdesk"))
    tags = next(x for x in lay.edges if x.owner == "Ticket" and x.field == "tags")
    assert tags.keys.partition == "WORKSPACE#<workspace>#TICKET#<ticket>" and tags.keys.sort == "TAG_EDGE#<tag>"
    assert tags.reverse is not None and tags.reverse.index == "GSI1"
    assert tags.reverse.partition == "WORKSPACE#<workspace>#TAG#<tag>"
    assert len([i for i in lay.indexes if i.kind == "global"]) == 3  # the inverse side adds no GSI
    access = next(a for a in lay.access if a.pattern == "ticket_detail")
    edge, fetch = (s for s in access.steps if s.name.startswith("tags"))
    assert edge.key.sort == "TAG_EDGE#" and fetch.operation == "BatchGetItem" and fetch.entity == "Tag"
