"""Reused and boilerplate text: what in a report was copied, from where, and how much.

Passages (paragraphs and list items) are compared as normalised word sequences: case
folded and every number replaced by one symbol, so a paragraph whose years and figures
were updated still matches its source. Candidates come from MinHash LSH over word
bigrams (``datasketch``), so a corpus is never compared pair by pair; each candidate is
then verified exactly with a word-level alignment (``difflib``), whose ratio is the
reported similarity.

- ``exact``: the same text (ignoring white space);
- ``near``: similarity ≥ ``min_similarity`` (light edits: figures updated, words changed,
  a clause added or dropped); a paragraph rewritten in new words stays below it;
- ``sentence``: a sentence of an otherwise new passage copied (near-)verbatim.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Sequence

from datasketch import MinHash, MinHashLSH

from .model import Block, BlockType, Document
from .ingest.segment import SUBHEADINGS

_TOKEN = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"^\d[\d,.]*$")


def tokens(text: str) -> list[str]:
    """Case-folded words with every number replaced by "0"."""
    words = _TOKEN.findall(unicodedata.normalize("NFC", text).casefold())
    return ["0" if _NUMBER.match(w) else w for w in words]


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Word-level alignment ratio: 2 × matched words / total words."""
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass
class ReuseConfig:
    """Thresholds; defaults tuned on generated light edits and rewrites (not the test set)."""

    min_words: int = 8  # shorter passages are stock phrases unless asked for
    min_similarity: float = 0.6  # passage-level: near copy at or above
    sentence_min_words: int = 8
    sentence_min_similarity: float = 0.85
    lsh_threshold: float = 0.3  # Jaccard of word bigrams for candidates
    num_perm: int = 64
    max_candidates: int = 50


@dataclass
class Unit:
    """A passage or sentence in the index."""

    doc: str
    block: int
    page: int | None
    section: list[str]
    text: str
    words: list[str]
    year: int | None = None
    district: str | None = None


@dataclass
class ReuseMatch:
    text: str
    doc: str
    page: int | None
    section: list[str]
    source_text: str
    source_doc: str
    source_page: int | None
    similarity: float
    kind: str  # exact | near | sentence
    block: int = -1
    source_block: int = -1
    words: int = 0

    def to_record(self) -> dict[str, Any]:
        record = {k: v for k, v in asdict(self).items() if k not in ("block", "source_block", "words")}
        record["similarity"] = round(self.similarity, 4)
        return record


@dataclass
class ReuseReport:
    doc: str
    matches: list[ReuseMatch]
    total_words: int
    reused_words: int
    by_section: dict[str, dict[str, float]]
    sources: dict[str, float]

    @property
    def reused_share(self) -> float:
        return self.reused_words / self.total_words if self.total_words else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "reused_share": round(self.reused_share, 4),
            "reused_words": self.reused_words,
            "total_words": self.total_words,
            "by_section": self.by_section,
            "sources": self.sources,
            "matches": Counter(m.kind for m in self.matches),
        }


@dataclass
class BoilerplateCluster:
    text: str
    count: int
    sections: list[str] = field(default_factory=list)
    pages: list[int | None] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"text": self.text, "count": self.count, "sections": self.sections, "pages": self.pages}


def _section_key(block: Block) -> str:
    """The nearest heading above a block that names something: generic sub-headings
    ("Analys", "Beskrivning") are skipped so the goal they belong to is named."""
    for heading in reversed(block.section):
        if heading.rstrip(" :").casefold() not in SUBHEADINGS:
            return heading
    return "(utan rubrik)"


def passages(document: Document) -> list[tuple[int, Block]]:
    return [(i, b) for i, b in enumerate(document.blocks) if b.type in (BlockType.PARAGRAPH, BlockType.LIST_ITEM)]


