"""Content errors and warnings that point at a file, line and column.

Every stage reports problems as `Diagnostic` values instead of raising at the first one,
so that `timeline check` can show an editor every mistake at once, in the
`path:line:col: error: message` form that editors and CI logs understand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the content, located in a source file (1-based line and column)."""

    path: str
    line: int
    col: int
    severity: str
    message: str

    def format(self) -> str:
        """Return the one-line `path:line:col: severity: message` form.

        A message can quote what it found (a file's name, a link's decoded path): a control
        character or direction mark in it would break the line or reorder it on a terminal,
        so those are shown escaped, as Python writes them.
        """
        line = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return line if line.isprintable() else printable(line)


def printable(text: str) -> str:
    """`text` with each character a terminal would not show as itself escaped (`\\u202e`)."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


@dataclass
class Report:
    """Collects diagnostics from all stages; the build stops only once everything is read."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int, col: int, message: str) -> None:
        """Record an error; the build will fail."""
        self.items.append(Diagnostic(path, line, col, ERROR, message))

    def warning(self, path: str, line: int, col: int, message: str) -> None:
        """Record a warning; the build fails only with --strict."""
        self.items.append(Diagnostic(path, line, col, WARNING, message))

    def extend(self, other: Report) -> None:
        """Add everything another report collected."""
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        """The errors, without the warnings."""
        return [d for d in self.items if d.severity == ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings, without the errors."""
        return [d for d in self.items if d.severity == WARNING]

    def failed(self, strict: bool = False) -> bool:
        """Whether the build must stop: any error, or any warning under --strict."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        """Every diagnostic once, ordered by path, line and column."""
        return sorted(set(self.items))

    def summary(self) -> str:
        """A closing count such as `2 errors, 1 warning`."""
        e, w = len(self.errors), len(self.warnings)
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}"


class ContentError(Exception):
    """Raised when content cannot be built; carries the report to print."""

    def __init__(self, report: Report):
        super().__init__(report.summary())
        self.report = report


class UsageError(Exception):
    """A problem with how a command was called, not with the content (exit status 2)."""
