"""One test per validation rule, through the real `timeline build`.

Each case starts from a project that built successfully, breaks one thing, and runs the
build again. It must fail with exit status 1, print `path:line:col: error: message` for the
exact place of the mistake and a message that says what to do, never show a traceback, and
leave every byte of the previous site as it was.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import SEED, run_timeline, write

SITE_YAML = """\
title: Rules
description: Validation fixture.
language: en
categories:
  attack: Attack
  diplomacy: Diplomacy
actors:
  Taliban: []
"""

REPORT_MD = """\
---
title: A report on the border
date: 2023-09-05
author: Jane Doe
url: https://news.example/report
---
Body.
"""

EVENTS_YAML = """\
- date: 2023-10-13
  title: Putin warns about Afghanistan
  countries: [RU, Tajikistan]
  category: diplomacy
  importance: 3
  sources: [{article: seed}]
- id: border-clash
  date: 2023-09
  title: Clash on the border
  category: attack
  sources:
    - article: report
"""


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid project, built once; each test breaks its own copy."""
    root = tmp_path_factory.mktemp("rules") / "proj"
    write(root / "content" / "site.yaml", SITE_YAML)
    write(root / "content" / "articles" / "report.md", REPORT_MD)
    (root / "content" / "articles" / "seed.txt").write_bytes(SEED.read_bytes())
    write(root / "content" / "events" / "main.yaml", EVENTS_YAML)
    result = run_timeline("build", str(root))
    assert result.code == 0, result.err
    assert result.err == ""
    return root


