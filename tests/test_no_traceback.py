"""The compiler never raises on anything a user can write (SDL.md §7: never a Python traceback).

Every input below must give a `Compilation` holding either a model (and no error) or at least one error
diagnostic, and every diagnostic must carry a span inside the file and render. Inputs: truncations of the
examples, seeded random edits of them, and a corpus of tricky texts. The whole module runs in a few seconds.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest

from schemac.compiler.pipeline import Compilation, compile_text
from schemac.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.sdl"))}
# every SDL 1.2 construct (§5.2): buckets, `from A | B`, partial writes, `@expires`
EXAMPLES["sdl12.sdl"] = (ROOT / "tests" / "fixtures" / "sdl12" / "model.sdl").read_text(encoding="utf-8")
BAD_FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures" / "bad").glob("*.sdl"))
FILE = "fuzz.sdl"


def check(text: str) -> Compilation:
    """Compile `text`; fail with the input in the message on an exception or a malformed result."""
    try:
        comp = compile_text(text, FILE)
    except Exception as exc:  # the assertion is the point: show the input that raised
        pytest.fail(f"compile_text raised {type(exc).__name__}: {exc}\n--- input ---\n{text}", pytrace=False)
    assert isinstance(comp, Compilation)
    errors = [d for d in comp.diagnostics if d.is_error]
    if comp.model is None:
        assert errors, f"no model and no error\n--- input ---\n{text}"
    else:
        assert not errors, f"a model despite errors\n--- input ---\n{text}"
    lines = text.split("\n")
    for d in comp.diagnostics:
        assert d.span is not None, f"{d.code} has no span\n--- input ---\n{text}"
        s = d.span
        assert s.file == FILE
        assert 1 <= s.line <= len(lines), f"{d.code} at {s} outside the file\n--- input ---\n{text}"
        assert 1 <= s.col <= len(lines[s.line - 1]) + 1, f"{d.code} at {s} past the line\n--- input ---\n{text}"
        assert (s.end_line, s.end_col) >= (s.line, s.col)
        rendered = render(d, comp.sources)
        assert rendered.startswith(f"{s}: {d.severity.value}[{d.code}]: ")
    return comp


def declarations(text: str) -> list[str]:
    """The top-level declarations of a well-formatted file, each with the comments before it."""
    starts = [m.start() for m in re.finditer(r"^(?:model|entity|type|query|write|action|import)\b", text, re.M)]
    bounds = [0, *starts[1:], len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


# -- (a) truncations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_compile_cleanly(name: str) -> None:
    assert check(EXAMPLES[name]).ok


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_truncated_at_every_line(name: str) -> None:
    """The whole file cut after each line (alternately with and without the newline): partial models, a
    lost `}` at the end of the file, an unexpected end of file, ..."""
    lines = EXAMPLES[name].split("\n")
    for k in range(len(lines) + 1):
        check("\n".join(lines[:k]) + ("\n" if k % 2 else ""))


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_truncated_every_7_characters(name: str) -> None:
    """Every 7th character of each declaration, after the model block: every syntax state is met (the
    declaration is compiled on its own beside the model block, which keeps each compile small)."""
    decls = declarations(EXAMPLES[name])
    head = decls[0] if decls and decls[0].lstrip().startswith(("model", "//")) else ""
    count = 0
    for decl in decls:
        for i in range(0, len(decl) + 1, 7):
            check(head + decl[:i] if decl is not head else decl[:i])
            count += 1
    assert count >= len(EXAMPLES[name]) // 7


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_truncated_at_token_boundaries_of_one_query_and_entity(name: str) -> None:
    """Each token boundary of the whole file's last entity and last query, cut in place in the whole file."""
    text = EXAMPLES[name]
    for keyword in ("entity", "query"):
        start = [m.start() for m in re.finditer(rf"^{keyword}\b", text, re.M)][-1]
        end = text.index("\n}", start) + 2
        for m in re.finditer(r"\S+", text[start:end]):
            check(text[:start + m.end()])


# -- (b) random edits -------------------------------------------------------------------------------------

