"""One misspelt type is one error: the field it drops is not reported again as an unknown field wherever the
model uses it (uniques, indexes, checks, aggregates, volumes, queries, includes, writes)."""

from __future__ import annotations

import pytest

from schemac.compiler.pipeline import compile_text

MODEL = """model m { tenant Org }
entity Org { name string(50) }
entity Author {
  name string(50)
  posts int = count(Post)
  scored int = sum(Post.score)
}
entity Post {
  title <title>
  author <author>
  score <score>
  status enum(open, closed) = open
  unique (title)
  index (author, score)
  check (score >= 0)
  volume 10k
  volume 2k where status = open
}
query by_title {
  from Post
  where title = ? and author = ? and score > ?
  order title, score desc
  include author
  limit 10
}
query totals {
  from Post
  where author = ?
  select title, count(*) as n, sum(score) as s
  group title
}
query author_page {
  from Author
  where id = ?
  include Post (title, score, order score)
}
write retitle {
  update Post by (title)
}
"""
GOOD = {"title": "string(100)", "author": "Author", "score": "int"}


def _model(**types: str) -> str:
    text = MODEL
    for name, typ in types.items():
        text = text.replace(f"<{name}>", typ)
    return text


def _errors(**bad: str) -> list[tuple[str, int]]:
    text = _model(**{**GOOD, **bad})
    comp = compile_text(text, "t.sdl")
    return [(d.code, d.span.line if d.span else 0) for d in comp.diagnostics if d.is_error]


def test_the_model_compiles_when_spelt_right() -> None:
    assert _errors() == []


@pytest.mark.parametrize(("field", "typo"), [("title", "strng(100)"), ("author", "Autor"), ("score", "integer"),
                                             ("author", "Autor[]"), ("score", "decimal(2, 5)")])
def test_one_misspelt_type_is_one_error(field: str, typo: str) -> None:
    line = MODEL.splitlines().index(f"  {field} <{field}>") + 1
    errors = _errors(**{field: typo})
    assert len(errors) == 1, errors
    assert errors[0][1] == line


def test_two_misspelt_types_are_two_errors() -> None:
    assert [c for c, _ in _errors(title="strng(100)", score="innt")] == ["SC0101", "SC0101"]


def test_a_really_unknown_field_is_still_reported() -> None:
    text = _model(**GOOD).replace("where title = ? and", "where titel = ? and")
    comp = compile_text(text, "t.sdl")
    assert [d.code for d in comp.diagnostics if d.is_error] == ["SC0105"]
