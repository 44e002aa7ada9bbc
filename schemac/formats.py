"""Diagnostics as machine-readable text: a stable JSON list, and SARIF 2.1.0 for code-scanning tools.

    to_json(diags, sources) -> str      [{code, severity, message, file, line, column, end_line, end_column,
                                          help, rule_name}, ...]
    to_sarif(diags, rules) -> str       one SARIF run; `rules` are lint rules (schemac.compiler.check.RULES)

Both are deterministic (sorted keys, sorted findings, a trailing newline), so outputs can be diffed and
committed. Lines and columns are 1-based; end columns are exclusive, as in `Span` and in SARIF's default.
Pure: no file access, no printing (the CLI writes the text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from schemac import __version__
from schemac.diagnostics import REGISTRY, Diagnostic, Severity

if TYPE_CHECKING:
    from schemac.compiler.check.base import LintRule

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_names() -> dict[str, str]:
    from schemac.compiler.check import RULES

    return {code: r.name for code, r in RULES.items()}


def _ordered(diags: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> list[Diagnostic]:
    """Files in the order they were loaded (the model's main file first), then line, column, code, text."""
    rank = {name: i for i, name in enumerate(sources or {})}

    def key(d: Diagnostic) -> tuple[int, str, int, int, str, str]:
        s = d.span
        if s is None:
            return (-1, "", 0, 0, d.code, d.message)
        return (rank.get(s.file, len(rank)), s.file, s.line, s.col, d.code, d.message)

    return sorted(diags, key=key)


def to_json(diags: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> str:
    """A JSON list of findings; `sources` (file -> text, in load order) orders the files."""
    names = _rule_names()
    items = []
    for d in _ordered(diags, sources):
        s = d.span
        items.append({
            "code": d.code,
            "severity": d.severity.value,
            "message": d.message,
            "file": s.file if s else None,
            "line": s.line if s else None,
            "column": s.col if s else None,
            "end_line": s.end_line if s else None,
            "end_column": s.end_col if s else None,
            "help": d.help,
            "rule_name": names.get(d.code),
        })
    return json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- SARIF ---------------------------------------------------------------------------------------------------


def to_sarif(diags: Iterable[Diagnostic], rules: Iterable[LintRule] | Mapping[str, LintRule]) -> str:
    """One SARIF 2.1.0 log with one run. Every result's ruleId has a descriptor: the lint rules given, plus
    the registry's entry for any other code (syntax and meaning errors) that occurs."""
    given = list(rules.values()) if isinstance(rules, Mapping) else list(rules)
    ordered = _ordered(diags)
    descriptors = {r.code: _lint_descriptor(r) for r in given}
    for d in ordered:
        if d.code not in descriptors:
            descriptors[d.code] = _registry_descriptor(d.code)
    codes = sorted(descriptors)
    index = {code: i for i, code in enumerate(codes)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "schemac",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [descriptors[c] for c in codes],
        }},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code]) for d in ordered],
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _lint_descriptor(r: LintRule) -> dict[str, Any]:
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": _first_sentence(r.rationale)},
        "fullDescription": {"text": r.rationale},
        "help": {"text": r.fix, "markdown": _help_markdown(r)},
        "defaultConfiguration": {"level": SARIF_LEVELS[r.severity]},
        "properties": {"tags": ["schema", r.family], "references": list(r.references),
                       "needsDesign": r.needs_design, "needsCatalog": r.needs_catalog},
    }


def _registry_descriptor(code: str) -> dict[str, Any]:
    entry = REGISTRY.get(code)
    text = entry.explanation if entry else code
    level = SARIF_LEVELS[entry.severity] if entry else "error"
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": _first_sentence(text)},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": level},
    }


def _help_markdown(r: LintRule) -> str:
    from schemac.compiler.check.base import expand_reference

    refs = "\n".join(f"- {expand_reference(x)}" for x in r.references)
    return f"**{r.name}** ({r.code}): {r.rationale}\n\n**Fix:** {r.fix}" + (
        f"\n\n**Same check in other tools:**\n{refs}" if refs else "")


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _result(d: Diagnostic, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": SARIF_LEVELS[d.severity],
        "message": {"text": d.message},
    }
    if d.help:
        result["properties"] = {"help": d.help}
    s = d.span
    if s is not None:
        result["locations"] = [{"physicalLocation": {
            "artifactLocation": _artifact(s.file),
            "region": {"startLine": s.line, "startColumn": s.col, "endLine": s.end_line,
                       "endColumn": s.end_col},
        }}]
    return result


def _artifact(file: str) -> dict[str, str]:
    """A relative URI against %SRCROOT% (the folder schemac ran in); an absolute path becomes a file URI."""
    path = PurePath(file)
    if path.is_absolute():
        try:
            path = Path(file).relative_to(Path.cwd())
        except ValueError:
            return {"uri": Path(file).as_uri()}
    return {"uri": quote(path.as_posix(), safe="/"), "uriBaseId": "%SRCROOT%"}
