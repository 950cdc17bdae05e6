"""The theme: where its templates and static files come from, and the Jinja2 environment
that renders them.

A project may override any shipped template or static file by name, so finding a file
means looking in the project's theme first. The environment escapes every value, fails on
an undefined name, and keeps its compiled templates between builds; its template and
context classes call what templates call with less of Jinja2's general machinery, which a
10,000-event site pays for over a million times. Rendering the site's pages from the model
is `builder.render`'s job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType

import jinja2
import jinja2.meta
import markupsafe
from jinja2.loaders import split_template_path
from jinja2.utils import missing
from markupsafe import Markup, escape

from builder import jsontext, seo, templatecache
from builder.dates import MONTH_NAMES as MONTHS
from builder.dates import month_unknown_heading, month_year_name, year_name
from builder.diagnostics import WARNING, Diagnostic
from builder.regular import describe
from builder.text import render_inline, render_markdown, striptags, with_note_owner, with_root

PACKAGE_THEMES = Path(__file__).parent / "themes"
SOURCE_THEMES = Path(__file__).parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    """Where a theme's templates and static files come from, most specific first."""

    name: str
    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]


def builtin_themes_dir() -> Path:
    """The themes shipped with the builder (inside the package, or in a source checkout)."""
    return PACKAGE_THEMES if (PACKAGE_THEMES / "default").is_dir() else SOURCE_THEMES


def is_shipped(filename: str | None) -> bool:
    """Whether a template file is one of the builder's own (not a project's): the builder
    knows what its own templates read."""
    return bool(filename) and Path(filename).resolve().is_relative_to(
        builtin_themes_dir().resolve()
    )


def find_theme(project: Path, name: str) -> Theme:
    """The theme `name`: the project's themes/NAME first, then the shipped one, then default.

    A project can therefore override a single template or stylesheet by file name.
    """
    candidates = [project / "themes" / name, builtin_themes_dir() / name]
    if name != "default":
        candidates += [project / "themes" / "default", builtin_themes_dir() / "default"]
    seen: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in [s.resolve() for s in seen]:
            seen.append(folder)
    return Theme(
        name,
        tuple(f / "templates" for f in seen if (f / "templates").is_dir()),
        tuple(f / "static" for f in seen if (f / "static").is_dir()),
    )


class CallingContext(jinja2.runtime.Context):
    """Jinja2's template context, calling plain functions and macros directly.

    Every call a template makes (`url(...)`, a macro, a filter-like global) goes through
    `Context.call`, which looks for a `pass_context`-style mark on the callee and on its
    `__call__`, then strips the loop and block variables the compiled code passes along.
    Templates of a 10,000-event site make well over a million calls, and that look-up was
    about a sixth of rendering's time. A function, partial or macro that carries no mark
    is called here straight away, as is a method of a plain function or a built-in (a date's
    `display()`, a string's `lower()`); anything else is called the standard way. Calls of the
    shipped pure macros are shared by the pages of a build (see `MacroCalls`).
    """

    def call(__self, __obj, *args, **kwargs):  # noqa: N805  (named as Jinja's own)
        kind = type(__obj)
        if (
            kind is jinja2.runtime.Macro
            or kind is BuiltinFunctionType  # a built-in cannot carry a mark
            or (
                (kind is FunctionType or kind is partial) and "jinja_pass_arg" not in __obj.__dict__
            )
            or (  # a method (a date's `display()`): its mark would be its function's
                kind is MethodType
                and type(__obj.__func__) is FunctionType
                and "jinja_pass_arg" not in __obj.__func__.__dict__
            )
        ):
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            if kind is jinja2.runtime.Macro:
                calls = __self.parent.get(MACRO_CALLS)
                if calls is not None and __obj._func.__code__ in calls.pure:
                    return calls.result(__self.parent.get("root"), __obj, args, kwargs)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(__obj, *args, **kwargs)


#: The name under which pages find the build's `MacroCalls` (see `CallingContext.call`).
MACRO_CALLS = "__macro_calls"

#: Macros of the shipped macros.html whose output is made of their arguments, the page's
#: way to the root and what is the same for the whole build (the site's vocabularies, the
#: articles), never of the page's other values: their calls can be shared by pages.
PURE_MACROS = frozenset(
    {
        "category",
        "country_links",
        "term_links",
        "mentioned_terms",
        "mentioned_term",
        "source",
        "source_short",
    }
)


