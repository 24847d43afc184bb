"""Time program extraction + registry on real reports (2 cores).

Ingest (segmentation) is not timed: it is its own stage (evaluation/benchmarks/scripts/bench_ingest.py).
The one-time model load (spaCy pipeline, gazetteer patterns, classifier) is timed
separately; extraction is the median of --repeat runs.

    .venv/bin/python -m evaluation.programs.scripts.bench_programs
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from evaluation.paths import ROOT
from evaluation.programs import RESULTS

REPORTS = ["corpora/norra-innerstaden_2025_tertialrapport-1.txt", "corpora/sodermalm_2020_tertialrapport-1.txt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "bench_programs.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    from nlp.programs import build_registry, load_pipeline

    nlp = load_pipeline()
    load_seconds = time.perf_counter() - started
    from nlp.ingest import load_document

    rows = []
    for path in REPORTS:
        document = load_document(ROOT / path)
        passages = sum(1 for b in document.blocks if b.is_passage)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            registry = build_registry([document], nlp)
            times.append(time.perf_counter() - t)
        seconds = statistics.median(times)
        rows.append({"report": path, "pages": document.pages, "passages": passages, "seconds": round(seconds, 3),
                     "pages_per_second": round((document.pages or 0) / seconds, 1), "programs": len(registry),
                     "mentions": sum(p.count for p in registry)})
    result = {"model_load_seconds": round(load_seconds, 2), "reports": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"one-time model load (imports, pipeline, gazetteer, classifier): {load_seconds:.2f} s\n")
    print("| report | pages | passages | seconds | pages/s | programs | mentions |\n|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {Path(r['report']).name} | {r['pages']} | {r['passages']} | {r['seconds']:.2f} | "
              f"{r['pages_per_second']:.1f} | {r['programs']} | {r['mentions']} |")


if __name__ == "__main__":
    main()
