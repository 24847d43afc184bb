"""Swedish sentence segmentation: ``spacy.blank("sv")`` plus abbreviation-aware rules."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

from .. import _spacy_light  # noqa: F401,I001 - first: spaCy without PyTorch
import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

from ..model import Sentence

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
    # the previous two tokens are carried along: indexing a Doc costs more than the rules
    before_prev = prev = None
    for token in doc:
        if prev is None:
            token.is_sent_start = True
            prev = token
            continue
        text = token.text
        prev_text = prev.text
        start = False
        if text in CLOSERS and not prev.whitespace_:
            start = False  # a closing quote or parenthesis stays with its sentence
        elif prev_text in SENTENCE_END or (prev_text.endswith(".") and len(prev_text) > 1
                                           and prev_text.lower() not in NON_FINAL):
            first = text[:1]
            # a new sentence starts with a capital, a digit, a quote or a dash/bullet
            start = bool(first) and (first.isupper() or first.isdigit() or first in "\"'”»(–-•")
            if prev_text.lower() in NON_FINAL:
                start = False
            if first.isdigit() and prev_text == "." and before_prev is not None and before_prev.like_num:
                start = False  # "1.1.2" style numbering split by the tokenizer
        elif prev_text in CLOSERS and before_prev is not None and before_prev.text in SENTENCE_END \
                and not before_prev.whitespace_:
            start = text[:1].isupper()
        token.is_sent_start = start
        before_prev, prev = prev, token
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


def _one_sentence(text: str) -> bool:
    """A text the rules cannot split: no sentence-ending mark before its last character
    (headings, list items, table-free short paragraphs). Skipping spaCy for these gives
    the same sentences."""
    body = text[:-1]
    return bool(text) and text == text.strip() and not any(mark in body for mark in ".!?…")


def split_many(texts: Iterable[str], batch_size: int = 256) -> Iterator[list[Sentence]]:
    """Stream sentence splitting over many texts (``Language.pipe``), in input order."""
    nlp = sentence_pipeline()
    pending: list[tuple[int, str]] = []
    results: dict[int, list[Sentence]] = {}
    next_out = 0

    def parsed(batch: list[tuple[int, str]]) -> None:
        for (index, _), doc in zip(batch, nlp.pipe((t for _, t in batch), batch_size=batch_size)):
            results[index] = [Sentence(text=s.text.strip(), start=s.start_char, end=s.end_char)
                              for s in doc.sents if s.text.strip()]

    for index, text in enumerate(texts):
        if _one_sentence(text):
            results[index] = [Sentence(text=text, start=0, end=len(text))]
        else:
            pending.append((index, text))
            if len(pending) >= batch_size:
                parsed(pending)
                pending = []
        while next_out in results:
            yield results.pop(next_out)
            next_out += 1
    if pending:
        parsed(pending)
    while next_out in results:
        yield results.pop(next_out)
        next_out += 1