ALPHABET = "{}()<>[]?:;.,=@\"/*\n\t x9kMB-~#_$'\\é"
WORDS = ["entity", "query", "where", "and", "or", "from", "order", "include", "limit", "volume", "unique",
         "index", "check", "@owner", "@global", "type", "model", "import", "?", "1.5B", "1e9", "99999999999",
         "|", "quarter(", "day", "@expires", "(id)", "group", "between"]


def mutate(rng: random.Random, text: str) -> str:
    op = rng.randrange(7)
    i = rng.randrange(len(text) + 1)
    lines = text.split("\n")
    k = rng.randrange(len(lines))
    if op == 0:  # delete a character
        return text[:i] + text[i + 1:]
    if op == 1:  # insert a character
        return text[:i] + rng.choice(ALPHABET) + text[i:]
    if op == 2:  # duplicate a line
        return "\n".join([*lines[:k + 1], lines[k], *lines[k + 1:]])
    if op == 3:  # delete a line
        return "\n".join(lines[:k] + lines[k + 1:])
    if op == 4:  # swap two neighbouring lines
        j = min(k + 1, len(lines) - 1)
        lines[k], lines[j] = lines[j], lines[k]
        return "\n".join(lines)
    if op == 5:  # insert a word
        return f"{text[:i]} {rng.choice(WORDS)} {text[i:]}"
    return text[:i] + text[i + rng.randrange(1, 40):]  # delete a run of characters


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_random_single_edits(name: str) -> None:
    rng = random.Random(f"schemac-{name}")
    text = EXAMPLES[name]
    for _ in range(45):
        check(mutate(rng, text))


def test_random_edits_of_declarations() -> None:
    """Several edits at once, on single declarations (fast), so that deeper damage is met too."""
    rng = random.Random(1729)
    decls = [d for text in EXAMPLES.values() for d in declarations(text)]
    for _ in range(400):
        text = rng.choice(decls)
        for _ in range(rng.randrange(1, 4)):
            text = mutate(rng, text) if text else text
        check(text)


# -- (c) tricky inputs ------------------------------------------------------------------------------------

BIG = "1" + "0" * 400

