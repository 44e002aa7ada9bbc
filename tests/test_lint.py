"""Lint rules: for every rule in RULES, an input that triggers it and one that does not; the annotated
bad_*.sdl fixtures that together trigger every rule; the examples are clean (or the finding is in ALLOWED,
tests/helpers/lint.py, with its reason).

A `//!` at the end of a line in a triggering case marks where the rule must point: the rule's findings
must be on exactly the marked lines. Fixtures mark expected findings with `// expect: SC0xxx [SC0yyy]`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from schemac.backends import reserved_words
from schemac.compiler.check import RULES, LintConfig, run_checks
from schemac.compiler.design.model import (
    Design,
    IndexPlan,
    Operation,
    PatternPlan,
    RelationalAccess,
    RelationalLayout,
)
from schemac.compiler.model import KeyPart, Model
from schemac.compiler.pipeline import compile_model
from schemac.diagnostics import Diagnostic, Severity
from tests.helpers.lint import (
    ALLOWED,
    EXAMPLE_FILES,
    FIXTURE_FILES,
    DesignFactory,
    build,
    compile_ok,
    example_findings,
    lint,
    marked_lines,
    stub_design,
)
from tests.helpers.sdl12 import LINT_CASES as SDL12_LINT_CASES

# -- one triggering and one clean input per rule ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    bad: str
    good: str
    design: DesignFactory | None = None  # used for both inputs unless good_design is given
    good_design: DesignFactory | None = None
    mutate: Callable[[Model], Model] | None = field(default=None, compare=False)
    target: str | None = None  # built for this target: its real design and catalog (for the catalog rules)


def _drop_pk(model: Model) -> Model:
    entities = tuple(e.model_copy(update={"primary_key": ()}) if e.name == "Post" else e for e in model.entities)
    return model.model_copy(update={"entities": entities})


def _index_on_title(model: Model) -> Design:
    d = stub_design(model)
    ix = IndexPlan(entity="Post", parts=(KeyPart(field="title"),), origin="access_pattern", serves=("by_title",))
    plan = PatternPlan(query="by_title", entity="Post", operation=Operation.INDEX_SCAN, equality=("title",))
    access = RelationalAccess(query="by_title", index=0, equality=("title",))
    return d.model_copy(update={"layout": RelationalLayout(indexes=(ix,), access=(access,)), "patterns": (plan,)})


POST = "entity Post {\n  title string(100)\n}\n"
SCORED = "entity Post {\n  title string(100)\n  score int check (>= 0)\n}\n"
POSTS_AND_COMMENTS = ("entity Post {\n  title string(100)\n  volume 1k\n}\n"
                      "entity Comment {\n  post Post @owner\n  volume 1M\n}\n")

CASES: dict[str, Case] = {
    "SC0301": Case(
        bad="model m {\n  ids bigint\n}\nentity Post {  //!\n  title string(100)\n}\n"
            "query post { from Post; where id = ? }\n",
        good="model m {\n  ids uuid7\n}\n" + POST + "query post { from Post; where id = ? }\n"),
    "SC0302": Case(
        bad="entity Post {\n  id int  //!\n  title string(100)\n}\n",
        good="entity Post {\n  id bigint\n  title string(100)\n}\n"),
    "SC0303": Case(bad="entity Post {  //!\n  title string(100)\n}\n", good=POST, mutate=_drop_pk),
    "SC0304": Case(
        bad="entity Customer {\n  name string(100)\n}\nentity Invoice {\n  customer_id uuid  //!\n}\n",
        good="entity Customer {\n  name string(100)\n}\nentity Invoice {\n  customer Customer\n}\n"),
    "SC0305": Case(
        bad="model m {\n  tenant Org\n}\nentity Org {\n  name string(100)\n}\nentity User {\n  name string(100)\n}\n"
            "entity Country @global {\n  curator User  //!\n}\n",
        good="model m {\n  tenant Org\n}\nentity Org {\n  name string(100)\n}\nentity User {\n  name string(100)\n}\n"
             "entity Country @global {\n  code2 string(2)\n}\n"),
    "SC0306": Case(
        bad="entity Post {\n  title string(100)\n  created_at timestamp?  //!\n}\n",
        good="entity Post {\n  title string(100)\n  created_at timestamp = now\n}\n"),
    "SC0307": Case(
        bad="entity Post {\n  title string(100)\n  last_modified timestamp  //!\n}\n",
        good="entity Post {\n  title string(100)\n  published_at timestamp?\n}\n"),
    "SC0308": Case(
        bad="entity Post {\n  title string(100)\n  published_at string(32)?  //!\n}\n",
        good="entity Post {\n  title string(100)\n  published_at timestamp?\n}\n"),
    "SC0310": Case(
        bad="entity Author {\n  name string(100)\n}\nentity Post {\n  author Author  //!\n}\n",
        good="entity Author {\n  name string(100)\n}\nentity Post {\n  author Author\n}\n",
        design=stub_design, good_design=lambda m: stub_design(m, index_refs=True)),
    "SC0311": Case(
        bad="entity Post {\n  title string(100)\n  rank_no int\n  index (title)  //!\n  index (title, rank_no)\n}\n",
        good="entity Post {\n  title string(100)\n  rank_no int\n  index (title, rank_no)\n}\n"),
    "SC0312": Case(
        bad="entity Post {\n  a int\n  b int\n  c int\n  d int\n  e int\n  index (a, b, c, d, e)  //!\n}\n",
        good="entity Post {\n  a int\n  b int\n  c int\n  d int\n  e int\n  index (a, b, c, d)\n}\n"),
    "SC0313": Case(
        bad="entity Part {  //!\n" + "".join(f"  f{i} int\n" for i in range(11)) + "}\n"
            + "".join(f"query by_f{i} {{ from Part; where f{i} = ? }}\n" for i in range(11))
            + "write add_part {\n  insert Part\n  rate 20/s\n}\n",
        good="entity Part {\n" + "".join(f"  f{i} int\n" for i in range(10)) + "}\n"
             + "".join(f"query by_f{i} {{ from Part; where f{i} = ? }}\n" for i in range(10)),
        design=lambda m: stub_design(m, serve=True)),
    "SC0315": Case(
        bad="model m {\n  deletes hard\n}\n" + POST + "write remove_post {\n  delete Post by (id)  //!\n}\n",
        good="model m {\n  deletes hard\n}\nentity Post @hard_delete {\n  title string(100)\n}\n"
             "write remove_post {\n  delete Post by (id)\n}\n"),
    "SC0316": Case(
        bad="entity Author {\n  name string(100)\n}\nentity Post {\n  author Author @on_delete(cascade)  //!\n}\n",
        good="entity Author {\n  name string(100)\n}\nentity Post {\n  author Author @owner\n}\n"),
    "SC0320": Case(
        bad="entity Post {\n  token string(64)?  //!\n}\nquery by_token { from Post; where token = ? }\n",
        good="entity Post {\n  token string(64)\n}\nquery by_token { from Post; where token = ? }\n"),
    "SC0321": Case(
        bad="entity Post {  //!\n  a string(9)?\n  b string(9)?\n  c string(9)?\n  d string(9)\n}\n",
        good="entity Post {\n  a string(9)?\n  b string(9)?\n  c string(9)\n  d string(9)\n}\n"),
    "SC0322": Case(
        bad="entity Item {\n  unit_price money  //!\n}\n",
        good="entity Item {\n  unit_price money check (>= 0)\n}\n"),
    "SC0323": Case(
        bad="entity Account {\n  username string(40)  //!\n}\n",
        good="entity Account {\n  username string(40) @unique\n}\n"),
    "SC0325": Case(
        bad="entity Item {\n  price float check (>= 0)  //!\n}\n",
        good="entity Item {\n  price money check (>= 0)\n}\n"),
    "SC0326": Case(
        bad="entity Item {\n  color enum(a, b, c, d, e, f, g, h, i, j, k)  //!\n}\n",
        good="entity Item {\n  color enum(a, b, c, d, e, f, g, h, i, j)\n}\n"),
    "SC0327": Case(
        bad="entity Task {\n  level enum(low, normal, high)\n}\n"
            "entity Bug {\n  level enum(low, normal, high)  //!\n}\n",
        good="entity Task {\n  level enum(low, normal, high)\n}\n"
             "entity Bug {\n  level enum(minor, major, blocker)\n}\n"),
    "SC0330": Case(
        bad="entity Post {\n  meta json  //!\n}\nquery by_meta { from Post; where meta = ? }\n",
        good="entity Post {\n  meta json\n  kind string(20)\n}\nquery by_kind { from Post; where kind = ? }\n"),
    "SC0331": Case(
        bad="entity Post {\n  meta json\n  unique (meta)  //!\n}\n",
        good="entity Post {\n  meta json\n  digest string(64)\n  unique (digest)\n}\n"),
    "SC0332": Case(
        bad="entity Account {\n  settings json  //!\n}\n",
        good="entity Account {\n  payload json\n}\n"),
    "SC0335": Case(
        bad="entity blog_post {  //!\n  title string(100)\n}\n",
        good="entity BlogPost {\n  title string(100)\n}\n"),
    "SC0336": Case(
        bad="entity Post {\n  " + "very_" * 13 + "long_name string(10)  //!\n}\n",
        good="entity Post {\n  " + "very_" * 5 + "long_name string(10)\n}\n", target="postgres"),
    "SC0337": Case(
        bad="entity Step {\n  order int check (>= 0)  //!\n}\n",
        good="entity Step {\n  sort_order int check (>= 0)\n}\n", target="postgres"),
    "SC0340": Case(
        bad="model m {\n  compliance gdpr  //!\n}\nentity Account {\n  email email @pii @unique\n}\n",
        good="model m {\n  compliance gdpr\n  audit on\n}\nentity Account @audited {\n  email email @pii @unique\n}\n"),
    "SC0345": Case(
        bad=POST + "query by_title {  //!\n  from Post\n  where title = ?\n}\n",
        good=POST + "query by_title {\n  from Post\n  where title = ?\n}\n",
        design=stub_design, good_design=_index_on_title),
    "SC0346": Case(
        bad="entity Post {\n  title string(100)\n  volume 1M\n}\n"
            "query by_title {\n  from Post\n  where title = ?\n  order created_at desc  //!\n}\n",
        good="entity Post {\n  title string(100)\n  volume 1M\n}\n"
             "query by_title {\n  from Post\n  where title = ?\n  order created_at desc\n  limit 20\n}\n"),
    "SC0347": Case(
        bad="entity Author {\n  name string(100)\n}\nentity Post {\n  author Author\n  rank_no int\n}\n"
            "query ranked {\n  from Post\n  where rank_no > ?\n  order author.name  //!\n  limit 20\n}\n",
        good="entity Author {\n  name string(100)\n}\nentity Post {\n  author Author\n  rank_no int\n}\n"
             "query ranked {\n  from Post\n  where rank_no > ?\n  order rank_no\n  limit 20\n}\n"),
    "SC0349": Case(
        bad=SCORED + "query top {\n  from Post\n  where title = ?\n  order score desc  //!\n  limit 10\n}\n",
        good=SCORED + "query top {\n  from Post\n  where title = ?\n  order score desc\n  limit 10\n}\n",
        design=lambda m: stub_design(m, serve=True, tiebreak=False),
        good_design=lambda m: stub_design(m, serve=True)),
    "SC0348": Case(
        bad=POSTS_AND_COMMENTS + "query post {\n  from Post\n  where id = ?\n  include Comment  //!\n}\n",
        good=POSTS_AND_COMMENTS + "query post {\n  from Post\n  where id = ?\n"
                                  "  include Comment (order created_at desc, limit 20)\n}\n"),
    "SC0350": Case(
        bad="entity Reading {\n  value float\n  volume 50M  //!\n}\n",
        good="entity Reading {\n  value float\n  volume 5M\n}\n",
        design=stub_design),
    "SC0351": Case(
        bad="entity Post {\n  published bool\n  index (published)  //!\n}\n",
        good="entity Post {\n  published bool\n  index (published)\n}\n"
             "query drafts { from Post; where published = false }\n"),
    "SC0355": Case(
        bad="entity Account {\n  email email @pii @unique  //!\n}\n",
        good="model m {\n  compliance gdpr\n}\nentity Account {\n  email email @pii @unique\n}\n"),
    "SC0356": Case(
        bad="model m {\n  compliance gdpr\n}\nentity Account {  //!\n  email email @pii @unique\n}\n",
        good="model m {\n  compliance gdpr\n}\nentity Account {\n  email email @pii @unique\n}\n",
        design=stub_design, good_design=lambda m: stub_design(m, erase=True)),
    "SC0357": Case(
        bad="model m {\n  compliance gdpr\n  audit on\n}\nentity Account {  //!\n  email email @pii @unique\n}\n",
        good="model m {\n  compliance gdpr\n  audit on\n}\nentity Account @audited {\n  email email @pii @unique\n}\n"),
    "SC0399": Case(
        bad="entity Item {\n  // schemac: ignore SC0322  //!\n  weight_kg int\n}\n",
        good="entity Item {\n  // schemac: ignore SC0322\n  unit_price money\n}\n"),
}


CASES.update({code: Case(bad=bad, good=good) for code, (bad, good) in SDL12_LINT_CASES.items()})


def test_every_rule_has_a_triggering_and_a_clean_case() -> None:
    assert sorted(CASES) == sorted(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_triggers_on_the_marked_lines(code: str) -> None:
    case = CASES[code]
    found = [d for d in lint(case.bad, case.design, mutate=case.mutate, target=case.target) if d.code == code]
    assert found, f"{code} ({RULES[code].name}) did not fire"
    assert {d.span.line for d in found if d.span} == marked_lines(case.bad)
    rule = RULES[code]
    for d in found:
        assert d.severity is rule.severity
        assert d.help, "every finding carries a fix"
        assert "{" not in d.message and "None" not in d.message, d.message


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_stays_quiet_on_the_clean_case(code: str) -> None:
    case = CASES[code]
    design = case.good_design or case.design
    found = [d for d in lint(case.good, design, target=case.target) if d.code == code]
    assert not found, [d.message for d in found]


@pytest.mark.parametrize("code", sorted(r.code for r in RULES.values() if r.needs_design))
def test_design_rules_do_not_run_without_a_design(code: str) -> None:
    case = CASES[code]
    assert not [d for d in lint(case.bad, None) if d.code == code]


@pytest.mark.parametrize("code", sorted(r.code for r in RULES.values() if r.needs_catalog))
def test_catalog_rules_run_only_on_what_a_backend_emitted(code: str) -> None:
    case = CASES[code]
    assert case.target is not None
    assert not [d for d in lint(case.bad, None) if d.code == code]
    assert not [d for d in lint(case.bad, stub_design) if d.code == code]


def test_registry_entries_are_complete() -> None:
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    for r in RULES.values():
        assert re.fullmatch(r"SC03\d\d", r.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
        assert r.rationale and r.fix and r.references, r.code
        assert r.severity is not Severity.ERROR or r.code in ("SC0303", "SC0336"), \
            "errors are for things that break, never for heuristics"


def test_references_name_known_tools_and_every_rule_is_documented() -> None:
    from schemac.compiler.check import explain, rules_markdown
    from schemac.compiler.check.base import TOOLS, expand_reference

    for r in RULES.values():
        for ref in r.references:
            head = ref.split(" ")[0].split("-")[0]
            assert ref == "(original)" or re.fullmatch(r"D\d\d", head) or head in TOOLS, (r.code, ref)
            assert expand_reference(ref) != ref or ref.startswith(("D", "REL", "MDB", "DDB"))
        doc = explain(r.code)
        assert doc is not None and r.name in doc and r.fix in doc
        assert explain(r.name) == doc
    assert explain("SC0000") is None
    table = rules_markdown()
    assert all(f"| {code} | {r.name} |" in table for code, r in RULES.items())
    d_ids = {ref for r in RULES.values() for ref in r.references if re.fullmatch(r"D\d\d", ref)}
    # the anchors' design-state rules that apply to a compiler's input are all cited
    assert {"D01", "D02", "D04", "D06", "D07", "D08", "D09", "D10", "D11", "D13", "D14", "D15", "D16", "D17",
            "D18", "D19", "D20", "D21", "D22"} <= d_ids


# -- specific behaviour -------------------------------------------------------------------------------------------


def test_messages_name_the_numbers() -> None:
    sdl = ("entity Lesson {\n  title string(100)\n  volume 5M\n}\n"
           "query all_lessons {\n  from Lesson\n  where title = ?\n  order created_at\n}\n")
    (d,) = [x for x in lint(sdl) if x.code == "SC0346"]
    assert "5,000,000 rows" in d.message and "all_lessons" in d.message


@pytest.mark.parametrize(("sdl", "code", "fires"), [
    ("entity Customer {\n  name string(9)\n}\nentity Sub {\n  stripe_customer_id string(64)\n}\n", "SC0304", False),
    ("entity Trip {\n  total_distance float\n}\n", "SC0325", False),
    ("entity Order {\n  order_total float\n}\n", "SC0325", True),
    ("model m {\n  audit off\n}\nentity Lease {\n  kind enum(owner, tenant)\n}\n", "SC0340", False),
    ("model m {\n  audit off\n}\nentity Member {\n  role enum(member, owner)\n}\n", "SC0340", True),
    ("entity Log @append_only {\n  email email\n}\n", "SC0323", False),
    ("entity Ticket {\n  agent_id uuid\n}\n", "SC0304", False),
])
def test_heuristics_on_near_misses(sdl: str, code: str, fires: bool) -> None:
    assert bool([d for d in lint(sdl) if d.code == code]) is fires


def test_order_without_limit_spares_small_results_per_parent() -> None:
    sdl = ("entity Course {\n  title string(100)\n  volume 5k\n}\n"
           "entity Lesson {\n  course Course @owner\n  position int check (>= 0)\n  volume 100k\n}\n"
           "query course_lessons {\n  from Lesson\n  where course = ?\n  order position\n}\n")
    assert not [d for d in lint(sdl) if d.code == "SC0346"]


def test_integer_ids_in_a_tenant_model_are_flagged_without_exposure() -> None:
    sdl = ("model m {\n  tenant Org\n  ids bigint\n}\nentity Org {\n  name string(100)\n}\n"
           "entity Note {\n  body text\n}\n")
    found = [d for d in lint(sdl) if d.code == "SC0301"]
    assert [d.message.split("`")[1] for d in found] == ["Note"]
    assert "merged" in found[0].message


def test_duplicate_index_of_a_unique_and_identical_indexes() -> None:
    sdl = ("entity Post {\n  slug string(100) @unique @index\n  title string(100)\n"
           "  index (title)\n  index (title)\n}\n")
    found = sorted((d.span.line, d.message) for d in lint(sdl) if d.code == "SC0311" and d.span)
    assert [line for line, _ in found] == [2, 5]
    assert "unique (slug)" in found[0][1]


def test_offset_pagination_with_a_design_that_does_not_deliver_the_order() -> None:
    sdl = ("entity Post {\n  title string(100)\n  score int check (>= 0)\n}\n"
           "query top {\n  from Post\n  where title = ?\n  order score desc\n  limit 10\n}\n")

    def wrong_sort(model: Model) -> Design:
        d = stub_design(model, serve=True)
        plan = d.patterns[0].model_copy(update={"sort": ("created_at",)})
        return d.model_copy(update={"patterns": (plan,)})

    def no_tiebreak(model: Model) -> Design:
        d = stub_design(model, serve=True)
        plan = d.patterns[0].model_copy(update={"sort": ("score",)})
        return d.model_copy(update={"patterns": (plan,)})

    assert not [d for d in lint(sdl, lambda m: stub_design(m, serve=True)) if d.code == "SC0347"]
    (bad,) = [d for d in lint(sdl, wrong_sort) if d.code == "SC0347"]
    assert "does not deliver" in bad.message
    assert not [d for d in lint(sdl, no_tiebreak) if d.code == "SC0347"]  # SC0349 reports that one


def test_reserved_words_are_checked_where_sql_is_emitted_only() -> None:
    sdl = CASES["SC0337"].bad
    for target, title in (("postgres", "PostgreSQL"), ("mysql", "MySQL")):  # the words of the target built
        (d,) = [d for d in lint(sdl, target=target) if d.code == "SC0337"]
        assert d.message == f"column name `order` is a reserved word in {title}"
    rows = "entity Row {\n  rank int check (>= 0)\n  user string(40)\n}\n"  # MySQL's words; `user` PostgreSQL's
    assert {d.message.split("`")[1] for d in lint(rows, target="mysql") if d.code == "SC0337"} == {"rows", "rank"}
    assert {d.message.split("`")[1] for d in lint(rows, target="postgres") if d.code == "SC0337"} == {"user"}
    for target in ("mongodb", "dynamodb"):
        assert not [d for d in lint(sdl, target=target) if d.code == "SC0337"]


def test_a_name_cut_short_is_judged_by_the_name_the_model_implies() -> None:
    """The backend emits a too-long name cut short with a hash; the finding names both, and the emitted one is
    the catalog's (what the table really has), never re-derived here."""
    long = "very_" * 13 + "long_name"
    sdl = f"entity Post {{\n  {long} string(10)\n  author_{long} Author\n}}\nentity Author {{\n  name string(10)\n}}\n"
    model = compile_ok(sdl)[0]
    for target, limit in (("postgres", 63), ("mysql", 64)):
        _, catalog = build(model, target)
        emitted = {m.shortened_from: m.name for m in catalog.tables["posts"].members if m.shortened_from}
        assert set(emitted) == {long, f"author_{long}_id"}
        assert all(len(name) <= limit < len(wanted) for wanted, name in emitted.items())
        found = [d for d in lint(sdl, target=target) if d.code == "SC0336"]
        assert sorted(d.span.line for d in found if d.span) == [2, 3]
        for d in found:
            wanted = next(w for w in emitted if f"`{w}`" in d.message)
            assert f"{target} allows {limit}" in d.message
            assert d.help is not None and f"emits it as `{emitted[wanted]}`" in d.help


