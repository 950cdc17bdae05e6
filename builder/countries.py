"""Country names and ISO 3166 alpha-2 codes, so `TJ` and `Tajikistan` mean the same country.

The code list comes from pycountry (kept current with ISO). Readers know many countries by
shorter names than ISO's ("Russia", not "Russian Federation"), so a few common names are
added both for lookup and for display.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

import pycountry

#: Names readers use, where ISO's name is long or formal.
COMMON_NAMES = {
    "RU": "Russia",
    "IR": "Iran",
    "SY": "Syria",
    "KR": "South Korea",
    "KP": "North Korea",
    "VN": "Vietnam",
    "LA": "Laos",
    "MD": "Moldova",
    "TZ": "Tanzania",
    "VE": "Venezuela",
    "BO": "Bolivia",
    "TW": "Taiwan",
    "PS": "Palestine",
    "GB": "United Kingdom",
    "US": "United States",
    "AE": "United Arab Emirates",
    "CD": "DR Congo",
    "TR": "Türkiye",
}

#: Further names that mean a country (lowercase), beyond ISO's and the common ones.
EXTRA_ALIASES = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "usa": "US",
    "u.s.": "US",
    "united states of america": "US",
    "america": "US",
    "uae": "AE",
    "turkey": "TR",
    "kyrgyz republic": "KG",
    "kirghizia": "KG",
    "czech republic": "CZ",
}


@dataclass(frozen=True)
class Countries:
    """Lookup tables: any accepted name (lowercase) to code, and code to display name."""

    by_name: dict[str, str]
    names: dict[str, str]

    def code(self, value: str) -> str | None:
        """The alpha-2 code for a code or English name, or None when unknown."""
        value = value.strip()
        if len(value) == 2 and value.upper() in self.names:
            return value.upper()
        return self.by_name.get(value.casefold())

    def suggest(self, value: str) -> str | None:
        """The closest known name, for a did-you-mean."""
        close = difflib.get_close_matches(value.casefold(), self.by_name, n=1, cutoff=0.75)
        return self.names[self.by_name[close[0]]] if close else None


@lru_cache(maxsize=1)
def countries() -> Countries:
    """The country tables, built once per process."""
    by_name: dict[str, str] = {}
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        common = getattr(country, "common_name", None)
        names[code] = COMMON_NAMES.get(code) or common or country.name
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                by_name[value.casefold()] = code
    for code, name in COMMON_NAMES.items():
        by_name[name.casefold()] = code
    by_name.update(EXTRA_ALIASES)
    return Countries(by_name, names)
