"""Out-of-sample program evaluation: named programs in reports nobody here has seen.

Reads  evaluation/programs/data/oos/gold.jsonl   (build_oos_gold.py: 540 written passages of
                                                 other districts and municipalities, two
                                                 annotation passes, hash split dev/test)
       models/programs-eval/ and the gazetteer    (--model-dir; the evaluated model)
Writes evaluation/programs/results/programs_oos.json and prints a markdown table.

Each passage is run as its own one-passage report through ``extract_programs`` (what
``rapport programs`` does for a report), and scored:
- distinct programs per passage: a gold program is found when a predicted mention
  overlaps one of its mentions; a predicted program (distinct name in the passage) is right
  when one of its mentions overlaps a gold mention;
- mentions: exact span and overlapping span.
The dev split is for choosing; ``--split test`` is scored once, at the end. The scoring is
nlp.programs.scoring's, shared with ``rapport programs train --eval``.

    .venv/bin/python -m evaluation.programs.scripts.eval_oos                 # dev
    .venv/bin/python -m evaluation.programs.scripts.eval_oos --split test
"""

from __future__ import annotations

import argparse
import json

from evaluation.paths import MODELS
from evaluation.programs import OOS_GOLD, RESULTS
from nlp.programs.scoring import evaluation_pipeline, render_passages, score_passages

RESULTS = RESULTS / "programs_oos.json"


def load(split: str) -> list[dict]:
    rows = [json.loads(line) for line in OOS_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--model-dir", default=str(MODELS / "programs-eval"),
                        help="a programs model folder (default: models/programs-eval, the model trained without "
                             "the out-of-sample passages; models/programs, shipped, has learnt them)")
    parser.add_argument("--gazetteer-sources", default="issue,train,domain",
                        help="comma-separated gazetteer sources to keep (default: all but 'annotated', whose "
                             "names come from the evaluation passages themselves)")
    parser.add_argument("--show", type=int, default=0, help="print this many missed and spurious names")
    args = parser.parse_args()
    sources = set(args.gazetteer_sources.split(",")) if args.gazetteer_sources else None
    nlp = evaluation_pipeline(args.model_dir, sources)
    result = score_passages(load(args.split), nlp)
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results[args.split] = result
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render_passages(result, args.split, args.show), end="")


if __name__ == "__main__":
    main()
