"""Benchmark: corpus-wide reuse detection at three corpus sizes.

Builds synthetic corpora of district reports year after year, the way the real ones
evolve: each report keeps part of last year's text verbatim, updates part of it lightly
(figures changed, words swapped, a sentence added) and adds new text (generated from a
word-bigram model of the real corpus, so it is new but reads like report Swedish).
Measures ``corpus_reuse`` (MinHash LSH + verification) wall time and peak memory at each
size, and checks that the reuse it finds matches what was planted.

    python -m evaluation.reuse.scripts.bench_reuse --sizes 25000 50000 100000
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import time
from collections import defaultdict

from evaluation.paths import CORPORA, results
from nlp.ingest import load_document
from nlp.model import Block, BlockType, Document, Sentence
from nlp.reuse import corpus_reuse

DISTRICTS = ("Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norra innerstaden",
             "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Hägersten-Älvsjö", "Skärholmen")
PASSAGES_PER_REPORT = 250


class BigramText:
    """New, report-like text from a word-bigram model of the corpus."""

    def __init__(self, texts: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        for text in texts:
            words = text.split()
            if words:
                self.starts.append(words[0])
            for a, b in zip(words, words[1:]):
                self.next[a].append(b)

    def paragraph(self, words: int) -> str:
        out = [self.rng.choice(self.starts)]
        while len(out) < words:
            options = self.next.get(out[-1])
            out.append(self.rng.choice(options) if options else self.rng.choice(self.starts))
        text = " ".join(out)
        return text if text.endswith(".") else text + "."


def _document(doc_id: str, district: str, year: int, texts: list[str]) -> Document:
    blocks = []
    for i, text in enumerate(texts):
        sentences, start = [], 0
        for part in re.split(r"(?<=\.) ", text):
            sentences.append(Sentence(part, start, start + len(part)))
            start += len(part) + 1
        blocks.append(Block(BlockType.PARAGRAPH, text, page=1 + i // 8, section=[f"Avsnitt {i // 20 + 1}"],
                            sentences=sentences))
    return Document(id=doc_id, source_path=doc_id, content_hash=doc_id, district=district, year=year,
                    report_type="tertialrapport", period="T1", blocks=blocks)


def light_edit(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split()
    for _ in range(max(1, len(words) // 12)):
        i = rng.randrange(len(words))
        words[i] = rng.choice(vocabulary)
    text = " ".join(words)
    text = re.sub(r"\b(19|20)\d\d\b", lambda m: str(int(m.group(0)) + 1), text)
    return text + " Arbetet fortsätter under året."


def build_corpus(passages: int, seed: int = 1) -> tuple[list[Document], dict[str, set[str]]]:
    rng = random.Random(seed)
    real = [b.text for p in sorted(CORPORA.glob("*.txt")) for b in load_document(p).blocks
            if b.is_passage and len(b.text.split()) >= 12]
    model = BigramText(real, rng)
    vocabulary = [w for t in real for w in t.split() if w.isalpha()]
    reports = max(2, passages // PASSAGES_PER_REPORT)
    documents, planted = [], {}
    years_per_district = max(2, -(-reports // len(DISTRICTS)))
    previous: dict[str, list[str]] = {}
    for year_index in range(years_per_district):
        for district in DISTRICTS:
            if len(documents) >= reports:
                break
            year = 2010 + year_index
            doc_id = f"{district}-{year}"
            last = previous.get(district)
            texts, reused = [], set()
            for n in range(PASSAGES_PER_REPORT):
                roll = rng.random()
                if last and roll < 0.35:
                    text = last[n]
                    reused.add(text)
                elif last and roll < 0.65:
                    text = light_edit(last[n], rng, vocabulary)
                    reused.add(text)
                else:
                    text = model.paragraph(rng.randint(25, 80))
                texts.append(text)
            previous[district] = texts
            planted[doc_id] = reused
            documents.append(_document(doc_id, district, year, texts))
    return documents, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        documents, planted = build_corpus(size)
        n_passages = sum(len(d.blocks) for d in documents)
        start = time.perf_counter()
        reports = corpus_reuse(documents)
        seconds = time.perf_counter() - start
        found = {r.doc: {m.text for m in r.matches if m.kind in ("exact", "near")} for r in reports}
        truth = sum(len(v) for v in planted.values())
        hit = sum(len(found[d] & planted[d]) for d in planted)
        extra = sum(len(found[d] - planted[d]) for d in planted)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append({"passages": n_passages, "reports": len(documents), "seconds": seconds,
                     "passages_per_second": n_passages / seconds, "peak_mb": peak,
                     "planted_recall": hit / truth if truth else 1.0, "unplanted_flagged": extra})
        print(f"{n_passages} passages: {seconds:.1f} s", file=sys.stderr, flush=True)
    print("| passages | reports | seconds | passages/s | peak memory (MB) | planted reuse found | unplanted flagged |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['passages']:,} | {r['reports']} | {r['seconds']:.1f} | {r['passages_per_second']:,.0f} | "
              f"{r['peak_mb']:.0f} | {r['planted_recall']:.3f} | {r['unplanted_flagged']} |")
    target = results("reuse")
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_reuse.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
