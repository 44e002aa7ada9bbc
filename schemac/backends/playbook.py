"""Online-migration advice as data: which change locks what on a target, and the safe form to use instead.

Each backend exports its `Playbook` (from its `playbooks` module); the report's migration section picks the
rows that apply to a model and fills the statement templates with its real tables, indexes and constraints.

Templates use `{table}`, `{name}`, `{columns}`, `{where}` (with its leading ` WHERE`), `{ttl}` (a TTL
index's lifetime, in the playbook's `ttl_form`), `{ref_table}`, `{ref_columns}` and `{expression}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Operation:
    feature: str  # the model feature that makes this row relevant (see migration.features)
    change: str
    naive: str  # what the plain statement locks or rewrites
    safe: str  # the safe form, in words
    template: str = ""  # the safe form, as statements


@dataclass(frozen=True)
class Phase:
    name: str  # expand | migrate | contract
    steps: tuple[str, ...]  # may use {largest}, {largest_rows}, {batches}, {batch_size}


@dataclass(frozen=True)
class Playbook:
    name: str
    session: tuple[str, ...]  # run at the start of every migration step
    session_why: str
    operations: tuple[Operation, ...]
    phases: tuple[Phase, ...]
    online_index_label: str  # what the index list is headed with: "CREATE INDEX CONCURRENTLY"
    # how each step of expand-migrate-contract is written on this target: the phases' placeholders
    forms: Mapping[str, str] = field(default_factory=dict)
    # how a partial index's predicate joins its online form (`{where}`: the catalog's `Key.where`)
    where_form: str = " WHERE {where}"
    # how a TTL index's lifetime joins its online form (`{ttl}`: the catalog's `Key.expire_after_seconds`)
    ttl_form: str = ""
