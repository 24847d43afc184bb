"""Scoring program extraction against annotated passages (the evaluation scripts and
``rapport programs train --eval`` share it).

Two ways of scoring, as the two gold sets are built:

- ``score_reports``: the corpus gold set, each report's passages run as one document
  (passages in corpus order) through the full pipeline (gazetteer, candidates,
  classifier, propagation within the report, linking across reports); distinct programs
  per report, mentions (exact and overlapping span) and alias merging;
- ``score_passages``: the out-of-sample set, each passage its own one-passage report
  (what ``rapport programs`` does for a report); distinct programs per passage and mentions.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..defaults import REPOSITORY
from ..ingest.sentences import split_sentences
from ..model import Block, BlockType, Document

# the corpus gold set's test split (evaluation/programs/data/gold.jsonl)
CORPUS_TEST = REPOSITORY / "evaluation" / "programs" / "data" / "gold.jsonl"
# the gazetteer the figures are reported with: all but "annotated", whose names come from
# the evaluation passages themselves
EVALUATION_SOURCES = frozenset({"issue", "train", "domain"})
SUMMARY_HEADING = ("Scored when trained (`--eval`; gazetteer sources issue, train, domain, as\n"
                   "`evaluation/programs/scripts/eval_programs.py` and `eval_oos.py` score):")


def evaluation_pipeline(folder: str | Path, gazetteer_sources: set[str] | frozenset[str] | None = EVALUATION_SOURCES) -> Any:
    """The classifier of a saved programs folder in a pipeline with the given gazetteer sources."""
    from .pipeline import build_pipeline, load_pipeline

    saved = load_pipeline(folder).get_pipe("program_classifier")
    sources = set(gazetteer_sources) if gazetteer_sources is not None else None
    return build_pipeline(classifier=saved.model, threshold=saved.threshold, gazetteer_sources=sources)


def _prf_reports(tp_p: int, n_p: int, tp_r: int, n_r: int) -> dict[str, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_r if n_r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3)}


def score_reports(records: list[dict[str, Any]], nlp: Any) -> dict[str, Any]:
    """Run the pipeline over annotated passages (each report's passages as one document)
    and score distinct programs per report, mentions and alias merging."""
    from . import build_registry

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

    def overlaps(m: Any, g: tuple[str, int, dict[str, Any]]) -> bool:
        doc_id, i, p = g
        return m.doc == doc_id and m.block == i and m.start < p["end"] and p["start"] < m.end

    def exact(m: Any, g: tuple[str, int, dict[str, Any]]) -> bool:
        return overlaps(m, g) and (m.start, m.end) == (g[2]["start"], g[2]["end"])

    exact_p = sum(1 for m in predicted if any(exact(m, g) for g in gold))
    exact_r = sum(1 for g in gold if any(exact(m, g) for m in predicted))
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
                              **_prf_reports(len({c for d, c in right if d == doc_id}), len(pp),
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
    return {
        "passages": len(records), "gold_mentions": len(gold), "predicted_mentions": len(predicted),
        "distinct_per_report": {**_prf_reports(len(right), len(predicted_programs), len(found), len(gold_programs)),
                                "gold": len(gold_programs), "predicted": len(predicted_programs),
                                "right": len(right), "found": len(found)},
        "per_report": per_report,
        "mentions_exact": _prf_reports(exact_p, len(predicted), exact_r, len(gold)),
        "mentions_overlap": _prf_reports(over_p, len(predicted), over_r, len(gold)),
        "alias": {"gold_programs_linked": len(names_of_gold), "split": split, "merged": merged},
        "seconds": round(seconds, 2),
    }


def render_reports(result: dict[str, Any], split: str) -> str:
    """The markdown table (and missed / spurious names) of a ``score_reports`` result."""
    alias_split, merged, per_report = result["alias"]["split"], result["alias"]["merged"], result["per_report"]
    d = result["distinct_per_report"]
    lines = [f"Held-out {split} split: {result['passages']} passages, {result['gold_mentions']} gold mentions, "
             f"{d['gold']} (program, report) pairs\n",
             "| metric | precision | recall | F1 | target |\n|---|---:|---:|---:|---|",
             f"| distinct programs per report | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | "
             "P ≥ 0.85, R ≥ 0.90 |"]
    for doc_id, row in per_report.items():
        lines.append(f"| … {doc_id} ({row['gold']} gold) | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1']:.3f} | |")
    for label, key in (("mentions, exact span", "mentions_exact"), ("mentions, overlapping span", "mentions_overlap")):
        s = result[key]
        lines.append(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | |")
    lines.append(f"| alias merging: gold programs split in two or more | {len(alias_split)} of "
                 f"{result['alias']['gold_programs_linked']} | | | 0 |")
    lines.append(f"| alias merging: predicted names covering 2+ gold programs | {len(merged)} | | | 0 |")
    for doc_id, row in per_report.items():
        lines.append(f"\n{doc_id}: missed {row['missed']}\n  spurious {row['spurious']}")
    if alias_split or merged:
        lines.append(f"\nsplit: {alias_split}\nmerged: {merged}")
    return "\n".join(lines) + "\n"


def _prf_passages(right: int, predicted: int, found: int, gold: int) -> dict[str, float]:
    # nothing predicted or nothing to find is no error here (a passage may name no program)
    p = right / predicted if predicted else 1.0
    r = found / gold if gold else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def score_passages(records: list[dict[str, Any]], nlp: Any = None) -> dict[str, Any]:
    """Run each passage as its own report and score distinct programs per passage and mentions."""
    from . import extract_programs

    totals = dict(right=0, predicted=0, found=0, gold=0, exact_p=0, exact_r=0, over_p=0, over_r=0, n_pred=0, n_gold=0)
    missed: list[tuple[str, str]] = []
    spurious: list[tuple[str, str]] = []
    started = time.perf_counter()

    def overlap(m: Any, g: dict[str, Any]) -> bool:
        return m.start < g["end"] and g["start"] < m.end

    for r in records:
        block = Block(type=BlockType.PARAGRAPH, text=r["text"], page=1, section=r.get("section") or [],
                      sentences=split_sentences(r["text"]))
        document = Document(id=r["passage"], source_path=r["passage"], content_hash=r["passage"],
                            district=r.get("district"), year=r.get("year"), blocks=[block], source_format="text")
        mentions = extract_programs(document, nlp=nlp) if nlp is not None else extract_programs(document)
        gold = r["programs"]
        names: dict[str, list[Any]] = {}
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
        "distinct_per_passage": _prf_passages(totals["right"], totals["predicted"], totals["found"], totals["gold"]),
        "mentions_exact": _prf_passages(totals["exact_p"], totals["n_pred"], totals["exact_r"], totals["n_gold"]),
        "mentions_overlap": _prf_passages(totals["over_p"], totals["n_pred"], totals["over_r"], totals["n_gold"]),
        "seconds": round(seconds, 2),
        "missed": missed,
        "spurious": spurious,
    }


def render_passages(result: dict[str, Any], split: str, show: int = 0) -> str:
    """The markdown table of a ``score_passages`` result (and ``show`` missed / spurious names)."""
    d, e, o = result["distinct_per_passage"], result["mentions_exact"], result["mentions_overlap"]
    lines = [f"Out-of-sample {split}: {result['passages']} passages, {result['gold_programs']} gold programs\n",
             "| metric | precision | recall | F1 |\n|---|---:|---:|---:|",
             f"| distinct programs per passage | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} |",
             f"| mentions, exact span | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} |",
             f"| mentions, overlapping span | {o['precision']:.3f} | {o['recall']:.3f} | {o['f1']:.3f} |"]
    if show:
        lines.append("\nmissed: " + "; ".join(t for _, t in result["missed"][:show]))
        lines.append("\nspurious: " + "; ".join(t for _, t in result["spurious"][:show]))
    return "\n".join(lines) + "\n"


def evaluate_folder(folder: str | Path, corpus_test: Path = CORPUS_TEST, oos: Path | None = None,
                    oos_in_sample: bool = False) -> tuple[str, str]:
    """Score a saved folder as the evaluation scripts do by default (the corpus test split,
    per report; the out-of-sample dev split, per passage; gazetteer without "annotated"):
    what they print, and a summary table for the model card."""
    from .training import read_jsonl

    nlp = evaluation_pipeline(folder)
    records = [r for r in read_jsonl(corpus_test, "evaluation passages") if r["split"] == "test"]
    reports = score_reports(records, nlp)
    printed = render_reports(reports, "test")
    d, e = reports["distinct_per_report"], reports["mentions_exact"]
    rows = [(f"corpus test, distinct programs per report ({reports['passages']} passages, {d['gold']} pairs)", d),
            ("corpus test, mentions, exact span", e)]
    if oos is not None and Path(oos).exists():
        dev = [r for r in read_jsonl(oos, "evaluation passages") if r["split"] == "dev"]
        passages = score_passages(dev, nlp)
        label = "dev (in-sample: this model has learnt the out-of-sample set)" if oos_in_sample else "dev"
        printed += "\n" + render_passages(passages, label)
        where = "out-of-sample dev" + (" (in-sample)" if oos_in_sample else "")
        rows += [(f"{where}, distinct programs per passage ({passages['passages']} passages, "
                  f"{passages['gold_programs']} programs)", passages["distinct_per_passage"]),
                 (f"{where}, mentions, exact span", passages["mentions_exact"])]
    summary = [SUMMARY_HEADING, "", "| set | precision | recall | F1 |", "|---|---:|---:|---:|"]
    summary += [f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |" for label, s in rows]
    return printed, "\n".join(summary) + "\n"
