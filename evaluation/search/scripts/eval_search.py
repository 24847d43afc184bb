"""Evaluate search on the judged query set: nDCG@10 and Recall@20 for BM25, dense, hybrid.

``queries.jsonl`` holds 48 Swedish queries (paraphrases that avoid the text's words,
keywords, questions, queries with district/year filters); ``qrels.jsonl`` graded
judgments (0–3) of corpus passages found by many searches and read (see GUIDELINE.md;
both files in evaluation/search/data/).
Also measures what each step of the Swedish analysis adds to BM25 (stemming, compound
splitting) and the latency of each mode.

    python -m evaluation.search.scripts.eval_search    # builds evaluation/out/search/ once
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

from evaluation.paths import CORPORA, data, scratch
from evaluation.paths import results as results_dir
from nlp.ingest import iter_report_files, load_document
from nlp.search import AnalyzerConfig, Filters, Index

DATA = data("search")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    gain = lambda g: (2 ** g) - 1  # noqa: E731 - graded gain, grade 3 counts most
    dcg = sum(gain(grades.get(pid, 0)) / math.log2(rank + 2) for rank, pid in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(gain(g) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int = 20) -> float:
    relevant = {pid for pid, g in grades.items() if g >= 1}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def build(path: Path, encoder: str | None, analyzer: AnalyzerConfig) -> Index:
    index = Index.open(path, create=True, encoder=encoder if encoder else None, analyzer=analyzer)
    for file in iter_report_files([CORPORA]):
        index.add_document(load_document(file))
    return index


def run(index: Index, queries: list[dict], qrels: dict[str, dict[str, int]], mode: str,
        fusion: str = "weighted") -> dict:
    scores_ndcg, scores_recall, latencies = [], [], []
    per_type: dict[str, list[float]] = defaultdict(list)
    per_half: dict[str, list[float]] = defaultdict(list)  # odd qids tuned the fusion weight
    for q in queries:
        filters = Filters(district=q["filters"].get("district"), year=q["filters"].get("year"))
        start = time.perf_counter()
        hits = index.search(q["query"], top_k=20, mode=mode, filters=filters, fusion=fusion)
        latencies.append(time.perf_counter() - start)
        ranked = [h.passage.id for h in hits]
        n = ndcg(ranked, qrels[q["qid"]])
        scores_ndcg.append(n)
        per_half["dev" if int(q["qid"][1:]) % 2 else "test"].append(n)
        scores_recall.append(recall(ranked, qrels[q["qid"]]))
        per_type[q["type"]].append(n)
    latencies.sort()
    return {
        "ndcg@10": sum(scores_ndcg) / len(scores_ndcg),
        "recall@20": sum(scores_recall) / len(scores_recall),
        "ndcg@10_by_type": {t: sum(v) / len(v) for t, v in per_type.items()},
        "ndcg@10_by_half": {t: sum(v) / len(v) for t, v in per_half.items()},
        "median_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default=str(scratch("search")))
    args = parser.parse_args()
    queries = read_jsonl(DATA / "queries.jsonl")
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read_jsonl(DATA / "qrels.jsonl"):
        qrels[row["qid"]][row["id"]] = row["grade"]
    work = Path(args.work)
    start = time.perf_counter()
    main_index = build(work / "hybrid", "default", AnalyzerConfig())
    build_seconds = time.perf_counter() - start
    passages = len(main_index.passages)
    known = {p.id for p in main_index.passages}
    unknown = {pid for grades in qrels.values() for pid in grades} - known
    if unknown:
        sys.exit(f"{len(unknown)} judged passages are not in the index (segmentation changed?): {sorted(unknown)[:3]}")

    results = {}
    for mode in ("bm25", "dense", "hybrid"):
        results[mode] = run(main_index, queries, qrels, mode)
    results["hybrid, reciprocal rank fusion"] = run(main_index, queries, qrels, "hybrid", fusion="rrf")
    for name, config in (("bm25, no compound splitting", AnalyzerConfig(split_compounds=False)),
                         ("bm25, no stemming or splitting", AnalyzerConfig(stem=False, split_compounds=False))):
        index = build(work / name.replace(" ", "_").replace(",", ""), None, config)
        results[name] = run(index, queries, qrels, "bm25")

    print(f"{len(queries)} queries, {sum(len(v) for v in qrels.values())} judgments, {passages} passages "
          f"(index built in {build_seconds:.1f} s incl. embedding, {passages / build_seconds:.1f} passages/s)\n")
    print("| ranking | nDCG@10 | Recall@20 | nDCG@10 dev / test half | median ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        halves = r["ndcg@10_by_half"]
        print(f"| {name} | {r['ndcg@10']:.3f} | {r['recall@20']:.3f} | {halves['dev']:.3f} / {halves['test']:.3f} "
              f"| {r['median_ms']:.0f} | {r['p95_ms']:.0f} |")
    types = sorted(results["hybrid"]["ndcg@10_by_type"])
    print("\n| nDCG@10 by query type | " + " | ".join(types) + " |")
    print("|---|" + "---:|" * len(types))
    for mode in ("bm25", "dense", "hybrid"):
        print(f"| {mode} | " + " | ".join(f"{results[mode]['ndcg@10_by_type'][t]:.3f}" for t in types) + " |")
    out = results_dir("search")
    out.mkdir(parents=True, exist_ok=True)
    (out / "search.json").write_text(json.dumps({"queries": len(queries), "passages": passages,
                                                 "index_build_seconds": build_seconds, "results": results}, indent=1),
                                     encoding="utf-8")


if __name__ == "__main__":
    main()
