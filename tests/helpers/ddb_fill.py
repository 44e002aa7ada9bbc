"""Turn the DynamoDB artifacts' request templates into boto3 requests, as an outside tool would.

The templates (access_patterns.json, writes.json; /work/wt/_notes/contract-dynamodb.md and its Changes) are
boto3 low-level request dicts in DynamoDB JSON, with three kinds of holes, each a whole value:

* ``{"$param": "<name>"}``: a parameter's value. Under a type tag it is written for that tag: ``S`` its text
  (uuids lower-case, timestamps ISO-8601 UTC with microseconds and ``Z``, JSON values as JSON text), ``N``
  the number's text (a timestamp: epoch seconds with six decimals, the TTL attribute), ``BOOL``, ``L``,
  ``M`` (a value object: one member per non-null field). ``<name>|week`` (any bucket unit) is the start of
  the parameter's bucket. ``"expand": "list"`` (an ``in ?`` filter) is one placeholder per list element.
* ``{"$template": "ORG#<organization_id>#USER#<id>"}``: a key built from parameters.
* ``{"$key": "<name>"}``: the key template of that name in the pattern's ``key_values`` (or a follow-up's
  ``keys_from``).

Holes in key templates (``<name>``, ``<name|week>``) are encoded by their encoding name (entities.json
``encodings``: plain, timestamp, date, int, uint, decimal, bool, and the bucket units), which an
:class:`Encodings` resolves per hole. A NULL value leaves the attribute out (a sparse index key, an absent
optional attribute); in ``ExpressionAttributeValues`` it is ``{"NULL": true}``. A missing parameter or an
unknown encoding is an :class:`ArtifactError`: the test fails saying what the artifact lacks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

HOLE = re.compile(r"<([A-Za-z_][A-Za-z0-9_.]*)(?:\|([a-z]+))?>")
ALL_TAGS = frozenset({"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"})
NULL_IN_SORT_KEY = "~"  # sorts after every encoded value (entities.json null_in_key)
BUCKETS = ("hour", "day", "week", "month", "quarter", "year")
NEXT = "next"  # `<version|next>`: the parameter plus one (1 when NULL)


class ArtifactError(AssertionError):
    """An artifact lacks something the proof needs, or says something that cannot be carried out."""


class _Absent:
    """A NULL value: the attribute it fills is left out."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ArtifactError(f"timestamp without a time zone: {value!r}")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bucket(value: dt.datetime, unit: str) -> dt.datetime:
    """The start of ``value``'s bucket (UTC): weeks start on Monday 00:00."""
    v = value.astimezone(dt.UTC)
    if unit == "hour":
        return v.replace(minute=0, second=0, microsecond=0)
    day = v.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
    if unit == "year":
        return day.replace(day=1, month=1)
    raise ArtifactError(f"unknown bucket unit {unit!r} (known: {BUCKETS})")


def text(value: Any) -> str:
    """The text of a value in an S attribute or of a number in an N attribute."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    raise ArtifactError(f"no DynamoDB text for {type(value).__name__} {value!r}")


def encode(value: Any, encoding: str) -> str:
    """A value in a key, by its encoding name (entities.json ``encodings``)."""
    if encoding in BUCKETS:
        return iso(bucket(value, encoding))
    if encoding in ("plain", "bool", "date") or (encoding == "timestamp" and isinstance(value, dt.datetime)):
        return text(value)
    if encoding == "int":
        return str(int(value) + 2**63).zfill(20)
    if encoding == "uint":
        if int(value) < 0:
            raise ArtifactError(f"uint encoding of a negative value {value}")
        return str(int(value)).zfill(10)
    if encoding == "decimal":
        if Decimal(value) < 0:
            raise ArtifactError(f"decimal encoding of a negative value {value}")
        return format(Decimal(value), "f").zfill(20)
    raise ArtifactError(f"unknown key encoding {encoding!r} for {value!r}")


def epoch(value: dt.datetime) -> str:
    """A timestamp in an N attribute: seconds since 1970 with six decimals (the TTL attribute)."""
    delta = value.astimezone(dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return f"{delta.days * 86400 + delta.seconds}.{delta.microseconds:06d}"


def typed(tag: str, value: Any) -> dict[str, Any] | _Absent:
    """``{tag: value}`` for a parameter's value (ABSENT for None)."""
    if value is None:
        return ABSENT
    if tag == "S":
        return {"S": text(value)}
    if tag == "N":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | dt.datetime):
            raise ArtifactError(f"N attribute filled with {value!r}")
        return {"N": epoch(value) if isinstance(value, dt.datetime) else text(value)}
    if tag == "BOOL":
        if not isinstance(value, bool):
            raise ArtifactError(f"BOOL attribute filled with {value!r}")
        return {"BOOL": value}
    if tag in ("SS", "NS"):
        return {tag: sorted({text(v) for v in value})}
    if tag == "L":
        return {"L": [attribute_value(v) for v in value]}
    if tag == "M":
        if not isinstance(value, dict):
            raise ArtifactError(f"M attribute filled with {value!r}")
        return {"M": {str(k): attribute_value(v) for k, v in value.items() if v is not None}}
    raise ArtifactError(f"cannot fill a parameter under type tag {tag!r}")


