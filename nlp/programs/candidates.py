"""Candidate program names from Swedish cue patterns (high recall; a classifier keeps the real ones).

Swedish names capitalise only their first word ("Livsstil för hjärnhälsa", "God och nära
vård och omsorg") and some are lower case ("ramtid", "kvalitetsprogrammet"), so a span's
end cannot be read from capitalisation. Each rule therefore proposes a start and *every*
plausible end (up to a few words, never across sentence punctuation); the classifier,
which sees the words after the span, picks the right one. Sources (``cues``):

- ``quoted``: a name in quotes («Bryt upp», ”Matlyftet”, "Digital inkludering");
- ``cue``: after a head noun such as "projektet", "metoden", "modellen", "satsningen",
  "konceptet", "arbetssättet", "föräldrautbildningen" (also as compound tails);
- ``frame``: after "inom ramen för", "utgångspunkt i", "utifrån", "enligt", "implementera",
  "införandet av", "arbetar med" …;
- ``title``: "Program för …", "Handlingsplan(en) för …", "Strategi för …",
  "Stockholms stads program för …", commas allowed inside ("idrott, motion och friluftsliv");
- ``compound``: one word ending in a title head ("miljöprogrammet", "parkleksstrategin",
  "näringslivspolicy", "Matlyftet"), with a following year range if any;
- ``capitalised``: a capitalised word inside a sentence and the words after it;
- ``rare_initial``: a sentence's first word when it is capitalised and rare in Swedish at
  large (a coined name: "Lekvärdesfaktorn bidrar …", "Platssamverkan fortlöper …");
- ``acronym``: a bare upper-case acronym; ``acronym_def``/``acronym_long``: a long form
  with its acronym in parentheses ("Sociala insatsgrupper (SIG)") or the reverse
  ("ABC (Alla barn i centrum)"); ``hyphen_head``: the name part of "ABC-ledare".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from wordfreq import zipf_frequency

from .normalise import matches_acronym

UPPER = "A-ZÅÄÖÉÜ"
_WORD = re.compile(r"[\w][\w\-–/]*[\w]|[\w]")
MAX_WORDS = 7
MAX_TITLE_WORDS = 13
FUNCTION_WORDS = frozenset({"och", "för", "i", "av", "med", "till", "som", "på", "om", "mot", "en", "ett", "de", "den",
                            "det", "att", "samt", "eller", "inom", "från", "vid", "under", "kring", "där", "både", "alla"})
CUE_TAILS = ("projektet", "projekten", "metoden", "metoderna", "modellen", "satsningen", "konceptet", "arbetssättet",
             "initiativet", "kampanjen", "utbildningen", "insatsen", "verktyget", "nätverket", "certifieringen",
             "programmet", "samarbetet", "samverkan", "konceptet", "stödet", "arbetsmetoden", "arbetsmodellen")
FRAMES = ("inom ramen för", "utgångspunkt i", "utifrån", "enligt", "implementera", "implementeringen av",
          "implementering av", "införandet av", "införa", "införs", "arbetar med", "arbeta med", "arbetet med",
          "arbetssättet med", "genom", "i linje med", "omställningen till", "omställningsarbetet till en",
          "omställningsarbetet till", "ansluten till", "anslutit sig till", "deltar i", "deltagit i", "kallat",
          "kallad", "benämnt", "benämnd", "så kallade", "s.k.")
_TITLE_START = re.compile(
    rf"(?<![\w-])((?:[{UPPER}][\w-]+s (?:[Ss]tads|[Kk]ommuns|[Rr]egions|[Ll]äns) |[Ss]tadens |[Nn]ämndens |[Kk]ommunens |"
    rf"[Rr]egionens )?"
    rf"(?:[Pp]rogram(?:met)?|[Hh]andlingsplan(?:en)?|[Ss]trategi(?:n)?|[Pp]olicy(?:n)?|[Pp]lan(?:en)?|"
    rf"[Nn]ollvision(?:en)?|[Vv]ision(?:en)?|[Rr]iktlinjer(?:na)?)"
    rf"(?: (?:för|mot|om|kring)) )")
_COMPOUND = re.compile(
    r"(?<![\w-])(\w[\w-]{2,}(?:program(?:met)?|strategi(?:n)?|policy(?:n)?|planen|lyftet|modellen|metoden|garantin|"
    r"satsningen|projektet|initiativet|kampanjen|resan|språnget|kontraktet|löftet|färdplan(?:en)?)"
    r"(?: (?:\d{4}[-–]\d{2,4}|\d{4}))?)(?![\w-])")
# a capitalised name ending in a year or period: "Vision Järva 2030", "Klimatkontrakt 2030",
# "Miljöprogram 2030", "Handlingsplan 2022–2025"
_NAME_YEAR = re.compile(rf"(?<![\w-])([{UPPER}][\w-]+(?: [\w-]+){{0,4}} (?:19|20)\d\d(?:[-–](?:19|20)?\d\d)?)(?![\w-])")
_QUOTED = re.compile(r"[«”\"“]([^«»”\"“\n]{2,80}?)[»”\"“]")
_ACRONYM = re.compile(rf"(?<![\w-])([{UPPER}][{UPPER}0-9]{{1,6}})(?![\w])")
_PAREN_ACRONYM = re.compile(rf"\(([{UPPER}][{UPPER}0-9\-]{{1,7}})\)")
_ACRONYM_PAREN = re.compile(rf"(?<![\w-])([{UPPER}][{UPPER}0-9]{{1,6}}) \(([^()]{{3,120}})\)")
_SENTENCE_BREAK = re.compile(r"[.!?:;•]\s+|\n|^\s*[-–]\s+")
_STOP_BETWEEN = re.compile(r"[.!?:;()\[\]«»”\"“]|\s[-–]\s")


RARE_ZIPF = 1.0  # wordfreq Zipf frequency below which a word counts as rare (coined)


@lru_cache(maxsize=65536)
def word_zipf(word: str) -> float:
    """How common a word is in Swedish (wordfreq Zipf scale, 0 = unseen, 7 = "och")."""
    return zipf_frequency(word.strip("()”\"«»:").lower(), "sv")


@dataclass
class Candidate:
    start: int
    end: int
    text: str
    cues: set[str] = field(default_factory=set)
    acronym_of: str | None = None  # for a bare "SIG" defined by "Sociala insatsgrupper (SIG)": the long form
    long_form_of: str | None = None  # for "Sociala insatsgrupper": its acronym "SIG"

    @property
    def cue(self) -> str:
        return "+".join(sorted(self.cues))


@dataclass
class _Word:
    start: int
    end: int
    text: str


def _words(text: str) -> list[_Word]:
    return [_Word(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def sentence_starts(text: str) -> set[int]:
    """Character offsets where a sentence (or list item) starts."""
    starts = {0}
    for match in _SENTENCE_BREAK.finditer(text):
        starts.add(match.end())
    return starts


def _extend(text: str, words: list[_Word], first: int, max_words: int, allow_comma: bool) -> list[tuple[int, int]]:
    """(start, end) for spans of 1..max_words words from ``words[first]``, stopping at
    sentence punctuation, quotes and brackets, and never ending on a function word."""
    out: list[tuple[int, int]] = []
    start = words[first].start
    for last in range(first, min(len(words), first + max_words)):
        if last > first:
            gap = text[words[last - 1].end:words[last].start]
            if _STOP_BETWEEN.search(gap) or (not allow_comma and "," in gap) or gap.count(",") > 1:
                break
        if words[last].text.lower() in FUNCTION_WORDS:
            continue
        out.append((start, words[last].end))
    return out


def find_candidates(text: str) -> list[Candidate]:
    """All candidate spans in a passage, one per (start, end) with the cues that proposed it."""
    found: dict[tuple[int, int], Candidate] = {}

    def add(start: int, end: int, cue: str, acronym_of: str | None = None, long_form_of: str | None = None) -> None:
        while end > start and text[end - 1] in " ,.;:–-\"'”»/":
            end -= 1
        while start < end and text[start] in " \"'”«“(":
            start += 1
        if end - start < 2:
            return
        candidate = found.get((start, end))
        if candidate is None:
            candidate = found[(start, end)] = Candidate(start, end, text[start:end])
        candidate.cues.add(cue)
        candidate.acronym_of = candidate.acronym_of or acronym_of
        candidate.long_form_of = candidate.long_form_of or long_form_of

    words = _words(text)
    by_start = {w.start: i for i, w in enumerate(words)}
    starts = sentence_starts(text)
    lowered = text.lower()

    for match in _QUOTED.finditer(text):
        content = match.group(1)
        if 1 <= len(content.split()) <= 10 and not content.rstrip().endswith((".", "?", "!")):
            add(match.start(1), match.end(1), "quoted")

    for i, word in enumerate(words[:-1]):
        lower = word.text.lower()
        if lower.endswith(CUE_TAILS):
            gap = text[word.end:words[i + 1].start]
            if gap.strip() in ("", "”", '"', "«", "“"):
                for start, end in _extend(text, words, i + 1, MAX_WORDS, False):
                    add(start, end, "cue")

    for frame in FRAMES:
        for match in re.finditer(rf"(?<![\w-]){re.escape(frame)}\s+", lowered):
            first = by_start.get(match.end())
            if first is not None:
                for start, end in _extend(text, words, first, MAX_WORDS, False):
                    add(start, end, "frame")

    for match in _TITLE_START.finditer(text):
        first = by_start.get(match.start(1))
        if first is None:
            continue
        for start, end in _extend(text, words, first, MAX_TITLE_WORDS, True):
            if end > match.end(1):
                add(start, end, "title")
                # "stadens program för …": the name is written without the possessive
                if text[start:].lower().startswith(("stadens ", "nämndens ")):
                    add(text.index(" ", start) + 1, end, "title")

    for match in _COMPOUND.finditer(text):
        add(match.start(1), match.end(1), "compound")
        if " " in match.group(1):
            add(match.start(1), match.start(1) + match.group(1).index(" "), "compound")

    for i, word in enumerate(words):
        if not word.text[:1].isupper():
            continue
        if word.start in starts:
            # a sentence's first word is capitalised anyway; only a rare one may be a name
            if len(word.text) >= 6 and "-" not in word.text and word_zipf(word.text) < RARE_ZIPF:
                for start, end in _extend(text, words, i, 3, False):
                    add(start, end, "rare_initial")
            continue
        for start, end in _extend(text, words, i, MAX_WORDS, False):
            add(start, end, "capitalised")
        if "-" in word.text:
            head, tail = word.text.split("-", 1)
            if len(head) >= 2 and tail[:1].islower():
                add(word.start, word.start + len(head), "hyphen_head")

    for match in _NAME_YEAR.finditer(text):
        # every start from the first capitalised word, ending at the year
        first = by_start.get(match.start(1))
        if first is not None:
            for i in range(first, len(words)):
                if words[i].start >= match.end(1) - 4:
                    break
                common_opening = words[i].start in starts and word_zipf(words[i].text) >= 3.0  # "Vi", "Under"
                if words[i].text[:1].isupper() and not common_opening:
                    add(words[i].start, match.end(1), "name_year")

    for match in _ACRONYM.finditer(text):
        add(match.start(1), match.end(1), "acronym")

    # "Long form (ACR)": the shortest tail of the preceding words that spells the acronym
    for match in _PAREN_ACRONYM.finditer(text):
        acronym = match.group(1)
        before = [w for w in words if w.end <= match.start() and w.start >= max(0, match.start() - 160)]
        for n in range(1, min(len(before), 9) + 1):
            tail = before[-n:]
            if _STOP_BETWEEN.search(text[tail[0].start:match.start()]):
                break
            long_form = text[tail[0].start:tail[-1].end]
            if tail[0].text.lower() in FUNCTION_WORDS - {"alla"}:
                continue
            if matches_acronym(long_form, acronym):
                add(tail[0].start, match.end(), "acronym_def", long_form_of=acronym)
                add(tail[0].start, tail[-1].end, "acronym_long", long_form_of=acronym)
                add(match.start(1), match.end(1), "acronym_short", acronym_of=long_form)
                break
    # "ACR (Long form, …)": the acronym first, its expansion in parentheses
    for match in _ACRONYM_PAREN.finditer(text):
        if matches_acronym(match.group(2), match.group(1)):
            add(match.start(1), match.end(), "acronym_def", long_form_of=match.group(1))
            add(match.start(1), match.end(1), "acronym_short", acronym_of=match.group(2))
    return sorted(found.values(), key=lambda c: (c.start, -(c.end - c.start)))
