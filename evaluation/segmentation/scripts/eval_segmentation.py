"""Evaluate PDF segmentation against generated report PDFs with known truth.

Generates (or reuses) report PDFs with ``evaluation/common/generate_pdfs.py`` — running headers with
"Sid N (M)", footers, justified hyphenated Swedish text from the corpus, numbered goal
headings, lists, indicator tables, paragraphs across page breaks — and scores
``load_document`` against each ``*.truth.json``:

- paragraphs recovered exactly (text identical after whitespace normalisation), and on
  the right start page;
- heading recall (exact text) and level accuracy among found headings;
- list items and tables (rows identical) recovered exactly;
- furniture lines leaked into any block; broken hyphenations (a word split at a line end
  that does not come back whole, or a real hyphen lost).

    python -m evaluation.segmentation.scripts.eval_segmentation [--docs 8] [--pages 30] [--seed 1000] [--dir DIR]

Seeds 1000+ are the held-out evaluation set; tune thresholds only on other seeds.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from evaluation.paths import ROOT, results, scratch
from nlp.ingest.hyphenation import close_acronym_gaps
from nlp.ingest import load_document
from nlp.model import BlockType, Document

RESULTS = results("segmentation")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def norm(text: str) -> str:
    return " ".join(text.split())


def repair_truth(truth: dict) -> dict:
    """The generator copies corpus sentences verbatim, extraction defects included: the
    corpus's "LSS- insatser" (a space left after an acronym's hyphen) is one word,
    "LSS-insatser", which rapport restores (issue 17); the truth is read restored too."""
    for block in truth["blocks"]:
        block["text"] = close_acronym_gaps(block["text"])
        if block.get("rows"):
            block["rows"] = [[close_acronym_gaps(c) for c in r] for r in block["rows"]]
    return truth


def generate(out_dir: Path, docs: int, pages: int, seed: int) -> list[Path]:
    truths = sorted(out_dir.glob("*.truth.json"))
    if len(truths) >= docs:
        return truths[:docs]
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "evaluation.common.generate_pdfs", "--out", str(out_dir.resolve()), "--count", str(docs),
         "--pages", str(pages), "--seed", str(seed)],
        check=True, cwd=ROOT,
    )
    return sorted(out_dir.glob("*.truth.json"))[:docs]


def score_document(truth: dict, doc: Document) -> dict[str, object]:
    counts: Counter[str] = Counter()
    errors: dict[str, list[str]] = {"paragraphs": [], "headings": [], "levels": [], "lists": [], "tables": [], "hyphens": [], "furniture": []}
    predicted: dict[BlockType, list] = {t: [b for b in doc.blocks if b.type is t] for t in BlockType}
    by_text = {t: Counter(norm(b.text) for b in predicted[t]) for t in BlockType}
    # (text, page) pairs: a text a report repeats is matched occurrence by occurrence
    pages_of: dict[BlockType, Counter[tuple[str, int | None]]] = {
        t: Counter((norm(b.text), b.page) for b in predicted[t]) for t in BlockType
    }
    heading_level = {norm(b.text): b.level for b in predicted[BlockType.HEADING]}

    for block in truth["blocks"]:
        kind = BlockType(block["type"])
        text = norm(block["text"])
        if kind is BlockType.PARAGRAPH:
            counts["paragraphs"] += 1
            if by_text[kind][text]:
                counts["paragraphs_ok"] += 1
                if pages_of[kind][(text, block.get("page"))] > 0:
                    pages_of[kind][(text, block.get("page"))] -= 1
                    counts["paragraph_pages_ok"] += 1
            else:
                errors["paragraphs"].append(text[:120])
        elif kind is BlockType.HEADING:
            counts["headings"] += 1
            if by_text[kind][text]:
                counts["headings_ok"] += 1
                if heading_level.get(text) == block.get("level"):
                    counts["levels_ok"] += 1
                else:
                    errors["levels"].append(f"{heading_level.get(text)} != {block.get('level')}: {text[:80]}")
            else:
                errors["headings"].append(text[:120])
        elif kind is BlockType.LIST_ITEM:
            counts["list_items"] += 1
            if by_text[kind][text]:
                counts["list_items_ok"] += 1
            else:
                errors["lists"].append(text[:120])
        elif kind is BlockType.TABLE:
            counts["tables"] += 1
            rows = [[norm(c) for c in r] for r in block.get("rows") or []]
            if any([[norm(c) for c in r] for r in (b.rows or [])] == rows for b in predicted[BlockType.TABLE]):
                counts["tables_ok"] += 1
            else:
                errors["tables"].append(" | ".join(rows[0])[:120] if rows else text[:120])

    # furniture: any furniture string inside a block past the title page
    furniture = [f for f in truth.get("furniture", []) if f.strip()]
    specific = [f for f in furniture if re.search(r"\d", f)]  # "Sid 3 (37)": never content
    generic = [f for f in furniture if f not in specific]
    for b in doc.blocks:
        if (b.page or 0) < 2:
            continue
        for f in specific:
            if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", b.text):
                counts["furniture_leaked"] += 1
                errors["furniture"].append(f"{f!r} in: {b.text[:80]}")
        for f in generic:
            if norm(b.text) == norm(f) or b.text.startswith(f + " ") or b.text.endswith(" " + f):
                counts["furniture_leaked"] += 1
                errors["furniture"].append(f"{f!r} in: {b.text[:80]}")

    # hyphenation: words the layout split must come back whole; no token may be new
    truth_words = Counter(w for block in truth["blocks"] for w in WORD.findall(block["text"]))
    predicted_words = Counter(w for b in doc.blocks for w in WORD.findall(b.text))
    for split in truth.get("hyphen_splits", []):
        word = split["word"] if isinstance(split, dict) else split
        counts["hyphen_splits"] += 1
        if predicted_words[word] == 0:
            counts["broken_hyphens"] += 1
            errors["hyphens"].append(f"lost: {word}")
    truth_vocab = set(truth_words)
    title_words = set(WORD.findall(" ".join(norm(b.text) for b in doc.blocks if (b.page or 0) < 2)))
    for word in predicted_words:
        if word not in truth_vocab and word not in title_words and ("-" in word or len(word) > 2):
            counts["broken_hyphens"] += 1
            errors["hyphens"].append(f"new token: {word}")
    return {"counts": counts, "errors": errors}


def ratio(counts: Counter[str], ok: str, total: str) -> float:
    return counts[ok] / counts[total] if counts[total] else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=8)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--dir", type=Path, help="folder of PDFs with .truth.json (default: generate)")
    parser.add_argument("--show-errors", type=int, default=5, help="errors to print per kind")
    args = parser.parse_args()
    out_dir = args.dir or scratch(f"seg-{args.seed}-{args.docs}x{args.pages}")
    truths = sorted(args.dir.glob("*.truth.json")) if args.dir else generate(out_dir, args.docs, args.pages, args.seed)
    total: Counter[str] = Counter()
    all_errors: dict[str, list[str]] = {}
    pages = 0
    start = time.perf_counter()
    for truth_path in truths:
        truth = repair_truth(json.loads(truth_path.read_text(encoding="utf-8")))
        pdf = truth_path.parent / truth["pdf"]
        doc = load_document(pdf, use_manifest=False)
        pages += doc.pages or 0
        scored = score_document(truth, doc)
        total.update(scored["counts"])
        for kind, errs in scored["errors"].items():
            all_errors.setdefault(kind, []).extend(f"{pdf.name}: {e}" for e in errs)
        for key, expected in (("district", truth.get("district")), ("year", truth.get("year")),
                              ("report_type", truth.get("report_type")), ("period", truth.get("period"))):
            total["metadata"] += 1
            total["metadata_ok"] += int(getattr(doc, key) == expected)
    seconds = time.perf_counter() - start
    metrics = {
        "documents": len(truths),
        "pages": pages,
        "paragraphs_exact": ratio(total, "paragraphs_ok", "paragraphs"),
        "paragraph_start_page": ratio(total, "paragraph_pages_ok", "paragraphs_ok"),
        "heading_recall": ratio(total, "headings_ok", "headings"),
        "heading_level_accuracy": ratio(total, "levels_ok", "headings_ok"),
        "list_items_exact": ratio(total, "list_items_ok", "list_items"),
        "tables_exact": ratio(total, "tables_ok", "tables"),
        "metadata_accuracy": ratio(total, "metadata_ok", "metadata"),
        "furniture_leaked": total["furniture_leaked"],
        "broken_hyphenations": total["broken_hyphens"],
        "hyphen_splits_in_truth": total["hyphen_splits"],
        "counts": dict(total),
        "seconds": seconds,
    }
    print(f"\n{len(truths)} generated reports, {pages} pages, truth blocks: {total['paragraphs']} paragraphs, "
          f"{total['headings']} headings, {total['list_items']} list items, {total['tables']} tables\n")
    print("| metric | value | target |")
    print("|---|---:|---:|")
    print(f"| paragraphs recovered exactly | {metrics['paragraphs_exact']:.3f} | ≥ 0.97 |")
    print(f"| … of those on the right page | {metrics['paragraph_start_page']:.3f} | |")
    print(f"| heading recall | {metrics['heading_recall']:.3f} | ≥ 0.97 |")
    print(f"| heading level accuracy | {metrics['heading_level_accuracy']:.3f} | ≥ 0.97 |")
    print(f"| list items recovered exactly | {metrics['list_items_exact']:.3f} | |")
    print(f"| tables recovered exactly (all rows) | {metrics['tables_exact']:.3f} | |")
    print(f"| metadata fields right | {metrics['metadata_accuracy']:.3f} | |")
    print(f"| furniture lines leaked | {metrics['furniture_leaked']} | 0 |")
    print(f"| broken hyphenations | {metrics['broken_hyphenations']} (of {metrics['hyphen_splits_in_truth']} line-end splits) | 0 |")
    for kind, errs in all_errors.items():
        if errs and args.show_errors:
            print(f"\n{kind} ({len(errs)}):", file=sys.stderr)
            for e in errs[: args.show_errors]:
                print("  " + e, file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "segmentation.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
