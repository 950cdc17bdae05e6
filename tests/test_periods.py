"""Long lists split into period pages: paths, completeness, links, sitemap, filters.json.

A project of 27 events over 2015–2022 (2018 alone holds 8) is built with the real CLI and
`events_per_page: 5`, so the timeline, a country's page and the 2018 page split; the same
project with a high limit must build exactly the pages it always did.
"""

from __future__ import annotations

import json
import random
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from posixpath import join, normpath
from types import SimpleNamespace

import pytest
from conftest import run_timeline, write
from sitehttp import serve

from builder import periods

#: Events per year, and for 2018 the months: 2018 is above the limit, so it splits by month.
EVENTS = {
    2015: [3, 9],
    2016: [2, 5],
    2017: [1, 4, 7],
    2018: [1, 1, 3, 3, 6, 6, 9, 9],
    2019: [2, 4, 8],
    2020: [5, 11],
    2021: [1, 2, 3, 4],
    2022: [1, 6, 12],
}
TIMELINE_PAGES = [
    ("periods/2015-2016/", "2015–2016", 4),
    ("periods/2017/", "2017", 3),
    ("periods/2018-01-to-03/", "January–March 2018", 4),
    ("periods/2018-06-to-09/", "June–September 2018", 4),
    ("periods/2019-2020/", "2019–2020", 5),
    ("periods/2021/", "2021", 4),
    ("", "2022", 3),
]


def event_yaml() -> str:
    """The events: all in Tajikistan, every ninth also in Kyrgyzstan, two categories."""
    lines = []
    n = 0
    for year, months in EVENTS.items():
        for month in months:
            n += 1
            lines += [
                f"- id: e{n:02d}",
                f"  date: {year}-{month:02d}-{10 + n % 15:02d}",
                f"  title: Event number {n}",
                f"  summary: What happened, *number {n}*.",
                "  countries: [TJ" + (", KG]" if n % 9 == 0 else "]"),
                f"  category: {'attack' if n % 2 else 'diplomacy'}",
            ]
    return "\n".join(lines) + "\n"


def make_project(root: Path, limit: int | None) -> Path:
    """A project with the events above and, if given, `events_per_page: limit`."""
    site = "title: Split timeline\ncategories:\n  attack: Attack\n  diplomacy: Diplomacy\n"
    if limit is not None:
        site += f"events_per_page: {limit}\n"
    write(root / "content" / "site.yaml", site)
    write(root / "content" / "events" / "all.yaml", event_yaml())
    return root


