"""`$jsonSchema` checked as MongoDB checks it, with mongo-schema (jsonschema's engine with MongoDB's dialect).

Two gaps of mongo-schema 1.0.0.post0 are closed here, each to MongoDB's documented behaviour:

* it checks `bool not in types` where `types` may be one class instead of a tuple, so any bool value raises
  TypeError instead of passing `bsonType: "bool"`: one-class entries become 1-tuples;
* jsonschema's `minimum` / `maximum` skip values that are not JSON numbers, so a Decimal128 below `minimum`
  passes: they compare decimals by value (with `exclusiveMinimum` / `exclusiveMaximum`), as MongoDB does.

Importing mongo-schema warns (DeprecationWarning: it subclasses a jsonschema validator class); that one
warning is filtered, by its message, around the import.
"""

from __future__ import annotations

import decimal
import operator
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
from bson import Decimal128

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Subclassing validator classes", DeprecationWarning)
    import mongo_schema

__all__ = ["SchemaError", "ValidationError", "Validator", "check_schema", "errors", "validate"]

ValidationError = jsonschema.ValidationError
SchemaError = jsonschema.SchemaError

for _name, _check in list(mongo_schema._BSON_TYPES.items()):
    if isinstance(_check, type):
        mongo_schema._BSON_TYPES[_name] = (_check,)


def _decimal_bound(name: str, inside: Callable[[Any, Any], bool]) -> Callable[..., Iterator[ValidationError]]:
    original = mongo_schema.MongoValidator.VALIDATORS[name]

    def check(validator: Any, bound: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if not isinstance(instance, Decimal128):
            yield from original(validator, bound, instance, schema)
            return
        value = instance.to_decimal()
        limit = bound.to_decimal() if isinstance(bound, Decimal128) else decimal.Decimal(str(bound))
        exclusive = bool(schema.get("exclusiveMinimum" if name == "minimum" else "exclusiveMaximum"))
        if not inside(value, limit) or (exclusive and value == limit):
            yield ValidationError(f"{value} is outside the {name} of {bound}")

    return check


Validator: Any = jsonschema.validators.extend(
    mongo_schema.MongoValidator,
    {"minimum": _decimal_bound("minimum", operator.ge), "maximum": _decimal_bound("maximum", operator.le)})


def check_schema(schema: dict[str, Any]) -> None:
    """Raise SchemaError when `schema` uses what MongoDB's `$jsonSchema` lacks (format, $ref, default...)."""
    Validator.check_schema(schema)


def errors(schema: dict[str, Any], doc: Any) -> list[ValidationError]:
    """Every rule `doc` breaks (mongo-schema's bsonType raises its error instead of yielding it: the first)."""
    try:
        return list(Validator(schema).iter_errors(doc))
    except ValidationError as exc:
        return [exc]


def validate(doc: Any, schema: dict[str, Any]) -> None:
    """Raise ValidationError when `doc` breaks `schema` (the schema is checked first)."""
    check_schema(schema)
    Validator(schema).validate(doc)
