"""The fast parser (`schemac.compiler.fast_syntax`) against Lark: same tree or no tree, never another one.

`syntax.parse` tries the hand-written parser first and falls back to Lark when it gives up, so the fast
parser must build exactly Lark's tree (spans included) for every text it accepts, and must give up on
every text Lark rejects. These tests compare the two on the examples, synthetic models and thousands of
mutants (tokens deleted, replaced and inserted), and pin the facts about the grammar the fast parser
relies on, so that a grammar change fails here first.
"""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

import pytest
from lark import Lark
from lark.lexer import PatternStr

from schemac.compiler import fast_syntax, syntax
from schemac.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
SDL12 = ROOT / "tests" / "fixtures" / "sdl12" / "model.sdl"  # every SDL 1.2 construct (§5.2)
SOURCES = [*EXAMPLES, SDL12]
sys.path.insert(0, str(ROOT / "bench"))

from synth import generate  # noqa: E402

from tests.helpers.fast_syntax import TOKEN, VOCAB, lark_tree, same_or_declined  # noqa: E402


def test_grammar_is_the_one_the_fast_parser_mirrors() -> None:
    digest = hashlib.sha256(syntax._grammar().encode("utf-8")).hexdigest()
    assert digest == fast_syntax.GRAMMAR_SHA256, (
        "sdl.lark changed: the fast parser is switched off until schemac/compiler/fast_syntax.py handles the "
        f"change and its GRAMMAR_SHA256 is set to {digest}")
    assert syntax._fast_path()


