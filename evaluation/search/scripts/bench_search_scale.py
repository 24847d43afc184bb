"""Benchmark: the search index at 100,000 passages — build time, memory, query latency.

The corpus is the synthetic one of ``evaluation/reuse/scripts/bench_reuse.py``: district reports
year after year (25 districts), each keeping, editing or replacing last year's passages,
new text drawn from a word-bigram model of the real corpus.

Embedding 100,000 passages with E5-small takes about 45 minutes on 2 cores (37 passages/s,
measured by ``eval_search.py``), so by default passage vectors here are *stand-ins*:
deterministic random unit vectors, one per passage. Everything else is real: Swedish
analysis and BM25 over every passage, shard files and checksums, loading, filters, and
queries embedded by the real encoder. Latency of dense search does not depend on what
the vectors contain (exact cosine search over all of them). ``--real-vectors`` embeds
everything for real.

    python -m evaluation.search.scripts.bench_search_scale --passages 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from evaluation.paths import data, results, scratch
from evaluation.reuse.scripts.bench_reuse import build_corpus

from nlp.search import Filters, Index


class StandInIndex(Index):
    """Passage vectors are seeded random unit vectors; queries use the real encoder."""

    def _embed(self, texts, prompt):  # noqa: ANN001, ANN202
        if prompt != "passage":
            return super()._embed(texts, prompt)
        rows = []
        for text in texts:
            seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
            vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows) if rows else np.zeros((0, 384), np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--real-vectors", action="store_true")
    parser.add_argument("--work", default=None,
                        help="index folder (default evaluation/out/search-scale[-real])")
    parser.add_argument("--latency-only", action="store_true",
                        help="reuse the index a previous run left in --work; measure loading and queries only")
    args = parser.parse_args()
    work = Path(args.work or scratch("search-scale-real" if args.real_vectors else "search-scale"))
    cls = Index if args.real_vectors else StandInIndex
    if args.latency_only:
        if not (work / "index.json").exists():
            sys.exit(f"{work}: no index from an earlier run; run without --latency-only first.")
        build, n_reports = float("nan"), len(json.loads((work / "index.json").read_text(encoding="utf-8"))["documents"])
    else:
        documents, _ = build_corpus(args.passages)
        n_reports = len(documents)
        shutil.rmtree(work, ignore_errors=True)
        index = cls.open(work, create=True)
        start = time.perf_counter()
        for n, document in enumerate(documents, start=1):
            index.add_document(document)
            if n % 50 == 0:
                print(f"  {n}/{len(documents)} reports, {time.perf_counter() - start:.0f} s", flush=True)
        build = time.perf_counter() - start
    start = time.perf_counter()
    index = cls.open(work)
    index._bm25_model()
    load = time.perf_counter() - start
    passages = len(index.passages)
    queries = json.loads("[" + ",".join((data("search") / "queries.jsonl").read_text(encoding="utf-8").split("\n")[:-1]) + "]")
    texts = [q["query"] for q in queries]
    districts = sorted({p.district for p in index.passages})
    rows = []
    for mode in ("bm25", "dense", "hybrid"):
        index.search(texts[0], mode=mode)  # warm-up
        latencies = []
        for k in range(args.queries):
            filters = Filters(district=districts[k % len(districts)]) if k % 4 == 3 else Filters()
            t0 = time.perf_counter()
            index.search(texts[k % len(texts)], top_k=10, mode=mode, filters=filters)
            latencies.append(1000 * (time.perf_counter() - t0))
        latencies.sort()
        rows.append({"mode": mode, "p50_ms": latencies[len(latencies) // 2],
                     "p95_ms": latencies[int(0.95 * (len(latencies) - 1))]})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    disk = sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) / 2**20
    print(f"\n{passages:,} passages in {n_reports} reports; vectors: {'E5' if args.real_vectors else 'stand-in'}")
    built = "index reused (--latency-only)" if args.latency_only else f"index build {build:.0f} s ({passages / build:,.0f} passages/s)"
    print(f"{built}, open + BM25 build {load:.1f} s, "
          f"on disk {disk:,.0f} MB, peak memory {peak:,.0f} MB\n")
    print("| mode | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for row in rows:
        print(f"| {row['mode']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} |")
    out = results("search")
    name = "bench_search_scale_latency.json" if args.latency_only else "bench_search_scale.json"
    (out / name).write_text(json.dumps({
        "passages": passages, "reports": n_reports, "latency_only": args.latency_only, "real_vectors": args.real_vectors, "build_seconds": build,
        "open_seconds": load, "disk_mb": disk, "peak_mb": peak, "latency": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
