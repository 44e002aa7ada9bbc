"""Validators: every collection's `$jsonSchema` is in MongoDB's dialect (mongo-schema refuses the keywords
MongoDB lacks: format, $ref, default...), every document built from the logical rows is accepted, and a
document that breaks each rule in turn is rejected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bson import ObjectId

from tests.helpers.mongo_cases import artifacts, example_cases, loaded
from tests.helpers.mongo_mock import bind
from tests.helpers.mongo_mutants import mutants
from tests.helpers.mongo_validate import SchemaError, ValidationError, check_schema, errors, validate
from tests.helpers.mongo_writes import fresh_row, write_params
from tests.helpers.pg_answers import PgAnswers, pg_answers  # noqa: F401  (fixture)

Load = Callable[[str], PgAnswers]


def _schema(c: dict[str, Any]) -> dict[str, Any]:
    validator = c.get("validator") or {}
    assert "$jsonSchema" in validator, f"collection {c['name']} has no $jsonSchema validator"
    return validator["$jsonSchema"]


@pytest.mark.parametrize("example", example_cases())
def test_validators_are_mongodb_dialect(example: str) -> None:
    art = artifacts(example)
    assert art.collections["collections"], f"{example}: no collections"
    for c in art.collections["collections"]:
        try:
            check_schema(_schema(c))
        except SchemaError as exc:
            pytest.fail(f"{example} {c['name']}: not MongoDB's $jsonSchema dialect: {exc.message}", pytrace=False)
        assert c.get("validationLevel") in ("strict", "moderate"), f"{c['name']}: validationLevel"
        assert c.get("validationAction") in ("error", "warn"), f"{c['name']}: validationAction"


@pytest.mark.parametrize("keyword", [{"format": "email"}, {"$ref": "#/x"}, {"default": 1}, {"type": "integer"}])
def test_the_dialect_check_bites(keyword: dict[str, Any]) -> None:
    """Keywords MongoDB refuses are refused here too."""
    schema = {"bsonType": "object", "properties": {"a": {"bsonType": "string", **keyword}}}
    with pytest.raises(SchemaError):
        check_schema(schema)


@pytest.mark.parametrize("example", example_cases())
def test_documents_are_accepted(pg_answers: Load, example: str) -> None:  # noqa: F811
    ld = loaded(example, pg_answers(example))
    problems = []
    for c in ld.spec["collections"]:
        schema = _schema(c)
        for d in ld.docs.get(c["name"], []):
            found = errors(schema, d)
            if found:
                problems.append(f"{c['name']} {d.get('_id')!r}: {found[0].message} at {list(found[0].path)}")
    assert not problems, f"{len(problems)} documents refused:\n" + "\n".join(problems[:10])


def _richest(docs: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The `n` documents with the most values, counting array items (embedded children) and sub-documents."""
    def size(v: Any) -> int:
        if isinstance(v, dict):
            return 1 + sum(size(x) for x in v.values())
        if isinstance(v, list):
            return 1 + sum(size(x) for x in v[:3])
        return 0 if v is None else 1

    return sorted(docs, key=size, reverse=True)[:n]


def _written(ld: Any, collection: str) -> list[dict[str, Any]]:
    """Documents of a collection the logical rows do not fill (the audit log starts empty): those the insert
    templates write there, for a fresh row of their entity."""
    out = []
    for w in ld.art.writes["writes"]:
        steps = [s for s in w["steps"] if s["collection"] == collection and s["op"] == "insertOne"]
        if steps and str(w["name"]).startswith("insert "):
            e = ld.pg.model.entity(w["entity"])
            params = write_params(ld, e, fresh_row(ld, e))
            out += [{"_id": ObjectId(), **bind(s["document"], params)} for s in steps]
    return out


def rule_kinds(schema: Any) -> set[str]:
    """The kinds of rule a `$jsonSchema` states anywhere (required, bsonType, enum, bounds, lengths, closed)."""
    out: set[str] = set()
    if isinstance(schema, dict):
        for key in ("required", "bsonType", "enum", "minimum", "maximum", "maxLength"):
            if schema.get(key):
                out.add(key)
        if schema.get("minLength"):
            out.add("minLength")
        if schema.get("additionalProperties") is False:
            out.add("additionalProperties")
        for sub in (schema.get("properties") or {}).values():
            out |= rule_kinds(sub)
        out |= rule_kinds(schema.get("items"))
    return out


@pytest.mark.parametrize("example", example_cases())
def test_each_rule_is_enforced(pg_answers: Load, example: str) -> None:  # noqa: F811
    """Mutants of the richest documents of each collection (for the audit log, which the rows leave empty,
    the documents the insert templates write): every mutant is refused, and every kind of rule the validator
    states is tried at least once."""
    ld = loaded(example, pg_answers(example))
    accepted: list[str] = []
    untried: list[str] = []
    for c in ld.spec["collections"]:
        docs = ld.docs.get(c["name"], []) or _written(ld, c["name"])
        assert docs, f"{example} {c['name']}: no documents built, so no rule can be tried"
        schema = _schema(c)
        kinds = set()
        for doc in _richest(docs, 5):
            for rule, broken in mutants(schema, doc):
                kinds.add(rule.split(": ")[1].split(" ")[0])
                try:
                    validate(broken, schema)
                except ValidationError:
                    continue
                accepted.append(f"{c['name']}: a document breaking `{rule}` is accepted")
        missing = rule_kinds(schema) - kinds
        if missing:
            untried.append(f"{c['name']}: no document reaches its {sorted(missing)} rules")
    assert not accepted, "\n".join(sorted(set(accepted))[:10])
    assert not untried, "\n".join(untried)
