"""Rules on the text of content, through the real `timeline build`: what would break the
feeds, the robots.txt or the site's folders on another system is a positioned content
error, and what is only surprising is a warning."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import run_timeline, write

CONTROL = "this text holds the control character {}: remove it"


def test_a_line_break_in_base_url_is_refused_from_site_yaml_and_the_flag(
    project: Path,
) -> None:
    """`urlsplit` drops CRs, so they passed as part of an http(s) address, and put lines
    of the author's choosing into robots.txt (de-indexing the site), the sitemap and the
    calendar."""
    evil = r"https://evil.example/\rUser-agent: Googlebot\rDisallow: /\r/"
    site_yaml = (project / "content/site.yaml").read_text(encoding="utf-8")
    write(project / "content/site.yaml", f'base_url: "{evil}"\n' + site_yaml)
    result = run_timeline("build", str(project))
    assert result.code == 1, result.err
    assert "content/site.yaml:1:11: error: base_url must be an absolute http(s) URL" in result.err
    assert not (project / "site").exists()

    write(project / "content/site.yaml", site_yaml)
    for url in (evil.replace(r"\r", "\r"), "https://a.example/x\ny", "https://a.example/ x"):
        flag = run_timeline("build", str(project), "--base-url", url)
        assert flag.code == 2, (url, flag.err)
        assert "--base-url" in flag.err and "Traceback" not in flag.err
        assert not (project / "site").exists()


def test_a_list_or_mapping_as_a_date_is_named_as_such(project: Path) -> None:
    write(
        project / "content/events/bad-dates.yaml",
        """\
        - date: [2023, 5]
          title: Listed
        - date: {year: 2023}
          title: Mapped
        """,
    )
    result = run_timeline("check", str(project))
    assert result.code == 1
    lines = result.err.splitlines()
    span = "; for a span write an interval, as 2021/2023"
    assert f"content/events/bad-dates.yaml:1:9: error: give one date, not a list{span}" in lines
    assert f"content/events/bad-dates.yaml:3:9: error: give one date, not a mapping{span}" in lines
    assert "Yaml" not in result.err
