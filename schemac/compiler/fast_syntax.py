"""The fast path of `syntax.parse`: a hand-written tokenizer and recursive-descent parser for SDL.

It builds exactly the syntax tree (`nodes`, spans included) that the Lark LALR parser and `_ToNodes` build
from `grammar/sdl.lark`, about ten times faster, and needs neither Lark nor the grammar to be loaded. It
never reports anything: on any input it is not sure about it gives up (returns None) and `syntax.parse`
runs Lark, which accepts or rejects the text and reports syntax errors exactly as before. So it must
never accept a text Lark rejects, and every text it accepts must give Lark's tree. What that takes:

* Tokens are those of Lark's terminals (same regular expressions for names, numbers, strings, comments,
  separators); newlines and `;` inside parentheses and after `,` or `|` are dropped as `ParenNewlines` drops
  them.
* Lark's contextual lexer lexes a word as a keyword wherever the parser state accepts that keyword, even
  where a NAME is accepted too. In this grammar that happens in three kinds of states only (computed from
  the LALR table, see `tests/test_fast_syntax.py`): at the start of an entity or type member (`unique`,
  `index`, `check`, `volume`, `size`), at the start of an include option (`order`, `limit`), and after a
  number (`and`, `or`, `check`, `where`: so `size 250 where` is a syntax error, and so it is here).
* Where only keywords are accepted, Lark also matches a keyword that is merely the start of a word
  (`entityUser` lexes as `entity User`): this parser requires the whole word and gives up otherwise.

`GRAMMAR_SHA256` is the digest of the grammar this parser mirrors: when `sdl.lark` changes, the fast path
switches itself off (every parse goes through Lark) until this module is brought in line and the digest
updated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from schemac.compiler import nodes as n
from schemac.diagnostics import Span

GRAMMAR_SHA256 = "067763d7963a414b4336287f0848e53f3fe3436df8a464f7f5a46a7d385c91af"


# One token per match, after optional blanks; every character of the text is in some match (`finditer` skips
# nothing). The groups, numbered for `lastindex`, are tried in order, the most frequent first; order matters
# only where two could match at one position: comments before `/`, two-character operators before
# one-character ones. Anything no token starts with (a stray character, an unclosed string) falls in the last group.
_TOKEN = re.compile(
    r'[ \t\f\r]*(?:'
    r'([A-Za-z][A-Za-z0-9_]*)'  # 1: a word
    r'|([\n;])'  # 2: a separator
    r'|(<=|>=|!=|\.\.|\[\]|[{}()<>=,?@~:.+*|])'  # 3: punctuation but `/`
    r'|(-?[0-9]+(?:\.[0-9]+)?[kMB]?(?![A-Za-z0-9_]))'  # 4: a number
    r'|("(?:\\.|[^"\\\n])*")'  # 5: a string
    r'|(//[^\n]*|/\*[\s\S]*?\*/)'  # 6: a comment
    r'|(/\*)'  # 7: an unclosed block comment
    r'|(/)'  # 8: `/`
    r'|(\Z)'  # 9: the end
    r'|([\s\S]))'  # 10: anything else
)
_WORD, _SEP, _PUNCT, _NUMBER, _STRING, _COMMENT, _SLASH, _END = 1, 2, 3, 4, 5, 6, 8, 9
_COMP_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_AFTER_NUMBER = frozenset({"and", "or", "check", "where"})  # keywords, not names, right after a number
_WRITE_KINDS = frozenset({"insert", "update", "upsert", "delete"})
_DIRECTIONS = frozenset({"asc", "desc"})

# A token: (kind, text, line, column, end column). Kinds: "w" word, "n" number, "s" string, "nl" a line
# separator, "eof", or the punctuation itself ("{", "<=", "..", ...). Tokens never span lines.
Tok = tuple[str, str, int, int, int]


_I = TypeVar("_I")


class _GiveUp(Exception):
    """The text is not certainly what the grammar accepts: let Lark decide."""


def tokenize(text: str) -> list[Tok] | None:
    toks: list[Tok] = []
    append = toks.append
    line = 1
    before_line = -1  # the offset just before the current line: a column is `offset - before_line`
    depth = 0  # parentheses: separators inside are dropped (ParenNewlines)
    for m in _TOKEN.finditer(text):
        group = m.lastindex
        start, end = m.span(group)
        if group == _WORD:
            append(("w", text[start:end], line, start - before_line, end - before_line))
        elif group == _SEP:
            if not depth and not (toks and toks[-1][0] in (",", "|")):  # ParenNewlines: a list goes on
                append(("nl", text[start], line, start - before_line, end - before_line))
            if text[start] == "\n":
                line += 1
                before_line = start
        elif group in (_PUNCT, _SLASH):
            value = text[start:end]
            if value == "(":
                depth += 1
            elif value == ")":
                if depth:
                    depth -= 1
            elif value == "{" or value == "}":
                depth = 0
            append((value, value, line, start - before_line, end - before_line))
        elif group == _NUMBER:
            append(("n", text[start:end], line, start - before_line, end - before_line))
        elif group == _STRING:
            append(("s", text[start:end], line, start - before_line, end - before_line))
        elif group == _COMMENT:
            newlines = text.count("\n", start, end)
            if newlines:
                line += newlines
                before_line = text.rindex("\n", start, end)
        elif group == _END:
            eof = ("eof", "", line, end - before_line, end - before_line)
            toks += (eof, eof)  # lookahead past the end never runs off the list
            return toks
        else:  # an unclosed block comment, a character no token starts with
            return None
    return None  # not reached: the end always matches


def parse(text: str, file: str) -> n.File | None:
    """The syntax tree of `text`, or None when the fast path gives up (Lark then parses the text)."""
    toks = tokenize(text)
    if toks is None:
        return None
    try:
        return n.File(file, _Parser(toks, file).declarations())
    except _GiveUp:
        return None


def _unescape(text: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", text)  # only \" and \\ are escapes; any other backslash stays


class _Parser:
    """Recursive descent over the token list, one method per grammar rule; `i` is the next token."""

    def __init__(self, toks: list[Tok], file: str) -> None:
        self.toks = toks
        self.file = file
        self.i = 0

    # -- helpers -------------------------------------------------------------------------------------------
    def span(self, first: Tok) -> Span:
        """From the start of `first` to the end of the last token consumed."""
        last = self.toks[self.i - 1]
        return Span(self.file, first[2], first[3], last[2], last[4])

    def comma_list(self, item: Callable[[], _I]) -> list[_I]:
        """`item ("," item)*`."""
        out = [item()]
        while self.toks[self.i][0] == ",":
            self.i += 1
            out.append(item())
        return out

    def tok_span(self, t: Tok) -> Span:
        return Span(self.file, t[2], t[3], t[2], t[4])

    def name(self) -> n.Name:
        t = self.toks[self.i]
        if t[0] != "w":
            raise _GiveUp
        self.i += 1
        return n.Name(t[1], Span(self.file, t[2], t[3], t[2], t[4]))

    def expect(self, kind: str) -> Tok:
        t = self.toks[self.i]
        if t[0] != kind:
            raise _GiveUp
        self.i += 1
        return t

    def keyword(self, word: str) -> Tok:
        t = self.toks[self.i]
        if t[0] != "w" or t[1] != word:
            raise _GiveUp
        self.i += 1
        return t

    def at_word(self, word: str) -> bool:
        t = self.toks[self.i]
        return t[0] == "w" and t[1] == word

    def next_member(self) -> Tok | None:
        """Inside a block: skip blank lines; the word that starts the next member, or None at the `}`."""
        toks = self.toks
        while toks[self.i][0] == "nl":
            self.i += 1
        t = toks[self.i]
        if t[0] == "}":
            return None
        if t[0] != "w":
            raise _GiveUp
        return t

    def end_of_member(self) -> None:
        """A member, setting or clause stands on its own line or ends its block."""
        if self.toks[self.i][0] not in ("nl", "}"):
            raise _GiveUp

    def number(self) -> n.Number:
        t = self.toks[self.i]
        if t[0] != "n":
            raise _GiveUp
        self.i += 1
        text = t[1]
        value = n.number_value(text)
        if value is None:
            raise _GiveUp  # out of range: Lark's path reports it (SC0008)
        return n.Number(value, text, Span(self.file, t[2], t[3], t[2], t[4]))

    def string(self) -> n.String:
        t = self.toks[self.i]
        if t[0] != "s":
            raise _GiveUp
        self.i += 1
        return n.String(_unescape(t[1][1:-1]), Span(self.file, t[2], t[3], t[2], t[4]))

    def literal(self) -> n.Number | n.String | n.Name:
        kind = self.toks[self.i][0]
        if kind == "n":
            return self.number()
        if kind == "s":
            return self.string()
        return self.name()

    # -- top level -----------------------------------------------------------------------------------------
    def declarations(self) -> tuple[n.Decl, ...]:
        toks = self.toks
        decls: list[n.Decl] = []
        while True:
            t = toks[self.i]
            kind = t[0]
            if kind == "nl":
                self.i += 1
                continue
            if kind == "eof":
                return tuple(decls)
            if kind != "w":
                raise _GiveUp
            word = t[1]
            if word == "entity":
                decls.append(self.entity(is_type=False))
            elif word == "query":
                decls.append(self.query())
            elif word == "write":
                decls.append(self.write())
            elif word == "type":
                decls.append(self.entity(is_type=True))
            elif word == "action":
                decls.append(self.action())
            elif word == "model":
                decls.append(self.model())
            elif word == "import":
                self.i += 1
                path = self.string()
                decls.append(n.ImportDecl(path, self.span(t)))
            else:
                raise _GiveUp

    def model(self) -> n.ModelDecl:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        name = self.name()
        self.expect("{")
        settings: list[n.Setting] = []
        while self.next_member() is not None:
            settings.append(self.setting())
            self.end_of_member()
        self.i += 1
        return n.ModelDecl(name, tuple(settings), self.span(first))

    def setting(self) -> n.Setting:
        toks = self.toks
        first = toks[self.i]
        name = self.name()
        values: list[n.Literal] = []
        after_number = False
        while True:
            t = toks[self.i]
            kind = t[0]
            if kind == "w":
                if after_number and t[1] in _AFTER_NUMBER:
                    raise _GiveUp
                values.append(self.name())
            elif kind == "n":
                values.append(self.number())
            elif kind == "s":
                values.append(self.string())
            else:
                break
            after_number = kind == "n"
        if not values:
            raise _GiveUp
        return n.Setting(name, tuple(values), self.span(first))

    # -- entities and value types ----------------------------------------------------------------------------
    def entity(self, *, is_type: bool) -> n.EntityDecl:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        name = self.name()
        attrs: list[n.Attribute] = []
        while toks[self.i][0] == "@":
            attrs.append(self.attribute())
        self.expect("{")
        fields: list[n.FieldDecl] = []
        keys: list[n.KeyLine] = []
        checks: list[n.Check] = []
        volumes: list[n.VolumeLine] = []
        sizes: list[n.SizeLine] = []
        while (t := self.next_member()) is not None:
            word = t[1]
            nxt = toks[self.i + 1][0]
            if is_type:
                fields.append(self.field())
            elif (word == "unique" or word == "index") and nxt == "(":
                keys.append(self.key_line(word))
            elif word == "check" and nxt == "(":
                self.i += 1
                self.expect("(")
                expr = self.check_expr()
                self.expect(")")
                checks.append(n.Check(expr.terms, self.span(t)))
            elif word == "volume" and nxt == "n":
                volumes.append(self.volume_line())
            elif word == "size" and nxt == "n":
                self.i += 1
                amount = self.number()
                u = toks[self.i]
                if u[0] == "w" and u[1] in _AFTER_NUMBER:
                    raise _GiveUp
                sizes.append(n.SizeLine(amount, self.name(), self.span(t)))
            else:
                fields.append(self.field())
            self.end_of_member()
        self.i += 1
        return n.EntityDecl(name, tuple(attrs), tuple(fields), tuple(keys), tuple(checks), tuple(volumes),
                            tuple(sizes), is_type, self.span(first))

    def field(self) -> n.FieldDecl:
        toks = self.toks
        first = toks[self.i]
        name = self.name()
        texpr = self.type_expr()
        optional = False
        default: n.Literal | n.Aggregate | None = None
        check = None
        t = toks[self.i]
        if t[0] == "?":
            optional = True
            self.i += 1
            t = toks[self.i]
        if t[0] == "=":
            self.i += 1
            default = self.default_value()
            t = toks[self.i]
        if t[0] == "w" and t[1] == "check":
            self.i += 1
            self.expect("(")
            check = self.check_expr()
            self.expect(")")
        attrs: list[n.Attribute] = []
        while toks[self.i][0] == "@":
            attrs.append(self.attribute())
        return n.FieldDecl(name, texpr, optional, default, check, tuple(attrs), self.span(first))

    def type_expr(self) -> n.TypeExpr:
        toks = self.toks
        first = toks[self.i]
        name = self.name()
        args: tuple[n.Number | n.Name, ...] = ()
        generic = None
        many = False
        if toks[self.i][0] == "(":
            self.i += 1
            items: list[n.Number | n.Name] = []
            while True:
                kind = toks[self.i][0]
                if kind == "n":
                    items.append(self.number())
                elif kind == "w":
                    items.append(self.name())
                else:
                    raise _GiveUp
                sep = toks[self.i][0]
                self.i += 1
                if sep == ")":
                    break
                if sep != ",":
                    raise _GiveUp
            args = tuple(items)
        if toks[self.i][0] == "<":
            self.i += 1
            generic = self.type_expr()
            self.expect(">")
        if toks[self.i][0] == "[]":
            many = True
            self.i += 1
        return n.TypeExpr(name, args, generic, many, self.span(first))

    def default_value(self) -> n.Literal | n.Aggregate:
        toks = self.toks
        t = toks[self.i]
        if t[0] == "w" and toks[self.i + 1][0] == "(":
            func = self.name()
            self.i += 1
            path = self.path()
            where = self.where_clause() if self.at_word("where") else None
            self.expect(")")
            return n.Aggregate(func, path, where, self.span(t))
        return self.literal()

    def check_expr(self) -> n.Check:
        first = self.toks[self.i]
        terms = [self.check_term()]
        while self.at_word("and"):
            self.i += 1
            terms.append(self.check_term())
        return n.Check(tuple(terms), self.span(first))

    def check_term(self) -> n.CheckTerm:
        toks = self.toks
        first = toks[self.i]
        if first[0] in _COMP_OPS:
            self.i += 1
            right = self.operand()
            return n.CheckTerm("self", first[1], None, right, self.span(first))
        left = self.operand()
        t = toks[self.i]
        self.i += 1
        if t[0] == "..":
            right = self.operand()
            return n.CheckTerm("range", None, left, right, self.span(first))
        if t[0] in _COMP_OPS:
            right = self.operand()
            return n.CheckTerm("compare", t[1], left, right, self.span(first))
        raise _GiveUp

    def operand(self) -> n.Number | n.String | n.Path:
        kind = self.toks[self.i][0]
        if kind == "n":
            return self.number()
        if kind == "s":
            return self.string()
        return self.path()

    def key_line(self, kind: str) -> n.KeyLine:
        first = self.toks[self.i]
        self.i += 1
        self.expect("(")
        keys = self.comma_list(self.key_item)
        self.expect(")")
        where = self.where_clause() if self.at_word("where") else None
        return n.KeyLine(kind, tuple(keys), where, self.span(first))

    def key_item(self) -> n.KeyItem:
        first = self.toks[self.i]
        path = self.path()
        t = self.toks[self.i]
        direction = None
        if t[0] == "w" and t[1] in _DIRECTIONS:
            direction = t[1]
            self.i += 1
        return n.KeyItem(path, direction, self.span(first))

    def volume_line(self) -> n.VolumeLine:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        count = self.number()
        unit = None
        growth = None
        where = None
        if toks[self.i][0] == "/":
            unit = self.rate_unit()
        if toks[self.i][0] == "+":
            self.i += 1
            growth = (self.number(), self.rate_unit())
        if self.at_word("where"):
            where = self.where_clause()
        return n.VolumeLine(count, unit, growth, where, self.span(first))

    def rate_unit(self) -> n.Name:
        self.expect("/")
        return self.name()

    def attribute(self) -> n.Attribute:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        name = self.name()
        args: tuple[n.Literal, ...] = ()
        if toks[self.i][0] == "(":
            self.i += 1
            items: list[n.Literal] = []
            if toks[self.i][0] != ")":
                while True:
                    kind = toks[self.i][0]
                    if kind not in ("n", "s", "w"):
                        raise _GiveUp
                    items.append(self.literal())
                    if toks[self.i][0] != ",":
                        break
                    self.i += 1
            self.expect(")")
            args = tuple(items)
        return n.Attribute(name, args, self.span(first))

    # -- access patterns -----------------------------------------------------------------------------------
    def query(self) -> n.QueryDecl:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        name = self.name()
        self.expect("{")
        clauses: list[n.Clause | n.Where | n.Rate] = []
        while (t := self.next_member()) is not None:
            clauses.append(self.clause(t))
            self.end_of_member()
        self.i += 1
        return n.QueryDecl(name, tuple(clauses), self.span(first))  # type: ignore[arg-type]

    def clause(self, t: Tok) -> n.Clause | n.Where | n.Rate:
        word = t[1]
        if word == "where":
            return self.where_clause()
        self.i += 1
        if word == "from":
            sources = [self.name()]
            while self.toks[self.i][0] == "|":
                self.i += 1
                sources.append(self.name())
            return n.Clause("from", tuple(sources), self.span(t))
        if word == "order":
            return n.Clause("order", tuple(self.comma_list(self.key_item)), self.span(t))
        if word == "rate":
            amount = self.number()
            return n.Rate(amount, self.rate_unit(), self.span(t))
        if word == "limit":
            return n.Clause("limit", self.number(), self.span(t))
        if word == "select":
            return n.Clause("select", tuple(self.comma_list(self.select_item)), self.span(t))
        if word == "include":
            return n.Clause("include", tuple(self.comma_list(self.include_item)), self.span(t))
        if word == "group":
            return n.Clause("group", tuple(self.comma_list(self.group_item)), self.span(t))
        if word == "consistency":
            return n.Clause("consistency", self.name(), self.span(t))
        if word == "batch":
            return n.Clause("batch", True, self.span(t))
        raise _GiveUp

    def group_item(self) -> n.Path | n.BucketCall:
        toks = self.toks
        if toks[self.i][0] == "w" and toks[self.i + 1][0] == "(":
            return self.bucket_call()
        return self.path()

    def bucket_call(self) -> n.BucketCall:
        first = self.toks[self.i]
        func = self.name()
        self.expect("(")
        path = self.path()
        self.expect(")")
        return n.BucketCall(func, path, self.span(first))

    def select_item(self) -> n.SelectItem:
        toks = self.toks
        first = toks[self.i]
        if first[0] == "w" and toks[self.i + 1][0] == "(":
            func = self.name()
            self.i += 1
            path = None
            kind = toks[self.i][0]
            if kind == "*":
                self.i += 1
            elif kind == "w":
                path = self.path()
            self.expect(")")
            return n.SelectItem(func, path, self.alias(), self.span(first))
        path = self.path()
        return n.SelectItem(None, path, self.alias(), self.span(first))

    def alias(self) -> n.Name | None:
        if not self.at_word("as"):
            return None
        self.i += 1
        return self.name()

    def include_item(self) -> n.IncludeItem:
        toks = self.toks
        first = toks[self.i]
        name = self.name()
        via = None
        if toks[self.i][0] == ".":
            self.i += 1
            via = self.name()
        fields: list[n.Name] = []
        nested: list[n.IncludeItem] = []
        order: tuple[n.KeyItem, ...] = ()
        limit = None
        has_list = toks[self.i][0] == "("
        if has_list:
            self.i += 1
            while True:
                t = toks[self.i]
                if t[0] != "w":
                    raise _GiveUp
                if t[1] == "order":
                    self.i += 1
                    if toks[self.i][0] == "(":
                        self.i += 1
                        items = self.comma_list(self.key_item)
                        self.expect(")")
                    else:
                        items = [self.key_item()]
                    order = tuple(items)
                elif t[1] == "limit":
                    self.i += 1
                    limit = self.number()
                else:
                    item = self.include_item()
                    if item.has_list:
                        nested.append(item)
                    else:
                        fields.append(item.name)
                sep = toks[self.i][0]
                self.i += 1
                if sep == ")":
                    break
                if sep != ",":
                    raise _GiveUp
        return n.IncludeItem(name, tuple(fields), tuple(nested), order, limit, has_list, self.span(first), via)

    def where_clause(self) -> n.Where:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        preds = [self.predicate()]
        ors: list[Span] = []
        while True:
            t = toks[self.i]
            if t[0] != "w":
                break
            if t[1] == "or":
                ors.append(self.tok_span(t))
            elif t[1] != "and":
                break
            self.i += 1
            preds.append(self.predicate())
        return n.Where(tuple(preds), tuple(ors), self.span(first))

    def predicate(self) -> n.Predicate:
        toks = self.toks
        first = toks[self.i]
        bucket = None
        if first[0] == "w" and toks[self.i + 1][0] == "(":
            call = self.bucket_call()
            path, bucket = call.path, call.func
        else:
            path = self.path()
        t = toks[self.i]
        kind = t[0]
        self.i += 1
        if kind in _COMP_OPS:
            return n.Predicate(path, t[1], self.value(), None, self.span(first), bucket)
        if kind == "w":
            word = t[1]
            if word == "in":
                return n.Predicate(path, "in", self.value(), None, self.span(first), bucket)
            if word == "between":
                low = self.value()
                self.keyword("and")
                high = self.value()
                return n.Predicate(path, "between", low, high, self.span(first), bucket)
            if word == "is":
                negated = self.at_word("not")
                if negated:
                    self.i += 1
                self.keyword("null")
                return n.Predicate(path, "is_not_null" if negated else "is_null", None, None, self.span(first),
                                   bucket)
        elif kind == "~":
            return n.Predicate(path, "match", self.value(), None, self.span(first), bucket)
        raise _GiveUp

    def value(self) -> n.Value:
        toks = self.toks
        t = toks[self.i]
        kind = t[0]
        if kind == "?":
            self.i += 1
            return n.Param(None, self.tok_span(t))
        if kind == ":":
            self.i += 1
            word = self.expect("w")
            return n.Param(word[1], self.span(t))
        if kind in ("n", "s", "w"):
            return self.literal()
        raise _GiveUp

    def write(self) -> n.WriteDecl:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        name = self.name()
        self.expect("{")
        ops: list[n.WriteOp] = []
        rates: list[n.Rate] = []
        while (t := self.next_member()) is not None:
            if t[1] in _WRITE_KINDS:
                op_kind = self.name()
                entity = self.name()
                fields: list[n.Name] = []
                if toks[self.i][0] == "(":
                    self.i += 1
                    fields = self.comma_list(self.name)
                    self.expect(")")
                by: list[n.Path] = []
                if self.at_word("by"):
                    self.i += 1
                    self.expect("(")
                    by = self.comma_list(self.path)
                    self.expect(")")
                ops.append(n.WriteOp(op_kind, entity, tuple(by), self.span(t), tuple(fields)))
            elif t[1] == "rate":
                self.i += 1
                amount = self.number()
                rates.append(n.Rate(amount, self.rate_unit(), self.span(t)))
            else:
                raise _GiveUp
            self.end_of_member()
        self.i += 1
        return n.WriteDecl(name, tuple(ops), tuple(rates), self.span(first))

    def action(self) -> n.ActionDecl:
        toks = self.toks
        first = toks[self.i]
        self.i += 1
        name = self.name()
        self.expect("{")
        queries: list[n.Name] = []
        while True:
            kind = toks[self.i][0]
            if kind == "nl" or kind == ",":
                self.i += 1
            elif kind == "w":
                queries.append(self.name())
            elif kind == "}":
                break
            else:
                raise _GiveUp
        self.i += 1
        return n.ActionDecl(name, tuple(queries), self.span(first))

    # -- shared --------------------------------------------------------------------------------------------
    def path(self) -> n.Path:
        toks = self.toks
        file = self.file
        first = t = toks[self.i]
        if t[0] != "w":
            raise _GiveUp
        steps = [n.Name(t[1], Span(file, t[2], t[3], t[2], t[4]))]
        i = self.i + 1
        while toks[i][0] == ".":
            t = toks[i + 1]
            if t[0] != "w":
                raise _GiveUp
            steps.append(n.Name(t[1], Span(file, t[2], t[3], t[2], t[4])))
            i += 2
        self.i = i
        return n.Path(tuple(steps), Span(file, first[2], first[3], t[2], t[4]))