TRICKY: list[str] = [
    # SDL 1.2 (§5.2)
    "entity A { t timestamp; n int }\nquery q { from A | A | B; where quarter(t) = ? }",
    "entity A { t timestamp }\nquery q { from A; where quarter(t) = ? and quarter(t) = ?; group day(t), day(t) }",
    "entity A { t timestamp }\nquery q { from A; where x(t) between 1 and ?; select week(nope), year(t) as year }",
    "entity A { t int @expires @expires(1) }\nentity B { a timestamp @expires; b date? @expires }",
    "entity A { x int; c int = count(B where day(t) = 1) }\nentity B { a A; t date }",
    "entity A { x int }\nwrite w { update A (x, x, id, created_at, nope, updated_at) by (id) }",
    "entity A { x int; y int; unique (x) }\nwrite w { upsert A (y) by (x) }\nwrite v { delete A (x) by (x) }",
    "entity A { x int }\nentity B { y int }\nquery q { from A | B; where x = ?; order y; select z; group x }",
    "entity A { x A }\nquery q { from A | A; where x.x.x = ? }",
    "query q { from Nope | Also; where quarter(x) = ? }\nwrite w { update Nope (a) by (id) }",
    'model m { tenant "Org" }\nentity Org { x int }',
    'model m { ids "bigint" }',
    "",
    " ",
    "\n\n\n",
    "\t\r\n",
    ";;;",
    "// only a comment",
    "// only a comment\n",
    "/* only a block comment */",
    "/* nested /* block */ comment */",
    "/*",
    "/* never closed\nentity A { x int }\n",
    "*/",
    "//\n/**/\n//",
    "ünïcödé",
    "entity Ä { x int }",
    "entity A { ñame int }",
    "entity A { x int @doc(\"ünïcødé ✓ 日本語 🎉\") }",
    "\ufeffentity A { x int }",
    "\x00",
    "entity A { x int }\x00",
    "\u2028entity A {\u2028x int\u2028}",
    "entity A {\x0cx int }",
    "entity",
    "entity {",
    "entity {}",
    "entity A {",
    "entity A }",
    "entity A { x int } }",
    "{",
    "}",
    "{}",
    "{{{}}}",
    "entity A { { x int } }",
    "entity A { x int { } }",
    "entity A {\n  x int\n  entity B {\n    y int\n  }\n}",
    "(" * 300,
    ")" * 300,
    "{" * 300,
    "}" * 300,
    "entity A { x enum(" + "(" * 100 + ") }",
    "entity A { x int check (" + "(" * 100 + ") }",
    "entity A { x string(",
    "entity A { x string(10",
    "entity A { x list<",
    "entity A { x list<int",
    "entity A { x list<list<int>> }",
    "entity A { x list<A> }",
    "entity A { x list }",
    "entity A { x int[] }",
    "entity A { x A[][] }",
    "entity A { x A[] }",
    "entity A { x A?? }",
    "entity A { x int = }",
    "entity A { x int = = 1 }",
    '"unterminated',
    'entity A { x int @doc("abc }',
    'entity A { x string(5) = "a\nb" }',
    'entity A { x string(5) = "\\" }',
    'entity A { x string(5) = "\\\\" }',
    'import "',
    'import ""',
    'import "x.sdl"',
    'import "/etc/passwd"',
    "import x",
    "model",
    "model {",
    "model m",
    "model m {",
    "model m { }",
    "model m { tenant }",
    "model m { tenant Nope }",
    "model m { tenant 5 }",
    "model m { ids }",
    "model m { horizon }",
    "model m { horizon -5 months }",
    "model m { horizon 0 years }",
    "model m { horizon 5 eons }",
    f"model m {{ horizon {BIG} years }}\nentity A {{ x int\n volume 5/month }}",
    "model m { audit on on }",
    "model a {}\nmodel b {}\nmodel c {}",
    "entity A { x int = 99999999999999999999999999999999999 }",
    "entity A { x string(99999999999999999999999) }",
    "entity A { x decimal(99999999999999999999, 2) }",
    "entity A { x decimal(-1, 2) }",
    "entity A { x decimal(2, 5) }",
    f"entity A {{ x int\n volume {BIG} }}",
    "entity A { x int\n volume -5 }",
    "entity A { x int\n volume 5/month + 3/month }",
    "entity A { x int\n volume 5 + 3 }",
    "entity A { x int\n size 0 bytes }",
    "entity A { x int\n size 1 }",
    f"entity A {{ x int }}\nquery q {{ from A; where x = ?\n rate {BIG}/s }}",
    "entity A { x int }\nquery q { from A; where x = ?\n rate 0/s }",
    "entity A { x int }\nquery q { from A; where x = ?\n rate -1/s }",
    "entity A { x int }\nquery q { from A; where x = ?\n limit -1 }",
    "entity A { x int }\nquery q { from A; where x = ?\n limit 2.5 }",
    "entity A { x int\n  id string(5) }",
    "entity A { id int? }",
    "entity A { created_at int }",
    "entity A @append_only { updated_at timestamp }",
    "entity A @versioned { version text }",
    "entity A @versioned @append_only { x int }",
    "entity A @table() { x int }",
    "entity A @table(1) { x int }",
    'entity A @table("") { x int }',
    'entity A @table("a", "b") { x int }',
    "entity A @global(1) { x int }",
    "entity A { x int @on_delete }",
    "entity A { r A? @on_delete(set_null, cascade) }",
    "entity A { x int @doc }",
    "entity A { x int = count(A) }",
    "entity A { a A?\n n int = count(A) }",
    "entity A { a A?\n n int = count(A.x.y) }",
    "entity A { a A?\n n int = count(A where a = ?) }",
    "entity A { a A?\n n int = sum(A) }",
    "entity A { a A?\n n int = avg(A.a) }",
    "entity A { a A?\n n int = foo(A) }",
    "entity A { n int = count(Nope) }",
    "entity A { x int\n check (x..y) }",
    "entity A { x int\n check (1 < 2) }",
    "entity A { x int\n check (x < 1 and x > 0) }",
    "entity A { x int check (x < y) }",
    "entity A { x int check (len <= 5) }",
    "entity A { s text check (len <= \"a\") }",
    "entity A { x enum(a, b) check (>= a) }",
    "entity A { x int\n volume 5 where x = ? }",
    "entity A { x int\n volume 5 where y = 1 }",
    "entity A { x int\n unique (x) where x = ? }",
    "entity A { x int\n unique (x.y) }",
    "entity A { x int\n unique () }",
    "entity A { x int\n index (x asc desc) }",
    "type T { x T }",
    "type T { x T? }",
    "type T { x int }\ntype U { t T }\nentity A { u U }",
    "type T { x int }\nentity A { t T[] }",
    "type T { x int }\nentity A { t T\n unique (t) }",
    "type T { x int }\nentity A { t T }\nquery q { from A; where t.x = ? }",
    "type T @global { x int }",
    "type T { x int\n unique (x) }",
    "entity A { x int }\ntype A { y int }",
    "entity A { tags A[] }",
    "entity A { as A[] }\nentity AAs { x int }",
    "entity Tag { x int }\nentity A { tags Tag[]\n tags_x int }\nquery q { from A; where tags = ? }",
    "model m { tenant A }\nentity A @global { x int }",
    "model m { tenant A }\nentity A { x int }\nentity B { a A? }",
    "model m { tenant A }\nentity A { x int }\nentity B { a A\n b A }",
    "model m { tenant A }\nentity A { x int }\nentity B { tags B[] }",
    "model m { tenant A }\nentity A { members B[] }\nentity B { x int }",
    "model m { tenant A }\nentity A { x int }\nentity B { a int }",
    "entity A { x int }\nquery q { from A; where x.id = ? }",
    "entity A { r A? }\nquery q { from A; where r.r.r.r.id = ? }",
    "entity A { r A? }\nquery q { from A; where r.id.id = ? }",
    "entity A { x int }\nquery q { from A; select count() ; where x = ?}",
    "entity A { x int }\nquery q { from A; select count(*) ; where x = ?}",
    "entity A { x int }\nquery q { from A; select max(*) ; where x = ?}",
    "entity A { x int }\nquery q { from A; select foo(x) ; where x = ?}",
    "entity A { x int }\nquery q { from A; select x as a, x as a ; where x = ?}",
    "entity A { x int }\nquery q { from A; where x = ?; order count desc; select count(*) as count }",
    "entity A { x int }\nquery q { from A; where x = ?; group x; select x, y }",
    "entity A { x int }\nquery q { from A; where x = :a and x = :a }",
    "entity A { x int; y int }\nquery q { from A; where x = :a and y = :a }",
    "entity A { x int }\nquery q { from A; where x = ? and x = ? and x = ? }",
    "query q { from A; where x = ? }",
    "query q { }",
    "query q { from }",
    "query q { batch }",
    "entity A { x int }\nquery q { from A\n from A\n where x = ? }",
    "entity A { x enum(a,b) }\nquery q { from A; where x = c }",
    "entity A { x bool }\nquery q { from A; where x = 1 }",
    "entity A { x timestamp }\nquery q { from A; where x = \"2020\" }",
    "entity A { x json }\nquery q { from A; where x > ? }",
    "entity A { x json }\nquery q { from A; where x ~ ? }",
    "entity A { x list<int> }\nquery q { from A; where x = ? }",
    "entity A { x list<int> }\nquery q { from A; where x is null; batch }",
    "entity A { x int }\nquery q { from A; where x = ?; consistency sometimes }",
    "entity A { x int }\nquery q { from A; where x = ?; rate 5/fortnight }",
    "entity A { x int }\nquery q { from A; where x = ?; include x }",
    "entity A { x int }\nquery q { from A; where x = ?; include A }",
    "entity A { x int ; r A? }\nquery q { from A; where x = ?; include r (r (r (x))) }",
    "entity A { x int ; r A? }\nquery q { from A; where x = ?; include A (order x, limit 0) }",
    "entity A { x int ; r A? }\nquery q { from A; where x = ?; include r (order x, limit 5) }",
    "entity A { x int ; r A? }\nquery q { from A; where x = ?; include A (nope (x)) }",
    "entity A { x int }\nwrite w { upsert A by (x) }",
    "entity A { x int }\nwrite w { delete A by (y) }",
    "entity A { x int }\nwrite w { delete A by (x.y) }",
    "entity A { x int }\nwrite w { insert A\n insert A }",
    "entity A { x int }\nwrite w { insert A\n rate 1/s\n rate 2/s }",
    "entity A { x int }\nwrite w { insert Nope }",
    "write w { }",
    "action a { }",
    "action a { a, a }",
    "action a { ,,, }",
    "entity A { x int }\nquery q { from A; where x = ? }\naction a { q, q }",
    "entity A { x int }\n" * 50,
    "".join(f"entity E{i} {{ p E{(i + 1) % 30} @owner\n n int = count(E{(i + 29) % 30}) }}\n" for i in range(30)),
    "".join(f"entity E{i} {{ p E{(i + 1) % 30}? }}\n" for i in range(30))
    + "query q { from E0; where p.p.p.p.p.p.p.p.p.p.id = ? }",
    "a" * 5000,
    "entity " + "A" * 3000 + " { x int }",
    "entity A { " + " ".join(f"f{i} int" for i in range(300)) + " }",
    "entity A {\n" + "\n".join(f"  f{i} int" for i in range(300)) + "\n}",
    "model m {\n" + "tenant T\n" * 3 + "}\nentity T { x int }",
]

