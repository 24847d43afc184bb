"""Swedish analysis for lexical search: lowercase, compound splitting, Snowball stems.

"äldreomsorgen" is indexed as ``äldreomsorg`` and also as its parts ``äldr`` + ``omsorg``,
so that it meets "omsorg om äldre"; "klimatinvesteringar" meets "investeringar i
klimatet". Parts are found with the Swedish frequency lexicon of ``wordfreq`` (the same
lexicon the hyphenation repair uses), allowing the linking -s- ("verksamhetsområde").
Each step can be switched off to measure what it adds (``AnalyzerConfig``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from wordfreq import zipf_frequency

TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
LINKING = "s"
MIN_PART = 3
PART_ZIPF = 2.5  # a compound part must be a reasonably common Swedish word
NOT_PARTS = frozenset({"het", "heter", "skap", "ning", "lig", "else", "ande", "ende", "are", "isk"})  # suffixes
WHOLE_ZIPF = 4.0  # very common words ("förskolan", "verksamheten") are units of their own
STOPWORDS = frozenset(
    """och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan man
    när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut får finns vara hade alla andra
    mycket than här då sedan över bara in blir upp även vad få två vill ha många hur mer går sitt du skall
    detta dessa denna vilka vilket vilken samt genom inom utan både mellan hos kring så vårt våra vår deras dess
    hur vad varför vilka finns gör görs gjort""".split()
)


@dataclass(frozen=True)
class AnalyzerConfig:
    stem: bool = True
    split_compounds: bool = True
    stopwords: bool = True


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=300_000)
def _is_word(word: str) -> bool:
    return len(word) >= MIN_PART and zipf_frequency(word, "sv") >= PART_ZIPF


@lru_cache(maxsize=300_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Split a Swedish compound into known words ("äldreomsorgen" → ("äldre", "omsorgen")).

    Returns () when the word is not a compound of known parts. The split with the fewest
    parts wins; among those, the one whose parts are most frequent.
    """
    if len(word) < 2 * MIN_PART + 1 or "-" in word or zipf_frequency(word, "sv") >= WHOLE_ZIPF:
        return ()
    best: tuple[str, ...] = ()
    best_score = float("-inf")
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:i], word[i:]
        heads = [head]
        if head.endswith(LINKING) and len(head) > MIN_PART:
            heads.append(head[:-1])
        head_word = next((h for h in heads if _is_word(h) and h not in STOPWORDS), None)
        if head_word is None:
            continue
        if tail in NOT_PARTS:
            continue
        if _is_word(tail):
            parts: tuple[str, ...] = (head_word, tail)
        else:
            rest = compound_parts(tail)
            if not rest:
                continue
            parts = (head_word, *rest)
        score = -len(parts) * 100 + min(zipf_frequency(p, "sv") for p in parts)
        if score > best_score:
            best, best_score = parts, score
    return best


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def words(text: str) -> list[str]:
    return TOKEN.findall(normalise(text))


def analyze(text: str, config: AnalyzerConfig = AnalyzerConfig()) -> list[str]:
    """Index/query terms of a text: stems of its words plus stems of compound parts."""
    stemmer = _stemmer()
    terms: list[str] = []
    for word in words(text):
        if config.stopwords and word in STOPWORDS:
            continue
        pieces = [word]
        if "-" in word:  # "LSS-boende", "covid-19": the whole and its pieces
            pieces += [p for p in word.split("-") if p]
        if config.split_compounds:
            pieces += [p for w in list(pieces) for p in compound_parts(w)]
        for piece in pieces:
            if config.stopwords and piece in STOPWORDS:
                continue
            if not config.stem:
                terms.append(piece)
                continue
            stem = stemmer.stemWord(piece)
            terms.append(stem)
            # Snowball stems "klimatet" to "klimat" but "klimat" to "klim": the stem of the
            # stem joins the two forms
            again = stemmer.stemWord(stem)
            if again != stem and len(again) >= MIN_PART:
                terms.append(again)
    return terms


def query_terms(text: str, config: AnalyzerConfig = AnalyzerConfig()) -> set[str]:
    """Distinct terms of a query (for highlighting matches in snippets)."""
    return set(analyze(text, config))
