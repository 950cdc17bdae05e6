"""Whether a project's own templates read only what the live preview's keys cover.

The preview re-renders a page after an edit only when its dependency key changed
(`builder.depends`). A key holds the values the page's template receives, in full, and
the *chrome*: the few site-wide facts the shipped templates read (how many events, the
years, each term's label and count, the pages' titles, the site settings). A template
can reach further than that through the global `timeline` (every event), `article_of`
(any article's body) or a term's or period's `events`, and a page that does so would go
stale after an edit that its key does not see.

So the preview reads each of the project's own templates before trusting the keys. This
module follows every value that comes from those three places through the template's
variables, loops, filters and calls, and lists each place where one is used for more
than the chrome holds. A project whose templates read nothing more (a new header or
footer, an event page laid out differently, list items styled anew) keeps the keys and
150 ms edits; otherwise every page renders again after each edit, as before, and the
preview says which line is the reason.

The analysis is deliberately coarse and errs one way only: a variable holds every value
it is given anywhere in its template (and, through includes and imports with context,
in the others), and anything it cannot follow counts as a read the keys do not cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import jinja2
from jinja2 import nodes

from builder.model import CITED_FIELDS

Path_ = tuple[str, ...]

#: A value the keys cover whole: a page's own value, a literal, a helper's result.
COVERED: Path_ = ("·",)
#: A dictionary of plain strings among the globals, safe to index by any key.
_PLAIN_DICT: Path_ = ("{}",)
#: Globals that reach past the keys, as the first step of the paths followed from them.
_ROOTS = {
    "timeline": ("timeline",),
    "article_of": ("article_of",),
    "timeline_path": ("timeline_path",),
    "site": ("site",),
}
_PLAIN_DICTS = frozenset({"taxonomy_titles", "taxonomy_singular", "facet_params"})
#: Template names a template sees without anyone binding them: never a stored value.
_ALWAYS_COVERED = frozenset({"loop", "self", "super", "caller", "varargs", "kwargs"})

#: Filters that read attributes named by their arguments (`map(attribute='x')`).
_ATTRIBUTE_FILTERS = frozenset(
    {"attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max"}
)
_SAME_LIST_FILTERS = frozenset({"list", "sort", "reverse", "unique"})
_ITEM_FILTERS = frozenset({"first", "last", "random"})
_LENGTH_FILTERS = frozenset({"length", "count"})
_LONGEST = 12

#: Paths the chrome (`depends.PageKeys._chrome`) or an event's key (for the articles it
#: cites, `model.CITED_FIELDS`) covers; `*` is any one step, a trailing `**` anything
#: after (a string's filters, a date's methods).
_COVERED_READS: tuple[Path_, ...] = (
    ("·",),
    ("{}",),
    ("{}", "[]", "**"),
    ("site", "**"),
    ("timeline", "site", "**"),
    ("timeline", "events", "|length", "**"),
    ("timeline", "articles", "|length", "**"),
    ("timeline", "pages", "|length", "**"),
    ("timeline", "pages", "[]", "id", "**"),
    ("timeline", "pages", "[]", "title", "**"),
    ("timeline", "years", "|length", "**"),
    ("timeline", "years", "[]", "**"),
    ("timeline", "years", "keys", "()", "**"),
    ("timeline", "years", "items", "()", "[]", "0", "**"),
    ("timeline", "citing", "get", "()", "|length", "**"),
    ("timeline", "taxonomies", "*", "|length", "**"),
    ("timeline", "taxonomies", "*", "[]", "*", "**"),
    ("timeline", "term", "()", "*", "**"),
    *(("article_of", "()", name, "**") for name in CITED_FIELDS),
    ("·", "events", "|length", "**"),
)
#: What may be tested for being there (or empty), though not read further.
_COVERED_TESTS: tuple[Path_, ...] = (
    ("article_of", "()"),
    ("timeline", "term", "()"),
    ("timeline", "taxonomies", "*", "[]"),
)
#: What a term shows that the chrome holds (the `*` after a term above).
_TERM_FIELDS = frozenset({"key", "label", "slug", "taxonomy", "events"})
#: Lists whose order and members the chrome holds, so a loop may walk them.
_COVERED_LOOPS: tuple[Path_, ...] = (
    ("·",),
    ("{}",),
    ("site", "**"),
    ("timeline", "site", "**"),
    ("timeline", "pages"),
    ("timeline", "years"),
    ("timeline", "years", "keys", "()"),
    ("timeline", "years", "items", "()"),
    ("timeline", "taxonomies", "*"),
)


@dataclass(frozen=True)
class UncoveredRead:
    """A place in a template that reads more than the dependency keys cover."""

    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


def uncovered_reads(env: jinja2.Environment, own: list[str]) -> list[UncoveredRead]:
    """Where the templates named in `own` (the project's, not the shipped ones) read
    more than the dependency keys cover, in file and line order; empty when the keys
    hold for every page. Every template the environment can load is read, since values
    pass between templates through includes and imports with context."""
    parsed: dict[str, tuple[str, _Parsed]] = {}
    for name in env.list_templates():
        source, filename, _ = env.loader.get_source(env, name)
        try:
            parsed[name] = (filename or name, _parsed(source, name))
        except jinja2.TemplateSyntaxError as exc:
            return [UncoveredRead(filename or name, exc.lineno or 1, "cannot be parsed")]
    shared: dict[str, set[Path_]] = {}
    readers = {name: _Reader(template, shared) for name, (_, template) in parsed.items()}
    for _ in range(_LONGEST):  # values pass between templates: until nothing new is bound
        before = _frozen(shared), [_frozen(r.local) for r in readers.values()]
        for reader in readers.values():
            reader.read(check=False)
        if (_frozen(shared), [_frozen(r.local) for r in readers.values()]) == before:
            break
    found: list[UncoveredRead] = []
    for name in own:
        if name in parsed:
            filename = parsed[name][0]
            reader = readers[name]
            reader.read(check=True)
            found += [UncoveredRead(filename, line, what) for line, what in sorted(reader.found)]
    return found


def names_read(env: jinja2.Environment, names: list[str]) -> set[str]:
    """Every variable these templates read (whether a page gives it or they set it)."""
    found: set[str] = set()
    for name in names:
        source, _, _ = env.loader.get_source(env, name)
        found.update(n.name for n in _parsed(source, name).tree.find_all(nodes.Name))
    return found


#: Parses templates for reading only: their nodes do not depend on whitespace options.
_PARSER = jinja2.Environment()


class _Parsed(NamedTuple):
    tree: nodes.Template
    #: Whether it includes other templates (which then see its loops' variables too).
    includes: bool


@lru_cache(maxsize=256)
def _parsed(source: str, name: str) -> _Parsed:
    """A template's syntax tree, kept by source: the live preview reads the templates
    again after each template change, and the shipped ones never change."""
    tree = _PARSER.parse(source, name)
    return _Parsed(tree, any(True for _ in tree.find_all(nodes.Include)))


def _matches(path: Path_, patterns: tuple[Path_, ...]) -> bool:
    for pattern in patterns:
        rest = pattern[-1] == "**"
        steps = pattern[:-1] if rest else pattern
        if len(path) < len(steps) or (not rest and len(path) != len(steps)):
            continue
        if not all(s == "*" or s == p for s, p in zip(steps, path, strict=False)):
            continue
        term = path[3:4] == ("[]",) and steps[:3] == ("timeline", "taxonomies", "*")
        if term and not _shown_of_term(path[4:]):
            continue
        if steps[:3] == ("timeline", "term", "()") and not _shown_of_term(path[3:]):
            continue
        return True
    return False


def _shown_of_term(read: Path_) -> bool:
    """Whether reading this of a term (its label, its number of events) the chrome holds."""
    if not read:
        return True
    return read[0] in _TERM_FIELDS and (read[0] != "events" or read[1:2] == ("|length",))


def _shown(path: Path_) -> str:
    text = ""
    for step in path:
        if step == "·":
            text += "(value)"
        elif step == "[]":
            text += "[]"
        elif step == "()":
            text += "()"
        elif step.startswith("|"):
            text += " " + step
        else:
            text += ("." if text else "") + step
    return text


def _frozen(bound: dict[str, set[Path_]]) -> dict[str, frozenset[Path_]]:
    return {name: frozenset(values) for name, values in bound.items()}


class _Reader:
    """Follows one template's values; `found` holds the uncovered reads of the last
    checking pass, as (line, description).

    A variable holds everything it is given anywhere in the template, wherever it is read
    (`local`). What a template gives its variables reaches other templates through
    `shared` when they can see it: its top-level variables always (a template that
    imports it can read them too), its loops' and blocks' variables when it includes.
    """

    def __init__(self, template: _Parsed, shared: dict[str, set[Path_]]):
        self.tree = template.tree
        self.local: dict[str, set[Path_]] = {}
        self.shared = shared
        self.found: set[tuple[int, str]] = set()
        self._check = False
        self._depth = 0
        self._includes = template.includes

    def read(self, check: bool) -> None:
        self._check = check
        self.found = set()
        self._body(self.tree.body)

    def _scoped(self, body: list[nodes.Node]) -> None:
        self._depth += 1
        self._body(body)
        self._depth -= 1

    # ------------------------------------------------------------------ statements

    def _body(self, body: list[nodes.Node]) -> None:
        for node in body:
            self._statement(node)

    def _statement(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Output):
            for part in node.nodes:
                if not isinstance(part, nodes.TemplateData):
                    self._use(self._value(part), part)
        elif isinstance(node, nodes.Assign):
            self._bind(node.target, self._value(node.node))
        elif isinstance(node, nodes.AssignBlock):
            self._bind(node.target, {COVERED})
            self._body(node.body)
        elif isinstance(node, nodes.For):
            values = self._value(node.iter)
            for path in values if self._check else ():
                if not _matches(path, _COVERED_LOOPS):
                    self._report(node, f"loops over {_shown(path)}")
            self._depth += 1
            items = {_item_of(p) for p in values}
            self.local.setdefault("loop#items", set()).update(items)
            self._bind(node.target, items)
            if node.test is not None:
                self._use(self._value(node.test), node.test, test=True)
            self._body(node.body)
            self._depth -= 1
            self._body(node.else_)
        elif isinstance(node, nodes.If):
            self._use(self._value(node.test), node.test, test=True)
            self._body(node.body)
            for branch in node.elif_:
                self._statement(branch)
            self._body(node.else_)
        elif isinstance(node, nodes.With):
            values = [self._value(value) for value in node.values]
            self._depth += 1
            for target, value in zip(node.targets, values, strict=True):
                self._bind(target, value)
            self._body(node.body)
            self._depth -= 1
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            if isinstance(node, nodes.CallBlock):
                self._use(self._value(node.call), node.call)
            defaults = [self._value(default) for default in node.defaults]
            self._depth += 1
            for i, arg in enumerate(node.args):
                given = {COVERED}
                if isinstance(node, nodes.Macro):  # what calls anywhere give it
                    given |= self.shared.get(f"{node.name}#{i}", set())
                    given |= self.shared.get(f"{node.name}#{arg.name}", set())
                self._bind(arg, given)
            for arg, default in zip(
                node.args[len(node.args) - len(defaults) :], defaults, strict=True
            ):
                self._bind(arg, default)
            self._body(node.body)
            self._depth -= 1
        elif isinstance(node, nodes.FilterBlock):
            if node.filter is not None:
                self._use(self._value(node.filter), node.filter)
            self._body(node.body)
        elif isinstance(node, nodes.Include | nodes.Extends):
            self._use(self._value(node.template), node.template)
        elif isinstance(node, nodes.Import):
            self._use(self._value(node.template), node.template)
            self.local.setdefault(node.target, set()).add(COVERED)
            self.local.setdefault("import#modules", set()).add((node.target,))
        elif isinstance(node, nodes.FromImport):
            self._use(self._value(node.template), node.template)
            for name in node.names:
                name, alias = name if isinstance(name, tuple) else (name, name)
                # A macro, or a variable the imported template sets at its top level.
                self.local.setdefault(alias, set()).update({COVERED} | self._bound(name))
        elif isinstance(node, nodes.Block):
            self._scoped(node.body)
        elif isinstance(node, nodes.Scope | nodes.ScopedEvalContextModifier):
            self._body(node.body)
        elif isinstance(node, nodes.ExprStmt):
            self._use(self._value(node.node), node.node)
        elif not isinstance(node, nodes.Continue | nodes.Break):
            self._report(node, f"uses {type(node).__name__}, which the preview does not follow")

    def _bind(self, target: nodes.Node, values: set[Path_]) -> None:
        if isinstance(target, nodes.Name | nodes.NSRef):
            name = target.name if isinstance(target, nodes.Name) else f"{target.name}.{target.attr}"
            self.local.setdefault(name, set()).update(values)
            if self._includes or not self._depth:
                self.shared.setdefault(name, set()).update(values)
                # The templates it passes to may read anything of it.
                self._use(values, target)
        elif isinstance(target, nodes.Tuple):
            for i, item in enumerate(target.items):
                self._bind(item, {p if p == COVERED else _step(p, str(i)) for p in values})
        else:
            self._report(target, "assigns to something the preview does not follow")

    # ------------------------------------------------------------------ expressions

    def _value(self, node: nodes.Node) -> set[Path_]:
        """Every path the value of `node` may come from."""
        if isinstance(node, nodes.Const | nodes.TemplateData):
            return {COVERED}
        if isinstance(node, nodes.Name):
            return self._name(node.name)
        if isinstance(node, nodes.Getattr):
            if _is_name(node.node, "loop") and node.attr in ("previtem", "nextitem"):
                return self._bound("loop#items") | {COVERED}
            found = {_attribute(p, node.attr) for p in self._value(node.node)}
            if isinstance(node.node, nodes.Name):
                found |= self._bound(f"{node.node.name}.{node.attr}")
                if (node.node.name,) in self.local.get("import#modules", ()):
                    found |= self._bound(node.attr)  # an imported template's variable
            return found
        if isinstance(node, nodes.Getitem):
            return self._item(node)
        if isinstance(node, nodes.Filter):
            return self._filter(node)
        if isinstance(node, nodes.Test):
            self._use(self._value(node.node), node.node, test=True)
            self._arguments(node)
            return {COVERED}
        if isinstance(node, nodes.Call):
            return self._call(node)
        if isinstance(node, nodes.And | nodes.Or):
            return self._value(node.left) | self._value(node.right)
        if isinstance(node, nodes.CondExpr):
            self._use(self._value(node.test), node.test, test=True)
            other = self._value(node.expr2) if node.expr2 is not None else {COVERED}
            return self._value(node.expr1) | other
        if isinstance(node, nodes.Not):
            self._use(self._value(node.node), node.node, test=True)
            return {COVERED}
        if isinstance(node, nodes.MarkSafe | nodes.MarkSafeIfAutoescape):
            return self._value(node.expr)
        if isinstance(node, nodes.Compare):
            self._use(self._value(node.expr), node.expr)
            for operand in node.ops:
                self._use(self._value(operand.expr), operand.expr)
            return {COVERED}
        if isinstance(node, nodes.Concat | nodes.List | nodes.Tuple):
            for part in node.nodes if isinstance(node, nodes.Concat) else node.items:
                self._use(self._value(part), part)
            return {COVERED}
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                self._use(self._value(pair.key), pair.key)
                self._use(self._value(pair.value), pair.value)
            return {COVERED}
        if isinstance(node, nodes.BinExpr):
            self._use(self._value(node.left), node.left)
            self._use(self._value(node.right), node.right)
            return {COVERED}
        if isinstance(node, nodes.UnaryExpr):
            self._use(self._value(node.node), node.node)
            return {COVERED}
        if isinstance(node, nodes.Slice):
            for part in (node.start, node.stop, node.step):
                if part is not None:
                    self._use(self._value(part), part)
            return {COVERED}
        self._report(node, f"uses {type(node).__name__}, which the preview does not follow")
        return {COVERED}

    def _name(self, name: str) -> set[Path_]:
        if name in _ALWAYS_COVERED:
            return {COVERED}
        found = self._bound(name)
        if name in _ROOTS:
            found.add(_ROOTS[name])
        elif name in _PLAIN_DICTS and not found:
            found.add(_PLAIN_DICT)
        else:
            found.add(COVERED)
        return found

    def _bound(self, name: str) -> set[Path_]:
        return self.local.get(name, set()) | self.shared.get(name, set())

    def _item(self, node: nodes.Getitem) -> set[Path_]:
        values = self._value(node.node)
        arg = node.arg
        if isinstance(_constant(arg), str):
            return {_attribute(p, _constant(arg)) for p in values}
        if isinstance(arg, nodes.Slice):
            self._value(arg)
            return values
        self._use(self._value(arg), arg)
        if isinstance(_constant(arg), int):  # an item of a list
            return {_item_of(p) for p in values}
        found = set()
        for path in values:
            if path == COVERED:  # a computed name may be any attribute, `events` too
                found.add(("·", "[?]"))
            else:
                found.add(_step(path, "[]"))
        return found

    def _filter(self, node: nodes.Filter) -> set[Path_]:
        values = self._value(node.node) if node.node is not None else {COVERED}
        if node.name in _ATTRIBUTE_FILTERS:
            for arg in [*node.args, *(k.value for k in node.kwargs)]:
                named = _constant(arg)
                if not isinstance(arg, nodes.Const) or (
                    isinstance(named, str)
                    and any(s == "events" or s.startswith("_") for s in named.split("."))
                ):
                    self._report(node, f"reads attributes through the {node.name} filter")
        self._arguments(node)
        if node.name == "list" and ("timeline", "years") in values:  # a mapping's keys
            values = (values - {("timeline", "years")}) | {("timeline", "years", "keys", "()")}
        if node.name in _SAME_LIST_FILTERS:
            return values
        if node.name in _ITEM_FILTERS:
            return {_item_of(p) for p in values}
        step = "|length" if node.name in _LENGTH_FILTERS else "|" + node.name
        return {p if p == COVERED else _step(p, step) for p in values}

    def _call(self, node: nodes.Call) -> set[Path_]:
        self._arguments(node)
        callee = self._value(node.node)
        if ("article_of",) in callee and not (
            len(node.args) == 1
            and not node.kwargs
            and isinstance(node.args[0], nodes.Getattr)
            and node.args[0].attr == "article"
        ):
            self._report(node, "reads an article that is not one of an event's sources")
        name = getattr(node.node, "name", None) or getattr(node.node, "attr", None)
        if name:  # what a macro of that name may be given (see `_statement`)
            for i, arg in enumerate(node.args):
                self.shared.setdefault(f"{name}#{i}", set()).update(self._value(arg))
            for keyword in node.kwargs:
                values = self._value(keyword.value)
                self.shared.setdefault(f"{name}#{keyword.key}", set()).update(values)
        return {p if p == COVERED else _step(p, "()") for p in callee}

    def _arguments(self, node: nodes.Call | nodes.Filter | nodes.Test) -> None:
        for arg in node.args:
            self._use(self._value(arg), arg)
        for keyword in node.kwargs:
            self._use(self._value(keyword.value), keyword.value)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self._use(self._value(extra), extra)

    # ------------------------------------------------------------------ checks

    def _use(self, values: set[Path_], node: nodes.Node, test: bool = False) -> None:
        if not self._check:
            return
        for path in values:
            if _matches(path, _COVERED_READS):
                continue
            if test and (
                _matches(path, _COVERED_TESTS) or _matches(_step(path, "|length"), _COVERED_READS)
            ):
                continue
            self._report(node, f"reads {_shown(path)}")

    def _report(self, node: nodes.Node, what: str) -> None:
        if self._check:
            self.found.add((node.lineno, what))


def _step(path: Path_, step: str) -> Path_:
    return path + (step,) if len(path) < _LONGEST else ("…",)


def _is_name(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


def _constant(node: nodes.Node) -> object:
    """The value of a constant expression (`-1`, `'title'`), else None."""
    try:
        return node.as_const()
    except (nodes.Impossible, Exception):
        return None


def _item_of(path: Path_) -> Path_:
    return COVERED if path in (COVERED, _PLAIN_DICT) else _step(path, "[]")


def _attribute(path: Path_, name: str) -> Path_:
    if name.startswith("_"):
        return ("·", name)
    if path == COVERED:
        return ("·", "events") if name == "events" else COVERED
    if path == _PLAIN_DICT:
        return COVERED
    return _step(path, name)
