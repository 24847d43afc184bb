"""Repair of end-of-line hyphenation in Swedish report text.

A word split at a line end ("förvalt-" / "ningen") must become one word again, while real
hyphens survive: suspended compounds ("äldre- och funktionshinderomsorg"), acronym
compounds ("LSS-boende"), numbers ("covid-19") and names ("Rinkeby-Kista"). Decisions use
evidence in this order: the document itself (how the word is written elsewhere in it), the
Swedish frequency lexicon of the ``wordfreq`` package (with compound decomposition, since
Swedish writes compounds closed), then typographic rules.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable


def zipf_frequency(word: str, lang: str) -> float:
    """``wordfreq.zipf_frequency``, imported on first use: reading a PDF's pages (which
    needs this module's marks) does not wait for wordfreq (0.1 s)."""
    from wordfreq import zipf_frequency as frequency

    return frequency(word, lang)


# Words after which a trailing hyphen marks a suspended compound: "vård- och omsorgsboende".
CONJUNCTIONS = frozenset(
    {"och", "eller", "samt", "respektive", "resp", "liksom", "som", "men", "till", "alternativt"}
)
# Lowercase heads that Swedish joins with a hyphen ("e-tjänster", "hbtqi-frågor").
HYPHEN_PREFIXES = frozenset(
    {
        "e", "it", "ikt", "icke", "hbtq", "hbtqi", "hbtqia", "sms", "tv", "pdf", "gdpr", "bup",
        "adhd", "fn", "eu", "cd", "dvd", "uv", "vr", "ai",
    }
)
MIN_ZIPF = 1.0  # below this a wordfreq entry is noise-level
# Function words are never the last part of a compound ("äldre" + "och" is not a word).
NOT_COMPOUND_TAILS = CONJUNCTIONS | {"att", "den", "det", "de", "en", "ett", "i", "på", "av", "för", "med", "om", "är", "har"}
LINKING = ("s", "e", "a", "u", "o")  # fogemorfem between compound parts

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def load_lexicon() -> None:
    """Read wordfreq's Swedish list now (it is read on first use, about 0.2 s)."""
    zipf_frequency("och", "sv")


@lru_cache(maxsize=200_000)
def is_known_word(word: str) -> bool:
    """True when ``word`` (lowercase) is a Swedish word or a compound of Swedish words."""
    if not word:
        return False
    if zipf_frequency(word, "sv") >= MIN_ZIPF:
        return True
    return _is_compound(word, depth=0)


def _is_compound(word: str, depth: int) -> bool:
    # Split into a known head (>= 3 letters, optional linking letter) and a known or
    # compound tail. Three parts at most keeps the search cheap and avoids nonsense splits.
    if depth > 2 or len(word) < 6:
        return False
    for cut in range(len(word) - 3, 2, -1):
        head, tail = word[:cut], word[cut:]
        if len(tail) < 3:
            continue
        head_ok = zipf_frequency(head, "sv") >= 2.0 or (
            head[-1] in LINKING and len(head) > 3 and zipf_frequency(head[:-1], "sv") >= 2.0
        )
        if not head_ok:
            continue
        if tail in NOT_COMPOUND_TAILS:
            continue
        if zipf_frequency(tail, "sv") >= 2.0 or _is_compound(tail, depth + 1):
            return True
    return False


