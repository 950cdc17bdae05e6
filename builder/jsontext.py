"""JSON written and read by the builder, through orjson when it can.

A build of 10,000 events writes some 55,000 pieces of JSON (each event's entry in the
exports and the search index, each page's JSON-LD) and the nothing-changed check reads a
record of 20,000 files: with the standard library's encoder that was about 0.8 CPU
seconds of a cold build, and a fifth of it on one core after the render processes were
done. orjson writes the same compact UTF-8 text several times faster.

What orjson refuses (an integer beyond 64 bits, a key that is not a string, a lone
surrogate) goes to the standard library's encoder, which says what it can. The text is
the standard library's compact form either way, but for floats under 1e-4, which orjson
writes without an exponent (tests/test_jsontext.py holds them to it).
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def compact_bytes(value: object) -> bytes:
    """`value` as compact JSON (no spaces, UTF-8 unescaped), as bytes."""
    try:
        # orjson hands back its whole output buffer, 4 KB at least: the exports' 33,000
        # kept pieces held 180 MB more than their bytes until copied to their size.
        return bytes(memoryview(orjson.dumps(value)))
    except TypeError:  # orjson.JSONEncodeError is one
        return _standard(value).encode("utf-8")


def compact(value: object) -> str:
    """`value` as compact JSON (no spaces, UTF-8 unescaped)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return _standard(value)


def _standard(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def template_dumps(value: object, **options: Any) -> str:
    """Jinja2's `tojson` encoder (its `json.dumps_function` policy): compact, keys sorted
    as Jinja2's default asks. Jinja2 escapes `<`, `>`, `&` and `'` in what this returns,
    so the text stays inert inside a script element. Options orjson has no word for (a
    template's `tojson(indent=4)`) go to the standard library, as Jinja2 would send them.
    """
    if set(options) <= {"sort_keys"}:
        option = orjson.OPT_SORT_KEYS if options.get("sort_keys") else 0
        try:
            return orjson.dumps(value, option=option).decode("utf-8")
        except TypeError:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), **options)
    return json.dumps(value, **options)


def loads(data: bytes | str) -> Any:
    """Parse JSON text (the build record: see `builder.uptodate`)."""
    return orjson.loads(data)
