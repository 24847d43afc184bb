"""Build the out-of-sample program gold set from two independent annotation passes.

Reads  evaluation/programs/data/oos/written_p{2,3,4}.jsonl  (passages, writers' intended mentions)
       evaluation/programs/data/oos/labels_{A,B}.jsonl      (two blind annotation passes)
Writes evaluation/programs/data/oos/gold.jsonl              (eval_programs.py's record format,
                                                            one passage = one "report")
       evaluation/programs/data/oos/agreement.json

Mentions of the three readings (pass A, pass B, the writer) are grouped by overlapping
spans; a group read as a program by at least two of the three is gold, with the span and
canonical name most readings gave (A and B before the writer on a tie). The split is by a
hash of the passage id: 40 % dev (choosing features, thresholds, defaults), 60 % test
(scored once, at the end).

    .venv/bin/python -m evaluation.programs.scripts.build_oos_gold
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from evaluation.programs import OOS

DATA = OOS
WRITTEN = ("written_p2.jsonl", "written_p3.jsonl", "written_p4.jsonl")
DEV_SHARE = 40


def split_of(passage_id: str) -> str:
    bucket = int(hashlib.sha256(passage_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "dev" if bucket < DEV_SHARE else "test"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def spans(text: str, mentions: list[dict], source: str) -> list[dict]:
    """Character offsets of each mention: the n-th mention of the same string takes its
    n-th occurrence, so that repeated names are kept apart."""
    out, seen = [], Counter()
    for m in mentions:
        start, k = -1, seen[m["text"]]
        for _ in range(k + 1):
            start = text.find(m["text"], start + 1)
            if start < 0:
                break
        if start < 0:
            start = text.find(m["text"])
        if start < 0 or not m["text"].strip():
            continue
        seen[m["text"]] += 1
        out.append({"text": m["text"], "canonical": m.get("canonical") or m["text"], "kind": m.get("kind"),
                    "start": start, "end": start + len(m["text"]), "source": source})
    return out


def groups(mentions: list[dict]) -> list[list[dict]]:
    """Mentions joined into groups when their spans overlap (transitively)."""
    ordered = sorted(mentions, key=lambda m: (m["start"], m["end"]))
    result: list[list[dict]] = []
    end = -1
    for m in ordered:
        if result and m["start"] < end:
            result[-1].append(m)
            end = max(end, m["end"])
        else:
            result.append([m])
            end = m["end"]
    return result


def prf(a: int, b: int, both_a: int, both_b: int) -> dict[str, float]:
    p = both_a / a if a else 1.0
    r = both_b / b if b else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def pair_agreement(first: dict[str, list[dict]], second: dict[str, list[dict]]) -> dict:
    """Span agreement of two readings (the second as reference): exact and overlapping."""
    n1 = sum(len(v) for v in first.values())
    n2 = sum(len(v) for v in second.values())
    exact1 = sum(1 for k, ms in first.items() for m in ms
                 if any((m["start"], m["end"]) == (g["start"], g["end"]) for g in second[k]))
    over1 = sum(1 for k, ms in first.items() for m in ms if any(m["start"] < g["end"] and g["start"] < m["end"] for g in second[k]))
    over2 = sum(1 for k, gs in second.items() for g in gs if any(m["start"] < g["end"] and g["start"] < m["end"] for m in first[k]))
    same_passages = sum(1 for k in first if {(m["start"], m["end"]) for m in first[k]} == {(g["start"], g["end"]) for g in second[k]})
    return {"mentions": [n1, n2], "exact_span": prf(n1, n2, exact1, exact1), "overlap": prf(n1, n2, over1, over2),
            "identical_passages": round(same_passages / len(first), 3)}


def main() -> None:
    passages = [r for name in WRITTEN for r in read(DATA / name)]
    readings: dict[str, dict[str, list[dict]]] = {"writer": {p["id"]: spans(p["text"], p["intended"], "writer") for p in passages}}
    texts = {p["id"]: p["text"] for p in passages}
    for name in ("A", "B"):
        records = {r["id"]: r for r in read(DATA / f"labels_{name}.jsonl")}
        missing = set(texts) - set(records)
        if missing:
            raise SystemExit(f"pass {name} lacks {len(missing)} passages")
        readings[name] = {i: spans(texts[i], records[i].get("programs") or [], name) for i in texts}
    rows = []
    contested = 0
    for p in passages:
        gold = []
        for group in groups([m for name in ("A", "B", "writer") for m in readings[name][p["id"]]]):
            sources = {m["source"] for m in group}
            if len(sources) < 2:
                contested += 1
                continue
            if len(sources) == 2:
                contested += 1
            # the reading's span most readings share; A and B before the writer on a tie
            rank = {"A": 0, "B": 1, "writer": 2}
            span_votes = Counter((m["start"], m["end"]) for m in group)
            best = min(group, key=lambda m: (-span_votes[(m["start"], m["end"])], rank[m["source"]]))
            canonical_votes = Counter(m["canonical"] for m in group)
            canonical = min(canonical_votes, key=lambda c: (-canonical_votes[c], min(rank[m["source"]] for m in group if m["canonical"] == c)))
            kinds = Counter(m["kind"] for m in group if m["kind"])
            gold.append({"text": best["text"], "canonical": canonical, "kind": kinds.most_common(1)[0][0] if kinds else None,
                         "start": best["start"], "end": best["end"], "readings": sorted(sources)})
        rows.append({"id": f"{p['id']}#0", "passage": p["id"], "doc": p["id"], "text": p["text"],
                     "section": p.get("section") or [], "municipality": p.get("municipality"),
                     "organisation": p.get("organisation"), "district": p.get("district"), "year": p.get("year"),
                     "report_type": p.get("report_type"), "programs": gold, "negatives": p.get("negatives", []),
                     "split": split_of(p["id"])})
    with (DATA / "gold.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    report = {
        "passages": len(rows),
        "A_vs_B": pair_agreement(readings["A"], readings["B"]),
        "A_vs_writer": pair_agreement(readings["A"], readings["writer"]),
        "B_vs_writer": pair_agreement(readings["B"], readings["writer"]),
        "gold_mentions": sum(len(r["programs"]) for r in rows),
        "groups_not_unanimous": contested,
        "passages_without_programs": sum(not r["programs"] for r in rows),
        "split": {s: sum(r["split"] == s for r in rows) for s in ("dev", "test")},
    }
    (DATA / "agreement.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