class MacroCalls:
    """The output of the pure macros of the shipped macros.html (`PURE_MACROS`), made once
    per build for each set of arguments and each way to the root.

    An event page and an event's list item call them a dozen times (a category chip, the
    countries, actors and tags as links, each source), mostly with arguments many events
    share; a macro call costs tens of microseconds, a look-up here one.
    """

    def __init__(self, env: jinja2.Environment) -> None:
        #: The code of each pure macro, when macros.html is the shipped one (a project's own
        #: is never made into a module here: its top level may need a page's values).
        self.pure: set[CodeType] = set()
        self.made: dict[tuple, Markup] = {}
        #: The shipped macros.html, the names it reads from the page importing it, and the
        #: modules made of it (see `module_for`); None for a project's own.
        self.template: jinja2.Template | None = None
        self.reads: tuple[str, ...] = ()
        self.modules: dict[tuple, tuple[tuple, object]] = {}
        try:
            template = env.get_template("macros.html")
        except jinja2.TemplateNotFound:
            return
        if is_shipped(template.filename):
            module = template.module
            self.pure = {
                getattr(module, name)._func.__code__
                for name in PURE_MACROS
                if hasattr(module, name)
            }
            source = env.loader.get_source(env, "macros.html")[0] if env.loader else ""
            self.template = template
            self.reads = tuple(sorted(names_read(source) | {"root", MACRO_CALLS}))

    def module_for(self, values: dict, local: dict | None, make: Callable[[], object]) -> object:
        """The shipped macros.html imported `with context` by a page whose context holds
        `values` (and whose template's `local` names at the import override them): the
        module made for an earlier page of the build that gave every name the macros read
        the very same value, else the one `make()` makes.

        Every page imports the macros it shows with its context, and making that module
        (a context, a Macro object per macro) was a twentieth of rendering an event page.
        The shipped macros read only `reads` (none is given the page's context), so a
        module made for one page renders on another exactly as its own would.
        """
        given = tuple(_value_at_import(name, values, local) for name in self.reads)
        key = tuple(map(id, given))
        hit = self.modules.get(key)
        if hit is None:  # the entry holds the values: their ids stay theirs while it lives
            hit = self.modules[key] = (given, make())
        return hit[1]

    def result(
        self, root: str | None, macro: jinja2.runtime.Macro, args: tuple, kwargs: dict
    ) -> Markup:
        """What `macro(*args, **kwargs)` renders on pages under `root`."""
        key = (macro._func.__code__, root, *[tuple(a) if type(a) is list else a for a in args])
        if kwargs:
            key += tuple(kwargs.items())
        try:
            made = self.made.get(key)
        except TypeError:  # an argument that cannot be a key (a set, a dict): not shared
            return macro(*args, **kwargs)
        if made is None:
            made = self.made[key] = macro(*args, **kwargs)
        return made


@lru_cache(maxsize=4)
def names_read(source: str) -> frozenset[str]:
    """The names a template's text reads from the context it renders in. Kept per text: the
    live preview makes a `MacroCalls` for each build, and parsing macros.html again took
    27 ms of each edit."""
    return frozenset(jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source)))


def _value_at_import(name: str, values: dict, local: dict | None) -> object:
    """What a template imported `with context` sees as `name`: the importing template's
    local of that name when it has one, else the context's value (see Jinja's
    `runtime.new_context`)."""
    if local:
        value = local.get(name, missing)
        if value is not missing:
            return value
    return values.get(name)


def _escaped_text(text: str) -> str:
    return str(escape(text))


#: MarkupSafe's own escaping of a `str`, before it wraps the result in `Markup` (a copy
#: made in Python); its plain-Python form where the module does not offer it.
_escape_text = getattr(markupsafe, "_escape_inner", _escaped_text)


def escaped(value: object) -> str:
    """`markupsafe.escape` as compiled templates call it on every `{{ … }}`, whose result
    they only join into the page (or a macro's output, made `Markup` as a whole).

    A value that is `Markup` already (a macro's output, a rendered list) is returned as it
    is: `escape` copies it, which changes nothing. A `str` is returned escaped but not
    wrapped in `Markup`: the wrapping was a twentieth of rendering an event page. An `int`
    (a year, a heading level, a count) has nothing to escape: a list page writes hundreds.
    """
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is int:
        return str(value)
    return value if kind is Markup else escape(value)


class EscapingTemplate(jinja2.Template):
    """A compiled template whose `{{ … }}` outputs are escaped by `escaped`.

    Templates call `escape` as a global of their compiled module, so the module's own name
    is rebound; a whole page of a 10,000-event site escapes a few hundred values, a list page
    some large `Markup` blocks that `escape` copied each time.
    """

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):  # noqa: A002  (Jinja's name)
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = escaped
        return template

    def make_module(self, vars=None, shared=False, locals=None):  # noqa: A002  (Jinja's names)
        """The template as a module: for the shipped macros.html imported by a page, the
        one made for an earlier page that gave it the same values (`MacroCalls.module_for`)."""
        calls = vars.get(MACRO_CALLS) if vars else None
        if calls is not None and calls.template is self:
            return calls.module_for(
                vars, locals, lambda: jinja2.Template.make_module(self, vars, shared, locals)
            )
        return super().make_module(vars, shared, locals)


