"""Swedish text normalisation for the lexical theme model."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
