"""Site search: the prebuilt index and its small client, used with the keyboard in headless
Chromium, over HTTP under a sub-path and straight from disk (file://)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from conftest import REPO, run_timeline, write
from sitehttp import chromium, serve

from builder.search import FOLDED_MARKS, search_words, snippet

CLIENT = REPO / "themes" / "default" / "static" / "search.js"

EXTRA = """\
- id: cafe-in-dushanbe
  date: 2022-05-03
  title: Café talks in Dušanbe
  summary: Envoys met in a café. <img src=x onerror="window.pwned=1">
  countries: [TJ]
  sources: [{url: "https://news.example/cafe"}]
"""


@pytest.fixture
def site(project: Path) -> Path:
    write(project / "content" / "events" / "extra.yaml", EXTRA)
    result = run_timeline("build", str(project), "--strict")
    assert result.code == 0, result.err
    return project / "site"


def _index(site: Path) -> list[dict]:
    text = (site / "search" / "index.js").read_text(encoding="utf-8")
    assert text.startswith("window.TIMELINE_SEARCH=") and text.endswith(";\n")
    return json.loads(text[len("window.TIMELINE_SEARCH=") : -2])


def test_client_is_small() -> None:
    assert CLIENT.stat().st_size < 7 * 1024  # 5 KB until results marked the words found


def test_words_are_folded_like_the_client_folds_them() -> None:
    assert search_words("Café talks in Dušanbe", "CAFÉ, ISIS-K") == [
        "cafe",
        "talks",
        "in",
        "dusanbe",
        "isis",
        "k",
    ]
    assert snippet("word " * 100).endswith("…") and len(snippet("word " * 100)) <= 181


def test_ascii_text_splits_into_the_words_any_text_does() -> None:
    """ASCII text takes a quicker pattern than other text: every ASCII character splits or
    joins words as it does in a text that is not ASCII."""
    every = "".join(map(chr, range(128)))
    ascii_text = f"{every} ISIS-K's 2021_08 x9Y {every[::-1]} Ünïcode"[:-8]
    assert ascii_text.isascii()
    for text in (ascii_text, ascii_text + " é"):
        words = search_words(text)
        assert words == list(dict.fromkeys(re.findall(r"[^\W_]+", text.lower().replace("é", "e"))))
    assert search_words("ISIS-K's 2021_08") == ["isis", "k", "s", "2021", "08"]


def test_texts_give_the_words_each_gives_alone() -> None:
    """Searching an entry's texts joined, in one pass, finds the words that searching each
    on its own finds, in the same order: a space ends a word, and a Greek final sigma, as
    the end of a text does."""
    rng = random.Random(7)
    alphabet = "aZ09 _-'.,ÉéßΣσςİıﬁ\u0301\u2028ŁøÆ"
    for _ in range(2000):
        texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 9))) for _ in range(4)]
        one_by_one = dict.fromkeys(w for text in texts for w in search_words(text))
        assert search_words(*texts) == list(one_by_one), texts
    assert search_words("ΟΔΟΣ", "ΣΟΦΙΑ") == ["οδος", "σοφια"]


def test_index_holds_events_and_articles_with_dates(site: Path) -> None:
    entries = _index(site)
    kinds = [e["k"] for e in entries]
    assert kinds.count("event") == 5 and kinds.count("article") == 2
    kabul = next(e for e in entries if e["t"] == "Taliban take Kabul")
    assert kabul["u"] == "events/taliban-takeover/" and kabul["d"] == "c. August 2021"
    assert {"taliban", "kabul"} <= set(search_words(kabul["t"]))  # found by its title
    assert {"afghanistan", "august", "2021"} <= set(kabul["w"].split())  # and other words
    assert "kabul" not in kabul["w"].split()  # title words are not repeated
    report = next(e for e in entries if e["k"] == "article" and e["u"] == "articles/report/")
    assert report["d"] == "5 September 2023" and "example" in report["w"].split()
    for entry in entries:
        assert (site / entry["u"] / "index.html").is_file()
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert '<script src="../search/index.js" defer></script>' in page


def _results(tab) -> list[dict]:
    """Each result as a reader sees it (what only screen readers get left out)."""
    return tab.eval_on_selector_all(
        "#search-results li",
        """items => { const shown = node => { const copy = node.cloneNode(true);
            copy.querySelectorAll('.visually-hidden').forEach(n => n.remove());
            return copy.textContent; };
          return items.map(li => ({
            title: li.querySelector('a').textContent,
            href: li.querySelector('a').getAttribute('href'),
            meta: shown(li.querySelector('.meta')),
        })); }""",
    )


def test_search_with_the_keyboard_under_a_sub_path(site: Path) -> None:
    with serve({"/tl/": site}) as origin, chromium() as browser:
        tab = browser.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(origin + "/tl/search/")
        assert tab.evaluate("document.activeElement.id") == "search-q"
        tab.keyboard.type("kab")
        results = _results(tab)
        assert results[0] == {
            "title": "Taliban take Kabul",
            "href": "../events/taliban-takeover/",
            "meta": "Event · c. August 2021",
        }
        assert tab.text_content("#search-status").startswith("2 results.")  # the seed cites Kabul
        # Heard as the pages say it: in words, without "c." or a "dot" between.
        heard = tab.locator("#search-results li .meta").first.aria_snapshot()
        assert "Event approximately August 2021" in " ".join(heard.replace("- text:", "").split())
        assert "c." not in heard and "·" not in heard
        assert results[1]["meta"].startswith("Article · ")
        assert tab.evaluate("location.search") == "?q=kab"
        tab.keyboard.press("ArrowDown")
        assert tab.evaluate("document.activeElement.textContent") == "Taliban take Kabul"
        tab.keyboard.press("ArrowUp")
        assert tab.evaluate("document.activeElement.id") == "search-q"
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("Enter")
        tab.wait_for_url(origin + "/tl/events/taliban-takeover/")
        tab.go_back()
        tab.wait_for_url(re.compile(r".*/tl/search/\?q=kab$"))
        tab.wait_for_selector("#search-results li")
        assert tab.input_value("#search-q") == "kab"
        tab.click("h1")
        tab.keyboard.press("/")
        assert tab.evaluate("document.activeElement.id") == "search-q"
    assert errors == []


def test_results_rank_titles_first_and_show_articles(site: Path) -> None:
    with serve({"/": site}) as origin, chromium() as browser:
        tab = browser.new_page()
        tab.goto(origin + "/search/?q=border")
        tab.wait_for_selector("#search-results li")
        results = _results(tab)
        titles = {r["title"] for r in results[:2]}
        assert titles == {"A report on the border", "Three militants killed near the border"}
        report = next(r for r in results if r["title"] == "A report on the border")
        assert report["meta"] == "Article · 5 September 2023"
        tab.fill("#search-q", "putin bishkek")
        results = _results(tab)
        assert results[0]["title"] == "Putin warns about Afghanistan at CIS meeting"
        assert [r["meta"].split(" · ")[0] for r in results] == ["Event", "Article"]
        tab.fill("#search-q", "dusanbe cafe")
        assert [r["title"] for r in _results(tab)] == ["Café talks in Dušanbe"]
        snippet_text = tab.text_content("#search-results .snippet")
        assert "<img src=x onerror=" in snippet_text  # shown as text
        assert tab.evaluate("window.pwned") is None
        assert tab.eval_on_selector_all("#search-results img", "els => els.length") == 0
        tab.fill("#search-q", "zzzz")
        assert _results(tab) == []
        assert tab.text_content("#search-status") == "No results for “zzzz”."


def test_a_query_word_finds_the_start_of_a_word_never_its_inside(site: Path) -> None:
    """A query word finds the start of a word ("kab", Kabul) in a title or in the other words;
    "abul" and "aliban", inside Kabul and Taliban, find nothing."""
    with serve({"/": site}) as origin, chromium() as browser:
        tab = browser.new_page()
        tab.goto(origin + "/search/?q=taliban")
        tab.wait_for_selector("#search-results li")
        assert "Taliban take Kabul" in [r["title"] for r in _results(tab)]
        for inside in ("aliban", "abul", "ilitants"):
            tab.fill("#search-q", inside)
            assert _results(tab) == []
            assert tab.text_content("#search-status") == f"No results for “{inside}”."
        tab.fill("#search-q", "afghanist")  # in an event's other words, not its title
        assert "Taliban take Kabul" in [r["title"] for r in _results(tab)]


def test_results_mark_the_words_the_query_found(site: Path) -> None:
    """Each word of a title or snippet that a query word begins is in <mark>, whole, however
    it is accented; the rest stays plain text, and markup in the text stays text."""
    with serve({"/": site}) as origin, chromium() as browser:
        tab = browser.new_page()
        tab.goto(origin + "/search/?q=dusanbe+caf")
        tab.wait_for_selector("#search-results li mark")
        marks = tab.eval_on_selector_all(
            "#search-results li",
            "items => items.map(li => [...li.querySelectorAll('mark')].map(m => m.textContent))",
        )
        assert marks == [["Café", "Dušanbe", "café"]]
        assert tab.text_content("#search-results li a") == "Café talks in Dušanbe"
        snippet_text = tab.text_content("#search-results .snippet")
        assert snippet_text.startswith("Envoys met in a café. <img src=x onerror=")
        assert tab.evaluate("window.pwned") is None
        tab.fill("#search-q", "putin bishkek")
        first = tab.locator("#search-results li").first
        assert first.locator("a mark").all_text_contents() == ["Putin"]
        assert "Bishkek" in first.locator(".snippet mark").all_text_contents()


SCRIPTS = """\
- id: dari-name
  date: 2022-06-01
  title: مُحَمَّد نبی عمری در کابل
  summary: Vowel points, which Dari text may or may not carry.
  countries: [AF]
  sources: [{url: "https://news.example/dari"}]
