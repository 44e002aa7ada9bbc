"""The design stage: indexes from access patterns, pattern plans, maintained aggregates, policies, growth.

Each test compiles a small SDL model (or an example) and states the indexes and decisions it expects.
Indexes are compared as one-line strings: `Entity(col, col desc) unique where <pred> live include (...)`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.design import PLANNERS, design, render_decisions
from schemac.compiler.design.model import Capabilities, Design, IndexPlan, Subject
from schemac.compiler.model import Model
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.diagnostics import Diagnostic

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

PG = Capabilities(family="relational", partial_indexes=True, include_columns=True, row_level_security=True,
                  json_aggregation=True, fk_set_null_columns=True)
MYSQL = Capabilities(family="relational", partial_indexes=False, include_columns=False,
                     row_level_security=False, json_aggregation=True, max_index_columns=16,
                     max_key_bytes=3072, max_identifier=64)


def compile_sdl(text: str) -> Model:
    comp = compile_text(text)
    assert comp.ok, [d.message for d in comp.diagnostics]
    assert comp.model is not None
    return comp.model


def run(text: str, caps: Capabilities = PG) -> tuple[Design, list[Diagnostic]]:
    return design(compile_sdl(text), caps, "test")


def show(ix: IndexPlan) -> str:
    parts = ", ".join(f"{p.field} desc" if p.descending else p.field for p in ix.parts)
    out = f"{ix.entity}({parts})"
    if ix.method == "fulltext":
        out += " fulltext"
    if ix.unique:
        out += " unique"
    if ix.where:
        out += " where " + " and ".join(f"{'.'.join(p.steps)} {p.op} {p.value.value}"  # type: ignore[union-attr]
                                        if p.value is not None else f"{'.'.join(p.steps)} {p.op}"
                                        for p in ix.where)
    if ix.live_only:
        out += " live"
    if ix.include:
        out += f" include ({', '.join(ix.include)})"
    return out


def indexes(d: Design, entity: str | None = None) -> list[str]:
    return [show(ix) for ix in d.relational.indexes if entity is None or ix.entity == entity]


def decisions(d: Design, rule: str | None = None, subject: str | None = None) -> list[str]:
    return [f"{x.subject.text}: {x.choice}" for x in d.decisions
            if (rule is None or x.rule == rule) and (subject is None or x.subject.text == subject)]


def served_by(d: Design, query: str) -> str:
    p = d.relational.pattern(query)
    assert p is not None
    if p.by_primary_key:
        return "primary key"
    assert p.index is not None, query
    return show(d.relational.indexes[p.index])


HARD = "model shop {\n  deletes hard\n}\n"
TENANT = "model saas {\n  tenant Org\n  deletes hard\n}\nentity Org {\n  name string(100)\n  volume 1k\n}\n"


# -- access-pattern indexes: equality, sort, range (REL-I01/REL-I02) ---------------------------------------

def test_equality_then_sort_then_range() -> None:
    d, _ = run(HARD + """
entity Event {
  kind    enum(a, b, c)
  source  string(40)
  at      timestamp
  score   int
  volume 1M
}
query recent {
  from  Event
  where score > ? and source = ?
  order at desc
  limit 20
  rate  50/s
}
""")
    assert indexes(d, "Event") == ["Event(source, at desc, id desc, score)"]
    plan = d.pattern("recent")
    assert plan is not None
    assert (plan.equality, plan.sort, plan.range) == (("source",), ("at", "id"), ("score",))
    assert plan.expected_rows == 3.3  # 1M rows / 100k sources (10 rows a value) x 1/3 for the range
    assert decisions(d, "REL-I02", "index Event(source, at desc, id desc, score)") == [
        "index Event(source, at desc, id desc, score): create index; serves recent"]


def test_range_on_the_sort_column_is_one_column() -> None:
    d, _ = run(HARD + """
