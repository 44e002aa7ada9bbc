"""Diagnostics: every SC00xx/SC01xx/SC02xx code has a case asserting its code, span and message.

CASES holds one case per registered code; EXTRA adds the tailored messages (did-you-mean hints, the lost
`}` pinned to its opening brace, misspelt keywords, ...). A case's text is SDL compiled with
`compile_text(text, "t.sdl")`, or a dict {file name: text} of files written to a temporary folder and
compiled with `compile_model` on the first one. `tests/fixtures/bad/*.sdl` hold whole bad models whose
`// expect: CODE line:col` header lines list exactly the diagnostics they must produce.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemac.compiler.pipeline import Compilation, compile_model, compile_text
from schemac.diagnostics import REGISTRY, Diagnostic, Severity, render

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad"

Source = str | dict[str, str | bytes]  # file contents: text (written as UTF-8) or bytes

# code -> (SDL, line, col, a substring of the message)
CASES: dict[str, tuple[Source, int, int, str]] = {
    # -- SC00xx: files and syntax -------------------------------------------------------------------------
    "SC0001": ("entity A {\n  x int $\n}\n", 2, 9, "unexpected character '$'"),
    "SC0002": ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  order x desc asc\n}\n",
               7, 16, "unexpected `asc`"),
    "SC0003": ("entity A {\n  x int\n", 1, 10, "missing `}`: the block opened here is not closed"),
    "SC0004": ("entity A {\n  x int\n}\nentity B", 4, 9, "unexpected end of file; expected `@` or `{`"),
    "SC0005": ('import "billing.sdl"\nentity A { x int }\n', 1, 8, "cannot read billing.sdl"),
    "SC0006": ({"a.sdl": 'import "b.sdl"\nentity A { x int }\n',
                "b.sdl": '\nimport "a.sdl"\nentity B { x int }\n'}, 2, 8, "import cycle: a.sdl -> b.sdl -> a.sdl"),
    "SC0007": ("entity A {\n  x int\n}\nquery q {\n  from A\n  wher x = ?\n}\n",
               6, 3, "unknown keyword `wher`; did you mean `where`?"),
    "SC0008": ("entity A {\n  x int\n  volume 100K\n}\n", 3, 10, "invalid number `100K`"),
    # -- SC01xx: names and references ---------------------------------------------------------------------
    "SC0101": ("entity A {\n  name strng\n}\n", 2, 8, "unknown type `strng`; did you mean `string`?"),
    "SC0102": ("entity Order {\n  n int\n}\nquery q {\n  from Ordr\n  where n = ?\n}\n",
               5, 8, "unknown entity `Ordr`; did you mean `Order`?"),
    "SC0103": ("entity A {\n  x int\n}\nentity A {\n  y int\n}\n",
               4, 8, "duplicate entity `A` (first declared at t.sdl:1:8)"),
    "SC0104": ("entity A {\n  x int\n  x text\n}\n", 3, 3, "duplicate field `x` in `A` (first declared at t.sdl:2:3)"),
    "SC0105": ("entity A {\n  email string(100)\n  unique (emial)\n}\n",
               3, 11, "unknown field `emial` in `A`; did you mean `email`?"),
    "SC0106": ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x.y = ?\n}\n",
               6, 9, "`x` is not a reference, so the path cannot continue to `y`"),
    "SC0107": ("model m {\n  tenat Org\n}\nentity Org { x int }\n",
               2, 3, "unknown model setting `tenat`; did you mean `tenant`?"),
    "SC0108": ("model m {\n  ids uuid5\n}\n", 2, 3, "invalid value for `ids`: expected uuid7 or uuid4 or bigint"),
    "SC0109": ("model a {}\nmodel b {}\n", 2, 1, "a second `model` block (the first is at t.sdl:1:1)"),
    "SC0110": ("entity A @globl {\n  x int\n}\n", 1, 10, "unknown attribute `@globl`; did you mean `global`?"),
    "SC0111": ("entity A {\n  x int @owner\n}\n", 2, 9, "`@owner` applies to a reference to an entity"),
    "SC0112": ("entity A { x int }\nquery q { from A; where x = ? }\naction home {\n  q, r\n}\n",
               4, 6, "unknown query `r` in action `home`"),
    "SC0113": ("entity P {\n  n int = count(C)\n}\nentity C {\n  y int\n}\n", 2, 17, "`C` has no reference to `P`"),
    "SC0114": ("entity User {\n  sent int = count(Message)\n}\nentity Message {\n  sender User\n  recipient User\n}\n",
               2, 20, "`Message` references `User` through several fields (sender, recipient); name one, "
               "as in `Message.sender`"),
    "SC0115": ("entity P { x int }\nquery q {\n  from P\n  where x = ?\n  include Child\n}\n",
               5, 11, "unknown relation `Child` on `P`"),
    # -- SC02xx: meaning ----------------------------------------------------------------------------------
    "SC0201": ("entity A {\n  name string(10) check (>= 1)\n}\n",
               2, 26, "`check` on `name` needs a numeric field, but it is string"),
    "SC0202": ("entity A {\n  name string(10)\n}\nquery q {\n  from A\n  where name = ?\n  select sum(name) as s\n}\n",
               7, 14, "`sum` cannot use `name`: it is string"),
    "SC0203": ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ? or x = ?\n}\n",
               6, 15, "`or` is not allowed in a where clause: write two access patterns"),
    "SC0204": ("entity A {\n  b B @owner\n}\nentity B {\n  a A @owner\n}\n",
               2, 3, "required `@owner` references form a cycle: A -> B -> A"),
    "SC0205": ('entity A {\n  x int = "a"\n}\n', 2, 11, "invalid default for `x`: a string is not a value of int"),
    "SC0206": ("entity A {\n  x string(0)\n}\n", 2, 5, "invalid type `string`: the length must be between 1 and 65535"),
    "SC0207": ("entity A { x int }\nquery q {\n  where x = ?\n}\n", 2, 7, "query `q`: missing `from Entity`"),
    "SC0208": ("entity A { x int }\nwrite w {\n  rate 1/s\n}\n",
               2, 7, "write `w`: name exactly one of insert, update, upsert or delete"),
    "SC0209": ("entity A {\n  x int\n  check (0..5)\n}\n", 3, 3, "invalid check: an entity check compares a field"),
    "SC0210": ("entity A { x int }\nquery q {\n  from A\n  where x = ?\n  rate 5/fortnight\n}\n",
               5, 3, "invalid rate: write N/s, N/min, N/h or N/day"),
    "SC0211": ("entity A @append_only { x int }\nwrite w {\n  update A by (id)\n}\n",
               3, 3, "`A` is @append_only and cannot be the target of `update`"),
    "SC0212": ("entity A @audited {\n  x int\n}\n",
               1, 8, "`@audited` on `A` has no effect: the model does not declare `audit on`"),
    "SC0213": ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x = open\n}\n",
               6, 13, "`A.x` cannot be compared with `open`"),
    "SC0009": ({"main.sdl": 'import "latin1.sdl"\n', "latin1.sdl": b"entity A {\n  caf\xe9 int\n}\n"}, 2, 6,
               "latin1.sdl is not UTF-8 text: byte 0xe9 here does not belong to a UTF-8 character"),
    "SC0215": ("model m {\n  horizon 12 months\n}\n", 1, 1,
               "the model declares no entities: there is nothing to build"),
    "SC0214": ("entity A { x int }\nquery q {\n  from A\n  where x = ?\n  limit 5\n  limit 6\n}\n",
               6, 3, "duplicate clause `limit` in query `q`"),
}

# Codes registered but never reported by the compiler: their case is a strict xfail naming the bug.
KNOWN_BUGS: dict[str, str] = {}


def front_end_codes() -> set[str]:
    return {code for code in REGISTRY if code.startswith(("SC00", "SC01", "SC02"))}


def compile_source(source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Compilation:
    if isinstance(source, str):
        return compile_text(source, "t.sdl")
    for name, text in source.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    return compile_model(Path(next(iter(source))))


def describe(comp: Compilation) -> str:
    return "\n".join(render(d, comp.sources) for d in comp.diagnostics) or "(no diagnostics)"


def find(comp: Compilation, code: str, line: int, col: int) -> Diagnostic:
    for d in comp.diagnostics:
        if d.code == code and d.span is not None and (d.span.line, d.span.col) == (line, col):
            return d
    raise AssertionError(f"no {code} at {line}:{col}; got:\n{describe(comp)}")


def assert_case(comp: Compilation, code: str, line: int, col: int, text: str) -> Diagnostic:
    d = find(comp, code, line, col)
    assert text in d.message, f"{d.message!r} does not contain {text!r}"
    assert d.severity is REGISTRY[code].severity
    assert d.span is not None and (d.span.end_line, d.span.end_col) >= (d.span.line, d.span.col + 1)
    if REGISTRY[code].severity is Severity.ERROR:
        assert comp.model is None and not comp.ok
    return d


def test_every_front_end_code_has_a_case() -> None:
    from tests.helpers.sdl12_diagnostics import CASES as SDL12_CASES  # SC0216-SC0229 (SDL 1.2), tested there

    assert set(CASES) | set(SDL12_CASES) == front_end_codes()


def test_known_bugs_are_registered_codes() -> None:
    assert set(KNOWN_BUGS) <= set(CASES)


CASE_PARAMS = [
    pytest.param(code, *case, id=code,
                 marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[code])] if code in KNOWN_BUGS else [])
    for code, case in CASES.items()
]


@pytest.mark.parametrize(("code", "source", "line", "col", "text"), CASE_PARAMS)
def test_code(code: str, source: Source, line: int, col: int, text: str, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> None:
    comp = compile_source(source, tmp_path, monkeypatch)
    assert_case(comp, code, line, col, text)


def test_warning_keeps_the_model() -> None:
    comp = compile_text(CASES["SC0212"][0], "t.sdl")  # type: ignore[arg-type]
    assert comp.ok and comp.model is not None
    assert [d.severity for d in comp.diagnostics] == [Severity.WARNING]
    strict = compile_text(CASES["SC0212"][0], "t.sdl", strict=True)  # type: ignore[arg-type]
    assert [d.severity for d in strict.diagnostics] == [Severity.ERROR] and not strict.ok


# (code, SDL, line, col, message substring)
EXTRA: list[tuple[str, Source, int, int, str]] = [
    # unknown types and entities, with and without a suggestion
    ("SC0101", "entity A {\n  x Foo\n}\n", 2, 5, "unknown type `Foo`"),
    ("SC0101", "entity User { x int }\nentity A {\n  owner Usr\n}\n", 3, 9, "unknown type `Usr`; did you mean `User`?"),
    ("SC0101", "entity A {\n  x timestmp?\n}\n", 2, 5, "unknown type `timestmp`; did you mean `timestamp`?"),
    ("SC0101", "entity A {\n  tags Tag[]\n}\n", 2, 8, "unknown type `Tag[]` (`Name[]` is a many-to-many to an entity)"),
    ("SC0101", "entity A {\n  xs list<strng>\n}\n", 2, 11, "unknown type `strng`; did you mean `string`?"),
    ("SC0102", "entity Order { n int }\nwrite w {\n  insert Ordr\n}\n", 3, 10,
     "unknown entity `Ordr`; did you mean `Order`?"),
    ("SC0102", "model m {\n  tenant Orgs\n}\nentity Org { x int }\n", 2, 10,
     "unknown entity `Orgs`; did you mean `Org`?"),
    ("SC0102", "entity Course {\n  n int = count(Enrolment)\n}\nentity Enrollment { course Course }\n", 2, 17,
     "unknown entity `Enrolment`; did you mean `Enrollment`?"),
    # duplicates: entities and types share a namespace; queries, writes and actions share another
    ("SC0103", "entity A { x int }\nquery q { from A; where x = ? }\nquery q { from A; where x = ? }\n", 3, 7,
     "duplicate query `q` (first declared at t.sdl:2:7)"),
    ("SC0103", "entity A { x int }\nquery q { from A; where x = ? }\nwrite q { insert A }\n", 3, 7,
     "duplicate write `q` (first declared at t.sdl:2:7)"),
    ("SC0103", "type A { x int }\nentity A { y int }\n", 2, 8, "duplicate entity `A` (first declared at t.sdl:1:6)"),
    ("SC0103", "entity A { x int }\ntype A { y int }\n", 2, 6, "duplicate type `A`"),
    ("SC0104", "type T {\n  x int\n  x int\n}\n", 3, 3, "duplicate field `x` in `T`"),
    ("SC0104", "model m { tenant Org }\nentity Org { x int }\nentity A {\n  org int\n}\n", 4, 3,
     "duplicate field `org` in `A` (first declared at the tenant reference schemac adds)"),
    # unknown fields in every list that names fields
    ("SC0105", "entity A {\n  x int\n  name string(5)\n  index (x, nme desc)\n}\n", 4, 13,
     "unknown field `nme` in `A`; did you mean `name`?"),
    ("SC0105", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  order crated_at desc\n}\n", 7, 9,
     "unknown field `crated_at` in `A`; did you mean `created_at`?"),
    ("SC0105", "entity A {\n  x int\n}\nquery q {\n  from A\n  where y = ?\n}\n", 6, 9, "unknown field `y` in `A`"),
    ("SC0105", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  group y\n}\n", 7, 9,
     "unknown field `y` in `A`"),
    ("SC0105", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  select y\n}\n", 7, 10,
     "unknown field `y` in `A`"),
    ("SC0105", "entity A {\n  x int\n}\nwrite w {\n  delete A by (y)\n}\n", 5, 16, "unknown field `y` in `A`"),
    ("SC0105", "entity A {\n  x int\n  check (y < x)\n}\n", 3, 10, "unknown field `y` in `A`"),
    ("SC0105", "entity B { name text }\nentity A {\n  b B\n}\nquery q {\n  from A\n  where b.nam = ?\n}\n", 7, 11,
     "unknown field `nam` in `B`; did you mean `name`?"),
    ("SC0105", "entity P {\n  s int = sum(C.amont)\n}\nentity C {\n  p P\n  amount int\n}\n", 2, 15,
     "unknown field `amont` in `C`; did you mean `amount`?"),
    # attributes
    ("SC0110", "entity A {\n  x int @pi\n}\n", 2, 9, "unknown attribute `@pi`; did you mean `pii`?"),
    ("SC0110", "entity A @pii {\n  x int\n}\n", 1, 10,
     "unknown attribute `@pii` on an entity (it is a field attribute)"),
    ("SC0110", "entity A {\n  x int @global\n}\n", 2, 9,
     "unknown attribute `@global` on a field (it is an entity modifier)"),
    ("SC0111", "entity A @table(x) {\n  x int\n}\n", 1, 10, '`@table` takes one non-empty string, as in @table("…")'),
    ("SC0111", "entity A {\n  b A @on_delete(set_null)\n}\n", 2, 3,
     "`@on_delete` (set_null) needs an optional reference"),
    ("SC0111", "entity A {\n  b A? @on_delete(sometimes)\n}\n", 2, 8,
     "`@on_delete` takes one of cascade, restrict, set_null"),
    ("SC0206", "entity A {\n  id string(10)\n}\n", 2, 3, "the primary key `id` must be uuid, bigint or int"),
    # reverse relations
    ("SC0113", "entity A { x int }\nentity B { x int }\nentity C { x int }\nquery q {\n  from C\n  where x = ?\n"
     "  include B\n}\n", 7, 11, "`B` has no reference to `C` (add a field such as `c C` to B)"),
    ("SC0114", "entity User {\n  x int\n}\nentity Message {\n  sender User\n  recipient User\n}\nquery q {\n"
     "  from User\n  where x = ?\n  select count(Message) as n\n}\n", 11, 16,
     "`Message` references `User` through several fields (sender, recipient)"),
    ("SC0114", "entity User {\n  x int\n}\nentity Message {\n  sender User\n  recipient User\n}\nquery q {\n"
     "  from User\n  where x = ?\n  include Message\n}\n", 11, 11, "name one, as in `Message.sender`"),
    ("SC0115", "entity P {\n  x int\n  name text\n}\nquery q {\n  from P\n  where x = ?\n  include name\n}\n", 8, 11,
     "unknown relation `name` on `P` (`name` is a field, not a relation)"),
    # checks on non-numeric fields
    ("SC0201", "entity A {\n  b bool check (>= 1)\n}\n", 2, 17, "`check` on `b` needs a numeric field, but it is bool"),
    ("SC0201", "entity A {\n  t text check (0..10)\n}\n", 2, 17,
     "`check` on `t` needs a numeric field, but it is text"),
    ("SC0201", "entity A {\n  s string(5)\n  check (s > 5)\n}\n", 3, 10,
     "`check` on `s` needs a numeric field, but it is string"),
    ("SC0201", "entity A {\n  j json check (!= 0)\n}\n", 2, 17, "`check` on `j` needs a numeric field, but it is json"),
    # aggregates on non-numeric fields
    ("SC0202", "entity A {\n  name text\n}\nquery q {\n  from A\n  where name = ?\n  select avg(name) as a\n}\n",
     7, 14, "`avg` cannot use `name`: it is text"),
    ("SC0202", "entity A {\n  x bool\n}\nquery q {\n  from A\n  where x = ?\n  select min(x) as m\n}\n", 7, 14,
     "`min` cannot use `x`: it is bool"),
    ("SC0202", "entity P {\n  n int = sum(C.name)\n}\nentity C {\n  p P\n  name text\n}\n", 2, 15,
     "`sum` cannot use `C.name`: it is text"),
    ("SC0202", "entity P {\n  n text = count(C)\n}\nentity C {\n  p P\n}\n", 2, 3,
     "`count` cannot use `n`: it is text"),
    # `or`, wherever a where clause stands
    ("SC0203", "entity A {\n  x int\n  unique (x) where x = 1 or x = 2\n}\n", 3, 26, "`or` is not allowed"),
    ("SC0203", "entity A {\n  x int\n  volume 5 where x = 1 or x = 2\n}\n", 3, 24, "`or` is not allowed"),
    ("SC0203", "entity P {\n  n int = count(C where y = 1 or y = 2)\n}\nentity C {\n  p P\n  y int\n}\n", 2, 31,
     "`or` is not allowed"),
    # owner cycles
    ("SC0204", "entity A {\n  parent A @owner\n}\n", 2, 3, "required `@owner` references form a cycle: A -> A"),
    ("SC0204", "entity A { b B @owner }\nentity B { c C @owner }\nentity C { a A @owner }\n", 1, 12,
     "cycle: A -> B -> C -> A"),
    # defaults, types, queries, writes, checks, volumes, literals
    ("SC0205", "entity A {\n  e enum(open, closed) = opne\n}\n", 2, 26,
     "`opne` is not a member of enum(open, closed); did you mean `open`?"),
    ("SC0205", "entity A {\n  x int = now\n}\n", 2, 11, "`now` is a default for timestamp and date fields"),
    ("SC0205", "entity A {\n  x int = 1.5\n}\n", 2, 11, "1.5 is not an integer"),
    ("SC0205", 'entity A {\n  s string(2) = "abc"\n}\n', 2, 17, "the default is longer than 2 characters"),
    ("SC0205", "entity P {\n  n int = total(C)\n}\nentity C { p P }\n", 2, 11, "`total` is not an aggregate"),
    ("SC0206", "entity A {\n  x decimal(70, 2)\n}\n", 2, 5, "precision must be 1..65"),
    ("SC0206", "entity A {\n  x enum(a, a)\n}\n", 2, 5, "enum members must be distinct"),
    ("SC0206", "entity A {\n  x int(5)\n}\n", 2, 5, "`int` takes no arguments"),
    ("SC0206", "entity A {\n  x list\n}\n", 2, 5, "write list<T> with a scalar T"),
    ("SC0206", "entity A {\n  x string\n}\n", 2, 5, "write string(n) with a maximum length n"),
    ("SC0207", "entity A { x int }\nquery q {\n  from A\n}\n", 2, 7,
     "no `where`: every read needs a key or an index; mark an export `batch`"),
    ("SC0207", "entity A { x int }\nquery q {\n  from A\n  where x = ?\n  consistency sometimes\n}\n", 5, 15,
     "consistency is `strong` or `eventual`"),
    ("SC0207", "entity A {\n  x int\n  y int\n}\nquery q {\n  from A\n  where x = ?\n  group x\n  select x, y\n}\n",
     9, 13, "`y` is neither grouped nor aggregated"),
    ("SC0208", "entity A { x int }\nwrite w {\n  upsert A by (x)\n}\n", 3, 3,
     "upsert by (x) needs a unique constraint on those fields"),
    ("SC0208", "entity A { x int }\nwrite w {\n  update A\n}\n", 3, 3, "update needs `by (fields)`"),
    ("SC0208", "entity A { x int }\nwrite w {\n  insert A by (x)\n}\n", 3, 3, "insert takes no `by` list"),
    ("SC0209", "entity A {\n  x int check (len <= 5)\n}\n", 2, 16, "`len` applies to text"),
    ("SC0209", "entity A {\n  x int check (10..1)\n}\n", 2, 16, "the range 10..1 is empty"),
    ("SC0209", "entity A {\n  starts_at timestamp\n  amount int\n  check (starts_at < amount)\n}\n", 4, 10,
     "`starts_at` (timestamp) and `amount` (int) cannot be compared"),
    ("SC0209", "entity A {\n  x int\n  unique (x desc)\n}\n", 3, 11, "a unique list takes no asc/desc"),
    ("SC0209", "entity A {\n  x int\n  index (x) where x = ?\n}\n", 3, 19, "must be constant"),
    ("SC0210", "entity A {\n  x int\n  volume 10 + 5/fortnight\n}\n", 3, 17, "growth is per day, week, month or year"),
    ("SC0210", "entity A {\n  x int\n  size 3 parsecs\n}\n", 3, 3, "write `size N bytes` or `size N KiB`"),
    ("SC0210", "entity A {\n  x int\n  volume 5\n  volume 6\n}\n", 4, 3, "an entity has one unconditional volume"),
    ("SC0210", "entity A {\n  x int\n  volume 5\n  volume 6 where x = 1\n}\n", 4, 3,
     "6 rows matching the predicate exceed the entity's 5 rows"),
    ("SC0210", "entity A { x int }\nquery q {\n  from A\n  where x = ?\n  limit 0\n}\n", 5, 9,
     "invalid limit: expected a whole number of 1 or more"),
    ("SC0211", "entity A @append_only { x int }\nwrite w {\n  delete A by (id)\n}\n", 3, 3,
     "cannot be the target of `delete`"),
    ("SC0213", "entity A {\n  e enum(open, closed)\n}\nquery q {\n  from A\n  where e = opne\n}\n", 6, 13,
     "compared with `opne`; did you mean `open`?"),
    ("SC0213", "entity A {\n  b bool\n}\nquery q {\n  from A\n  where b = 1\n}\n", 6, 13, "compared with 1"),
    ("SC0213", "entity A {\n  b bool\n}\nquery q {\n  from A\n  where b > ?\n}\n", 6, 9, "compared with a range (>)"),
    ("SC0213", "entity A {\n  n int\n}\nquery q {\n  from A\n  where n ~ ?\n}\n", 6, 9,
     "compared with full-text search (~)"),
    ("SC0214", "entity A { x int }\nquery q {\n  from A\n  where x = ?\n  where x = ?\n}\n", 5, 3,
     "duplicate clause `where` in query `q`"),
    ("SC0214", "entity A { x int }\nwrite w {\n  insert A\n  rate 1/s\n  rate 2/s\n}\n", 5, 3,
     "duplicate clause `rate` in write `w`"),
    # syntax: a lost `}` is pinned to its opening brace, at the end of the file or where the next block starts
    ("SC0003", "entity A {\n  x int\n  y text", 1, 10, "missing `}`"),
    ("SC0003", "entity A {\n  x int\n\nentity B {\n  y int\n}\n", 1, 10, "missing `}`"),
    ("SC0003", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n\nwrite w {\n  insert A\n}\n", 4, 9,
     "missing `}`"),
    ("SC0003", "model m {\n  ids bigint\n\nentity A {\n  x int\n}\n", 1, 9, "missing `}`"),
    ("SC0003", "entity A { x int }\nentity B {\n  y int\n", 2, 10, "missing `}`"),
    # syntax: misspelt keywords
    ("SC0007", "entty A {\n  x int\n}\n", 1, 1, "unknown keyword `entty`; did you mean `entity`?"),
    ("SC0007", "entity A {\n  x int\n}\nquerry q {\n  from A\n}\n", 4, 1, "did you mean `query`?"),
    ("SC0007", "entity A {\n  x int\n}\nquery q {\n  frm A\n}\n", 5, 3, "did you mean `from`?"),
    ("SC0007", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  inclde A\n}\n", 7, 3,
     "did you mean `include`?"),
    ("SC0007", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x is nul\n}\n", 6, 14, "did you mean `null`?"),
    ("SC0007", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ? adn x = ?\n}\n", 6, 15,
     "did you mean `and`?"),
    # syntax: unexpected tokens and the end of the file
    ("SC0002", "entity A {\n  x int\n}\nquery q {\n  from A\n  where x =\n}\n", 6, 12,
     "end of line; expected"),
    ("SC0002", "entity A {\n  x int\n  check (x)\n}\n", 3, 11, "unexpected `)`; expected"),
    ("SC0002", "@\n", 1, 1, "unexpected `@`"),
    ("SC0004", "entity A", 1, 9, "unexpected end of file; expected `@` or `{`"),
    ("SC0004", "import", 1, 7, "unexpected end of file; expected a string"),
    ("SC0004", "entity A { x int }\nmodel", 2, 6, "unexpected end of file; expected a name"),
    ("SC0001", "entity A {\n  x int\n}\n#\n", 4, 1, "unexpected character '#'"),
    ("SC0001", 'entity A {\n  x string(5) = "abc\n}\n', 2, 17, "unexpected character '\"'"),
    # imports, on disk
    ("SC0005", {"main.sdl": 'entity A { x int }\nimport "missing.sdl"\n'}, 2, 8, "cannot read missing.sdl"),
    ("SC0005", {"main.sdl": 'import "sub/missing.sdl"\n', "sub/keep.sdl": ""}, 1, 8,
     f"cannot read {Path('sub') / 'missing.sdl'}"),
    ("SC0006", {"a.sdl": 'import "a.sdl"\n'}, 1, 8, "import cycle: a.sdl -> a.sdl"),
    ("SC0006", {"a.sdl": 'import "b.sdl"\n', "b.sdl": 'import "c.sdl"\n', "c.sdl": 'import "a.sdl"\n'}, 1, 8,
     "import cycle: a.sdl -> b.sdl -> c.sdl -> a.sdl"),
]


@pytest.mark.parametrize(("code", "source", "line", "col", "text"), EXTRA,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(EXTRA)])
def test_tailored_message(code: str, source: Source, line: int, col: int, text: str, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    comp = compile_source(source, tmp_path, monkeypatch)
    assert_case(comp, code, line, col, text)


def test_did_you_mean_is_absent_without_a_close_name() -> None:
    comp = compile_text("entity A {\n  x Foo\n}\n", "t.sdl")
    (d,) = comp.diagnostics
    assert "did you mean" not in d.message


def test_import_errors_name_the_importing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    comp = compile_source({"a.sdl": 'import "b.sdl"\n', "b.sdl": 'entity B { x int }\nimport "a.sdl"\n'},
                          tmp_path, monkeypatch)
    (d,) = comp.diagnostics
    assert d.code == "SC0006" and d.span is not None
    assert (d.span.file, d.span.line, d.span.col) == ("b.sdl", 2, 8)
    assert set(comp.sources) == {"a.sdl", "b.sdl"}


def test_an_import_that_is_not_utf8_is_shown_where_it_breaks(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "latin1.sdl").write_bytes(b"entity Caf\xe9 { x int }\n")
    comp = compile_source({"main.sdl": 'import "latin1.sdl"\n'}, tmp_path, monkeypatch)
    (d,) = comp.diagnostics
    assert d.code == "SC0009" and "latin1.sdl is not UTF-8 text: byte 0xe9" in d.message
    assert d.span is not None and (d.span.file, d.span.line, d.span.col) == ("latin1.sdl", 1, 11)
    assert render(d, comp.sources).splitlines()[2:] == ["1 | entity Caf\ufffd { x int }", "  |           ^"]


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    comp = compile_source({"bom.sdl": b"\xef\xbb\xbfentity A {\n  x Foo\n}\n"}, tmp_path, monkeypatch)
    (d,) = comp.diagnostics  # the unknown type, not a stray character: columns as the editor shows them
    assert d.code == "SC0101" and d.span is not None and (d.span.line, d.span.col) == (2, 5)
    assert compile_source({"ok.sdl": b"\xef\xbb\xbfentity A {\n  x int\n}\n"}, tmp_path, monkeypatch).ok


def test_missing_root_file(tmp_path: Path) -> None:
    comp = compile_model(tmp_path / "nope.sdl")
    (d,) = comp.diagnostics
    assert d.code == "SC0005" and "nope.sdl" in d.message and comp.model is None


def test_import_in_memory_is_reported_not_followed() -> None:
    comp = compile_text('import "billing.sdl"\n', "t.sdl")
    (d,) = comp.diagnostics
    assert d.code == "SC0005" and "imports need a file on disk" in d.message


# -- rendering ------------------------------------------------------------------------------------------


def test_render_format() -> None:
    comp = compile_text("entity A {\n  name strng\n}\n", "models/shop.sdl")
    (d,) = comp.diagnostics
    assert render(d, comp.sources) == (
        "models/shop.sdl:2:8: error[SC0101]: unknown type `strng`; did you mean `string`?\n"
        "  |\n"
        "2 |   name strng\n"
        "  |        ^^^^^")


def test_render_caret_under_a_whole_member_and_a_wide_gutter() -> None:
    text = "\n" * 11 + "entity A {\n  x int\n  x text\n}\n"
    comp = compile_text(text, "t.sdl")
    (d,) = comp.diagnostics
    assert render(d, comp.sources) == (
        "t.sdl:14:3: error[SC0104]: duplicate field `x` in `A` (first declared at t.sdl:13:3)\n"
        "   |\n"
        "14 |   x text\n"
        "   |   ^^^^^^")


def test_render_warning_and_missing_brace() -> None:
    comp = compile_text("entity A @audited {\n  x int\n}\n", "t.sdl")
    (d,) = comp.diagnostics
    assert render(d, comp.sources).splitlines()[0] == (
        "t.sdl:1:8: warning[SC0212]: `@audited` on `A` has no effect: the model does not declare `audit on`")
    comp = compile_text("entity A {\n  x int\n", "t.sdl")
    (d,) = comp.diagnostics
    assert render(d, comp.sources).splitlines()[1:] == ["  |", "1 | entity A {", "  |          ^"]


def test_render_without_span_or_source() -> None:
    comp = compile_model(Path("/nonexistent/dir/x.sdl"))
    (d,) = comp.diagnostics
    assert render(d, comp.sources) == f"error[SC0005]: {d.message}"


# -- several mistakes: every phase reports all it finds --------------------------------------------------


def test_syntax_errors_in_several_declarations_are_all_reported() -> None:
    text = ("entity A {\n  x int $\n}\n"
            "entity B {\n  y int\n}\n"
            "query q {\n  from B\n  wher y = ?\n}\n"
            "write w {\n  insert\n}\n")
    comp = compile_text(text, "t.sdl")
    got = [(d.code, d.span.line, d.span.col) for d in comp.diagnostics if d.span]
    assert got == [("SC0001", 2, 9), ("SC0007", 9, 3), ("SC0002", 12, 9)], describe(comp)


def test_resolution_errors_are_all_reported() -> None:
    text = ("entity A {\n  x strng\n  y Foo\n  z int = \"q\"\n}\n"
            "query q {\n  from Nope\n}\n"
            "write w {\n  insert Nada\n}\n")
    comp = compile_text(text, "t.sdl")
    got = sorted((d.code, d.span.line, d.span.col) for d in comp.diagnostics if d.span)
    assert got == [("SC0101", 2, 5), ("SC0101", 3, 5), ("SC0102", 7, 8), ("SC0102", 10, 10),
                   ("SC0205", 4, 11)], describe(comp)


# -- one mistake, one diagnostic: known cascades and misreports ------------------------------------------

ONE_DIAGNOSTIC: list[tuple[str, str, int, int, str | None]] = [
    # (SDL, code, line, col, xfail reason)
    ("entity A {\n  x int\n}\nquery q {\n  from A\n  where y = ?\n}\n", "SC0105", 6, 9, None),
    ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x = open\n}\n", "SC0213", 6, 13, None),
    ("entity A {\n  b B @owner\n}\nentity B {\n  a A @owner\n}\n", "SC0204", 2, 3, None),
    ("entity A { x int $ }\n", "SC0001", 1, 18, None),
    ("entity A { x int }\nquery q { from A; where x = ?; order x desc asc }\n", "SC0002", 2, 45, None),
    ("/*\nentity Old {\n*/\nentity A {\n  x int $\n}\n", "SC0001", 5, 9, None),
    ("entity A {\n  x int\n}\n", "", 0, 0, None),
    ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  order x desc\n}\n", "", 0, 0, None),
]


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [pytest.param(t, c, ln, col, id=f"case{i}",
                  marks=[pytest.mark.xfail(strict=True, reason=r)] if r else [])
     for i, (t, c, ln, col, r) in enumerate(ONE_DIAGNOSTIC)])
def test_one_mistake_one_diagnostic(text: str, code: str, line: int, col: int) -> None:
    comp = compile_text(text, "t.sdl")
    got = [(d.code, d.span.line, d.span.col) for d in comp.diagnostics if d.span]
    assert got == ([(code, line, col)] if code else []), describe(comp)


def test_misspelt_type_with_arguments_suggests_the_type() -> None:
    comp = compile_text("entity A {\n  name strng(10)\n}\n", "t.sdl")
    assert_case(comp, "SC0101", 2, 8, "unknown type `strng`; did you mean `string`?")


@pytest.mark.parametrize(("text", "line", "col", "suggestion"), [
    ("entity A {\n  x int\n}\nquery q {\n  from A\n  where x = ?\n  order x dsc\n}\n", 7, 11, "desc"),
    ("entity A {\n  x int\n}\nwrite w {\n  instert A\n}\n", 5, 3, "insert"),
])
def test_misspelt_alternation_keywords_are_suggested(text: str, line: int, col: int, suggestion: str) -> None:
    comp = compile_text(text, "t.sdl")
    assert_case(comp, "SC0007", line, col, f"did you mean `{suggestion}`?")


def test_count_into_a_timestamp_field_is_rejected() -> None:
    comp = compile_text("entity P {\n  last timestamp = count(C)\n}\nentity C { p P }\n", "t.sdl")
    assert_case(comp, "SC0202", 2, 3, "`count` cannot use")


# -- whole bad models under tests/fixtures/bad ------------------------------------------------------------

EXPECT = re.compile(r"^// expect: (SC\d{4}) (\d+):(\d+)\s*$", re.M)
XFAIL = re.compile(r"^// xfail: (.+)$", re.M)
BAD_FILES = sorted(FIXTURES.glob("*.sdl"))


def test_bad_fixtures_exist() -> None:
    assert len(BAD_FILES) >= 5
    for path in BAD_FILES:
        assert EXPECT.search(path.read_text(encoding="utf-8")), f"{path.name} has no `// expect:` line"


@pytest.mark.parametrize("path", [
    pytest.param(p, id=p.name, marks=[pytest.mark.xfail(strict=True, reason=m.group(1))]
                 if (m := XFAIL.search(p.read_text(encoding="utf-8"))) else [])
    for p in BAD_FILES])
def test_bad_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = sorted((c, int(ln), int(col)) for c, ln, col in EXPECT.findall(text))
    comp = compile_text(text, path.name)
    got = sorted((d.code, d.span.line, d.span.col) for d in comp.diagnostics if d.span)
    assert got == expected, describe(comp)
    assert comp.model is None
