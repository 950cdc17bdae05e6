"""Find the control characters that no text typed into a content file may hold.

They are invisible in most editors, HTML parsers report each one as an error, XML cannot
hold most of them (a feed carrying one is unreadable), and a C1 control in text is nearly
always a curly quote or dash decoded with the wrong encoding. YAML itself refuses them
raw in front matter and events files (see `load`); this module finds them in what YAML
never reads: the Markdown body of an article or a page, and a raw clipping, so that each
can be reported at its own line and column.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The C0 controls but tab and line breaks, DEL, the C1 controls, lone surrogates (which
#: UTF-8 cannot encode), U+FFFE and U+FFFF: what YAML's reader refuses in a file, and NEL
#: (U+0085) too, which YAML takes for a line break but Markdown passes on as it is.
TYPED_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

#: The C0 controls' short names, as ASCII gives them (U+0007 is BEL).
_C0_NAMES = (  # noqa: SIM905  (a list of 32 names, one a line, would hide the table)
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()


class Found(NamedTuple):
    """A character `TYPED_CONTROL` matches, where it stands (1-based line and column)."""

    line: int
    col: int
    code: int
    #: How many more the text holds after it.
    more: int

    def message(self, where: str) -> str:
        """What to do about the character, found in `where` ("an article's text")."""
        code = f"U+{self.code:04X}"
        more = f" (and {self.more} more after it)" if self.more else ""
        meant = _meant(self.code)
        if meant:
            return (
                f"the control character {code} is not allowed in {where}: it is most likely "
                f"{meant} garbled by a wrong text encoding; type {meant} in its place{more}"
            )
        kind = "character" if self.code >= 0xD800 else "control character"
        return f"the {kind} {code}{_name(self.code)} is not allowed in {where}: remove it{more}"


def first_control(text: str, first_line: int = 1) -> Found | None:
    """The first character of `text` that `TYPED_CONTROL` matches, placed as if `text`
    began at line `first_line`, column 1; None when there is none. One search of the whole
    text: article bodies of a large timeline total megabytes."""
    found = TYPED_CONTROL.search(text)
    if found is None:
        return None
    at = found.start()
    line_start = text.rfind("\n", 0, at) + 1
    more = len(TYPED_CONTROL.findall(text, found.end()))
    return Found(first_line + text.count("\n", 0, at), at - line_start + 1, ord(text[at]), more)


def _name(code: int) -> str:
    """ " (BEL)" for a C0 control or DEL; "" for any other."""
    if code < 0x20:
        return f" ({_C0_NAMES[code]})"
    return " (DEL)" if code == 0x7F else ""


def _meant(code: int) -> str:
    """The character Windows-1252 puts where a C1 control is (’ for U+0092): what text
    decoded as Latin-1 by mistake meant. "" when it is no C1 control, or one Windows-1252
    leaves undefined."""
    if not 0x80 <= code <= 0x9F:
        return ""
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return ""
