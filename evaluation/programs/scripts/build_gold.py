"""Build the program gold set from two independent annotation passes.

Inputs (in evaluation/programs/data/round1_corpus/): ``passages.jsonl`` (the sample), ``annotations_A.jsonl`` / ``annotations_B.jsonl``
(independent passes, see GUIDELINE.md), ``adjudication.jsonl`` (the third reading of
every passage where the passes differ) and ``canonical.json`` (one canonical name per
program where the annotators wrote the same program differently).

Outputs the passages (id, doc, text, programs [{text, start, end, canonical, kind}], split)
in two files, in sample order: the test split (about half the passages, by a hash of the
text, which no component is trained or tuned on) in ``data/gold.jsonl``, the train split in
``corpora/training/programs/corpus_train.jsonl``; and ``agreement.json`` over both.

    python -m evaluation.programs.scripts.build_gold
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from evaluation.programs import CORPUS_TRAIN, GOLD, ROUND1


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_of(text: str) -> str:
    bucket = int(hashlib.sha1(" ".join(text.lower().split())[:80].encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < 0.5 else "train"


def spans(programs: list[dict]) -> set[str]:
    return {p["text"].lower() for p in programs}


def locate(text: str, programs: list[dict]) -> list[dict]:
    """Character offsets for each mention, in order (repeated names take successive hits)."""
    out, cursor = [], {}
    for p in programs:
        start = text.find(p["text"], cursor.get(p["text"], 0))
        if start < 0:
            start = text.find(p["text"])
        if start < 0:
            sys.exit(f"span {p['text']!r} not in passage")
        cursor[p["text"]] = start + len(p["text"])
        out.append({**p, "start": start, "end": start + len(p["text"])})
    return sorted(out, key=lambda p: p["start"])


def main() -> None:
    passages = read_jsonl(ROUND1 / "passages.jsonl")
    a = {r["id"]: r["programs"] for r in read_jsonl(ROUND1 / "annotations_A.jsonl")}
    b = {r["id"]: r["programs"] for r in read_jsonl(ROUND1 / "annotations_B.jsonl")}
    adjudicated = {r["id"]: r["programs"] for r in read_jsonl(ROUND1 / "adjudication.jsonl")}
    canonical = json.loads((ROUND1 / "canonical.json").read_text(encoding="utf-8"))
    tp = only_a = only_b = 0
    differing = []
    for p in passages:
        sa, sb = spans(a[p["id"]]), spans(b[p["id"]])
        tp += len(sa & sb)
        only_a += len(sa - sb)
        only_b += len(sb - sa)
        if sa != sb:
            differing.append(p["id"])
    open_cases = [i for i in differing if i not in adjudicated]
    if open_cases:
        sys.exit(f"{len(open_cases)} passages differ and are not adjudicated: {open_cases[:3]}")
    agreement = {"passages": len(passages), "mentions_both": tp, "only_A": only_a, "only_B": only_b,
                 "span_f1": 2 * tp / (2 * tp + only_a + only_b), "passages_differing": len(differing)}
    gold = []
    for p in passages:
        programs = adjudicated.get(p["id"], a[p["id"]])
        programs = [{**m, "canonical": canonical.get(m["canonical"], m["canonical"])} for m in programs]
        gold.append({"id": p["id"], "doc": p["doc"], "district": p["district"], "year": p["year"], "text": p["text"],
                     "section": p["section"], "programs": locate(p["text"], programs), "split": split_of(p["text"])})
    for path, split in ((GOLD, "test"), (CORPUS_TRAIN, "train")):
        with path.open("w", encoding="utf-8") as handle:
            for record in gold:
                if record["split"] == split:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    names = {m["canonical"] for r in gold for m in r["programs"]}
    agreement["gold"] = {"passages": len(gold), "mentions": sum(len(r["programs"]) for r in gold),
                         "programs": len(names), "test_passages": sum(r["split"] == "test" for r in gold)}
    (ROUND1 / "agreement.json").write_text(json.dumps(agreement, indent=1), encoding="utf-8")
    print(json.dumps(agreement, indent=1))


if __name__ == "__main__":
    main()
