"""JSON through orjson: the same text as the standard library's compact form for what the
builder writes, and the standard library's answer for what orjson refuses."""

from __future__ import annotations

import json

import jinja2
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from builder import jsontext
from builder.theme import Theme, builtin_themes_dir, make_environment


def standard(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


#: Text as content brings it: any character a YAML file can hold, quotes, backslashes,
#: control characters, the line separators JavaScript once refused, astral emoji.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\/<>&\u2028\x00\x1f'),
    max_size=40,
)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_compact_json_is_the_standard_librarys_compact_json(value: object) -> None:
    assert jsontext.compact(value) == standard(value)
    assert jsontext.compact_bytes(value) == standard(value).encode("utf-8")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_keeps_its_value(number: float) -> None:
    assert json.loads(jsontext.compact(number)) == number
    if number == 0 or abs(number) >= 1e-4:  # below, orjson writes 0.00001 for 1e-05
        assert jsontext.compact(number) == standard(number)


def test_what_orjson_refuses_the_standard_library_writes() -> None:
    huge = {"n": 2**70, 3: "a number as a key", "s": "\ud800"}
    assert jsontext.compact(huge) == standard(huge)
    assert jsontext.compact_bytes([2**70]) == b"[1180591620717411303424]"


def test_markup_and_tuples_are_written_as_strings_and_lists() -> None:
    value = {"a": Markup("<b>x</b>"), "b": (1, "é")}
    assert jsontext.compact(value) == '{"a":"<b>x</b>","b":[1,"é"]}'


def test_kept_pieces_take_the_memory_of_their_bytes() -> None:
    """The exports keep tens of thousands of small pieces: each must hold its bytes, not
    the encoder's whole buffer (orjson's is 4 KB at least)."""
    import tracemalloc

    record = {"id": "e000001-taliban-denies-troop-deployments", "title": "Taliban", "n": 1}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        pieces = [jsontext.compact_bytes(record) for _ in range(1000)]
        each = (tracemalloc.get_traced_memory()[0] - before) / len(pieces)
    finally:
        tracemalloc.stop()
    assert each < len(pieces[0]) + 200, f"{each:.0f} bytes held for {len(pieces[0])}"


def test_the_build_record_reads_back() -> None:
    record = {"files": {"a/index.html": [12, 1_700_000_000_123_456_789]}, "counts": [1, 2]}
    assert jsontext.loads(jsontext.compact_bytes(record)) == record


def environment() -> jinja2.Environment:
    home = builtin_themes_dir() / "default"
    return make_environment(Theme("default", (home / "templates",), (home / "static",)))


def test_tojson_in_templates_sorts_keys_and_stays_inert_in_a_script() -> None:
    template = environment().from_string("<script>{{ data | tojson }}</script>")
    data = {"z": "</script><script>alert('x')</script>", "a": "Kabul & Herat", "m": "é"}
    out = template.render(data=data)
    assert out.count("<script>") == 1 and out.count("</script>") == 1
    assert out.startswith('<script>{"a":"Kabul \\u0026 Herat","m":"é","z":"\\u003c/script')
    assert json.loads(out[len("<script>") : -len("</script>")]) == data


def test_tojson_with_options_orjson_lacks_is_the_standard_librarys() -> None:
    template = environment().from_string("{{ data | tojson(indent=2) }}")
    assert template.render(data={"b": 1, "a": [2]}) == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}'