entity Event {
  source  string(40)
  volume 1M
}
query between {
  from  Event
  where source = ? and created_at between :since and :until
  order created_at
  limit 100
  rate  5/s
}
""")
    assert indexes(d, "Event") == ["Event(source, created_at, id)"]


def test_in_is_an_equality_unless_the_query_sorts() -> None:
    d, _ = run(HARD + """
entity Job {
  queue   string(40)
  state   enum(new, running, done)
  due     timestamp
  volume 100k
}
query due_jobs {
  from  Job
  where queue = ? and state in ?
  order due
  limit 10
  rate  20/s
}
""")
    # with a sort, `in` reads like a range (ESR): after the sort keys, so the index keeps the order
    assert indexes(d, "Job") == ["Job(queue, due, id, state)"]
    d, _ = run(HARD + """
entity Job {
  queue   string(40)
  state   enum(new, running, done)
  volume 100k
}
query jobs_in_states {
  from  Job
  where queue = ? and state in ?
  rate  20/s
}
""")
    assert indexes(d, "Job") == ["Job(queue, state)"]  # no sort: `in` is an equality


def test_tenant_leads_every_index() -> None:
    d, _ = run(TENANT + """
entity Note {
  title  string(100)
  pinned bool
  unique (title)
  volume 1M
}
query pinned_notes {
  from  Note
  where pinned = ?
  order created_at desc
  limit 20
  rate  10/s
}
""")
    assert indexes(d, "Note") == ["Note(org, title) unique", "Note(org, pinned, created_at desc, id desc)"]


# -- partial indexes and constants ---------------------------------------------------------------------------

QUEUE = HARD + """
entity Team {
  name  string(100)
  volume 1k
}
entity Ticket {
  team    Team
  status  enum(open, closed)
  due     timestamp
  volume 1M
  volume 50k where status = open
}
query team_queue {
  from  Ticket
  where team = ? and status = open
  order due
  limit 50
  rate  100/s
}
"""


def test_constant_predicate_becomes_the_partial_index_predicate() -> None:
    d, _ = run(QUEUE)
    assert indexes(d, "Ticket") == ["Ticket(team, due, id) where status = open", "Ticket(team)"]
    # the partial index cannot serve the foreign key: a separate (team) index is needed (REL-I08)
    assert decisions(d, "REL-I08", "reference Ticket.team") == [
        "reference Ticket.team: index (team) for the foreign key"]
    plan = d.pattern("team_queue")
    assert plan is not None and plan.expected_rows == 50


def test_without_partial_indexes_the_constant_becomes_an_equality_column() -> None:
    d, _ = run(QUEUE, MYSQL)
    assert indexes(d, "Ticket") == ["Ticket(team, status, due, id)"]
    plan = d.pattern("team_queue")
    assert plan is not None and plan.equality == ("team", "status")
    # that index leads with (team): the foreign key needs no index of its own
    assert decisions(d, "REL-I08", "reference Ticket.team") == [
        "reference Ticket.team: no separate index: (team) is covered by Ticket(team, status, due, id)"]


def test_soft_delete_makes_uniques_and_pattern_indexes_live_only() -> None:
    d, _ = run("""
model app {
  deletes soft
}
entity Account {
  email  email
  unique (email)
  volume 10k
}
query by_email {
  from  Account
  where email = ?
  rate  10/s
}
""")
    assert indexes(d) == ["Account(email) unique live"]
    assert served_by(d, "by_email") == "Account(email) unique live"


# -- reuse: prefixes, uniques, primary key -------------------------------------------------------------------

def test_prefix_reuse_keeps_the_longer_index() -> None:
    d, _ = run(HARD + """