def test_keywords_lexed_where_a_name_is_accepted() -> None:
    """Lark's contextual lexer makes a word a keyword wherever the LALR state accepts that keyword, even
    where a NAME is accepted too: the fast parser handles exactly these three kinds of states."""
    lark: Lark = syntax._parser()[0]
    table = lark.parser.parser.parser.parse_table  # type: ignore[attr-defined]
    words = {t.name: t.pattern.value for t in lark.terminals
             if isinstance(t.pattern, PatternStr) and t.pattern.value.isidentifier()}
    seen = {frozenset(words[k] for k in actions if k in words) for actions in table.states.values()
            if "NAME" in actions}
    assert seen - {frozenset()} == {
        frozenset({"unique", "index", "check", "volume", "size"}),  # an entity or type member starts
        frozenset({"order", "limit"}),  # an include option starts
        frozenset({"and", "or", "check", "where"}),  # after a number
    }
    regex_words = {t.name for t in lark.terminals if t.name in ("DIRECTION", "WRITE_KIND")}
    assert not any("NAME" in actions and regex_words & set(actions) for actions in table.states.values())


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_examples(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = fast_syntax.parse(text, "t.sdl")
    assert fast is not None, "the fast parser gives up on an example"
    assert repr(fast) == repr(lark_tree(text))


@pytest.mark.parametrize("n_entities,seed", [(2, 0), (40, 1), (120, 2)])
def test_synthetic_models(n_entities: int, seed: int) -> None:
    text = generate(n_entities, seed)
    fast = fast_syntax.parse(text, "t.sdl")
    assert fast is not None
    assert repr(fast) == repr(lark_tree(text))


def test_parse_uses_the_fast_path_and_falls_back() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8")
    assert repr(syntax.parse(text, "t.sdl", Diagnostics())) == repr(lark_tree(text))
    quirk = "entity A {\n  x int\n}\nquery q {\n  from A\n  where x index ?\n}\n"  # Lark reads `in dex`
    assert fast_syntax.parse(quirk, "t.sdl") is None
    assert repr(syntax.parse(quirk, "t.sdl", Diagnostics())) == repr(lark_tree(quirk))
    diags = Diagnostics()
    assert syntax.parse("entity A {\n  x int(\n}\n", "t.sdl", diags) is None
    assert [d.code for d in diags]


@pytest.mark.parametrize("text", [
    "model m {\n  horizon 18 where\n}\n",  # after a number, `where` is a keyword
    "entity A {\n  size 250 and\n}\n",
    "entity A {\n  x int = 5 check (>= 0)\n}\n",
    "entity A {\n  unique string(3)\n  index int\n  check bool\n  volume int\n  size int\n  unique (index)\n}\n",
    "type T {\n  unique (x)\n}\n",
    "entity A {\n  order A\n}\nquery q {\n  from A\n  where order = ?\n"
    "  include order (order created_at, limit 5)\n}\n",
    "query q {\n  from A\n  include B (order (a desc, b), limit 3, c, d (e))\n  select a as b, count(*) as c\n}\n",
    "query q {\n  from A\n  where a = open and b between 1 and 2 or c is not null and d ~ :text and e in ?\n}\n",
    "write w {\n  upsert A by (a, b.c)\n  rate 5/s\n}\naction x { q1, q2\n q3 }\n",
    "entity A @table(\"a\\\"b\") @doc() {\n  x list<decimal(10, 2)>? = \"d\" @on_delete(set_null)\n}\n",
    "entity A {\n  x int = count(B.a where c = 1 and d is null)\n  volume 1.5k + 20/month where s = x\n}\n",
    "import \"a.sdl\"; entity A { x int; y int }",
    "entity A { x int check (0..100 and >= 5) }\nentity B { check (a < b) }\n",
    "entityA { x int }\n", "entity A {\n  x int\n}\nquery q {\n  from A\n  order x ascending\n}\n",
    "write w {\n  insertA\n}\n", "entity A { x int } /* open", "entity A { x list<int>= 5 }\n",
    # SDL 1.2: buckets, unions, partial writes, @expires
    "query q {\n  from A\n  where quarter(a) = ? and day between ? and :to and month(b.c) between ? and ?\n"
    "  group rep, quarter(placed_at), day\n  select day(x) as d, quarter(y), count(*), day\n}\n",
    "query q {\n  from A | B|C\n  where week(x) is not null and year(y) ~ ? and day(z) in ?\n}\n",
    "query q {\n  from A |\n B\n}\n", "query q {\n  from A |\n\n  B |;\n C\n  where x = ?\n}\n",
    "query q {\n  from A\n  | B\n}\n", "query q {\n  from A | | B\n}\n", "query q {\n  from A |\n}\n",
    "query q {\n  from | A\n}\n", "query q {\n  where quarter(a.b) = ?\n  group month(\n  x)\n}\n",
    "query q {\n  where quarter(a)(b) = ?\n}\n", "query q {\n  where a.quarter(b) = ?\n}\n",
    "query q {\n  where quarter() = ?\n}\n", "query q {\n  group quarter(a, b)\n}\n",
    "query q {\n  group quarter(*)\n}\n", "query q {\n  order quarter(a)\n}\n",
    "write w {\n  update Loan (returned_at) by (id)\n}\nwrite v {\n  upsert S (a,\n b) by (c)\n}\n",
    "write w {\n  insert A (x)\n}\nwrite v {\n  delete A (x) by (y)\n}\n", "write w {\n  update A () by (id)\n}\n",
    "write w {\n  update A (x.y) by (id)\n}\n", "write w {\n  update A (x) (y) by (id)\n}\n",
    "write w {\n  update A by (id) (x)\n}\n", "write w {\n  update A (x by (id)\n}\n",
    "entity S @global {\n  expires_at timestamp? @expires @index\n  day date @expires()\n}\n",
])
def test_corner_cases(text: str) -> None:
    same_or_declined(text)


def test_mutants() -> None:
    """Every declaration of the examples and of the SDL 1.2 model with one token deleted, replaced or preceded
    by another."""
    rng = random.Random(7)
    cases = 0
    for path in SOURCES:
        for chunk in syntax._declaration_chunks(path.read_text(encoding="utf-8")):
            chunk = chunk.lstrip("\n")
            for m in TOKEN.finditer(chunk):
                a, b = m.span()
                same_or_declined(chunk[:a] + chunk[b:])
                for word in rng.sample(VOCAB, 4):
                    same_or_declined(chunk[:a] + " " + word + " " + chunk[b:])
                    same_or_declined(chunk[:a] + word + chunk[a:])
                cases += 9
    assert cases > 5000
