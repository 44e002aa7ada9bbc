"""What DynamoDB lacks, done by the key-value planner: counters and aggregate items kept by ADD in the
writes, guard items for `unique`, and coded diagnostics for what it cannot do (full text, unbounded
groups, updates that move an aggregate, foreign keys and checks)."""

from __future__ import annotations

from schemac.compiler.design.keyvalue.payloads import Counter, Sharding
from tests.helpers.ddb import codes, example, from_text, layout


def _write(name: str, write: str):  # type: ignore[no-untyped-def]
    return next(w for w in layout(example(name)).writes if w.write == write)


def test_a_unique_is_a_guard_item_in_the_same_transaction() -> None:
    w = _write("course_platform", "enroll")
    assert w.transaction
    guards = [s for s in w.steps if s.role == "guard"]
    assert len(guards) == 1 and guards[0].condition == "not_exists"
    assert "UNIQUE#ENROLLMENT#STUDENT#<student>#COURSE#<course>" in dict(guards[0].keys)["PK"]


def test_a_counter_is_an_add_in_the_childs_insert_transaction() -> None:
    w = _write("course_platform", "insert Progress")
    counters = [s for s in w.steps if s.role == "counter"]
    assert w.transaction and len(counters) == 1
    assert counters[0].adds == (("lessons_completed", "1"),)
    assert [(c.field, c.op) for c in counters[0].when] == [("completed_at", "is_not_null")]
    # a sum adds the child's value
    line = _write("commerce", "insert LineItem")
    total = next(s for s in line.steps if s.aggregate == "total")
    assert total.adds == (("total", "amount"),)


def test_a_count_in_a_select_is_kept_on_the_parent_item() -> None:
    w = _write("course_platform", "enroll")
    counter = next(s for s in w.steps if s.role == "counter")
    assert dict(counter.keys)["PK"] == "ORGANIZATION#<organization>#COURSE#<course>"
    access = next(a for a in layout(example("course_platform")).access if a.pattern == "instructor_courses")
    assert len(access.steps) == 1  # no read of the enrollments


def test_bucketed_group_reads_aggregate_items() -> None:
    lay = layout(example("helpdesk"))
    access = next(a for a in lay.access if a.pattern == "weekly_intake")
    assert access.aggregate == "weekly_intake"
    assert access.steps[0].key.sort_op == "between"
    item = next(a for a in lay.aggregates if a.name == "weekly_intake")
    assert item.keys[0].sort == "<created_at|week>"
    design = example("helpdesk").design
    assert design is not None
    assert any(isinstance(d.payload, Counter) and d.payload.name == "weekly_intake" for d in design.decisions)


def test_max_over_an_append_only_entity_is_a_conditional_update() -> None:
    lay = layout(example("course_platform"))
    item = next(a for a in lay.aggregates if a.name == "leaderboard")
    assert item.conditional and item.values == (("best_score", "max", "score"),)


def test_a_batch_group_over_a_bounded_set_groups_in_the_client() -> None:
    access = next(a for a in layout(example("helpdesk")).access if a.pattern == "open_backlog_report")
    assert access.group is not None and access.group.by == ("team", "priority")
    assert access.steps and access.steps[0].operation == "Query"


UNBOUNDED = """\
model m { ids uuid7 }
entity Reading {
  sensor string(40)
  value float
  volume 50M
}
query averages {
  from Reading
  where sensor = ?
  group sensor
  select avg(value) as mean
  rate 10/s
}
"""


def test_an_unmaintainable_group_over_an_unbounded_set_is_an_error() -> None:
    result = from_text(UNBOUNDED)
    assert "SC0472" in codes(result) and not result.ok
    message = next(d.message for d in result.diagnostics if d.code == "SC0472")
    assert "Scan" in message


def test_full_text_is_diagnosed_not_scanned() -> None:
    result = example("helpdesk")
    assert "SC0470" in codes(result)
    access = next(a for a in layout(result).access if a.pattern == "search_tickets")
    assert not access.steps and access.unserved


SUMMED = """\
model m { ids uuid7 }
entity Sale {
  region string(20)
  amount int
  volume 10M
}
query by_region {
  from Sale
  where region = ?
  group region
  select sum(amount) as total, count() as sales
  rate 5/s
}
write correct_sale {
  update Sale (region, amount) by (id)
  rate 1/s
}
write move_sale {
  update Sale (region) by (id)
  rate 1/s
}
"""


def test_updates_that_move_an_aggregate_are_written_not_diagnosed() -> None:
    for name in ("helpdesk", "commerce", "course_platform"):
        assert "SC0476" not in codes(example(name)), name
    w = _write("helpdesk", "set_ticket_status")
    old, new = (s for s in w.steps if s.aggregate == "open_assigned")
    assert (old.move, new.move) == ("old", "new") and old.adds == (("open_assigned", "-1"),)
    assert any(c.field == "old:status" for c in old.when) and any(c.field == "status" for c in new.when)
    assert w.transaction and w.steps[0].expects[0] == ("status", "old:status")
    assert ("assignee", "assignee") in w.steps[0].expects  # the counter's key, read and not written, holds too


def test_a_child_adding_to_its_parents_group_holds_on_the_group_it_read() -> None:
    for name in ("add_line_item", "remove_line_item"):
        w = _write("commerce", name)
        counter = next(s for s in w.steps if s.aggregate == "total")
        assert counter.expects == (("created_at", "order_created_at"), ("status", "order_status")), name