class ThemeLoader(jinja2.FileSystemLoader):
    """Jinja2's loader of the theme's template folders, which refuses a template that is a
    symbolic link leading outside its theme's folder, as `static_files` leaves out such a
    static file: a link could otherwise render any file readable on the machine into the
    site. Refused, not skipped: the same name in the next folder (the shipped template)
    would silently stand in for the one the project meant."""

    def __init__(self, folders: Iterable[Path]) -> None:
        folders = list(folders)
        super().__init__([str(folder) for folder in folders])
        #: Each template folder's theme folder (themes/NAME/), links followed.
        self.theme_roots = [folder.parent.resolve() for folder in folders]

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, file and up-to-date check, as Jinja2's loader gives them;
        `RenderFailed` at the link's path when the file found leads out of its theme."""
        pieces = split_template_path(template)
        for folder, root in zip(self.searchpath, self.theme_roots, strict=True):
            path = os.path.join(folder, *pieces)
            if os.path.isfile(path):
                if not Path(path).resolve().is_relative_to(root):
                    raise RenderFailed(Diagnostic(path, 1, 1, "error", _outside(template)))
                break
        return super().get_source(environment, template)


def _outside(template: str) -> str:
    """Why a template that is a link leading outside its theme was not read, and what to do."""
    return (
        f"template {template} is a symbolic link leading outside its theme folder, and was "
        "not read: copy what it points to into the theme to use it"
    )


def _page_root(context: jinja2.runtime.Context) -> str:
    """The page's way back to the site's root (`./` where a template has none)."""
    root = context.get("root")
    return root if isinstance(root, str) else "./"


@jinja2.pass_context
def markdown_filter(
    context: jinja2.runtime.Context, text: str | None, owner: str | None = None
) -> Markup:
    """`| markdown`: a Markdown text of the content as HTML for this page, its links
    written from the site's root (`/events/x/`) leading from the page's `root`.
    `| markdown(owner=event.id)` names the text's footnotes after its event as well, so
    that two events with the same summary on one page keep their own notes."""
    source = text or ""
    converted = render_markdown(source)
    if owner:
        converted = with_note_owner(converted, source, owner)
    return Markup(with_root(converted, _page_root(context)))


@jinja2.pass_context
def inline_markdown_filter(context: jinja2.runtime.Context, text: str | None) -> Markup:
    """`| inline_markdown`: as `markdown_filter`, for one line (no paragraph)."""
    return Markup(with_root(render_inline(text or ""), _page_root(context)))