entity Post {
  author  string(40)
  volume 1M
}
query by_author {
  from  Post
  where author = ?
  rate  10/s
}
query latest_by_author {
  from  Post
  where author = ?
  order created_at desc
  limit 10
  rate  10/s
}
""")
    assert indexes(d, "Post") == ["Post(author, created_at desc, id desc)"]
    assert d.relational.indexes[0].serves == ("by_author", "latest_by_author")
    assert decisions(d, "REL-I03") == [
        "index Post(author): not created: left prefix of Post(author, created_at desc, id desc)"]


def test_no_non_unique_index_is_a_prefix_of_another() -> None:
    for name in ("course_platform", "helpdesk", "commerce"):
        for caps in (PG, MYSQL):
            d, _ = design(_example(name), caps, "test")
            for a in d.relational.indexes:
                for b in d.relational.indexes:
                    if a is b or a.unique or a.entity != b.entity or a.method != b.method:
                        continue
                    same = (a.where, a.live_only) == (b.where, b.live_only)
                    assert not (same and b.parts[:len(a.parts)] == a.parts), (name, show(a), show(b))


def test_unique_serves_equality_and_primary_key_serves_id() -> None:
    d, _ = run(HARD + """
entity User {
  email  email
  unique (email)
  volume 10k
}
query by_email {
  from  User
  where email = ?
  rate  50/s
}
query by_id {
  from  User
  where id = ?
  rate  50/s
}
""")
    assert indexes(d, "User") == ["User(email) unique"]
    assert served_by(d, "by_email") == "User(email) unique"
    assert served_by(d, "by_id") == "primary key"


def test_partial_and_full_indexes_with_different_predicates_are_different() -> None:
    d, _ = run(HARD + """
entity Task {
  owner  string(40)
  done   bool
  volume 1M
}
query open_tasks {
  from  Task
  where owner = ? and done = false
  order created_at
  limit 20
  rate  10/s
}
query all_tasks {
  from  Task
  where owner = ?
  order created_at
  limit 20
  rate  10/s
}
""")
    assert indexes(d, "Task") == ["Task(owner, created_at, id)", "Task(owner, created_at, id) where done = False"]


def test_low_rate_pattern_reuses_a_bounding_index() -> None:
    d, _ = run(HARD + """
entity Ticket {
  team    string(40)
  status  enum(open, closed)
  due     timestamp
  volume 1M
}
query team_queue {
  from  Ticket
  where team = ?
  order due
  limit 50
  rate  100/s
}
query team_report {
  from  Ticket
  where team = ? and status = closed
  rate  1/h
}
""")
    assert indexes(d, "Ticket") == ["Ticket(team, due, id)"]
    assert d.relational.indexes[0].serves == ("team_queue", "team_report")
    plan = d.pattern("team_report")
    assert plan is not None and "low rate" in plan.why


# -- foreign keys (REL-I08) ----------------------------------------------------------------------------------

def test_fk_index_dropped_when_a_unique_leads_with_it() -> None:
    d, _ = run(HARD + """
entity Doc {
  title  string(100)
  volume 10k
}
entity Page {
  doc     Doc @owner
  number  int
  unique (doc, number)
  volume 1M
}
""")
    assert indexes(d, "Page") == ["Page(doc, number) unique"]
    assert decisions(d, "REL-I08") == [
        "reference Page.doc: no separate index: (doc) is covered by Page(doc, number)"]


def test_fk_index_created_when_nothing_leads_with_it() -> None:
    d, _ = run(HARD + """
entity Doc {
  title  string(100)
  volume 10k
}
entity Page {
  doc     Doc
  number  int
  unique (number, doc)
  volume 1M
}
""")
    assert indexes(d, "Page") == ["Page(number, doc) unique", "Page(doc)"]
    assert [ix.origin for ix in d.relational.indexes] == ["unique", "foreign_key"]


def test_live_only_index_covers_a_soft_deleted_parent_but_not_a_hard_deleted_one() -> None:
    src = """
model app {
  deletes soft
}
entity Parent {
  name  string(40)
  volume 1k
}
entity Gone @hard_delete {
  name  string(40)
  volume 1k
}
entity Child {
  parent  Parent
  gone    Gone
  n       int
  unique (parent, n)
  unique (gone, n)
  volume 100k
}
"""
    d, _ = run(src)
    assert indexes(d, "Child") == ["Child(gone, n) unique live", "Child(parent, n) unique live", "Child(gone)"]
    # without partial indexes the live-only unique holds every row: it covers both keys
    d, _ = run(src, MYSQL)
    assert indexes(d, "Child") == ["Child(gone, n) unique live", "Child(parent, n) unique live"]


def test_query_index_on_a_foreign_key_of_a_hard_deleted_parent_covers_all_rows() -> None:
    d, _ = run("""