@pytest.fixture
def proj(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built project (content and site)."""
    copy = tmp_path / "proj"
    shutil.copytree(built, copy, symlinks=True)
    return copy


@dataclass
class Case:
    """One broken project: files to write (text or bytes; None deletes) and what is expected."""

    files: dict[str, str | bytes | None]
    where: str  # "path:line:col"
    message: str  # the start of the message after "error: "
    also: list[str] = field(default_factory=list)  # further fragments of the same line


def _event(extra: str, date: str = "2023-10-13", title: str = "An event") -> str:
    return f"date: {date}\ntitle: {title}\nsources: [{{url: 'https://a.example/x'}}]\n{extra}"


EV = "content/events/bad.yaml"
DUP = "content/events/next.yaml"  # read after main.yaml, so it is the one that repeats
ART = "content/articles/bad.md"
SITE = "content/site.yaml"

CASES = {
    # site.yaml
    "site unknown key (typo)": Case(
        {SITE: SITE_YAML + "titel: Oops\n"},
        f"{SITE}:9:1",
        "unknown field 'titel' in site.yaml; did you mean 'title'?",
    ),
    "site unknown key without a close match": Case(
        {SITE: SITE_YAML + "colour: red\n"},
        f"{SITE}:9:1",
        "unknown field 'colour' in site.yaml; allowed: title, description",
    ),
    "site title of the wrong type": Case(
        {SITE: "title: [a, b]\n"}, f"{SITE}:1:8", "'title' must be text, not a list"
    ),
    "site base_url not a web address": Case(
        {SITE: SITE_YAML + "base_url: ftp://example.org/\n"},
        f"{SITE}:9:11",
        "base_url must be an absolute http(s) URL, such as https://example.org/timeline/",
    ),
    "site base_url without https://": Case(
        {SITE: SITE_YAML + "base_url: example.org/timeline/\n"},
        f"{SITE}:9:11",
        "base_url must be an absolute http(s) URL, such as 'https://example.org/timeline/'",
    ),
    "site language a name, not a tag": Case(
        {SITE: "title: x\nlanguage: English\n"},
        f"{SITE}:2:11",
        "language 'English' must be a language tag such as en, ru or fa-AF (BCP 47); "
        "did you mean 'en' (English)?",
    ),
    "site language a name with no two-letter tag": Case(
        {SITE: "title: x\nlanguage: Dari\n"},
        f"{SITE}:2:11",
        "language 'Dari' must be a language tag such as en, ru or fa-AF (BCP 47); "
        "did you mean 'prs' (Dari)?",
    ),
    "site language with an underscore": Case(
        {SITE: "title: x\nlanguage: en_US\n"},
        f"{SITE}:2:11",
        "language 'en_US' must be a language tag such as en, ru or fa-AF (BCP 47); "
        "did you mean 'en-US'?",
    ),
    "site categories not a mapping": Case(
        {SITE: "title: x\ncategories: [attack]\n"},
        f"{SITE}:2:13",
        "categories must be a mapping of key: label",
    ),
    "site category key invalid": Case(
        {SITE: SITE_YAML.replace("  diplomacy:", "  Diplo Macy:")},
        f"{SITE}:6:3",
        "category key 'Diplo Macy' must use a-z, 0-9 and -, as 'diplo-macy'",
    ),
    "site category key in another script": Case(
        {SITE: SITE_YAML.replace("  diplomacy:", "  дипломатия:")},
        f"{SITE}:6:3",
        "category key 'дипломатия' must use a-z, 0-9 and -, as 'diplomatiya'",
    ),
    "site theme not a folder name": Case(
        {SITE: SITE_YAML + "theme: ../../etc\n"},
        f"{SITE}:9:8",
        "theme must be a folder name such as default",
    ),
    "site theme unknown": Case(
        {SITE: SITE_YAML + "theme: fancy\n"},
        f"{SITE}:9:8",
        "theme 'fancy' not found in the project's themes/ nor among the shipped themes: "
        "use one of default, or make the folder themes/fancy/",
    ),
    "site.yaml not a mapping": Case(
        {SITE: "- title\n"}, f"{SITE}:1:1", "site.yaml must be a mapping of settings"
    ),
    "site.yaml invalid YAML": Case(
        {SITE: "title: x\n  description: y\n"}, f"{SITE}:2:14", "a colon followed by a space"
    ),
    # events: fields and types
    "event unknown field with did-you-mean": Case(
        {EV: _event("sumary: typo\n")},
        f"{EV}:4:1",
        "unknown field 'sumary' in an event; did you mean 'summary'?",
    ),
    "event unknown field without a close match": Case(
        {EV: _event("colour: red\n")},
        f"{EV}:4:1",
        "unknown field 'colour' in an event; allowed: date, title, summary",
    ),
    "event date missing": Case(
        {EV: "title: No date\nsources: [{url: 'https://a.example/'}]\n"},
        f"{EV}:1:1",
        "missing required field 'date': add a line date: 2023-10-13",
    ),
    "event date written but empty": Case(
        {EV: "date:\ntitle: x\nsources: [{url: 'https://a.example/'}]\n"},
        f"{EV}:1:6",
        "'date' is empty: write one after the colon, as date: 2023-10-13",
    ),
    "event title written but empty": Case(
        {EV: "date: 2023-10-13\ntitle:\nsources: [{url: 'https://a.example/'}]\n"},
        f"{EV}:2:7",
        "'title' is empty: write one after the colon, as title: ...",
    ),
    "event title missing": Case(
        {EV: "date: 2023-10-13\nsources: [{url: 'https://a.example/'}]\n"},
        f"{EV}:1:1",
        "missing required field 'title': add a line title: ...",
    ),
    "event title empty": Case(
        {EV: _event("", title='""')}, f"{EV}:2:8", "'title' must not be empty: write one"
    ),
    "event title of the wrong type": Case(
        {EV: _event("", title="{text: x}")}, f"{EV}:2:8", "'title' must be text, not a mapping"
    ),
    "event title on two lines": Case(
        {EV: _event("", title='"one\\ntwo"')}, f"{EV}:2:8", "'title' must be one line"
    ),
    "event summary of the wrong type": Case(
        {EV: _event("summary: [a]\n")}, f"{EV}:4:10", "'summary' must be text, not a list"
    ),
    "event tags of the wrong type": Case(
        {EV: _event("tags: {a: b}\n")},
        f"{EV}:4:7",
        "'tags' must be text or a list of texts, not a mapping",
    ),
    "event tag item of the wrong type": Case(
        {EV: _event("tags: [ok, [nested]]\n")},
        f"{EV}:4:12",
        "each of 'tags' must be text, not a list",
    ),
    "event draft not true/false": Case(
        {EV: _event("draft: maybe\n")}, f"{EV}:4:8", "'draft' must be true or false, not text"
    ),
    "events file is not events": Case(
        {EV: "just words\n"},
        f"{EV}:1:1",
        "an events file holds one event (a mapping) or a list of events: "
        "start it with date: and title: lines, or a '- date:' line for each event",
    ),
    "event list item is not a mapping": Case(
        {EV: "- " + _event("").replace("\n", "\n  ") + "\n- just words\n"},
        f"{EV}:5:3",
        "each event must be a mapping (date:, title: ...)",
    ),
    # events: dates
    "impossible date": Case(
        {EV: _event("", date="2023-02-30")},
        f"{EV}:1:7",
        "2023-02-30 is not a real date: February 2023 has 28 days",
    ),
    "impossible month": Case({EV: _event("", date="2023-13")}, f"{EV}:1:7", "'2023-13'"),
    "date in the wrong format": Case(
        {EV: _event("", date="13/10/2023")}, f"{EV}:1:7", "'13/10/2023' is not an EDTF date"
    ),
    "interval ending before it starts": Case(
        {EV: _event("", date="2023-10/2021-10")},
        f"{EV}:1:7",
        "'2023-10/2021-10' is not a valid interval: it ends (October 2021) before it starts",
    ),
    "date an unquoted year beyond four digits": Case(
        {EV: _event("", date="20233")},
        f"{EV}:1:7",
        "'20233' is not an EDTF date: write years beyond four digits with a Y in front, as Y20233",
    ),
    "date an unquoted YYYYMMDD": Case(
        {EV: _event("", date="20230505")},
        f"{EV}:1:7",
        "'20230505' is not an EDTF date: did you mean 2023-05-05?",
    ),
    "source date impossible": Case(
        {
            EV: "date: 2023-10-13\ntitle: x\nsources:\n  - url: https://a.example/\n"
            "    date: 2023-04-31\n"
        },
        f"{EV}:5:11",
        "2023-04-31 is not a real date",
    ),
    # events: ids
    "bad id": Case(
        {EV: _event("id: Bad_Id\n")},
        f"{EV}:4:5",
        "id 'Bad_Id' must use only a-z, 0-9 and -, as 'bad-id'",
    ),
    "id too long for a folder name": Case(
        {EV: _event("id: " + "a" * 300 + "\n")},
        f"{EV}:4:5",
        "this id is 300 characters long, too long for the folder events/ID/ it names on many "
        "file systems: shorten it to at most 200 characters",
    ),
    "article file name too long for a folder name": Case(
        {f"content/articles/{'a' * 201}.md": "---\ntitle: x\ndate: 2023-01-01\n---\nBody\n"},
        f"content/articles/{'a' * 201}.md:1:1",
        "this file name is 201 characters long, too long for the folder articles/NAME/",
    ),
    "duplicate id across files": Case(
        {DUP: _event("id: border-clash\n")},
        f"{DUP}:4:5",
        "duplicate event id 'border-clash': content/events/main.yaml:7:7 has it too; "
        "give one of them a different id: field",
    ),
    "duplicate default id across files": Case(
        {
            DUP: "- date: 2023-10-13\n  title: Putin warns about Afghanistan\n"
            "  sources: [{url: 'https://a.example/'}]\n"
        },
        f"{DUP}:1:3",
        "duplicate event id '2023-10-13-putin-warns-about-afghanistan' (made from the date and "
        "title): content/events/main.yaml:1:3 has it too",
    ),
    # events: terms whose pages would share a folder
    "tags that share a folder in one event": Case(
        {EV: _event('tags: [example, "C#", c]\n')},
        f"{EV}:4:23",
        f"tag 'c' and tag 'C#' ({EV}:4:17) would both be published at tags/c/: "
        "spell them the same, or rename one",
    ),
    "tags that differ only in case, across files": Case(
        {EV: _event("tags: [Kabul]\n"), DUP: _event("tags: [border, kabul]\n")},
        f"{DUP}:4:16",
        f"tag 'kabul' and tag 'Kabul' ({EV}:4:8) would both be published at tags/kabul/: "
        "spell them the same, or rename one",
    ),
    "tags in Arabic script whose transliterations meet, across files": Case(
        # Different words: sad and sin are both "s", and the vowels are not written.
        {EV: _event("tags: [صبر]\n"), DUP: _event("tags: [border, سبر]\n")},
        f"{DUP}:4:16",
        f"tag 'سبر' and tag 'صبر' ({EV}:4:8) would both be published at tags/sbr/: "
        "spell them the same, or rename one",
    ),
    "a tag in Latin and in Cyrillic letters in one event": Case(
        {EV: _event("tags: [Kabul, Кабул]\n")},
        f"{EV}:4:15",
        f"tag 'Кабул' and tag 'Kabul' ({EV}:4:8) would both be published at tags/kabul/: "
        "spell them the same, or rename one",
    ),
    "an actor site.yaml does not list, in the folder of one it does": Case(
        # "taliban" is site.yaml's "Taliban" (one term); "Taliban." is a term of its own.
        {EV: _event("actors: [taliban, Taliban.]\n")},
        f"{EV}:4:19",
        f"actor 'Taliban.' and actor 'Taliban' ({EV}:4:10) would both be published at "
        "actors/taliban/: spell them the same (or list one as an alias of the other under "
        "actors in site.yaml), or rename one",
    ),
    "categories that share a folder": Case(
        {
            SITE: SITE_YAML.replace("  attack: Attack\n", "  aux: Aux\n  aux-1: Aux one\n"),
            "content/events/main.yaml": EVENTS_YAML.replace("attack", "aux"),
            DUP: _event("category: aux-1\n"),
        },
        f"{DUP}:4:11",
        "category 'aux-1' and category 'aux' (content/events/main.yaml:10:13) would both be "
        "published at categories/aux-1/: rename one of the two keys of categories in site.yaml",
    ),
    # events: vocabularies
    "unknown category with did-you-mean": Case(
        {EV: _event("category: atack\n")},
        f"{EV}:4:11",
        "unknown category 'atack'; did you mean 'attack'?",
    ),
    "unknown category without a close match": Case(
        {EV: _event("category: weather\n")},
        f"{EV}:4:11",
        "unknown category 'weather': use a key of categories in site.yaml (attack, diplomacy) "
        "or add it there",
    ),
    "unknown country with did-you-mean": Case(
        {EV: _event("countries: [TJ, Tajikstan]\n")},
        f"{EV}:4:17",
        "unknown country 'Tajikstan': use an ISO 3166 alpha-2 code or English name; "
        "did you mean 'Tajikistan'?",
    ),
    "several countries written as one text": Case(
        {EV: _event("countries: Tajikistan, AF\n")},
        f"{EV}:4:12",
        "unknown country 'Tajikistan, AF': use an ISO 3166 alpha-2 code or English name; "
        "to give several, write a list: [Tajikistan, AF]",
    ),
    "unknown country code": Case(
        {EV: _event("countries: XZ\n")}, f"{EV}:4:12", "unknown country 'XZ'"
    ),
    # events: sources
    "source naming an unknown article": Case(
        {EV: _event("", title="x").replace("{url: 'https://a.example/x'}", "{article: reprot}")},
        f"{EV}:3:21",
        "no article with id 'reprot'; did you mean 'report'?",
    ),
    "source naming an unknown article without a close match": Case(
        {EV: _event("", title="x").replace("{url: 'https://a.example/x'}", "{article: nothing}")},
        f"{EV}:3:21",
        "no article with id 'nothing': add content/articles/nothing.md (or import its clipping "
        "with `timeline import`), or cite the story with url: https://...",
    ),
    "source with neither article nor url": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsources:\n  - title: Just a title\n"},
        f"{EV}:4:5",
        "a source needs an article: ID or a url: add article: NAME (its file in "
        "content/articles) or url: https://...",
    ),
    "source url without its scheme": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsources:\n  - url: www.wire.example/a\n"},
        f"{EV}:4:10",
        "a source url must be an absolute http(s) address; "
        "did you mean 'https://www.wire.example/a'?",
    ),
    "source url not a web address": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsources:\n  - url: javascript:alert(1)\n"},
        f"{EV}:4:10",
        "a source url must be an absolute http(s) address",
    ),
    "source url with a user name": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsources:\n  - url: https://editor@wire.example/a\n"},
        f"{EV}:4:10",
        "the address holds a user name or password (user:...@), which the site would publish",
    ),
    "summary link with a password": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsummary: See [it](https://ed:pw@wire.example/a).\n"},
        f"{EV}:3:19",
        "the address holds a user name or password (user:...@), which the site would publish",
    ),
    "source unknown field": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsources:\n  - url: https://a.example/\n    titel: T\n"},
        f"{EV}:5:5",
        "unknown field 'titel' in a source; did you mean 'title'?",
    ),
    "sources not a list": Case(
        {EV: "date: 2023-10-13\ntitle: x\nsources: https://a.example/\n"},
        f"{EV}:3:10",
        "sources must be a list of {article: ID} or {url: ...}",
    ),
    # events: numbers and places
    "importance above the range": Case(
        {EV: _event("importance: 4\n")}, f"{EV}:4:13", "importance must be 1 (minor), 2 or 3"
    ),
    "importance below the range": Case(
        {EV: _event("importance: 0\n")}, f"{EV}:4:13", "importance must be 1 (minor), 2 or 3"
    ),
    "importance as a word": Case(
        {EV: _event("importance: high\n")}, f"{EV}:4:13", "importance must be 1 (minor), 2 or 3"
    ),
    "latitude out of range": Case(
        {EV: _event("location: {name: Somewhere, lat: 91, lon: 10}\n")},
        f"{EV}:4:34",
        "lat must be between -90 and 90",
    ),
    "location with one coordinate": Case(
        {EV: _event("location: {name: Somewhere, lat: 10}\n")},
        f"{EV}:4:11",
        "give both lat and lon, or neither",
    ),
    "location unknown field": Case(
        {EV: _event("location: {name: Somewhere, lng: 10}\n")},
        f"{EV}:4:29",
        "unknown field 'lng' in location",
    ),
    # events: file-level problems
    "invalid YAML": Case(
        {EV: "date: 2023-10-13\ntitle: 'unclosed\n"},
        f"{EV}:2:8",
        "the quoted text opened on line 2, column 8 is never closed: add the closing quote",
    ),
    "an apostrophe inside single quotes": Case(
        {EV: "date: 2023-10-13\ntitle: 'Taliban's new order'\n"},
        f"{EV}:2:16",
        "this ' ends the text quoted from column 8, and more text follows it: to write ' "
        "inside '...', write it twice (''), or quote the whole text with \"...\"",
    ),
    "a double quote inside double quotes": Case(
        {EV: 'date: 2023-10-13\ntitle: "He said "no" today"\n'},
        f"{EV}:2:17",
        'this " ends the text quoted from column 8, and more text follows it: to write " '
        'inside "...", write it as \\", or quote the whole text with \'...\'',
    ),
    "a quote left open until the next line's quote": Case(
        {EV: "date: 2023-10-13\ntitle: 'A\nsources: [{url: 'https://a.example/'}]\n"},
        f"{EV}:2:8",
        "the text quoted here runs on to the ' on line 3, column 17: add its closing ' on line 2",
    ),
    "an apostrophe inside single quotes in front matter": Case(
        {ART: "---\ntitle: 'It's'\ndate: 2023-10-01\n---\nBody\n"},
        f"{ART}:2:11",
        "this ' ends the text quoted from column 8",
    ),
    "duplicate key": Case(
        {EV: _event("title: Again\n")},
        f"{EV}:4:1",
        "duplicate key 'title' (first given on line 2)",
    ),
    "unsafe tag": Case(
        {EV: _event("summary: !!python/object/apply:os.system ['true']\n")},
        f"{EV}:4:10",
        "the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    "an events file saved as UTF-16": Case(
        {EV: "\ufeffdate: 2023-10-13\ntitle: x\n".encode("utf-16-le")},
        f"{EV}:1:1",
        "the file is UTF-16 (it starts with UTF-16's byte-order mark; Windows editors call it "
        "Unicode): save it as UTF-8",
    ),
    "an article saved as big-endian UTF-16": Case(
        {ART: "\ufeff---\ntitle: x\ndate: 2023-01-01\n---\nBody\n".encode("utf-16-be")},
        f"{ART}:1:1",
        "the file is UTF-16",
    ),
    "non-UTF-8 bytes": Case(
        {EV: b"date: 2023-10-13\ntitle: Caf" + b"\xe9\n"},
        f"{EV}:2:11",
        "the file is not UTF-8: byte 0xE9 cannot be decoded; save the file as UTF-8",
    ),
    # articles
    "front matter never closed": Case(
        {ART: "---\ntitle: x\ndate: 2023-01-01\nBody\n"},
        f"{ART}:1:1",
        "front matter opened on line 1 is never closed: add a line with ---",
    ),
    "front matter missing": Case(
        {ART: "# Just Markdown\n"},
        f"{ART}:1:1",
        "an article must start with front matter: a line with ---",
    ),
    "front matter invalid YAML": Case(
        {ART: "---\ntitle: x\ndate: 2023-01-01\nauthor: [a, b\n---\nBody\n"},
        f"{ART}:5:1",
        "the list opened with [ on line 4, column 9 is not closed properly",
    ),
    "front matter not a mapping": Case(
        {ART: "---\n- a\n- b\n---\nBody\n"},
        f"{ART}:2:1",
        "front matter must be a mapping of fields (title: ...)",
    ),
    "article unknown field": Case(
        {ART: "---\ntitle: x\ndate: 2023-01-01\nauthors: [a]\n---\nBody\n"},
        f"{ART}:4:1",
        "unknown field 'authors' in an article; did you mean 'author'?",
    ),
    "article impossible date": Case(
        {ART: "---\ntitle: x\ndate: 2023-02-29\n---\nBody\n"},
        f"{ART}:3:7",
        "2023-02-29 is not a real date",
    ),
    "article title missing": Case(
        {ART: "---\ndate: 2023-02-01\n---\nBody\n"},
        f"{ART}:2:1",
        "missing required field 'title': add a line title: ...",
    ),
    "article url not a web address": Case(
        {ART: "---\ntitle: x\ndate: 2023-01-01\nurl: javascript:alert(1)\n---\nBody\n"},
        f"{ART}:4:6",
        "url must be an absolute http(s) address",
    ),
    "article url without its scheme": Case(
        {ART: "---\ntitle: x\ndate: 2023-01-01\nurl: news.example/a\n---\nBody\n"},
        f"{ART}:4:6",
        "url must be an absolute http(s) address; did you mean 'https://news.example/a'?",
    ),
    "article unknown country": Case(
        {ART: "---\ntitle: x\ndate: 2023-01-01\ncountries: [Narnia]\n---\nBody\n"},
        f"{ART}:4:13",
        "unknown country 'Narnia'",
    ),
    "article url with a password": Case(
        {
            ART: "---\ntitle: x\ndate: 2023-01-01\nurl: https://ed:s3cret@news.example/a\n---\nBody\n"
        },
        f"{ART}:4:6",
        "the address holds a user name or password (user:...@), which the site would publish",
    ),
    "article file name not an id": Case(
        {"content/articles/bad name.md": "---\ntitle: x\ndate: 2023-01-01\n---\nBody\n"},
        "content/articles/bad name.md:1:1",
        "file name 'bad name' must use only letters, digits, _, . and -, as 'bad-name'",
    ),
    "duplicate article id across files": Case(
        {"content/articles/report.txt": SEED.read_text(encoding="utf-8")},
        "content/articles/report.txt:1:1",
        "duplicate article id 'report': content/articles/report.md:1:1 has it too; rename one",
    ),
    "clipping without a byline": Case(
        {"content/articles/clip.txt": "Just a paragraph.\n\nhttps://a.example/story/\n"},
        "content/articles/clip.txt:1:1",
        "the first line is not a byline: expected a byline such as `By ",
    ),
    # pages
    "page file name in another script": Case(
        {"content/pages/о-нас.md": "---\ntitle: О нас\n---\nBody\n"},
        "content/pages/о-нас.md:1:1",
        "page file name 'о-нас' must use only a-z, 0-9 and -, as 'o-nas'",
    ),
    "page title missing": Case(
        {"content/pages/about.md": "---\ndescription: x\n---\nBody\n"},
        "content/pages/about.md:2:1",
        "missing required field 'title': add a line title: ...",
    ),
    "page name taken by the periods of a long timeline": Case(
        {"content/pages/periods.md": "---\ntitle: Periods\n---\nBody\n"},
        "content/pages/periods.md:1:1",
        "page name 'periods' is taken by the site itself: rename the file",
    ),
    "page name taken by the site": Case(
        {"content/pages/events.md": "---\ntitle: Events\n---\nBody\n"},
        "content/pages/events.md:1:1",
        "page name 'events' is taken by the site itself: rename the file",
    ),
}


def _apply(root: Path, files: dict[str, str | bytes | None]) -> None:
    for rel, body in files.items():
        path = root / rel
        if body is None:
            path.unlink()
        elif isinstance(body, bytes):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_rule(proj: Path, name: str) -> None:
    case = CASES[name]
    before = _snapshot(proj / "site")
    _apply(proj, case.files)
    result = run_timeline("build", str(proj))
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    expected = f"{case.where}: error: {case.message}"
    lines = result.err.splitlines()
    assert any(line.startswith(expected) for line in lines), result.err
    for fragment in case.also:
        assert any(line.startswith(expected) and fragment in line for line in lines)
    assert lines[-1] == "build failed: the previous site was left as it was"
    assert _snapshot(proj / "site") == before
    leftovers = [p.name for p in proj.iterdir() if p.name.startswith(".timeline-")]
    assert leftovers == []


def test_check_reports_terms_that_would_share_a_folder(proj: Path) -> None:
    case = CASES["tags that differ only in case, across files"]
    _apply(proj, case.files)
    result = run_timeline("check", str(proj))
    assert result.code == 1, result.out + result.err
    assert f"{case.where}: error: {case.message}" in result.err.splitlines()


def test_a_drafts_term_shares_no_folder_until_drafts_are_published(proj: Path) -> None:
    """A draft makes no term page unless the build takes drafts: its spelling of a tag
    clashes with a published one's only then, and before that the site builds."""
    write(proj / EV, _event("tags: [Kabul]\n"))
    write(proj / DUP, _event("tags: [kabul]\ndraft: true\n", title="A draft"))
    clash = (
        f"{DUP}:4:8: error: tag 'kabul' and tag 'Kabul' ({EV}:4:8) would both be published "
        "at tags/kabul/: spell them the same, or rename one"
    )
    for command in ("check", "build"):
        result = run_timeline(command, str(proj))
        assert result.code == 0, (command, result.err)
        assert clash not in result.err.splitlines()
    assert "An event" in (proj / "site/tags/kabul/index.html").read_text(encoding="utf-8")
    with_drafts = run_timeline("check", str(proj), "--drafts")
    assert with_drafts.code == 1, with_drafts.err
    assert clash in with_drafts.err.splitlines()


def test_countries_accept_codes_and_english_names_normalised_to_codes(proj: Path) -> None:
    write(
        proj / "content" / "events" / "names.yaml",
        """\
        id: names
        date: 2023-10-13
        title: Names and codes
        countries: [tajikistan, tj, Russia, kg, United Kingdom, UK, Türkiye, turkey]
        sources: [{url: "https://a.example/"}]
        """,
    )
    result = run_timeline("build", str(proj))
    assert result.code == 0, result.err
    events = json.loads((proj / "site" / "events.json").read_text(encoding="utf-8"))["events"]
    (event,) = [e for e in events if e["id"] == "names"]
    assert event["countries"] == ["TJ", "RU", "KG", "GB", "TR"]


def test_an_event_without_sources_is_a_warning_that_strict_turns_into_failure(proj: Path) -> None:
    write(proj / "content" / "events" / "nosrc.yaml", "date: 2023-10-13\ntitle: Unsourced\n")
    warning = (
        "content/events/nosrc.yaml:1:1: warning: this event cites no sources: "
        "add sources: [{url: ...}]"
    )
    before = _snapshot(proj / "site")

    for command in ("build", "check"):
        strict = run_timeline(command, str(proj), "--strict")
        assert strict.code == 1, (command, strict.err)
        assert warning in strict.err.splitlines()
        assert "0 errors, 1 warning" in strict.err.splitlines()
        assert "Traceback" not in strict.err
    assert _snapshot(proj / "site") == before

    check = run_timeline("check", str(proj))
    assert check.code == 0, check.err
    assert check.err.splitlines() == [warning, "0 errors, 1 warning"]

    build = run_timeline("build", str(proj))
    assert build.code == 0, build.err
    assert build.err.splitlines() == [warning, "0 errors, 1 warning"]
    assert "Unsourced" in (proj / "site" / "index.html").read_text(encoding="utf-8")


def test_ids_the_contract_allows_build_into_their_own_folders(proj: Path) -> None:
    """The contract's ids are `[a-z0-9-]+`: doubled, leading and trailing hyphens included,
    and up to 200 characters (a folder name every common file system takes)."""
    ids = ["a--b", "-x", "x-", "c" * 200]
    events = "".join(
        f"- {{id: '{i}', date: 2023-10-13, title: E{n}, sources: [{{url: 'https://a.example/'}}]}}\n"
        for n, i in enumerate(ids)
    )
    write(proj / "content" / "events" / "ids.yaml", events)
    result = run_timeline("build", str(proj))
    assert result.code == 0, result.err
    for event_id in ids:
        assert (proj / "site" / "events" / event_id / "index.html").is_file()
    index = (proj / "site" / "index.html").read_text(encoding="utf-8")
    assert 'id="-x"' in index and 'href="./events/a--b/"' in index
    csv = (proj / "site" / "events.csv").read_text(encoding="utf-8")
    assert "\n'-x," in csv  # a spreadsheet does not take the id for a formula
    assert run_timeline("check", str(proj), "--links").code == 0


@pytest.mark.parametrize(
    "site_yaml, warning",
    [
        (None, "1:1: warning: site.yaml is missing: the site is built as 'Timeline'"),
        ("", "1:1: warning: site.yaml is empty: the site is built as 'Timeline'"),
        (
            SITE_YAML.replace("title: Rules\n", ""),
            "1:1: warning: site.yaml has no title: the site is called 'Timeline'; "
            "add a line title: ...",
        ),
    ],
)
def test_a_project_builds_without_site_yaml_or_its_title(
    proj: Path, site_yaml: str | None, warning: str
) -> None:
    """A project is any folder holding content/ and no site.yaml field is required: the
    site builds as "Timeline", and a warning says what to add. (Without site.yaml no
    category is declared, so the events name none here.)"""
    events = proj / "content" / "events" / "main.yaml"
    if not site_yaml:
        lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
        events.write_text("".join(x for x in lines if "category:" not in x), encoding="utf-8")
    _apply(proj, {SITE: site_yaml})
    result = run_timeline("build", str(proj))
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert lines[0].startswith(f"{SITE}:{warning}") and lines[1:] == ["0 errors, 1 warning"]
    assert "<title>Timeline</title>" in (proj / "site" / "index.html").read_text(encoding="utf-8")
    assert run_timeline("build", str(proj), "--strict").code == 1


@pytest.mark.parametrize(
    "site_yaml, warnings",
    [(None, 1), ("", 1), ("title: Rules\n", 0), ("title: Rules\ncategories: {}\n", 0)],
)
def test_a_category_is_checked_with_or_without_site_yaml(
    proj: Path, site_yaml: str | None, warnings: int
) -> None:
    """Without site.yaml, or with an empty one, no category is declared, exactly as with a
    site.yaml that lists none: an event's category is an error at its place saying how to
    declare it (it was taken as it was, shown as its key with no colour, on a term page of
    its own). Declared as the message says, the event builds with the category's label."""
    before = _snapshot(proj / "site")
    _apply(proj, {SITE: site_yaml})
    result = run_timeline("build", str(proj))
    assert result.code == 1, result.err
    lines = result.err.splitlines()
    declare = "no categories are declared yet; add the line categories: {{{}: {}}} to {}"
    assert [x for x in lines if ": error: " in x] == [
        f"content/events/main.yaml:{line}:13: error: unknown category '{key}': "
        + declare.format(key, key.capitalize(), SITE)
        for line, key in ((4, "diplomacy"), (10, "attack"))
    ]
    assert lines[-2:] == [
        f"2 errors, {warnings} warning{'s' * (warnings != 1)}",
        "build failed: the previous site was left as it was",
    ]
    assert _snapshot(proj / "site") == before

    declared = "title: Rules\ncategories: {diplomacy: Diplomacy, attack: Attack}\n"
    _apply(proj, {SITE: declared})
    result = run_timeline("build", str(proj))
    assert result.code == 0, result.err
    page = (proj / "site" / "events" / "border-clash" / "index.html").read_text(encoding="utf-8")
    assert (
        'href="../../categories/attack/"><span class="sw" aria-hidden="true"></span>Attack' in page
    )


@pytest.mark.parametrize(
    "site_yaml, error",
    [
        ("- title\n", "1:1: error: site.yaml must be a mapping of settings"),
        ("title: x\n  description: y\n", "2:14: error: a colon followed by a space"),
        ("title: x\ncategories: [attack]\n", "2:13: error: categories must be a mapping"),
        (
            SITE_YAML.replace("attack: Attack", "attack: [x]"),
            "5:11: error: the label of category 'attack' must be text",
        ),
    ],
)
def test_a_broken_site_yaml_is_the_one_error_reported(
    proj: Path, site_yaml: str, error: str
) -> None:
    """When the categories did not load, the events are not checked against them: each
    event naming a category would bury the one real cause under errors of its own."""
    _apply(proj, {SITE: site_yaml})
    result = run_timeline("build", str(proj))
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0].startswith(f"{SITE}:{error}"), result.err
    assert lines[1:] == [
        "1 error, 0 warnings",
        "build failed: the previous site was left as it was",
    ]
