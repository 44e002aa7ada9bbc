"""Timestamps: the automatic created_at/updated_at/deleted_at, and instants stored as something else."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, declared, describe_type, rule, scalar_kind, words
from schemac.compiler.model import Entity, Field, FieldOrigin
from schemac.diagnostics import Severity

W = Severity.WARNING
MAINTAINED = {FieldOrigin.CREATED_AT: "created_at", FieldOrigin.UPDATED_AT: "updated_at"}
SHADOWS = {
    "created_at": ("created", "creation_date", "creation_time", "created_on", "created_date", "date_created",
                   "inserted_at", "insert_time", "create_time", "createdat", "created_time"),
    "updated_at": ("updated", "modified", "modified_at", "modified_on", "last_modified", "last_modified_at",
                   "last_updated", "last_updated_at", "update_time", "updated_on", "date_modified", "changed_at",
                   "updatedat"),
    "deleted_at": ("deleted", "is_deleted", "deleted_flag", "removed", "is_removed", "removed_at",
                   "deleted_on", "archived_flag"),
}
INSTANT_SUFFIXES = ("_at", "_timestamp", "_datetime")


@rule("SC0306", "timestamp-opt-out", W,
      template="`{entity}.{field}` is declared {how}, so schemac no longer maintains it",
      rationale="created_at/updated_at are filled by the database (`now`, an update trigger) only while they "
                "keep their meaning; redeclaring one with another type, as optional or without `= now` "
                "silently turns the automatic column into one the application must fill.",
      fix="Drop the declaration to get the maintained column, or declare it as `timestamp = now`; to opt out "
          "on purpose, rename the field and say why.",
      references=("D14", "sl mandatory-columns"))
def timestamp_opt_out(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in e.fields:
            name = MAINTAINED.get(f.origin)
            if name is None or f.span == e.span:
                continue  # added by schemac: nothing to check
            problems = []
            if scalar_kind(f) != "timestamp":
                problems.append(f"as {describe_type(f)} (not timestamp)")
            if f.optional:
                problems.append("optional")
            if f.default is None or f.default.kind != "now":
                problems.append("without `= now`")
            if problems:
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name,
                                                     "how": " and ".join(problems)},
                              help=f"remove the `{f.name}` line (schemac adds `{name} timestamp = now`), or "
                                   f"write `{name}  timestamp = now`")


@rule("SC0307", "shadow-timestamp", W,
      template="`{entity}.{field}` duplicates the `{standard}` column schemac maintains",
      rationale="A hand-made created/modified/deleted column next to the maintained one gives two sources of "
                "truth that drift apart; only the maintained one is set by the database and used by soft-delete "
                "filters.",
      fix="Remove the field and use the maintained column (created_at, updated_at, deleted_at).",
      references=("D14", "D16", "sl mandatory-columns"))
def shadow_timestamp(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            standard = _shadowed(e, f)
            if standard is not None:
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "standard": standard},
                              help=f"remove `{f.name}`; read `{standard}` instead")


def _shadowed(e: Entity, f: Field) -> str | None:
    name = f.name.lower()
    for standard, aliases in SHADOWS.items():
        if name not in aliases:
            continue
        # only when the entity has the maintained column (`deleted bool` on a hard-deleted entity is fine)
        return standard if e.field(standard) is not None else None
    return None


@rule("SC0308", "instant-not-timestamp", W,
      template="`{entity}.{field}` is named like a point in time but stored as {kind}",
      rationale="Instants kept as text or numbers lose time-zone handling, range queries, date arithmetic and "
                "validation; SDL's `timestamp` is always time-zone aware (timestamptz, DATETIME(6) in UTC, "
                "BSON date).",
      fix="Declare it as `timestamp` (or `date` for a calendar day).",
      references=("D04", "sq prefer-timestamptz", "sl prefer-timestamptz-to-timestamp",
                  "wiki Don't use timestamp without time zone"))
def instant_not_timestamp(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            kind = scalar_kind(f)
            if kind not in ("string", "text", "int", "bigint", "float", "decimal"):
                continue
            parts = words(f.name)
            if f.name.endswith(INSTANT_SUFFIXES) or parts[-1:] in (["timestamp"], ["datetime"]):
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "kind": kind},
                              help=f"write `{f.name}  timestamp{'?' if f.optional else ''}`")
