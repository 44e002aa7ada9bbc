"""The front of the pipeline: load -> parse -> resolve. Each phase reports into one Diagnostics; the
pipeline stops after a phase that reported errors. Design and emit are orchestrated above the compiler
and the backends, in `schemac.build` (the compiler never imports a backend)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from schemac.compiler import nodes as n
from schemac.compiler.gcpause import paused_gc
from schemac.compiler.model import Model
from schemac.compiler.patterns import PatternResolver
from schemac.compiler.resolve import EntityResolver, collect, resolve_settings
from schemac.compiler.syntax import parse
from schemac.diagnostics import Diagnostics, Span

Reader = Callable[[Path], str]


def read_utf8(path: Path) -> str:
    """The file's text; a UTF-8 byte-order mark (as some Windows editors write) is dropped."""
    return path.read_bytes().decode("utf-8-sig")


@dataclass
class Compilation:
    """What compiling a model produced: the IR (None on errors), diagnostics and the source texts."""

    model: Model | None
    diagnostics: Diagnostics
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.diagnostics.has_errors


def load(path: Path, diags: Diagnostics, read: Reader = read_utf8) -> tuple[list[n.File], dict[str, str]]:
    """Parse `path` and every file it imports (relative to the importing file), each once."""
    files: list[n.File] = []
    sources: dict[str, str] = {}
    seen: set[Path] = set()

    def visit(p: Path, display: str, via: Span | None, chain: tuple[Path, ...]) -> None:
        real = p.resolve()
        if real in chain:
            cycle = " -> ".join(x.name for x in (*chain, real)[list(chain).index(real):])
            diags.report("SC0006", via, cycle=cycle)
            return
        if real in seen:
            return
        seen.add(real)
        try:
            text = read(p)
        except UnicodeDecodeError as err:
            sources[display] = _report_not_utf8(err, display, diags)
            return
        except OSError as err:
            diags.report("SC0005", via, path=display, reason=err.strerror or str(err))
            return
        sources[display] = text
        tree = parse(text, display, diags)
        if tree is None:
            return
        files.append(tree)
        for d in tree.decls:
            if isinstance(d, n.ImportDecl) and "\0" in d.path.value:  # no file system takes one
                diags.report("SC0005", d.path.span, path=d.path.value.replace("\0", "\\0"),
                             reason="a file name cannot contain a NUL byte (\\0)")
            elif isinstance(d, n.ImportDecl):
                target = p.parent / d.path.value
                visit(target, _display(target), d.path.span, (*chain, real))

    visit(path, _display(path), None, ())
    return files, sources


def _report_not_utf8(err: UnicodeDecodeError, display: str, diags: Diagnostics) -> str:
    """SC0009 at the first byte that is not UTF-8; returns the text as shown (bad bytes replaced) for the
    excerpt under the message."""
    raw = bytes(err.object)
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    shown = raw[bom:].decode("utf-8", errors="replace")
    before = raw[bom:err.start].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    diags.report("SC0009", Span(display, line, col, line, col + 1), path=display, byte=f"{raw[err.start]:02x}")
    return shown


def _display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@paused_gc()  # parse and resolve make no cyclic garbage: one collection afterwards, not one per phase
def compile_model(path: Path, *, read: Reader = read_utf8, strict: bool = False) -> Compilation:
    diags = Diagnostics(strict=strict)
    files, sources = load(path, diags, read)
    if diags.has_errors:
        return Compilation(None, diags, sources)
    return Compilation(resolve_files(files, path.stem, diags), diags, sources)


@paused_gc()
def compile_text(text: str, file: str = "<input>.sdl", *, strict: bool = False) -> Compilation:
    """Compile one in-memory file (no imports are followed from it)."""
    diags = Diagnostics(strict=strict)
    tree = parse(text, file, diags)
    if tree is None:
        return Compilation(None, diags, {file: text})
    for d in tree.decls:
        if isinstance(d, n.ImportDecl):
            diags.report("SC0005", d.path.span, path=d.path.value, reason="imports need a file on disk")
    return Compilation(resolve_files([tree], Path(file).stem, diags), diags, {file: text})


def resolve_files(files: list[n.File], default_name: str, diags: Diagnostics) -> Model | None:
    decls = collect(files, diags)
    settings = resolve_settings(decls, default_name, diags)
    resolved = EntityResolver(decls, settings, diags).resolve()
    entities, types = resolved.entities, resolved.types
    by_name = {e.name: e for e in entities} | resolved.links
    queries, writes, actions = PatternResolver(decls, by_name, diags).resolve()
    if not entities and files and not diags.has_errors:  # after an error it would be noise
        diags.report("SC0215", Span(files[0].path, 1, 1, 1, 2))
    if diags.has_errors:
        return None
    return Model(settings=settings, entities=tuple(entities), types=tuple(types), queries=tuple(queries),
                 writes=tuple(writes), actions=tuple(actions), files=tuple(f.path for f in files),
                 relations=tuple(resolved.relations))
