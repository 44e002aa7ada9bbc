"""Parser tests: every construct of SDL.md §1-§5.1 parses and lands in the IR with the meaning given there.

Each test compiles a small SDL text with `compile_text` and asserts on the resulting `Model`; most are
table-driven (one row per construct). Failures print the rendered diagnostics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from schemac.compiler.model import (
    Const,
    FieldKind,
    FieldOrigin,
    Model,
    OnDelete,
    Param,
    Predicate,
    Query,
    ScalarKind,
)
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))


def compile_ok(text: str) -> Model:
    comp = compile_text(text, "t.sdl")
    errors = [render(d, comp.sources) for d in comp.diagnostics if d.is_error]
    assert not errors, "\n".join(errors)
    assert comp.model is not None
    return comp.model


def query(model: Model, name: str) -> Query:
    return next(q for q in model.queries if q.name == name)


def pred(p: Predicate) -> tuple[Any, ...]:
    """A predicate as (steps, op, value, value2): a Param as `?name`, a Const as its value."""

    def v(x: Param | Const | None) -> Any:
        if isinstance(x, Param):
            return f"?{x.name}"
        return x.value if isinstance(x, Const) else None

    return (".".join(p.steps), p.op, v(p.value), v(p.value2))


# -- the examples and the spec's own snippets -------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_compile_without_diagnostics(path: Path) -> None:
    comp = compile_model(path)
    assert comp.ok, "\n".join(render(d, comp.sources) for d in comp.diagnostics)
    assert [d.code for d in comp.diagnostics] == []


def test_examples_exist() -> None:
    assert {p.name for p in EXAMPLES} >= {"course_platform.sdl", "commerce.sdl", "helpdesk.sdl"}


SPEC_5_1 = """
model shop { horizon 12 months }
entity Customer {
  email email @unique
  name  string(100)
}
entity Product {
  slug  string(160) @unique
  name  string(255)
  price money
}
entity Review {
  product Product
  stars   smallint check (1..5)
}
query customer_orders {
  from    Order
  where   customer.email = ?                // a path: each step follows a many-to-one reference
  order   created_at desc
  include LineItem (quantity, product (name, price))  // children, chosen fields, each one's product
  limit   20
  rate    300/s
}
query product_page {
  from    Product
  where   slug = ?
  include Review (order created_at desc, limit 5)     // a bounded subset of a child: the five newest
  rate    2k/s
}
entity Order {
  customer  Customer
  status    enum(open, shipped, closed)
  volume 3M
  volume 600k where status = open           // rows matching a constant predicate at the horizon
  size   250 bytes                          // average stored row/item size (else estimated from types)
}
entity LineItem {
  order    Order @owner
  product  Product
  quantity int
}
entity PriceList @versioned {             // every change kept as a numbered version; reads see the latest
  amount  money
}
action account_home { customer_orders, product_page }  // queries that run together for one user action
query open_orders_export { from Order; where status = open; batch }  // an export: may fan out in parallel
"""


def test_spec_section_5_1_compiles() -> None:
    m = compile_ok(SPEC_5_1)
    assert [q.name for q in m.queries] == ["customer_orders", "product_page", "open_orders_export"]
    assert query(m, "customer_orders").actions == ("account_home",)
    assert query(m, "open_orders_export").batch
    assert m.entity("Order").size_bytes == 250
    assert m.entity("PriceList").versioned


# -- the model block --------------------------------------------------------------------------------------

ENTITIES = "entity Org { name string(10) }\nentity Item { label string(10) }\n"


@pytest.mark.parametrize(("setting", "expected"), [
    ("tenant Org", {"tenant": "Org"}),
    ("ids uuid7", {"ids": "uuid7"}),
    ("ids uuid4", {"ids": "uuid4"}),
    ("ids bigint", {"ids": "bigint"}),
    ("deletes soft", {"deletes": "soft"}),
    ("deletes hard", {"deletes": "hard"}),
    ("horizon 18 months", {"horizon_months": 18}),
    ("horizon 1 month", {"horizon_months": 1}),
    ("horizon 2 years", {"horizon_months": 24}),
    ("horizon 1 year", {"horizon_months": 12}),
    ("compliance gdpr", {"compliance": "gdpr"}),
    ("compliance none", {"compliance": "none"}),
    ("audit on", {"audit": True}),
    ("audit off", {"audit": False}),
])
def test_model_setting(setting: str, expected: dict[str, Any]) -> None:
    m = compile_ok(f"model shop {{\n  {setting}   // a comment\n}}\n{ENTITIES}")
    assert m.settings.name == "shop"
    for key, value in expected.items():
        assert getattr(m.settings, key) == value


def test_model_block_defaults() -> None:
    m = compile_ok("model shop {}\n" + ENTITIES)
    s = m.settings
    assert (s.name, s.tenant, s.ids, s.deletes, s.compliance, s.audit) == (
        "shop", None, "uuid7", "soft", "none", False)


def test_no_model_block_names_the_model_after_the_file() -> None:
    comp = compile_text(ENTITIES, "billing.sdl")
    assert comp.model is not None and comp.model.settings.name == "billing"


def test_model_block_settings_on_one_line_with_semicolons() -> None:
    m = compile_ok("model m { tenant Org; ids bigint; deletes hard; horizon 3 years; compliance gdpr; "
                   "audit on }\n" + ENTITIES)
    s = m.settings
    assert (s.tenant, s.ids, s.deletes, s.horizon_months, s.compliance, s.audit) == (
        "Org", "bigint", "hard", 36, "gdpr", True)


def test_course_platform_model_block() -> None:
    m = compile_model(ROOT / "examples" / "course_platform.sdl").model
    assert m is not None
    s = m.settings
    assert (s.name, s.tenant, s.ids, s.deletes, s.horizon_months, s.compliance, s.audit) == (
        "course_platform", "Organization", "uuid7", "soft", 18, "gdpr", True)


# -- import -----------------------------------------------------------------------------------------------


def test_import_follows_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "main.sdl").write_text('import "billing.sdl"\nimport "shared/users.sdl"\n'
                                       "model app { horizon 12 months }\n"
                                       "entity Order { customer Customer\n invoice Invoice? }\n")
    (tmp_path / "billing.sdl").write_text('import "shared/users.sdl"  // imported twice: read once\n'
                                          "entity Invoice { customer Customer\n amount money }\n")
    (tmp_path / "shared" / "users.sdl").write_text("entity Customer { email email @unique }\n")
    monkeypatch.chdir(tmp_path)
    comp = compile_model(Path("main.sdl"))
    assert comp.ok, "\n".join(render(d, comp.sources) for d in comp.diagnostics)
    m = comp.model
    assert m is not None
    assert sorted(e.name for e in m.entities) == ["Customer", "Invoice", "Order"]
    assert sorted(m.files) == sorted(["main.sdl", "billing.sdl", str(Path("shared") / "users.sdl")])
    assert m.entity("Order").field("invoice").target == "Invoice"  # type: ignore[union-attr]
    assert m.entity("Customer").span.file == str(Path("shared") / "users.sdl")


# -- entities and modifiers -------------------------------------------------------------------------------

MODIFIER_MODEL = "model m { tenant Org\n audit on }\nentity Org { name string(10) }\n"


@pytest.mark.parametrize(("modifier", "expected"), [
    ("", {"append_only": False, "hard_delete": False, "soft_delete": True, "global_": False,
          "audited": False, "versioned": False, "table_name": None, "collection_name": None, "doc": None}),
    ("@append_only", {"append_only": True, "soft_delete": False}),
    ("@hard_delete", {"hard_delete": True, "soft_delete": False}),
    ("@global", {"global_": True}),
    ("@audited", {"audited": True}),
    ("@versioned", {"versioned": True}),
    ('@table("legacy_items")', {"table_name": "legacy_items"}),
    ('@collection("items_v2")', {"collection_name": "items_v2"}),
    ('@doc("Things we sell — “quoted”")', {"doc": "Things we sell — “quoted”"}),
    ('@global @audited @table("t") @doc("d")', {"global_": True, "audited": True, "table_name": "t",
                                                 "doc": "d"}),
])
def test_entity_modifier(modifier: str, expected: dict[str, Any]) -> None:
    m = compile_ok(MODIFIER_MODEL + f"entity Item {modifier} {{\n  label string(10)\n}}\n")
    e = m.entity("Item")
    for key, value in expected.items():
        assert getattr(e, key) == value, key


@pytest.mark.parametrize(("modifier", "implicit"), [
    ("", ["id", "org", "created_at", "updated_at", "deleted_at"]),
    ("@append_only", ["id", "org", "created_at"]),
    ("@hard_delete", ["id", "org", "created_at", "updated_at"]),
    ("@global", ["id", "created_at", "updated_at", "deleted_at"]),
    ("@versioned", ["id", "org", "version", "created_at", "updated_at", "deleted_at"]),
])
def test_entity_modifier_implicit_fields(modifier: str, implicit: list[str]) -> None:
    m = compile_ok(MODIFIER_MODEL + f"entity Item {modifier} {{ label string(10) }}\n")
    names = [f.name for f in m.entity("Item").fields]
    assert [x for x in names if x != "label"] == implicit


def test_value_type_declaration() -> None:
    m = compile_ok("type Address {\n  city string(100)\n  zip  string(10)?\n}\n"
                   "entity Customer { home Address\n  work Address? }\n")
    t = m.value_type("Address")
    assert [(f.name, f.scalar.kind, f.optional) for f in t.fields if f.scalar] == [
        ("city", ScalarKind.STRING, False), ("zip", ScalarKind.STRING, True)]
    c = m.entity("Customer")
    assert (c.field("home").kind, c.field("home").target, c.field("home").optional) == (  # type: ignore
        FieldKind.EMBEDDED, "Address", False)
    assert c.field("work").optional  # type: ignore[union-attr]


# -- field types ------------------------------------------------------------------------------------------

TYPE_PRELUDE = "entity Other { name string(10) }\ntype Address { city string(100) }\n"

FIELD_TYPES: list[tuple[str, FieldKind, dict[str, Any]]] = [
    ("uuid", FieldKind.SCALAR, {"kind": ScalarKind.UUID}),
    ("string(255)", FieldKind.SCALAR, {"kind": ScalarKind.STRING, "length": 255}),
    ("string(1)", FieldKind.SCALAR, {"kind": ScalarKind.STRING, "length": 1}),
    ("text", FieldKind.SCALAR, {"kind": ScalarKind.TEXT}),
    ("int", FieldKind.SCALAR, {"kind": ScalarKind.INT}),
    ("bigint", FieldKind.SCALAR, {"kind": ScalarKind.BIGINT}),
    ("smallint", FieldKind.SCALAR, {"kind": ScalarKind.SMALLINT}),
    ("decimal(10, 2)", FieldKind.SCALAR, {"kind": ScalarKind.DECIMAL, "precision": 10, "scale": 2}),
    ("decimal(8,3)", FieldKind.SCALAR, {"kind": ScalarKind.DECIMAL, "precision": 8, "scale": 3}),
    ("decimal(12)", FieldKind.SCALAR, {"kind": ScalarKind.DECIMAL, "precision": 12, "scale": 0}),
    ("money", FieldKind.SCALAR, {"kind": ScalarKind.DECIMAL, "precision": 19, "scale": 4, "is_money": True}),
    ("float", FieldKind.SCALAR, {"kind": ScalarKind.FLOAT}),
    ("bool", FieldKind.SCALAR, {"kind": ScalarKind.BOOL}),
    ("date", FieldKind.SCALAR, {"kind": ScalarKind.DATE}),
    ("timestamp", FieldKind.SCALAR, {"kind": ScalarKind.TIMESTAMP}),
    ("json", FieldKind.SCALAR, {"kind": ScalarKind.JSON}),
    ("bytes", FieldKind.SCALAR, {"kind": ScalarKind.BYTES}),
    ("email", FieldKind.SCALAR, {"kind": ScalarKind.EMAIL, "length": 320}),
    ("url", FieldKind.SCALAR, {"kind": ScalarKind.URL}),
    ("enum(student, instructor, admin)", FieldKind.SCALAR,
     {"kind": ScalarKind.ENUM, "values": ("student", "instructor", "admin")}),
    ("enum(one)", FieldKind.SCALAR, {"kind": ScalarKind.ENUM, "values": ("one",)}),
    ("enum(\n    low,\n    high\n  )", FieldKind.SCALAR, {"kind": ScalarKind.ENUM, "values": ("low", "high")}),
    ("list<int>", FieldKind.LIST, {"kind": ScalarKind.INT}),
    ("list<string(40)>", FieldKind.LIST, {"kind": ScalarKind.STRING, "length": 40}),
    ("list<enum(a, b)>", FieldKind.LIST, {"kind": ScalarKind.ENUM, "values": ("a", "b")}),
    ("list<timestamp>", FieldKind.LIST, {"kind": ScalarKind.TIMESTAMP}),
    ("Other", FieldKind.REFERENCE, {"target": "Other"}),
    ("Other[]", FieldKind.MANY, {"target": "Other"}),
    ("Address", FieldKind.EMBEDDED, {"target": "Address"}),
]


FIELD_TYPE_CASES = [pytest.param(decl, kind, expected, optional, id=f"{decl}{optional}")
                    for decl, kind, expected in FIELD_TYPES for optional in ("", "?")
                    if not (optional and kind is FieldKind.MANY)]  # `Name[]?` is not a construct of the spec


@pytest.mark.parametrize(("decl", "kind", "expected", "optional"), FIELD_TYPE_CASES)
def test_field_type(decl: str, kind: FieldKind, expected: dict[str, Any], optional: str) -> None:
    m = compile_ok(TYPE_PRELUDE + f"entity T {{\n  f {decl}{optional}\n}}\n")
    f = m.entity("T").field("f")
    assert f is not None
    assert f.kind is kind
    assert f.optional is bool(optional)
    assert f.origin is FieldOrigin.DECLARED
    for key, value in expected.items():
        holder = f if key == "target" else f.scalar
        assert getattr(holder, key) == value, key


# -- defaults ---------------------------------------------------------------------------------------------

DEFAULTS: list[tuple[str, str, Any]] = [
    ("int = 0", "literal", 0),
    ("int = 42", "literal", 42),
    ("int = -3", "literal", -3),
    ("int = 100k", "literal", 100_000),
    ("bigint = 5M", "literal", 5_000_000),
    ("bigint = 1.5B", "literal", 1_500_000_000),
    ("smallint = 7", "literal", 7),
    ("float = 1.5", "literal", 1.5),
    ("float = -0.25", "literal", -0.25),
    ("decimal(10, 2) = 9.99", "literal", 9.99),
    ("money = 0", "literal", 0),
    ('string(10) = "UTC"', "literal", "UTC"),
    ('string(20) = ""', "literal", ""),
    (r'string(30) = "say \"hi\" \\ ok"', "literal", 'say "hi" \\ ok'),
    ('text = "// not a comment"', "literal", "// not a comment"),
    ('string(10) = "ünï"', "literal", "ünï"),
    ("enum(student, instructor, admin) = student", "literal", "student"),
    ("enum(open, closed) = closed", "literal", "closed"),
    ("bool = true", "literal", True),
    ("bool = false", "literal", False),
    ("timestamp = now", "now", None),
    ("date = now", "now", None),
]


@pytest.mark.parametrize(("decl", "kind", "value"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_literal_default(decl: str, kind: str, value: Any) -> None:
    m = compile_ok(f"entity T {{\n  f {decl}\n}}\n")
    d = m.entity("T").field("f").default  # type: ignore[union-attr]
    assert d is not None
    assert (d.kind, d.value) == (kind, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        assert d.value == pytest.approx(value)


def test_optional_field_with_default() -> None:
    f = compile_ok("entity T { f int? = 3 }").entity("T").field("f")
    assert f is not None and f.optional and f.default is not None and f.default.value == 3


def test_bigint_default_keeps_its_exact_value() -> None:
    f = compile_ok("entity T { f bigint = 9007199254740993 }").entity("T").field("f")
    assert f is not None and f.default is not None
    assert f.default.value == 9007199254740993


AGG_MODEL = """
entity Course {
  title     string(100)
  {field}
}
entity Enrollment {
  course        Course
  completed_at  timestamp?
  status        enum(active, dropped) = active
  score         int
  paid          money
}
entity Message {
  course    Course
  reviewer  Course?
  sent_at   timestamp
}
"""

AGGREGATES: list[tuple[str, dict[str, Any], list[tuple[Any, ...]]]] = [
    ("n int = count(Enrollment)", {"func": "count", "child": "Enrollment", "via": "course", "field": None}, []),
    ("n int = count(Enrollment where completed_at is not null)",
     {"func": "count", "child": "Enrollment", "via": "course", "field": None},
     [("completed_at", "is_not_null", None, None)]),
    ("n int = count(Enrollment where completed_at is null)", {"func": "count"},
     [("completed_at", "is_null", None, None)]),
    ("n int = count(Enrollment where status = dropped)", {"func": "count"},
     [("status", "=", "dropped", None)]),
    ("n int = count(Enrollment where status = active and score >= 50)", {"func": "count"},
     [("status", "=", "active", None), ("score", ">=", 50, None)]),
    ("s bigint = sum(Enrollment.score)", {"func": "sum", "child": "Enrollment", "via": "course", "field": "score"},
     []),
    ("s money = sum(Enrollment.paid)", {"func": "sum", "field": "paid"}, []),
    ("a float = avg(Enrollment.score)", {"func": "avg", "field": "score"}, []),
    ("lo int = min(Enrollment.score)", {"func": "min", "field": "score"}, []),
    ("last timestamp = max(Message.course.sent_at)", {"func": "max", "child": "Message", "via": "course",
                                                      "field": "sent_at"}, []),
    ("n int = count(Message.course)", {"func": "count", "child": "Message", "via": "course", "field": None}, []),
    ("n int = count(Message.reviewer)", {"func": "count", "child": "Message", "via": "reviewer"}, []),
    ("n int = count(Message.reviewer where sent_at is null)", {"via": "reviewer"},
     [("sent_at", "is_null", None, None)]),
]


@pytest.mark.parametrize(("decl", "expected", "where"), AGGREGATES, ids=[a[0] for a in AGGREGATES])
def test_aggregate_default(decl: str, expected: dict[str, Any], where: list[tuple[Any, ...]]) -> None:
    m = compile_ok(AGG_MODEL.replace("{field}", decl))
    name = decl.split()[0]
    f = m.entity("Course").field(name)
    assert f is not None and f.default is not None and f.maintained
    assert f.default.kind == "aggregate"
    agg = f.default.aggregate
    assert agg is not None
    for key, value in expected.items():
        assert getattr(agg, key) == value, key
    assert [pred(p) for p in agg.where] == where


# -- checks -----------------------------------------------------------------------------------------------

CHECKS: list[tuple[str, list[dict[str, Any]]]] = [
    ("int check (0..100)", [{"kind": "range", "low": 0, "high": 100}]),
    ("int check (-10..10)", [{"kind": "range", "low": -10, "high": 10}]),
    ("bigint check (1..25M)", [{"kind": "range", "low": 1, "high": 25_000_000}]),
    ("decimal(5, 2) check (0.5..99.5)", [{"kind": "range", "low": 0.5, "high": 99.5}]),
    ("int check (>= 0)", [{"kind": "compare", "op": ">=", "value": 0}]),
    ("int check (> 0)", [{"kind": "compare", "op": ">", "value": 0}]),
    ("int check (<= 10)", [{"kind": "compare", "op": "<=", "value": 10}]),
    ("int check (< 10)", [{"kind": "compare", "op": "<", "value": 10}]),
    ("int check (= 1)", [{"kind": "compare", "op": "=", "value": 1}]),
    ("money check (!= 0)", [{"kind": "compare", "op": "!=", "value": 0}]),
    ("float check (>= 1k)", [{"kind": "compare", "op": ">=", "value": 1000}]),
    ("int check (f > 0)", [{"kind": "compare", "op": ">", "value": 0}]),
    ("string(100) check (len <= 20)", [{"kind": "length", "op": "<=", "value": 20}]),
    ("text check (len <= 65535)", [{"kind": "length", "op": "<=", "value": 65535}]),
    ("text check (len >= 1)", [{"kind": "length", "op": ">=", "value": 1}]),
    ("int check (0..100 and != 50)", [{"kind": "range", "low": 0, "high": 100},
                                      {"kind": "compare", "op": "!=", "value": 50}]),
    ("int? check (>= 0)", [{"kind": "compare", "op": ">=", "value": 0}]),
]


@pytest.mark.parametrize(("decl", "expected"), CHECKS, ids=[c[0] for c in CHECKS])
def test_field_check(decl: str, expected: list[dict[str, Any]]) -> None:
    f = compile_ok(f"entity T {{\n  f {decl}\n}}\n").entity("T").field("f")
    assert f is not None
    assert len(f.checks) == len(expected)
    for check, want in zip(f.checks, expected, strict=True):
        assert check.field == "f"
        for key, value in want.items():
            assert getattr(check, key) == value, key


ENTITY_CHECKS: list[tuple[str, dict[str, Any]]] = [
    ("check (starts_at < ends_at)", {"kind": "fields", "op": "<", "field": "starts_at", "other": "ends_at"}),
    ("check (first <= second)", {"kind": "fields", "op": "<=", "field": "first", "other": "second"}),
    ("check (amount != 0)", {"kind": "compare", "op": "!=", "field": "amount", "value": 0}),
    ("check (amount > 1.5)", {"kind": "compare", "op": ">", "field": "amount", "value": 1.5}),
    ("check (state != closed)", {"kind": "compare", "op": "!=", "field": "state", "value": "closed"}),
]


@pytest.mark.parametrize(("line", "expected"), ENTITY_CHECKS, ids=[c[0] for c in ENTITY_CHECKS])
def test_entity_check(line: str, expected: dict[str, Any]) -> None:
    m = compile_ok("entity Slot {\n  starts_at timestamp\n  ends_at timestamp?\n  first int\n  second int\n"
                   f"  amount money\n  state enum(open, closed)\n  {line}\n}}\n")
    (check,) = m.entity("Slot").checks
    for key, value in expected.items():
        assert getattr(check, key) == value, key
    assert check.span.line == 8


# -- attributes -------------------------------------------------------------------------------------------

ATTRS: list[tuple[str, dict[str, Any]]] = [
    ("name string(10) @pii", {"pii": True}),
    ("name string(10) @unique", {"unique": True}),
    ("name string(10) @index", {"indexed": True}),
    ("name string(10) @search", {"search": True}),
    ('name string(10) @doc("Shown in queues")', {"doc": "Shown in queues"}),
    ('name string(10) @pii @unique @search @doc("x")', {"pii": True, "unique": True, "search": True, "doc": "x"}),
    ("name string(10)", {"pii": False, "unique": False, "indexed": False, "search": False, "doc": None}),
    ("parent Other", {"owner": False, "on_delete": OnDelete.RESTRICT}),
    ("parent Other @owner", {"owner": True, "on_delete": OnDelete.CASCADE}),
    ("parent Other @on_delete(cascade)", {"owner": False, "on_delete": OnDelete.CASCADE}),
    ("parent Other @on_delete(restrict)", {"on_delete": OnDelete.RESTRICT}),
    ("parent Other? @on_delete(set_null)", {"optional": True, "on_delete": OnDelete.SET_NULL}),
    ("parent Other @owner @on_delete(restrict)", {"owner": True, "on_delete": OnDelete.RESTRICT}),
]


@pytest.mark.parametrize(("decl", "expected"), ATTRS, ids=[a[0] for a in ATTRS])
def test_field_attribute(decl: str, expected: dict[str, Any]) -> None:
    m = compile_ok(f"entity Other {{ x int }}\nentity T {{\n  {decl}\n}}\n")
    f = m.entity("T").field(decl.split()[0])
    assert f is not None
    for key, value in expected.items():
        assert getattr(f, key) == value, key


def test_unique_and_index_attributes_become_constraints() -> None:
    e = compile_ok("entity T {\n  sku string(10) @unique\n  name string(10) @index\n}").entity("T")
    assert [(u.fields, u.origin) for u in e.uniques] == [(("sku",), "field")]
    assert [([p.field for p in i.parts], i.origin) for i in e.indexes] == [(["name"], "field")]


def test_full_field_line() -> None:
    """`field_name Type[?] [= default] [check (...)] [@attribute ...]`, all at once."""
    f = compile_ok('entity T {\n  score int? = 5 check (0..100) @pii @doc("points")\n}').entity("T").field("score")
    assert f is not None
    assert (f.optional, f.default.value, f.checks[0].kind, f.pii, f.doc) == (  # type: ignore[union-attr]
        True, 5, "range", True, "points")


# -- unique, index ----------------------------------------------------------------------------------------

KEY_ENTITY = ("entity T {\n  a int\n  b string(10)\n  status enum(open, closed)\n  gone timestamp?\n"
              "  {line}\n}}\n")

KEYS: list[tuple[str, str, list[tuple[str, bool]], list[tuple[Any, ...]]]] = [
    ("unique (a)", "unique", [("a", False)], []),
    ("unique (a, b)", "unique", [("a", False), ("b", False)], []),
    ("unique (\n    a,\n    b\n  )", "unique", [("a", False), ("b", False)], []),
    ("unique (b) where status = open", "unique", [("b", False)], [("status", "=", "open", None)]),
    ("unique (b) where gone is null", "unique", [("b", False)], [("gone", "is_null", None, None)]),
    ("index (a)", "index", [("a", False)], []),
    ("index (a asc, b desc)", "index", [("a", False), ("b", True)], []),
    ("index (b desc, a)", "index", [("b", True), ("a", False)], []),
    ("index (a) where gone is not null", "index", [("a", False)], [("gone", "is_not_null", None, None)]),
    ("index (a, b) where status = closed and a > 5", "index", [("a", False), ("b", False)],
     [("status", "=", "closed", None), ("a", ">", 5, None)]),
]


@pytest.mark.parametrize(("line", "kind", "parts", "where"), KEYS, ids=[k[0] for k in KEYS])
def test_unique_and_index_lines(line: str, kind: str, parts: list[tuple[str, bool]],
                                where: list[tuple[Any, ...]]) -> None:
    e = compile_ok(KEY_ENTITY.replace("{line}", line).replace("}}", "}")).entity("T")
    if kind == "unique":
        (u,) = e.uniques
        assert [(f, False) for f in u.fields] == parts
        assert u.origin == "declared"
        got_where = u.where
    else:
        (i,) = e.indexes
        assert [(p.field, p.descending) for p in i.parts] == parts
        assert i.origin == "declared"
        got_where = i.where
    assert [pred(p) for p in got_where] == where


# -- volume and size --------------------------------------------------------------------------------------

VOLUMES: list[tuple[str, float, float, float]] = [
    ("volume 500", 500, 0, 500),
    ("volume 100k", 100_000, 0, 100_000),
    ("volume 5M", 5_000_000, 0, 5_000_000),
    ("volume 1.5B", 1_500_000_000, 0, 1_500_000_000),
    ("volume 7.5M", 7_500_000, 0, 7_500_000),
    ("volume 50k/month", 0, 50_000, 50_000 * 18),
    ("volume 120k/month", 0, 120_000, 120_000 * 18),
    ("volume 12k/year", 0, 1_000, 18_000),
    ("volume 400k + 15k/month", 400_000, 15_000, 400_000 + 15_000 * 18),
    ("volume 2k + 150/month", 2_000, 150, 2_000 + 150 * 18),
    ("volume 60k + 24k/year", 60_000, 2_000, 60_000 + 2_000 * 18),
]


@pytest.mark.parametrize(("line", "base", "per_month", "at_horizon"), VOLUMES, ids=[v[0] for v in VOLUMES])
def test_volume(line: str, base: float, per_month: float, at_horizon: float) -> None:
    m = compile_ok(f"model m {{ horizon 18 months }}\nentity T {{\n  x int\n  {line}\n}}\n")
    v = m.entity("T").volume
    assert v.declared
    assert (v.base, v.per_month, v.at_horizon) == pytest.approx((base, per_month, at_horizon))
    assert v.span is not None and v.span.line == 4


def test_no_volume_is_undeclared() -> None:
    v = compile_ok("entity T { x int }").entity("T").volume
    assert (v.declared, v.base, v.per_month, v.at_horizon, v.conditional) == (False, 0, 0, 0, ())


def test_conditional_volumes() -> None:
    m = compile_ok("model m { horizon 1 year }\nentity Ticket {\n  status enum(open, solved) = open\n"
                   "  solved_at timestamp?\n  volume 2M\n  volume 150k where status = open\n"
                   "  volume 1.9M where solved_at is not null\n"
                   "  volume 10k where status = open and solved_at is null\n}\n")
    v = m.entity("Ticket").volume
    assert v.at_horizon == 2_000_000
    assert [(c.rows, [pred(p) for p in c.where]) for c in v.conditional] == [
        (150_000, [("status", "=", "open", None)]),
        (1_900_000, [("solved_at", "is_not_null", None, None)]),
        (10_000, [("status", "=", "open", None), ("solved_at", "is_null", None, None)]),
    ]


@pytest.mark.parametrize(("line", "size"), [
    ("size 250 bytes", 250),
    ("size 1 bytes", 1),
    ("size 2 KiB", 2048),
    ("size 1.5 KiB", 1536),
    ("size 1k bytes", 1000),
])
def test_size(line: str, size: int) -> None:
    assert compile_ok(f"entity T {{\n  x int\n  {line}\n}}\n").entity("T").size_bytes == size


def test_no_size_is_none() -> None:
    assert compile_ok("entity T { x int }").entity("T").size_bytes is None


# -- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("7", 7), ("100k", 100_000), ("5M", 5_000_000), ("1.5B", 1_500_000_000), ("2.5k", 2_500),
    ("1B", 1_000_000_000), ("0.5k", 500), ("12", 12),
])
def test_number_suffixes(text: str, value: float) -> None:
    assert compile_ok(f"entity T {{ x int\n volume {text} }}").entity("T").volume.base == value


# -- queries ----------------------------------------------------------------------------------------------

SHOP = """
model shop { horizon 12 months }
entity Region { code string(2) @unique }
entity Customer {
  email   email @unique
  name    string(100)
  vip     bool = false
  region  Region
}
entity Product { slug string(100) @unique
  name string(100)
  price money }
