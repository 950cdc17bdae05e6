"""Slugs of text in other scripts than Latin: readable, ASCII, and no old address changed.

The shipped timeline's editors write terms and titles in Russian, Tajik, Uzbek, Dari,
Pashto and Chinese. A term `Кабул` is published at tags/kabul/ (not at a hash), an event
titled in Russian gets a readable default id, and a clipping whose address spells its
story in Cyrillic is imported under a readable name; every slug that was readable before
is the same byte for byte. The build tests run the real `timeline` command on a small
project written to a temporary folder.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import run_timeline, write
from hypothesis import given
from hypothesis import strategies as st

from builder.text import POINTING_MARKS, hash_text, slugify

#: Text in another script (or mixing one in) and its slug.
TRANSLITERATED = {
    "Кабул": "kabul",
    "Душанбе": "dushanbe",
    "Ўзбекистон": "uzbekiston",  # Uzbek and Tajik Cyrillic letters
    "Ҳисор": "hisor",
    "Переговоры в Душанбе": "peregovory-v-dushanbe",
    "طالبان": "tlbn",  # Arabic script writes no short vowels
    "کابل": "kbl",  # Dari's keheh
    "中国": "zhongguo",
    "Ἀθῆναι": "athinai",
    "٢٠٢٣": "2023",  # Arabic-Indic digits
    "مُحَمَّد": "mhmd",  # vowel points, which most Arabic text leaves out, are dropped
    "हिन्दी": "hindi",  # Devanagari's vowel signs are marks every word writes: kept
    "किताब": "kitab",
    "พิมพ์": "phimph",  # Thai's ิ too; its silencing mark adds nothing
    "Talks in Душанбе": "talks-in-dushanbe",
    "Afghanistan’s talks in Душанбе – Ḵost": "afghanistans-talks-in-dushanbe-kost",
}

#: Text whose slug was readable before: each stays as it was.
UNCHANGED = {
    "Afghanistan’s": "afghanistans",
    "Qurghonteppa – Kulob": "qurghonteppa-kulob",
    "Ḵost": "kost",
    "Kulob": "kulob",
    "Islamic State – Khorasan Province": "islamic-state-khorasan-province",
    "“Quoted” — and…": "quoted-and",
    "C#": "c",
    "Oʻzbekiston": "ozbekiston",  # U+02BB is a letter, but no word break
    "Kabul 😀": "kabul",
}


@pytest.mark.parametrize(("text", "slug"), {**TRANSLITERATED, **UNCHANGED}.items())
def test_letters_of_every_script_are_kept_and_punctuation_dropped_as_before(
    text: str, slug: str
) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["!!!", "😀", "— … —", "\u064b\u064e"])
def test_text_without_a_letter_or_digit_keeps_its_hashed_slug(text: str) -> None:
    assert slugify(text) == "x" + format(hash_text(text), "x")[:10]


def test_a_long_title_in_another_script_is_cut_to_its_length() -> None:
    title = "Переговоры о безопасности границы между Таджикистаном и Афганистаном продолжились"
    slug = slugify(title, 60)
    assert slug == "peregovory-o-bezopasnosti-granitsy-mezhdu-tadzhikistanom-i"
    assert slugify("中华人民共和国外交部" * 5, 40) == "zhonghuarenmingongheguowaijiaobuzhonghua"


def _old_slugify(text: str, max_length: int = 80) -> str:
    """How slugs were made before other scripts were transliterated."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "x" + format(abs(hash_text(text)), "x")[:10]


def _transliterated(char: str) -> bool:
    """Whether `char` is a letter, digit or spelling mark (a vowel sign, not an accent or
    vowel point) that NFKD cannot bring to ASCII."""
    ascii_part = unicodedata.normalize("NFKD", char).encode("ascii", "ignore")
    category = unicodedata.category(char)[0]
    spelling_mark = category == "M" and not POINTING_MARKS.match(char)
    return not ascii_part and (category in "LN" or spelling_mark)


@given(st.text(st.characters(exclude_categories=["Cs"]).filter(lambda c: not _transliterated(c))))
def test_text_with_nothing_to_transliterate_slugs_as_before(text: str) -> None:
    assert slugify(text) == _old_slugify(text)


@given(st.text(max_size=200), st.integers(min_value=1, max_value=120))
def test_every_slug_is_one_ascii_path_segment(text: str, max_length: int) -> None:
    slug = slugify(text, max_length)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug
    assert len(slug) <= max(max_length, 11)


# --- Through the real build ------------------------------------------------------------

SITE_YAML = """\
title: Хроника безопасности
language: ru
categories:
  talks: Переговоры
"""

EVENTS_YAML = """\
- date: 2023-10-13
  title: Переговоры в Душанбе
  category: talks
  tags: [Кабул, Душанбе]
  actors: [طالبان]
  countries: [TJ]
  sources: [{url: "https://a.example/x"}]
- date: 2023-10-14
  title: Talks in Душанбе
  tags: [Кабул, 中国]
  sources: [{url: "https://a.example/y"}]
- date: 2023-10-15
  title: Afghanistan’s border – Ḵost
  tags: [border]
  summary: Near [the capital](/tags/kabul/).
  sources: [{url: "https://a.example/z"}]
"""

