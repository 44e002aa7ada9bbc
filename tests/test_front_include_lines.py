"""Repeated `include` lines in one query are merged into one include list (not a duplicate-clause error), and
both parsers read them identically (fast parser against Lark, on the texts and on their mutants)."""

from __future__ import annotations

import random

import pytest

from schemac.compiler import fast_syntax
from schemac.compiler.pipeline import compile_text
from schemac.diagnostics import render
from tests.helpers.fast_syntax import TOKEN, VOCAB, same_or_declined

MODEL = """model m {}
entity Author {
  name string(50)
  email string(100)
}
entity Tag {
  name string(20)
}
entity Post {
  title string(100)
  author Author
  editor Author?
  tags Tag[]
  volume 10k
}
entity Comment {
  post Post
  body text
}
"""
QUERY = """query post_page {
  from    Post
  where   id = ?
  include author (name)
  include editor (name, email)
  include tags
  include Comment (body, order created_at, limit 5)
}
"""


def test_include_lines_are_merged_in_order() -> None:
    comp = compile_text(MODEL + QUERY, "t.sdl")
    assert not [d for d in comp.diagnostics if d.is_error], [render(d, comp.sources) for d in comp.diagnostics]
    assert comp.model is not None
    [q] = comp.model.queries
    assert [i.name for i in q.include] == ["author", "editor", "tags", "Comment"]


def test_merged_lines_equal_one_line() -> None:
    one = QUERY.replace("include author (name)\n  include editor (name, email)\n  include tags\n  include",
                        "include author (name), editor (name, email), tags,")
    a, b = compile_text(MODEL + QUERY, "t.sdl"), compile_text(MODEL + one, "t.sdl")
    assert a.model is not None and b.model is not None
    assert _spanless(a.model.queries[0].include) == _spanless(b.model.queries[0].include)


def _spanless(value: object) -> object:
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: _spanless(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list | tuple):
        return [_spanless(v) for v in value]
    return value


def test_same_relation_on_two_lines_is_still_reported_once() -> None:
    text = MODEL + QUERY.replace("include tags\n", "include tags\n  include author\n")
    comp = compile_text(text, "t.sdl")
    errors = [d for d in comp.diagnostics if d.is_error]
    line = text.count("\n", 0, text.rindex("include author")) + 1
    assert [(d.code, d.span.line) for d in errors] == [("SC0207", line)]
    assert "`author` is included twice" in errors[0].message


def test_other_clauses_repeated_are_still_errors() -> None:
    comp = compile_text(MODEL + QUERY.replace("include tags\n", "include tags\n  limit 5\n  limit 6\n"), "t.sdl")
    assert [d.code for d in comp.diagnostics if d.is_error] == ["SC0214"]


@pytest.mark.parametrize("text", [
    QUERY,
    "query q {\n  from A\n  include b\n  include c (d, order e, limit 2); include f\n}\n",
    "query q {\n  include b\n  from A\n  where x = ?\n  include c\n  include b.d (e)\n}\n",
    "query q { include b; include c; include d }\n",
])
def test_both_parsers_read_repeated_include_lines_alike(text: str) -> None:
    assert fast_syntax.parse(text, "t.sdl") is not None  # the fast path takes it: the comparison is not vacuous
    same_or_declined(text)


def test_mutants_of_repeated_include_lines() -> None:
    rng = random.Random(11)
    vocab = [*VOCAB, "include", "from", "select"]
    cases = 0
    for m in TOKEN.finditer(QUERY):
        a, b = m.span()
        same_or_declined(QUERY[:a] + QUERY[b:])
        for word in rng.sample(vocab, 6):
            same_or_declined(QUERY[:a] + " " + word + " " + QUERY[b:])
            same_or_declined(QUERY[:a] + word + QUERY[a:])
        cases += 13
    assert cases > 500
