"""The SDL 1.2 lint rules (compiler/check/sdl12.py) beyond their triggering and clean cases (those are in
tests/helpers/sdl12.py and run by tests/test_lint.py): which facts each rule reads."""

from __future__ import annotations

from schemac.compiler.check import RULES, LintConfig, run_checks
from schemac.compiler.design.model import Capabilities, Design, IndexPlan, RelationalLayout
from schemac.compiler.model import KeyPart, Model
from schemac.compiler.pipeline import compile_text
from schemac.diagnostics import Diagnostic
from tests.helpers.sdl12 import LINT_CASES, ORDERS

QUARTER = ("query rep_quarter {\n  from Order\n  where rep = ? and quarter(placed_at) = ?\n"
           "  select sum(total) as revenue\n}\n")


def lint(sdl: str, code: str, design: Design | None = None, model: Model | None = None) -> list[Diagnostic]:
    comp = compile_text(sdl, "case.sdl")
    assert comp.model is not None and comp.ok, [d.message for d in comp.diagnostics]
    return [d for d in run_checks(model or comp.model, design, LintConfig(), comp.sources) if d.code == code]


def design_with(model: Model, *keys: tuple[str, ...]) -> Design:
    indexes = tuple(IndexPlan(entity="Order", parts=tuple(KeyPart(field=f) for f in k), origin="access_pattern")
                    for k in keys)
    return Design(model=model, target="postgres", capabilities=Capabilities(family="relational"),
                  layout=RelationalLayout(indexes=indexes))


def model_of(sdl: str) -> Model:
    comp = compile_text(sdl, "case.sdl")
    assert comp.model is not None
    return comp.model


def test_rules_are_registered_with_references_and_fixes() -> None:
    for code in LINT_CASES:
        r = RULES[code]
        assert r.family == "sdl12" and r.fix and r.rationale and r.references and not r.needs_design


def test_bucket_uses_the_design_indexes_when_given() -> None:
    sdl = ORDERS + QUARTER
    m = model_of(sdl)
    (found,) = lint(sdl, "SC0360")
    assert "right after the query's equalities (rep)" in found.message and "2,000,000 rows" in found.message
    assert found.help == "add `index (rep, placed_at)` to `Order`"
    assert not lint(sdl, "SC0360", design_with(m, ("rep", "placed_at")))
    assert not lint(sdl, "SC0360", design_with(m, ("placed_at",)))
    assert lint(sdl, "SC0360", design_with(m, ("rep",), ("rep", "total", "placed_at")))


def test_bucket_served_by_an_index_another_query_derives_or_on_a_small_entity() -> None:
    other = "query by_rep {\n  from Order\n  where rep = ?\n  order placed_at desc\n  limit 20\n}\n"
    assert not lint(ORDERS + QUARTER + other, "SC0360")
    assert not lint(ORDERS.replace("volume 2M", "volume 5k") + QUARTER, "SC0360")
    assert not lint(ORDERS.replace("  volume 2M\n", "") + QUARTER, "SC0360")  # no volume: cannot tell


def test_union_skew_by_insert_rates() -> None:
    feed = ("entity Customer {\n  name string(100)\n}\nentity Click @append_only {\n  customer Customer\n}\n"
            "entity Order {\n  customer Customer\n}\n"
            "query feed {\n  from Click | Order\n  where customer = ?\n  order created_at desc\n  limit 20\n}\n"
            "write click {\n  insert Click\n  rate 2k/s\n}\nwrite order {\n  insert Order\n  rate 5/s\n}\n")
    (found,) = lint(feed, "SC0361")
    assert "Click inserts 2,000 rows/s, 400 times as many as Order" in found.message
    assert found.span is not None and (found.span.line, found.span.col) == (11, 16), found.span
    assert not lint(feed.replace("rate 5/s", "rate 50/s"), "SC0361")


def test_partial_update_read_through_an_include_or_a_union() -> None:
    base = ("entity Member {\n  name string(100)\n}\n"
            "entity Loan {\n  member Member\n  title string(100)\n  returned_at timestamp?\n}\n"
            "write return_loan {\n  update Loan (returned_at) by (id)\n}\n")
    include = "query member {\n  from Member\n  where name = ?\n  include Loan FIELDS\n}\n"
    assert not lint(base + include.replace(" FIELDS", ""), "SC0362")
    assert not lint(base + include.replace("FIELDS", "(title, returned_at)"), "SC0362")
    assert lint(base + include.replace("FIELDS", "(title)"), "SC0362")
    union = ("entity Fine {\n  member Member\n  title string(100)\n  returned_at timestamp?\n}\n"
             "query open {\n  from Fine | Loan\n  where member = ? and returned_at is null\n  select title\n}\n")
    assert not lint(base + union, "SC0362")  # Loan's returned_at filters the union's second branch


def test_expiring_tenant_root_and_explicit_restrict() -> None:
    sdl = ("entity Account {\n  name string(100)\n}\n"
           "entity Invite @hard_delete {\n  ends_at timestamp @expires\n}\n"
           "entity Signup {\n  invite Invite? @on_delete(restrict)\n  account Account\n}\n"
           "entity Visit {\n  invite Invite? @on_delete(set_null)\n}\n")
    (found,) = lint(sdl, "SC0363")
    assert found.span is not None and found.span.line == 8
    assert "`@on_delete(set_null)`" in (found.help or "") and "`Signup.invite`" in found.message
    tenant = ("model m {\n  tenant Org\n}\nentity Org {\n  name string(100)\n  trial_ends timestamp @expires\n}\n"
              "entity Note {\n  text string(100)\n}\n")
    (found,) = lint(tenant, "SC0363")
    assert "`Note.org` references `Org`" in found.message
