"""Compiled templates kept between builds (builder/templatecache.py): a build runs the
code a previous build compiled for the very same template source, compiles a template
whose source changed, and never fails or changes a byte because of the cache."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path

import jinja2
import pytest
from conftest import run_timeline, write

from builder import templatecache
from builder.theme import Theme, builtin_themes_dir, find_theme, make_environment


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _build(project: Path) -> None:
    """A full build of the project (its last site removed, so nothing is "unchanged")."""
    shutil.rmtree(project / "site", ignore_errors=True)
    run = run_timeline("build", str(project))
    assert run.code == 0, run.err
    assert "Traceback" not in run.err


def _environment(project: Path) -> jinja2.Environment:
    return make_environment(find_theme(project, "default"))


def _cached(project: Path) -> list[Path]:
    return sorted(templatecache.template_cache(_environment(project)).folder.glob("*.cache"))


def test_a_build_runs_the_templates_the_last_build_compiled(project: Path, cache_home) -> None:
    _build(project)
    first = _files(project / "site")
    env = _environment(project)
    assert len(_cached(project)) == len(env.list_templates())  # every template, compiled once

    _build(project)
    assert _files(project / "site") == first  # the same bytes from the kept code

    # The next build runs what the cache holds for 404.html's source, without compiling it:
    # code made from another text, kept under the shipped template's name and checksum.
    source, filename, _ = env.loader.get_source(env, "404.html")
    bucket = env.bytecode_cache.get_bucket(env, "404.html", filename, source)
    assert bucket.code is not None
    bucket.code = env.compile(source.replace("Page not found", "Kept code"), "404.html", filename)
    env.bytecode_cache.set_bucket(bucket)
    _build(project)
    assert "<h1>Kept code</h1>" in (project / "site/404.html").read_text(encoding="utf-8")


def test_a_template_whose_source_changed_is_compiled_again(project: Path, cache_home) -> None:
    override = project / "themes/default/templates/404.html"
    shipped = builtin_themes_dir() / "default/templates/404.html"
    write(override, shipped.read_text(encoding="utf-8").replace("Page not found", "Lost"))
    _build(project)
    assert "<h1>Lost</h1>" in (project / "site/404.html").read_text(encoding="utf-8")
    override.write_text(override.read_text(encoding="utf-8").replace("Lost", "Gone"))
    _build(project)
    assert "<h1>Gone</h1>" in (project / "site/404.html").read_text(encoding="utf-8")


def test_unreadable_cached_templates_are_compiled_again(project: Path, cache_home) -> None:
    _build(project)
    first = _files(project / "site")
    cached = _cached(project)
    # Jinja2's own file cache raises on a file with the right header and a broken rest.
    cached[0].write_bytes(jinja2.bccache.bc_magic + b"\x80\x05not a pickle")
    plain = jinja2.FileSystemBytecodeCache(str(cached[0].parent))
    env = _environment(project)
    with pytest.raises(pickle.UnpicklingError):
        for name in env.list_templates():
            source, filename, _ = env.loader.get_source(env, name)
            plain.get_bucket(env, name, filename, source)
    cached[1].write_bytes(b"")
    cached[2].write_bytes(cached[2].read_bytes()[:-20])  # cut short
    cached[3].write_bytes(b"\x00" * 64)

    _build(project)
    assert _files(project / "site") == first
    for name in env.list_templates():  # compiled again and kept again: each file loads
        source, filename, _ = env.loader.get_source(env, name)
        assert env.bytecode_cache.get_bucket(env, name, filename, source).code is not None


def test_a_cache_that_cannot_be_written_only_means_compiling(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _build(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    first = _files(project / "site")
    _build(project)
    assert _files(project / "site") == first


def test_the_compile_key_names_what_compilation_depends_on(project: Path) -> None:
    env = _environment(project)
    key = templatecache.compile_key(env)
    assert templatecache.compile_key(_environment(project)) == key
    # Another theme's templates are kept under their own file names, in the same folder.
    other = make_environment(Theme("x", (project,), ()))
    assert templatecache.compile_key(other) == key

    env.trim_blocks = False
    assert templatecache.compile_key(env) != key
    env = _environment(project)
    env.filters["shout"] = str.upper  # a template using it compiles only where it exists
    assert templatecache.compile_key(env) != key
    env = _environment(project)
    env.add_extension("jinja2.ext.loopcontrols")
    assert templatecache.compile_key(env) != key


def test_old_templates_and_unused_folders_of_other_keys_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(templatecache, "FILES_KEPT", 3)
    stale = tmp_path / "cache/old-key"
    write(stale / "__jinja2_x.cache", "compiled by another Jinja2")
    week_ago = time.time() - templatecache.STALE_AFTER - 60
    os.utime(stale, (week_ago, week_ago))
    in_use = tmp_path / "cache/other-python"  # written to this week: another builder's
    write(in_use / "__jinja2_y.cache", "compiled by another Python")
    folder = tmp_path / "cache/key"
    templates = tmp_path / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)))
    env.bytecode_cache = templatecache.TemplateCache(folder)
    names = [f"t{i}.html" for i in range(5)]
    for number, name in enumerate(names):
        write(templates / name, f"template {number}: {{{{ 1 + {number} }}}}")
        assert env.get_template(name).render() == f"template {number}: {1 + number}"
        assert len(list(folder.glob("*.cache"))) == min(number + 1, 3)
        # Written a second apart: a file system's clock can give files written in the
        # same few milliseconds one time.
        made = (
            folder
            / f"__jinja2_{env.bytecode_cache.get_cache_key(name, str(templates / name))}.cache"
        )
        os.utime(made, ns=(number * 10**9, number * 10**9))
    assert not stale.exists()
    assert (in_use / "__jinja2_y.cache").exists()
    kept = {p.name for p in folder.glob("*.cache")}
    assert kept == {
        f"__jinja2_{env.bytecode_cache.get_cache_key(name, str(templates / name))}.cache"
        for name in names[-3:]
    }


def test_a_filter_given_the_page_context_is_a_new_compile_key(project: Path) -> None:
    """A filter that takes the context is called with it by the compiled code: a template
    compiled when `markdown` took only its text must not run with one that takes the page."""
    env = _environment(project)
    key = templatecache.compile_key(env)
    env.filters["markdown"] = lambda text: text
    assert templatecache.compile_key(env) != key
    env.filters["markdown"] = jinja2.pass_context(lambda context, text: text)
    assert templatecache.compile_key(env) == key