def attribute_value(value: Any) -> dict[str, Any]:
    """A Python value (a list element, a value object's member) as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": text(value)}
    if isinstance(value, list | tuple):
        return {"L": [attribute_value(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {str(k): attribute_value(v) for k, v in value.items() if v is not None}}
    return {"S": text(value)}


@dataclass(frozen=True)
class Filler:
    """Fills templates with one parameter set: ``params`` by name, ``keys`` (``$key`` name -> key template),
    ``encoding(hole)`` -> the hole's encoding name."""

    params: Mapping[str, Any]
    encoding: Callable[[str], str]
    keys: Mapping[str, str] = field(default_factory=dict)
    # sort-key attributes: a NULL hole in their template is written NULL_IN_SORT_KEY (entities.json null_in_key)
    sort_keys: frozenset[str] = frozenset()
    # (partition, sort) attribute pairs of the indexes: a pair whose partition key is NULL is left out whole
    key_pairs: tuple[tuple[str, str], ...] = ()

    def value(self, name: str) -> Any:
        base, _, unit = name.partition("|")
        if base not in self.params:
            raise ArtifactError(f"the template uses parameter {base!r}, which is not among {sorted(self.params)}")
        value = self.params[base]
        if unit == NEXT:  # the version read first, plus one; 1 when there was no item
            return 1 if value is None else int(value) + 1
        return bucket(value, unit) if unit and value is not None else value

    def template(self, template: str, null: str | None = None) -> str | _Absent:
        """The template with its holes filled; a NULL hole makes it ABSENT, or ``null`` when given."""
        values = {m.group(0): self.value(m.group(1) + ("|next" if m.group(2) == NEXT else ""))
                  for m in HOLE.finditer(template)}
        if null is None and any(v is None for v in values.values()):
            return ABSENT

        def hole(m: re.Match[str]) -> str:
            value = values[m.group(0)]
            if value is None and null is not None:
                return null
            unit = m.group(2)
            return encode(value, self.encoding(m.group(1)) if unit in (None, NEXT) else unit)

        return HOLE.sub(hole, template)

    def key(self, name: str) -> str | _Absent:
        if name not in self.keys:
            raise ArtifactError(f"$key {name!r} has no key template (there are {sorted(self.keys)})")
        return self.template(self.keys[name])

    def fill(self, node: Any, parent: str = "") -> Any:
        """The request for ``node`` (a template); ABSENT where a NULL leaves a value out."""
        if isinstance(node, list):
            out = [self.fill(v, parent) for v in node]
            if any(v is ABSENT for v in out):
                raise ArtifactError(f"a NULL value inside a list under {parent!r}")
            return out
        if not isinstance(node, dict):
            return node
        if "$param" in node and node.get("expand") == "list" and parent.startswith(":"):
            return node  # expand_lists makes one placeholder per element
        if "$param" in node:
            raise ArtifactError(f"an untyped {node} under {parent!r}: expected {{\"S\": ...}} or an expanded list")
        if "$template" in node:
            return self.template(node["$template"])
        if "$key" in node:
            return self.key(node["$key"])
        if len(node) == 1 and next(iter(node)) in ALL_TAGS:
            return self._typed(node, parent)
        out: dict[str, Any] = {}
        for key, child in node.items():
            v = self.fill(child, key)
            if v is ABSENT:
                if parent == "Key":
                    raise ArtifactError(f"key attribute {key!r} of {node[key]} is NULL for these params, and no "
                                        "'when' condition skips the request")
                if parent == "ExpressionAttributeValues":
                    out[key] = {"NULL": True}
                continue
            out[key] = v
        return out

    def _typed(self, node: dict[str, Any], parent: str) -> Any:
        (tag, payload), = node.items()
        if isinstance(payload, dict) and "$param" in payload:
            value = self.value(payload["$param"])
            if payload.get("negate") and value is not None:  # an ADD that takes the value away
                value = -value
            return typed(tag, value)
        if isinstance(payload, dict) and "$now" in payload:
            if payload["$now"] != "epoch" or tag != "N":
                raise ArtifactError(f"cannot fill {node}: only {{\"N\": {{\"$now\": \"epoch\"}}}} is known")
            return {"N": epoch(dt.datetime.now(dt.UTC))}
        if isinstance(payload, dict) and "$template" in payload and parent in self.sort_keys:
            return {tag: self.template(payload["$template"], null=NULL_IN_SORT_KEY)}
        if isinstance(payload, dict) and ("$template" in payload or "$key" in payload):
            v = self.fill(payload, tag)
            return ABSENT if v is ABSENT else {tag: v}
        if tag == "M":
            members = self.fill(payload, tag)
            return {"M": members} if members else ABSENT  # a value object that is NULL: no attribute
        if tag == "L":
            return {tag: self.fill(payload, tag)}
        return {tag: payload}


