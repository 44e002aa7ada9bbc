"""Index service, read statically: each pattern's filter and sort are served by the index it names, in ESR
order (equality keys, then the sort, then ranges) with the tenant leading, and a partial index only where the
query's filter implies its partialFilterExpression (tests/helpers/mongo_esr.py)."""

from __future__ import annotations

import pytest

from tests.helpers.mongo_cases import BROKEN, artifacts, pattern_cases
from tests.helpers.mongo_esr import pattern_problems, tenant_keys


@pytest.mark.parametrize(("example", "name"), list(pattern_cases()))
def test_pattern_is_served_by_its_index(example: str, name: str) -> None:
    assert not name.startswith(BROKEN), name
    art = artifacts(example)
    pattern = art.pattern(name)
    tenants = tenant_keys(art.collections, art.result.design.model)
    problems = pattern_problems(pattern, art.collections, tenants)
    assert not problems, f"{example} {name} (index {pattern.get('index')}):\n" + "\n".join(problems)
    declared = [ix for ix in art.collection(pattern["collection"]).get("indexes") or []
                if ix["name"] == pattern.get("index")]
    if declared:
        assert name in (declared[0].get("serves") or []), f"{pattern['index']} does not list {name} in serves"
