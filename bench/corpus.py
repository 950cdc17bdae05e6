"""A synthetic newsroom corpus in the builder's content format, for benchmarks.

The speed targets (issue 7) are stated for 10,000 events and 1,000 articles; the shipped
timeline has a few dozen. This module writes a project folder of any size that looks like
real editorial work: events over 2001-2026 in files of about a hundred, with every EDTF
form editors use (day, month, year, season, decade, `~`, `?`, `%`, intervals, open ends),
Markdown summaries with emphasis and links, countries as codes and as names, actors from a
site.yaml vocabulary (written as canonical names or as aliases), categories, tags, sources
that cite our own articles or outside pages, Markdown articles of 300-1,200 words and a few
raw news clippings. Frequencies are skewed as in real newsrooms (a few actors, countries
and tags carry most events), so taxonomy pages get as large as they would in practice.

The same seed always gives the same bytes, so runs on different machines compare.

    python bench/corpus.py DIR --events 10000 --articles 1000
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import random
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 2001, 2026
LAST_DAY = dt.date(2026, 10, 31)
EVENTS_PER_FILE = 100

CATEGORIES = {
    "attack": "Attacks",
    "border-incident": "Border incidents",
    "counter-terrorism": "Counter-terrorism",
    "military": "Military and defence",
    "diplomacy": "Diplomacy",
    "policy": "Policy and designations",
    "humanitarian": "Humanitarian",
    "trafficking": "Drugs and trafficking",
    "infrastructure": "Infrastructure, water and transit",
    "elections": "Elections and politics",
    "economy": "Trade and economy",
    "justice": "Courts and justice",
}

#: Canonical actor -> aliases. Events name actors either way; site.yaml declares both.
ACTORS: dict[str, list[str]] = {
    "Taliban": ["Islamic Emirate of Afghanistan", "IEA", "Afghan Taliban"],
    "Islamic State – Khorasan Province": ["ISKP", "ISIS-K", "IS-K"],
    "Islamic State": ["ISIS", "ISIL", "Daesh"],
    "Al-Qaeda": ["al-Qaida", "AQ"],
    "Jamaat Ansarullah": ["Jamiat Ansarullah"],
    "Islamic Movement of Uzbekistan": ["IMU"],
    "Tehrik-i-Taliban Pakistan": ["TTP", "Pakistani Taliban"],
    "Haqqani network": ["Haqqanis"],
    "Northern Alliance": ["United Front"],
    "National Resistance Front": ["NRF"],
    "CSTO": ["Collective Security Treaty Organization"],
    "CIS": ["Commonwealth of Independent States"],
    "Shanghai Cooperation Organisation": ["SCO"],
    "SCO Regional Anti-Terrorist Structure": ["RATS"],
    "NATO": ["North Atlantic Treaty Organization"],
    "ISAF": ["International Security Assistance Force"],
    "Resolute Support Mission": ["Resolute Support"],
    "United Nations": ["UN"],
    "UN Security Council": ["UNSC"],
    "UNAMA": ["UN Assistance Mission in Afghanistan"],
    "UNHCR": ["UN Refugee Agency"],
    "UNODC": ["UN Office on Drugs and Crime"],
    "World Food Programme": ["WFP"],
    "World Bank": [],
    "Asian Development Bank": ["ADB"],
    "European Union": ["EU"],
    "OSCE": ["Organization for Security and Co-operation in Europe"],
    "Red Cross": ["ICRC"],
    "Hamid Karzai": ["Karzai"],
    "Ashraf Ghani": ["Ghani"],
    "Abdullah Abdullah": [],
    "Haibatullah Akhundzada": ["Akhundzada"],
    "Abdul Ghani Baradar": ["Baradar", "Mullah Baradar"],
    "Amir Khan Muttaqi": ["Muttaqi"],
    "Zabihullah Mujahid": ["Mujahid"],
    "Sirajuddin Haqqani": [],
    "Ahmad Massoud": [],
    "Afghan National Army": ["ANA"],
    "Afghan Air Force": ["AAF"],
    "Afghan government": ["Government of Afghanistan", "Kabul government"],
    "Emomali Rahmon": ["Rahmon", "Emomali Rakhmon"],
    "Sirojiddin Muhriddin": ["Muhriddin"],
    "Tajik government": ["Tajik authorities"],
    "Tajik Border Troops": ["Tajik border guards"],
    "Tajik State Committee for National Security": ["GKNB"],
    "Islam Karimov": ["Karimov"],
    "Shavkat Mirziyoyev": ["Mirziyoyev"],
    "Abdulaziz Kamilov": ["Kamilov"],
    "Bakhtiyor Saidov": ["Saidov"],
    "Uzbek government": ["Uzbek authorities"],
    "Uzbek armed forces": [],
    "Saparmurat Niyazov": ["Niyazov", "Turkmenbashi"],
    "Gurbanguly Berdimuhamedov": [],
    "Serdar Berdimuhamedov": [],
    "Rashid Meredov": ["Meredov"],
    "Turkmen government": [],
    "Kurmanbek Bakiyev": ["Bakiyev"],
    "Almazbek Atambayev": ["Atambayev"],
    "Sadyr Japarov": ["Japarov"],
    "Kamchybek Tashiyev": ["Tashiyev"],
    "Kyrgyz government": ["Kyrgyz authorities"],
    "Nursultan Nazarbayev": ["Nazarbayev"],
    "Kassym-Jomart Tokayev": ["Tokayev"],
    "Kazakh government": ["Kazakh authorities"],
    "Kazakh National Security Committee": ["KNB"],
    "Vladimir Putin": ["Putin"],
    "Dmitry Medvedev": ["Medvedev"],
    "Sergey Lavrov": ["Lavrov", "Sergei Lavrov"],
    "Zamir Kabulov": ["Kabulov"],
    "Russian Foreign Ministry": ["Russian MFA"],
    "Russian Defence Ministry": ["Russian MoD"],
    "Russian 201st military base": ["201st military base"],
    "FSB": ["Federal Security Service"],
    "Hu Jintao": [],
    "Xi Jinping": ["Xi"],
    "Wang Yi": [],
    "Chinese Foreign Ministry": [],
    "People's Liberation Army": ["PLA"],
    "Pervez Musharraf": ["Musharraf"],
    "Imran Khan": [],
    "Shehbaz Sharif": [],
    "Pakistani government": ["Government of Pakistan"],
    "Pakistani army": ["Pakistan Army"],
    "ISI": ["Inter-Services Intelligence"],
    "Iranian government": ["Government of Iran"],
    "IRGC": ["Islamic Revolutionary Guard Corps"],
    "Indian government": ["Government of India"],
    "Turkish government": [],
    "George W. Bush": ["Bush"],
    "Barack Obama": ["Obama"],
    "Donald Trump": ["Trump"],
    "Joe Biden": ["Biden"],
    "Zalmay Khalilzad": ["Khalilzad"],
    "US government": ["United States government", "Washington"],
    "US military": ["US forces", "US armed forces"],
    "US State Department": ["State Department"],
    "CIA": ["Central Intelligence Agency"],
    "UK government": ["British government"],
    "German government": ["Federal Government of Germany"],
    "Human Rights Watch": ["HRW"],
    "Amnesty International": ["Amnesty"],
}

#: ISO code and the name editors sometimes write instead, with how often each appears.
COUNTRIES = [
    ("AF", "Afghanistan", 40),
    ("TJ", "Tajikistan", 18),
    ("UZ", "Uzbekistan", 14),
    ("TM", "Turkmenistan", 7),
    ("KG", "Kyrgyzstan", 8),
    ("KZ", "Kazakhstan", 8),
    ("RU", "Russia", 14),
    ("CN", "China", 10),
    ("PK", "Pakistan", 12),
    ("IR", "Iran", 7),
    ("IN", "India", 4),
    ("US", "United States", 12),
    ("GB", "United Kingdom", 3),
    ("DE", "Germany", 2),
    ("TR", "Türkiye", 3),
    ("QA", "Qatar", 3),
    ("AE", "United Arab Emirates", 2),
    ("SA", "Saudi Arabia", 1),
    ("AZ", "Azerbaijan", 1),
    ("MN", "Mongolia", 1),
]

PLACES = [
    ("Kabul", 34.5553, 69.2075),
    ("Kandahar", 31.6133, 65.7101),
    ("Herat", 34.3529, 62.2040),
    ("Mazar-i-Sharif", 36.7090, 67.1109),
    ("Kunduz", 36.7290, 68.8570),
    ("Jalalabad", 34.4265, 70.4515),
    ("Faizabad", 37.1166, 70.5800),
    ("Dushanbe", 38.5598, 68.7870),
    ("Khorog", 37.4897, 71.5530),
    ("Kulob", 37.9146, 69.7845),
    ("Tashkent", 41.2995, 69.2401),
    ("Termez", 37.2242, 67.2783),
    ("Samarkand", 39.6270, 66.9750),
    ("Ashgabat", 37.9601, 58.3261),
    ("Bishkek", 42.8746, 74.5698),
    ("Osh", 40.5283, 72.7985),
    ("Astana", 51.1605, 71.4704),
    ("Almaty", 43.2220, 76.8512),
    ("Moscow", 55.7558, 37.6173),
    ("Beijing", 39.9042, 116.4074),
    ("Islamabad", 33.6844, 73.0479),
    ("Peshawar", 34.0151, 71.5249),
    ("Tehran", 35.6892, 51.3890),
    ("Doha", 25.2854, 51.5310),
    ("Geneva", 46.2044, 6.1432),
    ("Washington", 38.9072, -77.0369),
]
LOOSE_PLACES = [
    "Tajik-Afghan border",
    "Panj river",
    "Wakhan corridor",
    "Hairatan border crossing",
    "Shir Khan Bandar",
    "Gorno-Badakhshan",
    "Badakhshan province",
    "Fergana valley",
    "Amu Darya",
    "Torkham crossing",
    "Rasht valley",
    "Kunar province",
    "Nangarhar province",
    "Helmand province",
    "Panjshir valley",
]

TAG_WORDS = [
    "border-security",
    "militants",
    "refugees",
    "drug-trafficking",
    "water",
    "energy",
    "railways",
    "trade",
    "sanctions",
    "recognition",
    "embassy",
    "airstrike",
    "suicide-bombing",
    "rocket-attack",
    "kidnapping",
    "peace-talks",
    "elections",
    "protests",
    "human-rights",
    "women",
    "education",
    "famine",
    "earthquake",
    "floods",
    "drought",
    "migration",
    "extradition",
    "arrest",
    "trial",
    "military-exercise",
    "arms-deal",
    "troop-withdrawal",
    "bases",
    "intelligence",
    "cyber",
    "propaganda",
    "recruitment",
    "financing",
    "smuggling",
    "opium",
    "methamphetamine",
    "canal",
    "pipeline",
    "power-line",
    "gas",
    "mining",
    "lithium",
    "aid",
    "visa",
    "border-crossing",
    "checkpoint",
    "detention",
    "amnesty",
    "ceasefire",
    "prisoner-exchange",
    "landmines",
    "drones",
    "helicopters",
    "air-force",
    "special-forces",
]

PUBLISHERS = [
    "Reuters",
    "Associated Press",
    "AFP",
    "BBC News",
    "Al Jazeera",
    "RFE/RL",
    "Eurasianet",
    "The Diplomat",
    "Khaama Press",
    "TOLOnews",
    "Pajhwok",
    "Asia-Plus",
    "Kun.uz",
    "Dawn",
    "The Express Tribune",
    "TASS",
    "Interfax",
    "Xinhua",
    "The New York Times",
    "The Washington Post",
    "The Guardian",
    "Deutsche Welle",
    "Kabul Now",
    "Amu TV",
    "24.kg",
    "Kazinform",
    "Turkmenportal",
    "Ariana News",
    "The Print",
    "Nikkei Asia",
]
PUBLISHER_DOMAINS = {
    p: p.lower().replace(" ", "").replace("/", "").replace(".", "") + ".example" for p in PUBLISHERS
}

FIRST_NAMES = [
    "Ahmad",
    "Fatima",
    "Rustam",
    "Dilnoza",
    "Sergei",
    "Anna",
    "Wei",
    "Li",
    "Imran",
    "Ayesha",
    "John",
    "Sarah",
    "Bakhtiyor",
    "Nigora",
    "Farid",
    "Mariam",
    "Timur",
    "Aigerim",
    "Omar",
    "Zarina",
    "Michael",
    "Elena",
    "Hamid",
    "Shabnam",
    "Daniyar",
    "Gulnara",
    "Tom",
    "Lucy",
]
LAST_NAMES = [
    "Rahmati",
    "Karimova",
    "Nazarov",
    "Ivanov",
    "Petrova",
    "Zhang",
    "Chen",
    "Khan",
    "Malik",
    "Smith",
    "Jones",
    "Yusupov",
    "Tashkentova",
    "Sultani",
    "Ahmadi",
    "Bekov",
    "Nurlanova",
    "Hakimi",
    "Safarova",
    "Walker",
    "Kuznetsova",
    "Popal",
    "Noori",
    "Abenov",
    "Ospanova",
]

SUBJECT_VERBS = [
    "condemns",
    "welcomes",
    "rejects",
    "announces",
    "reports",
    "denies",
    "confirms",
    "questions",
    "backs",
    "warns about",
    "calls for an inquiry into",
    "signs a deal on",
    "hosts talks on",
    "postpones",
    "launches",
    "suspends",
    "resumes",
    "expands",
    "ends",
]
OBJECTS = [
    "border patrols",
    "a new security pact",
    "the transit corridor",
    "refugee returns",
    "joint military drills",
    "the railway project",
    "sanctions",
    "water-sharing rules",
    "an arms shipment",
    "the peace process",
    "a prisoner exchange",
    "cross-border trade",
    "counter-narcotics operations",
    "the embassy reopening",
    "humanitarian aid",
    "the power line to Kabul",
    "visa rules",
    "a militant cell",
    "election results",
    "the canal project",
    "troop deployments",
    "intelligence sharing",
    "a ceasefire",
]
CLAUSES = [
    "officials said on condition of anonymity",
    "according to a statement released later that day",
    "in a move analysts described as long expected",
    "amid growing concern about the border",
    "after weeks of closed-door negotiations",
    "despite objections from neighbouring states",
    "as fighting continued in the north",
    "citing security concerns",
    "following a meeting of regional envoys",
    "while aid groups warned of shortages",
]
NOUNS = [
    "the government",
    "local officials",
    "border guards",
    "the ministry",
    "analysts",
    "residents",
    "diplomats",
    "aid agencies",
    "security forces",
    "the delegation",
    "traders",
    "the militants",
    "investigators",
    "the committee",
    "observers",
]
VERBS = [
    "said",
    "reported",
    "argued",
    "confirmed",
    "warned",
    "insisted",
    "noted",
    "claimed",
    "suggested",
    "acknowledged",
    "estimated",
    "announced",
]
THINGS = [
    "the number of crossings had fallen sharply",
    "the situation remained tense",
    "new checkpoints would open within weeks",
    "funding had not yet arrived",
    "dozens of people had been detained",
    "talks would resume next month",
    "the road had been closed since the spring",
    "prices had doubled in a year",
    "the agreement covered security and trade",
    "more troops would be sent",
    "the attack had been planned abroad",
    "the project was years behind schedule",
    "several villages had been evacuated",
    "no group had claimed responsibility",
    "the region faced its worst drought in decades",
    "smuggling routes had shifted east",
]
HEADINGS = [
    "Background",
    "What happened",
    "Reactions",
    "The border",
    "What comes next",
    "Regional context",
    "Security concerns",
    "Trade and transit",
    "The human cost",
]


@dataclass
class _ArticleRef:
    id: str
    date: dt.date
    countries: list[str] = field(default_factory=list)


def generate(root: Path, events: int, articles: int, seed: int = 1) -> None:
    """Write a complete, valid project (content/ with site.yaml, articles, events, pages)
    of `events` events and `articles` articles into `root`; the same seed gives the same
    bytes. `root` is created if needed; existing content files of the same names are
    overwritten, others are left alone."""
    rng = random.Random(seed)
    content = root / "content"
    for sub in ("articles", "events", "pages"):
        (content / sub).mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    (content / "pages" / "about.md").write_text(_about_page(events, articles), encoding="utf-8")
    refs = _write_articles(rng, content / "articles", articles)
    _write_events(rng, content / "events", events, refs)


def site_yaml() -> str:
    """content/site.yaml of the benchmark corpus: categories and the actor vocabulary."""
    lines = [
        "# Benchmark corpus generated by bench/corpus.py: a synthetic newsroom timeline.",
        'title: "Regional Security Timeline (benchmark corpus)"',
        "description: >-",
        "  A synthetic chronology of security, diplomacy and trade in Afghanistan and",
        "  Central Asia, 2001-2026, generated to measure the builder at newsroom scale.",
        "base_url: https://example.org/timeline/",
        "language: en",
        "theme: default",
        "categories:",
    ]
    lines += [f"  {key}: {_q(label)}" for key, label in CATEGORIES.items()]
    lines.append("actors:")
    for name, aliases in ACTORS.items():
        lines.append(f"  {_q(name)}: [{', '.join(_q(a) for a in aliases)}]")
    return "\n".join(lines) + "\n"


def _about_page(events: int, articles: int) -> str:
    return (
        "---\ntitle: About this corpus\n---\n\n"
        f"This project holds {events:,} synthetic events and {articles:,} synthetic "
        "articles, written by `bench/corpus.py` to benchmark the timeline builder.\n"
    )


def _q(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _weighted(rng: random.Random, items: list, k: int = 1) -> list:
    """k distinct items, favouring the front of the list (Zipf-like, as real vocabularies)."""
    weights = [1.0 / (i + 1) for i in range(len(items))]
    chosen: list = []
    while len(chosen) < k:
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _random_day(rng: random.Random) -> dt.date:
    """A day in 2001-2026, more recent years more likely (newsrooms cover more lately)."""
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    year = rng.choices(years, [1 + (y - FIRST_YEAR) * 0.12 for y in years])[0]
    start = dt.date(year, 1, 1)
    end = min(dt.date(year, 12, 31), LAST_DAY)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


# ----------------------------------------------------------------------------- text


def _sentence(rng: random.Random) -> str:
    s = f"{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS)} that {rng.choice(THINGS)}"
    if rng.random() < 0.4:
        s += f", {rng.choice(CLAUSES)}"
    return s + "."


def _markdown_sentence(rng: random.Random) -> str:
    """A sentence with the inline Markdown editors use: emphasis, strong, links, code."""
    s = _sentence(rng)
    roll = rng.random()
    if roll < 0.15:
        publisher = rng.choice(PUBLISHERS)
        url = f"https://{PUBLISHER_DOMAINS[publisher]}/news/{rng.randrange(10**6)}"
        s = s[:-1] + f", [{publisher} reported]({url})."
    elif roll < 0.25:
        words = s.split(" ")
        i = rng.randrange(1, len(words) - 1)
        words[i] = f"*{words[i]}*"
        s = " ".join(words)
    elif roll < 0.32:
        s = f"**{rng.choice(list(ACTORS))}** was named in the report. " + s
    return s


def _words_of(rng: random.Random, target: int, markdown: bool) -> list[str]:
    """Paragraphs of about `target` words in all."""
    paragraphs, count = [], 0
    while count < target:
        n = rng.randint(3, 6)
        make = _markdown_sentence if markdown else _sentence
        paragraph = " ".join(make(rng) for _ in range(n))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return paragraphs


def _article_body(rng: random.Random, words: int) -> str:
    blocks = []
    for i, paragraph in enumerate(_words_of(rng, words, markdown=True)):
        if i and i % 3 == 0:
            blocks.append("## " + rng.choice(HEADINGS))
        blocks.append(textwrap.fill(paragraph, 90, break_long_words=False, break_on_hyphens=False))
        if i == 1 and rng.random() < 0.4:
            blocks.append("\n".join(f"- {rng.choice(THINGS).capitalize()}." for _ in range(3)))
        if i == 2 and rng.random() < 0.3:
            blocks.append("> " + _sentence(rng))
    return "\n\n".join(blocks) + "\n"


def _author(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)[:60].strip("-")


# ------------------------------------------------------------------------- articles


def _write_articles(rng: random.Random, folder: Path, count: int) -> list[_ArticleRef]:
    """Markdown articles and, for about one in forty, a raw clipping; sorted by date."""
    refs = []
    clipping_every = 40
    for n in range(count):
        day = _random_day(rng)
        headline = f"{rng.choice(list(ACTORS))} {rng.choice(SUBJECT_VERBS)} {rng.choice(OBJECTS)}"
        article_id = f"{day.isoformat()}-{_slug(headline)[:40].strip('-')}-{n:05d}"
        publisher = rng.choice(PUBLISHERS)
        countries = [c for c, _, _ in _weighted(rng, COUNTRIES, rng.randint(1, 3))]
        words = rng.randint(300, 1200)
        if n % clipping_every == clipping_every - 1:
            text = _clipping(rng, day, publisher, headline, words)
            (folder / f"{article_id}.txt").write_text(text, encoding="utf-8")
        else:
            text = _markdown_article(rng, day, publisher, headline, countries, words)
            (folder / f"{article_id}.md").write_text(text, encoding="utf-8")
        refs.append(_ArticleRef(article_id, day, countries))
    refs.sort(key=lambda r: r.date)
    return refs


def _markdown_article(
    rng: random.Random,
    day: dt.date,
    publisher: str,
    headline: str,
    countries: list[str],
    words: int,
) -> str:
    authors = [_author(rng) for _ in range(rng.choice((1, 1, 1, 2)))]
    author = _q(authors[0]) if len(authors) == 1 else "[" + ", ".join(map(_q, authors)) + "]"
    tags = _weighted(rng, TAG_WORDS, rng.randint(1, 4))
    url = f"https://{PUBLISHER_DOMAINS[publisher]}/{day.year}/{_slug(headline)}/"
    front = [
        "---",
        f"title: {_q(headline[0].upper() + headline[1:])}",
        f"date: {day.isoformat()}",
        f"author: {author}",
        f"publisher: {_q(publisher)}",
        f"url: {url}",
        f"countries: [{', '.join(countries)}]",
        f"tags: [{', '.join(tags)}]",
        "---",
        "",
    ]
    return "\n".join(front) + _article_body(rng, words)


def _clipping(rng: random.Random, day: dt.date, publisher: str, headline: str, words: int) -> str:
    byline = f"By {_author(rng)} in {publisher}, {day:%B} {day.day}, {day.year}"
    paragraphs = _words_of(rng, words, markdown=False)
    url = f"https://{PUBLISHER_DOMAINS[publisher]}/{day.year}/{_slug(headline)}/"
    return "\n".join([byline, *paragraphs, url]) + "\n"


# --------------------------------------------------------------------------- events


def _edtf(rng: random.Random, day: dt.date) -> str:
    """An EDTF date near `day`, in the mix of precisions and qualifiers editors write."""
    roll = rng.random()
    if roll < 0.58:
        return day.isoformat()
    if roll < 0.76:
        return f"{day:%Y-%m}"
    if roll < 0.82:
        return str(day.year)
    if roll < 0.87:
        return rng.choice((day.isoformat(), f"{day:%Y-%m}", str(day.year))) + "~"
    if roll < 0.91:
        return rng.choice((day.isoformat(), f"{day:%Y-%m}")) + "?"
    if roll < 0.92:
        return f"{day:%Y-%m}%"
    if roll < 0.93:
        season = 21 + (day.month % 12) // 3
        return f"{day.year}-{season}"
    if roll < 0.935 and day.year < 2020:
        return f"{str(day.year)[:3]}X"
    if roll < 0.94:
        return f"{day:%Y-%m}/.."
    if roll < 0.97:
        end = min(day + dt.timedelta(days=rng.randint(2, 20)), LAST_DAY)
        return f"{day.isoformat()}/{end.isoformat()}"
    end = min(day + dt.timedelta(days=rng.randint(40, 700)), LAST_DAY)
    return f"{day:%Y-%m}/{end:%Y-%m}"


def _yaml_date(text: str, rng: random.Random) -> str:
    """How an editor writes the date: bare where YAML allows it, quoted otherwise."""
    if text.isdigit() or (len(text) == 10 and text[4] == "-" and text[7] == "-"):
        return text if rng.random() < 0.5 else f"'{text}'"
    return f"'{text}'"


def _event_title(rng: random.Random, actor: str, place: str) -> str:
    return f"{actor} {rng.choice(SUBJECT_VERBS)} {rng.choice(OBJECTS)} in {place}"


def _summary(rng: random.Random) -> str:
    return " ".join(_markdown_sentence(rng) for _ in range(rng.randint(1, 3)))


def _nearby_article(rng: random.Random, refs: list[_ArticleRef], day: dt.date) -> str:
    """An article published around `day` (the one that reported the event)."""
    i = bisect.bisect_left(refs, day, key=lambda r: r.date)
    lo, hi = max(0, i - 4), min(len(refs), i + 4)
    return refs[rng.randrange(lo, hi)].id


def _sources(rng: random.Random, refs: list[_ArticleRef], day: dt.date) -> list[str]:
    lines = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        if refs and rng.random() < 0.35:
            lines.append(f"    - article: {_nearby_article(rng, refs, day)}")
            continue
        publisher = rng.choice(PUBLISHERS)
        title = f"{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS)} {rng.choice(THINGS)}"
        lines += [
            f"    - url: https://{PUBLISHER_DOMAINS[publisher]}/{day.year}/{_slug(title)}",
            f"      title: {_q(title)}",
            f"      publisher: {_q(publisher)}",
            f"      date: '{day.isoformat()}'",
        ]
    return lines


def _event_lines(
    rng: random.Random, number: int, day: dt.date, refs: list[_ArticleRef], ids: set[str]
) -> list[str]:
    actors = _weighted(rng, list(ACTORS), rng.choice((1, 1, 2, 2, 3)))
    place = rng.choice(PLACES)
    title = _event_title(rng, actors[0], place[0])
    date_text = _edtf(rng, day)
    default_id = f"{_slug(date_text)}-{_slug(title)}"
    lines = []
    if rng.random() < 0.3 and default_id not in ids:
        ids.add(default_id)  # left to the builder's default: date + slug of the title
        lines.append(f"- date: {_yaml_date(date_text, rng)}")
    else:
        lines.append(f"- id: e{number:06d}-{_slug(title)[:40].strip('-')}")
        lines.append(f"  date: {_yaml_date(date_text, rng)}")
    lines.append(f"  title: {_q(title)}")
    lines.append("  summary: >-")
    wrapped = textwrap.wrap(_summary(rng), 92, break_long_words=False, break_on_hyphens=False)
    lines += ["    " + line for line in wrapped]
    countries = []
    for code, name, _ in _weighted(rng, COUNTRIES, rng.choice((1, 1, 2, 2, 3))):
        countries.append(name if rng.random() < 0.2 else code)
    lines.append(f"  countries: [{', '.join(_q(c) for c in countries)}]")
    roll = rng.random()
    if roll < 0.45:
        lines.append(f"  location: {_q(place[0])}")
    elif roll < 0.7:
        lines.append(f"  location: {{name: {_q(place[0])}, lat: {place[1]}, lon: {place[2]}}}")
    elif roll < 0.8:
        lines.append(f"  location: {_q(rng.choice(LOOSE_PLACES))}")
    named = [rng.choice([a, *ACTORS[a]]) if rng.random() < 0.25 else a for a in actors]
    lines.append(f"  actors: [{', '.join(_q(a) for a in named)}]")
    lines.append(f"  category: {_weighted(rng, list(CATEGORIES))[0]}")
    tags = _weighted(rng, TAG_WORDS, rng.randint(0, 3))
    if tags:
        lines.append(f"  tags: [{', '.join(tags)}]")
    lines.append(f"  importance: {rng.choices((1, 2, 3), (70, 22, 8))[0]}")
    lines.append("  sources:")
    lines += _sources(rng, refs, day)
    if rng.random() < 0.005:
        lines.append("  draft: true")
    return lines


def _write_events(rng: random.Random, folder: Path, count: int, refs: list[_ArticleRef]) -> None:
    """Events sorted by day, a hundred per file, files named after their first year."""
    days = sorted(_random_day(rng) for _ in range(count))
    ids: set[str] = set()
    per_year: dict[int, int] = {}
    for start in range(0, count, EVENTS_PER_FILE):
        chunk = days[start : start + EVENTS_PER_FILE]
        year = chunk[0].year
        per_year[year] = per_year.get(year, 0) + 1
        lines = [
            f"# Events from {chunk[0].isoformat()} to {chunk[-1].isoformat()}.",
            "# Generated by bench/corpus.py.",
            "",
        ]
        for offset, day in enumerate(chunk):
            lines += _event_lines(rng, start + offset, day, refs, ids)
            lines.append("")
        name = f"{year}-{per_year[year]:02d}.yaml"
        (folder / name).write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    """`python bench/corpus.py DIR --events N --articles M [--seed S]`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="project folder to write")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.directory, args.events, args.articles, args.seed)
    print(f"wrote {args.events:,} events and {args.articles:,} articles into {args.directory}")


if __name__ == "__main__":
    main()
