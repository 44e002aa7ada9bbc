"""Diagnostics of the design stage (SC040x). Registered on import; the codes are stable."""

from __future__ import annotations

from schemac.diagnostics import Severity, register

RLS_UNAVAILABLE = "SC0401"
TOO_MANY_COLUMNS = "SC0402"
NO_FULL_TEXT = "SC0403"
FULL_SCAN = "SC0404"
UPSERT_WITHOUT_UNIQUE = "SC0405"
SET_NULL_FALLBACK = "SC0406"
KEY_TOO_WIDE = "SC0407"
NO_TRIGGERS = "SC0408"
NO_FOREIGN_KEYS = "SC0409"

_W, _E = Severity.WARNING, Severity.ERROR

register(RLS_UNAVAILABLE, _W,
         "row-level security is not available on this target; filter by tenant in the application "
         "(every generated query does)",
         "Tenant isolation is enforced with row-level security policies where the target has them (REL-S01). "
         "Elsewhere every generated statement filters by the tenant column, and the application must never "
         "run hand-written SQL without that filter.")
register(TOO_MANY_COLUMNS, _W,
         "index on `{entity}` needs {count} columns but the target allows {limit}; kept ({kept})",
         "The target caps the number of columns in one index (INCLUDE columns count too). The trailing "
         "columns were dropped: the index still narrows the scan by its leading columns.")
register(NO_FULL_TEXT, _W,
         "full-text search on `{entity}.{field}` is not available on this target; {workaround}",
         "The target has no full-text index. The search is evaluated as a filter on the rows the other "
         "predicates select, or should be served by an external search engine.")
register(FULL_SCAN, _W,
         "{kind} `{name}` reads every row of `{entity}`: {reason}",
         "Every read access pattern must be served by a key or an index; a pattern with no usable "
         "predicate, sort or tenant scans the whole table.")
register(UPSERT_WITHOUT_UNIQUE, _E,
         "upsert `{write}` by ({fields}) has no unique constraint on those fields; declare `unique ({fields})`",
         "An upsert detects the existing row through a unique constraint on exactly its `by` fields "
         "(ON CONFLICT in SQL); without one, concurrent upserts insert duplicates.")
register(SET_NULL_FALLBACK, _W,
         "`{entity}.{field}` is @on_delete(set_null) but this target cannot null one column of a composite "
         "foreign key; the key is ({field}) alone, so the database does not stop it pointing into another "
         "tenant",
         "Composite tenant foreign keys (tenant, ref) -> (tenant, id) need `ON DELETE SET NULL (ref)` "
         "(PostgreSQL 15+). Without it the reference keeps a single-column key and the generated writes "
         "check the tenant of the referenced row.")
register(KEY_TOO_WIDE, _W,
         "index on `{entity}` ({columns}) may exceed the target's key size: {reason}",
         "B-tree keys are bounded (about 2.7 KB in PostgreSQL, 3072 bytes in InnoDB; REL-I07). Long or "
         "unbounded text in a key fails at insert time: shorten the field, or index a hash of it.")
register(NO_TRIGGERS, _W,
         "{what} cannot use triggers on this target; the generated writes maintain it in the same transaction",
         "Maintained aggregates and the audit log are kept by triggers where the target has them; "
         "elsewhere every generated write does the extra work, and hand-written writes must do it too.")
register(NO_FOREIGN_KEYS, _W,
         "foreign keys are not enforced on this target; references are checked by the generated writes",
         "Without foreign keys the database does not stop a dangling or cross-tenant reference.")

NO_PLANNER = "SC0400"
register(NO_PLANNER, _E,
         "the design stage has no planner for the {family} family yet (target `{target}`); nothing is designed",
         "Each target family (relational, document, key-value) has its own planner, chosen by the family the "
         "target's capabilities declare. Until a planner is registered for a family, a target of that family "
         "can be parsed and linted but not designed or emitted.")