def make_environment(theme: Theme) -> jinja2.Environment:
    """A Jinja2 environment for the theme: autoescaping everywhere, strict undefined, and
    compiled templates kept between builds."""
    env = jinja2.Environment(
        loader=ThemeLoader(theme.template_dirs),
        # A theme has a score of templates: all kept in a plain dictionary. Jinja's default
        # cache takes a lock and reorders a queue at each of a page's five or six look-ups,
        # which was a twentieth of rendering an event page.
        cache_size=-1,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.context_class = CallingContext
    env.template_class = EscapingTemplate
    # Conversions are kept by builder.text (an event's summary shows on many pages).
    env.filters["markdown"] = markdown_filter
    env.filters["inline_markdown"] = inline_markdown_filter
    env.filters["striptags"] = lambda value: striptags(
        value.__html__() if hasattr(value, "__html__") else str(value)
    )
    env.filters["tojson_compact"] = lambda value: Markup(
        jsontext.compact(value).replace("</", "<\\/")
    )
    env.policies["json.dumps_function"] = jsontext.template_dumps
    env.globals["json_ld"] = seo.json_ld
    env.globals["month_name"] = lambda m: MONTHS[m - 1] if m else ""
    env.globals["month_year_name"] = month_year_name
    env.globals["year_name"] = year_name
    env.globals["month_unknown_heading"] = month_unknown_heading
    # Compiled once per template and source, not once per build (see builder.templatecache).
    env.bytecode_cache = templatecache.template_cache(env)
    return env


def compile_templates(env: jinja2.Environment, names: Iterable[str] | None = None) -> None:
    """Compile every template of the environment now, once, or only those `names` (a
    template that does not compile raises `jinja2.TemplateSyntaxError`, or `RenderFailed`
    when it is not text).

    A cold build plans in one process and renders in several forked from it: each of them
    compiled the theme's templates again (about 0.35 CPU seconds each) unless the planning
    process had. Compiling all of them also finds a broken template before any page is
    rendered, as Hugo does, even one that no page uses; the live preview compiles all when
    it starts and then those an edit touched (see `serve.Preview`).
    """
    for name in env.list_templates() if names is None else names:
        try:
            env.get_template(name)
        except (UnicodeDecodeError, OSError) as exc:
            folders = getattr(env.loader, "searchpath", [])
            where = next((f"{d}/{name}" for d in folders if Path(d, name).exists()), name)
            message = f"template {name} could not be read as UTF-8 text: {exc}"
            with contextlib.suppress(OSError):  # Jinja2 skips all but regular files
                if where != name and not Path(where).is_file():
                    kind = describe(os.stat(where).st_mode)
                    message = f"template {name} is {kind}, not a file: replace it with a file"
            raise RenderFailed(Diagnostic(where, 1, 1, "error", message)) from None


def broken_template(
    env: jinja2.Environment, project: Path, names: Iterable[str] | None = None
) -> Diagnostic | None:
    """Where the first of these templates (default: all) that does not compile fails, and
    why; None when they all compile."""
    try:
        compile_templates(env, names)
    except (jinja2.TemplateSyntaxError, RenderFailed) as exc:
        return render_problem(exc, "", project)
    return None


class RenderFailed(Exception):
    """A page of a build could not be rendered; carries the diagnostic to show."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic)  # as its only argument, so that it survives pickling
        self.diagnostic = diagnostic

    def __str__(self) -> str:
        return self.diagnostic.format()


#: The path of a rendering failure that no template frame explains (a builder bug).
UNLOCATED = "(render)"


def render_problem(exc: Exception, output: str, project: Path) -> Diagnostic:
    """A `path:line:col` diagnostic for a rendering failure, pointing into the template
    (at UNLOCATED when no template is on its way)."""
    if isinstance(exc, RenderFailed):
        return dataclasses.replace(
            exc.diagnostic, path=shown_path(Path(exc.diagnostic.path), project)
        )
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Diagnostic(
            shown_path(Path(exc.filename), project),
            exc.lineno or 1,
            1,
            "error",
            f"template syntax: {exc.message}",
        )
    where = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if (
            frame.filename.endswith((".html", ".xml", ".txt", ".j2"))
            and Path(frame.filename).is_file()
        ):
            where = frame
    message = f"{type(exc).__name__}: {exc}" + (f" (rendering {output})" if output else "")
    if where is None:
        return Diagnostic(UNLOCATED, 1, 1, "error", message)
    return Diagnostic(
        shown_path(Path(where.filename), project), where.lineno or 1, 1, "error", message
    )


def shown_path(path: Path, project: Path) -> str:
    """`path` as messages show it: relative to the project when inside it, where it stands
    rather than where links on its way lead (a template refused for leading outside is
    shown at its place in the theme)."""
    as_given = Path(os.path.abspath(path)), Path(os.path.abspath(project))
    for place, root in (as_given, (path.resolve(), project.resolve())):
        with contextlib.suppress(ValueError):
            return place.relative_to(root).as_posix()
    return str(path)


def static_files(theme: Theme) -> dict[str, Path]:
    """Static files of the theme by output path (`static/...`), the most specific winning.

    A symbolic link that leads outside its theme folder is skipped (see `static_links_out`),
    so a planted link can never copy a file from elsewhere on disk into the published site.
    """
    files: dict[str, Path] = {}
    for folder in reversed(theme.static_dirs):
        for path, inside in _static_paths(folder):
            if inside:
                files["static/" + path.relative_to(folder).as_posix()] = path
    return files


def static_links_out(theme: Theme) -> list[Path]:
    """The theme's static files that are links leading outside their theme folder, which
    `static_files` leaves out: the editor is told, or a missing image would be a mystery."""
    return [
        path for folder in theme.static_dirs for path, inside in _static_paths(folder) if not inside
    ]


def static_link_warnings(theme: Theme, project: Path) -> list[Diagnostic]:
    """A warning at each static file of the theme that `static_links_out` names: the build
    and the preview say the same, or a file missing from one would be a mystery."""
    return [
        Diagnostic(
            shown_path(path, project),
            1,
            1,
            WARNING,
            "this static file is a symbolic link leading outside its theme folder, and was "
            "not published: copy what it points to into the theme to publish it",
        )
        for path in static_links_out(theme)
    ]


def _static_paths(folder: Path) -> Iterator[tuple[Path, bool]]:
    """Each file below a static folder (hidden ones left out), and whether it stays inside
    its theme folder (themes/NAME/) once links are followed."""
    theme_root = folder.parent.resolve()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path, path.resolve().is_relative_to(theme_root)
