"""Section 6, the mistakes checklist: the eight schema mistakes schemac promises to catch, each either
avoided (and how) or shown where it appears (file:line).

Where the lint package is importable its findings decide (mapped by rule name or rule family, as data);
otherwise the report detects each mistake from the IR and the design itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemac.compiler.model import Entity, FieldKind, FieldOrigin, ScalarKind
from schemac.report.facts import Facts
from schemac.report.text import count, counted, where

NATURAL_KEY_WORDS = ("email", "slug", "sku", "username", "handle", "code", "number", "subdomain", "isbn",
                     "iban", "external_id", "ref", "idempotency_key")


@dataclass(frozen=True)
class Mistake:
    key: str
    title: str
    rules: tuple[str, ...]  # lint rule names that find it
    families: tuple[str, ...] = ()  # lint rule modules whose rules all find it


MISTAKES: tuple[Mistake, ...] = (
    Mistake("keys", "Integer keys that leak", ("integer-ids-exposed", "small-integer-id")),
    Mistake("timestamps", "No created_at / updated_at", (), ("timestamps",)),
    Mistake("fk_indexes", "Missing foreign-key indexes", ("fk-without-index",)),
    Mistake("hard_deletes", "Hard deletes", (), ("deletes",)),
    Mistake("constraints", "Missing constraints",
            ("missing-primary-key", "id-field-not-reference", "optional-always-set", "nullable-by-default",
             "numeric-without-check")),
    Mistake("json", "JSON where columns belong", (), ("json",)),
    Mistake("natural_keys", "Natural keys without a unique constraint", ("natural-key-not-unique",)),
    Mistake("audit", "No audit trail", ("no-audit-trail",), ("audit",)),
)


@dataclass(frozen=True)
class Finding:
    location: str  # file:line
    message: str
    severity: str


@dataclass(frozen=True)
class MistakeRow:
    number: int
    key: str
    title: str
    status: str  # avoided | appears
    how: str  # how schemac avoids it (always computed, also when it appears elsewhere)
    findings: tuple[Finding, ...]
    notes: tuple[Finding, ...]  # informational findings that do not count as the mistake
    codes: tuple[str, ...]  # the lint codes that fired for it


@dataclass(frozen=True)
class MistakeSection:
    checked_by: str
    rows: tuple[MistakeRow, ...]


def build(facts: Facts) -> MistakeSection:
    lint = _lint_findings(facts)
    rows = []
    for number, m in enumerate(MISTAKES, 1):
        if lint is not None:
            found = [f for f in lint if _belongs(f[0], m)]
            findings = [f[1] for f in found]
            codes = tuple(sorted({f[0].code for f in found}))
        else:
            findings, codes = DETECT[m.key](facts), ()
        problems = tuple(f for f in findings if f.severity != "info")
        notes = tuple(f for f in findings if f.severity == "info")
        rows.append(MistakeRow(number, m.key, m.title, "appears" if problems else "avoided", HOW[m.key](facts),
                               problems, notes, codes))
    checked = ("the lint rules of `schemac check` (default configuration)" if lint is not None
               else "the report itself (the lint package is not available in this build)")
    return MistakeSection(checked, tuple(rows))


# -- lint integration -------------------------------------------------------------------------------------


def _lint_findings(facts: Facts) -> list[tuple[Any, Finding]] | None:
    """(rule, finding) for every lint finding, or None when the lint package is not available."""
    try:
        from schemac.compiler.check import RULES, run_checks
        from schemac.compiler.check.config import LintConfig
    except ImportError:
        return None
    from schemac.backends import reserved_words

    diags = run_checks(facts.model, facts.design, LintConfig(), facts.sources,
                       reserved=reserved_words(target=facts.design.target), catalog=facts.catalog)
    out = []
    for d in sorted(diags, key=lambda d: (d.span.file, d.span.line, d.code) if d.span else ("", 0, d.code)):
        rule = RULES.get(d.code)
        if rule is not None:
            out.append((rule, Finding(where(d.span), d.message, d.severity.value)))
    return out


def _belongs(rule: Any, m: Mistake) -> bool:
    return rule.name in m.rules or rule.family in m.families


# -- how each mistake is avoided ----------------------------------------------------------------------------


def _how_keys(facts: Facts) -> str:
    ids = facts.model.settings.ids
    if ids == "bigint":
        return ("keys are bigint (`ids bigint`): compact and sequential, so they must not leave the "
                "database where counts are sensitive")
    return (f"keys are {'UUIDv7' if ids == 'uuid7' else 'UUIDv4'} (`ids {ids}`): not enumerable, no volume "
            "leak, safe to merge across databases" + (", time-ordered for index locality" if ids == "uuid7" else ""))


def _how_timestamps(facts: Facts) -> str:
    ents = facts.model.entities
    created = sum(1 for e in ents if e.field("created_at"))
    updated = sum(1 for e in ents if e.field("updated_at"))
    append = [e.name for e in ents if e.append_only]
    mechanism = "a trigger" if facts.design.capabilities.triggers else "the application"
    text = (f"{created} of {len(ents)} entities have created_at (database default); {updated} have updated_at "
            f"maintained by {mechanism}")
    return text + (f"; append-only entities need no updated_at: {', '.join(append)}" if append else "")


def covered_references(facts: Facts) -> tuple[list[str], list[tuple[Entity, str]]]:
    """References led by an index (tenant column first allowed), and those that are not."""
    ok, missing = [], []
    for e in facts.model.entities:
        tenant = e.tenant_field.name if e.tenant_field else None
        leads = facts.index_leads(e.name)
        leads += [u.fields for u in e.uniques] + [e.primary_key]
        for f in e.references:
            hit = any(cols[:1] == (f.name,) or (tenant and cols[:2] == (tenant, f.name)) for cols in leads)
            (ok.append(f"{e.name}.{f.name}") if hit else missing.append((e, f.name)))
    return ok, missing


def _how_fk(facts: Facts) -> str:
    ok, _ = covered_references(facts)
    return f"{len(ok)} references, each led by an index (tenant column first where tenant-scoped)"


def _how_deletes(facts: Facts) -> str:
    ents = facts.model.entities
    soft = [e.name for e in ents if e.soft_delete]
    append = [e.name for e in ents if e.append_only]
    hard = [e.name for e in ents if e.hard_delete and not e.append_only]
    parts = []
    if soft:
        parts.append(f"soft delete (deleted_at, live-row uniques) on {len(soft)} entities")
    if append:
        parts.append(f"never deleted (@append_only): {', '.join(append)}")
    if hard:
        parts.append(f"deliberately hard-deleted (@hard_delete): {', '.join(hard)}")
    if facts.model.settings.deletes == "hard":
        parts.append("the model deletes for real (`deletes hard`)")
    return "; ".join(parts) or "no deletes declared"


def _how_constraints(facts: Facts) -> str:
    ents = facts.model.entities
    required = sum(1 for e in ents for f in e.stored_fields if not f.optional)
    checks = sum(len(f.checks) for e in ents for f in e.fields) + sum(len(e.checks) for e in ents)
    enums = sum(1 for e in ents for f in e.fields if f.scalar and f.scalar.kind is ScalarKind.ENUM)
    fks = sum(len(e.references) for e in ents)
    uniques = sum(len(e.uniques) for e in ents)
    fk_text = counted(fks, "foreign key") if facts.design.capabilities.foreign_keys else \
        f"{counted(fks, 'reference')} (no foreign keys on this target)"
    return (f"{counted(required, 'NOT NULL column')}, {counted(checks, 'declared check')}, "
            f"{counted(enums, 'enum check')}, {counted(uniques, 'unique constraint')}, {fk_text}")


def _json_fields(facts: Facts) -> list[tuple[Entity, str]]:
    return [(e, f.name) for e in facts.model.entities for f in e.fields
            if f.scalar is not None and f.scalar.kind is ScalarKind.JSON]


def _how_json(facts: Facts) -> str:
    found = _json_fields(facts)
    if not found:
        return "no json fields: every attribute is a typed column"
    names = ", ".join(f"{e.name}.{n}" for e, n in found)
    return f"json only for opaque documents never filtered, ordered or grouped by: {names}"


def _how_natural(facts: Facts) -> str:
    keys = [f"{e.name}({', '.join(u.fields)})" for e in facts.model.entities for u in e.uniques
            if not e.junction]
    return "unique constraints on " + ", ".join(keys) if keys else "no natural keys declared"


def _how_audit(facts: Facts) -> str:
    audited = [e.name for e in facts.model.entities if e.audited]
    append = [e.name for e in facts.model.entities if e.append_only]
    plan = getattr(facts.design, "audit", None)
    parts = []
    if facts.model.settings.audit and audited:
        table = plan.table if plan else "audit_log"
        how = plan.mechanism if plan else (
            "trigger" if facts.design.capabilities.triggers else "written in the same transaction")
        parts.append(f"{table} records every change to {', '.join(audited)} ({how})")
    if append:
        parts.append(f"append-only entities are their own history: {', '.join(append)}")
    return "; ".join(parts) or "no audit log (`audit off`)"


HOW: dict[str, Callable[[Facts], str]] = {
    "keys": _how_keys, "timestamps": _how_timestamps, "fk_indexes": _how_fk, "hard_deletes": _how_deletes,
    "constraints": _how_constraints, "json": _how_json, "natural_keys": _how_natural, "audit": _how_audit,
}


# -- detection without the lint package --------------------------------------------------------------------


def _setting(facts: Facts, key: str) -> str:
    span = facts.model.settings.span
    if span is None:
        return "(model)"
    lines = facts.sources.get(span.file, "").splitlines()
    for number in range(span.line, min(span.end_line, len(lines)) + 1):
        if lines[number - 1].strip().startswith(key):
            return f"{span.file}:{number}"
    return where(span)


def _find(location: str, message: str) -> Finding:
    return Finding(location, message, "warning")


def _detect_keys(facts: Facts) -> list[Finding]:
    out = []
    for e in facts.model.entities:
        f = e.field("id")
        if f is not None and f.scalar is not None and f.scalar.kind in (ScalarKind.INT, ScalarKind.BIGINT,
                                                                        ScalarKind.SMALLINT):
            loc = where(f.span) if f.origin is FieldOrigin.DECLARED else _setting(facts, "ids")
            out.append(_find(loc, f"`{e.name}` has sequential {f.scalar.kind.value} ids"))
    return out


def _detect_timestamps(facts: Facts) -> list[Finding]:
    return [_find(where(e.span), f"`{e.name}` has no {name}") for e in facts.model.entities
            for name in ("created_at", "updated_at") if e.field(name) is None
            and not (name == "updated_at" and e.append_only) and not e.junction]


def _detect_fk(facts: Facts) -> list[Finding]:
    _, missing = covered_references(facts)
    return [_find(where(e.field(name).span if e.field(name) else e.span),
                  f"`{e.name}.{name}` has no index led by it") for e, name in missing]


def _detect_deletes(facts: Facts) -> list[Finding]:
    out = []
    for w in facts.model.writes:
        e = facts.entity(w.entity)
        if w.op == "delete" and e is not None and not e.soft_delete and not e.hard_delete:
            out.append(_find(where(w.span), f"`{w.name}` deletes {facts.table(e.name)} rows for good"))
    return out


def _detect_constraints(facts: Facts) -> list[Finding]:
    out = []
    for e in facts.model.entities:
        for f in e.fields:
            numeric = f.kind is FieldKind.SCALAR and f.scalar is not None and f.scalar.kind in (
                ScalarKind.INT, ScalarKind.SMALLINT, ScalarKind.BIGINT, ScalarKind.DECIMAL)
            if numeric and f.origin is FieldOrigin.DECLARED and not f.checks and not f.maintained:
                out.append(Finding(where(f.span), f"`{e.name}.{f.name}` is numeric with no check", "info"))
    return out


def _detect_json(facts: Facts) -> list[Finding]:
    used = {(q.entity, p.field) for q in facts.model.queries for p in q.where if p.is_local}
    used |= {(q.entity, k.field) for q in facts.model.queries for k in (*q.order, *q.group) if k.entities}
    return [_find(where(e.field(n).span if e.field(n) else e.span),
                  f"`{e.name}.{n}` is json but a query filters, orders or groups by it")
            for e, n in _json_fields(facts) if (e.name, n) in used]


def _detect_natural(facts: Facts) -> list[Finding]:
    out = []
    for e in facts.model.entities:
        unique = {n for u in e.uniques for n in u.fields} | {f.name for f in e.fields if f.unique}
        for f in e.fields:
            words = f.name.split("_")
            looks = f.name in NATURAL_KEY_WORDS or (words[-1] in NATURAL_KEY_WORDS and f.kind is FieldKind.SCALAR)
            if looks and f.origin is FieldOrigin.DECLARED and f.name not in unique:
                out.append(_find(where(f.span), f"`{e.name}.{f.name}` looks like a natural key but is not unique"))
    return out


def _detect_audit(facts: Facts) -> list[Finding]:
    if facts.model.settings.audit and any(e.audited for e in facts.model.entities):
        return []
    mutable = [e for e in facts.model.entities if not e.append_only and not e.junction]
    pii = any(f.pii for e in mutable for f in e.fields)
    if not mutable or not (pii or facts.model.settings.compliance == "gdpr"):
        return []
    return [_find(_setting(facts, "audit"), f"no audit trail for {count(len(mutable))} mutable entities")]


DETECT: dict[str, Callable[[Facts], list[Finding]]] = {
    "keys": _detect_keys, "timestamps": _detect_timestamps, "fk_indexes": _detect_fk,
    "hard_deletes": _detect_deletes, "constraints": _detect_constraints, "json": _detect_json,
    "natural_keys": _detect_natural, "audit": _detect_audit,
}
