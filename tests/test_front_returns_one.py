"""`:one` (Query.returns_one) for every query that returns one row at most: a count or other aggregates
without `group`, a `limit 1`, and equalities that cover a unique key, also through a reference pinned by a
unique key of its own. Grouped, relation-aggregated and partly keyed queries stay `:many`."""

from __future__ import annotations

import pytest

from schemac.compiler.pipeline import compile_text
from schemac.diagnostics import render

MODEL = """model m { tenant Org }
entity Org { name string(50) }
entity Author {
  email email @unique
  handle string(20)
  site string(20)
  unique (handle, site)
}
entity Post {
  slug string(50) @unique
  author Author
  n int
  status enum(open, closed) = open
  unique (author, n)
  unique (status) where status = open
}
entity Comment {
  post Post
  body text
}
"""

CASES = {
    # one row
    "count": ("from Post\n where author = ?\n select count(*) as c", True),
    "sum_and_count": ("from Post\n where author = ?\n select sum(n) as s, count(*) as c", True),
    "limit_1": ("from Post\n where author = ?\n order n desc\n limit 1", True),
    "unique_field": ("from Author\n where email = ?", True),
    "unique_pair": ("from Author\n where handle = ? and site = ?", True),
    "unique_with_reference": ("from Post\n where author = ? and n = ?", True),
    "unique_through_path": ("from Post\n where author.email = ? and n = ?", True),
    "unique_through_two_paths": ("from Post\n where author.handle = ? and author.site = ? and n = ?", True),
    "id_and_filter": ("from Post\n where id = ? and n > ?", True),
    "unique_of_child_path": ("from Comment\n where post.slug = ? and id = ?", True),
    # several rows
    "grouped_count": ("from Post\n where author = ?\n select status, count(*) as c\n group status", False),
    "child_count_per_row": ("from Author\n where handle = ?\n select email, count(Post) as posts", False),
    "limit_2": ("from Post\n where author = ?\n order n\n limit 2", False),
    "half_a_unique": ("from Author\n where handle = ?", False),
    "path_not_unique": ("from Post\n where author.handle = ? and n = ?", False),
    "partial_unique_is_no_key": ("from Post\n where status = open", False),
    "range_on_unique": ("from Author\n where email > ?", False),
    "in_list": ("from Author\n where email in ?", False),
    "plain_list": ("from Post\n where author = ?", False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_returns_one(name: str) -> None:
    body, one = CASES[name]
    comp = compile_text(MODEL + f"query {name} {{\n {body}\n}}\n", "t.sdl")
    assert comp.model is not None, [render(d, comp.sources) for d in comp.diagnostics]
    [q] = comp.model.queries
    assert q.returns_one is one
