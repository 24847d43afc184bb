"""Build corpora/training/programs/written_train.jsonl: report-style passages written for training, double-annotated.

Programs are rare in the two corpus reports (78 positive training spans after every
cue-bearing corpus passage was annotated), so the classifier also learns from passages
written in the reports' style (``written_passages.jsonl``, with hard negatives:
organisations, places, laws, surveys, acronyms that are not programs). Each passage has
two independent annotations following GUIDELINE.md: the writer's
(``written_annotations_W.jsonl``) and a second annotator's who saw only the text
(``written_annotations_R.jsonl``). Kept for training: passages where both mark exactly the
same spans (the writer's canonical names and kinds are used); passages that name a
program of the test split are dropped (decontamination, checked automatically against
gold.jsonl, never read by eye). The split is "train" for all of them.

    .venv/bin/python -m evaluation.programs.scripts.make_written_train
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evaluation.programs import GOLD, TRAINING, WRITTEN


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def locate(text: str, mentions: list[dict]) -> list[dict] | None:
    """Character offsets of mentions listed in order of appearance (None if one is not in the text)."""
    out, cursor, taken = [], 0, []
    for mention in mentions:
        span = mention["text"]
        start = text.find(span, cursor)
        while start >= 0 and any(start < e and s < start + len(span) for s, e in taken):
            start = text.find(span, start + 1)
        if start < 0:  # listed out of order: first free occurrence anywhere
            start = text.find(span)
            while start >= 0 and any(start < e and s < start + len(span) for s, e in taken):
                start = text.find(span, start + 1)
        if start < 0:
            return None
        taken.append((start, start + len(span)))
        cursor = start + len(span)
        out.append({**mention, "start": start, "end": start + len(span)})
    return sorted(out, key=lambda m: m["start"])


def main() -> None:
    passages = read_jsonl(WRITTEN / "written_passages.jsonl")
    writer = read_jsonl(WRITTEN / "written_annotations_W.jsonl")
    reader = read_jsonl(WRITTEN / "written_annotations_R.jsonl")
    if not (len(passages) == len(writer) == len(reader)):
        raise SystemExit("passages and both annotation files must have the same number of lines")
    test_names = set()
    for row in read_jsonl(GOLD):
        if row["split"] == "test":
            for p in row["programs"]:
                test_names |= {p["text"].casefold(), p["canonical"].casefold()}
    tp = fp = fn = 0
    kept, dropped_disagree, dropped_test, dropped_bad = [], 0, 0, 0
    for passage, w, r in zip(passages, writer, reader):
        text = passage["text"]
        first, second = locate(text, w["programs"]), locate(text, r["programs"])
        if first is None or second is None:
            dropped_bad += 1
            continue
        a = {(m["start"], m["end"]) for m in first}
        b = {(m["start"], m["end"]) for m in second}
        tp, fp, fn = tp + len(a & b), fp + len(b - a), fn + len(a - b)
        lowered = text.casefold()
        if any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered) for name in test_names):
            dropped_test += 1
            continue
        if a != b:
            dropped_disagree += 1
            continue
        kept.append({"id": passage["id"], "text": text, "programs": first, "split": "train", "source": "written"})
    with open(TRAINING / "written_train.jsonl", "w", encoding="utf-8") as out:
        for row in kept:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    report = {"passages": len(passages), "span_f1_writer_vs_second": round(f1, 3), "kept": len(kept),
              "kept_with_programs": sum(bool(r["programs"]) for r in kept),
              "kept_mentions": sum(len(r["programs"]) for r in kept),
              "dropped_disagreement": dropped_disagree, "dropped_test_name": dropped_test,
              "dropped_unlocatable": dropped_bad}
    (WRITTEN / "written_agreement.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
