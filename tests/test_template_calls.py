"""Calls from templates: the builder's environment calls plain functions and macros the
short way (`theme.CallingContext`); whatever asks for the context, the environment or the
evaluation context must still get it, inside loops and blocks too."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from builder.theme import CallingContext, EscapingTemplate, Theme, escaped, make_environment

TEMPLATE = """\
{%- macro box(x) %}[{{ x }}{% if caller is defined %}:{{ caller() }}{% endif %}]{% endmacro -%}
{% set outer = 'page' -%}
plain={{ shout('a') }} part={{ greet('b') }} macro={{ box(1) }}
{% call box(2) %}inner {{ shout('c') }}{% endcall %}
{% for item in ['x', 'y'] %}{{ who(item) }} {{ shout(item) }} {{ box(loop.index) }}
{% endfor %}
{%- block body %}env={{ env_name() }} eval={{ eval_auto() }} ctx={{ who('block') }}{% endblock %}
stop={{ stops() is undefined }} range={{ range(3) | list }} cycle={{ cycler('p', 'q').next() }}
method={{ thing.name() }} marked={{ thing.where() }}
{%- for n in [1] %} looped={{ thing.where() }}{% endfor %}
builtin={{ 'Ab'.lower() }} {{ ', '.join(['p', 'q']) }} {{ max(2, 5) }}
{{- ' ' ~ (thing.stop() is undefined) }}
"""


class _Thing:
    """Methods called from a template: plain, marked with `pass_context`, raising."""

    def name(self) -> str:
        return "thing"

    @jinja2.pass_context
    def where(self, context: jinja2.runtime.Context) -> str:
        return f"at {context.get('outer')}/{context.get('n', '-')}"

    def stop(self) -> None:
        raise StopIteration


def _stops() -> None:
    raise StopIteration


@jinja2.pass_context
def _who(context: jinja2.runtime.Context, value: str) -> str:
    return f"{value}@{context.get('outer')}/{context.get('item', '-')}"


def render(folder: Path, context_class: type) -> str:
    (folder / "t.html").write_text(TEMPLATE, encoding="utf-8")
    env = make_environment(Theme("test", (folder,), ()))
    env.context_class = context_class
    env.globals.update(
        shout=lambda text: text.upper(),
        greet=partial("{}!{}".format, "hi"),
        who=_who,
        env_name=jinja2.pass_environment(lambda environment: type(environment).__name__),
        eval_auto=jinja2.pass_eval_context(lambda eval_ctx: eval_ctx.autoescape),
        stops=_stops,
        thing=_Thing(),
        max=max,
    )
    template = env.get_template("t.html")
    assert type(template.new_context({})) is context_class
    return template.render()


def test_plain_calls_macros_and_context_functions_behave_as_in_jinja(tmp_path: Path) -> None:
    assert make_environment(Theme("test", (tmp_path,), ())).context_class is CallingContext
    ours = render(tmp_path, CallingContext)
    assert ours == render(tmp_path, jinja2.runtime.Context)
    for expected in (
        "plain=A part=hi!b macro=[1]",
        "[2:inner C]",  # a macro called with a caller, which calls a plain function
        "x@page/- X [1]",  # in a loop: the context function gets the page's context
        "env=Environment eval=True ctx=block@page/-",
        "stop=True range=[0, 1, 2] cycle=p",
        "method=thing marked=at page/- looped=at page/-",  # a marked method gets the context
        "builtin=ab p, q 5 True",
    ):
        assert expected in ours


ESCAPES = """\
{%- macro bold(x) %}<b>{{ x }}</b>{% endmacro -%}
text={{ text }} markup={{ markup }} own={{ own }} number={{ number }} none={{ nothing }}
macro={{ bold(text) }} joined={{ text ~ markup }} filtered={{ text | upper }}
{% for x in [text, markup] %}{{ x }};{% endfor %} {{ '%s' % text }}
"""


class _Html:
    def __html__(self) -> str:
        return "<i>own</i>"


def test_output_is_escaped_as_markupsafe_escapes_it(tmp_path: Path) -> None:
    """`theme.EscapingTemplate` rebinds the templates' `escape`: text, numbers and objects
    with `__html__` come out as `markupsafe.escape` makes them, and `Markup` passes whole
    (the very object, not a copy). Text comes back escaped as a plain `str`: templates only
    join what they output, and a macro's output is made `Markup` as a whole."""
    (tmp_path / "e.html").write_text(ESCAPES, encoding="utf-8")
    values = {
        "text": "<a & 'b'>",
        "markup": Markup("<em>safe</em>"),
        "own": _Html(),
        "number": 3,
        "nothing": None,
    }
    ours = make_environment(Theme("test", (tmp_path,), ()))
    assert ours.template_class is EscapingTemplate
    plain = make_environment(Theme("test", (tmp_path,), ()))
    plain.template_class = jinja2.Template
    got = ours.get_template("e.html").render(values)
    assert got == plain.get_template("e.html").render(values)
    assert "text=&lt;a &amp; &#39;b&#39;&gt; markup=<em>safe</em> own=<i>own</i>" in got
    assert "number=3 none=None" in got
    markup = values["markup"]
    assert escaped(markup) is markup
    assert escaped("<") == "&lt;" and type(escaped("<")) is str
    assert escaped(-2026) == "-2026" == str(escape(-2026)) and escaped(True) == "True"
    assert type(ours.get_template("e.html").make_module(values).bold("<")) is Markup
