"""Features of a candidate span for the program classifier (sparse, name → value).

The words just before and after the span carry most of the signal: they tell where a
Swedish name ends ("Livsstil för hjärnhälsa | införs", "Bryt upp | ,") and whether the
span is a name at all ("projektet | X", "X | -ledare", "i samverkan med | X").
"""

from __future__ import annotations

import re

from .candidates import FUNCTION_WORDS, Candidate, word_zipf
from .normalise import TITLE_HEADS, canonical_key

_WORD = re.compile(r"[\w][\w\-–/]*")
_HEAD_SUFFIXES = ("program", "strategi", "policy", "plan", "lyftet", "modell", "metod", "vision", "koncept")
# organisation and place endings: "förvaltningen", "nämnden", "Demenscentrum", "torg"
_ORG_SUFFIXES = ("förvaltningen", "förvaltning", "nämnden", "nämnd", "myndigheten", "centrum", "torg", "parken",
                 "huset", "skolan", "förskola", "förskolan", "kommun", "region", "stiftelsen", "föreningen", "bolaget",
                 "verket", "inspektionen", "styrelsen", "lagen", "polisen", "gården", "stadsdel")


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "AA"
    if word[:1].isupper():
        return "Aa"
    if word[:1].isdigit():
        return "9"
    return "a"


def candidate_features(text: str, candidate: Candidate, sentence_starts: set[int]) -> dict[str, float]:
    words = candidate.text.split()
    first, last = words[0], words[-1]
    before = _WORD.findall(text[max(0, candidate.start - 60):candidate.start])
    after = _WORD.findall(text[candidate.end:candidate.end + 40])
    char_before = text[candidate.start - 1] if candidate.start > 0 else "^"
    char_after = text[candidate.end] if candidate.end < len(text) else "$"
    next_nonspace = text[candidate.end:candidate.end + 3].strip()[:1] or "$"
    key = canonical_key(candidate.text)
    f: dict[str, float] = {f"cue={c}": 1.0 for c in candidate.cues}
    f[f"ncues={min(len(candidate.cues), 3)}"] = 1.0
    f[f"nw={min(len(words), 8)}"] = 1.0
    f["nw"] = min(len(words), 12) / 12
    f[f"shape_first={_shape(first)}"] = 1.0
    f[f"shape_last={_shape(last)}"] = 1.0
    f[f"shape_seq={''.join(_shape(w) for w in words[:4])}"] = 1.0
    f[f"first={first.lower()}"] = 1.0
    f[f"last={last.lower()}"] = 1.0
    f[f"last_suf3={last.lower()[-3:]}"] = 1.0
    f[f"first_suf4={first.lower()[-4:]}"] = 1.0
    f[f"prev1={before[-1].lower() if before else '^'}"] = 1.0
    f[f"prev2={' '.join(w.lower() for w in before[-2:]) if before else '^'}"] = 1.0
    f[f"prev1_suf4={before[-1].lower()[-4:] if before else '^'}"] = 1.0
    f[f"next1={after[0].lower() if after and next_nonspace.isalnum() else next_nonspace}"] = 1.0
    f[f"next_char={char_after if not char_after.isspace() else 'space'}"] = 1.0
    f[f"prev_char={char_before if not char_before.isspace() else 'space'}"] = 1.0
    f["in_quotes"] = float(char_before in "«”\"“" and char_after in "»”\"“")
    f["sentence_start"] = float(candidate.start in sentence_starts)
    f["title_head"] = float(key.split(" ")[0] in TITLE_HEADS if key else 0.0)
    f["compound_head"] = float(len(words) == 1 and any(key.endswith(s) for s in _HEAD_SUFFIXES))
    f["org_suffix"] = float(any(last.lower().endswith(s) for s in _ORG_SUFFIXES))
    f["has_digit"] = float(any(ch.isdigit() for ch in candidate.text))
    f["inner_caps"] = float(sum(1 for w in words[1:] if w[:1].isupper()))
    f["function_inside"] = float(sum(1 for w in words if w.lower() in FUNCTION_WORDS)) / len(words)
    f["next_is_function"] = float(bool(after) and after[0].lower() in FUNCTION_WORDS and next_nonspace.isalnum())
    f["next_is_cap"] = float(bool(after) and after[0][:1].isupper() and next_nonspace.isalnum())
    f["genitive"] = float(last.endswith("s") and len(last) > 4)
    f["acronym_link"] = float(bool(candidate.acronym_of or candidate.long_form_of))
    f["len_chars"] = min(len(candidate.text), 90) / 90
    # how common the words are in Swedish at large: coined names ("Matlyftet",
    # "platssamverkan") are rare words, organisations and generic nouns ("polisen",
    # "samverkan") common ones
    content = [w for w in words if w.lower() not in FUNCTION_WORDS] or words
    frequencies = [word_zipf(w) for w in content]
    f["zipf_min"] = min(frequencies) / 8
    f["zipf_max"] = max(frequencies) / 8
    f["zipf_first"] = word_zipf(first) / 8
    f[f"rare_words={min(sum(1 for z in frequencies if z < 1.5), 3)}"] = 1.0
    return f
