"""Queries against PostgreSQL: every pattern of queries.json runs on mongomock over the documents built from
the logical rows that PostgreSQL holds, and returns what the PostgreSQL target's statement returns for the same
parameters (drawn from the data: the biggest groups and random rows), column by column through
`result.columns`; as sets, or as lists where the order is defined (ties grouped, see mongo_compare). Every
access pattern of the model has its pattern, with the PostgreSQL statement's parameters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemac.compiler.naming import pascal
from tests.helpers.mongo_cases import BROKEN, artifacts, example_cases, loaded, pattern_against_postgres, pattern_cases
from tests.helpers.mongo_mock import param_names
from tests.helpers.pg_answers import PgAnswers, pg_answers  # noqa: F401  (fixture)

Load = Callable[[str], PgAnswers]
DRAWS = 4  # two biggest groups, two random rows


@pytest.mark.parametrize("example", example_cases())
def test_every_access_pattern_has_its_query(pg_answers: Load, example: str) -> None:  # noqa: F811
    art = artifacts(example)
    pg = pg_answers(example)
    names = [p["name"] for p in art.patterns]
    missing = [q.name for q in pg.model.queries if q.name not in names]
    assert not missing, f"{example}: queries.json lacks {missing}"
    problems = []
    for p in art.patterns:
        if p["name"] not in pg.statements:
            problems.append(f"{p['name']}: no PostgreSQL statement {pascal(p['name'])} to compare with")
            continue
        want = [n for n, _ty, _null in pg.statement(p["name"]).params]
        got = [x["name"] for x in p.get("params") or []]
        if got != want:
            problems.append(f"{p['name']}: params {got}, the PostgreSQL statement has {want}")
        used = param_names([p.get("filter"), p.get("pipeline"), p.get("projection")])
        if not used <= set(got):
            problems.append(f"{p['name']}: uses parameters {sorted(used - set(got))} it does not declare")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("example", "name"), list(pattern_cases()))
def test_pattern_equals_postgres(pg_answers: Load, example: str, name: str) -> None:  # noqa: F811
    assert not name.startswith(BROKEN), name
    pg = pg_answers(example)
    ld = loaded(example, pg)
    pattern = ld.art.pattern(name)
    problems, sizes = pattern_against_postgres(pg, ld.db, pattern, DRAWS)
    assert not problems, f"{example} {name}:\n" + "\n".join(problems[:8])
    assert any(sizes), f"{example} {name}: every draw found no rows, nothing was compared"
