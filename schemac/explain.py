"""`schemac explain KEY`: a diagnostic code, a lint rule's name, or a design rule id, in words.

    explain("SC0415") -> str | None     explain("unserved-query")     explain("REL-I08")

Codes are registered by the modules that report them (the lint families, the design stage, each backend),
so `load_all_codes()` imports every module of the package first: a code added anywhere is explainable
without being listed here. Pure apart from those imports: no file access, no printing.
"""

from __future__ import annotations

import importlib
import pkgutil
from string import Formatter

import schemac

_SKIP = ("schemac.cli",)  # the command line registers nothing and is what calls us


def load_all_codes() -> None:
    """Import every schemac module, so that every code any of them registers is in the registry."""
    for info in pkgutil.walk_packages(schemac.__path__, "schemac."):
        if info.name not in _SKIP:
            importlib.import_module(info.name)


def show_template(template: str) -> str:
    """A message template as a reader sees it: `{{`/`}}` as one brace, each field as `<field>`."""
    out = []
    for literal, name, _spec, _conv in Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(f"<{name}>")
    return "".join(out)


def explain(key: str) -> str | None:
    """The explanation of a lint rule (by code or name), a diagnostic code, or a design rule id."""
    from schemac.compiler.check import explain as explain_lint
    from schemac.design_rules import explain_rule_id
    from schemac.diagnostics import REGISTRY

    load_all_codes()
    text = explain_lint(key.strip())
    if text is not None:
        return text
    rule = REGISTRY.get(key.strip().upper())
    if rule is not None:
        return f"{rule.code} ({rule.severity.value}): {show_template(rule.template)}\n\n{rule.explanation}\n"
    return explain_rule_id(key)
