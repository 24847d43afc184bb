"""Swedish sentence segmentation: ``spacy.blank("sv")`` plus abbreviation-aware rules."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from .. import _spacy_light  # noqa: F401,I001 - first: spaCy without PyTorch
import numpy as np
import spacy
from spacy.language import Language
from spacy.attrs import IDX, LENGTH, LIKE_NUM, SENT_START, SPACY
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


# the last character of a token after which a sentence may start
_CANDIDATE_END = re.compile("[" + re.escape("".join(SENTENCE_END | CLOSERS)) + "]")
_FIRST_CHARS = "\"'”»(–-•"


def _sentence_starts(doc: Doc, text: str) -> tuple[list[int], list[int], list[int]]:
    """Each token's start and end offsets, and the indices of the tokens that start a
    sentence, ``text`` being ``doc.text`` (which spaCy rebuilds token by token).

    Only a token after one ending in . ! ? … or a closing quote can start a sentence, so
    the rules look at those few tokens."""
    count = len(doc)
    columns = doc.to_array([IDX, LENGTH, SPACY, LIKE_NUM])
    token_ends = columns[:, 0] + columns[:, 1]
    starts = columns[:, 0].tolist()
    ends = token_ends.tolist()
    spaced = columns[:, 2].tolist()
    numeric = columns[:, 3].tolist()
    sentence_starts = [0]
    last = token_ends - 1
    marks = np.fromiter((m.start() for m in _CANDIDATE_END.finditer(text)), dtype=np.int64)
    owners = np.searchsorted(last, marks)  # the token each mark is in, if it is that token's last character
    inside = owners < count
    owners, marks = owners[inside], marks[inside]
    for prev_index in np.unique(owners[last[owners] == marks]).tolist():
        index = prev_index + 1
        if index >= count:
            continue
        token_text = text[starts[index]:ends[index]]
        prev_text = text[starts[prev_index]:ends[prev_index]]
        before = prev_index - 1 if prev_index > 0 else None
        start = False
        if token_text in CLOSERS and not spaced[prev_index]:
            start = False  # a closing quote or parenthesis stays with its sentence
        elif prev_text in SENTENCE_END or (prev_text.endswith(".") and len(prev_text) > 1
                                           and prev_text.lower() not in NON_FINAL):
            first = token_text[:1]
            # a new sentence starts with a capital, a digit, a quote or a dash/bullet
            start = bool(first) and (first.isupper() or first.isdigit() or first in _FIRST_CHARS)
            if prev_text.lower() in NON_FINAL:
                start = False
            if first.isdigit() and prev_text == "." and before is not None and numeric[before]:
                start = False  # "1.1.2" style numbering split by the tokenizer
        elif prev_text in CLOSERS and before is not None and text[starts[before]:ends[before]] in SENTENCE_END \
                and not spaced[before]:
            start = token_text[:1].isupper()
        if start:
            sentence_starts.append(index)
    return starts, ends, sentence_starts


@Language.component("swedish_sentence_rules")
def swedish_sentence_rules(doc: Doc) -> Doc:
    """Set sentence starts after . ! ? unless the period belongs to an abbreviation,
    a number ("kap. 3"), or the next word starts in lowercase. The flags are set with one
    ``Doc.from_array``: setting ``Token.is_sent_start`` token by token costs more than
    the rules."""
    if len(doc) == 0:
        return doc
    _, _, starts = _sentence_starts(doc, doc.text)
    flags = np.full(len(doc), -1, dtype=np.int64)
    flags[starts] = 1
    doc.from_array([SENT_START], flags.astype("uint64").reshape(-1, 1))
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


def _sentences(doc: Doc, text: str) -> list[Sentence]:
    """The sentences of ``text`` tokenised as ``doc``: what ``doc.sents`` gives after the
    rules, read from arrays (a Span and its Tokens per sentence cost more than the
    splitting)."""
    if len(doc) == 0:
        return []
    offsets, ends, starts = _sentence_starts(doc, text)
    sentences = []
    for first, after in zip(starts, starts[1:] + [len(doc)]):
        start, end = offsets[first], ends[after - 1]
        stripped = text[start:end].strip()
        if stripped:
            sentences.append(Sentence(text=stripped, start=start, end=end))
    return sentences


def split_many(texts: Iterable[str], batch_size: int = 256) -> Iterator[list[Sentence]]:
    """Stream sentence splitting over many texts (``Language.pipe``), in input order."""
    nlp = sentence_pipeline()
    pending: list[tuple[int, str]] = []
    results: dict[int, list[Sentence]] = {}
    next_out = 0

    def parsed(batch: list[tuple[int, str]]) -> None:
        # the tokenizer, then the rules on the known text (``swedish_sentence_rules`` in one step)
        for (index, text), doc in zip(batch, nlp.tokenizer.pipe((t for _, t in batch), batch_size=batch_size)):
            results[index] = _sentences(doc, text)

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