- id: hindi-name
  date: 2022-06-02
  title: हिन्दी समाचार on Kabul
  summary: Vowel signs spell the word.
  countries: [AF]
  sources: [{url: "https://news.example/hindi"}]
"""


def test_words_in_other_scripts_are_found_whole(project: Path) -> None:
    """A word spelt with combining marks is one word, not its letters: Dari's optional
    vowel points are found without them (readers type محمد), and the vowel signs of
    Devanagari stay part of the word, which is marked whole."""
    write(project / "content" / "events" / "scripts.yaml", SCRIPTS)
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    assert search_words("مُحَمَّد نبی") == ["محمد", "نبی"]
    assert search_words("हिन्दी समाचार") == ["हिन्दी", "समाचार"]
    with serve({"/": project / "site"}) as origin, chromium() as browser:
        tab = browser.new_page()
        tab.goto(origin + "/search/?q=" + "محمد")
        tab.wait_for_selector("#search-results li mark")
        assert [r["title"] for r in _results(tab)] == ["مُحَمَّد نبی عمری در کابل"]
        assert tab.locator("#search-results li a mark").all_text_contents() == ["مُحَمَّد"]
        tab.fill("#search-q", "हिन्दी")
        tab.wait_for_function(
            "document.querySelector('#search-results li a') &&"
            " document.querySelector('#search-results li a').textContent"
            ".startsWith('हिन्दी')"
        )
        assert tab.locator("#search-results li a mark").all_text_contents() == ["हिन्दी"]
        tab.fill("#search-q", "हन")  # its letters without the signs are another word
        assert _results(tab) == []


def test_the_client_splits_and_folds_words_as_the_index_does() -> None:
    """The client's own `words()`, taken from search.js and run in Chromium, gives the words
    `search_words` gives for texts mixing scripts, accents, marks and punctuation."""
    source = CLIENT.read_text(encoding="utf-8")
    folded = re.search(r"var FOLDED = .*?;\n", source).group(0)
    words = re.search(r"function words\(text\) \{.*?\n  \}", source, re.DOTALL).group(0)
    rng = random.Random(11)
    alphabet = "aZ9 _-'.é\u0301ßΣςİ" + "مُحَمَّدپ\u0670" + "हिन्दी\u093c" + "שָׁלוֹם־" + "ДушанбеҶ" + "한국"
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(1, 12))) for _ in range(1500)]
    with chromium() as browser:
        tab = browser.new_page()
        client = tab.evaluate(f"texts => {{ {folded} {words} return texts.map(words); }}", texts)
    for text, got in zip(texts, client, strict=True):
        assert list(dict.fromkeys(got)) == search_words(text), text  # the index's are distinct


def test_both_scripts_fold_the_marks_the_index_folds() -> None:
    """search.js and the timeline's filter (timeline.js) drop the very marks `search_words`
    drops: each writes the list out, as the theme's scripts have no build step."""
    expected = FOLDED_MARKS.encode("unicode_escape").decode("ascii")
    for script in (CLIENT, CLIENT.with_name("timeline.js")):
        classes = re.findall(r"/\[(\\u0300[^\]]*)\]/g", script.read_text(encoding="utf-8"))
        assert classes == [expected], script.name


