"""Run one declared write of writes.json as an application does, reads first.

The load (tests/helpers/ddb_load.py) fills a write's ``reads`` from the logical row it inserts. A write that
changes an item must instead read what is stored now, because its conditions say "the item still holds what
I read" (DDB-K07's version, a moved aggregate's old group): :func:`read_first` sends the reads (a strongly
consistent ``GetItem`` of the written item by its key, or of the item a reference names, ``"by"``) and
returns the values read, by param name, decoded as entities.json encodes them; :func:`apply_write` fills the
write with them over the caller's values and sends it, as one TransactWriteItems or split (dynalite).

A read whose param is also a ``generated`` param (an upsert's id and created_at) takes the stored value when
the item exists, the generated one otherwise; a read of an attribute the item lacks is NULL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from tests.helpers.ddb_fill import ArtifactError, Filler
from tests.helpers.ddb_run import DdbArtifacts, Split, need, python_item, run_write

CONDITION_FAILURES = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})


def decoded(art: DdbArtifacts, entity: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's attributes as the proof's Python values: timestamps as datetimes, integral numbers as int."""
    spec = art.entities["entities"].get(entity, {}).get("attributes", {})
    out: dict[str, Any] = {}
    for name, value in python_item(item).items():
        encoding = spec.get(name, {}).get("encoding")
        if encoding == "timestamp" and isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        elif isinstance(value, Decimal) and value == value.to_integral_value() and encoding != "epoch":
            value = int(value)
        out[name] = value
    return out


def own_key(write: Mapping[str, Any], filler: Filler) -> dict[str, Any]:
    """The key of the item the write changes: its first Update or Delete member's Key, filled."""
    where = f"writes.json {write.get('name')!r}"
    for member in need(write, "items", where):
        (kind, request), = member.items()
        if kind in ("Update", "Delete"):
            return dict(filler.fill(request["Key"]))
    raise ArtifactError(f"{where}: reads its own item but has no Update or Delete member to take the key from")


def _referenced_key(art: DdbArtifacts, read: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The key of the item a reference names: its entity's PK/SK templates, `<id>` the reference's value and
    any other hole (the tenant) the param of that name or of that name with `_id`."""
    spec = art.entities["entities"][read["entity"]]
    encodings = art.encodings(read["entity"])
    values = {**{k.removesuffix("_id"): v for k, v in params.items()}, **params, "id": params[read["by"]]}
    filler = Filler(values, lambda hole: encodings.get(hole, "plain"))
    return {a: {"S": filler.template(t)} for a, t in spec["keys"].items() if a in ("PK", "SK")}


def read_first(client: Any, art: DdbArtifacts, write: Mapping[str, Any], filler: Filler) -> dict[str, Any]:
    """The values the write's ``reads`` name, read from the table now (params by name)."""
    reads = [r for r in write.get("reads") or [] if isinstance(r, Mapping)]
    out: dict[str, Any] = {}
    own = [r for r in reads if "by" not in r]
    if own:
        answer = client.get_item(TableName=art.table_name, Key=own_key(write, filler), ConsistentRead=True)
        item = decoded(art, write["entity"], answer["Item"]) if "Item" in answer else None
        generated = {p["name"] for p in write.get("params", []) if p.get("generated")}
        for r in own:
            if item is None and r["param"] in generated:
                continue  # no item yet: the upsert's own fresh id and created_at
            out[r["param"]] = None if item is None else item.get(r["field"])
    for r in reads:
        if "by" in r:
            answer = client.get_item(TableName=art.table_name, Key=_referenced_key(art, r, filler.params),
                                     ConsistentRead=True)
            item = decoded(art, r["entity"], answer.get("Item", {}))
            out[r["param"]] = item.get(r["field"])
    return out


def with_values(filler: Filler, values: Mapping[str, Any]) -> Filler:
    return Filler({**filler.params, **values}, filler.encoding, filler.keys, filler.sort_keys, filler.key_pairs)


def apply_write(client: Any, art: DdbArtifacts, write: Mapping[str, Any], filler: Filler,
                split: Split | None) -> list[str]:
    """Read first, then send the write (``split``: its members as single requests)."""
    return run_write(client, write, with_values(filler, read_first(client, art, write, filler)), split)


def refused_on_condition(exc: ClientError) -> bool:
    """A write refused because a condition failed (and nothing else)."""
    reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
    return exc.response["Error"]["Code"] in CONDITION_FAILURES and not reasons - {"None", "ConditionalCheckFailed"}
