"""SQL habits in a query (`order by`, `sort`, `includes`, `group by`) get a did-you-mean (SC0007) pointing at
the clause head, instead of "unexpected X" after it; the same words elsewhere keep their plain errors."""

from __future__ import annotations

import pytest

from schemac.compiler.pipeline import compile_text

ENTITY = """model m {}
entity Post {
  title string(100)
  score int
  author Author
  volume 10k
}
entity Author {
  name string(50)
}
"""


def _errors(text: str) -> list[tuple[str, int, int, str]]:
    comp = compile_text(text, "t.sdl")
    return [(d.code, d.span.line, d.span.col, d.message) for d in comp.diagnostics if d.is_error and d.span]


@pytest.mark.parametrize(("clause", "habit", "suggestion"), [
    ("order by score", "order by", "order"),
    ("order  by score desc", "order by", "order"),
    ("sort score", "sort", "order"),
    ("sort by score", "sort by", "order"),
    ("includes author", "includes", "include"),
    ("includes author (name)", "includes", "include"),
    ("group by author", "group by", "group"),
])
def test_sql_habit_gets_did_you_mean(clause: str, habit: str, suggestion: str) -> None:
    text = ENTITY + f"query q {{\n  from Post\n  where title = ?\n  {clause}\n  limit 10\n}}\n"
    line = text.count("\n", 0, text.index(clause)) + 1
    assert _errors(text) == [("SC0007", line, 3, f"unknown clause `{habit}`; did you mean `{suggestion}`?")]


def test_habit_inside_include_options() -> None:
    text = ENTITY + "query q {\n  from Author\n  where name = ?\n  include Post (title, order by score)\n}\n"
    [(code, _, _, message)] = _errors(text)
    assert (code, message) == ("SC0007", "unknown clause `order by`; did you mean `order`?")


def test_every_habit_in_one_file_is_reported_once() -> None:
    text = ENTITY + "".join(f"query q{i} {{\n  from Post\n  where title = ?\n  {c} score\n}}\n"
                            for i, c in enumerate(("order by", "sort", "sort by")))
    assert [e[0] for e in _errors(text)] == ["SC0007"] * 3


@pytest.mark.parametrize("text", [
    # a field called `sort` in an entity is no habit: the error stays the parser's own
    "model m {}\nentity Post {\n  sort int int\n}\n",
    # `order` then a field that happens to be called `sort`: valid, and a different error after it is plain
    ENTITY.replace("score int", "sort int") + "query q {\n  from Post\n  where title = ?\n  order sort sort\n}\n",
])
def test_same_words_outside_a_clause_head_keep_the_plain_error(text: str) -> None:
    assert [e[0] for e in _errors(text)] == ["SC0002"]


def test_valid_sdl_is_untouched() -> None:
    text = ENTITY + "query q {\n  from Post\n  where title = ?\n  order score\n  include author\n  limit 5\n}\n"
    assert _errors(text) == []
