"""Rendered MongoDB reads: time buckets ($dateTrunc groups, $dateAdd bucket ends), parameters as
`{"$param": name}` in JSON and `p.name` in JavaScript, negated amounts, and the live filter."""

from __future__ import annotations

import json
from pathlib import Path

from schemac.backends import BuildOptions
from schemac.backends.mongodb.render import NegatedParam, Param, filter_doc, to_js, to_json_value
from schemac.build import emit_compiled
from schemac.compiler.design.document.layout import Cond
from schemac.compiler.pipeline import compile_text

LOANS = """
model library {
  deletes hard
}
entity Member {
  name string(100)
}
entity Loan {
  member Member
  borrowed_at timestamp
  volume 1M
}
query monthly_loans {
  from Loan
  where member = ? and year(borrowed_at) = ?
  group month(borrowed_at)
  select month(borrowed_at) as month, count(*) as loans
  rate 2/s
}
query loans_in_weeks {
  from Loan
  where week(borrowed_at) between ? and :last_week
  order borrowed_at desc
  limit 100
  rate 1/s
}
"""


def _patterns(sdl: str) -> dict[str, dict]:  # type: ignore[type-arg]
    comp = compile_text(sdl)
    result = emit_compiled(comp, "mongodb", BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics]
    text = {a.path: a.text for a in result.artifacts}["queries.json"]
    return {p["name"]: p for p in json.loads(text)["patterns"]}


def test_a_group_by_a_time_bucket_truncates_in_utc_on_the_server() -> None:
    p = _patterns(LOANS)["monthly_loans"]
    assert p["kind"] == "aggregate"
    match, group = p["pipeline"][0]["$match"], p["pipeline"][1]["$group"]
    assert group["_id"] == {"month": {"$dateTrunc": {"date": "$borrowed_at", "unit": "month", "timezone": "UTC"}}}
    assert group["loans"] == {"$sum": 1}
    # year(borrowed_at) = ? is the year's first instant up to the next year's
    assert match["borrowed_at"] == {"$gte": {"$param": "borrowed_at_year"}}
    assert match["$expr"] == {"$lt": ["$borrowed_at", {"$dateAdd": {
        "startDate": {"$param": "borrowed_at_year"}, "unit": "year", "amount": 1, "timezone": "UTC"}}]}
    assert p["result"]["columns"] == {"month": "_id.month", "loans": "loans"}
    assert p["index"]


def test_a_range_of_weeks_ends_after_the_last_week() -> None:
    p = _patterns(LOANS)["loans_in_weeks"]
    assert p["kind"] == "find" and p["sort"] == [["borrowed_at", -1], ["_id", -1]]
    assert p["filter"]["borrowed_at"] == {"$gte": {"$param": "borrowed_at_week_from"}}
    end = p["filter"]["$expr"]["$lt"][1]["$dateAdd"]
    assert end["startDate"] == {"$param": "last_week"} and end["unit"] == "week"
    assert [x["name"] for x in p["params"]] == ["borrowed_at_week_from", "last_week"]


def test_parameters_render_as_markers_and_javascript() -> None:
    doc = filter_doc([Cond(path="a", op="eq", param="x"), Cond(path="b", op="in", param="ys"),
                      Cond(path="deleted_at", op="live"), Cond(path="c", op="gte", param="lo"),
                      Cond(path="c", op="lt", param="hi")])
    assert to_json_value(doc) == {"a": {"$param": "x"}, "b": {"$in": {"$param": "ys"}},
                                  "deleted_at": {"$type": "null"},
                                  "c": {"$gte": {"$param": "lo"}, "$lt": {"$param": "hi"}}}
    js = to_js(doc)
    assert "p.x" in js and "p.ys" in js and "$param" not in js
    assert to_js(Param("not-an-identifier")) == 'p["not-an-identifier"]'
    assert to_json_value(NegatedParam("amount")) == {"$param": "amount", "negate": True}
    assert to_js(NegatedParam("amount")) == "-p.amount"


def test_a_constant_string_cannot_break_out_of_the_script() -> None:
    js = to_js(filter_doc([Cond(path="status", op="eq", value='open"); db.dropDatabase(); ("')]))
    assert json.loads(js) == {"status": 'open"); db.dropDatabase(); ("'}


def test_embedded_children_read_as_rows_carry_their_parents_keys() -> None:
    text = (Path(__file__).resolve().parent.parent / "examples" / "course_platform.sdl").read_text()
    p = _patterns(text)["course_lessons"]
    stages = [next(iter(s)) for s in p["pipeline"]]
    assert stages == ["$match", "$unwind", "$addFields", "$replaceRoot", "$match", "$sort"]
    assert p["pipeline"][2]["$addFields"] == {"lessons.organization_id": "$organization_id",
                                              "lessons.course_id": "$_id"}
    assert p["pipeline"][0]["$match"]["_id"] == {"$param": "course_id"}
    assert p["result"]["columns"]["course_id"] == "course_id" and p["result"]["id"] == "id"