def test_when_no_result_has_every_word_those_with_the_most_are_shown(site: Path) -> None:
    """A typo or a stale word no longer empties the results: when no entry has every query
    word, those with the most of them are shown, and the status says so."""
    with serve({"/": site}) as origin, chromium() as browser:
        tab = browser.new_page()
        tab.goto(origin + "/search/?q=putin+bishkekk+cis")
        tab.wait_for_selector("#search-results li")
        assert _results(tab)[0]["title"] == "Putin warns about Afghanistan at CIS meeting"
        status = tab.text_content("#search-status")
        assert status.startswith("No result has every word; these have 2 of 3. ")
        assert all("bishkekk" not in r["title"].lower() for r in _results(tab))
        tab.fill("#search-q", "zzzz qqqq")
        assert _results(tab) == []
        assert tab.text_content("#search-status") == "No results for “zzzz qqqq”."
        tab.fill("#search-q", "putin cis")  # every word matches: no partial results mixed in
        assert tab.text_content("#search-status").startswith(f"{len(_results(tab))} result")


def test_more_results_than_a_page_shows_are_shown_on_request(project: Path) -> None:
    """A query matching more than the first fifty entries offers the rest, fifty at a time,
    and the keyboard lands on the first of those just shown."""
    events = "".join(
        f"- {{date: 2022-03-{1 + n % 28:02d}, title: Convoy number {n} crosses,"
        ' sources: [{url: "https://news.example/c"}]}\n'
        for n in range(120)
    )
    write(project / "content" / "events" / "convoys.yaml", events)
    result = run_timeline("build", str(project))
    assert result.code == 0, result.err
    with serve({"/": project / "site"}) as origin, chromium() as browser:
        tab = browser.new_page()
        tab.goto(origin + "/search/?q=convoy")
        tab.wait_for_selector("#search-results li")
        status = tab.locator("#search-status")
        assert status.inner_text().startswith("120 results, the first 50 shown.")
        more = tab.get_by_role("button", name="Show 50 more")
        more.click()
        assert tab.locator("#search-results li").count() == 100
        assert status.inner_text().startswith("120 results, the first 100 shown.")
        focused = tab.evaluate("document.activeElement.closest('li')")
        assert focused is not None
        assert (
            tab.evaluate(
                "[...document.querySelectorAll('#search-results li')]"
                ".indexOf(document.activeElement.closest('li'))"
            )
            == 50
        )
        tab.get_by_role("button", name="Show 20 more").click()
        assert tab.locator("#search-results li").count() == 120
        assert tab.get_by_role("button", name=re.compile("more")).is_hidden()
        assert status.inner_text() == "120 results. Press ↓ to go through them."
        tab.fill("#search-q", "convoy number 7")  # a new query starts at fifty again
        assert tab.get_by_role("button", name=re.compile("more")).is_hidden()


def test_search_works_from_disk(site: Path) -> None:
    with chromium() as browser:
        tab = browser.new_page()
        tab.goto((site / "search" / "index.html").as_uri() + "?q=rocket")
        tab.wait_for_selector("#search-results li")
        result = _results(tab)[0]
        assert result["title"] == "Rocket fire into Tajikistan"
        assert result["meta"] == "Event · October 2021 – October 2023"
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("Enter")
        tab.wait_for_url(re.compile(r".*/events/2021-10-2023-10-rocket-fire-into-tajikistan/"))
