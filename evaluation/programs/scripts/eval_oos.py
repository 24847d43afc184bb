"""Out-of-sample program evaluation: named programs in reports nobody here has seen.

Reads  evaluation/programs/data/oos/gold.jsonl   (build_oos_gold.py: 540 written passages of
                                                 other districts and municipalities, two
                                                 annotation passes, hash split dev/test)
       models/programs/ and the gazetteer         (the shipped pipeline)
Writes evaluation/programs/results/programs_oos.json and prints a markdown table.

Each passage is run as its own one-passage report through ``extract_programs`` (what
``rapport programs`` does for a report), and scored:
- distinct programs per passage: a gold program is found when a predicted mention
  overlaps one of its mentions; a predicted program (distinct name in the passage) is right
  when one of its mentions overlaps a gold mention;
- mentions: exact span and overlapping span.
The dev split is for choosing; ``--split test`` is scored once, at the end.

    .venv/bin/python -m evaluation.programs.scripts.eval_oos                 # dev
    .venv/bin/python -m evaluation.programs.scripts.eval_oos --split test
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from evaluation.paths import MODELS
from evaluation.programs import OOS, RESULTS
from nlp.model import Block, BlockType, Document
from nlp.programs import extract_programs
from nlp.programs.pipeline import build_pipeline, load_pipeline
from nlp.ingest.sentences import split_sentences

GOLD = OOS / "gold.jsonl"
RESULTS = RESULTS / "programs_oos.json"


def prf(right: int, predicted: int, found: int, gold: int) -> dict[str, float]:
    p = right / predicted if predicted else 1.0
    r = found / gold if gold else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def score(records: list[dict], nlp: Any = None) -> dict[str, Any]:
    totals = dict(right=0, predicted=0, found=0, gold=0, exact_p=0, exact_r=0, over_p=0, over_r=0, n_pred=0, n_gold=0)
    missed: list[tuple[str, str]] = []
    spurious: list[tuple[str, str]] = []
    started = time.perf_counter()
    for r in records:
        block = Block(type=BlockType.PARAGRAPH, text=r["text"], page=1, section=r.get("section") or [],
                      sentences=split_sentences(r["text"]))
        document = Document(id=r["passage"], source_path=r["passage"], content_hash=r["passage"],
                            district=r.get("district"), year=r.get("year"), blocks=[block], source_format="text")
        mentions = extract_programs(document, nlp=nlp) if nlp is not None else extract_programs(document)
        gold = r["programs"]

        def overlap(m: Any, g: dict) -> bool:
            return m.start < g["end"] and g["start"] < m.end

        names = {}
        for m in mentions:
            names.setdefault(m.name, []).append(m)
        right = [n for n, ms in names.items() if any(overlap(m, g) for m in ms for g in gold)]
        found = [g for g in gold if any(overlap(m, g) for m in mentions)]
        totals["right"] += len(right)
        totals["predicted"] += len(names)
        totals["found"] += len(found)
        totals["gold"] += len(gold)
        totals["n_pred"] += len(mentions)
        totals["n_gold"] += len(gold)
        totals["exact_p"] += sum(any((m.start, m.end) == (g["start"], g["end"]) for g in gold) for m in mentions)
        totals["exact_r"] += sum(any((m.start, m.end) == (g["start"], g["end"]) for m in mentions) for g in gold)
        totals["over_p"] += sum(any(overlap(m, g) for g in gold) for m in mentions)
        totals["over_r"] += len(found)
        missed.extend((r["passage"], g["text"]) for g in gold if g not in found)
        spurious.extend((r["passage"], n) for n in names if n not in right)
    seconds = time.perf_counter() - started
    return {
        "passages": len(records),
        "gold_programs": totals["gold"],
        "distinct_per_passage": prf(totals["right"], totals["predicted"], totals["found"], totals["gold"]),
        "mentions_exact": prf(totals["exact_p"], totals["n_pred"], totals["exact_r"], totals["n_gold"]),
        "mentions_overlap": prf(totals["over_p"], totals["n_pred"], totals["over_r"], totals["n_gold"]),
        "seconds": round(seconds, 2),
        "missed": missed,
        "spurious": spurious,
    }


def load(split: str) -> list[dict]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--model-dir", default=str(MODELS / "programs-eval"),
                        help="a programs model folder (default: models/programs-eval, the model trained without "
                             "the out-of-sample passages; models/programs, shipped, has learnt them)")
    parser.add_argument("--gazetteer-sources", default="issue,train,domain",
                        help="comma-separated gazetteer sources to keep (default: all but 'annotated', whose "
                             "names come from the evaluation passages themselves)")
    parser.add_argument("--show", type=int, default=0, help="print this many missed and spurious names")
    args = parser.parse_args()
    sources = set(args.gazetteer_sources.split(",")) if args.gazetteer_sources else None
    saved = load_pipeline(args.model_dir).get_pipe("program_classifier")  # the folder's classifier, these sources
    nlp = build_pipeline(classifier=saved.model, threshold=saved.threshold, gazetteer_sources=sources)
    result = score(load(args.split), nlp)
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results[args.split] = result
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    d, e, o = result["distinct_per_passage"], result["mentions_exact"], result["mentions_overlap"]
    print(f"Out-of-sample {args.split}: {result['passages']} passages, {result['gold_programs']} gold programs\n")
    print("| metric | precision | recall | F1 |\n|---|---:|---:|---:|")
    print(f"| distinct programs per passage | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} |")
    print(f"| mentions, exact span | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} |")
    print(f"| mentions, overlapping span | {o['precision']:.3f} | {o['recall']:.3f} | {o['f1']:.3f} |")
    if args.show:
        print("\nmissed:", "; ".join(t for _, t in result["missed"][:args.show]))
        print("\nspurious:", "; ".join(t for _, t in result["spurious"][:args.show]))


if __name__ == "__main__":
    main()
