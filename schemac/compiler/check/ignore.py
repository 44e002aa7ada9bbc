"""`// schemac: ignore ...` comments: silence lint findings where the model author decided otherwise.

    entity Session {
      token  string(64)       // schemac: ignore SC0323 -- tokens are random, a collision is harmless
      // schemac: ignore numeric-without-check
      tries  int
    }
    // schemac: ignore-file SC0340

- `ignore CODES` in a comment at the end of a line silences those findings on that line;
- on a line of its own, it silences them on the next line that is not a comment (a blank line ends it);
- `ignore-file CODES` anywhere in a file silences them in the whole file;
- CODES are codes (`SC0301`) or rule names (`integer-ids-exposed`), separated by spaces or commas; no
  codes means every lint rule. Text after `--` (or another `//`) is a free-form reason.
A finding is matched by the first line of its span. Only lint findings (SC03xx) can be silenced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemac.diagnostics import Diagnostic, Span

DIRECTIVE = re.compile(r"//\s*schemac:\s*ignore(?P<file>-file)?(?![\w-])(?P<rest>.*)$")
ALL = "*"


@dataclass
class Directive:
    span: Span  # the comment
    codes: frozenset[str]  # codes, or {"*"}
    whole_file: bool
    target_line: int | None  # the line it silences (None for ignore-file)
    used: bool = False

    def matches(self, d: Diagnostic) -> bool:
        return ALL in self.codes or d.code in self.codes


@dataclass
class Suppressions:
    directives: list[Directive] = field(default_factory=list)

    def silences(self, d: Diagnostic) -> bool:
        if d.span is None or not d.code.startswith("SC03"):
            return False
        hit = False
        for x in self.directives:
            if x.span.file != d.span.file or not x.matches(d):
                continue
            if x.whole_file or x.target_line == d.span.line:
                x.used = True
                hit = True
        return hit

    def filter(self, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
        return [d for d in diags if not self.silences(d)]

    def unused(self) -> list[Directive]:
        return [x for x in self.directives if not x.used]


def parse_suppressions(sources: Mapping[str, str], names: Mapping[str, str]) -> Suppressions:
    """Every directive of every source; `names` maps rule names to codes."""
    out = Suppressions()
    for file, text in sources.items():
        lines = text.splitlines()
        for i, line in enumerate(lines, start=1):
            m = DIRECTIVE.search(line)
            if m is None or _in_string(line, m.start()):
                continue
            whole = bool(m.group("file"))
            span = Span(file, i, m.start() + 1, i, len(line.rstrip()) + 1)
            codes = _codes(m.group("rest"), names)
            own_line = not line[: m.start()].strip()
            target = None if whole else (_next_code_line(lines, i) if own_line else i)
            out.directives.append(Directive(span, codes, whole, target))
    return out


def _codes(rest: str, names: Mapping[str, str]) -> frozenset[str]:
    rest = re.split(r"--|//", rest, maxsplit=1)[0]
    tokens = [t for t in re.split(r"[\s,]+", rest) if t]
    codes = {names.get(t, t.upper()) for t in tokens}
    return frozenset(codes) if codes else frozenset({ALL})


def _next_code_line(lines: list[str], i: int) -> int | None:
    """The first line after line `i` (1-based) that is not a comment; None when a blank line comes first."""
    for j in range(i, len(lines)):
        text = lines[j].strip()
        if not text:
            return None
        if not text.startswith("//"):
            return j + 1
    return None


def _in_string(line: str, pos: int) -> bool:
    """Whether `pos` is inside a double-quoted string (an SDL string may contain `//`)."""
    quoted = False
    i = 0
    while i < pos:
        c = line[i]
        if c == "\\" and quoted:
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        i += 1
    return quoted
