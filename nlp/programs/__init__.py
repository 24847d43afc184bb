"""Named programs and initiatives: extract, normalise and link them across reports.

    from nlp.programs import extract_programs, build_registry
    mentions = extract_programs(document)            # list[Mention], canonical names set
    registry = build_registry(documents)             # linked across reports
    registry.where("Bryt upp")                       # reports, pages and first year
    registry.save(path); Registry.load(path)
    load_pipeline("programs")                        # a saved pipeline folder (models root or a path)
    passage_programs(document)                       # per passage block: canonical names
    update_store_registry(store_root, documents)     # <store>/programs.json

Extraction runs the spaCy pipeline of pipeline.py over the report's passages (nlp.pipe),
then, per report, finds again every kept name elsewhere in the report (a name the
classifier kept once is also a name at a sentence start or in a list) and links the
mentions to programs (registry.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from ..model import Block, Document
from .gazetteer import load_gazetteer
from .normalise import clean_surface
from .pipeline import Hit, build_pipeline, guess_kind, load_pipeline, save_pipeline
from .registry import Mention, Program, Registry, link

__all__ = ["extract_programs", "build_registry", "mentions_from_analysis", "passage_programs", "update_store_registry", "Mention", "Program",
           "Registry", "build_pipeline", "load_pipeline", "save_pipeline"]

REGISTRY_FILE = "programs.json"


def _sentence_of(block: Block, start: int) -> str:
    for sentence in block.sentences:
        if sentence.start <= start < sentence.end:
            return sentence.text
    return block.text


def _propagate(texts: list[str], hits: list[list[Hit]]) -> None:
    """Every kept name, found again wherever else the report writes it (in place)."""
    forms: dict[str, Hit] = {}
    for passage_hits in hits:
        for hit in passage_hits:
            surface = clean_surface(re.sub(r"\s*\([^()]*\)\s*$", "", hit.text))
            if len(surface) >= 2:
                forms.setdefault(surface, hit)
            if hit.long_form_of:
                forms.setdefault(hit.long_form_of, Hit(0, 0, hit.long_form_of, hit.score, hit.kind, hit.gazetteer,
                                                       acronym_of=surface, source="propagated"))
    if not forms:
        return
    # longest first, so "ABC 0-2 år" wins over "ABC"; a lower-case name matches capitalised too
    ordered = sorted(forms, key=len, reverse=True)
    alternatives = []
    for form in ordered:
        head = re.escape(form[0])
        if form[0].islower():
            head = f"[{re.escape(form[0])}{re.escape(form[0].upper())}]"
        alternatives.append(head + re.escape(form[1:]))
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})s?(?![\w])")
    lookup = {form.lower(): forms[form] for form in ordered}
    for text, passage_hits in zip(texts, hits):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < h.end and h.start < end for h in passage_hits):
                continue
            found = match.group()
            origin = lookup.get(found.lower()) or lookup.get(found[:-1].lower())
            if origin is None:
                continue
            passage_hits.append(Hit(start, end, found, origin.score, origin.kind, origin.gazetteer,
                                    acronym_of=origin.acronym_of if origin.source == "propagated" else None,
                                    source="propagated"))
        passage_hits.sort(key=lambda h: h.start)


def _raw_mentions(document: Document, nlp=None) -> list[Mention]:  # noqa: ANN001 - spaCy Language
    nlp = nlp or load_pipeline()
    passages = [(i, b) for i, b in enumerate(document.blocks) if b.is_passage and b.text.strip()]
    texts = [b.text for _, b in passages]
    hits = [list(doc._.program_hits or []) for doc in nlp.pipe(texts, batch_size=256)]
    _propagate(texts, hits)
    mentions = []
    for (index, block), passage_hits in zip(passages, hits):
        for hit in passage_hits:
            kind = hit.kind or guess_kind(hit.text, block.text[max(0, hit.start - 40):hit.start])
            mentions.append(Mention(name="", text=hit.text, kind=kind, doc=document.id, district=document.district,
                                    year=document.year, page=block.page, sentence=_sentence_of(block, hit.start),
                                    block=index, start=hit.start, end=hit.end, score=round(hit.score, 3),
                                    source=hit.source, long_form_of=hit.long_form_of, acronym_of=hit.acronym_of,
                                    gazetteer=hit.gazetteer))
    return mentions


def extract_programs(document: Document, nlp=None, kinds_found: list[str] | None = None) -> list[Mention]:  # noqa: ANN001
    """The program mentions of one report, in reading order, with canonical names.

    ``kinds_found`` (if given) receives each mention's kind before linking, which the
    analysis slot keeps so that a registry can be linked again across reports."""
    mentions = _raw_mentions(document, nlp)
    if kinds_found is not None:
        kinds_found.extend(m.kind for m in mentions)
    link(mentions, load_gazetteer())
    return mentions


def mentions_from_analysis(document: Document) -> list[Mention]:
    """The unlinked mentions of an analysed report, rebuilt from its ``analysis.programs`` slots."""
    mentions = []
    for block in document.blocks:
        for span in block.analysis.programs:
            mentions.append(Mention(name="", text=span.text, kind=span.kind_as_found or span.kind or "program",
                                    doc=document.id, district=document.district, year=document.year, page=block.page,
                                    sentence=_sentence_of(block, span.start), block=block.id or 0,
                                    start=span.start, end=span.end, score=span.score if span.score is not None else 1.0,
                                    source=span.source or "classifier", long_form_of=span.long_form_of,
                                    acronym_of=span.acronym_of, gazetteer=span.gazetteer))
    return mentions


def build_registry(documents: Iterable[Document], nlp=None) -> Registry:  # noqa: ANN001
    """Programs across reports: mentions of all reports linked to one canonical name each.

    A report the analysis stage has run over is read from its slots; others are run
    through the programs pipeline here."""
    mentions: list[Mention] = []
    for document in documents:
        if "programs" in document.analysis:
            mentions.extend(mentions_from_analysis(document))
        else:
            mentions.extend(_raw_mentions(document, nlp))
    link(mentions, load_gazetteer())
    return Registry.from_mentions(mentions)


def passage_programs(document: Document, nlp=None) -> list[list[str]]:  # noqa: ANN001
    """For each passage block (``block.is_passage``), in order: the canonical names in it."""
    mentions = extract_programs(document, nlp)
    by_block: dict[int, list[str]] = {}
    for mention in mentions:
        names = by_block.setdefault(mention.block, [])
        if mention.name not in names:
            names.append(mention.name)
    return [by_block.get(i, []) for i, block in enumerate(document.blocks) if block.is_passage]


def update_store_registry(store_root: Path, documents: Iterable[Document]) -> Path:
    """Build the registry of the given (ingested) documents and write <store>/programs.json."""
    path = Path(store_root) / REGISTRY_FILE
    build_registry(documents).save(path)
    return path