entity Order {
  customer  Customer
  status    enum(open, shipped, closed) = open
  number    string(20) @unique
  total     money
  note      text?
  paid_at   timestamp?
  items     int
}
entity LineItem {
  order    Order @owner
  product  Product
  quantity int
  amount   money
  unique (order, product)
}
entity Payment @append_only { order Order @owner
  amount money }
entity Tag { name string(20) }
entity Post { title string(100)
  tags Tag[] }
"""


def shop_query(body: str, entity: str = "Order") -> Query:
    m = compile_ok(SHOP + f"query q {{\n  from {entity}\n{body}\n}}\n")
    return query(m, "q")


WHERES: list[tuple[str, list[tuple[Any, ...]]]] = [
    ("status = ?", [("status", "=", "?status", None)]),
    ("customer = ?", [("customer", "=", "?customer_id", None)]),
    ("customer in ?", [("customer", "in", "?customer_id", None)]),
    ("status in ?", [("status", "in", "?status", None)]),
    ("total > ?", [("total", ">", "?total", None)]),
    ("total >= ?", [("total", ">=", "?total", None)]),
    ("total < ?", [("total", "<", "?total", None)]),
    ("total <= ?", [("total", "<=", "?total", None)]),
    ("status != ?", [("status", "!=", "?status", None)]),
    ("total between ? and ?", [("total", "between", "?total_from", "?total_to")]),
    ("paid_at between :since and :until", [("paid_at", "between", "?since", "?until")]),
    ("paid_at is null", [("paid_at", "is_null", None, None)]),
    ("paid_at is not null", [("paid_at", "is_not_null", None, None)]),
    ("status = open", [("status", "=", "open", None)]),
    ('number = "CM-1"', [("number", "=", "CM-1", None)]),
    ("items = 5", [("items", "=", 5, None)]),
    ("items > 1k", [("items", ">", 1000, None)]),
    ("total >= 9.5", [("total", ">=", 9.5, None)]),
    ("customer.vip = true", [("customer.vip", "=", True, None)]),
    ("customer.vip = false", [("customer.vip", "=", False, None)]),
    ("note ~ ?", [("note", "match", "?note", None)]),
    ("customer = :who", [("customer", "=", "?who", None)]),
    ("customer.email = ?", [("customer.email", "=", "?customer_email", None)]),
    ("customer.region.code = ?", [("customer.region.code", "=", "?customer_region_code", None)]),
    ("customer.region = ?", [("customer.region", "=", "?customer_region_id", None)]),
    ("id = ?", [("id", "=", "?id", None)]),
    ("status = open and customer = ? and paid_at is null",
     [("status", "=", "open", None), ("customer", "=", "?customer_id", None), ("paid_at", "is_null", None, None)]),
]


@pytest.mark.parametrize(("where", "expected"), WHERES, ids=[w[0] for w in WHERES])
def test_where(where: str, expected: list[tuple[Any, ...]]) -> None:
    q = shop_query(f"  where {where}")
    assert [pred(p) for p in q.where] == expected
    params = {v[1:] for p in expected for v in p[2:] if isinstance(v, str) and v.startswith("?")}
    assert {p.name for p in q.params} == params


def test_where_path_entities() -> None:
    (p,) = shop_query("  where customer.region.code = ?").where
    assert p.steps == ("customer", "region", "code")
    assert p.entities == ("Order", "Customer", "Region")
    assert not p.is_local


def test_where_in_parameter_is_a_list() -> None:
    (param,) = shop_query("  where customer in ?").params
    assert (param.name, param.field, param.entity, param.is_list) == ("customer_id", "customer", "Order", True)


def test_order_multiple_keys() -> None:
    q = shop_query("  where status = ?\n  order paid_at desc, total asc, customer.name, number desc")
    assert [(".".join(k.steps), k.descending) for k in q.order] == [
        ("paid_at", True), ("total", False), ("customer.name", False), ("number", True)]
    assert q.order[2].entities == ("Order", "Customer")


def test_group_select_and_aggregates() -> None:
    q = shop_query("  where status = ?\n  group status, customer.email\n"
                   "  select status, customer.email as mail, count(id) as n, sum(total) as revenue, "
                   "min(paid_at) as first_paid, max(total), avg(items) as mean, count(*) as rows")
    assert [".".join(k.steps) for k in q.group] == ["status", "customer.email"]
    assert [(s.alias, s.func, ".".join(s.steps)) for s in q.select] == [
        ("status", None, "status"), ("mail", None, "customer.email"), ("n", "count", "id"),
        ("revenue", "sum", "total"), ("first_paid", "min", "paid_at"), ("max_total", "max", "total"),
        ("mean", "avg", "items"), ("rows", "count", "")]
    assert not q.returns_one


def test_select_plain_fields_and_paths() -> None:
    q = shop_query("  where status = open\n  select number, customer.email, total, created_at\n  batch")
    assert [(s.alias, s.steps, s.func) for s in q.select] == [
        ("number", ("number",), None), ("customer_email", ("customer", "email"), None),
        ("total", ("total",), None), ("created_at", ("created_at",), None)]


def test_select_count_of_entity_is_a_reverse_relation() -> None:
    q = shop_query("  where email = ?\n  select name, count(Order) as orders, count(Order.customer) as again",
                   entity="Customer")
    assert [(s.alias, s.func, s.relation, s.via) for s in q.select] == [
        ("name", None, None, None), ("orders", "count", "Order", "customer"), ("again", "count", "Order", "customer")]


def test_select_alias_orders() -> None:
    q = shop_query("  where status = ?\n  group customer\n  select customer, max(total) as best\n"
                   "  order best desc\n  limit 10")
    assert [(k.steps, k.entities, k.descending) for k in q.order] == [(("best",), (), True)]


INCLUDES: list[tuple[str, list[dict[str, Any]]]] = [
    ("include customer", [{"name": "customer", "kind": "to_one", "entity": "Customer", "via": "customer"}]),
    ("include LineItem", [{"name": "LineItem", "kind": "to_many", "entity": "LineItem", "via": "order"}]),
    ("include customer, LineItem, Payment", [{"name": "customer"}, {"name": "LineItem"},
                                             {"name": "Payment", "kind": "to_many", "via": "order"}]),
    ("include customer (name, email)", [{"name": "customer", "fields": ("name", "email"), "nested": ()}]),
    ("include LineItem (quantity, product (name, price))",
     [{"name": "LineItem", "fields": ("quantity",),
       "nested": [{"name": "product", "kind": "to_one", "entity": "Product", "fields": ("name", "price")}]}]),
    # a bare reference in a list is the reference field itself (its id), not a nested include
    ("include LineItem (quantity, product)",
     [{"name": "LineItem", "fields": ("quantity", "product"), "nested": ()}]),
    ("include customer (name, region (code))",
     [{"fields": ("name",), "nested": [{"name": "region", "entity": "Region", "fields": ("code",)}]}]),
    ("include LineItem (order created_at desc, limit 5)",
     [{"name": "LineItem", "limit": 5, "order": [("created_at", True)], "fields": ()}]),
    ("include LineItem (amount, order (quantity desc, amount), limit 3)",
     [{"fields": ("amount",), "limit": 3, "order": [("quantity", True), ("amount", False)]}]),
    ("include LineItem (\n    quantity,\n    product (name),\n    limit 50\n  )",
     [{"fields": ("quantity",), "limit": 50, "nested": [{"name": "product", "fields": ("name",)}]}]),
]


def _check_include(inc: Any, want: dict[str, Any]) -> None:
    for key, value in want.items():
        if key == "nested":
            assert len(inc.nested) == len(value)
            for sub, sub_want in zip(inc.nested, value, strict=True):
                _check_include(sub, sub_want)
        elif key == "order":
            assert [(k.field, k.descending) for k in inc.order] == value
        else:
            assert getattr(inc, key) == value, key


@pytest.mark.parametrize(("line", "expected"), INCLUDES, ids=[i[0] for i in INCLUDES])
def test_include(line: str, expected: list[dict[str, Any]]) -> None:
    q = shop_query(f"  where number = ?\n  {line}")
    assert len(q.include) == len(expected)
    for inc, want in zip(q.include, expected, strict=True):
        _check_include(inc, want)


def test_include_bare_child_name_in_a_list_is_a_nested_include() -> None:
    (inc,) = shop_query("  where email = ?\n  include Order (number, LineItem)", entity="Customer").include
    assert (inc.kind, inc.via, inc.fields) == ("to_many", "customer", ("number",))
    assert [(n.name, n.kind, n.via) for n in inc.nested] == [("LineItem", "to_many", "order")]


def test_include_many_to_many() -> None:
    (inc,) = shop_query("  where title = ?\n  include tags (name)", entity="Post").include
    assert (inc.kind, inc.entity, inc.via, inc.fields) == ("many", "Tag", "tags", ("name",))


@pytest.mark.parametrize(("line", "per_s"), [
    ("rate 200/s", 200), ("rate 2k/s", 2000), ("rate 30/min", 0.5), ("rate 36/h", 0.01),
    ("rate 864/day", 0.01), ("rate 1/day", 1 / 86400), ("rate 12/h", 12 / 3600), ("rate 1.5/s", 1.5),
])
def test_rate(line: str, per_s: float) -> None:
    assert shop_query(f"  where number = ?\n  {line}").rate_per_s == pytest.approx(per_s)


def test_query_defaults() -> None:
    q = shop_query("  where customer = ?")
    assert (q.limit, q.rate_per_s, q.consistency, q.batch, q.order, q.group, q.select, q.include, q.actions) == (
        None, None, "eventual", False, (), (), (), (), ())
    assert q.entity == "Order"


@pytest.mark.parametrize("level", ["strong", "eventual"])
def test_consistency(level: str) -> None:
    assert shop_query(f"  where number = ?\n  consistency {level}").consistency == level


def test_limit_and_batch() -> None:
    q = shop_query("  where status = open\n  limit 1k\n  batch")
    assert (q.limit, q.batch) == (1000, True)


def test_every_clause_at_once() -> None:
    q = shop_query("""  where   customer = ? and status in ? and paid_at between ? and ?
  order   paid_at desc
  include customer (name), LineItem (quantity, limit 10)
  limit   50
  rate    200/s
  consistency strong""")
    assert [pred(p) for p in q.where] == [
        ("customer", "=", "?customer_id", None), ("status", "in", "?status", None),
        ("paid_at", "between", "?paid_at_from", "?paid_at_to")]
    assert [p.name for p in q.params] == ["customer_id", "status", "paid_at_from", "paid_at_to"]
    assert (q.limit, q.rate_per_s, q.consistency) == (50, 200, "strong")
    assert [i.name for i in q.include] == ["customer", "LineItem"]


def test_semicolons_separate_clauses() -> None:
    m = compile_ok(SHOP + "query open_orders_export { from Order; where status = open; batch }\n"
                   "query by_number { from Order; where number = ?; include LineItem; limit 1; rate 5/s; }\n")
    q = query(m, "open_orders_export")
    assert (q.entity, [pred(p) for p in q.where], q.batch) == ("Order", [("status", "=", "open", None)], True)
    q2 = query(m, "by_number")
    assert (q2.limit, q2.rate_per_s, [i.name for i in q2.include]) == (1, 5, ["LineItem"])


def test_semicolons_separate_members() -> None:
    e = compile_ok("entity T { a int; b text?; unique (a); volume 5k; size 1 KiB }").entity("T")
    assert [f.name for f in e.fields if f.origin is FieldOrigin.DECLARED] == ["a", "b"]
    assert (e.uniques[0].fields, e.volume.base, e.size_bytes) == (("a",), 5000, 1024)


# -- writes and actions -----------------------------------------------------------------------------------

WRITES: list[tuple[str, str, str, tuple[str, ...], list[str]]] = [
    ("insert Order", "insert", "Order", (), []),
    ("update Order by (id)", "update", "Order", ("id",), ["id"]),
    ("update Order by (number)", "update", "Order", ("number",), ["number"]),
    ("upsert LineItem by (order, product)", "upsert", "LineItem", ("order", "product"), ["order_id", "product_id"]),
    ("upsert Customer by (email)", "upsert", "Customer", ("email",), ["email"]),
    ("delete LineItem by (order, product)", "delete", "LineItem", ("order", "product"), ["order_id", "product_id"]),
    ("delete Order by (\n    id\n  )", "delete", "Order", ("id",), ["id"]),
    ("insert Payment", "insert", "Payment", (), []),
]


@pytest.mark.parametrize(("line", "op", "entity", "by", "params"), WRITES, ids=[w[0] for w in WRITES])
def test_write(line: str, op: str, entity: str, by: tuple[str, ...], params: list[str]) -> None:
    m = compile_ok(SHOP + f"write w {{\n  {line}\n  rate 20/s\n}}\n")
    (w,) = m.writes
    assert (w.name, w.op, w.entity, w.by, [p.name for p in w.params], w.rate_per_s) == (
        "w", op, entity, by, params, 20)


def test_write_without_rate() -> None:
    (w,) = compile_ok(SHOP + "write w { insert Order }").writes
    assert w.rate_per_s is None


def test_action() -> None:
    m = compile_ok(SHOP + "query a { from Order; where number = ? }\nquery b { from Customer; where email = ? }\n"
                   "action home { a, b }\naction other {\n  b\n}\n")
    assert [(a.name, a.queries) for a in m.actions] == [("home", ("a", "b")), ("other", ("b",))]
    assert query(m, "a").actions == ("home",)
    assert query(m, "b").actions == ("home", "other")


# -- lexical rules ----------------------------------------------------------------------------------------

COMMENTED = """// a leading comment
/* a block comment
   over several lines, with braces { } and keywords entity query */
