"""docs/language.md: every ```sdl block compiles and builds for every target; the README points only inside
the repository (issue 10, item 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemac.backends import BACKENDS, BuildOptions
from schemac.build import emit_compiled
from schemac.compiler.pipeline import compile_text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
BLOCKS = re.findall(r"^```sdl\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)

# The entities the snippets use; a snippet's own declarations replace these.
CONTEXT = {
    "Branch": "entity Branch {\n  name string(120)\n}",
    "Author": "entity Author {\n  name string(120)\n}",
    "Book": "entity Book {\n  isbn string(13) @unique\n  title string(255)\n  author Author\n  shelves Shelf[]\n}",
    "Shelf": "entity Shelf {\n  label string(40)\n}",
    "Member": "entity Member {\n  name string(120)\n  email email @unique\n}",
    "Loan": "entity Loan {\n  book Book\n  member Member\n  borrowed_at timestamp\n  due_at timestamp\n"
            "  returned_at timestamp?\n}",
}


def _declared(block: str) -> set[str]:
    return set(re.findall(r"^(?:entity|type)\s+(\w+)", block, flags=re.M))


def wrap(block: str) -> str:
    """A whole model for a snippet: as written when it starts with `model`, else inside one."""
    if block.lstrip().startswith("model"):
        return block
    own = _declared(block)
    context = "\n".join(text for name, text in CONTEXT.items() if name not in own)
    return f"model library {{\n  tenant Branch\n}}\n{context}\n{block}"


def test_the_doc_has_a_block_for_every_construct() -> None:
    text = re.sub(r"[ \t]+", " ", "\n".join(BLOCKS))
    for word in ("model ", "entity ", "type ", "query ", "write ", "action ", "include ", "unique (", "index (",
                 "check (", "volume ", "size ", "rate ", "consistency ", "insert ", "update ", "upsert ",
                 "delete ", "[]", "@owner", "count(", "limit ", "order ",
                 "year(", "month(", "week(", "between ? and", "group month(", "from Loan | Hold",
                 "update Loan (returned_at)", "upsert Loan (", "@expires", "count(*)"):
        assert word in text, word


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_sdl_block_compiles_and_lints_clean_of_errors(index: int) -> None:
    from schemac.compiler.check import run_checks

    comp = compile_text(wrap(BLOCKS[index]), f"language-{index}.sdl")
    assert comp.ok and comp.model is not None, (BLOCKS[index], [d.message for d in comp.diagnostics])
    assert not [d for d in comp.diagnostics if d.is_error]
    assert not [d for d in run_checks(comp.model, None, None, comp.sources) if d.is_error]


@pytest.mark.parametrize("target", sorted(BACKENDS))
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_sdl_block_builds(index: int, target: str) -> None:
    source = wrap(BLOCKS[index])
    comp = compile_text(source, f"language-{index}.sdl")
    errors = [d for d in comp.diagnostics if d.is_error]
    assert comp.ok, (BLOCKS[index], [d.message for d in errors])
    result = emit_compiled(comp, target, BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics if d.is_error]


def test_the_link_entity_name_in_the_doc_is_the_one_schemac_makes() -> None:
    comp = compile_text(wrap("entity Extra {\n  x int\n}"), "link.sdl")
    assert comp.model is not None
    assert "BookShelves" in {r.name for r in comp.model.relations}
    assert "`BookShelves`" in DOC.read_text(encoding="utf-8")


def test_the_readme_links_only_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/language.md" in readme
    assert not re.search(r"shared/|/work/|\.\./", readme), "the README points outside the repository"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not re.match(r"[a-z]+://", target):
            assert (ROOT / target).exists(), target
