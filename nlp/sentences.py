"""Swedish sentence segmentation: ``spacy.blank("sv")`` plus abbreviation-aware rules."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

from . import _spacy_light  # noqa: F401,I001 - first: spaCy without PyTorch
import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

from .model import Sentence

# Abbreviations common in Swedish public-sector prose. A period after these does not end
# a sentence unless the next word starts a new sentence in its own right (capital letter
# after a unit such as "mnkr" at the end of a sentence is handled below).
ABBREVIATIONS = (
    "bl.a.", "t.ex.", "d.v.s.", "dvs.", "m.m.", "m.fl.", "o.s.v.", "osv.", "s.k.", "p.g.a.",
    "pga.", "fr.o.m.", "t.o.m.", "f.d.", "inkl.", "exkl.", "ca.", "kap.", "nr.", "resp.",
    "jfr.", "tel.", "st.", "kl.", "mnkr.", "tkr.", "mkr.", "mdkr.", "milj.", "t.v.", "o.d.",
    "e.d.", "enl.", "bl.", "ang.", "avd.", "forts.", "proc.", "dir.", "prop.", "SFS.", "sid.",
    "s.", "f.", "ff.", "dnr.", "Dnr.", "ev.", "el.", "ggr.", "tim.", "min.", "max.", "mån.",
)
# After these, a capitalised word still continues the sentence (units and numbers).
NON_FINAL = frozenset(a.lower() for a in ABBREVIATIONS if a not in ("mnkr.", "tkr.", "mkr.", "mdkr.", "osv.", "m.m.", "m.fl.", "o.s.v.", "inkl.", "exkl."))
SENTENCE_END = frozenset({".", "!", "?", "…"})
CLOSERS = frozenset({"”", '"', "»", ")", "’", "'"})


@Language.component("swedish_sentence_rules")
def swedish_sentence_rules(doc: Doc) -> Doc:
    """Set sentence starts after . ! ? unless the period belongs to an abbreviation,
    a number ("kap. 3"), or the next word starts in lowercase."""
    for i, token in enumerate(doc):
        if i == 0:
            token.is_sent_start = True
            continue
        prev = doc[i - 1]
        start = False
        if token.text in CLOSERS and not prev.whitespace_:
            start = False  # a closing quote or parenthesis stays with its sentence
        elif prev.text in SENTENCE_END or (prev.text.endswith(".") and prev.text.lower() not in NON_FINAL and len(prev.text) > 1):
            first = token.text[:1]
            # a new sentence starts with a capital, a digit, a quote or a dash/bullet
            start = bool(first) and (first.isupper() or first.isdigit() or first in "\"'”»(–-•")
            if prev.text.lower() in NON_FINAL:
                start = False
            if first.isdigit() and prev.text == "." and i >= 2 and doc[i - 2].like_num:
                start = False  # "1.1.2" style numbering split by the tokenizer
        elif prev.text in CLOSERS and i >= 2 and doc[i - 2].text in SENTENCE_END and not doc[i - 2].whitespace_:
            start = token.text[:1].isupper()
        token.is_sent_start = start
    return doc


@lru_cache(maxsize=1)
def sentence_pipeline() -> Language:
    """A blank Swedish pipeline whose tokenizer keeps the abbreviations whole."""
    nlp = spacy.blank("sv")
    for abbreviation in ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
        capitalised = abbreviation[:1].upper() + abbreviation[1:]
        nlp.tokenizer.add_special_case(capitalised, [{ORTH: capitalised}])
    nlp.add_pipe("swedish_sentence_rules")
    return nlp


def split_sentences(text: str) -> list[Sentence]:
    """Split one block's text into sentences with character offsets."""
    return next(iter(split_many([text])))


def split_many(texts: Iterable[str], batch_size: int = 256) -> Iterator[list[Sentence]]:
    """Stream sentence splitting over many texts (``Language.pipe``)."""
    nlp = sentence_pipeline()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield [
            Sentence(text=s.text.strip(), start=s.start_char, end=s.end_char)
            for s in doc.sents
            if s.text.strip()
        ]
