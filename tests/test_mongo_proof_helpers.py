"""The MongoDB proof helpers on a small hand-written design of course_platform written from the contract
(collections.json / queries.json shapes): documents are built from the logical rows, accepted by their
validators, indexed, queried on mongomock and compared with PostgreSQL; and each helper catches the mistake
it exists for (a wrong order, a missing filter, an index out of ESR order, a partial index not implied)."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import uuid
from typing import Any

import mongomock
import pytest
from bson import Binary, Decimal128

from tests.helpers.mongo_cases import loaded, pattern_against_postgres
from tests.helpers.mongo_compare import compare, plain
from tests.helpers.mongo_docs import build_documents
from tests.helpers.mongo_esr import pattern_problems, tenant_keys
from tests.helpers.mongo_mock import load, new_database, run_pattern
from tests.helpers.mongo_mutants import mutants
from tests.helpers.mongo_validate import ValidationError, validate
from tests.helpers.pg_answers import PgAnswers, pg_course_platform, pg_helpdesk  # noqa: F401  (fixtures)

UUID = {"bsonType": "binData"}
DATE = {"bsonType": "date"}
LIVE = {"deleted_at": {"$type": "null"}}
P = {"$param": "organization_id"}


def _schema(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"$jsonSchema": {"bsonType": "object", "required": required, "properties": props,
                            "additionalProperties": False}}


USER_PROPS = {"_id": UUID, "organization_id": UUID, "email": {"bsonType": "string", "maxLength": 320},
              "role": {"enum": ["student", "instructor", "admin"]},
              "name": {"bsonType": ["string", "null"], "maxLength": 255},
              "created_at": DATE, "updated_at": DATE, "deleted_at": {"bsonType": ["date", "null"]}}
LESSON = {"bsonType": "object", "required": ["id", "title", "position"], "additionalProperties": False,
          "properties": {"id": UUID, "title": {"bsonType": "string"}, "content_url": {"bsonType": "string"},
                         "position": {"bsonType": "int", "minimum": 0}, "created_at": DATE, "updated_at": DATE}}
COURSE_PROPS = {"_id": UUID, "organization_id": UUID, "instructor_id": UUID, "title": {"bsonType": "string"},
                "description": {"bsonType": "string"}, "published_at": DATE, "created_at": DATE,
                "updated_at": DATE, "deleted_at": {"bsonType": ["date", "null"]},
                "lessons": {"bsonType": "array", "items": LESSON}}
COPY = {"bsonType": "object", "properties": {"instructor_id": UUID, "title": {"bsonType": "string"},
                                             "description": {"bsonType": "string"}, "published_at": DATE,
                                             "created_at": DATE, "updated_at": DATE}}
ENROLLMENT_PROPS = {"_id": UUID, "organization_id": UUID, "student_id": UUID, "course_id": UUID,
                    "completed_at": DATE, "lessons_completed": {"bsonType": "int", "minimum": 0},
                    "created_at": DATE, "updated_at": DATE, "deleted_at": {"bsonType": ["date", "null"]},
                    "course": COPY}
SAMPLE: dict[str, Any] = {
    "format": "schemac.mongodb/1", "model": "course_platform", "database": "course_platform",
    "collections": [
        {"name": "users", "entities": ["User"], "type_field": None,
         "validator": _schema(USER_PROPS, ["_id", "organization_id", "email", "role", "created_at", "deleted_at"]),
         "indexes": [{"name": "users_email", "key": [["organization_id", 1], ["email", 1]], "unique": True,
                      "partialFilterExpression": LIVE, "serves": ["user_by_email"]}]},
        {"name": "courses", "entities": ["Course"], "type_field": None,
         "validator": _schema(COURSE_PROPS, ["_id", "organization_id", "instructor_id", "title", "lessons"]),
         "indexes": [{"name": "courses_instructor", "key": [["organization_id", 1], ["instructor_id", 1]]}]},
        {"name": "enrollments", "entities": ["Enrollment"], "type_field": None,
         "validator": _schema(ENROLLMENT_PROPS, ["_id", "organization_id", "student_id", "course_id", "course"]),
         "indexes": [{"name": "enrollments_student", "key": [["organization_id", 1], ["student_id", 1],
                                                             ["created_at", -1], ["_id", -1]],
                      "partialFilterExpression": LIVE, "serves": ["student_courses"]}]},
    ],
    "entities": {
        "User": {"collection": "users", "fields": {f: ("_id" if f == "id" else f"{f}_id" if f == "organization"
                                                       else f) for f in
                                                   ("id", "organization", "email", "role", "name", "created_at",
                                                    "updated_at", "deleted_at")}},
        "Course": {"collection": "courses", "fields": {
            "id": "_id", "organization": "organization_id", "instructor": "instructor_id", "title": "title",
            "description": "description", "published_at": "published_at", "created_at": "created_at",
            "updated_at": "updated_at", "deleted_at": "deleted_at"}},
        "Lesson": {"collection": None, "embedded_in": {"entity": "Course", "by": "course", "path": "lessons",
                                                       "many": True, "mode": "embed", "order": [["position", 1]],
                                                       "limit": None},
                   "fields": {f: f for f in ("id", "title", "content_url", "position", "created_at",
                                             "updated_at")}},
        "Enrollment": {"collection": "enrollments", "fields": {
            "id": "_id", "organization": "organization_id", "student": "student_id", "course": "course_id",
            "completed_at": "completed_at", "lessons_completed": "lessons_completed", "created_at": "created_at",
            "updated_at": "updated_at", "deleted_at": "deleted_at"}},
    },
    "copies": [{"holder": "Enrollment", "path": "course", "from": "Course", "by": "course", "mode":
                "extended_reference", "fields": {f: f for f in ("title", "description", "published_at",
                                                                "created_at", "updated_at")} | {
                    "instructor": "instructor_id"}}],
    "relations": [],
}
ENROLLMENT_COLUMNS = {c: c for c in ("organization_id", "student_id", "course_id", "completed_at",
                                     "lessons_completed", "created_at", "updated_at")} | {"id": "_id"} | {
    f"course_{c}": f"course.{c}" for c in ("instructor_id", "title", "description", "published_at", "created_at",
                                           "updated_at")}
PATTERNS: list[dict[str, Any]] = [
    {"name": "student_courses", "collection": "enrollments", "kind": "find", "index": "enrollments_student",
     "filter": {"organization_id": P, "student_id": {"$param": "student_id"}, "deleted_at": None},
     "sort": [["created_at", -1], ["_id", -1]], "projection": None, "limit": 50, "ordered": True,
     "result": {"id": "_id", "columns": ENROLLMENT_COLUMNS}},
    {"name": "user_by_email", "collection": "users", "kind": "find", "index": "users_email",
     "filter": {"organization_id": P, "email": {"$param": "email"}, "deleted_at": None}, "sort": [],
     "projection": None, "limit": None, "ordered": False,
     "result": {"id": "_id", "columns": {c: ("_id" if c == "id" else c) for c in (
         "id", "organization_id", "email", "role", "name", "created_at", "updated_at")}}},
    {"name": "course_lessons", "collection": "courses", "kind": "aggregate", "index": None,
     "pipeline": [{"$match": {"_id": {"$param": "course_id"}, "organization_id": P}},
                  {"$unwind": "$lessons"},
                  {"$project": {"_id": 0, "organization_id": 1, "course_id": "$_id", "lesson": "$lessons"}},
                  {"$sort": {"lesson.position": 1}}],
     "ordered": True, "result": {"id": "lesson.id", "columns": {
         "organization_id": "organization_id", "course_id": "course_id"} | {
             c: f"lesson.{c}" for c in ("id", "title", "content_url", "position", "created_at", "updated_at")}}},
]


@pytest.fixture(scope="module")
def sample(pg_course_platform: PgAnswers) -> tuple[PgAnswers, dict[str, list[dict[str, Any]]], Any]:  # noqa: F811
    docs = build_documents(SAMPLE, pg_course_platform.data)
    db = new_database()
    load(db, SAMPLE, docs)
    return pg_course_platform, docs, db


def problems_of(a: PgAnswers, db: Any, pattern: dict[str, Any], draws: int = 4) -> list[str]:
    return pattern_against_postgres(a, db, pattern, draws)[0]


def test_documents_follow_the_mapping(sample: Any) -> None:
    a, docs, _db = sample
    assert len(docs["users"]) == len(a.data.of("User"))
    course = next(c for c in docs["courses"] if c["lessons"])
    assert isinstance(course["_id"], Binary) and course["_id"].subtype == 4
    lessons = [x for x in a.data.live("Lesson") if Binary.from_uuid(x["course"]) == course["_id"]]
    assert [x["position"] for x in course["lessons"]] == sorted(x["position"] for x in lessons)
    enrollment = docs["enrollments"][0]
    source = a.data.by_id("Course")[enrollment["course_id"].as_uuid()]
    assert enrollment["course"]["title"] == source["title"]
    assert all("deleted_at" in u for u in docs["users"]), "null admitted by the schema: stored as null"
    assert all("description" not in c or c["description"] is not None for c in docs["courses"]), \
        "null not admitted: the key is left out"


def test_sample_documents_are_valid(sample: Any) -> None:
    _a, docs, _db = sample
    for c in SAMPLE["collections"]:
        for d in docs[c["name"]]:
            validate(d, c["validator"]["$jsonSchema"])
    bad = copy.deepcopy(docs["users"][0])
    bad["role"] = "owner"
    with pytest.raises(ValidationError):
        validate(bad, SAMPLE["collections"][0]["validator"]["$jsonSchema"])


@pytest.mark.parametrize("name", [p["name"] for p in PATTERNS])
def test_sample_patterns_equal_postgres(sample: Any, name: str) -> None:
    a, _docs, db = sample
    pattern = next(p for p in PATTERNS if p["name"] == name)
    assert not problems_of(a, db, pattern)


def test_a_wrong_order_is_caught(sample: Any) -> None:
    a, _docs, db = sample
    wrong = copy.deepcopy(PATTERNS[0]) | {"sort": [["created_at", 1], ["_id", 1]]}
    assert any("order differs" in p for p in problems_of(a, db, wrong))


def test_a_missing_filter_is_caught(sample: Any) -> None:
    a, _docs, db = sample
    wrong = copy.deepcopy(PATTERNS[2])
    wrong["pipeline"][0]["$match"] = {"organization_id": P}  # every course of the tenant
    assert any("rows, PostgreSQL has" in p for p in problems_of(a, db, wrong))


def test_a_column_neither_returned_nor_omitted_fails(sample: Any) -> None:
    a, _docs, db = sample
    wrong = copy.deepcopy(PATTERNS[1])
    del wrong["result"]["columns"]["role"]
    with pytest.raises(AssertionError, match=r"\['role'\] are neither in result.columns nor in result.omitted"):
        problems_of(a, db, wrong, 1)
    wrong["result"]["omitted"] = [{"column": "role", "why": "test"}]
    assert not problems_of(a, db, wrong, 1)


def test_unique_index_live_documents_only(sample: Any) -> None:
    _a, docs, _db = sample
    db = new_database("dups")
    load(db, SAMPLE, {"users": docs["users"][:3]})
    dup = {**docs["users"][0], "_id": Binary.from_uuid(uuid.uuid4()), "deleted_at": None}
    if docs["users"][0]["deleted_at"] is not None:
        dup["deleted_at"] = None
        db.users.update_one({"_id": docs["users"][0]["_id"]}, {"$set": {"deleted_at": None}})
    with pytest.raises(mongomock.DuplicateKeyError):
        db.users.insert_one(dup)
    db.users.insert_one({**dup, "deleted_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})


def test_esr_accepts_the_sample_and_catches_mistakes(pg_course_platform: PgAnswers) -> None:  # noqa: F811
    tenants = tenant_keys(SAMPLE, pg_course_platform.model)
    assert tenants["users"] == "organization_id"
    for p in PATTERNS:
        assert pattern_problems(p, SAMPLE, tenants) == [], p["name"]
    bad = copy.deepcopy(SAMPLE)
    ix = bad["collections"][2]["indexes"][0]
    ix["key"] = [["organization_id", 1], ["created_at", -1], ["student_id", 1], ["_id", -1]]
    assert any("equality fields" in x for x in pattern_problems(PATTERNS[0], bad, tenants))
    ix["key"] = [["student_id", 1], ["organization_id", 1], ["created_at", -1], ["_id", -1]]
    assert any("does not lead" in x for x in pattern_problems(PATTERNS[0], bad, tenants))
    ix["key"] = [["organization_id", 1], ["student_id", 1], ["created_at", 1], ["_id", -1]]
    assert any("sort" in x for x in pattern_problems(PATTERNS[0], bad, tenants))
    ix["key"] = [["organization_id", 1], ["student_id", 1], ["created_at", 1], ["_id", 1]]
    assert pattern_problems(PATTERNS[0], bad, tenants) == [], "an index read backwards serves the sort"
    ix["partialFilterExpression"] = {"completed_at": {"$exists": True}}
    assert any("partial filter" in x for x in pattern_problems(PATTERNS[0], bad, tenants))
    no_index = copy.deepcopy(PATTERNS[1]) | {"index": None}
    assert pattern_problems(no_index, SAMPLE, tenants) == ["no index, and not a read of one document by _id"]


def test_plain_values_meet() -> None:
    u = uuid.uuid4()
    assert plain(Binary.from_uuid(u)) == plain(u) == plain(str(u))
    assert plain(Decimal128("12.30")) == plain(decimal.Decimal("12.3")) == plain(12.3)
    t = dt.datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
    assert plain(t) == plain("2025-03-01T10:00:00.123456+00:00") == plain(t.replace(microsecond=123000, tzinfo=None))
    assert plain(dt.date(2025, 3, 1)) == plain(dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    assert plain(5) == plain(Decimal128("5.000")) and plain(True) != plain(1)


def test_compare_groups_ties() -> None:
    rows = [{"k": 1, "v": "a"}, {"k": 1, "v": "b"}, {"k": 2, "v": "c"}]
    swapped = [rows[1], rows[0], rows[2]]
    assert compare(rows, swapped, swapped, ordered=True, sort_keys=["k"], limit=None) == []
    assert compare(rows, swapped, swapped, ordered=True, sort_keys=["k", "v"], limit=None)
    cut_pg = [{"k": 1, "v": "a"}, {"k": 2, "v": "c"}]
    cut_mongo = [{"k": 1, "v": "a"}, {"k": 2, "v": "d"}]
    pool = [*cut_mongo, {"k": 2, "v": "c"}]
    assert compare(cut_pg, cut_mongo, pool, ordered=True, sort_keys=["k"], limit=2) == []
    assert compare(cut_pg, cut_mongo, cut_mongo, ordered=True, sort_keys=["k"], limit=2)
    assert compare(cut_pg, cut_mongo, cut_mongo, ordered=False, sort_keys=[], limit=None)


def test_mutants_break_each_rule_of_the_sample(sample: Any) -> None:
    _a, docs, _db = sample
    schema = SAMPLE["collections"][1]["validator"]["$jsonSchema"]
    doc = next(c for c in docs["courses"] if c["lessons"])
    rules = []
    for rule, broken in mutants(schema, doc):
        rules.append(rule)
        with pytest.raises(ValidationError):
            validate(broken, schema)
    assert "document: required title" in rules and "document: additionalProperties false" in rules
    assert "lessons[0]: required position" in rules and "lessons[0].position: minimum 0" in rules
    assert "title: bsonType ['string']" in rules


def test_text_search_is_emulated() -> None:
    db = new_database("text")
    db.c.insert_many([{"_id": 1, "s": "Alpha bravo", "t": 1}, {"_id": 2, "s": "alphabet", "t": 1},
                      {"_id": 3, "s": "x alpha", "t": 2}])
    db.c.create_index([("t", 1), ("s", "text")])
    pattern = {"kind": "find", "collection": "c", "filter": {"t": 1, "$text": {"$search": {"$param": "q"}}}}
    assert [d["_id"] for d in run_pattern(db, pattern, {"q": "alpha"})] == [1]
    with pytest.raises(AssertionError, match="no text index"):
        run_pattern(db, {**pattern, "collection": "d"}, {"q": "alpha"})


def test_mongo_schema_judges_bools() -> None:
    """A bool passes `bsonType: "bool"` and fails another type (mongo-schema raised TypeError before the fix);
    a Decimal128 outside `minimum` fails (mongo-schema let it pass)."""
    validate({"a": True}, {"properties": {"a": {"bsonType": "bool"}}})
    with pytest.raises(ValidationError):
        validate({"a": True}, {"properties": {"a": {"bsonType": ["string", "null"]}}})
    with pytest.raises(ValidationError):
        validate({"a": Decimal128("-0.01")}, {"properties": {"a": {"bsonType": "decimal", "minimum": 0}}})
    validate({"a": Decimal128("0")}, {"properties": {"a": {"bsonType": "decimal", "minimum": 0}}})
    with pytest.raises(ValidationError):
        validate({"a": Decimal128("0")}, {"properties": {"a": {"minimum": 0, "exclusiveMinimum": True}}})


def test_follow_ups_are_compared_when_bound(pg_helpdesk: PgAnswers) -> None:  # noqa: F811
    """A follow-up (a second round trip that fills one PostgreSQL column) is compared once it says which column
    it fills and where its parameters come from; without that, or with a wrong path, the comparison fails."""
    ld = loaded("helpdesk", pg_helpdesk)
    pattern = copy.deepcopy(ld.art.pattern("ticket_detail"))
    follow = pattern["follow_ups"][0]
    follow.pop("column", None)
    follow.pop("bind", None)
    assert any("no `column` and `bind`" in p for p in pattern_against_postgres(pg_helpdesk, ld.db, pattern, 1)[0])
    follow.update(column="tags", bind={"tag_ids": "tag_ids"})
    assert pattern_against_postgres(pg_helpdesk, ld.db, pattern, 4)[0] == []
    follow["bind"] = {"tag_ids": "nope"}
    assert any("bound paths missing" in p for p in pattern_against_postgres(pg_helpdesk, ld.db, pattern, 1)[0])