RU_EVENT = "2023-10-13-peregovory-v-dushanbe"
MIXED_EVENT = "2023-10-14-talks-in-dushanbe"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project of Russian, Dari and Chinese terms and titles, built once."""
    root = tmp_path_factory.mktemp("scripts") / "proj"
    write(root / "content" / "site.yaml", SITE_YAML)
    write(root / "content" / "events" / "2023.yaml", EVENTS_YAML)
    result = run_timeline("build", str(root))
    assert result.code == 0, result.err
    assert result.err == ""
    return root


def _page(root: Path, path: str) -> str:
    return (root / "site" / path / "index.html").read_text(encoding="utf-8")


def test_terms_and_events_of_other_scripts_get_readable_folders(built: Path) -> None:
    site = built / "site"
    for path in [
        "tags/kabul",
        "tags/dushanbe",
        "tags/zhongguo",
        "actors/tlbn",
        f"events/{RU_EVENT}",
        f"events/{MIXED_EVENT}",
        "events/2023-10-15-afghanistans-border-kost",
    ]:
        assert (site / path / "index.html").is_file(), path
    assert not list(site.glob("*/x*/"))
    kabul = _page(built, "tags/kabul")
    assert '<h1 dir="auto">Кабул</h1>' in kabul
    assert '<h1 dir="auto">中国</h1>' in _page(built, "tags/zhongguo")
    assert f'id="{RU_EVENT}"' in kabul and f'id="{MIXED_EVENT}"' in kabul
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/tags/kabul/</loc>" in sitemap and "/actors/tlbn/</loc>" in sitemap


def test_the_filters_and_term_links_use_the_readable_slugs(built: Path) -> None:
    timeline = _page(built, "")
    assert re.search(
        f'id="{RU_EVENT}"[^>]* data-actor="tlbn"[^>]* data-tag="kabul dushanbe"', timeline
    )
    assert re.search(f'id="{MIXED_EVENT}"[^>]* data-tag="kabul zhongguo"', timeline)
    assert re.search(
        r'<input[^>]* name="tag" value="kabul"> <span dir="auto">Кабул</span>', timeline
    )
    event = _page(built, f"events/{RU_EVENT}")
    assert 'href="../../tags/kabul/"' in event and 'href="../../actors/tlbn/"' in event


def test_the_calendar_names_its_host_after_the_title_in_cyrillic(built: Path) -> None:
    calendar = (built / "site" / "events.ics").read_text(encoding="utf-8")
    assert f"UID:{RU_EVENT}@khronika-bezopasnosti.timeline" in calendar


def test_a_mistyped_link_to_a_cyrillic_term_is_told_its_page(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(built, project)
    events = project / "content" / "events" / "2023.yaml"
    events.write_text(EVENTS_YAML.replace("/tags/kabul/", "/tags/kabull/"), encoding="utf-8")
    before = (project / "site" / "index.html").read_bytes()
    result = run_timeline("build", str(project))
    assert result.code == 1
    at = EVENTS_YAML.index("/tags/kabul/")
    line, col = EVENTS_YAML.count("\n", 0, at) + 1, at - EVENTS_YAML.rfind("\n", 0, at)
    (error,) = [x for x in result.err.splitlines() if ": error: " in x]
    where = f"content/events/2023.yaml:{line}:{col}"
    assert error.startswith(f"{where}: error: link to /tags/kabull/: this site has no such page")
    assert error.endswith("did you mean /tags/kabul/?")
    assert (project / "site" / "index.html").read_bytes() == before


def test_an_id_written_in_cyrillic_is_told_its_transliteration(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(built, project)
    events = project / "content" / "events" / "2023.yaml"
    events.write_text("- id: кабул-2023\n  " + EVENTS_YAML[2:], encoding="utf-8")
    result = run_timeline("build", str(project))
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        "content/events/2023.yaml:1:7: error: id 'кабул-2023' must use only a-z, 0-9 and -, "
        "as 'kabul-2023'"
    )


CLIPPING = """\
Кабул и Душанбе договорились о границе
By Nadia Karimova in The Steppe Courier, October 12, 2023
Переговорщики встретились впервые с весны.
https://steppe-courier.example/ru/news/%D0%BA%D0%B0%D0%B1%D1%83%D0%BB-%D0%B8-%D0%B4%D1%83%D1%88%D0%B0%D0%BD%D0%B1%D0%B5-123456.html
"""


def test_a_clipping_with_a_cyrillic_address_is_imported_under_a_readable_name(
    built: Path, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    shutil.copytree(built, project)
    clipping = write(tmp_path / "clipping.txt", CLIPPING)
    result = run_timeline("import", str(clipping), "--into", str(project))
    assert result.code == 0, result.err
    assert result.out == f"imported {clipping} -> content/articles/kabul-i-dushanbe.md\n"
    assert run_timeline("build", str(project)).code == 0
    assert "Кабул и Душанбе" in _page(project, "articles/kabul-i-dushanbe")


def test_a_clipping_without_an_address_is_named_after_its_cyrillic_title(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "content" / "articles").mkdir(parents=True)
    clipping = write(tmp_path / "clipping.txt", CLIPPING.rsplit("https://", 1)[0])
    result = run_timeline("import", str(clipping), "--into", str(project))
    assert result.code == 0, result.err
    name = "kabul-i-dushanbe-dogovorilis-o-granitse.md"
    assert result.out == f"imported {clipping} -> content/articles/{name}\n"