model app {
  deletes soft
}
entity Parent @hard_delete {
  name  string(40)
  volume 1k
}
entity Child {
  parent  Parent
  volume 100k
}
query children {
  from  Child
  where parent = ?
  rate  10/s
}
""")
    assert indexes(d, "Child") == ["Child(parent)"]
    assert decisions(d, "REL-I08", "index Child(parent)")[0] == \
        "index Child(parent): kept over all rows, not live rows only"


def test_junction_gets_the_reverse_index() -> None:
    d, _ = run(TENANT + """
entity Tag {
  name  string(40)
  volume 1k
}
entity Post {
  title  string(100)
  tags   Tag[]
  volume 10k
}
""")
    assert indexes(d, "PostTags") == ["PostTags(org, tag, post)"]
    assert decisions(d, "REL-I08", "reference PostTags.post") == [
        "reference PostTags.post: no separate index: (org, post) is covered by the primary key "
        "PostTags(org, post, tag)"]


def test_composite_tenant_foreign_keys() -> None:
    d, _ = run(TENANT + """
entity User {
  name  string(40)
  volume 1k
}
entity Task {
  owner     User
  assignee  User? @on_delete(set_null)
  volume 10k
}
""")
    fks = {(fk.entity, fk.field): fk for fk in d.relational.foreign_keys}
    owner = fks["Task", "owner"]
    assert (owner.columns, owner.target_columns) == (("org", "owner"), ("org", "id"))
    assert fks["Task", "assignee"].set_null_columns == ("assignee",)
    assert fks["Task", "org"].columns == ("org",)
    # the composite keys reference it: no unique (org, id)
    assert d.relational.primary_key(d.model.entity("User")) == ("org", "id")
    assert "User(org, id) unique" not in indexes(d, "User")
    # without `ON DELETE SET NULL (col)` the set-null reference keeps a single-column key, with a warning
    d, diags = run(TENANT + """
