"""Draw the corpus passages that the theme gold set annotates (deterministic).

Passages = paragraphs and list items of the two corpus reports, at least 40 characters.
The sample keeps every passage that contains a cue word of any theme (so positives and
hard negatives are well represented) and fills up with a random sample of the rest.

    python -m evaluation.themes.scripts.sample_corpus_passages --size 460
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from evaluation.paths import CORPORA, data
from nlp.ingest import load_document

CUES = re.compile(
    r"trygg|våld|brott|polis|fält|krisbered|beredskap|kriminal|klimat|miljö|energi|fossil|utsläpp|"
    r"skyfall|värme|biologisk|kemikal|äldre|hemtjänst|omsorgsboende|träffpunkt|demens|covid|corona|pandemi",
    re.IGNORECASE,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=460)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=data("themes") / "corpus_passages.jsonl")
    args = parser.parse_args()
    passages = []
    for path in sorted(CORPORA.glob("*.txt")):
        doc = load_document(path)
        for index, block in enumerate(doc.blocks):
            if block.is_passage and len(block.text) >= 40:
                passages.append({
                    "id": f"{doc.id}#{index}", "doc": doc.id, "page": block.page,
                    "section": block.section, "text": block.text,
                })
    rng = random.Random(args.seed)
    cued = [p for p in passages if CUES.search(p["text"])]
    rest = [p for p in passages if not CUES.search(p["text"])]
    rng.shuffle(cued)
    rng.shuffle(rest)
    take_cued = cued[: int(args.size * 0.7)]
    sample = take_cued + rest[: args.size - len(take_cued)]
    rng.shuffle(sample)
    with args.out.open("w", encoding="utf-8") as handle:
        for p in sample:
            handle.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"{len(passages)} passages, {len(cued)} with cue words; wrote {len(sample)} to {args.out}")


if __name__ == "__main__":
    main()
