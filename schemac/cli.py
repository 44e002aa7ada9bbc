"""The command line: the only place that reads or writes files or prints.

Exit status: 0 success, 1 when the model has errors (or lint errors), 2 on a usage error.
Heavy imports (the compiler, backends, SQLAlchemy) happen inside commands, so `--help` stays fast.
"""

from __future__ import annotations

import gc
import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from schemac import __version__
from schemac.backends import reserved_words, target_names

if TYPE_CHECKING:
    from schemac.compiler.pipeline import Compilation
    from schemac.diagnostics import Diagnostic

app = typer.Typer(
    name="schemac",
    help="Compile one SDL schema model into the best schema for PostgreSQL, MySQL, MongoDB or DynamoDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MANIFEST = ".schemac-manifest"


# The targets the registry knows (schemac.backends.BACKENDS: a dict of names, no backend is imported here)
Target = StrEnum("Target", {name: name for name in target_names()})  # type: ignore[misc]


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"schemac {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """schemac: a multi-backend schema compiler."""


ModelFile = Annotated[Path, typer.Argument(help="The .sdl model file (imports are followed).",
                                           show_default=False)]


# -- printing ---------------------------------------------------------------------------------------------


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _print_diagnostics(diags: list[Diagnostic], sources: dict[str, str]) -> None:
    from schemac.diagnostics import render, sort_key

    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    for d in sorted(diags, key=sort_key):
        text = render(d, sources)
        if color:
            style = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}[d.severity.value]
            tag = f"{d.severity.value}[{d.code}]"
            text = text.replace(tag, f"{style}{tag}\x1b[0m", 1)
        _err(text)
    if diags:
        counts = {sev: sum(d.severity.value == sev for d in diags) for sev in ("error", "warning", "info")}
        _err(", ".join(f"{n} {sev}(s)" for sev, n in counts.items() if n or sev == "error"))


def _compile(file: Path, strict: bool) -> Compilation:
    from schemac.compiler.pipeline import compile_model

    if not file.exists():
        _err(f"error: no such file: {file}")
        raise typer.Exit(2)
    if file.is_dir():
        _err(f"error: {file} is a folder; give the .sdl model file")
        raise typer.Exit(2)
    return compile_model(file, strict=strict)


# -- build ------------------------------------------------------------------------------------------------


@app.command()
def build(
    file: ModelFile,
    target: Annotated[Target, typer.Option("--target", "-t", help="The database to compile for.")],
    out: Annotated[str | None, typer.Option("--out", "-o", help="Output folder (default "
                                            "./schemac-out/<target>/); `-` prints to stdout.")] = None,
    pg_version: Annotated[int, typer.Option("--pg-version", min=15, max=30,
                                            help="PostgreSQL major version to target.")] = 15,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings (e.g. features the target "
                                         "cannot express) as errors.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Also print every design decision.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files in the output folder that "
                                        "schemac did not write.")] = False,
) -> None:
    """Compile FILE for one target: schema, queries and the design decisions."""
    from schemac.build import emit_compiled, options_for

    comp = _compile(file, strict)
    result = emit_compiled(comp, target.value, options_for(target.value, pg_version=pg_version, strict=strict))
    _print_diagnostics(list(result.diagnostics), comp.sources)
    if not result.ok:
        raise typer.Exit(1)
    artifacts = list(result.artifacts)
    if out == "-":
        for a in artifacts:
            sys.stdout.write(f"-- ==== {a.path} ====\n{a.text}")
        return
    folder = Path(out) if out else Path("schemac-out") / target.value
    written = _write_artifacts(folder, artifacts, force=force)
    for path in written:
        typer.echo(f"wrote {path}")
    if explain:
        decisions = next((a for a in artifacts if a.path == "decisions.md"), None)
        if decisions is not None:
            typer.echo(decisions.text)


def _write_artifacts(folder: Path, artifacts: list, *, force: bool) -> list[Path]:
    """Write into `folder` only. A file that exists and that schemac did not write before (per the
    folder's manifest) is never overwritten without --force."""
    if folder.exists() and not folder.is_dir():
        _err(f"error: {folder} exists and is not a folder")
        raise typer.Exit(2)
    manifest = folder / MANIFEST
    ours = set(manifest.read_text(encoding="utf-8").split()) if manifest.exists() else set()
    clashes = [a.path for a in artifacts if (folder / a.path).exists() and a.path not in ours]
    if clashes and not force:
        _err(f"error: {folder} already has {', '.join(clashes)}, not written by schemac; "
             "choose another --out folder or pass --force to overwrite")
        raise typer.Exit(2)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for a in artifacts:
        target = folder / a.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(a.text, encoding="utf-8")
        written.append(target)
    manifest.write_text("\n".join(sorted(ours | {a.path for a in artifacts})) + "\n", encoding="utf-8")
    return written


# -- check ------------------------------------------------------------------------------------------------


@app.command()
def check(
    file: ModelFile,
    target: Annotated[Target | None, typer.Option("--target", "-t", help="Also run the rules that need "
                                                  "a target's design (index coverage, growth).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Parse, resolve and lint FILE; print diagnostics. Exit 1 when any error is found."""
    comp = _compile(file, strict)
    diags = list(comp.diagnostics)
    rules: dict = {}
    if comp.ok and comp.model is not None:
        lint = _lint(comp, file, target, strict)
        if lint is not None:
            findings, rules = lint
            diags += findings
    if fmt is Format.text:
        _print_diagnostics(diags, comp.sources)
        if not diags:
            _err(f"{file}: no problems found")
    else:
        from schemac import formats

        text = formats.to_json(diags, comp.sources) if fmt is Format.json else formats.to_sarif(diags, rules)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if any(d.is_error for d in diags):
        raise typer.Exit(1)


def _lint(comp: Compilation, file: Path, target: Target | None, strict: bool) -> tuple[list, dict] | None:
    try:
        from schemac.compiler.check import RULES, run_checks
        from schemac.compiler.check.config import load_config
    except ImportError:  # the lint package is optional while it is being built
        return None
    design = None
    if target is not None:
        from schemac.build import design_for

        design, extra = design_for(comp, target.value)
        comp.diagnostics.extend(extra)
    from schemac.compiler.check.config import ConfigError

    try:
        config = load_config(file.resolve().parent)
    except ConfigError as err:
        _err(f"error: {err}")
        raise typer.Exit(2) from None
    findings = run_checks(comp.model, design, config, comp.sources, reserved=reserved_words())
    if strict:
        from dataclasses import replace

        from schemac.diagnostics import Severity

        findings = [replace(d, severity=Severity.ERROR) if d.severity is Severity.WARNING else d
                    for d in findings]
    return findings, RULES


# -- report -----------------------------------------------------------------------------------------------


@app.command()
def report(
    file: ModelFile,
    target: Annotated[Target, typer.Option("--target", "-t", help="The database the report is for.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here instead of "
                                             "stdout.")] = None,
    html: Annotated[bool, typer.Option("--html", help="A single self-contained HTML page.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")] = False,
) -> None:
    """A design document: entities, schema, indexes and why, access patterns, mistakes, growth.

    Projected dates count from today, or from SOURCE_DATE_EPOCH when it is set."""
    from schemac.build import emit_compiled

    comp = _compile(file, False)
    result = emit_compiled(comp, target.value)
    _print_diagnostics([d for d in result.diagnostics if d.is_error], comp.sources)
    if not result.ok:
        raise typer.Exit(1)
    try:
        from schemac.report import render_report
    except ImportError:
        _err("error: the report is not available in this build")
        raise typer.Exit(2) from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible reports: projections dated from this day
    today = datetime.fromtimestamp(int(epoch), tz=UTC).date() if epoch and epoch.isdigit() else None
    text = render_report(result, html=html, today=today)
    if out is None:
        sys.stdout.write(text)
        return
    if out.exists() and not force:
        _err(f"error: {out} exists; pass --force to overwrite it")
        raise typer.Exit(2)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")


# -- explain a code -----------------------------------------------------------------------------------------


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A diagnostic code such as SC0101, or a lint rule's name.")]
            ) -> None:
    """Explain a diagnostic code or lint rule: what it means, why, and how to fix or silence it."""
    from schemac.compiler.check import explain as explain_rule
    from schemac.diagnostics import REGISTRY

    text = explain_rule(code)
    if text is not None:
        typer.echo(text.rstrip("\n"))
        return
    rule = REGISTRY.get(code.upper())
    if rule is None:
        _err(f"error: unknown code {code}")
        raise typer.Exit(2)
    typer.echo(f"{rule.code} ({rule.severity.value}): {rule.template}\n\n{rule.explanation}")


def main() -> None:
    # One command, one process: what a compile allocates lives until the process exits. The only cyclic
    # garbage (SQLAlchemy's tables, columns and statements: about 650,000 objects at 1,000 entities) would cost
    # a full collection of about a second, and the interpreter's shutdown about as much again, just before the
    # operating system frees it all anyway. So the collector stays off (`paused_gc` pauses it during design
    # and emit for library callers) and everything alive at the end is frozen out of the shutdown collection.
    gc.disable()
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as err:  # a bug in schemac, never the user's fault: say so, without a traceback
        if os.environ.get("SCHEMAC_DEBUG"):
            raise
        _err(f"internal error: {type(err).__name__}: {err}\n"
             "This is a bug in schemac; rerun with SCHEMAC_DEBUG=1 for details and report it.")
        sys.exit(70)
    finally:
        gc.freeze()