entity User {
  name  string(40)
  volume 1k
}
entity Task {
  assignee  User? @on_delete(set_null)
  volume 10k
}
""", PG.model_copy(update={"fk_set_null_columns": False}))
    assert [fk.columns for fk in d.relational.foreign_keys if fk.field == "assignee"] == [("assignee",)]
    assert [x.code for x in diags] == ["SC0406"]
    assert indexes(d, "Task") == ["Task(assignee)"]
    # only a single-column key references it: nothing to fold
    assert d.relational.primary_key(d.model.entity("User")) == ("id",)


# -- INCLUDE (REL-I04) ---------------------------------------------------------------------------------------

INCLUDE = HARD + """
entity Product {
  category  string(40)
  name      string(40)
  price     money
  blurb     string(500)
  volume 100k
}
query prices {
  from   Product
  where  category = ?
  select name, price
  rate   {rate}
}
query blurbs {
  from   Product
  where  category = ? and price < ?
  select blurb
  rate   500/s
}
"""


def test_include_columns_for_hot_narrow_reads() -> None:
    d, _ = run(INCLUDE.replace("{rate}", "200/s"))
    # (category) is a prefix of (category, price): one index, price already a key column
    assert indexes(d, "Product") == ["Product(category, price) include (name)"]
    assert decisions(d, "REL-I04", "query prices") == [
        "query prices: INCLUDE (name) on Product(category, price): index-only scan"]
    assert decisions(d, "REL-I04", "query blurbs") == ["query blurbs: no INCLUDE columns"]


def test_no_include_below_the_rate_threshold_and_trailing_parts_without_the_capability() -> None:
    d, _ = run(INCLUDE.replace("{rate}", "50/s"))
    assert indexes(d, "Product") == ["Product(category, price)"]
    d, _ = run(INCLUDE.replace("{rate}", "200/s"), MYSQL)
    covering = [ix for ix in d.relational.indexes if ix.include]
    assert len(covering) == 1 and covering[0].entity == "Product"
    [decision] = decisions(d, "REL-I04", "query prices")
    assert "trailing key parts (the target has no INCLUDE)" in decision


def test_batch_export_is_covered() -> None:
    d, _ = design(_example("commerce"), PG, "postgres")
    ix = d.relational.indexes[d.relational.pattern("open_orders_export").index]  # type: ignore[union-attr,index]
    assert show(ix) == "Order(status) where status = open include (number, customer, total, created_at)"


# -- groups, paths, includes, full text ----------------------------------------------------------------------

def test_group_by_index_computes_the_aggregate() -> None:
    d, _ = design(_example("course_platform"), PG, "postgres")
    assert served_by(d, "leaderboard") == "QuizAttempt(organization, quiz, user, score)"
    plan = d.pattern("leaderboard")
    assert plan is not None and plan.expected_rows == 10
    assert "read in index order" in plan.why


def test_path_predicate_is_a_semi_join() -> None:
    d, _ = design(_example("commerce"), PG, "postgres")
    plan = d.pattern("customer_orders")
    assert plan is not None
    assert served_by(d, "customer_orders") == "Order(customer, created_at desc, id desc)"
    assert plan.equality == ("customer",)
    access = d.relational.pattern("customer_orders")
    assert access is not None
    assert [show(d.relational.indexes[i]) for i in access.lookups] == ["Customer(email) unique",
                                                                        "LineItem(order, product) unique"]
    assert dict(access.include_strategy) == {"LineItem": "json_agg", "LineItem.product": "join"}


def test_include_strategy_without_json_aggregation() -> None:
    d, _ = design(_example("commerce"), PG.model_copy(update={"json_aggregation": False}), "t")
    plan = d.relational.pattern("order_detail")
    assert plan is not None
    assert plan.include_strategy == (("LineItem", "second_query"), ("LineItem.product", "join"),
                                     ("Payment", "second_query"))


def test_full_text_search() -> None:
    d, _ = design(_example("helpdesk"), PG, "postgres")
    assert served_by(d, "search_tickets") == "Ticket(subject) fulltext live"
    d, diags = design(_example("helpdesk"), PG.model_copy(update={"full_text": False}), "t")
    assert sorted({x.code for x in diags}) == ["SC0403"]
    assert not any(ix.method == "fulltext" for ix in d.relational.indexes)


# -- writes ------------------------------------------------------------------------------------------------------

def test_keyed_writes_find_their_rows() -> None:
    d, diags = run("""
