"""Merge the two judgment rounds into qrels.jsonl and report annotator agreement.

Round 1 (``qrels_round1.jsonl``): 883 single-pass judgments of passages found by many
searches. Round 2: the top 20 of BM25, dense, hybrid and hybrid-RRF for every query,
every passage not judged in round 1 graded by two independent annotators
(``judgments_A.jsonl``, ``judgments_B.jsonl``, same items in the same order, blind to
ranking and to each other), plus a random sample of 200 round-1 judgments, blind, to
measure agreement with round 1. See GUIDELINE.md.

Merge rule: a round-1 judgment stands; a new passage gets the lower grade when the two
annotators differ by one, the rounded-down mean otherwise (floor((A + B) / 2), the
conservative choice: an unsure passage does not become relevant).

    python -m evaluation.search.scripts.build_qrels
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from evaluation.paths import data

DATA = data("search")  # reads and writes the data folder


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    round1 = {(r["qid"], r["id"]): r["grade"] for r in read_jsonl(DATA / "qrels_round1.jsonl")}
    first, second = read_jsonl(DATA / "judgments_A.jsonl"), read_jsonl(DATA / "judgments_B.jsonl")
    keys = [(r["qid"], r["id"]) for r in first]
    if keys != [(r["qid"], r["id"]) for r in second]:
        raise SystemExit("judgments_A.jsonl and judgments_B.jsonl must list the same items in the same order")
    a, b = [r["grade"] for r in first], [r["grade"] for r in second]
    sample = [i for i, key in enumerate(keys) if key in round1]
    agreement = {
        "items": len(keys),
        "A_vs_B_exact": sum(x == y for x, y in zip(a, b)) / len(a),
        "A_vs_B_kappa_quadratic": cohen_kappa_score(a, b, weights="quadratic"),
        "A_vs_B_kappa_relevant": cohen_kappa_score([x >= 1 for x in a], [y >= 1 for y in b]),
        "round1_sample": len(sample),
        "A_vs_round1_kappa_quadratic": cohen_kappa_score([a[i] for i in sample], [round1[keys[i]] for i in sample],
                                                         weights="quadratic"),
        "B_vs_round1_kappa_quadratic": cohen_kappa_score([b[i] for i in sample], [round1[keys[i]] for i in sample],
                                                         weights="quadratic"),
    }
    merged = dict(round1)
    added: Counter[int] = Counter()
    for key, x, y in zip(keys, a, b):
        if key not in round1:
            merged[key] = (x + y) // 2
            added[merged[key]] += 1
    rows = sorted(merged.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    with open(DATA / "qrels.jsonl", "w", encoding="utf-8") as out:
        for (qid, pid), grade in rows:
            out.write(json.dumps({"qid": qid, "id": pid, "grade": grade}, ensure_ascii=False) + "\n")
    agreement["round2_added_by_grade"] = dict(sorted(added.items()))
    agreement["qrels"] = len(rows)
    (DATA / "agreement.json").write_text(json.dumps(agreement, indent=1) + "\n", encoding="utf-8")
    for name, value in agreement.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
