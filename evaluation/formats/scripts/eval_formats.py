"""Segmentation quality of Word and HTML reports against generated truth.

    python -m evaluation.formats.scripts.eval_formats --seeds 101 102 103

Generates each seed's report as .docx and .html (evaluation/formats/scripts/generate_formats.py),
loads it with nlp.ingest.load_document and scores, per format: paragraphs matched exactly,
headings (text and level), list items, table rows, chrome leakage (blocks containing a
chrome string) and metadata. Writes evaluation/formats/results/formats.json.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from evaluation.common.generate_pdfs import load_material
from evaluation.formats.scripts.generate_formats import generate
from evaluation.paths import CORPORA, results, scratch
from nlp.ingest import load_document

TARGETS = {"paragraphs": 0.97, "headings": 0.97, "list_items": 0.97, "table_rows": 0.95}


def _recall(truth: list[Any], found: list[Any]) -> tuple[int, int]:
    have = Counter(found)
    hits = 0
    for item in truth:
        if have[item] > 0:
            have[item] -= 1
            hits += 1
    return hits, len(truth)


def score(path: Path) -> dict[str, Any]:
    truth = json.loads(Path(f"{path}.truth.json").read_text(encoding="utf-8"))
    doc = load_document(path, use_manifest=False)
    blocks = truth["blocks"]
    if path.suffix == ".html":  # the page's <h1> is the report title, a heading of the page
        blocks = [{"type": "heading", "text": truth["title"], "level": 1}] + blocks
    got = doc.blocks
    counts = {
        "paragraphs": _recall([b["text"] for b in blocks if b["type"] == "paragraph"],
                              [b.text for b in got if b.type.value == "paragraph"]),
        "headings": _recall([(b["text"], b["level"]) for b in blocks if b["type"] == "heading"],
                            [(b.text, b.level) for b in got if b.type.value == "heading"]),
        "list_items": _recall([b["text"] for b in blocks if b["type"] == "list_item"],
                              [b.text for b in got if b.type.value == "list_item"]),
        "table_rows": _recall([tuple(r) for b in blocks if b["type"] == "table" for r in b["rows"]],
                              [tuple(r) for b in got if b.type.value == "table" for r in b.rows or []]),
    }
    leaks = [b.text[:80] for b in got if any(c in b.text for c in truth["chrome"])]
    meta = {k: (getattr(doc, k), truth[k]) for k in ("district", "year", "report_type", "title")}
    return {"counts": counts, "chrome_leaks": leaks, "extra_blocks": max(0, len(got) - len(blocks)),
            "metadata_right": sum(a == b for a, b in meta.values()), "metadata_fields": len(meta),
            "metadata_wrong": {k: v for k, v in meta.items() if v[0] != v[1]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--out", type=Path, default=scratch("formats"))
    parser.add_argument("--results", type=Path, default=results("formats") / "formats.json")
    args = parser.parse_args()
    material = load_material(CORPORA)
    per_format: dict[str, dict[str, Any]] = {}
    for seed in args.seeds:
        for path in generate(args.out, seed, material, args.pages):
            result = score(path)
            fmt = per_format.setdefault(path.suffix.lstrip("."), {
                "documents": 0, "counts": {k: [0, 0] for k in TARGETS}, "chrome_leaks": [],
                "metadata_right": 0, "metadata_fields": 0, "metadata_wrong": []})
            fmt["documents"] += 1
            for key, (hits, total) in result["counts"].items():
                fmt["counts"][key][0] += hits
                fmt["counts"][key][1] += total
            fmt["chrome_leaks"] += result["chrome_leaks"]
            fmt["metadata_right"] += result["metadata_right"]
            fmt["metadata_fields"] += result["metadata_fields"]
            if result["metadata_wrong"]:
                fmt["metadata_wrong"].append({path.name: result["metadata_wrong"]})
    summary: dict[str, Any] = {"seeds": args.seeds, "pages": args.pages, "targets": TARGETS, "formats": {}}
    print(f"{'format':6} {'docs':>4} {'paragraphs':>11} {'headings':>9} {'lists':>7} {'table rows':>11} "
          f"{'chrome':>7} {'metadata':>9}")
    for name, fmt in per_format.items():
        shares = {k: round(h / t, 4) if t else None for k, (h, t) in fmt["counts"].items()}
        summary["formats"][name] = {**fmt, "shares": shares, "chrome_leak_count": len(fmt["chrome_leaks"]),
                                    "meets_targets": all(shares[k] is not None and shares[k] >= v
                                                         for k, v in TARGETS.items()) and not fmt["chrome_leaks"]}
        print(f"{name:6} {fmt['documents']:>4} {shares['paragraphs']:>11.3f} {shares['headings']:>9.3f} "
              f"{shares['list_items']:>7.3f} {shares['table_rows']:>11.3f} {len(fmt['chrome_leaks']):>7} "
              f"{fmt['metadata_right']:>4}/{fmt['metadata_fields']}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
