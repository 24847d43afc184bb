"""Canonical keys for program names: one key per program, whatever the surface form.

Variants folded (each a rule a person can check):

- case, Unicode form, surrounding quotes and whitespace;
- hyphens and dashes inside words ("Silvia-certifiering" = "Silviacertifiering"),
  en dash = hyphen in number ranges ("2024–2028" = "2024-2028");
- a trailing "(ACR)" after a long form (the acronym is linked separately);
- the genitive -s of the last word ("Matlyftets" → "matlyftet") when the base form
  exists (``strip_genitive``), since Swedish words may end in -s anyway ("Stockholms");
- definite forms of title heads ("programmet" → "program", "strategin" → "strategi",
  "handlingsplanen" → "handlingsplan", "kvalitetsprogrammet" → "kvalitetsprogram");
- an article after "för" ("Handlingsplan för en äldrevänlig stad") and a leading
  "Stockholms stads"/"stadens" (the city's programs are written both ways).
"""

from __future__ import annotations

import re
import unicodedata

QUOTE_CHARS = "\"'«»”“„’‘"
# definite (and genitive) forms of title heads, as compound tails too: longest first
_HEAD_FORMS: tuple[tuple[str, str], ...] = (
    ("programmets", "program"), ("programmet", "program"),
    ("handlingsplanens", "handlingsplan"), ("handlingsplanen", "handlingsplan"),
    ("strategins", "strategi"), ("strategin", "strategi"),
    ("policyns", "policy"), ("policyn", "policy"),
    ("planens", "plan"), ("planen", "plan"),
    ("visionens", "vision"), ("visionen", "vision"),
    ("modellens", "modell"), ("modellen", "modell"),
    ("metodens", "metod"), ("metoden", "metod"),
    ("konceptets", "koncept"), ("konceptet", "koncept"),
    ("projektets", "projekt"), ("projektet", "projekt"),
)
TITLE_HEADS = ("program", "handlingsplan", "strategi", "policy", "plan", "vision", "riktlinjer")
_ARTICLES = re.compile(r"\b(för|mot|om) (?:en|ett|de|den|det) ")
_CITY_PREFIX = re.compile(r"^(?:stockholms stads|stockholm stads|stadens|nämndens) ")
_INNER_HYPHEN = re.compile(r"(?<=[^\W\d_])[-‐‑](?=[^\W\d_])")
_ACRONYM_TAIL = re.compile(r"\s*\(([A-ZÅÄÖ][A-ZÅÄÖ0-9\-]{1,7})\)\s*$")


def clean_surface(text: str) -> str:
    """The mention as a person would list it: quotes and stray punctuation trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = " ".join(text.split())
    return text.strip(QUOTE_CHARS + " ,.;:")


def _fold_head(word: str) -> str:
    for form, base in _HEAD_FORMS:
        if word.endswith(form) and (len(word) == len(form) or len(word) - len(form) >= 3):
            return word[: len(word) - len(form)] + base
    return word


def canonical_key(text: str) -> str:
    """The key that all spellings of one program share (see module docstring)."""
    text = clean_surface(text)
    text = _ACRONYM_TAIL.sub("", text)
    text = text.lower().replace("–", "-").replace("—", "-")
    text = _INNER_HYPHEN.sub("", text)
    text = re.sub(r"[^\w\s\-,/&!]", " ", text)
    words = text.replace(",", " ,").split()
    if words:
        # title heads are inflected at the start ("Handlingsplanen för …") or as the tail of
        # a compound name ("kvalitetsprogrammet"); other words keep their form
        words[0] = _fold_head(words[0])
        if len(words) == 1 or words[-1] != words[0]:
            words[-1] = _fold_head(words[-1])
    text = " ".join(words).replace(" ,", ",")
    text = _ARTICLES.sub(r"\1 ", text)
    text = _CITY_PREFIX.sub("", text)
    return text.strip()


def strip_genitive(key: str, known: set[str] | frozenset[str]) -> str:
    """``key`` without a genitive -s when the base form is a known key ("matlyftets")."""
    if key.endswith("s") and key[:-1] in known:
        return key[:-1]
    return key


def stem_key(key: str) -> str:
    """A looser key for single-word names: inflection endings off ("stjärnmärkta",
    "stjärnmärkning", "stjärnmärknings" → "stjärnmärk"). Used only to link a new mention
    to a program already known, never to merge two known programs."""
    if " " in key or len(key) < 7:
        return key
    for suffix in ("ningarnas", "ningarna", "ningens", "ningen", "ningar", "nings", "ning", "arnas", "arna",
                   "ets", "ens", "et", "en", "ta", "t", "s", "a"):
        if key.endswith(suffix) and len(key) - len(suffix) >= 6:
            return key[: -len(suffix)]
    return key


def acronym_letters(acronym: str) -> str:
    return re.sub(r"[^A-Za-zÅÄÖåäö]", "", acronym).lower()


def matches_acronym(long_form: str, acronym: str) -> bool:
    """Does ``long_form`` spell ``acronym`` by word initials or compound parts?

    "Sociala insatsgrupper" ~ SIG (S + I-nsats-G-rupper), "Alla Barn i Centrum" ~ ABC,
    "offentligt skyddade anställningar" ~ OSA. Letters must appear in order, the first
    at the first word's start and every word's initial used (function words may be skipped).
    """
    letters = acronym_letters(acronym)
    words = [w for w in re.split(r"[\s/,\-–]+", long_form.lower()) if w]
    if not letters or not words or words[0][0] != letters[0]:
        return False
    skippable = {"och", "i", "för", "av", "på", "med", "till", "en", "ett", "de", "den", "det"}
    position = 0  # index into letters

    def consume(word_index: int, pos: int) -> bool:
        if word_index == len(words):
            return pos == len(letters)
        word = words[word_index]
        options = []
        if pos < len(letters) and word[0] == letters[pos]:
            # the initial, then optionally more letters from inside the compound
            inner = pos + 1
            options.append(inner)
            cursor = 1
            while inner < len(letters):
                found = word.find(letters[inner], cursor)
                if found < 0:
                    break
                inner += 1
                cursor = found + 1
                options.append(inner)
        if word in skippable:
            options.append(pos)
        return any(consume(word_index + 1, nxt) for nxt in reversed(options))

    return consume(0, position)