# Inputs on which the compiler once raised (each value says where): now regression tests.
CRASHES: dict[str, str] = {
    f"entity A {{ x int = {BIG} }}":
        "nodes.Number.is_integer: int(float('inf')) raises OverflowError for a number literal above ~1.8e308",
    f"entity A {{ x float = {BIG} }}": "same OverflowError, in resolve.EntityResolver._literal_default",
    f"entity A {{ x string({BIG}) }}": "same OverflowError, in resolve.EntityResolver._type_arg_error",
    f"entity A {{ x int check (0..{BIG}) }}": "same OverflowError, in resolve.EntityResolver._const",
    f"entity A {{ x int check (>= {BIG}) }}": "same OverflowError, in resolve.EntityResolver._const",
    f"entity A {{ x int }}\nquery q {{ from A; where x = {BIG} }}":
        "same OverflowError, in predicates.PredicateResolver._literal",
    f"entity A {{ x int }}\nquery q {{ from A; where x = ?\n limit {BIG} }}":
        "same OverflowError, in patterns.PatternResolver._int",
    f"entity A {{ x int\n size {BIG} bytes }}": "OverflowError in resolve.EntityResolver._size: int(inf * unit)",
}


@pytest.mark.parametrize("text", TRICKY, ids=[f"tricky{i}" for i in range(len(TRICKY))])
def test_tricky_input(text: str) -> None:
    check(text)


