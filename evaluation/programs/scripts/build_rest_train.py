"""Build corpora/training/programs/rest_train.jsonl: every remaining corpus passage, double-annotated (train split).

After gold.jsonl, extra_train.jsonl and more_train.jsonl, 739 passages of the two corpus
reports were still unannotated (``data/rest/rest_passages.jsonl``). Two independent passes
(``rest_annotations_A.jsonl``, ``rest_annotations_B.jsonl``) following GUIDELINE.md; the
passages where they differ are decided in ``rest_adjudication.jsonl`` (with the reason).
None of these passages is in the test split of gold.jsonl (checked here).

    .venv/bin/python -m evaluation.programs.scripts.build_rest_train
"""

from __future__ import annotations

import json

from evaluation.programs import GOLD, REST, TRAINING
from evaluation.programs.scripts.build_gold import locate, read_jsonl


def main() -> None:
    passages = read_jsonl(REST / "rest_passages.jsonl")
    a = {r["id"]: r["programs"] for r in read_jsonl(REST / "rest_annotations_A.jsonl")}
    b = {r["id"]: r["programs"] for r in read_jsonl(REST / "rest_annotations_B.jsonl")}
    adjudicated = {r["id"]: r["programs"] for r in read_jsonl(REST / "rest_adjudication.jsonl")}
    test_ids = {r["id"] for r in read_jsonl(GOLD) if r["split"] == "test"}
    if test_ids & {p["id"] for p in passages}:
        raise SystemExit("a test passage is among the rest passages")
    tp = only_a = only_b = 0
    differing, rows = [], []
    for p in passages:
        sa = {(m["start"], m["end"]) for m in locate(p["text"], a[p["id"]])}
        sb = {(m["start"], m["end"]) for m in locate(p["text"], b[p["id"]])}
        tp, only_a, only_b = tp + len(sa & sb), only_a + len(sa - sb), only_b + len(sb - sa)
        if sa != sb:
            differing.append(p["id"])
            if p["id"] not in adjudicated:
                raise SystemExit(f"{p['id']}: the passes differ and there is no adjudication")
        programs = adjudicated.get(p["id"], a[p["id"]])
        rows.append({**p, "programs": locate(p["text"], programs), "split": "train"})
    with open(TRAINING / "rest_train.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    report = {"passages": len(passages), "mentions_both": tp, "only_A": only_a, "only_B": only_b,
              "span_f1": round(2 * tp / (2 * tp + only_a + only_b), 3), "passages_differing": len(differing),
              "passages_with_programs": sum(bool(r["programs"]) for r in rows),
              "mentions": sum(len(r["programs"]) for r in rows)}
    (REST / "rest_agreement.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
