"""`timeline init` scaffolds a project that builds, validates and deploys; the JSON Schemas
it ships let editors check event files and article front matter while typing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import REPO, run_timeline, write

from builder import uptodate
from builder.dates import DateError, parse_edtf
from builder.validate import ARTICLE_FIELDS, EVENT_FIELDS, SITE_FIELDS

SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$", re.MULTILINE)


class _EditorLoader(yaml.SafeLoader):
    """Reads YAML as the YAML language server does (YAML 1.2: dates stay text)."""


_EditorLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _editor_yaml(text: str) -> object:
    return yaml.load(text, Loader=_EditorLoader)  # noqa: S506 - a SafeLoader subclass


def _schema(name: str) -> dict:
    return json.loads((REPO / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))


def _validate(name: str, data: object) -> list[str]:
    validator = jsonschema.Draft7Validator(_schema(name))
    return [error.message for error in validator.iter_errors(data)]


def _event_errors(event: dict) -> list[str]:
    """Messages for one event, checked against the event definition itself."""
    schema = {"definitions": _schema("event")["definitions"], "$ref": "#/definitions/event"}
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(event))
    messages = []
    while errors:  # include what each alternative of an anyOf said
        error = errors.pop()
        messages.append(error.message)
        errors.extend(error.context or [])
    return messages


def _front_matter(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---\n")[1]


# -- timeline init ----------------------------------------------------------------------------


def test_init_from_an_unrelated_folder_makes_a_buildable_project(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_timeline("init", str(tmp_path / "border-watch"), cwd=elsewhere)
    assert result.code == 0, result.err
    assert list(elsewhere.iterdir()) == []  # nothing written where it was run
    root = tmp_path / "border-watch"
    for rel in [
        "content/site.yaml",
        "content/events/example.yaml",
        "content/articles/example.md",
        ".github/workflows/pages.yml",
        ".gitignore",
        "schema/event.schema.json",
        "schema/article.schema.json",
        "schema/site.schema.json",
        "schema/events.schema.json",
    ]:
        assert (root / rel).is_file(), rel
    assert 'title: "Border Watch"' in (root / "content" / "site.yaml").read_text("utf-8")
    assert "/site/" in (root / ".gitignore").read_text("utf-8").splitlines()
    build = run_timeline("build", str(root), "--strict")
    assert build.code == 0, build.err
    assert "built" in build.out and "(2 events, 1 article)" in build.out
    links = run_timeline("check", str(root), "--links", "--strict")
    assert links.code == 0, links.err


def test_init_in_the_current_folder_by_relative_name(tmp_path: Path) -> None:
    result = run_timeline("init", "new", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "new" / "content" / "site.yaml").is_file()
    assert run_timeline("check", "new", "--strict", cwd=tmp_path).code == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = write(tmp_path / "taken" / "notes.txt", "mine").parent
    result = run_timeline("init", str(target))
    assert result.code == 2
    assert "is not empty" in result.err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_timeline("init", str(empty)).code == 0
    file = write(tmp_path / "a-file", "x")
    assert run_timeline("init", str(file)).code == 2


def test_init_where_no_folder_can_be_made_is_one_line(tmp_path: Path) -> None:
    """A place that takes no new folder (even for root: /proc) or a path below a file is a
    usage error in one line, and nothing half-made is left."""
    file = write(tmp_path / "a-file", "x")
    for target in ("/proc/timeline-nope", str(file / "new")):
        result = run_timeline("init", target)
        assert result.code == 2, result.err
        assert "Traceback" not in result.err
        lines = result.err.strip().splitlines()
        assert len(lines) == 1, result.err
        assert lines[0].startswith(f"timeline: error: cannot create a project in {target}: ")
        assert lines[0].endswith("choose a folder you can write to")
    assert file.read_text(encoding="utf-8") == "x"
    assert not Path("/proc/timeline-nope").exists()


def test_workflow_builds_and_deploys_with_github_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_timeline("init", str(tmp_path / "p")).code == 0
    text = (tmp_path / "p" / ".github" / "workflows" / "pages.yml").read_text("utf-8")
    flow = yaml.safe_load(text)
    on = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on:` as true
    assert on["push"]["branches"] == ["main"] and "workflow_dispatch" in on
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = flow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in build]
    runs = " ".join(step.get("run", "") for step in build)
    assert "actions/checkout" in uses and "actions/upload-pages-artifact" in uses
    assert 'pip install "timeline-builder==' in runs
    assert 'timeline build --base-url "${{ steps.pages.outputs.base_url }}/"' in runs
    # The builder's cache folder is kept from one run to the next, restored before the build.
    cache = next(s for s in build if s.get("uses", "").startswith("actions/cache@"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)  # as on a CI runner
    assert Path(cache["with"]["path"]).expanduser() == uptodate.cache_home()
    assert build.index(cache) < next(i for i, s in enumerate(build) if s.get("name") == "Build")
    python = next(s for s in build if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["id"] == "python"
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"]
    assert key.startswith(restore) and "steps.python.outputs.python-version" in restore
    assert "hashFiles('content/**', 'themes/**', '.github/workflows/pages.yml')" in key
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "site"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _install_step(directory: Path, origin: dict | None) -> str:
    """The workflow's install command from `timeline init`, run where the builder's
    installed metadata records `origin` as PEP 610's direct_url.json (None: no record, as
    after an install from PyPI). Python finds the metadata in the folder it runs from
    before the real installation's, as it would a second installation."""
    info = directory / "timeline_builder-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: timeline-builder\nVersion: 0.1.0\n", encoding="utf-8"
    )
    if origin is not None:
        (info / "direct_url.json").write_text(json.dumps(origin), encoding="utf-8")
    result = run_timeline("init", str(directory / "p"), cwd=directory)
    assert result.code == 0, result.err
    text = (directory / "p" / ".github" / "workflows" / "pages.yml").read_text("utf-8")
    steps = yaml.safe_load(text)["jobs"]["build"]["steps"]
    return next(s["run"] for s in steps if s.get("name") == "Install timeline-builder")