model app {
  deletes soft
}
entity Score {
  player  string(40)
  game    string(40)
  points  int
  unique (player, game)
  volume 10k
}
write save_score {
  upsert Score by (player, game)
  rate   10/s
}
write drop_score {
  delete Score by (id)
  rate   1/s
}
""")
    assert diags == []
    save, drop = d.relational.keyed_writes
    assert save.columns == ("player", "game") and save.index is not None
    assert show(d.relational.indexes[save.index]) == "Score(player, game) unique live"
    assert "conflict target" in save.why
    assert drop.by_primary_key and drop.index is None
    assert d.relational.indexes[0].serves == ("save_score",)


# -- maintained aggregates -------------------------------------------------------------------------------------

COUNTER = HARD + """
entity Post {
  title     string(100)
  comments  int = count(Comment)
  flagged   int = count(Comment where hidden = true)
  volume 10k
}
entity Comment {
  post    Post
  hidden  bool
  volume 1M
}
write add_comment {
  insert Comment
  rate   30/s
}
write remove_comment {
  delete Comment by (id)
  rate   10/s
}
write edit_comment {
  update Comment by (id)
  rate   5/s
}
"""


def test_counter_write_amplification() -> None:
    d, _ = run(COUNTER)
    rates = {a.field: a.writes_per_s for a in d.relational.aggregates}
    assert rates == {"comments": 40.0, "flagged": 45.0}  # an update changes only the filtered count
    (why,) = [x.why for x in d.decisions if x.subject == Subject.of_field("Post", "comments")]
    assert why.startswith("every delete/insert of Comment also updates one Post row: +40 writes/s")
    d, diags = run(COUNTER, PG.model_copy(update={"triggers": False}))
    assert [x.code for x in diags] == ["SC0408", "SC0408"]


# -- policies ---------------------------------------------------------------------------------------------------

def test_row_level_security_or_a_diagnostic() -> None:
    d, diags = design(_example("course_platform"), PG, "postgres")
    assert d.relational.tenancy is not None and d.relational.tenancy.enforcement == "row_level_security"
    assert diags == []
    d, diags = design(_example("course_platform"), MYSQL, "mysql")
    assert d.relational.tenancy is not None and d.relational.tenancy.enforcement == "application"
    assert [x.code for x in diags] == ["SC0401"]
    assert "filter by tenant in the application" in diags[0].message


def test_gdpr_erasure_plan() -> None:
    d, _ = design(_example("commerce"), PG, "postgres")
    (plan,) = d.relational.erasure
    assert plan.entity == "Customer" and plan.action == "anonymise"
    assert plan.nullify == ("phone", "birth_date", "shipping_address")
    assert dict(plan.placeholders) == {"email": "erased+{id}@erased.invalid", "name": "erased-{id}"}
    d, _ = run("""
model app {
  compliance gdpr
}
entity Lead {
  email  email @pii
  volume 1k
}
""")
    assert [(p.entity, p.action) for p in d.relational.erasure] == [("Lead", "delete")]


def test_audit_plan() -> None:
    d, _ = design(_example("helpdesk"), PG, "postgres")
    audit = d.relational.audit
    assert audit is not None and audit.entities == ("Ticket",) and audit.mechanism == "trigger"


@pytest.mark.parametrize("family", ["document", "key_value"])
def test_a_family_without_a_planner_is_a_diagnostic(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(PLANNERS, family, raising=False)  # planners arrive with their targets
    d, diags = design(_example("commerce"), Capabilities(family=family), "nosql")  # type: ignore[arg-type]
    assert d is None
    assert [x.code for x in diags] == ["SC0400"]
    assert f"no planner for the {family} family" in diags[0].message


def test_a_batch_read_with_nothing_to_key_on_is_reported() -> None:
    d, diags = run(HARD + """
entity Log {
  line  text
  volume 1M
}
query dump {
  from  Log
  batch
}
""")
    assert [x.code for x in diags] == ["SC0404"]
    plan = d.relational.pattern("dump")
    assert plan is not None and plan.index is None and not plan.by_primary_key


def test_too_many_index_columns_is_reported() -> None:
    d, diags = run(HARD + """
entity Wide {
  a  int
  b  int
  c  int
  volume 1k
}
query q {
  from  Wide
  where a = ? and b = ? and c = ?
  rate  1/s
}
""", PG.model_copy(update={"max_index_columns": 2}))
    assert [x.code for x in diags] == ["SC0402"]
    assert indexes(d, "Wide") == ["Wide(a, b)"]


# -- growth --------------------------------------------------------------------------------------------------

def test_growth_estimates_and_revisit() -> None:
    d, _ = run(TENANT + """