def test_fk_index_past_the_tenant_column_counts() -> None:
    sdl = ("model m {\n  tenant Org\n}\nentity Org {\n  name string(100)\n}\n"
           "entity Author {\n  name string(100)\n}\nentity Post {\n  author Author\n}\n")
    assert not [d for d in lint(sdl, lambda m: stub_design(m, index_refs=True)) if d.code == "SC0310"]
    found = [d for d in lint(sdl, stub_design) if d.code == "SC0310"]
    assert {d.message.split("`")[1] for d in found} == {"Post.author", "Post.org", "Author.org"}


# -- fixtures: deliberately bad models, annotated -----------------------------------------------------------------

EXPECT = re.compile(r"//\s*expect:\s*(?P<codes>(SC\d{4}[\s,]*)+)")


def expected(text: str) -> set[tuple[int, str]]:
    out = set()
    for i, line in enumerate(text.splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out |= {(i, c) for c in re.findall(r"SC\d{4}", m.group("codes"))}
    return out


def lint_fixture(path: Path) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    comp = compile_model(path)
    assert comp.model is not None and comp.ok, [d.message for d in comp.diagnostics]
    design = None
    if path.stem.endswith("_design"):  # queries named served_* get an index without a tie-breaker
        served = {q.name for q in comp.model.queries if q.name.startswith("served_")}
        design = stub_design(comp.model, serve=served, tiebreak=False)
    catalog = None if design is not None else build(comp.model, "postgres")[1]  # the names it really emits
    diags = run_checks(comp.model, design, LintConfig(), comp.sources, reserved=reserved_words(), catalog=catalog)
    found = {(d.span.line, d.code) for d in diags if d.span}
    return found, expected(comp.sources[next(iter(comp.sources))])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_findings_match_its_annotations(path: Path) -> None:
    found, wanted = lint_fixture(path)
    assert sorted(found - wanted) == [], "unexpected findings"
    assert sorted(wanted - found) == [], "expected findings that did not occur"


# Rules no SDL text can trigger, with the reason (their CASES entry builds the IR by hand).
NOT_FROM_SDL = {"SC0303": "the resolver gives every entity a primary key; the rule guards IR built otherwise"}


def test_fixtures_together_trigger_every_rule() -> None:
    codes = set()
    for path in FIXTURE_FILES:
        found, _ = lint_fixture(path)
        codes |= {code for _, code in found}
    assert sorted(set(RULES) - codes - set(NOT_FROM_SDL)) == []


# -- the examples: clean, or each warning allowed here with a reason ----------------------------------------------

def _allowed(path: Path, d: Diagnostic) -> tuple[str, str, str] | None:
    for key in ALLOWED:
        file, code, subject = key
        if file == path.name and code == d.code and subject in d.message:
            return key
    return None


def test_examples_have_no_warnings_or_errors_beyond_the_allow_list() -> None:
    used = set()
    problems = []
    for path in EXAMPLE_FILES:
        for d in example_findings(path):
            if d.severity is Severity.INFO:
                continue
            key = _allowed(path, d)
            if key is None:
                problems.append(f"{d.span}: {d.code} {d.message}")
            else:
                used.add(key)
    assert problems == []
    assert sorted(set(ALLOWED) - used) == [], "allow-list entries that no longer occur: remove them"


def test_reserved_words_in_a_summary_table_point_at_its_query() -> None:
    sdl = ("model shop {\n  horizon 2 years\n}\nentity Sale {\n  region enum(north, south)\n  amount money\n"
           "  volume 5M\n}\nquery by_region {\n  from Sale\n  where month(created_at) between ? and ?\n"
           "  group month(created_at), region\n  select sum(amount) as rank, count(*) as sales\n  rate 5/s\n}\n")
    (d,) = [d for d in lint(sdl, target="mysql") if d.code == "SC0337"]
    assert d.message == "column name `rank` is a reserved word in MySQL"
    assert d.span is not None and d.span.line == 9 and d.help is not None and "alias" in d.help
