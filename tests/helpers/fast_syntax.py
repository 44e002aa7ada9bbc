"""The fast parser against Lark, shared by tests/test_fast_syntax.py and the front-end tests that mutate
texts: `same_or_declined(text)` (the same tree as Lark's, or none), and the tokens and words of the mutants."""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedInput

from schemac.compiler import fast_syntax, syntax
from schemac.compiler import nodes as n


def lark_tree(text: str, file: str = "t.sdl") -> n.File | None:
    lark, transformer = syntax._parser()
    transformer.file = file
    try:
        tree = lark.parse(text)
    except UnexpectedInput:
        return None
    return n.File(file, tuple(transformer.transform(tree)))


def same_or_declined(text: str) -> None:
    fast = fast_syntax.parse(text, "t.sdl")
    if fast is None:
        return
    slow = lark_tree(text)
    assert slow is not None, f"the fast parser accepts a text Lark rejects:\n{text}"
    assert repr(fast) == repr(slow), f"the fast parser builds another tree for:\n{text}"


TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|[A-Za-z][A-Za-z0-9_]*|-?[0-9]+(?:\.[0-9]+)?[kMB]?|<=|>=|!='
                    r'|\.\.|\[\]|\n|\S')
VOCAB = ["unique", "index", "check", "volume", "size", "and", "or", "where", "order", "limit", "in", "is", "not",
          "null", "as", "by", "asc", "desc", "insert", "rate", "entity", "x", "Foo", "{", "}", "(", ")", ",", "?",
          "@", "/", ".", "..", "=", "<", ">", "<=", "[]", "*", ":", "~", "+", "5", "-2", "1.5k", '"s"', "\n", ";",
          "|", "quarter", "day", "update", "between", "group", "from", "expires"]
