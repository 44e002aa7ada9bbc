"""Turn the DynamoDB artifacts' request templates into boto3 requests, as an outside tool would.

The templates (access_patterns.json, writes.json; /work/wt/_notes/contract-dynamodb.md) are boto3
low-level request dicts in DynamoDB JSON, with two kinds of holes:

* ``{"$param": "<name>"}`` as a whole value: the parameter's value. Under a type tag it is encoded for that
  tag (``{"S": {"$param": "student_id"}}`` -> the uuid's text; ``{"N": ...}`` -> the number's text;
  ``{"BOOL": ...}`` -> a bool). Anywhere else the value is taken as it is.
* ``<name>`` inside a string (key templates such as ``ORG#<organization_id>#USER#<id>``): the parameter's
  value encoded for a key (:meth:`Encoder.hole`): uuids and text as they are, timestamps ISO-8601 UTC with
  microseconds and ``Z``, integers zero-padded to the width entities.json's ``encodings.int_sort`` states,
  so that they sort as numbers.

A parameter that is None (a NULL optional field) makes the attribute absent: an item attribute or a key
attribute whose value is missing is left out of the item (that is how a sparse index works); in
``ExpressionAttributeValues`` it becomes ``{"NULL": true}``. A missing parameter, a hole naming no
parameter, or an unknown type tag is an :class:`ArtifactError` (the test fails, saying what the artifact
lacks).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

HOLE = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
TEXT_TAGS = frozenset({"S"})
SCALAR_TAGS = frozenset({"S", "N", "B", "BOOL", "NULL"})
SET_TAGS = frozenset({"SS", "NS", "BS"})
ALL_TAGS = SCALAR_TAGS | SET_TAGS | {"L", "M"}
INT_TYPES = frozenset({"smallint", "int", "bigint"})


class ArtifactError(AssertionError):
    """An artifact lacks something the proof needs, or says something that cannot be carried out."""


class _Absent:
    """The value of a NULL parameter: the attribute it fills is left out."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def text(value: Any) -> str:
    """The text form of a value in an S attribute or a number in an N attribute."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ArtifactError(f"timestamp without a time zone: {value!r}")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float | str):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # an enum member
        return value.value
    raise ArtifactError(f"no DynamoDB text form for {type(value).__name__} {value!r}")


def _int_width(encodings: Mapping[str, Any]) -> int | None:
    spec = encodings.get("int_sort")
    if spec is None:
        return None
    m = re.search(r"(\d+)\s*digits", str(spec))
    if not m:
        raise ArtifactError(f"entities.json encodings.int_sort has no width: {spec!r}")
    return int(m.group(1))


@dataclass(frozen=True)
class Encoder:
    """Encodes parameter values for the holes of key templates and for typed attribute values."""

    encodings: Mapping[str, Any]
    types: Mapping[str, str]  # parameter name -> IR type (from the pattern's or write's "params")

    def hole(self, name: str, value: Any) -> str:
        """A value inside a key template: sorts as the value does."""
        kind = self.types.get(name, "")
        width = _int_width(self.encodings)
        if kind in INT_TYPES and width is not None and isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise ArtifactError(f"negative {name}={value} in a zero-padded key ({width} digits)")
            return str(value).zfill(width)
        return text(value)

    def typed(self, tag: str, value: Any) -> Any:
        """The payload of ``{tag: value}`` for a parameter value."""
        if tag in ("S", "N"):
            return text(value)
        if tag == "BOOL":
            if not isinstance(value, bool):
                raise ArtifactError(f"BOOL attribute filled with {value!r}")
            return value
        if tag in ("SS", "NS"):
            return sorted({text(v) for v in value})
        if tag == "B":
            return bytes(value)
        if tag == "L":
            return [attribute_value(v) for v in value]
        if tag == "M":
            return {str(k): attribute_value(v) for k, v in value.items()}
        raise ArtifactError(f"cannot fill a parameter under type tag {tag!r}")


def attribute_value(value: Any) -> dict[str, Any]:
    """A Python value (a JSON field's content) as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": text(value)}
    if isinstance(value, list | tuple):
        return {"L": [attribute_value(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {str(k): attribute_value(v) for k, v in value.items()}}
    return {"S": text(value)}


@dataclass(frozen=True)
class Filler:
    """Fills one template with one parameter set."""

    params: Mapping[str, Any]
    encoder: Encoder

    def value(self, name: str) -> Any:
        if name not in self.params:
            raise ArtifactError(f"the template uses parameter {name!r}, which is not among {sorted(self.params)}")
        return self.params[name]

    def string(self, template: str) -> Any:
        names = HOLE.findall(template)
        if not names:
            return template
        values = {n: self.value(n) for n in names}
        if any(v is None for v in values.values()):
            return ABSENT
        return HOLE.sub(lambda m: self.encoder.hole(m.group(1), values[m.group(1)]), template)

    def fill(self, node: Any, parent: str = "") -> Any:
        """The request for ``node`` (a template); ABSENT where a NULL parameter leaves a value out."""
        if isinstance(node, str):
            return self.string(node)
        if isinstance(node, list):
            out = [self.fill(v, parent) for v in node]
            if any(v is ABSENT for v in out):
                raise ArtifactError(f"a NULL parameter inside a list under {parent!r}")
            return out
        if not isinstance(node, dict):
            return node
        if set(node) == {"$param"}:
            v = self.value(node["$param"])
            return ABSENT if v is None else v
        if len(node) == 1 and next(iter(node)) in ALL_TAGS:
            return self._typed(node, parent)
        out = {}
        for key, child in node.items():
            v = self.fill(child, key)
            if v is ABSENT:
                if parent == "ExpressionAttributeValues" or key.startswith(":"):
                    out[key] = {"NULL": True}
                continue
            out[key] = v
        return out

    def _typed(self, node: dict[str, Any], parent: str) -> Any:
        (tag, payload), = node.items()
        if isinstance(payload, dict) and set(payload) == {"$param"}:
            v = self.value(payload["$param"])
            return ABSENT if v is None else {tag: self.encoder.typed(tag, v)}
        if tag in ("M", "L"):
            inner = self.fill(payload, tag)
            return {tag: inner}
        if isinstance(payload, str):
            v = self.string(payload)
            return ABSENT if v is ABSENT else {tag: v}
        return {tag: payload}


def encoder_for(entities: Mapping[str, Any], params: list[Mapping[str, Any]]) -> Encoder:
    """The encoder for a pattern's or a write's params, with entities.json's encodings."""
    if "encodings" not in entities:
        raise ArtifactError("entities.json has no 'encodings'")
    types = {}
    for p in params:
        if "name" not in p or "type" not in p:
            raise ArtifactError(f"a param without name or type: {p!r}")
        types[p["name"]] = str(p["type"])
    return Encoder(entities["encodings"], types)


def fill(template: Any, params: Mapping[str, Any], encoder: Encoder) -> Any:
    """``template`` with every ``{"$param"}`` and ``<hole>`` filled from ``params``."""
    out = Filler(params, encoder).fill(template)
    if out is ABSENT:
        raise ArtifactError("the whole template is a NULL parameter")
    return out


def holes(template: Any) -> set[str]:
    """Every parameter name a template uses (``{"$param"}`` and ``<hole>``)."""
    found: set[str] = set()
    if isinstance(template, str):
        found.update(HOLE.findall(template))
    elif isinstance(template, list):
        for v in template:
            found |= holes(v)
    elif isinstance(template, dict):
        if set(template) == {"$param"}:
            found.add(str(template["$param"]))
        else:
            for v in template.values():
                found |= holes(v)
    return found
