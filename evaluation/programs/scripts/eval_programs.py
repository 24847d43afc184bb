"""Evaluate program extraction on the held-out TEST split of gold.jsonl.

The test passages of each report become one document (passages in corpus order), run
through the full pipeline (gazetteer, candidates, classifier, propagation within the
report, linking across both reports). Scores:

- distinct programs per report: a gold program of a report is found when some predicted
  mention overlaps one of its gold mentions; a predicted program of a report is right
  when one of its mentions overlaps a gold mention;
- mentions: exact-span and overlapping-span precision / recall / F1;
- alias merging: gold programs whose mentions got more than one predicted name (split),
  predicted names covering more than one gold program (merged).

Writes evaluation/programs/results/programs.json and prints a markdown table.

    .venv/bin/python -m evaluation.programs.scripts.eval_programs
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from spacy.language import Language

from evaluation.paths import MODELS
from evaluation.programs import GOLD, RESULTS
from nlp.model import Block, BlockType, Document
from nlp.programs import build_registry
from nlp.programs.pipeline import build_pipeline, load_pipeline
from nlp.ingest.sentences import split_sentences


def prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> dict[str, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_r if n_r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3)}


def evaluate(records: list[dict], nlp: Language) -> dict:
    """Run the pipeline over annotated passages (each report's passages as one document)
    and score distinct programs per report, mentions and alias merging."""
    records = sorted(records, key=lambda r: (r["doc"], int(r["id"].split("#")[1])))
    documents, where = [], {}
    for doc_id in sorted({r["doc"] for r in records}):
        rows = [r for r in records if r["doc"] == doc_id]
        blocks = []
        for i, r in enumerate(rows):
            blocks.append(Block(type=BlockType.PARAGRAPH, text=r["text"], page=None, section=r["section"],
                                sentences=split_sentences(r["text"])))
            where[(doc_id, i)] = r
        documents.append(Document(id=doc_id, source_path=doc_id, content_hash=doc_id, district=rows[0]["district"],
                                  year=rows[0]["year"], blocks=blocks, source_format="text"))
    started = time.time()
    registry = build_registry(documents, nlp)
    seconds = time.time() - started
    predicted = [m for program in registry for m in program.mentions]
    gold = [(r["doc"], i, p) for (doc_id, i), r in where.items() for p in r["programs"]]

    def overlaps(m, g) -> bool:  # noqa: ANN001
        doc_id, i, p = g
        return m.doc == doc_id and m.block == i and m.start < p["end"] and p["start"] < m.end

    # mentions
    exact_p = sum(1 for m in predicted if any(overlaps(m, g) and (m.start, m.end) == (g[2]["start"], g[2]["end"]) for g in gold))
    exact_r = sum(1 for g in gold if any(overlaps(m, g) and (m.start, m.end) == (g[2]["start"], g[2]["end"]) for m in predicted))
    over_p = sum(1 for m in predicted if any(overlaps(m, g) for g in gold))
    over_r = sum(1 for g in gold if any(overlaps(m, g) for m in predicted))
    # distinct programs per report
    gold_programs = {(g[0], g[2]["canonical"]) for g in gold}
    found = {(g[0], g[2]["canonical"]) for g in gold if any(overlaps(m, g) for m in predicted)}
    predicted_programs = {(m.doc, m.name) for m in predicted}
    right = {(m.doc, m.name) for m in predicted if any(overlaps(m, g) for g in gold)}
    per_report = {}
    for doc_id in sorted({d for d, _ in gold_programs | predicted_programs}):
        gp = {c for d, c in gold_programs if d == doc_id}
        pp = {c for d, c in predicted_programs if d == doc_id}
        per_report[doc_id] = {"gold": len(gp), "predicted": len(pp),
                              **prf(len({c for d, c in right if d == doc_id}), len(pp),
                                    len({c for d, c in found if d == doc_id}), len(gp)),
                              "missed": sorted(c for d, c in gold_programs - found if d == doc_id),
                              "spurious": sorted(c for d, c in predicted_programs - right if d == doc_id)}
    # alias merging
    names_of_gold: dict[str, set[str]] = defaultdict(set)
    gold_of_name: dict[str, set[str]] = defaultdict(set)
    for g in gold:
        for m in predicted:
            if overlaps(m, g):
                names_of_gold[g[2]["canonical"]].add(m.name)
                gold_of_name[m.name].add(g[2]["canonical"])
    split = {k: sorted(v) for k, v in names_of_gold.items() if len(v) > 1}
    merged = {k: sorted(v) for k, v in gold_of_name.items() if len(v) > 1}
    result = {
        "passages": len(records), "gold_mentions": len(gold), "predicted_mentions": len(predicted),
        "distinct_per_report": {**prf(len(right), len(predicted_programs), len(found), len(gold_programs)),
                                "gold": len(gold_programs), "predicted": len(predicted_programs),
                                "right": len(right), "found": len(found)},
        "per_report": per_report,
        "mentions_exact": prf(exact_p, len(predicted), exact_r, len(gold)),
        "mentions_overlap": prf(over_p, len(predicted), over_r, len(gold)),
        "alias": {"gold_programs_linked": len(names_of_gold), "split": split, "merged": merged},
        "seconds": round(seconds, 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="test")
    parser.add_argument("--model-dir", default=str(MODELS / "programs-eval"),
                        help="default: models/programs-eval (the evaluated model; models/programs has also "
                             "learnt the out-of-sample passages)")
    parser.add_argument("--gazetteer-sources", default="issue,train,domain",
                        help="comma-separated gazetteer sources (issue, train, domain, annotated); by default all "
                             "but 'annotated', whose names come from the test passages themselves")
    parser.add_argument("--out", default=str(RESULTS / "programs.json"))
    args = parser.parse_args()
    records = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [r for r in records if r["split"] == args.split]
    sources = set(args.gazetteer_sources.split(",")) if args.gazetteer_sources else None
    saved = load_pipeline(args.model_dir).get_pipe("program_classifier")  # the folder's classifier, these sources
    nlp = build_pipeline(classifier=saved.model, threshold=saved.threshold, gazetteer_sources=sources)
    result = {"split": args.split, "gazetteer_sources": args.gazetteer_sources or "all", **evaluate(records, nlp)}
    split, merged, per_report = result["alias"]["split"], result["alias"]["merged"], result["per_report"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    d = result["distinct_per_report"]
    print(f"Held-out {args.split} split: {len(records)} passages, {result['gold_mentions']} gold mentions, "
          f"{d['gold']} (program, report) pairs\n")
    print("| metric | precision | recall | F1 | target |\n|---|---:|---:|---:|---|")
    print(f"| distinct programs per report | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | P ≥ 0.85, R ≥ 0.90 |")
    for doc_id, row in per_report.items():
        print(f"| … {doc_id} ({row['gold']} gold) | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | |")
    for label, key in (("mentions, exact span", "mentions_exact"), ("mentions, overlapping span", "mentions_overlap")):
        s = result[key]
        print(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | |")
    print(f"| alias merging: gold programs split in two or more | {len(split)} of {result['alias']['gold_programs_linked']} | | | 0 |")
    print(f"| alias merging: predicted names covering 2+ gold programs | {len(merged)} | | | 0 |")
    for doc_id, row in per_report.items():
        print(f"\n{doc_id}: missed {row['missed']}\n  spurious {row['spurious']}")
    if split or merged:
        print(f"\nsplit: {split}\nmerged: {merged}")


if __name__ == "__main__":
    main()
