"""Swedish text normalisation for the lexical theme model."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Sequence

import snowballstemmer

_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("swedish")


def normalise(text: str) -> str:
    """Lowercase, NFC, digits folded to one symbol (years and figures carry no theme)."""
    return _DIGITS.sub("0", unicodedata.normalize("NFC", text).lower())


def stem_tokens(text: str) -> list[str]:
    """Swedish Snowball stems of the word tokens ("äldreomsorgen" → "äldreomsorg")."""
    stemmer = _stemmer()
    return stemmer.stemWords(_TOKEN.findall(normalise(text)))


def stemmed_text(text: str) -> str:
    return " ".join(stem_tokens(text))


# Headings that say what kind of text follows, not what it is about.
GENERIC_HEADINGS = frozenset({
    "analys", "beskrivning", "förväntat resultat", "aktiviteter", "indikatorer", "goda exempel",
    "uppföljning", "nämndens bedömning", "bedömning", "åtgärder",
})


def section_context(section: Sequence[str] | None, depth: int = 2) -> str:
    """The nearest topical headings above a passage ("Äldreomsorg", "Nämndmål: 1.5.1 ...").

    Generic headings ("Analys", "Förväntat resultat 2025") are skipped because they carry
    no topic; numbering and goal prefixes stay, their words are dropped by the analyser.
    """
    if not section:
        return ""
    topical = [h for h in section if not any(h.lower().startswith(g) for g in GENERIC_HEADINGS)]
    return " / ".join(topical[-depth:])