class ReuseIndex:
    """MinHash LSH over passages and sentences of indexed documents."""

    def __init__(self, config: ReuseConfig | None = None) -> None:
        self.config = config or ReuseConfig()
        self._base = MinHash(num_perm=self.config.num_perm)
        self.passage_lsh = MinHashLSH(threshold=self.config.lsh_threshold, num_perm=self.config.num_perm)
        self.sentence_lsh = MinHashLSH(threshold=0.5, num_perm=self.config.num_perm)
        self.units: dict[str, Unit] = {}
        self.sentence_exact: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self.documents: dict[str, Document] = {}
        self._hashes: dict[str, MinHash] = {}  # reused when an indexed document is matched

    def _minhash(self, words: Sequence[str]) -> MinHash:
        shingles = [f"{a} {b}".encode() for a, b in zip(words, words[1:])] or [w.encode() for w in words]
        m = MinHash(num_perm=self.config.num_perm, hashfunc=zlib.crc32, permutations=self._base.permutations,
                    scheme=self._base.scheme)
        m.update_batch(shingles)
        return m

    def add(self, document: Document) -> None:
        if document.id in self.documents:
            return
        self.documents[document.id] = document
        for index, block in passages(document):
            words = tokens(block.text)
            if len(words) >= self.config.min_words:
                key = f"p|{document.id}|{index}"
                self.units[key] = Unit(document.id, index, block.page, block.section, block.text, words,
                                       document.year, document.district)
                self._hashes[key] = self._minhash(words)
                self.passage_lsh.insert(key, self._hashes[key])
            for n, sentence in enumerate(block.sentences or []):
                sw = tokens(sentence.text)
                if len(sw) < self.config.sentence_min_words:
                    continue
                key = f"s|{document.id}|{index}|{n}"
                self.units[key] = Unit(document.id, index, block.page, block.section, sentence.text, sw,
                                       document.year, document.district)
                self.sentence_exact[tuple(sw)].append(key)
                self._hashes[key] = self._minhash(sw)
                self.sentence_lsh.insert(key, self._hashes[key])

    def _best(self, words: list[str], keys: Iterable[str], exclude_doc: str | None, min_sim: float,
              prefer_before: int | None, only_earlier: bool = False) -> tuple[Unit, float] | None:
        best: tuple[float, int, Unit] | None = None
        for key in list(keys)[: self.config.max_candidates * 4]:
            unit = self.units[key]
            if exclude_doc is not None and unit.doc == exclude_doc:
                continue
            if only_earlier and not may_be_source(prefer_before, unit.year):
                continue  # a later report cannot be the source; it is the copy
            # cheap bound: the alignment ratio cannot exceed 2·min/(sum) of the lengths
            if 2 * min(len(words), len(unit.words)) / (len(words) + len(unit.words)) < min_sim:
                continue
            score = similarity(words, unit.words)
            if score < min_sim:
                continue
            # prefer an earlier year over the same year, then the higher similarity, then the latest
            earlier = 1 if (prefer_before is None or unit.year is None or unit.year < prefer_before) else 0
            rank = (earlier, score, unit.year or 0)
            if best is None or rank > (best[1], best[0], best[2].year or 0):
                best = (score, earlier, unit)
        return (best[2], best[0]) if best else None

    def find(self, document: Document, exclude_self: bool = True, only_earlier: bool = False) -> list[ReuseMatch]:
        """Every passage (or sentence) of ``document`` reused from an indexed document.

        ``only_earlier``: a report of a later year is never taken as the source (corpus
        mode, where both directions are indexed)."""
        cfg = self.config
        exclude = document.id if exclude_self else None
        matches: list[ReuseMatch] = []
        for index, block in passages(document):
            words = tokens(block.text)
            found = None
            if len(words) >= cfg.min_words:
                minhash = self._hashes.get(f"p|{document.id}|{index}") or self._minhash(words)
                candidates = self.passage_lsh.query(minhash)
                found = self._best(words, candidates, exclude, cfg.min_similarity, document.year, only_earlier)
            if found:
                unit, score = found
                exact = " ".join(block.text.split()) == " ".join(unit.text.split())
                matches.append(ReuseMatch(block.text, document.id, block.page, block.section, unit.text, unit.doc,
                                          unit.page, 1.0 if exact else score, "exact" if exact else "near", index,
                                          unit.block, len(block.text.split())))
                continue
            for n, sentence in enumerate(block.sentences or []):
                sw = tokens(sentence.text)
                if len(sw) < cfg.sentence_min_words:
                    continue
                keys = self.sentence_exact.get(tuple(sw))
                if not keys or all(self.units[k].doc == document.id for k in keys):
                    minhash = self._hashes.get(f"s|{document.id}|{index}|{n}") or self._minhash(sw)
                    keys = self.sentence_lsh.query(minhash)
                hit = self._best(sw, keys, exclude, cfg.sentence_min_similarity, document.year, only_earlier)
                if hit:
                    unit, score = hit
                    matches.append(ReuseMatch(sentence.text, document.id, block.page, block.section, unit.text,
                                              unit.doc, unit.page, score, "sentence", index, unit.block,
                                              len(sentence.text.split())))
        return matches


def report(document: Document, matches: list[ReuseMatch]) -> ReuseReport:
    """Reused share of a document's passage text, overall, per section and per source."""
    total = 0
    section_total: Counter[str] = Counter()
    for _, block in passages(document):
        n = len(block.text.split())
        total += n
        section_total[_section_key(block)] += n
    reused_by_block: dict[int, int] = defaultdict(int)
    source_words: Counter[str] = Counter()
    block_of = dict(passages(document))
    for match in matches:
        block_words = len(block_of[match.block].text.split())
        add = min(match.words, block_words - reused_by_block[match.block])
        reused_by_block[match.block] += add
        source_words[match.source_doc] += add
    section_reused: Counter[str] = Counter()
    for index, words in reused_by_block.items():
        section_reused[_section_key(block_of[index])] += words
    reused = sum(reused_by_block.values())
    by_section = {
        name: {"reused_share": round(section_reused[name] / words, 4) if words else 0.0, "words": words}
        for name, words in section_total.items()
    }
    sources = {doc: round(n / total, 4) for doc, n in source_words.most_common()} if total else {}
    return ReuseReport(document.id, matches, total, reused, by_section, sources)


