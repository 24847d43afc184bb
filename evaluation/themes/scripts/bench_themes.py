"""Benchmark: theme tagging throughput of the trained models on real corpus passages.

Loads each model from ``models/`` (as the package does, offline), warms it up, then
tags the corpus passages (paragraphs and list items of both reports, with their
headings) in batches and reports passages per second on this machine.

    python -m evaluation.themes.scripts.bench_themes [--embedding-passages 400]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from evaluation.paths import CORPORA, results
from nlp.ingest import iter_report_files, load_document
from nlp.themes import MODELS, load_model, section_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedding-passages", type=int, default=400)
    args = parser.parse_args()
    passages = [b for path in iter_report_files([CORPORA]) for b in load_document(path).blocks if b.is_passage]
    texts = [b.text for b in passages]
    contexts = [section_context(b.section) for b in passages]
    rows = []
    for name, limit in (("themes-lexical", len(texts)), ("themes-embedding", args.embedding_passages)):
        if not (MODELS / name / "config.json").exists():
            continue
        model = load_model(MODELS / name)
        model.predict_proba(texts[:16], contexts[:16])  # warm-up: imports, encoder load
        batch_texts, batch_contexts = texts[:limit], contexts[:limit]
        runs = []
        for _ in range(3 if name == "themes-lexical" else 1):
            start = time.perf_counter()
            model.predict_proba(batch_texts, batch_contexts)
            runs.append(len(batch_texts) / (time.perf_counter() - start))
        rows.append({"model": name, "passages": len(batch_texts), "passages_per_second": max(runs),
                     "mean_chars": sum(map(len, batch_texts)) / len(batch_texts)})
    print(f"machine: {os.cpu_count()} cores\n")
    print("| model | passages | mean length (chars) | passages/s |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['model']} | {row['passages']} | {row['mean_chars']:.0f} | {row['passages_per_second']:,.0f} |")
    out = results("themes")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_themes.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
