"""Lint configuration: `[tool.schemac]` in the nearest `pyproject.toml`, or a `schemac.toml`.

Lookup walks up from the model file (or folder) to the filesystem root and stops at the first folder that
has either file: `schemac.toml` always counts (its tables are read at top level, or under `[tool.schemac]`),
`pyproject.toml` counts only when it has a `[tool.schemac]` table. In one folder, `schemac.toml` wins.

    [tool.schemac.severity]            # per rule, by code or by name
    SC0301 = "error"                   # error | warning | info | off
    natural-key-not-unique = "off"

    [tool.schemac.lint]                # thresholds of the heuristics (defaults shown)
    large_table_rows = 10000           # a table this big (or growing) needs `limit` on ordered reads
    max_result_rows = 1000             # an ordered read expected to return more rows needs `limit`
    max_fanout = 100                   # children per parent an unbounded `include` may fetch
    max_index_columns = 4              # declared index columns before `wide-index`
    max_indexes = 10                   # indexes on one table (besides its primary key) before `too-many-indexes`
    natural_keys = ["iban"]            # field names treated as natural keys, added to the built-in list

    [tool.schemac]
    target = "postgres"                # the target `check` designs for (default: every known target)

Severity overrides are applied to lint findings (SC03xx) only: syntax and meaning errors cannot be
downgraded. This module reads files but prints nothing: a bad file raises `ConfigError`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from schemac.diagnostics import Diagnostic, Severity, closest

CONFIG_FILES = ("schemac.toml", "pyproject.toml")
LEVELS: dict[str, Severity | None] = {
    "error": Severity.ERROR, "warning": Severity.WARNING, "warn": Severity.WARNING,
    "info": Severity.INFO, "note": Severity.INFO, "off": None,
}
THRESHOLDS = ("large_table_rows", "max_result_rows", "max_fanout", "max_index_columns", "max_indexes")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class LintConfig:
    """Severity overrides (code -> severity, None = off) and the heuristics' thresholds."""

    severity: Mapping[str, Severity | None] = field(default_factory=lambda: MappingProxyType({}))
    large_table_rows: int = 10_000
    max_result_rows: int = 1_000
    max_fanout: int = 100
    max_index_columns: int = 4
    max_indexes: int = 10
    natural_keys: tuple[str, ...] = ()
    target: str | None = None  # the configured target; None: `check` runs every known target
    path: Path | None = None  # the file the configuration came from

    def is_off(self, code: str) -> bool:
        return code in self.severity and self.severity[code] is None

    def apply(self, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
        """Re-grade configured codes; drop the ones switched off. Other diagnostics pass unchanged."""
        out: list[Diagnostic] = []
        for d in diags:
            if d.code not in self.severity:
                out.append(d)
                continue
            level = self.severity[d.code]
            if level is not None:
                out.append(d if d.severity is level else dataclasses.replace(d, severity=level))
        return out


def load_config(start: Path, targets: Collection[str] | None = None) -> LintConfig:
    """The configuration that applies to `start` (a model file or a folder); defaults when none is found.
    `targets`: the names a configured target may take (the caller reads them from the backend registry,
    which the compiler does not import); None accepts any name."""
    found = find_config(start)
    if found is None:
        return LintConfig()
    path, table = found
    return parse_config(table, path, targets)


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """(file, its schemac table) of the nearest configuration, walking up from `start`."""
    here = start.resolve()
    folder = here if here.is_dir() else here.parent
    for d in (folder, *folder.parents):
        for name in CONFIG_FILES:
            candidate = d / name
            if not candidate.is_file():
                continue
            data = _read_toml(candidate)
            table = _schemac_table(data, standalone=name == "schemac.toml")
            if table is not None:
                return candidate, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from err


def _schemac_table(data: dict[str, Any], *, standalone: bool) -> dict[str, Any] | None:
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("schemac"), dict):
        return tool["schemac"]
    return data if standalone else None


def parse_config(table: Mapping[str, Any], path: Path | None = None,
                 targets: Collection[str] | None = None) -> LintConfig:
    """Build a LintConfig from a `[tool.schemac]` table. Unknown rules and levels raise ConfigError."""
    where = f"{path}: " if path else ""
    severity: dict[str, Severity | None] = {}
    raw = table.get("severity", {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}[tool.schemac.severity] must be a table of rule = level")
    for key, value in raw.items():
        code = _rule_code(str(key), where)
        if not isinstance(value, str) or value.lower() not in LEVELS:
            raise ConfigError(f"{where}[tool.schemac.severity] {key} = {value!r}: expected one of "
                              "\"error\", \"warning\", \"info\", \"off\"")
        severity[code] = LEVELS[value.lower()]
    options: dict[str, Any] = {}
    lint = table.get("lint", {})
    if not isinstance(lint, Mapping):
        raise ConfigError(f"{where}[tool.schemac.lint] must be a table")
    for key, value in lint.items():
        if key in THRESHOLDS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where}[tool.schemac.lint] {key} must be a whole number of 1 or more")
            options[key] = value
        elif key == "natural_keys":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}[tool.schemac.lint] natural_keys must be a list of field names")
            options[key] = tuple(value)
        else:
            hint = closest(key, [*THRESHOLDS, "natural_keys"])
            raise ConfigError(f"{where}unknown option [tool.schemac.lint] {key}"
                              + (f"; did you mean `{hint}`?" if hint else ""))
    target = _target(table.get("target"), where, targets)
    return LintConfig(severity=MappingProxyType(severity), target=target, path=path, **options)


def _target(value: object, where: str, targets: Collection[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and (targets is None or value in targets):
        return value
    names = list(targets or ())
    hint = closest(str(value), names)
    raise ConfigError(f"{where}[tool.schemac] target = {value!r}: expected one of {', '.join(names)}"
                      + (f"; did you mean `{hint}`?" if hint else ""))


def _rule_code(key: str, where: str) -> str:
    from schemac.compiler.check.base import RULES  # the registry is complete once the package is imported

    if key.upper() in RULES:
        return key.upper()
    by_name = {r.name: r.code for r in RULES.values()}
    if key in by_name:
        return by_name[key]
    hint = closest(key, [*RULES, *by_name])
    raise ConfigError(f"{where}[tool.schemac.severity] names an unknown rule `{key}`"
                      + (f"; did you mean `{hint}`?" if hint else ""))