def test_a_builder_installed_from_a_public_git_repository_is_installed_from_it(
    tmp_path: Path,
) -> None:
    """Installed with `pip install git+https://…`, the builder may have no release: the
    new project's workflow installs the same commit from the same repository."""
    url = "https://github.com/example/timeline-builder"
    origin = {"url": url, "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    step = _install_step(tmp_path, origin)
    assert step == f'python -m pip install "timeline-builder @ git+{url}@{COMMIT}"'


@pytest.mark.parametrize(
    "origin",
    [
        None,  # from PyPI
        {"url": "file:///home/me/timeline-builder", "dir_info": {"editable": True}},
        {"url": "file:///home/me/tb", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
        {
            "url": "https://me:ghp_SECRET@github.com/me/timeline-builder",
            "vcs_info": {"vcs": "git", "commit_id": COMMIT},
        },
        {"url": "ssh://git@github.com/me/timeline-builder", "vcs_info": {"vcs": "git"}},
    ],
    ids=["pypi", "editable clone", "local git", "credentials in the url", "ssh"],
)
def test_a_builder_installed_otherwise_is_installed_from_pypi(
    tmp_path: Path, origin: dict | None
) -> None:
    """A clone on this machine, or a repository the workflow could not reach without
    this machine's keys, gives the release of the same version; a token in the address
    the builder came from never reaches a file of the project."""
    step = _install_step(tmp_path, origin)
    assert step == 'python -m pip install "timeline-builder==0.1.0"'
    project = tmp_path / "p"
    leaked = [f for f in project.rglob("*") if f.is_file() and "SECRET" in f.read_text("utf-8")]
    assert leaked == []


# -- JSON Schemas for editors -----------------------------------------------------------------


def test_schemas_ship_in_the_repo_the_package_and_new_projects(tmp_path: Path) -> None:
    assert run_timeline("init", str(tmp_path / "p")).code == 0
    for name in ("event", "article", "site", "events"):
        repo_copy = (REPO / "schema" / f"{name}.schema.json").read_bytes()
        assert (REPO / "builder" / "data" / f"{name}.schema.json").read_bytes() == repo_copy
        assert (tmp_path / "p" / "schema" / f"{name}.schema.json").read_bytes() == repo_copy
        jsonschema.Draft7Validator.check_schema(json.loads(repo_copy))


def test_schema_lines_point_at_the_schemas(tmp_path: Path) -> None:
    root = tmp_path / "p"
    assert run_timeline("init", str(root)).code == 0
    files = {
        root / "content" / "events" / "example.yaml": "event",
        root / "content" / "articles" / "example.md": "article",
        root / "content" / "site.yaml": "site",
    }
    for path, name in files.items():
        match = SCHEMA_LINE.search(path.read_text(encoding="utf-8"))
        assert match, path
        assert (path.parent / match["path"]).resolve() == root / "schema" / f"{name}.schema.json"
    settings = json.loads((root / ".vscode" / "settings.json").read_text("utf-8"))
    assert settings["yaml.schemas"]["./schema/event.schema.json"] == "content/events/*.yaml"


def test_shipped_content_and_scaffold_match_their_schemas(tmp_path: Path) -> None:
    assert run_timeline("init", str(tmp_path / "p")).code == 0
    for root in (REPO, tmp_path / "p"):
        for path in sorted((root / "content" / "events").glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            assert SCHEMA_LINE.search(text), path
            assert _validate("event", _editor_yaml(text)) == [], path
        for path in sorted((root / "content" / "articles").glob("*.md")):
            assert _validate("article", _editor_yaml(_front_matter(path))) == [], path
        site = _editor_yaml((root / "content" / "site.yaml").read_text(encoding="utf-8"))
        assert _validate("site", site) == []


def test_schemas_name_exactly_the_fields_the_builder_accepts() -> None:
    event = _schema("event")["definitions"]["event"]
    assert set(event["properties"]) == set(EVENT_FIELDS)
    assert set(_schema("article")["properties"]) == set(ARTICLE_FIELDS)
    assert set(_schema("site")["properties"]) == set(SITE_FIELDS)


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        ({"date": "2023-10-13", "title": "ok", "titel": "typo"}, "titel"),
        ({"title": "no date"}, "'date' is a required property"),
        ({"date": "13/10/2023", "title": "day first"}, "13/10/2023"),
        ({"date": "2023-10-13", "title": "x", "importance": 5}, "5"),
        ({"date": "2023-10-13", "title": "x", "sources": [{"publisher": "P"}]}, "publisher"),
        ({"date": "2023-10-13", "title": "x", "location": {"name": "X", "lat": 1}}, "lon"),
        ({"date": "2023", "title": "x", "id": "Bad_ID"}, "Bad_ID"),
    ],
)
def test_event_schema_flags_mistakes(event: dict, complaint: str) -> None:
    errors = _event_errors(event)
    assert any(complaint in e for e in errors), errors
    assert _validate("event", [event]) and _validate("event", event)  # a list, or one event


EDTF_SAMPLES = [
    "2023-10-13",
    "2023-10",
    "2023",
    "-0044",
    "2021-08~",
    "2023-09?",
    "2004-06%",
    "201X",
    "20XX",
    "2004-XX",
    "1985-04-XX",
    "2001-21",
    "Y170000002",
    "2021-10/2023-10",
    "2021-10/..",
    "../2023",
    "2021-10/",
    "/2023",
    " 2023-10-13 ",
    "2023-02-30",  # well formed but impossible: the builder says why, the editor cannot
    "13/10/2023",
    "2023/10/13",
    "October 2023",
    "c. 2021",
    "2023-1-5",
    "23",
    "2023-10-13T10:00",
    "2023-10-13/2023-10-14/2023-10-15",
    "",
]


@pytest.mark.parametrize("text", EDTF_SAMPLES)
def test_date_pattern_accepts_every_well_formed_edtf_date(text: str) -> None:
    """The schema may not reject a date the builder accepts, nor accept a malformed one."""
    try:
        parse_edtf(text)
        accepted = True
    except DateError:
        accepted = False
    matches = _event_errors({"date": text, "title": "x"}) == []
    if accepted:
        assert matches, text
    elif text != "2023-02-30":
        assert not matches, text