def expand_lists(request: dict[str, Any], filler: Filler) -> dict[str, Any]:
    """Replace each ``{":f0": {"$param": p, "expand": "list"}}`` with ``:f0_0, :f0_1...`` in the values and in
    the expressions that name ``:f0``; the element type is that of the attribute the filter compares."""
    values = request.get("ExpressionAttributeValues") or {}
    for placeholder, spec in list(values.items()):
        if not (isinstance(spec, dict) and "$param" in spec):
            continue
        if spec.get("expand") != "list":
            raise ArtifactError(f"{placeholder}: an untyped $param that is not an expanded list: {spec}")
        items = filler.value(spec["$param"])
        if not isinstance(items, list | tuple) or not items:
            raise ArtifactError(f"{placeholder}: expected a non-empty list for {spec['$param']}, got {items!r}")
        names = [f"{placeholder}_{i}" for i in range(len(items))]
        del values[placeholder]
        values.update({n: attribute_value(v) for n, v in zip(names, items, strict=True)})
        pattern = re.compile(re.escape(placeholder) + r"(?![A-Za-z0-9_])")
        for key in ("FilterExpression", "KeyConditionExpression", "ConditionExpression"):
            if key in request:
                request[key] = pattern.sub(", ".join(names), request[key])
    return request


def null_terms(template: Any, request: dict[str, Any], filler: Filler) -> dict[str, Any]:
    """A condition on a value read first that was NULL: ``{"$param": p, "if_null": {"replace": "#e0 = :e0",
    "with": "attribute_not_exists(#e0)"}}`` rewrites that term of the ConditionExpression and drops ``:e0``
    (an absent attribute equals no value in DynamoDB)."""
    values = template.get("ExpressionAttributeValues") or {} if isinstance(template, dict) else {}
    for placeholder, spec in values.items():
        inner = next(iter(spec.values())) if isinstance(spec, dict) and len(spec) == 1 else None
        if not (isinstance(inner, dict) and "if_null" in inner) or filler.value(inner["$param"]) is not None:
            continue
        rule = inner["if_null"]
        if rule["replace"] not in request.get("ConditionExpression", ""):
            raise ArtifactError(f"{placeholder}: if_null term {rule['replace']!r} is not in the condition")
        request["ConditionExpression"] = request["ConditionExpression"].replace(rule["replace"], rule["with"])
        request["ExpressionAttributeValues"].pop(placeholder, None)
    return request


def holes(template: Any) -> set[str]:
    """Every parameter a template uses (``$param``, and the holes of ``$template`` strings)."""
    found: set[str] = set()
    if isinstance(template, list):
        for v in template:
            found |= holes(v)
    elif isinstance(template, dict):
        if "$param" in template:
            found.add(str(template["$param"]).partition("|")[0])
        elif "$template" in template:
            found |= {m.group(1) for m in HOLE.finditer(template["$template"])}
        else:
            for v in template.values():
                found |= holes(v)
    return found
