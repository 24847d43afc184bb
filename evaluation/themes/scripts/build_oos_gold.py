"""Build the out-of-sample theme gold set from two independent labelling passes.

Reads  evaluation/themes/data/oos/written_w{1,2,3}.jsonl  (passages with the writers'
                                                          intended labels)
       evaluation/themes/data/oos/labels_{A,B}.jsonl      (two blind labelling passes)
Writes evaluation/themes/data/oos/gold.jsonl              (one passage per line, split dev/test)
       evaluation/themes/data/oos/agreement.json          (A vs B, and each vs the writer)

The gold label of a theme is the majority of three readings: pass A, pass B and the
writer's intention (a third, independent reading, used only to settle A/B
disagreements). The split is by a hash of the passage id, so it never depends on labels
or order: 40 % dev (for choosing models, thresholds and defaults), 60 % test (scored
once, at the end).

    .venv/bin/python -m evaluation.themes.scripts.build_oos_gold
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from evaluation.paths import data

DATA = data("themes") / "oos"
THEMES = ["trygghet", "klimat", "aldreomsorg", "covid19"]
DEV_SHARE = 40  # percent


def split_of(passage_id: str) -> str:
    bucket = int(hashlib.sha256(passage_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "dev" if bucket < DEV_SHARE else "test"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement(first: dict[str, set[str]], second: dict[str, set[str]], ids: list[str]) -> dict:
    return {
        "passages": len(ids),
        "identical_label_sets": round(sum(first[i] == second[i] for i in ids) / len(ids), 3),
        "kappa": {t: round(kappa([t in first[i] for i in ids], [t in second[i] for i in ids]), 3) for t in THEMES},
    }


def main() -> None:
    passages = [r for n in (1, 2, 3) for r in read(DATA / f"written_w{n}.jsonl")]
    ids = [p["id"] for p in passages]
    passes = {name: {r["id"]: set(r["labels"]) for r in read(DATA / f"labels_{name}.jsonl")} for name in ("A", "B")}
    writer = {p["id"]: set(p["intended"]) for p in passages}
    for name, labels in passes.items():
        missing = set(ids) - set(labels)
        if missing:
            raise SystemExit(f"pass {name} lacks {len(missing)} passages, e.g. {sorted(missing)[:3]}")
    rows = []
    for p in passages:
        votes = [passes["A"][p["id"]], passes["B"][p["id"]], writer[p["id"]]]
        labels = [t for t in THEMES if sum(t in v for v in votes) >= 2]
        rows.append({
            "id": p["id"], "text": p["text"], "section": p["section"], "municipality": p["municipality"],
            "organisation": p["organisation"], "district": p["district"], "year": p["year"],
            "report_type": p["report_type"], "kind": p["kind"], "labels": labels, "split": split_of(p["id"]),
            "labels_A": sorted(votes[0]), "labels_B": sorted(votes[1]), "labels_writer": sorted(votes[2]),
            "adjudicated": votes[0] != votes[1],
        })
    with (DATA / "gold.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    report = {
        "A_vs_B": agreement(passes["A"], passes["B"], ids),
        "A_vs_writer": agreement(passes["A"], writer, ids),
        "B_vs_writer": agreement(passes["B"], writer, ids),
        "adjudicated_by_majority": sum(r["adjudicated"] for r in rows),
        "split": {s: sum(r["split"] == s for r in rows) for s in ("dev", "test")},
        "labels": {t: sum(t in r["labels"] for r in rows) for t in THEMES},
        "no_label": sum(not r["labels"] for r in rows),
    }
    (DATA / "agreement.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
