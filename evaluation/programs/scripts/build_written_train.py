"""Training passages written for the program classifier, in the gold format.

Reads  corpora/training/programs/written/written_q{1,2}.jsonl           (written for training,
                                                                     writers' mentions)
       corpora/training/programs/written/written_p1_not_independent.jsonl (its writer saw the
                                                                     gazetteer and gold names,
                                                                     so it is training data only)
Writes corpora/training/programs/gold_written.jsonl  (split "train", source "written")

None of these passages is in the out-of-sample evaluation set (data/oos/), whose writers
and annotators never saw them.

    .venv/bin/python -m evaluation.programs.scripts.build_written_train
"""

from __future__ import annotations

import json
from evaluation.programs import TRAINING
from evaluation.programs.scripts.build_oos_gold import spans

DATA = TRAINING / "written"


def main() -> None:
    rows = []
    for path in sorted(DATA.glob("written_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            mentions = record.get("programs") if "programs" in record else record.get("intended", [])
            located = spans(record["text"], mentions, "writer")
            rows.append({"id": f"{record['id']}#0", "doc": record["id"], "text": record["text"],
                         "section": record.get("section") or [], "district": record.get("district"),
                         "year": record.get("year"), "split": "train", "source": "written",
                         "programs": [{k: m[k] for k in ("text", "canonical", "kind", "start", "end")} for m in located]})
    out = TRAINING / "gold_written.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{out}: {len(rows)} passages, {sum(len(r['programs']) for r in rows)} mentions")


if __name__ == "__main__":
    main()
