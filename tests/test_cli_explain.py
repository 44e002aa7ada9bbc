"""`schemac explain` knows every diagnostic code and every design rule id (issue 10, items 18 and 21).

Generic on purpose: codes are collected from the registry after importing every module, and rule ids from
the source of the design stage and the backends and from the decisions of every example on every target,
so a code or rule id added anywhere is checked without editing this file.
"""

from __future__ import annotations

import tokenize
from functools import cache
from pathlib import Path

import pytest

from schemac.backends import BACKENDS
from schemac.build import build
from schemac.design_rules import RULE_ID, RULE_IDS
from schemac.diagnostics import REGISTRY
from schemac.explain import explain, load_all_codes
from tests.helpers.cli import EXAMPLES, ROOT, run

load_all_codes()
CODES = sorted(REGISTRY)


def _cited_in_source() -> set[str]:
    """Rule ids written as string literals anywhere in the package (design, backends, lint, report)."""
    found: set[str] = set()
    for path in (ROOT / "schemac").rglob("*.py"):
        if path.name.startswith("design_rules"):  # the table itself
            continue
        with path.open("rb") as fh:
            strings = [t.string for t in tokenize.tokenize(fh.readline) if t.type == tokenize.STRING]
        found |= {rid for text in strings for rid in RULE_ID.findall(text)}
    return found


@cache
def _cited_by_decisions() -> frozenset[str]:
    """The rule id of every decision of every example on every target."""
    found: set[str] = set()
    for example in EXAMPLES:
        for target in BACKENDS:
            result = build(example, target)
            assert result.design is not None, (example, target)
            found |= {d.rule for d in result.design.decisions}
    return frozenset(found)


def test_the_registry_holds_the_codes_build_prints() -> None:
    for code in ("SC0003", "SC0401", "SC0409", "SC0410", "SC0415", "SC0423", "SC0301", "SC0399"):
        assert code in REGISTRY


@pytest.mark.parametrize("code", CODES)
def test_every_code_is_explained_without_template_braces(code: str) -> None:
    text = explain(code)
    assert text is not None and text.startswith(code)
    assert "{{" not in text and "}}" not in text, text
    assert len(text.split("\n", 1)[-1].strip()) > 20, "an explanation, not just a title"


def test_templates_show_their_fields_as_placeholders() -> None:
    assert explain("SC0003").startswith("SC0003 (error): missing `}`: the block opened here is not closed")
    assert "unknown type `<name>`<hint>" in explain("SC0101")


def test_rule_ids_are_found_both_ways() -> None:
    assert {"REL-I08", "SC-PAT-02"} <= _cited_in_source()
    assert {"REL-I08", "SC-KEY-01"} <= _cited_by_decisions()


@pytest.mark.parametrize("rule_id", sorted(_cited_in_source()))
def test_every_rule_id_in_the_source_is_explained(rule_id: str) -> None:
    assert rule_id in RULE_IDS, f"add {rule_id} to schemac/design_rules.py"
    text = explain(rule_id.lower())
    assert text is not None and text.startswith(f"{rule_id}: {RULE_IDS[rule_id].title}")


def test_every_rule_id_a_decision_cites_is_explained() -> None:
    missing = sorted(r for r in _cited_by_decisions() if explain(r) is None)
    assert not missing, f"add {missing} to schemac/design_rules.py"


def test_explain_on_the_command_line(tmp_path: Path) -> None:
    for key, head in (("SC0415", "SC0415 (warning): <target>: `<entity>.<field>`"),
                      ("SC0003", "SC0003 (error): missing `}`: the block"),
                      ("REL-I08", "REL-I08: Index the columns of every foreign key"),
                      ("unserved-query", "SC0345 unserved-query")):
        res = run("explain", key, cwd=tmp_path)
        assert res.returncode == 0 and res.stdout.startswith(head), (key, res.stdout, res.stderr)
    unknown = run("explain", "REL-Z99", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown code" in unknown.stderr