class HyphenationRepairer:
    """Decides how to rejoin ``head-`` at a line end with ``tail`` on the next line.

    ``fit`` reads the document's own text first, so that a word the document writes with a
    hyphen mid-line keeps it at a line break too, and one it writes closed is closed.
    """

    def __init__(self) -> None:
        self.seen_hyphenated: Counter[str] = Counter()
        self.seen_closed: Counter[str] = Counter()

    def fit(self, lines: Iterable[str]) -> "HyphenationRepairer":
        bodies = []
        for line in lines:
            body = line.rstrip()
            if body.endswith("-"):
                body = body[:-1]  # the line-end hyphen itself is what we must decide
            bodies.append(body)
        # one pass over the whole text (a word never spans a line), counted once per form
        for token, count in Counter(_WORD.findall("\n".join(bodies))).items():
            token = token.lower()
            if "-" in token:
                self.seen_hyphenated[token] += count
            else:
                self.seen_closed[token] += count
        return self

    def _hyphenated_stem_seen(self, head: str, tail: str) -> bool:
        if len(tail) < 5:
            return False
        prefix = f"{head}-{tail[:max(5, len(tail) - 3)]}"
        return any(token.startswith(prefix) for token in self.seen_hyphenated)

    def join(self, head: str, tail: str) -> str:
        """Return the text that replaces ``head + '-' + <line break> + tail``.

        ``head`` is the last token before the hyphen, ``tail`` the first token of the
        next line (with any trailing punctuation).
        """
        tail_word = re.match(r"[^\W_]+", tail)
        tail_core = tail_word.group(0) if tail_word else ""
        head_core_match = re.search(r"[^\W_]+$", head)
        head_core = head_core_match.group(0) if head_core_match else ""
        if not head_core or not tail_core:
            return f"{head}-{tail}"
        if tail_core.lower() in CONJUNCTIONS:
            closed = (head_core + tail_core).lower()
            # "men" is also the plural ending of -em words: "proble-men", "syste-men"
            attested = zipf_frequency(closed, "sv") >= MIN_ZIPF or (tail_core.lower() == "men" and is_known_word(closed))
            if not attested:
                return f"{head}- {tail}"  # suspended compound: "kvälls- och nattidrott"
        if head_core[-1].isdigit() or tail_core[0].isdigit():
            return f"{head}-{tail}"  # "covid-19", "2019-2020"
        if tail_core[0].isupper():
            return f"{head}-{tail}"  # "Rinkeby-Kista", "Stjärnmärkt-Kvalitet"
        if sum(c.isupper() for c in head_core) >= 2 and head_core.upper() == head_core:
            return f"{head}-{tail}"  # acronym compound: "LSS-boende"
        closed = (head_core + tail_core).lower()
        hyphenated = f"{head_core}-{tail_core}".lower()
        if self.seen_hyphenated[hyphenated] > self.seen_closed[closed]:
            return f"{head}-{tail}"
        if self.seen_closed[closed] == 0 and self._hyphenated_stem_seen(head_core.lower(), tail_core.lower()):
            return f"{head}-{tail}"  # another form of the word is written with the hyphen: "bo-vägledare"
        if self.seen_closed[closed] > 0:
            return head + tail
        if head_core.lower() in HYPHEN_PREFIXES:
            return f"{head}-{tail}"
        if is_known_word(closed):
            return head + tail
        if len(tail_core) <= 3 and zipf_frequency(head_core.lower(), "sv") >= 3.0 and zipf_frequency(tail_core.lower(), "sv") >= 3.0:
            return f"{head}-{tail}"  # two whole words that do not make a word closed: "drop-in"
        # Neither form is attested: justified layouts break words far more often than
        # they break at real hyphens, and Swedish writes compounds closed.
        return head + tail


# "SÄBO- läkare", "LSS- insatser": an extractor left a space after an acronym's hyphen where
# the line broke; unless a conjunction follows ("LSS- och hemtjänstverksamheten"), the
# hyphen joins the acronym to the word, as "LSS-boende" is written mid-line.
_ACRONYM_GAP = re.compile(
    r"(?<![\w-])(?P<acronym>[A-ZÅÄÖ]{2,}[0-9]*)- (?=(?P<tail>[a-zåäö]+))"
)


def close_acronym_gaps(text: str) -> str:
    """Join "ACRONYM- word" into "ACRONYM-word" unless the word is a conjunction."""
    if "- " not in text:
        return text

    def fix(match: re.Match[str]) -> str:
        if match["tail"] in CONJUNCTIONS:
            return match.group(0)
        return match["acronym"] + "-"

    return _ACRONYM_GAP.sub(fix, text)


# The soft hyphen, and U+FFFE, the non-character PDFium and some extractors emit where a
# word was broken at a line end: the one place both are named (text.py, pdf.py read them here).
SOFT_HYPHEN = "\u00ad"
BREAK_MARK = "\ufffe"
SOFT_MARKS = (SOFT_HYPHEN, BREAK_MARK)


def strip_soft_hyphens(text: str) -> str:
    """Remove soft hyphens (U+00AD) and the U+FFFE markers some extractors emit."""
    return text.replace(SOFT_HYPHEN, "").replace(BREAK_MARK, "")
