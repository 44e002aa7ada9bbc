"""Audit trail: models that hold personal data or privileged roles should record who changed what."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, declared, listing, rule, scalar_kind, words
from schemac.diagnostics import Severity, Span

W = Severity.WARNING
PRIVILEGED = frozenset({"admin", "administrator", "superuser", "super_admin", "superadmin", "sysadmin"})
# privileged only in a field about roles (`kind enum(owner, tenant)` of a lease is not a role)
ROLE_PRIVILEGED = frozenset({"owner", "root", "moderator", "staff", "manager"})
ROLE_WORDS = frozenset({"role", "roles", "permission", "permissions", "access", "privilege", "rights",
                        "membership"})


@rule("SC0340", "no-audit-trail", W,
      template="{reasons}, but {state}: changes to personal data and privileged actions leave no trail",
      rationale="Under GDPR a controller must be able to show who accessed and changed personal data, and "
                "admin-like roles can change other users' data; without an audit log neither can be answered.",
      fix="Add `audit on` to the model block and mark the entities holding personal or privileged data "
          "`@audited`.",
      references=("D16", "sl mandatory-columns (closest)", "(original)"))
def no_audit_trail(ctx: Context) -> Iterator[Finding]:
    settings = ctx.model.settings
    reasons: list[str] = []
    span: Span | None = None
    if settings.compliance == "gdpr":
        reasons.append("the model declares `compliance gdpr`")
        span = ctx.setting_span("compliance")
    roles = _privileged_roles(ctx)
    if roles:
        where, role_span, members = roles[0]
        reasons.append(f"`{where}` has privileged roles ({', '.join(members)})")
        span = span or role_span
    if not reasons:
        return
    audited = [e.name for e in ctx.model.entities if e.audited]
    if settings.audit and audited:
        return
    state = "`audit` is off" if not settings.audit else "no entity is @audited"
    candidates = [e.name for e in ctx.user_entities() if any(f.pii for f in e.fields)]
    candidates += [w.split(".")[0] for w, _, _ in roles]
    todo = listing(dict.fromkeys(candidates), 4) or "the entities that matter"
    step = "add `audit on` to the model block and " if not settings.audit else ""
    yield Finding(span, {"reasons": " and ".join(reasons), "state": state},
                  help=f"{step}mark {todo} @audited")


def _privileged_roles(ctx: Context) -> list[tuple[str, Span, list[str]]]:
    out = []
    for e in ctx.user_entities():
        for f in declared(e):
            if scalar_kind(f) == "enum" and f.scalar is not None:
                privileged = PRIVILEGED | (ROLE_PRIVILEGED if ROLE_WORDS & set(words(f.name)) else frozenset())
                members = [v for v in f.scalar.values if v.lower() in privileged]
                if members:
                    out.append((f"{e.name}.{f.name}", ctx.field_span(e, f), members))
    return out
