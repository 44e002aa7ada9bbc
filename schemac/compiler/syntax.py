"""Parse SDL text into the syntax tree (`nodes`), turning Lark's errors into coded diagnostics."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import PatternStr

from schemac.compiler import fast_syntax
from schemac.compiler import nodes as n
from schemac.compiler.gcpause import paused_gc
from schemac.compiler.syntax_hints import report_sql_habit
from schemac.diagnostics import Diagnostics, Span, closest, source_line


class ParenNewlines:
    """Post-lexer: drop line separators inside parentheses and after a comma or a `|` (`from A |` newline `B`),
    so that lists may wrap lines."""

    always_accept = ("_SEP",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        prev = ""
        for tok in stream:
            if tok.type in ("LBRACE", "RBRACE"):
                depth = 0  # braces never stand inside parentheses: an unclosed `(` ends here
            elif tok.type == "LPAR":
                depth += 1
            elif tok.type == "RPAR":
                depth = max(0, depth - 1)
            elif tok.type == "_SEP" and (depth or prev in ("COMMA", "VBAR")):
                continue  # inside parentheses, after a comma or a `|`: the list goes on on the next line
            prev = tok.type
            yield tok


def _span_of(file: str, meta: Any) -> Span:
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(file: str, tok: Token) -> Span:
    return Span(file, tok.line or 1, tok.column or 1, tok.end_line or tok.line or 1,
                tok.end_column or (tok.column or 1) + len(tok))


@v_args(meta=True)
class _ToNodes(Transformer):
    """Lark tree -> nodes. One method per grammar rule; an unknown rule is a bug, not a stray Tree."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.file = "<input>"
        self.out_of_range: list[Span] = []  # number literals beyond MAX_NUMBER, reported by `parse`

    def __default__(self, data: Any, children: Any, meta: Any) -> Any:
        raise AssertionError(f"grammar rule {data!r} has no handler")

    # -- helpers -------------------------------------------------------------------------------------
    def _s(self, meta: Any) -> Span:
        return _span_of(self.file, meta)

    def _name(self, tok: Token) -> n.Name:
        return n.Name(str(tok), _tok_span(self.file, tok))

    def _lit(self, item: Any) -> Any:
        if isinstance(item, Token):
            if item.type == "STRING":
                return n.String(_unescape(str(item)[1:-1]), _tok_span(self.file, item))
            return self._name(item)
        return item

    # -- top level -------------------------------------------------------------------------------------
    def start(self, meta: Any, c: list[Any]) -> list[Any]:
        return c

    def import_decl(self, meta: Any, c: list[Any]) -> n.ImportDecl:
        return n.ImportDecl(self._lit(c[0]), self._s(meta))

    def model_block(self, meta: Any, c: list[Any]) -> n.ModelDecl:
        return n.ModelDecl(self._name(c[0]), tuple(c[1:]), self._s(meta))

    def setting(self, meta: Any, c: list[Any]) -> n.Setting:
        return n.Setting(self._name(c[0]), tuple(self._lit(v) for v in c[1:]), self._s(meta))

    def entity_decl(self, meta: Any, c: list[Any]) -> n.EntityDecl:
        return self._entity(meta, c, is_type=False)

    def type_decl(self, meta: Any, c: list[Any]) -> n.EntityDecl:
        return self._entity(meta, c, is_type=True)

    def _entity(self, meta: Any, c: list[Any], *, is_type: bool) -> n.EntityDecl:
        members = c[1:]

        def of(t: type) -> tuple[Any, ...]:
            return tuple(m for m in members if isinstance(m, t))

        return n.EntityDecl(self._name(c[0]), of(n.Attribute), of(n.FieldDecl), of(n.KeyLine),
                            of(n.Check), of(n.VolumeLine), of(n.SizeLine), is_type, self._s(meta))

    # -- fields ------------------------------------------------------------------------------------------
    def field(self, meta: Any, c: list[Any]) -> n.FieldDecl:
        name, texpr, rest = c[0], c[1], c[2:]
        optional = any(r == "?optional" for r in rest)
        default = next((r[1] for r in rest if isinstance(r, tuple) and r[0] == "default"), None)
        check = next((r for r in rest if isinstance(r, n.Check)), None)
        attrs = tuple(r for r in rest if isinstance(r, n.Attribute))
        return n.FieldDecl(name, texpr, optional, default, check, attrs, self._s(meta))

    def field_name(self, meta: Any, c: list[Any]) -> n.Name:
        return self._name(c[0])

    def optional(self, meta: Any, c: list[Any]) -> str:
        return "?optional"

    def type_expr(self, meta: Any, c: list[Any]) -> n.TypeExpr:
        args: tuple[Any, ...] = ()
        generic = None
        many = False
        for item in c[1:]:
            if isinstance(item, tuple):
                args = item
            elif isinstance(item, n.TypeExpr):
                generic = item
            elif isinstance(item, Token) and item.type == "MANY":
                many = True
        return n.TypeExpr(self._name(c[0]), args, generic, many, self._s(meta))

    def type_args(self, meta: Any, c: list[Any]) -> tuple[Any, ...]:
        return tuple(self._lit(x) for x in c)

    def generic_arg(self, meta: Any, c: list[Any]) -> n.TypeExpr:
        return c[0]

    def default(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("default", self._lit(c[0]))

    def aggregate_call(self, meta: Any, c: list[Any]) -> n.Aggregate:
        where = c[2] if len(c) > 2 else None
        return n.Aggregate(self._name(c[0]), c[1], where, self._s(meta))

    def field_check(self, meta: Any, c: list[Any]) -> n.Check:
        return c[0]

    def check_line(self, meta: Any, c: list[Any]) -> n.Check:
        return n.Check(c[0].terms, self._s(meta))

    def unique_line(self, meta: Any, c: list[Any]) -> n.KeyLine:
        return n.KeyLine("unique", c[0], c[1] if len(c) > 1 else None, self._s(meta))

    def index_line(self, meta: Any, c: list[Any]) -> n.KeyLine:
        return n.KeyLine("index", c[0], c[1] if len(c) > 1 else None, self._s(meta))

    def key_list(self, meta: Any, c: list[Any]) -> tuple[n.KeyItem, ...]:
        return tuple(c)

    def key_item(self, meta: Any, c: list[Any]) -> n.KeyItem:
        return n.KeyItem(c[0], str(c[1]) if len(c) > 1 else None, self._s(meta))

    order_item = key_item

    def volume_line(self, meta: Any, c: list[Any]) -> n.VolumeLine:
        unit = next((x for x in c[1:] if isinstance(x, n.Name)), None)
        growth = next((x for x in c[1:] if isinstance(x, tuple)), None)
        where = next((x for x in c[1:] if isinstance(x, n.Where)), None)
        return n.VolumeLine(c[0], unit, growth, where, self._s(meta))

    def growth(self, meta: Any, c: list[Any]) -> tuple[n.Number, n.Name]:
        return (c[0], c[1])

    def rate_unit(self, meta: Any, c: list[Any]) -> n.Name:
        return self._name(c[0])

    def size_line(self, meta: Any, c: list[Any]) -> n.SizeLine:
        return n.SizeLine(c[0], self._name(c[1]), self._s(meta))

    def check_expr(self, meta: Any, c: list[Any]) -> n.Check:
        return n.Check(tuple(c), self._s(meta))

    def check_range(self, meta: Any, c: list[Any]) -> n.CheckTerm:
        return n.CheckTerm("range", None, self._lit(c[0]), self._lit(c[1]), self._s(meta))

    def check_self(self, meta: Any, c: list[Any]) -> n.CheckTerm:
        return n.CheckTerm("self", str(c[0]), None, self._lit(c[1]), self._s(meta))

    def check_compare(self, meta: Any, c: list[Any]) -> n.CheckTerm:
        return n.CheckTerm("compare", str(c[1]), self._lit(c[0]), self._lit(c[2]), self._s(meta))

    def attribute(self, meta: Any, c: list[Any]) -> n.Attribute:
        args = c[1] if len(c) > 1 and c[1] is not None else ()
        return n.Attribute(self._name(c[0]), args, self._s(meta))

    def attr_args(self, meta: Any, c: list[Any]) -> tuple[Any, ...]:
        return tuple(self._lit(x) for x in c if x is not None)

    # -- access patterns -------------------------------------------------------------------------------
    def query_decl(self, meta: Any, c: list[Any]) -> n.QueryDecl:
        return n.QueryDecl(self._name(c[0]), tuple(c[1:]), self._s(meta))

    def _clause(self, kind: str, value: Any, meta: Any) -> n.Clause:
        return n.Clause(kind, value, self._s(meta))

    def from_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("from", tuple(self._name(t) for t in c), meta)

    def where_clause(self, meta: Any, c: list[Any]) -> n.Where:
        preds = tuple(x for x in c if isinstance(x, n.Predicate))
        ors = tuple(_tok_span(self.file, x) for x in c if isinstance(x, Token) and str(x) == "or")
        return n.Where(preds, ors, self._s(meta))

    def conj(self, meta: Any, c: list[Any]) -> Token:
        return c[0]

    def order_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("order", tuple(c), meta)

    def group_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("group", tuple(c), meta)

    def bucket_call(self, meta: Any, c: list[Any]) -> n.BucketCall:
        return n.BucketCall(self._name(c[0]), c[1], self._s(meta))

    def select_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("select", tuple(c), meta)

    def select_item(self, meta: Any, c: list[Any]) -> n.SelectItem:
        return n.SelectItem(None, c[0], c[1] if len(c) > 1 else None, self._s(meta))

    def select_aggregate(self, meta: Any, c: list[Any]) -> n.SelectItem:
        path = next((x for x in c[1:] if isinstance(x, n.Path)), None)
        alias = c[-1] if len(c) > 1 and isinstance(c[-1], n.Name) else None
        return n.SelectItem(self._name(c[0]), path, alias, self._s(meta))

    def alias(self, meta: Any, c: list[Any]) -> n.Name:
        return self._name(c[0])

    def include_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("include", tuple(c), meta)

    def include_item(self, meta: Any, c: list[Any]) -> n.IncludeItem:
        via = self._name(c.pop(1)) if len(c) > 1 and isinstance(c[1], Token) else None
        opts = c[1] if len(c) > 1 else None
        fields: list[n.Name] = []
        nested: list[n.IncludeItem] = []
        order: tuple[n.KeyItem, ...] = ()
        limit = None
        for opt in opts or ():
            if isinstance(opt, n.IncludeItem):
                if opt.has_list:
                    nested.append(opt)
                else:
                    fields.append(opt.name)  # a bare name: a field, or a relation resolved later
            elif opt[0] == "order":
                order = opt[1]
            else:
                limit = opt[1]
        return n.IncludeItem(self._name(c[0]), tuple(fields), tuple(nested), order, limit,
                             opts is not None, self._s(meta), via)

    def include_opts(self, meta: Any, c: list[Any]) -> list[Any]:
        return c

    def include_order(self, meta: Any, c: list[Any]) -> tuple[str, tuple[n.KeyItem, ...]]:
        return ("order", tuple(c))

    def include_limit(self, meta: Any, c: list[Any]) -> tuple[str, n.Number]:
        return ("limit", c[0])

    def limit_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("limit", c[0], meta)

    def rate_clause(self, meta: Any, c: list[Any]) -> n.Rate:
        return n.Rate(c[0], c[1], self._s(meta))

    def consistency_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("consistency", self._name(c[0]), meta)

    def batch_clause(self, meta: Any, c: list[Any]) -> n.Clause:
        return self._clause("batch", True, meta)

    def _pred(self, meta: Any, subject: n.Path | n.BucketCall, op: str, v: Any = None, v2: Any = None
              ) -> n.Predicate:
        path, bucket = (subject.path, subject.func) if isinstance(subject, n.BucketCall) else (subject, None)
        return n.Predicate(path, op, self._lit(v) if v is not None else None,
                           self._lit(v2) if v2 is not None else None, self._s(meta), bucket)

    def pred_compare(self, meta: Any, c: list[Any]) -> n.Predicate:
        return self._pred(meta, c[0], str(c[1]), c[2])

    def pred_in(self, meta: Any, c: list[Any]) -> n.Predicate:
        return self._pred(meta, c[0], "in", c[1])

    def pred_between(self, meta: Any, c: list[Any]) -> n.Predicate:
        return self._pred(meta, c[0], "between", c[1], c[2])

    def pred_null(self, meta: Any, c: list[Any]) -> n.Predicate:
        return self._pred(meta, c[0], "is_not_null" if len(c) > 1 else "is_null")

    def pred_match(self, meta: Any, c: list[Any]) -> n.Predicate:
        return self._pred(meta, c[0], "match", c[1])

    def param(self, meta: Any, c: list[Any]) -> n.Param:
        return n.Param(None, self._s(meta))

    def named_param(self, meta: Any, c: list[Any]) -> n.Param:
        return n.Param(str(c[0]), self._s(meta))

    def write_decl(self, meta: Any, c: list[Any]) -> n.WriteDecl:
        ops = tuple(x for x in c[1:] if isinstance(x, n.WriteOp))
        rates = tuple(x for x in c[1:] if isinstance(x, n.Rate))
        return n.WriteDecl(self._name(c[0]), ops, rates, self._s(meta))

    def write_op(self, meta: Any, c: list[Any]) -> n.WriteOp:
        fields = c[2] if len(c) > 2 and isinstance(c[2], tuple) else ()
        by = tuple(x for x in c[2:] if isinstance(x, n.Path))
        return n.WriteOp(self._name(c[0]), self._name(c[1]), by, self._s(meta), fields)

    def write_fields(self, meta: Any, c: list[Any]) -> tuple[n.Name, ...]:
        return tuple(self._name(t) for t in c)

    def action_decl(self, meta: Any, c: list[Any]) -> n.ActionDecl:
        return n.ActionDecl(self._name(c[0]), tuple(self._name(t) for t in c[1:]), self._s(meta))

    # -- shared ------------------------------------------------------------------------------------------
    def path(self, meta: Any, c: list[Any]) -> n.Path:
        return n.Path(tuple(self._name(t) for t in c), self._s(meta))

    def number(self, meta: Any, c: list[Any]) -> n.Number:
        text = str(c[0])
        value = n.number_value(text)
        if value is None:
            self.out_of_range.append(self._s(meta))
            value = 0
        return n.Number(value, text, self._s(meta))


def _unescape(text: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", text)  # only \" and \\ are escapes; any other backslash stays


def _grammar() -> str:
    return resources.files("schemac.grammar").joinpath("sdl.lark").read_text(encoding="utf-8")


@cache
def _fast_path() -> bool:
    """The fast path mirrors one version of the grammar: off when the grammar is not that version."""
    return hashlib.sha256(_grammar().encode("utf-8")).hexdigest() == fast_syntax.GRAMMAR_SHA256


@cache
def _parser() -> tuple[Lark, _ToNodes]:
    grammar = _grammar()
    transformer = _ToNodes()
    lark = Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                postlex=ParenNewlines(), maybe_placeholders=True)
    return lark, transformer


@paused_gc()
def parse(text: str, file: str, diags: Diagnostics) -> n.File | None:
    """Parse one file; on syntax errors report them and return None.

    When the file does not parse, each top-level declaration is parsed again on its own, so one
    mistake is reported per declaration rather than one per file, and a lost `}` is pinned to its block.

    A text the fast path (`fast_syntax`) reads is not given to Lark: it builds the same tree, faster.
    """
    if _fast_path():
        tree = fast_syntax.parse(text, file)
        if tree is not None:
            return tree
    lark, transformer = _parser()
    transformer.file = file
    try:
        tree = lark.parse(text)
    except UnexpectedInput:
        lines_before, counted = 0, 0
        for a, b in _declaration_bounds(text):
            lines_before += text.count("\n", counted, a)
            counted = a
            if _fast_path() and fast_syntax.parse(text[a:b], file) is not None:
                continue  # what the fast path reads Lark reads too: no error in this declaration
            try:
                lark.parse(_padded(text[a:b], lines_before))
            except UnexpectedInput as err:
                _report_syntax_error(err, "\n" * lines_before + text[a:b], file, lark, diags)
        if not diags.has_errors:  # the whole failed but no piece did: report the whole's error
            try:
                lark.parse(text)
            except UnexpectedInput as err:
                _report_syntax_error(err, text, file, lark, diags)
        return None
    transformer.out_of_range = []
    try:
        decls = transformer.transform(tree)
    except VisitError as err:  # a transformer bug is ours: say so plainly
        raise RuntimeError(f"internal error while reading {file}: {err.orig_exc!r}") from err
    for span in transformer.out_of_range:
        diags.report("SC0008", span, text=_shorten(text, span),
                     reason=f"out of range (at most {n.MAX_NUMBER:,} in absolute value)")
    return None if transformer.out_of_range else n.File(file, tuple(decls))


def _padded(declaration: str, lines_before: int) -> str:
    """`declaration` moved down to the line it starts on in its file, so that Lark's lines and columns are the
    file's: the lines before it are one block comment (one token to skip) and one line break, not a line
    break per line (each a token the parser would read: quadratic in a file with many broken declarations)."""
    if not lines_before:
        return declaration
    return "/*" + "\n" * (lines_before - 1) + "*/\n" + declaration


def _shorten(text: str, span: Span) -> str:
    line = source_line(text, span.line) if span.end_line == span.line else None
    token = line[span.col - 1:span.end_col - 1] if line is not None else ""
    return token if len(token) <= 24 else f"{token[:10]}…{token[-6:]}"


# -- syntax errors ----------------------------------------------------------------------------------------

_TOP_KEYWORDS = {"model", "import", "entity", "type", "query", "write", "action"}
_FRIENDLY = {
    "NAME": "a name", "SIGNED_NUMBER": "a number", "STRING": "a string", "_SEP": "end of line",
    "COMP_OP": "a comparison (= != < <= > >=)", "DIRECTION": "`asc` or `desc`",
    "WRITE_KIND": "insert, update, upsert or delete", "MANY": "`[]`", "STAR": "`*`", "NOT": "`not`",
    "$END": "end of file",
}
_BRACES = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/|[{}]', re.S)


def _display(lark: Lark, name: str) -> str:
    if name in _FRIENDLY:
        return _FRIENDLY[name]
    try:
        pattern = lark.get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"`{pattern.value}`" if isinstance(pattern, PatternStr) else name.lower()


def _keywords(lark: Lark, names: set[str]) -> list[str]:
    words = []
    for name in names:
        try:
            pattern = lark.get_terminal(name).pattern
        except KeyError:
            continue
        if isinstance(pattern, PatternStr) and pattern.value.isidentifier():
            words.append(pattern.value)
        elif alternatives := re.fullmatch(r"\(\?:([a-z_|]+)\)", pattern.value):  # "asc" | "desc"
            words.extend(alternatives.group(1).split("|"))
    return words


def _expected_text(lark: Lark, names: set[str]) -> str:
    shown = sorted({_display(lark, x) for x in names}, key=lambda x: (x[0] != "a", x))
    if len(shown) > 9:
        keywords = sorted(_keywords(lark, names))
        if keywords and len(keywords) <= 12:
            return "one of " + ", ".join(f"`{k}`" for k in keywords) + " or another member"
        return "a declaration, member or clause"
    return " or ".join(shown) if len(shown) <= 2 else ", ".join(shown[:-1]) + " or " + shown[-1]


_DECL_START = re.compile(r'^[ \t]*(?:(?:model|entity|type|query|write|action)[ \t]+[A-Za-z]\w*[^\n]*\{|import[ \t]+")',
                         re.M)


def _declaration_chunks(text: str) -> list[str]:
    """The text cut before each line that starts a top-level declaration; every chunk is padded with
    the newlines before it, so that lines and columns stay those of the whole file."""
    return ["\n" * text.count("\n", 0, a) + text[a:b] for a, b in _declaration_bounds(text)]


def _declaration_bounds(text: str) -> list[tuple[int, int]]:
    """Where the chunks of `_declaration_chunks` start and end in `text`."""
    hidden = [(m.start(), m.end()) for m in _BRACES.finditer(text) if len(m.group(0)) > 1]  # comments, strings
    hidden_starts = [a for a, _ in hidden]  # sorted, and the intervals do not overlap

    def is_hidden(start: int, end: int) -> bool:  # does a comment or string overlap (start, end)?
        last = bisect.bisect_left(hidden_starts, end) - 1  # the last one starting before `end`
        return last >= 0 and hidden[last][1] > start

    starts = [m.start() for m in _DECL_START.finditer(text)
              if not is_hidden(m.start(), m.start() + len(m.group(0)) - 1)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return list(itertools.pairwise([*starts, len(text)]))


def _report_syntax_error(err: UnexpectedInput, text: str, file: str, lark: Lark, diags: Diagnostics) -> bool:
    """Report one syntax error; True when it is fatal (a lost `}` or the end of the file)."""
    line, col = err.line if err.line and err.line > 0 else 1, err.column if err.column and err.column > 0 else 1
    pos = _offset(text, line, col)
    if _missing_brace(err, text, file, pos, diags):
        return True
    if not isinstance(err, UnexpectedEOF) and report_sql_habit(text, file, line, col, diags):
        return False
    if isinstance(err, UnexpectedCharacters):
        number = re.match(r"-?[0-9]+(\.[0-9]+)?[A-Za-z0-9_]+", text[pos:])
        if number and not text[pos - 1:pos].isalnum():
            diags.report("SC0008", Span(file, line, col, line, col + len(number.group(0))), text=number.group(0),
                         reason="a number may end in k (thousand), M (million) or B (billion), nothing else")
            return False
        word = re.match(r"[A-Za-z][A-Za-z0-9_]*", text[pos:])
        if word and _suggest_keyword(lark, set(err.allowed or ()), word.group(0), file, line, col, diags):
            return False
        char = text[pos] if pos < len(text) else ""
        diags.report("SC0001", Span(file, line, col, line, col + 1), char=repr(char))
        return False
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and (
            err.token.type == "$END" or (err.token.type == "_SEP" and not _code_after(text, pos + 1)))):
        expected = set(getattr(err, "expected", ()) or ())
        end = _end_span(text, file)
        diags.report("SC0004", end, expected=_expected_text(lark, expected) if expected else "more input")
        return True
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    expected = set(err.accepts or err.expected or ())
    span = _tok_span(file, tok)
    if tok.type == "NAME" and _suggest_keyword(lark, expected, str(tok), file, line, col, diags):
        return False
    found = "end of line" if tok.type == "_SEP" and str(tok) != ";" else f"`{tok}`"
    if tok.type == "_SEP":
        span = Span(file, line, col, line, col + 1)
    diags.report("SC0002", span, found=found, expected=_expected_text(lark, expected))
    return False


def _suggest_keyword(lark: Lark, allowed: set[str], word: str, file: str, line: int, col: int,
                     diags: Diagnostics) -> bool:
    keywords = _keywords(lark, allowed)
    best = closest(word, keywords) if word not in keywords else None
    if not best:
        return False
    diags.report("SC0007", Span(file, line, col, line, col + len(word)), kind="keyword", name=word,
                 suggestion=best)
    return True


def _missing_brace(err: UnexpectedInput, text: str, file: str, pos: int, diags: Diagnostics) -> bool:
    """Blocks never nest in SDL: a `{` inside an open block, a top-level keyword or the end of the file
    while a block is open means the open block lost its `}`: point at its opening brace."""
    at_end = isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END")
    stack: list[int] = []
    nested = False
    for m in _BRACES.finditer(text):
        if m.start() > pos and not at_end:
            break
        if m.group(0) == "{":
            if stack:
                nested = True  # a block opened inside an open block: the open one lost its `}`
                break
            stack.append(m.start())
        elif m.group(0) == "}" and stack:
            stack.pop()
    later_line = bool(stack) and "\n" in text[stack[-1]:pos]
    if not stack or not (nested or at_end or (later_line and _line_starts_with_top_keyword(text, pos))):
        return False
    opening = stack[-1]
    line = text.count("\n", 0, opening) + 1
    col = opening - (text.rfind("\n", 0, opening) + 1) + 1
    diags.report("SC0003", Span(file, line, col, line, col + 1))
    return True


def _code_after(text: str, pos: int) -> bool:
    """Whether anything but blanks and comments follows `pos`."""
    rest = re.sub(r"//[^\n]*|/\*.*?\*/", "", text[pos:], flags=re.S)
    return bool(rest.strip())


def _line_starts_with_top_keyword(text: str, pos: int) -> bool:
    start = text.rfind("\n", 0, pos) + 1
    word = re.match(r"\s*([A-Za-z]+)", text[start:])
    return bool(word) and word.group(1) in _TOP_KEYWORDS and start + word.start(1) <= pos


def _offset(text: str, line: int, col: int) -> int:
    parts = text.split("\n", line - 1)  # the lines before `line`, then the rest
    if len(parts) < line:
        return len(text)  # the text has fewer lines
    return min(len(text), sum(len(x) + 1 for x in parts[:-1]) + col - 1)


def _end_span(text: str, file: str) -> Span:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return Span(file, line, col, line, col + 1)
