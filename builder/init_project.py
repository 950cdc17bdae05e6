"""`timeline init DIR`: a new timeline project that builds, validates and deploys as it is.

A new user should get from nothing to a published timeline without reading the builder's
source: the scaffold holds a site.yaml, an example event file and article that show every
common field, the JSON Schemas that let editors check those files while typing (through
the `# yaml-language-server: $schema=` line and VS Code settings), a GitHub Actions
workflow that builds the site and publishes it with GitHub Pages, and a .gitignore that
keeps the build output out of the repository.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from importlib import metadata, resources
from pathlib import Path

from builder import __version__
from builder.diagnostics import UsageError

#: JSON Schemas shipped in builder/data and copied into every new project's schema/.
SCHEMAS = ("event", "article", "site", "events")

_SITE_YAML = """\
# yaml-language-server: $schema=../schema/site.schema.json
# Site settings. Unknown keys are an error, so typos do not pass silently.
title: {title}
description: A sourced, dated chronology. Say here what it covers and since when.
language: en
# base_url: the address the site is served from, e.g. https://you.github.io/{name}/
# It makes feeds, the sitemap and canonical links absolute. The GitHub Pages workflow
# passes it with --base-url, so you can leave it out.
# base_url: https://example.org/{name}/

# Allowed event categories: key -> label.
categories:
  diplomacy: Diplomacy
  security: Security
  policy: Policy

# Canonical actor names -> aliases. Events may use either; pages show the canonical name.
actors:
  United Nations: [UN]
"""

_EVENTS_YAML = """\
# yaml-language-server: $schema=../../schema/event.schema.json
# Events: one mapping, or a list of them. Dates are EDTF: 2023-10-13 (a day), 2023-10
# (a month), 2023 (a year), 2021-08~ (approximately), 2023-09? (uncertain),
# 2021-10/2023-10 (an interval). `timeline new event` prints a template with every field.

