"""Evaluate reuse detection on a "next year" report with planted, labelled reuse.

``sodermalm_2021_tertialrapport-1.pdf`` is built by ``build_next_year.py`` from the real
2020 report and hand-written edits: verbatim copies, light edits, rewrites in new words,
new text and copied sentences inside new paragraphs; ``sodermalm_2021_labels.jsonl``
labels every passage. The PDF goes through the whole pipeline (ingest, segmentation)
before reuse detection, as an auditor's would.

    python -m evaluation.reuse.scripts.build_next_year   # once, or after editing data/planted.jsonl
    python -m evaluation.reuse.scripts.eval_reuse
"""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter

from evaluation.paths import CORPORA, data, results
from nlp.ingest import load_document
from nlp.reuse import compare, passages

DATA = data("reuse")


def norm(text: str) -> str:
    return " ".join(text.split())


def word_ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def main() -> None:
    old = load_document(CORPORA / "sodermalm_2020_tertialrapport-1.txt")
    new = load_document(DATA / "sodermalm_2021_tertialrapport-1.pdf", use_manifest=False)
    labels = [json.loads(line) for line in (DATA / "sodermalm_2021_labels.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    result = compare(new, [old])
    by_block: dict[int, list] = {}
    for match in result.matches:
        by_block.setdefault(match.block, []).append(match)
    blocks = {norm(b.text): (i, b) for i, b in passages(new)}
    counts: Counter[str] = Counter()
    errors: list[str] = []
    truth_words = 0
    total_words = 0
    for label in labels:
        key = norm(label["text"])
        kind = label["kind"]
        counts[f"{kind}_total"] += 1
        words = len(key.split())
        total_words += words
        if kind in ("verbatim", "light_edit"):
            truth_words += words
        elif kind == "sentence_reuse" and label.get("reused_sentence"):
            truth_words += len(label["reused_sentence"].split())
        if key not in blocks:
            counts["unsegmented"] += 1
            errors.append(f"not a passage after segmentation: {key[:80]}")
            continue
        index, _ = blocks[key]
        found = by_block.get(index, [])
        passage_level = [m for m in found if m.kind in ("exact", "near")]
        if kind in ("verbatim", "light_edit"):
            # the labelled source, a near-identical twin of it, or a 2020 passage at least as
            # close to the new text (boilerplate variants: the edit may have moved it nearer
            # to another variant) all count as the right source
            sources = {norm(t) for t in [label.get("source_text") or ""] + label.get("source_alternatives", []) if t}
            floor = word_ratio(key, norm(label["source_text"])) - 0.01
            right_source = [m for m in passage_level
                            if norm(m.source_text) in sources or word_ratio(key, norm(m.source_text)) >= floor]
            if right_source:
                counts[f"{kind}_found"] += 1
            else:
                errors.append(f"missed {kind}: {key[:80]}")
            if kind == "verbatim" and any(m.kind == "exact" for m in right_source):
                counts["verbatim_exact_kind"] += 1
        elif kind in ("rewrite", "new"):
            if passage_level:
                counts[f"{kind}_flagged"] += 1
                errors.append(f"flagged {kind} ({passage_level[0].similarity:.2f}): {key[:80]}")
        elif kind == "sentence_reuse":
            sentence = norm(label.get("reused_sentence") or "")
            if any(m.kind == "sentence" and norm(m.text) == sentence for m in found) or passage_level:
                counts["sentence_reuse_found"] += 1
            else:
                errors.append(f"missed copied sentence: {sentence[:80]}")
    truth_share = truth_words / total_words if total_words else 0.0

    def rate(found: str, total: str) -> float:
        return counts[found] / counts[total] if counts[total] else 0.0

    metrics = {
        "verbatim_recall": rate("verbatim_found", "verbatim_total"),
        "light_edit_recall": rate("light_edit_found", "light_edit_total"),
        "rewrite_flagged": rate("rewrite_flagged", "rewrite_total"),
        "new_flagged": rate("new_flagged", "new_total"),
        "sentence_reuse_recall": rate("sentence_reuse_found", "sentence_reuse_total"),
        "reused_share_predicted": result.reused_share,
        "reused_share_truth": truth_share,
        "counts": dict(counts),
    }
    print(f"{len(labels)} labelled passages: " + ", ".join(f"{k[:-6]} {v}" for k, v in counts.items() if k.endswith("_total")) + "\n")
    print("| metric | value | target |")
    print("|---|---:|---:|")
    print(f"| verbatim copies found (with the right source) | {metrics['verbatim_recall']:.3f} | ≥ 0.98 |")
    print(f"| light edits found (with the right source) | {metrics['light_edit_recall']:.3f} | ≥ 0.95 |")
    print(f"| rewrites flagged as reuse | {metrics['rewrite_flagged']:.3f} | ≤ 0.03 |")
    print(f"| new text flagged as reuse | {metrics['new_flagged']:.3f} | ≤ 0.03 |")
    print(f"| copied sentences in new paragraphs found | {metrics['sentence_reuse_recall']:.3f} | |")
    print(f"| reused share: predicted vs truth | {result.reused_share:.3f} vs {truth_share:.3f} "
          f"(Δ {abs(result.reused_share - truth_share):.3f}) | Δ ≤ 0.03 |")
    for error in errors[:40]:
        print("  " + error, file=sys.stderr)
    target = results("reuse")
    target.mkdir(parents=True, exist_ok=True)
    (target / "reuse.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
