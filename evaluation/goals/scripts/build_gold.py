"""Goals gold from two independent annotation passes: agreement, then adjudication.

``--set corpus`` (default) reads evaluation/goals/data/corpus_gold_{A,B}.jsonl (annotators
A and B, GUIDELINE.md) and data/adjudication.json (the lead's decision where they differ,
keyed "doc number field"); writes data/corpus_gold.jsonl and data/agreement.json.
``--set oos`` reads data/oos/truth_W.jsonl (the writer of the out-of-sample excerpts) and
data/oos/truth_L.jsonl (an annotator who saw only the texts and the guideline) and
data/oos/adjudication.json; writes data/oos/oos_gold.jsonl and data/oos/agreement.json.
There indicators also carry ``outcome`` and ``target``, which count for agreement.

    python -m evaluation.goals.scripts.build_gold [--set corpus|oos]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from evaluation.paths import data

DATA = data("goals")
SETS = {
    "corpus": (DATA, "corpus_gold_A.jsonl", "corpus_gold_B.jsonl", "corpus_gold.jsonl", ()),
    "oos": (DATA / "oos", "truth_W.jsonl", "truth_L.jsonl", "oos_gold.jsonl", ("outcome", "target")),
}
FIELDS = ("goal", "kind", "parent_number", "assessment", "assessment_source")


def norm(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value).strip()
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


def load(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["doc"], r["number"]): r for r in rows}


def indicator_key(ind: dict[str, Any], extra: tuple[str, ...] = ()) -> tuple:
    return (norm(ind["name"]), tuple(norm(ind.get("values") or [])), norm(ind.get("period")),
            *(norm(ind.get(f)) for f in extra))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="corpus")
    args = parser.parse_args()
    data, name_a, name_b, out_name, extra = SETS[args.set]
    a, b = load(data / name_a), load(data / name_b)
    adjudication_path = data / "adjudication.json"
    decisions = json.loads(adjudication_path.read_text(encoding="utf-8")) if adjudication_path.exists() else {}
    keys = sorted(set(a) | set(b), key=lambda k: (k[0], [int(x) for x in (k[1] or "0").split(".")]))
    stats = {"goals_A": len(a), "goals_B": len(b), "goals_both": len(set(a) & set(b))}
    agree = {f: 0 for f in FIELDS}
    ind_total = ind_agree = 0
    disagreements: list[str] = []
    gold = []
    for key in keys:
        if key[0].startswith("_"):
            continue
        if key not in a or key not in b:
            disagreements.append(f"{key[0]} {key[1]} presence")
            continue
        ra, rb = a[key], b[key]
        record = {"doc": key[0], "number": key[1]}
        for f in FIELDS:
            same = norm(ra.get(f)) == norm(rb.get(f))
            agree[f] += same
            decision = decisions.get(f"{key[0]} {key[1]} {f}")
            if not same and decision is None:
                disagreements.append(f"{key[0]} {key[1]} {f}: A={ra.get(f)!r} B={rb.get(f)!r}")
            record[f] = norm(ra.get(f)) if same else (decision or {}).get("value", norm(ra.get(f)))
        ia = [indicator_key(i, extra) for i in ra["indicators"]]
        ib = [indicator_key(i, extra) for i in rb["indicators"]]
        ind_total += max(len(ia), len(ib))
        ind_agree += sum(1 for x in ia if x in ib)
        decision = decisions.get(f"{key[0]} {key[1]} indicators")
        if decision is not None:
            chosen = ra["indicators"] if decision["value"] == "A" else rb["indicators"]
        else:
            chosen = ra["indicators"]
            for x, y in zip(ia, ib):
                if x != y:
                    disagreements.append(f"{key[0]} {key[1]} indicator: A={x} B={y}")
            if len(ia) != len(ib):
                disagreements.append(f"{key[0]} {key[1]} indicators: A has {len(ia)}, B {len(ib)}")
        record["indicators"] = [{"name": norm(i["name"]), "values": norm(i.get("values") or []),
                                 "period": norm(i.get("period")), **{f: norm(i.get(f)) for f in extra}}
                                for i in chosen]
        if decisions.get("_rules", {}).get("dash_is_null"):
            for ind in record["indicators"]:  # a "-" cell means no figure: outcome/target null
                for f in extra:
                    if ind.get(f) in ("-", "–"):
                        ind[f] = None
        gold.append(record)
    stats.update({f"agreement_{f}": round(agree[f] / stats["goals_both"], 4) for f in FIELDS})
    stats["indicator_rows"] = ind_total
    stats["agreement_indicator_rows"] = round(ind_agree / ind_total, 4) if ind_total else None
    stats["unresolved"] = disagreements
    (data / out_name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold),
                                            encoding="utf-8")
    (data / "agreement.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in stats.items() if k != "unresolved"}, ensure_ascii=False))
    print(f"{len(disagreements)} unresolved:")
    for line in disagreements:
        print("  " + line)


if __name__ == "__main__":
    main()
