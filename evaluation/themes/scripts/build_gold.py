"""Build the theme gold set from independent annotation passes.

Inputs (all in evaluation/themes/data/):
- ``corpus_passages.jsonl``: the corpus sample (``sample_corpus_passages.py``);
- ``annotations_A.jsonl``, ``annotations_B.jsonl``: two independent passes over it;
- ``adjudication.jsonl``: the third reading's decision for every passage where A and B
  differ (``{"id", "labels", "note"}``);
- ``synthetic_passages.jsonl``: written passages (other districts and years, paraphrases,
  hard negatives), labelled by their writer and re-read once.

Outputs: ``gold.jsonl`` (id, text, section, doc, source, labels, split) and
``agreement.json``; prints the agreement table. Splits are fixed by a hash of the
passage's opening words, so repeated report text never straddles train and test.

    python -m evaluation.themes.scripts.build_gold
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from evaluation.paths import data

DATA = data("themes")  # reads and writes the data folder
THEMES = ("trygghet", "klimat", "aldreomsorg", "covid19")
SPLITS = (("test", 0.25), ("dev", 0.15), ("train", 0.60))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_of(text: str) -> str:
    key = re.sub(r"\W+", " ", text.lower()).strip()[:60]
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    edge = 0.0
    for name, share in SPLITS:
        edge += share
        if bucket < edge:
            return name
    return "train"


def agreement(a: dict[str, list[str]], b: dict[str, list[str]], ids: list[str]) -> dict:
    result = {"passages": len(ids), "exact_match": sum(set(a[i]) == set(b[i]) for i in ids) / len(ids), "per_theme": {}}
    for theme in THEMES:
        ya = [int(theme in a[i]) for i in ids]
        yb = [int(theme in b[i]) for i in ids]
        result["per_theme"][theme] = {
            "kappa": cohen_kappa_score(ya, yb),
            "agreement": sum(x == y for x, y in zip(ya, yb)) / len(ids),
            "positives_A": sum(ya),
            "positives_B": sum(yb),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    passages = read_jsonl(DATA / "corpus_passages.jsonl")
    ids = [p["id"] for p in passages]
    passes = {}
    for name in ("A", "B"):
        rows = {r["id"]: r["labels"] for r in read_jsonl(DATA / f"annotations_{name}.jsonl")}
        missing = [i for i in ids if i not in rows]
        if missing:
            sys.exit(f"annotations_{name}.jsonl lacks {len(missing)} passages, e.g. {missing[:3]}")
        unknown = {label for labels in rows.values() for label in labels} - set(THEMES)
        if unknown:
            sys.exit(f"annotations_{name}.jsonl uses unknown labels {unknown}")
        passes[name] = rows
    stats = agreement(passes["A"], passes["B"], ids)
    disagreements = [i for i in ids if set(passes["A"][i]) != set(passes["B"][i])]
    adjudication_path = DATA / "adjudication.jsonl"
    adjudicated = {r["id"]: r["labels"] for r in read_jsonl(adjudication_path)} if adjudication_path.exists() else {}
    open_cases = [i for i in disagreements if i not in adjudicated]
    if open_cases:
        sys.exit(f"{len(open_cases)} disagreements are not adjudicated yet, e.g. {open_cases[:3]}")
    stats["disagreements"] = len(disagreements)
    stats["adjudicated_as_A"] = sum(set(adjudicated[i]) == set(passes["A"][i]) for i in disagreements)
    stats["adjudicated_as_B"] = sum(set(adjudicated[i]) == set(passes["B"][i]) for i in disagreements)

    gold = []
    for p in passages:
        labels = adjudicated.get(p["id"], passes["A"][p["id"]])
        gold.append({"id": p["id"], "text": p["text"], "section": p.get("section", []), "doc": p["doc"],
                     "source": "corpus", "labels": sorted(labels), "split": split_of(p["text"])})
    for p in read_jsonl(DATA / "synthetic_passages.jsonl"):
        gold.append({"id": p["id"], "text": p["text"], "section": p.get("section", []),
                     "doc": f"synthetic-{p.get('district', '')}-{p.get('year', '')}", "source": f"synthetic:{p.get('kind', '')}",
                     "labels": sorted(p["labels"]), "split": split_of(p["text"])})
    with (DATA / "gold.jsonl").open("w", encoding="utf-8") as handle:
        for record in gold:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts = {s: sum(r["split"] == s for r in gold) for s, _ in SPLITS}
    stats["gold"] = {"passages": len(gold), "splits": counts,
                     "labels": {t: sum(t in r["labels"] for r in gold) for t in THEMES}}
    (DATA / "agreement.json").write_text(json.dumps(stats, indent=1), encoding="utf-8")

    print(f"Corpus sample: {len(ids)} passages, two independent passes (A, B); "
          f"exact-match agreement {stats['exact_match']:.3f}; {len(disagreements)} disagreements adjudicated.\n")
    print("| theme | Cohen's kappa | raw agreement | positives A | positives B |")
    print("|---|---:|---:|---:|---:|")
    for theme, m in stats["per_theme"].items():
        print(f"| {theme} | {m['kappa']:.3f} | {m['agreement']:.3f} | {m['positives_A']} | {m['positives_B']} |")
    print(f"\nGold set: {len(gold)} passages; splits {counts}; labels {stats['gold']['labels']}")


if __name__ == "__main__":
    main()