def compare(new: Document, olds: Sequence[Document], config: ReuseConfig | None = None) -> ReuseReport:
    """Reuse of ``new`` from ``olds`` (earlier years, other districts)."""
    index = ReuseIndex(config)
    for old in olds:
        if old.content_hash != new.content_hash:
            index.add(old)
    return report(new, index.find(new))


def boilerplate(document: Document, config: ReuseConfig | None = None, min_count: int = 2) -> list[BoilerplateCluster]:
    """Sentences repeated across sections of one report, clustered (near-duplicates too)."""
    cfg = config or ReuseConfig()
    items: list[tuple[list[str], str, Block]] = []
    for _, block in passages(document):
        for sentence in block.sentences or []:
            words = tokens(sentence.text)
            if len(words) >= max(6, cfg.sentence_min_words - 2):
                items.append((words, sentence.text, block))
    index = ReuseIndex(cfg)
    lsh = MinHashLSH(threshold=0.5, num_perm=cfg.num_perm)
    hashes = []
    for n, (words, _, _) in enumerate(items):
        m = index._minhash(words)
        hashes.append(m)
        lsh.insert(n, m)
    parent = list(range(len(items)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for n, (words, _, _) in enumerate(items):
        for other in lsh.query(hashes[n]):
            if other <= n or root(other) == root(n):
                continue
            if items[other][0] == words or similarity(words, items[other][0]) >= cfg.sentence_min_similarity:
                parent[root(other)] = root(n)
    groups: dict[int, list[int]] = defaultdict(list)
    for n in range(len(items)):
        groups[root(n)].append(n)
    clusters = []
    for members in groups.values():
        if len(members) < min_count:
            continue
        texts = Counter(items[m][1] for m in members)
        clusters.append(BoilerplateCluster(
            text=texts.most_common(1)[0][0], count=len(members),
            sections=list(dict.fromkeys(_section_key(items[m][2]) for m in members)),
            pages=sorted({items[m][2].page for m in members}, key=lambda p: (p is None, p or 0)),
        ))
    clusters.sort(key=lambda c: (-c.count, c.text))
    return clusters


def may_be_source(year: int | None, other_year: int | None) -> bool:
    """The one rule for which reports a report may have reused text from: any other report
    not of a later year (same year included: a T2 report takes over its T1 text). With a
    year unknown on either side nothing is ruled out."""
    return year is None or other_year is None or other_year <= year


def reuse_sources(doc_id: str, years: dict[str, int | None]) -> list[str]:
    """The reports (ids in ``years``: id → year) that ``doc_id`` may have reused text from."""
    me = years[doc_id]
    return [other for other, year in years.items() if other != doc_id and may_be_source(me, year)]


def corpus_reuse(documents: Sequence[Document], config: ReuseConfig | None = None,
                 progress: Any = None) -> list[ReuseReport]:
    """For every report, its reuse from all other reports (one LSH index, no pairwise pass)."""
    index = ReuseIndex(config)
    for n, document in enumerate(documents):
        index.add(document)
        if progress:
            progress("index", n + 1, len(documents))
    reports = []
    for n, document in enumerate(documents):
        reports.append(report(document, index.find(document, only_earlier=True)))
        if progress:
            progress("match", n + 1, len(documents))
    return reports


def side_by_side(text: str, source_text: str, kind: str, passage: str | None = None) -> tuple[str, str]:
    """HTML of one match for the side-by-side views (``rapport reuse --format html`` and the
    web): changed words marked for a copied or edited passage; a copied sentence highlighted
    in its ``passage`` (or alone)."""
    if kind == "sentence":
        sentence = html.escape(text)
        left = html.escape(passage).replace(sentence, f"<mark>{sentence}</mark>") if passage else f"<mark>{sentence}</mark>"
        return left, html.escape(source_text)
    return diff_html(text, source_text)


def diff_html(new: str, old: str) -> tuple[str, str]:
    """Word-level highlighting of two texts: changed words marked on both sides."""
    import html

    a, b = new.split(), old.split()
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, [w.casefold() for w in a], [w.casefold() for w in b],
                                                      autojunk=False).get_opcodes():
        chunk_new = html.escape(" ".join(a[i1:i2]))
        chunk_old = html.escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(chunk_new)
            right.append(chunk_old)
        else:
            if chunk_new:
                left.append(f"<ins>{chunk_new}</ins>")
            if chunk_old:
                right.append(f"<del>{chunk_old}</del>")
    return " ".join(left), " ".join(right)
