"""`timeline import`: turn raw news clippings into editable Markdown articles.

A raw clipping (content/articles/*.txt) is fine for the build, but to fix a title, add
tags or mark up the text an editor wants the article as `content/articles/NAME.md` with
front matter. Import writes exactly that, and is careful in the ways a bulk tool must be:
it reads every clipping before writing any (so a bad one leaves nothing half-done to
clean up, and running the command again creates no `-2` duplicates), it never overwrites
an article unless told to (`--force`), it names files only from a `[a-z0-9-]` slug (no
path can leave content/articles), and it writes the front matter with a YAML dumper so
that quotes and colons in titles stay data.

A clipping that already lies in content/articles is an article events may cite by its
name, so it is converted in place: NAME.txt becomes NAME.md, the same id, and the clipping
is removed once the Markdown is written (two files with one id would not build).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder.clipping import Clipping, parse_clipping, slug_words
from builder.diagnostics import Report
from builder.load import YamlProblem, decode_utf8
from builder.text import folder_slug

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
MAX_NAME_LENGTH = 80
ARTICLES = Path("content") / "articles"

# Markdown that a plain sentence could start by accident: headings, list items, quotes,
# thematic breaks, code fences.
_BLOCK_MARKUP = re.compile(
    r"^(?:(?P<hash>#)|(?P<digits>\d{1,9})(?P<dot>[.)])(?=\s|$)|(?P<mark>[-+*>])(?=\s|$)"
    r"|(?P<rule>[-_*])(?=(?:\s*(?P=rule)){2,}\s*$)|(?P<fence>`{3,}|~{3,}))"
)
# Inline markup: code, emphasis, links, footnotes, autolinks, entities, strikethrough.
_INLINE_MARKUP = re.compile(
    r"\\(?=[!-/:-@\[-`{-~])"  # a backslash that would escape the next character
    r"|`|\*(?!\s)|(?<!\s)\*"  # code; a `*` that could open or close emphasis (not `3 * 4`)
    r"|(?<![^\W_])_|_(?![^\W_])"  # underscores at a word edge (snake_case stays as is)
    r"|\[(?=\^)|\](?=[(\[:])"  # [^footnote], ](link), ][ref], ]: definition
    r"|<(?=[A-Za-z/!?])"  # <autolink> or <tag>
    r"|&(?=#?[A-Za-z0-9]+;)"  # &entity;
    r"|~(?=~)"  # ~~strikethrough~~
)


@dataclass
class _Planned:
    source: Path
    clipping: Clipping


def run_import(paths: list[Path], project: Path, *, force: bool) -> int:
    """Import each clipping into PROJECT/content/articles/NAME.md; return the exit status.

    0: all imported (warnings may be printed); 1: a clipping has content errors, reported
    as `path:line:col: error: message` and nothing is written; 2: a path is not a file.
    """
    unreadable = [p for p in paths if not p.is_file()]
    for path in unreadable:
        reason = "is a folder, not a clipping file" if path.is_dir() else "does not exist"
        print(f"timeline: error: {path} {reason}", file=sys.stderr)
    if unreadable:
        return EXIT_USAGE

    report = Report()
    planned = [_Planned(path, read_clipping(path, report)) for path in paths]
    if report.errors:
        _print_report(report)
        print(report.summary(), file=sys.stderr)
        print("nothing imported: fix the clippings and run the import again", file=sys.stderr)
        return EXIT_CONTENT

    folder = project / ARTICLES
    for item in planned:
        if _inside_articles(item.source, folder) and not force:
            blocking = item.source.with_suffix(".md")
            if blocking.exists():
                report.error(
                    str(item.source),
                    1,
                    1,
                    f"{(ARTICLES / blocking.name).as_posix()} already has this clipping's id: "
                    "delete one of the two, or pass --force to replace the .md with the clipping",
                )
    if report.errors:
        _print_report(report)
        print(report.summary(), file=sys.stderr)
        print("nothing imported", file=sys.stderr)
        return EXIT_CONTENT

    folder.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    done: list[str] = []
    for item in planned:
        try:
            line = _import_one(item, folder, force=force, written=written)
        except OSError as exc:
            report.error(str(item.source), 1, 1, f"cannot write the article: {exc.strerror or exc}")
            break
        done.append(line)
    _print_report(report)
    for line in done:
        print(line)
    if report.items:
        print(report.summary(), file=sys.stderr)
    return EXIT_CONTENT if report.errors else EXIT_OK


def _import_one(item: _Planned, folder: Path, *, force: bool, written: set[str]) -> str:
    """Write one planned clipping as an article and return the line that tells what was done.

    A clipping inside content/articles keeps its name (see the module's docstring)."""
    if _inside_articles(item.source, folder):
        target = folder / f"{item.source.stem}.md"
        _replace(target, article_markdown(item.clipping))
        item.source.unlink()
        written.add(target.name)
        rel = (ARTICLES / target.name).as_posix()
        return (
            f"converted {item.source} -> {rel} (the same id, so events citing "
            f"{item.source.stem!r} still find it; the clipping was removed)"
        )
    target = write_article(item.clipping, folder, force=force, taken=written, source=item.source)
    written.add(target.name)
    return f"imported {item.source} -> {(ARTICLES / target.name).as_posix()}"


def read_clipping(path: Path, report: Report) -> Clipping:
    """Read and parse one clipping file, adding its problems to `report` under `path`."""
    where = str(path)
    try:
        text = decode_utf8(path.read_bytes())
    except YamlProblem as exc:
        report.error(where, exc.line, exc.col, exc.message)
        return parse_clipping("")
    except OSError as exc:
        report.error(where, 1, 1, f"cannot read the clipping: {exc.strerror or exc}")
        return parse_clipping("")
    clipping = parse_clipping(text)
    for problem in clipping.problems:
        if problem.severity == "error":
            report.error(where, problem.line, problem.col, problem.message)
        else:
            report.warning(where, problem.line, problem.col, problem.message)
    return clipping


def article_name(clipping: Clipping) -> str:
    """The file stem (= article id) for a clipping: a `[a-z0-9-]` slug of its URL, else title."""
    words = slug_words(clipping.url) if clipping.url else []
    basis = "-".join(words) if words else clipping.title
    return folder_slug(basis, max_length=MAX_NAME_LENGTH)


def write_article(
    clipping: Clipping,
    folder: Path,
    *,
    force: bool,
    taken: set[str] | None = None,
    source: Path | None = None,
) -> Path:
    """Write the clipping as Markdown into `folder` and return the file written.

    Uses NAME.md, or NAME-2.md, NAME-3.md... when an article with that id exists (a .md, or
    a .txt other than `source` itself). With `force`, an existing NAME.md is replaced
    instead, unless it was written in this same run (its name is in `taken`).
    """
    name = article_name(clipping)
    text = article_markdown(clipping)
    taken = taken or set()
    number = 1
    while True:
        stem = name if number == 1 else f"{name}-{number}"
        target = folder / f"{stem}.md"
        number += 1
        if target.name in taken or _other_clipping(folder / f"{stem}.txt", source):
            continue
        if force and target.exists():
            _replace(target, text)
            return target
        try:
            with open(target, "x", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        except FileExistsError:
            continue
        return target


def _other_clipping(path: Path, source: Path | None) -> bool:
    """Whether a clipping `path` exists that is not the one being imported."""
    if not path.exists():
        return False
    return source is None or not path.samefile(source)


def _replace(target: Path, text: str) -> None:
    """Overwrite `target` atomically, so an interrupted import never leaves half a file."""
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, target)


def article_markdown(clipping: Clipping) -> str:
    """The article file: YAML front matter (title, date, author, publisher, url), then text."""
    fields: dict[str, object] = {"title": clipping.title}
    if clipping.date is not None:
        fields["date"] = clipping.date
    if clipping.authors:
        fields["author"] = clipping.authors[0] if len(clipping.authors) == 1 else clipping.authors
    if clipping.publisher:
        fields["publisher"] = clipping.publisher
    if clipping.url:
        fields["url"] = clipping.url
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1_000_000)
    note = (
        "# The title was drafted from the clipping's URL or first words: check it.\n"
        if clipping.title_derived
        else ""
    )
    body = "\n\n".join(escape_markdown(p) for p in clipping.paragraphs)
    return f"---\n{note}{front}---\n\n{body}\n" if body else f"---\n{note}{front}---\n"


def escape_markdown(paragraph: str) -> str:
    """Escape only what would turn plain text into Markdown markup, keeping it readable.

    `# 1`, `1. `, `- `, `> `, `---` at the start; backticks, `*`, word-edge `_`, link and
    footnote brackets, `<tag`, `&entity;` and `~~` anywhere. Ordinary punctuation stays.
    """
    text = _INLINE_MARKUP.sub(lambda m: "\\" + m.group(), paragraph)
    m = _BLOCK_MARKUP.match(text)
    if not m:
        return text
    if m["digits"]:
        return f"{m['digits']}\\{text[m.end('digits') :]}"
    if text.startswith("\\"):  # already escaped by the inline pass (`*`, backtick)
        return text
    return "\\" + text


def _inside_articles(source: Path, folder: Path) -> bool:
    try:
        return source.resolve().parent == folder.resolve()
    except OSError:
        return False


def _print_report(report: Report) -> None:
    for item in report.items:
        print(item.format(), file=sys.stderr)