@pytest.mark.parametrize("text", [
    pytest.param(t, id=f"crash{i}") for i, t in enumerate(CRASHES)])
def test_known_crash(text: str) -> None:
    comp = check(text)
    if BIG in text:  # a 401-digit number fits no field, volume, size or limit: a coded error, not a model
        assert comp.model is None
        assert [d.code for d in comp.diagnostics] == ["SC0008"]


def test_huge_numbers_below_overflow_do_not_raise() -> None:
    for digits in (20, 100, 308):
        big = "1" + "0" * digits
        for text in (f"entity A {{ x int = {big} }}", f"entity A {{ x string({big}) }}",
                     f"entity A {{ x int check (0..{big}) }}", f"entity A {{ x int\n size {big} bytes }}",
                     f"entity A {{ x int }}\nquery q {{ from A; where x = ?\n limit {big} }}"):
            check(text)


@pytest.mark.parametrize("path", BAD_FIXTURES, ids=[p.name for p in BAD_FIXTURES])
def test_bad_fixtures_do_not_raise(path: Path) -> None:
    comp = check(path.read_text(encoding="utf-8"))
    assert comp.model is None


def test_every_example_declaration_alone() -> None:
    """Each declaration without the rest of its model: unknown names everywhere, never an exception."""
    for text in EXAMPLES.values():
        for decl in declarations(text):
            check(decl)
