"""The design report: what schemac decided for one model on one target, and why, computed from the build.

    from schemac.report import render_report
    text = render_report(result)              # Markdown (Mermaid ER diagram)
    page = render_report(result, html=True)   # one self-contained HTML page (inline CSS and SVG)

`render_report` is pure and deterministic: it reads a `BuildResult` (IR, design, artifacts, diagnostics),
does no I/O, and gives the same text for the same inputs (`today` fixes the projected dates).
Every section is computed; the templates in `templates/` only lay it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from schemac import __version__
from schemac.report import access, decisions, entities, growth, migration, mistakes, svg, takeaways
from schemac.report.access import AccessSection
from schemac.report.capacity import CapacitySection, capacity_section
from schemac.report.decisions import DecisionSection
from schemac.report.entities import EntitySection
from schemac.report.facts import Facts, gather
from schemac.report.growth import RevisitSection
from schemac.report.migration import MigrationSection
from schemac.report.mistakes import MistakeSection
from schemac.report.takeaways import Takeaway
from schemac.report.text import Words, months, where, words

__all__ = ["SECTIONS", "Report", "build_report", "render_report"]

# (anchor, title): the report's sections, in order; both templates print exactly these.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("entity-model", "Entity model"),
    ("schema", "Schema"),
    ("indexes", "Indexes"),
    ("normalisation", "Normalisation and denormalisation"),
    ("access-patterns", "Access patterns"),
    ("mistakes", "Mistakes checklist"),
    ("migration", "Migration strategy"),
    ("revisit", "When to revisit"),
    ("takeaways", "Key takeaways"),
)


@dataclass(frozen=True)
class Report:
    """Everything the templates print."""

    title: str
    model: str
    target: str
    target_name: str
    family: str
    version: str
    today: str
    source: str
    horizon: str
    settings: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, str], ...]
    entities: EntitySection
    schema_path: str
    schema_language: str
    queries_language: str  # the fence language of the statements or requests
    words: Words
    schema: str
    access: AccessSection
    decisions: DecisionSection
    mistakes: MistakeSection
    migration: MigrationSection
    revisit: RevisitSection
    takeaways: tuple[Takeaway, ...]
    diagnostics: tuple[str, ...]
    svg: str
    capacity: CapacitySection | None = None  # capacity units (DynamoDB): RCU/WCU per pattern and write


def build_report(result: Any, *, today: date | None = None) -> Report:
    """The computed report for a `BuildResult` that has a design."""
    if result.design is None:
        raise ValueError("the report needs a build with a design (compile errors stop before the design)")
    facts = gather(result, today or date.today())
    ent = entities.build(facts)
    acc = access.build(facts)
    dec = decisions.build(facts)
    rev = growth.build(facts)
    s = facts.model.settings
    return Report(
        title=f"{s.name} on {facts.backend.title}", model=s.name, target=facts.target,
        target_name=facts.backend.title, family=facts.family, version=__version__,
        today=facts.today.isoformat(), source=where(s.span) if s.span else ", ".join(facts.model.files),
        horizon=months(s.horizon_months), settings=_settings(facts), sections=SECTIONS, entities=ent,
        schema_path=facts.layout.schema, schema_language=facts.layout.schema_language,
        queries_language=facts.layout.queries_language or facts.layout.schema_language, words=words(facts.family),
        schema=facts.schema_text().rstrip("\n"), access=acc, decisions=dec, mistakes=mistakes.build(facts),
        migration=migration.build(facts), revisit=rev, takeaways=takeaways.build(facts, acc, dec, rev),
        diagnostics=_diagnostics(facts), svg=svg.render(ent.rows, ent.relations),
        capacity=capacity_section(result.design))


def render_report(result: Any, *, html: bool = False, today: date | None = None) -> str:
    """The report as Markdown, or as one self-contained HTML page with `html=True`."""
    report = build_report(result, today=today)
    template = _environment(html).get_template("report.html.j2" if html else "report.md.j2")
    text = template.render(r=report)
    if html:
        text = no_scheme(text)
    return text if text.endswith("\n") else text + "\n"


def _settings(facts: Facts) -> tuple[tuple[str, str], ...]:
    s = facts.model.settings
    return (("tenant", s.tenant or "none (single tenant)"), ("ids", s.ids), ("deletes", s.deletes),
            ("horizon", months(s.horizon_months)), ("compliance", s.compliance),
            ("audit", "on" if s.audit else "off"))


def _diagnostics(facts: Facts) -> tuple[str, ...]:
    out = []
    for d in facts.diagnostics:
        loc = f"{where(d.span)}: " if d.span else ""
        out.append(f"{loc}{d.severity.value}[{d.code}]: {d.message}")
    return tuple(sorted(out))


# -- templates -------------------------------------------------------------------------------------------


def md_cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines folded."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def fence(text: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text}\n{ticks}"


def backticks(text: object) -> Markup:
    """HTML-escaped text with `code` spans as <code> elements."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(str(text)))))


def no_scheme(page: str) -> str:
    """The page with every `://` written as character references: it displays the same, and the file holds
    no URL that a browser or a checker could take for a resource to fetch. (No CSS or script in the page
    contains `://`, where references would not be decoded.)"""
    return page.replace("://", ":&#47;&#47;")


@cache
def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemac.report", "templates"),
        autoescape=html, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    env.filters.update(cell=md_cell, fence=fence, backticks=backticks)
    return env
