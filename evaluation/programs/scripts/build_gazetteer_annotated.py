"""The shipped gazetteer learns every annotated program once evaluation is done.

Reads  the corpus gold set (evaluation/programs/data/gold.jsonl: test split; its train split is
       corpora/training/programs/corpus_train.jsonl) and the other corpus training sets there
       evaluation/programs/data/oos/gold.jsonl           (out-of-sample, all splits)
       corpora/training/programs/gold_written.jsonl      (written training passages)
Writes nlp/programs/data/gazetteer_annotated.yaml        (source: annotated)

Every entry has source ``annotated``: the evaluation scripts leave these entries out
(``--gazetteer-sources issue,train,domain`` is their default), so no reported figure
is helped by names taken from its own test passages. A single common Swedish word
("Effekt", "Lyftet") is left out: as a gazetteer entry it would match ordinary text.

    .venv/bin/python -m evaluation.programs.scripts.build_gazetteer_annotated
"""

from __future__ import annotations

import json
from collections import defaultdict

import yaml

from evaluation.paths import ROOT
from evaluation.programs import CORPUS_TRAIN, GOLD, OOS, TRAINING
from nlp.programs.candidates import word_zipf
from nlp.programs.normalise import canonical_key

OUT = ROOT / "nlp" / "programs" / "data" / "gazetteer_annotated.yaml"
# every annotated set, all splits; an entry's "origin" names them relative to the repository
SOURCES = [GOLD, CORPUS_TRAIN, TRAINING / "extra_train.jsonl", TRAINING / "more_train.jsonl", TRAINING / "rest_train.jsonl",
           TRAINING / "written_train.jsonl", OOS / "gold.jsonl", TRAINING / "gold_written.jsonl"]
KINDS = ("program", "project", "method", "model", "initiative", "campaign", "strategy", "plan", "concept")


def main() -> None:
    names: dict[str, dict] = {}
    aliases: dict[str, set[str]] = defaultdict(set)
    origins: dict[str, set[str]] = defaultdict(set)
    for path in SOURCES:
        name = path.relative_to(ROOT).as_posix()
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for mention in json.loads(line).get("programs") or []:
                canonical = (mention.get("canonical") or mention["text"]).strip()
                key = canonical_key(canonical)
                if not key:
                    continue
                words = canonical.split()
                if len(words) == 1 and not canonical.isupper() and word_zipf(canonical) >= 3.5:
                    continue  # a common word: would match ordinary text
                entry = names.setdefault(key, {"canonical": canonical, "kind": mention.get("kind")
                                               if mention.get("kind") in KINDS else "program"})
                if mention["text"].strip() != entry["canonical"]:
                    aliases[key].add(mention["text"].strip())
                origins[key].add(name)
    entries = []
    for key, entry in sorted(names.items()):
        item = {"canonical": entry["canonical"], "kind": entry["kind"]}
        # the same key in another case stays: a lower-case alias matches in any case
        extra = sorted(a for a in aliases[key] if a != entry["canonical"])
        if extra:
            item["aliases"] = extra
        item["source"] = "annotated"
        item["origin"] = ", ".join(sorted(origins[key]))
        entries.append(item)
    header = ("# Programs named in this project's annotated passages (corpus, out-of-sample and written\n"
              "# sets), built by evaluation/programs/scripts/build_gazetteer_annotated.py. Source 'annotated':\n"
              "# the evaluation scripts leave these out, so they help users, not the reported figures.\n")
    OUT.write_text(header + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"{OUT}: {len(entries)} entries")


if __name__ == "__main__":
    main()