model m { horizon 12 months } // trailing
entity T { // after a brace
  a int      // after a field
  /* before a field */ b text?
  c string(10) @doc("http://example.com/a//b /* not a comment */")
  /* } */
  // }
}
/**/
query q { from T /* inline */ ; where a = ? // end
}
"""


def test_comments() -> None:
    m = compile_ok(COMMENTED)
    e = m.entity("T")
    assert [f.name for f in e.fields if f.origin is FieldOrigin.DECLARED] == ["a", "b", "c"]
    assert e.field("c").doc == "http://example.com/a//b /* not a comment */"  # type: ignore[union-attr]
    assert [pred(p) for p in query(m, "q").where] == [("a", "=", "?a", None)]


def test_only_comments_and_blank_lines() -> None:
    m = compile_ok("// nothing\n\n/* at all */\n\n")
    assert m.entities == ()


def test_crlf_line_endings_and_tabs() -> None:
    m = compile_ok("entity T {\r\n\ta\tint\r\n\tb\ttext?\r\n}\r\nquery q {\r\n\tfrom T\r\n\twhere a = ?\r\n}\r\n")
    assert query(m, "q").entity == "T"
    assert m.entity("T").field("b").optional  # type: ignore[union-attr]


def test_newlines_inside_parentheses() -> None:
    m = compile_ok(SHOP + """
