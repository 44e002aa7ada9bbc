"""SDL 1.2 (§5.2) diagnostics: every SC0216-SC0229 code, and the older codes the new constructs report, with
code, span (the offending token), message and fix; plus what must NOT be reported (fields called like
buckets, optional `@expires`, unions over references to the same entity)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.pipeline import compile_model, compile_text
from schemac.diagnostics import REGISTRY, Severity
from tests.helpers.sdl12_diagnostics import BASE, CASES

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "sdl12" / "model.sdl"

# older codes the new constructs report: (text after BASE, code, line, col, end col, message substring)
OLDER = {
    "union-unknown-entity": ("query q {\n  from Order | Invoce\n  where customer = ?\n}\n", "SC0102", 20, 16, 22,
                             "unknown entity `Invoce`; did you mean `Invoice`?"),
    "partial-unknown-field": ("write w {\n  update Order (totl) by (id)\n}\n", "SC0105", 20, 17, 21,
                              "unknown field `totl` in `Order`; did you mean `total`?"),
    "expires-on-type": ("type Window {\n  ends  timestamp @expires\n}\n", "SC0111", 20, 19, 27,
                        "`@expires` applies to a field of an entity"),
    "bucket-in-volume": ("entity Old {\n  at  timestamp\n  volume 5 where year(at) = 2020\n}\n", "SC0220", 21, 18, 22,
                         "cannot stand in a constant where clause"),
    "bucket-literal": ("query q {\n  from Order\n  where year(placed_at) = 2024\n}\n", "SC0220", 21, 9, 31,
                       "is compared with a parameter"),
    "select-unknown-func": ("query q {\n  from Order\n  where customer = ?\n  select quartr(placed_at)\n}\n", "SC0105",
                            22, 10, 16, "did you mean `quarter`?"),
    "select-bucket-not-time": ("query q {\n  from Order\n  where customer = ?\n  group month(total)\n}\n", "SC0218",
                               22, 15, 20, "`month(total)` needs a date or timestamp field"),
    "union-include": ("query q {\n  from Order | Invoice\n  where customer = ?\n  include customer\n}\n", "SC0207",
                      22, 11, 19, "takes no `include`"),
    "bucket-ungrouped": ("query q {\n  from Order\n  where customer = ?\n  group customer\n"
                         "  select customer, week(placed_at)\n}\n", "SC0207", 23, 20, 35,
                         "`week(placed_at)` is neither grouped nor aggregated"),
}


def _one(text: str, code: str, line: int, col: int, end_col: int):  # type: ignore[no-untyped-def]
    comp = compile_text(BASE + text, "t.sdl")
    found = [d for d in comp.diagnostics if d.code == code]
    shown = "\n".join(f"{d.code} {d.span} {d.message}" for d in comp.diagnostics)
    assert len(found) == 1, f"expected one {code}, got:\n{shown}"
    d = found[0]
    assert d.span is not None and (d.span.line, d.span.col, d.span.end_line, d.span.end_col) == (
        line, col, line, end_col), f"{code} at {d.span} ({d.span.end_col if d.span else ''}):\n{shown}"
    assert len(comp.diagnostics.items) == 1, f"one error per root cause:\n{shown}"
    return comp, d


@pytest.mark.parametrize("code", sorted(CASES))
def test_code(code: str) -> None:
    text, line, col, end_col, message, fix = CASES[code]
    comp, d = _one(text, code, line, col, end_col)
    assert message in d.message, d.message
    assert d.help is not None and fix in d.help, d.help
    assert d.severity is REGISTRY[code].severity is Severity.ERROR
    assert comp.model is None and not comp.ok


@pytest.mark.parametrize("name", sorted(OLDER))
def test_older_codes_on_new_constructs(name: str) -> None:
    text, code, line, col, end_col, message = OLDER[name]
    _, d = _one(text, code, line, col, end_col)
    assert message in d.message, d.message


def test_every_sdl12_code_is_registered_with_a_fix_and_tested() -> None:
    mine = {c for c in REGISTRY if "SC0216" <= c <= "SC0229"}
    assert mine == set(CASES)
    for code in mine:
        assert "Fix:" in REGISTRY[code].explanation, code


@pytest.mark.parametrize("text", [
    # fields called like buckets, in where, group, select and order; the bucket of such a field
    "entity Cal {\n  day  date\n  week  int\n  month  int\n  year  int\n  quarter  int\n}\n"
    "query q {\n  from Cal\n  where day = ? and week = ? and month(day) = ?\n  group year, quarter, day(day)\n"
    "  select year, quarter, day(day), count(*) as n\n}\n"
    "query r {\n  from Cal\n  where year = ?\n  order month desc, day\n}\n",
    # @expires on an optional timestamp: allowed (a row whose field is null never expires)
    "entity Token {\n  ends  timestamp? @expires\n}\nquery q {\n  from Token\n  where ends < ?\n}\n",
    # references to the same entity are the same type; lengths may differ
    "entity A {\n  customer  Customer\n  ref  string(10)\n}\nentity B {\n  customer  Customer\n  ref  string(40)\n}\n"
    "query q {\n  from A | B\n  where customer.email = ? and ref = ?\n  order created_at desc\n  limit 20\n}\n",
    # a partial update of an @owner reference (moving a child) and an optional field
    "write w {\n  update Line (order, qty) by (id)\n}\n",
])
def test_accepted(text: str) -> None:
    comp = compile_text(BASE + text, "t.sdl")
    assert comp.ok, "\n".join(f"{d.code} {d.span} {d.message}" for d in comp.diagnostics)


def test_fixture_model_resolves_to_the_contract() -> None:
    comp = compile_model(FIXTURE)
    assert comp.ok and not comp.diagnostics.items, [d.message for d in comp.diagnostics]
    m = comp.model
    assert m is not None
    q = {x.name: x for x in m.queries}
    totals = q["rep_quarter_totals"]
    assert [(p.steps, p.op, p.bucket) for p in totals.where] == [(("rep",), "=", None),
                                                                  (("placed_at",), "=", "quarter")]
    assert [p.name for p in totals.params] == ["rep_id", "placed_at_quarter"]
    assert [(k.steps, k.bucket) for k in totals.group] == [(("rep",), None), (("placed_at",), "quarter")]
    assert [(s.alias, s.bucket, s.func, s.steps) for s in totals.select] == [
        ("rep", None, None, ("rep",)), ("placed_at_quarter", "quarter", None, ("placed_at",)),
        ("revenue", None, "sum", ("total",)), ("orders", None, "count", ())]
    assert not totals.returns_one
    by_day = q["monthly_by_day_field"]
    assert [p.name for p in by_day.params] == ["customer_id", "day_month_from", "until"]
    assert [(s.alias, s.bucket) for s in by_day.select] == [("week_start", "week"), ("count", None)]
    assert [(p.name, p.field) for p in q["orders_on_day"].params] == [("day", "day"), ("placed_at_year", "placed_at")]
    activity = q["customer_activity"]
    assert activity.sources == ("Invoice", "Shipment", "Payment") and activity.entity == "Invoice"
    assert activity.is_union and not activity.returns_one
    assert q["session_by_token"].sources == ("Session",) and q["session_by_token"].returns_one
    w = {x.name: x for x in m.writes}
    assert (w["return_loan"].fields, w["return_loan"].by) == (("returned_at",), ("id",))
    assert w["touch_session"].fields == ("expires_at", "customer") and w["touch_session"].is_partial
    session = m.entity("Session")
    assert session.expires == "expires_at" and session.field("expires_at").expires  # type: ignore[union-attr]
    assert m.entity("Loan").expires is None


def test_bucket_params_between_and_named() -> None:
    comp = compile_text(BASE + "query q {\n  from Order\n  where customer = ? and week(placed_at) between ? and ?\n}\n"
                        "query r {\n  from Order\n  where day(placed_at) = :on\n}\n", "t.sdl")
    assert comp.ok and comp.model is not None
    q, r = comp.model.queries
    assert [p.name for p in q.params] == ["customer_id", "placed_at_week_from", "placed_at_week_to"]
    assert q.where[1].bucket == "week" and q.where[1].op == "between"
    assert [(p.name, p.field, p.entity) for p in r.params] == [("on", "placed_at", "Order")]
    assert not r.returns_one


def test_union_count_returns_one_and_limit_one() -> None:
    comp = compile_text(BASE + "query q {\n  from Order | Invoice\n  where customer = ?\n  select count(*) as n\n}\n",
                        "t.sdl")
    assert comp.ok and comp.model is not None and comp.model.queries[0].returns_one
