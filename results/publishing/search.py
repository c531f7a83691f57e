"""Finding a team the way a spectator types it: by bib, team or runner name.

Names come in many scripts and spellings: "Søren", "Soderstrom" typed for "Söderström", a
full-width "ＡＢＣ" from a Japanese keyboard, "佐藤" for "佐藤 花子". Both sides are folded the
same way before comparing: Unicode compatibility decomposition (NFKD), combining marks
stripped, then casefold. Folding the Japanese voiced marks too ("が" reads as "か") finds a
little more than asked, never less, which is what a search box on a phone should do.
"""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from results.standings.race_results import TeamResults

# Letters that NFKD does not take apart but a reader types without their stroke.
_PLAIN_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i"})


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """`text` as the search compares it: no accents, no width or case differences."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def team_matches(team: TeamResults, query: str) -> bool:
    """A bib exactly, or any part of the team's name or of one of its runners' names."""
    if not fold(query):
        return True
    return what_matched(team, query) is not None


@dataclass(frozen=True, slots=True)
class SearchMatch:
    """What of a listed team the search found, so the row can say it: a name cut short on a
    phone, or a runner's name that is nowhere else in the row, would leave the reader guessing."""

    #: "bib", "team" or "runner".
    found: str
    #: The runner's leg and name when a runner matched.
    leg: int | None = None
    runner: str = ""


def what_matched(team: TeamResults, query: str) -> SearchMatch | None:
    """The team's bib, else its name, else its first runner whose name holds the search; None
    when nothing does (or there is no search)."""
    needle = fold(query)
    if not needle:
        return None
    if fold(team.bib) == needle:
        return SearchMatch("bib")
    if needle in fold(team.name):
        return SearchMatch("team")
    for leg in team.legs:
        if needle in fold(leg.runner or ""):
            return SearchMatch("runner", leg=leg.number, runner=leg.runner or "")
    return None
