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
from schemac.backends import target_names

if TYPE_CHECKING:
    from schemac.compiler.check.config import LintConfig
    from schemac.compiler.pipeline import Compilation
    from schemac.diagnostics import Diagnostic

app = typer.Typer(
    name="schemac",
    help="Compile one SDL schema model into the best schema for PostgreSQL or MySQL.\n\n"
         "The SDL language reference: docs/language.md in the schemac repository "
         "(every construct, with what each target makes of it).",
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
                                           show_default=False, metavar="FILE")]


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


def _usage_error(message: str, fmt: Format = Format.text, *, code: str = "SC0502",
                 **fields: object) -> typer.Exit:
    """Say what is wrong with the command line (or configuration) and return the exit to raise: as text
    on stderr, or, for --format json/sarif, as one diagnostic on stdout so a tool always gets its format."""
    if fmt is Format.text:
        _err(f"error: {message}")
    else:
        from schemac.diagnostics import Diagnostics

        diags = Diagnostics()
        diags.report(code, None, **(fields or {"reason": message}))
        _write_machine(fmt, list(diags), {}, {})
    return typer.Exit(2)


def _write_machine(fmt: Format, diags: list[Diagnostic], sources: dict[str, str], rules: dict) -> None:
    from schemac import formats

    text = formats.to_json(diags, sources) if fmt is Format.json else formats.to_sarif(diags, rules)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _compile(file: Path, strict: bool, fmt: Format = Format.text) -> Compilation:
    from schemac.compiler.pipeline import compile_model

    if not file.exists():
        raise _usage_error(f"no such file: {file}", fmt, code="SC0005", path=str(file), reason="no such file")
    if file.is_dir():
        raise _usage_error(f"{file} is a folder; give the .sdl model file", fmt, code="SC0005", path=str(file),
                           reason="it is a folder; give the .sdl model file")
    return compile_model(file, strict=strict)


def _config(file: Path, fmt: Format = Format.text) -> LintConfig:
    from schemac.compiler.check.config import ConfigError, load_config

    try:
        return load_config(file.resolve().parent, target_names())
    except ConfigError as err:
        raise _usage_error(str(err), fmt, code="SC0501", reason=str(err)) from None


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
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Do not run the lint rules (`schemac check`) "
                                          "on the model and its design.")] = False,
) -> None:
    """Compile FILE for one target: schema, queries and the design decisions. Lint findings are printed
    too; with --strict any warning fails the build and nothing is written."""
    from schemac.build import emit_compiled, options_for
    from schemac.diagnose import lint

    comp = _compile(file, strict)
    config = None if no_lint else _config(file)
    result = emit_compiled(comp, target.value, options_for(target.value, pg_version=pg_version, strict=strict))
    diags = list(result.diagnostics)
    if result.ok and config is not None:
        diags += lint(comp, result.design, config, strict=strict, catalog=result.catalog)
    _print_diagnostics(diags, comp.sources)
    if not result.ok or any(d.is_error for d in diags):
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
    target: Annotated[Target | None, typer.Option("--target", "-t", help="Design for this target only "
                                                  "(default: [tool.schemac] target, else every target).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Parse, resolve and lint FILE, and design it for each target as build does; print every diagnostic
    once. Exit 1 when any error is found."""
    from schemac.backends import BACKENDS
    from schemac.compiler.check import RULES
    from schemac.diagnose import diagnose

    comp = _compile(file, strict, fmt)
    config = _config(file, fmt)
    targets = [target.value] if target else [config.target] if config.target else list(BACKENDS)
    diags = diagnose(comp, targets, config, strict=strict) if comp.ok else list(comp.diagnostics)
    if fmt is Format.text:
        _print_diagnostics(diags, comp.sources)
        if not diags:
            _err(f"{file}: no problems found")
    else:
        _write_machine(fmt, diags, comp.sources, RULES)
    if any(d.is_error for d in diags):
        raise typer.Exit(1)


# -- report -----------------------------------------------------------------------------------------------


@app.command()
def report(
    file: ModelFile,
    target: Annotated[Target, typer.Option("--target", "-t", help="The database the report is for.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here instead of "
                                             "stdout.")] = None,
    html: Annotated[bool, typer.Option("--html", help="A single self-contained HTML page.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an --out file that schemac did not "
                                        "write.")] = False,
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
    from schemac.backends import Artifact

    folder = out.parent
    for path in _write_artifacts(folder, [Artifact(out.name, text)], force=force):
        typer.echo(f"wrote {path}")


# -- explain a code -----------------------------------------------------------------------------------------


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A diagnostic code such as SC0101, a lint rule's name, or "
                                                "a design rule id such as REL-I08.", metavar="CODE")]
            ) -> None:
    """Explain a diagnostic code, lint rule or design rule id: what it means, why, and how to fix it."""
    from schemac.explain import explain as explain_key

    text = explain_key(code)
    if text is None:
        _err(f"error: unknown code {code}")
        raise typer.Exit(2)
    typer.echo(text.rstrip("\n"))


def _machine_format(args: list[str]) -> Format | None:
    """json or sarif when the command line asks `check` for a machine-readable format, else None."""
    if "check" not in args:
        return None
    for i, arg in enumerate(args):
        value = None
        if arg in ("--format", "-f") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--format="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-f") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        if value in (Format.json.value, Format.sarif.value):
            return Format(value)
    return None


def _run_for_machine(fmt: Format) -> None:
    """Run the command line, turning a usage error click reports (a missing argument, a bad option value)
    into one diagnostic in `fmt` on stdout, exit status 2."""
    import click

    try:
        code = app(prog_name="schemac", standalone_mode=False)
    except click.ClickException as err:
        raise SystemExit(_usage_error(err.format_message(), fmt).exit_code) from None
    except click.exceptions.Exit as done:
        code = done.exit_code
    sys.exit(code or 0)


def main() -> None:
    # One command, one process: what a compile allocates lives until the process exits. The only cyclic
    # garbage (SQLAlchemy's tables, columns and statements: about 650,000 objects at 1,000 entities) would cost
    # a full collection of about a second, and the interpreter's shutdown about as much again, just before the
    # operating system frees it all anyway. So the collector stays off (`paused_gc` pauses it during design
    # and emit for library callers) and everything alive at the end is frozen out of the shutdown collection.
    gc.disable()
    try:
        machine = _machine_format(sys.argv[1:])
        if machine is None:
            app(prog_name="schemac")
        else:
            _run_for_machine(machine)
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