entity Wrapped {
  kind enum(
    a,
    b
  ) = a
  amount decimal(
    10,
    2
  ) check (
    >= 0
  )
  ref Order
  unique (
    kind,
    ref
  )
}
query wrapped {
  from Order
  where number = ?
  include LineItem (
    quantity,
    product (
      name
    ),
    order created_at desc,
    limit 5
  )
  select number, count(
    LineItem
  ) as items_count
}
write w { upsert Wrapped by (
  kind,
  ref
) }
""")
    e = m.entity("Wrapped")
    assert e.field("kind").scalar.values == ("a", "b")  # type: ignore[union-attr]
    assert e.field("amount").scalar.precision == 10  # type: ignore[union-attr]
    assert e.uniques[0].fields == ("kind", "ref")
    q = query(m, "wrapped")
    assert q.include[0].limit == 5 and q.include[0].nested[0].fields == ("name",)
    assert q.select[1].relation == "LineItem"
    assert m.writes[0].by == ("kind", "ref")


KEYWORD_FIELDS = ["order", "from", "select", "size", "volume", "index", "unique", "check", "where", "limit",
                  "rate", "include", "group", "batch", "consistency", "asc", "desc", "and", "or", "by", "as",
                  "in", "is", "not", "null", "between", "entity", "query", "model", "type", "import", "write",
                  "action", "insert", "update", "upsert", "delete", "now", "true", "false", "tenant", "ids"]


@pytest.mark.parametrize("name", KEYWORD_FIELDS)
def test_field_named_like_a_keyword(name: str) -> None:
    m = compile_ok(f"entity T {{\n  {name} int\n  other int\n  unique ({name})\n  index ({name} desc, other)\n"
                   f"  check ({name} < other)\n}}\n"
                   f"query q {{\n  from T\n  where {name} = ? and other > ?\n  order {name} desc\n}}\n"
                   f"query g {{\n  from T\n  where other = ?\n  group {name}\n  select {name}, count(id) as n\n}}\n")
    e = m.entity("T")
    assert e.field(name) is not None
    assert e.uniques[0].fields == (name,)
    assert [(p.field, p.descending) for p in e.indexes[0].parts] == [(name, True), ("other", False)]
    assert e.checks[0].field == name
    q = query(m, "q")
    assert [pred(p)[:3] for p in q.where] == [(name, "=", f"?{name}"), ("other", ">", "?other")]
    assert q.order[0].steps == (name,)
    assert query(m, "g").group[0].steps == (name,)


def test_reference_field_named_order() -> None:
    """SDL.md: `order Order @owner` (commerce's LineItem) -- a reference named like a clause keyword."""
    m = compile_ok(SHOP + "query by_order { from LineItem; where order = ?; order order desc, quantity }\n"
                   "write drop { delete LineItem by (order, product) }\n")
    q = query(m, "by_order")
    assert [pred(p) for p in q.where] == [("order", "=", "?order_id", None)]
    assert [(k.field, k.descending) for k in q.order] == [("order", True), ("quantity", False)]


def test_declaration_names_like_keywords() -> None:
    m = compile_ok("entity Order { select int\n from int }\nquery order { from Order; where select = ? }\n"
                   "write from { insert Order }\naction select { order }\n")
    assert [q.name for q in m.queries] == ["order"]
    assert [w.name for w in m.writes] == ["from"]
    assert [a.name for a in m.actions] == ["select"]


def test_spans_point_at_the_source() -> None:
    m = compile_ok("entity T {\n  name string(10)\n  volume 5\n}\nquery q {\n  from T\n  where name = ?\n}\n")
    e = m.entity("T")
    assert (e.span.line, e.span.col) == (1, 1)
    name = e.field("name")
    assert name is not None and (name.span.line, name.span.col) == (2, 3)
    q = query(m, "q")
    assert (q.span.line, q.where[0].span.line, q.where[0].span.col) == (5, 7, 9)
    assert (q.params[0].span.line, q.params[0].span.col) == (7, 16)