entity Reading {
  sensor  string(20)
  value   float
  volume 50M
}
entity Small {
  n  int
}
""")
    g = {x.entity: x for x in d.growth}
    assert g["Reading"].row_bytes == 24 + 16 + 16 + 10 + 8 + 8 + 8  # header, id, org, sensor, value, created/updated
    assert g["Reading"].table_bytes == 50e6 * g["Reading"].row_bytes
    assert g["Reading"].revisit is not None and g["Reading"].revisit.startswith("hash-partition by org")
    assert g["Small"].rows_at_horizon == 10_000 and g["Small"].revisit is None
    assert decisions(d, "SC-VOL-01") == ["entity Small: volume assumed: 10k rows"]


# -- the course platform, end to end ---------------------------------------------------------------------------

def _example(name: str) -> Model:
    comp = compile_model(EXAMPLES / f"{name}.sdl")
    assert comp.ok and comp.model is not None
    return comp.model


def test_course_platform_indexes() -> None:
    d, diags = design(_example("course_platform"), PG, "postgres")
    assert diags == []
    assert indexes(d) == [
        "User(organization, email) unique live",
        "Course(organization, instructor) live",
        "Lesson(organization, course, position) unique live",
        "Enrollment(organization, student, course) unique live",
        "Enrollment(organization, course) live",
        "Enrollment(organization, student, created_at desc, id desc) live",
        "Progress(organization, enrollment, lesson) unique",
        "Progress(organization, lesson)",
        "Quiz(organization, lesson)",
        "QuizAttempt(organization, quiz, user, score)",
        "QuizAttempt(organization, user)",
        "Certificate(organization, user, course) unique",
        "Certificate(organization, course)",
    ]
    assert {p.query: served_by(d, p.query) for p in d.patterns} == {
        "student_courses": "Enrollment(organization, student, created_at desc, id desc) live",
        "instructor_courses": "Course(organization, instructor) live",
        "course_lessons": "Lesson(organization, course, position) unique live",
        "leaderboard": "QuizAttempt(organization, quiz, user, score)",
        "user_by_email": "User(organization, email) unique live",
    }
    instructor = d.relational.pattern("instructor_courses")
    assert instructor is not None
    assert [show(d.relational.indexes[i]) for i in instructor.lookups] == ["Enrollment(organization, course) live"]
    assert d.relational.keyed_writes[0].write == "record_progress"
    keyed = d.relational.keyed_writes[0]
    assert show(d.relational.indexes[keyed.index or 0]) == "Progress(organization, enrollment, lesson) unique"
    (agg,) = d.relational.aggregates
    assert (agg.entity, agg.field, agg.writes_per_s) == ("Enrollment", "lessons_completed", 300.0)


def test_every_decision_has_a_rule_and_a_why() -> None:
    for name in ("course_platform", "helpdesk", "commerce"):
        d, _ = design(_example(name), PG, "postgres")
        for x in d.decisions:
            assert x.rule and x.subject and x.choice and x.why, x
            assert "\n" not in x.why and "\n" not in x.choice
        for ix in d.relational.indexes:
            assert ix.why, ix


def test_deterministic_output() -> None:
    model = _example("helpdesk")
    first, d1 = design(model, PG, "postgres")
    second, d2 = design(_example("helpdesk"), PG, "postgres")
    assert first.model_dump(exclude={"model"}) == second.model_dump(exclude={"model"})
    assert d1 == d2
    assert render_decisions(first) == render_decisions(second)


def test_render_decisions_lists_every_decision_and_index() -> None:
    d, _ = design(_example("course_platform"), PG, "postgres")
    text = render_decisions(d)
    assert text.startswith("# Design decisions: course_platform on postgres")
    assert "| # | entity | columns | partial predicate | unique | include | serves |" in text
    assert "| 5 | Enrollment | organization, student, created_at desc, id desc | deleted_at is null |  |   | " \
           "student_courses |" in text
    for x in d.decisions:
        assert f"`{x.rule}`" in text and x.why in text


def test_declared_index_covered_by_another_is_not_created() -> None:
    d, _ = design(compile_text("""
        entity A {
          code string(20) @unique @index
          x int
          index (x)
          index (x, code)
        }
        query q { from A; where x = ? }
    """).model, PG, "postgres")
    assert indexes(d, "A") == ["A(code) unique live", "A(x, code) live"]
    assert decisions(d, "REL-I03") == [
        "index A(code): declared, not created: unique A(code) already starts with its columns",
        "index A(x): declared, not created: A(x, code) already starts with its columns"]