@pytest.fixture(scope="module")
def split_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built with five events a page."""
    root = tmp_path_factory.mktemp("split")
    project = make_project(root / "project", 5)
    result = run_timeline("build", str(project), "-o", str(root / "site"))
    assert result.code == 0, result.err
    return root / "site"


class _Links(HTMLParser):
    """Event ids of a page's list items, and links inside navigation by nav class."""

    def __init__(self) -> None:
        super().__init__()
        self.event_ids: list[str] = []
        self.nav_links: dict[str, list[str]] = {}
        self._nav: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        classes = (attr.get("class") or "").split()
        if tag == "li" and "event" in classes:
            self.event_ids.append(attr["id"] or "")
        if tag == "nav":
            self._nav.append(" ".join(classes))
            self.nav_links.setdefault(self._nav[-1], [])
        if tag == "a" and self._nav:
            self.nav_links[self._nav[-1]].append(attr["href"] or "")
            if attr.get("aria-current") == "page" and "periods" in self._nav[-1]:
                self.current.append(attr["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._nav:
            self._nav.pop()


def parse(site: Path, path: str) -> _Links:
    """The list items and navigation links of the page at site path `path`."""
    parser = _Links()
    parser.feed((site / path / "index.html").read_text(encoding="utf-8"))
    return parser


def resolve(page: str, href: str) -> str:
    """The site path a relative link on the page at site path `page` leads to."""
    bare = href.split("#")[0].split("?")[0]
    target = normpath(join("/" + page, bare)).lstrip("/")
    return target + "/" if bare.endswith("/") and target else target


def test_the_timeline_is_split_into_periods_of_whole_years_or_months(split_site: Path) -> None:
    built = sorted(p.parent.name for p in (split_site / "periods").glob("*/index.html"))
    assert built == sorted(path.split("/")[1] for path, _, _ in TIMELINE_PAGES if path)
    for path, label, count in TIMELINE_PAGES:
        page = parse(split_site, path)
        assert len(page.event_ids) == count, path
        html = (split_site / path / "index.html").read_text(encoding="utf-8")
        assert f"This page: <strong>{label}</strong> · {count} of 27 events" in html
        # An earlier period says which it is in its heading; the latest is the timeline's page.
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html).group(1)
        period = f'<span class="h1-period"><span class="visually-hidden">: </span>{label}</span>'
        assert h1 == "Split timeline" + (period if path else "")


def test_every_event_is_on_exactly_one_period_page(split_site: Path) -> None:
    seen = [i for path, _, _ in TIMELINE_PAGES for i in parse(split_site, path).event_ids]
    assert sorted(seen) == [f"e{n:02d}" for n in range(1, 28)]


def test_period_navigation_links_every_period_from_every_period(split_site: Path) -> None:
    expected = [path for path, _, _ in TIMELINE_PAGES]
    for index, (path, _, _) in enumerate(TIMELINE_PAGES):
        page = parse(split_site, path)
        listed = [resolve(path, href) for href in page.nav_links["periods"]]
        assert listed == expected
        assert [resolve(path, href) for href in page.current] == [path]
        steps = [resolve(path, href) for href in page.nav_links["prev-next period-steps"]]
        assert steps == expected[max(index - 1, 0) : index] + expected[index + 1 : index + 2]
        for href in page.nav_links["periods"]:
            assert not href.startswith("/") and "://" not in href


def test_the_overview_links_each_year_to_its_period_page(split_site: Path) -> None:
    html = (split_site / "index.html").read_text(encoding="utf-8")
    assert 'href="./periods/2017/#y2017"' in html
    assert 'href="./periods/2018-06-to-09/#y2018-09"' in html
    assert 'href="#y2022-12"' in html
    later = (split_site / "periods" / "2017" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../#y2022"' in later and 'href="#y2017"' in later


def test_event_pages_link_back_to_their_period(split_site: Path) -> None:
    html = (split_site / "events" / "e10" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../periods/2018-01-to-03/#e10">Timeline</a>' in html


def test_term_and_year_pages_split_beside_their_own_path(split_site: Path) -> None:
    tj = parse(split_site, "countries/tj/")
    assert resolve("countries/tj/", tj.nav_links["periods"][0]) == "countries/tj/2015-2016/"
    assert (split_site / "countries" / "tj" / "2018-01-to-03" / "index.html").is_file()
    kg = (split_site / "countries" / "kg" / "index.html").read_text(encoding="utf-8")
    assert 'class="periods"' not in kg and len(parse(split_site, "countries/kg/").event_ids) == 3
    assert sorted(parse(split_site, "years/2018/").event_ids) == ["e12", "e13", "e14", "e15"]
    assert parse(split_site, "years/2018/2018-01-to-03/").event_ids == ["e08", "e09", "e10", "e11"]


def test_the_sitemap_lists_every_period_page(split_site: Path) -> None:
    sitemap = (split_site / "sitemap.xml").read_text(encoding="utf-8")
    for path in ("periods/2017/", "countries/tj/2021/", "years/2018/2018-01-to-03/"):
        assert f"<loc>./{path}</loc>" in sitemap


def test_filters_json_counts_each_period(split_site: Path) -> None:
    data = json.loads((split_site / "filters.json").read_text(encoding="utf-8"))
    assert data["periods"] == [count for _, _, count in TIMELINE_PAGES]
    assert len(data["events"]) == 27
    countries = data["terms"]["country"]
    first = data["events"][0]
    assert first == [
        2015,
        2015,
        1,
        data["terms"]["category"].index("attack"),
        countries.index("tj"),
        [],
        [],
    ]


def test_a_split_site_passes_the_link_check(split_site: Path, tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", 5)
    result = run_timeline("check", str(project), "--links", "-o", str(split_site))
    assert result.code == 0, result.out + result.err


def test_period_links_work_under_a_sub_path(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", 5)
    out = tmp_path / "site"
    result = run_timeline(
        "build", str(project), "-o", str(out), "--base-url", "https://example.org/sub/"
    )
    assert result.code == 0, result.err
    with serve({"/sub/": out}) as origin:
        for path, _, _ in TIMELINE_PAGES:
            for href in parse(out, path).nav_links["periods"]:
                url = urllib.request.urljoin(f"{origin}/sub/{path}", href)
                with urllib.request.urlopen(url) as response:
                    assert response.status == 200
                    assert re.search(r'<li class="event', response.read().decode())


def test_lists_within_the_limit_keep_exactly_todays_pages(tmp_path: Path) -> None:
    built = {}
    for limit in (None, 27):
        project = make_project(tmp_path / f"p{limit}", limit)
        result = run_timeline("build", str(project), "-o", str(tmp_path / f"s{limit}"))
        assert result.code == 0, result.err
        site = tmp_path / f"s{limit}"
        built[limit] = {
            p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()
        }
    assert built[None] == built[27]
    assert not any(p.startswith("periods/") or p == "filters.json" for p in built[27])
    assert b'class="periods"' not in built[27]["index.html"]
    assert built[27]["index.html"].count(b'<li class="event') == 27


#: site.yaml's numbers, each with values it refuses and the error it gives for them.
NUMBER_SETTINGS = {
    "events_per_page": (["0", "-3", "many", "true", "2.5"], "a whole number above 0"),
    "related_events": (["-1", "many", "true", "2.5"], "a whole number, 0 for none (default 5)"),
}


@pytest.mark.parametrize(
    ("key", "value"),
    [(key, value) for key, (values, _) in NUMBER_SETTINGS.items() for value in values],
)
def test_site_numbers_must_be_whole_numbers(tmp_path: Path, key: str, value: str) -> None:
    project = make_project(tmp_path / "project", None)
    site = project / "content" / "site.yaml"
    site.write_text(site.read_text() + f"{key}: {value}\n")
    result = run_timeline("check", str(project))
    assert result.code == 1
    line, column = len(site.read_text().splitlines()), len(key) + 3
    must = NUMBER_SETTINGS[key][1]
    assert f"content/site.yaml:{line}:{column}: error: {key} must be {must}" in result.err
    assert "Traceback" not in result.err


def test_list_items_shared_by_pages_of_every_depth_keep_content_escaped(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", 5)
    events = project / "content" / "events" / "all.yaml"
    events.write_text(
        events.read_text().replace("title: Event number 10", "title: 'Number 10 <root> ../'")
    )
    out = tmp_path / "site"
    assert run_timeline("build", str(project), "-o", str(out)).code == 0
    for path in (
        "periods/2018-01-to-03/",
        "countries/tj/2018-01-to-03/",
        "years/2018/2018-01-to-03/",
    ):
        html = (out / path / "index.html").read_text(encoding="utf-8")
        assert 'dir="auto">Number 10 &lt;root&gt; ../</a>' in html
        assert "<root>" not in html
    assert run_timeline("check", str(project), "--links", "-o", str(out)).code == 0


def _runs_by_hand(events: list, key) -> list[tuple]:
    """What `periods._runs` means, one event at a time: a key that is missing or goes back
    leaves the event with the run before it."""
    runs: list[tuple] = []
    current = None
    for event in events:
        value = key(event)
        if value is not None and (current is None or value > current):
            current = value
        if runs and runs[-1][0] == current:
            runs[-1][1].append(event)
        else:
            runs.append((current, [event]))
    return runs


@pytest.mark.parametrize("seed", range(40))
def test_runs_keep_undated_and_earlier_keys_with_the_run_before(seed: int) -> None:
    rng = random.Random(seed)
    years = sorted(rng.choice(range(2001, 2012)) for _ in range(rng.randint(1, 60)))
    if seed % 2:  # seasons, decades and out-of-order keys among the years
        for _ in range(rng.randint(1, 5)):
            years.insert(rng.randrange(len(years) + 1), rng.choice([None, 1999, 2005]))
    events = [SimpleNamespace(date=SimpleNamespace(year=y), n=i) for i, y in enumerate(years)]
    assert periods._runs(events, periods._YEAR) == _runs_by_hand(events, periods._YEAR)