- date: 2024-05-02
  title: The example event happens in Geneva
  summary: >-
    A *Markdown* summary: who did what, where, and why it matters. Links in
    summaries must be absolute, like [the UN's site](https://www.un.org/).
  countries: [CH]
  location: {{name: Geneva, lat: 46.2044, lon: 6.1432}}
  actors: [UN]
  category: diplomacy
  tags: [example]
  importance: 2
  sources:
    - article: example
    - url: https://www.un.org/
      title: United Nations
      publisher: United Nations

- date: 2024-03~
  title: Something happened around March 2024
  summary: Approximate dates show as "c. March 2024".
  countries: [Switzerland]
  category: policy
  sources:
    - url: https://example.org/news/story
      title: A news story
      publisher: Example News
      date: 2024-03-28
"""

_ARTICLE_MD = """\
---
# yaml-language-server: $schema=../../schema/article.schema.json
title: An example article
date: 2024-05-02
author: [Jane Doe]
publisher: Example News
url: https://example.org/news/example
countries: [CH]
tags: [example]
---
Articles keep the sources of your events in the project. Events cite them with
`sources: [{{article: example}}]`, where `example` is this file's name. Raw news
clippings can be turned into articles with `timeline import`.
"""

_ABOUT_MD = """\
---
title: About
description: What this timeline covers, who keeps it and how to reuse its data.
---
Say what this timeline covers, who keeps it and how to suggest a correction.

Its data can be reused: see the Atom feed (feed.xml) and the exports events.json,
events.csv, events.ics, events.geojson and timelinejs.json at the site's root.
"""

_WORKFLOW = """\
# Build the timeline and publish it with GitHub Pages on every push to main.
# Once, in the repository's Settings > Pages, set "Source" to "GitHub Actions".
name: Publish timeline

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: python
        uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install timeline-builder
        # {install_note}
        run: python -m pip install "{requirement}"
      - id: pages
        uses: actions/configure-pages@v5
      - name: Keep the builder's cache between runs
        # The Markdown conversions and compiled templates of the last run (see the README):
        # a large timeline then converts only the texts that changed since it.
        uses: actions/cache@v4
        with:
          path: ~/.cache/timeline-builder
          # A new entry whenever what it was made from changes: the content, the theme,
          # this file (which pins the builder's version) or Python.
          key: timeline-${{{{ runner.os }}}}-py${{{{ steps.python.outputs.python-version }}}}-${{{{ hashFiles('content/**', 'themes/**', '.github/workflows/pages.yml') }}}}
          restore-keys: timeline-${{{{ runner.os }}}}-py${{{{ steps.python.outputs.python-version }}}}-
      - name: Build
        run: timeline build --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - name: Check links
        run: timeline check --links
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""  # noqa: E501  (the cache key's expression is one line of YAML)

_GITIGNORE = """\
# Build output: rebuilt from content/ on every build and deploy.
/site/
.timeline-cache/
__pycache__/
"""

_README = """\
# {title}

A timeline built with [timeline-builder](https://pypi.org/project/timeline-builder/).

    timeline serve          # live preview at http://127.0.0.1:8000/
    timeline check          # validate the content
    timeline build          # write the site into site/
    timeline new event      # print a template event
    timeline deploy         # publish site/ to the gh-pages branch

- `content/site.yaml`: title, description, categories and actor names.
- `content/events/*.yaml`: the events. `content/articles/*.md`: their sources.
- `schema/`: JSON Schemas; editors with the YAML language server check the files as you
  type (VS Code: install the "YAML" extension by Red Hat).
- `.github/workflows/pages.yml`: publishes the site with GitHub Pages on every push to
  main (set Settings > Pages > Source to "GitHub Actions" once).
"""


def _vscode_settings() -> str:
    settings = {
        "yaml.schemas": {
            "./schema/event.schema.json": "content/events/*.yaml",
            "./schema/site.schema.json": "content/site.yaml",
        },
    }
    return json.dumps(settings, indent=2) + "\n"


def schema_text(name: str) -> str:
    """The JSON Schema `name` (event, article, site, events) shipped with the builder."""
    return resources.files("builder").joinpath("data", f"{name}.schema.json").read_text("utf-8")


def _title_for(directory: Path) -> str:
    words = directory.name.replace("-", " ").replace("_", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or "Timeline"


def _installed_as() -> dict[str, str]:
    """How the new project's workflow installs the builder: the same commit of the same
    public repository when this builder was installed from one (`pip install
    git+https://…`, as PEP 610's direct_url.json records it), so that the workflow works
    before any release; otherwise this version from PyPI."""
    try:
        recorded = metadata.distribution("timeline-builder").read_text("direct_url.json")
        origin = json.loads(recorded or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        origin = {}
    url, vcs = origin.get("url"), origin.get("vcs_info") or {}
    commit = vcs.get("commit_id")
    public = isinstance(url, str) and url.startswith("https://") and "@" not in url[8:]
    if vcs.get("vcs") == "git" and public and isinstance(commit, str) and commit.isalnum():
        return {
            "requirement": f"timeline-builder @ git+{url}@{commit}",
            "install_note": "The commit of timeline-builder this project was made with.",
        }
    return {
        "requirement": f"timeline-builder=={__version__}",
        "install_note": "Or install it from a clone: pip install git+https://github.com/OWNER/REPO",
    }


def project_files(directory: Path) -> dict[str, str]:
    """Every file of a new project, by path relative to the project folder."""
    title = _title_for(directory)
    name = directory.name or "timeline"
    files = {
        "content/site.yaml": _SITE_YAML.format(title=json.dumps(title), name=name),
        "content/events/example.yaml": _EVENTS_YAML.format(),
        "content/articles/example.md": _ARTICLE_MD.format(),
        "content/pages/about.md": _ABOUT_MD,
        ".github/workflows/pages.yml": _WORKFLOW.format(**_installed_as()),
        ".gitignore": _GITIGNORE,
        ".vscode/settings.json": _vscode_settings(),
        "README.md": _README.format(title=title),
    }
    for schema in SCHEMAS:
        files[f"schema/{schema}.schema.json"] = schema_text(schema)
    return files


def _check_target(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    try:
        holds_files = directory.is_dir() and any(directory.iterdir())
    except OSError as exc:
        raise UsageError(f"cannot read {directory}: {exc.strerror or exc}") from exc
    if holds_files:
        raise UsageError(
            f"{directory} is not empty: `timeline init` only creates new projects; "
            "choose a new or empty folder"
        )


def _write_files(target: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _undo(target: Path, existed: bool) -> None:
    """Remove what a failed `init` wrote: the folder it made, or what it put in the empty
    folder it was given, so that trying again (elsewhere, or after a fix) starts clean."""
    if not existed:
        shutil.rmtree(target, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        for entry in target.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def run_init(directory: Path) -> int:
    """`timeline init DIR`: write a new, buildable project into a new or empty folder.

    A folder that cannot be made or written (a read-only place, a path below a file) is a
    UsageError saying so, and nothing half-made is left behind."""
    _check_target(directory)
    target = directory.resolve()
    existed = target.is_dir()
    try:
        _write_files(target, project_files(target))
    except OSError as exc:
        _undo(target, existed)
        reason = exc.strerror.lower() if exc.strerror else str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise UsageError(
            f"cannot create a project in {directory}: {reason}{where}; "
            "choose a folder you can write to"
        ) from exc
    print(f"created a timeline project in {directory}", file=sys.stdout)
    print(f"next: cd {directory} && timeline serve", file=sys.stdout)
    return 0