def test_sc0476_stays_where_the_update_changes_the_summed_field() -> None:
    result = from_text(SUMMED)
    diags = [d for d in result.diagnostics if d.code == "SC0476"]
    assert len(diags) == 1 and "correct_sale" in diags[0].message and "amount" in diags[0].message
    assert "arithmetic" in diags[0].message
    moving = next(w for w in layout(result).writes if w.write == "move_sale")
    old = next(s for s in moving.steps if s.move == "old")
    assert old.adds == (("total", "-amount"), ("sales", "-1")) and "<old:region>" in dict(old.keys)["PK"]


def test_foreign_keys_and_checks_are_diagnosed_with_the_workaround() -> None:
    result = example("commerce")
    fk = next(d for d in result.diagnostics if d.code == "SC0474")
    assert "ConditionCheck" in fk.message
    assert "SC0475" in codes(result)


def test_constant_partitions_state_the_sharding_arithmetic() -> None:
    design = example("commerce").design
    assert design is not None
    shards = [d for d in design.decisions if isinstance(d.payload, Sharding)]
    assert shards and all("ceil(" in d.why and "1,000" in d.why for d in shards)


HOT = """\
model m { ids uuid7 }
entity Event {
  kind enum(click, view)
  volume 100M
}
query clicks {
  from Event
  where kind = click
  rate 1/s
}
write track {
  insert Event
  rate 5000/s
}
"""


def test_a_hot_constant_partition_is_write_sharded() -> None:
    result = from_text(HOT)
    design = result.design
    assert design is not None
    shards = [d.payload for d in design.decisions if isinstance(d.payload, Sharding)]
    assert shards and max(s.shards for s in shards) >= 5


def test_aggregate_and_guard_members_wait_for_their_key_values() -> None:
    w = _write("helpdesk", "insert Ticket")
    weekly = next(s for s in w.steps if s.aggregate == "weekly_intake")
    assert ("team", "is_not_null") in [(c.field, c.op) for c in weekly.when]  # a ticket with no team
    load = next(s for s in w.steps if s.aggregate == "open_assigned")
    assert ("assignee", "is_not_null") in [(c.field, c.op) for c in load.when]


def test_id_and_reference_holes_encode_alike() -> None:
    from tests.helpers.ddb import artifact

    ents = artifact(example("commerce"), "entities.json")["entities"]  # bigint ids
    assert ents["Order"]["key_encodings"]["id"] == ents["LineItem"]["key_encodings"]["order"] == "plain"


def test_a_sum_of_a_maintained_field_follows_the_childrens_writes() -> None:
    w = _write("commerce", "add_line_item")
    chained = next(s for s in w.steps if s.aggregate == "quarterly_revenue")
    assert chained.adds == (("revenue", "amount"),)
    assert dict(chained.keys)["SK"] == "<order_created_at|quarter>#<order_status>"
    assert "order->Order.created_at" in w.reads and "order->Order.status" in w.reads
    removed = _write("commerce", "remove_line_item")
    assert next(s for s in removed.steps if s.aggregate == "quarterly_revenue").adds == (("revenue", "-amount"),)


def test_versioned_items_keep_v0_and_a_copy_per_version() -> None:
    insert = _write("commerce", "insert ProductPrice")
    assert [(s.action, s.role, dict(s.keys)["SK"]) for s in insert.steps[:2]] == [
        ("Put", "item", "PRODUCT_PRICE#<region>#v0"), ("Put", "version", "PRODUCT_PRICE#<region>#v<version>")]
    upsert = _write("commerce", "set_regional_price")
    # one TransactWriteItems (DDB-K07): v0 set to the version read plus one, on the version read; its copy
    assert upsert.transaction and ("version", "version|next") in upsert.steps[0].sets
    assert upsert.steps[0].expects == (("version", "version"),)
    assert upsert.steps[1].role == "version" and dict(upsert.steps[1].keys)["SK"].endswith("#v<version|next>")
    assert "ProductPrice.version" in upsert.reads


def test_counters_start_at_zero_on_insert() -> None:
    w = _write("helpdesk", "insert User")
    assert ("open_assigned", "=0") in w.steps[0].sets
    course = _write("course_platform", "insert Course")
    assert ("count_enrollment_by_course", "=0") in course.steps[0].sets


def test_a_sharded_partition_is_read_once_per_shard() -> None:
    result = from_text(HOT)
    lay = layout(result)
    event = next(e for e in lay.entities if e.entity == "Event")
    assert event.shards >= 5 and event.keys[1].partition.endswith("#<shard>")
    access = lay.access[0]
    assert access.shards == event.shards and "<shard>" in access.steps[0].key.partition


def test_gdpr_erasure_removes_personal_data_and_its_guard_items() -> None:
    w = _write("helpdesk", "erase User")
    update, guard = w.steps
    assert set(update.removes) >= {"email", "name"} and ("deleted_at", "deleted_at") in update.sets
    assert guard.action == "Delete" and "UNIQUE#USER#EMAIL#<email>" in dict(guard.keys)["PK"]
    assert w.transaction and "User.email" in w.reads
    assert "SC0356" not in codes(example("helpdesk"))
