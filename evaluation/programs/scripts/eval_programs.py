"""Evaluate program extraction on the held-out TEST split (data/gold.jsonl).

The test passages of each report become one document (passages in corpus order), run
through the full pipeline (gazetteer, candidates, classifier, propagation within the
report, linking across both reports). Scores:

- distinct programs per report: a gold program of a report is found when some predicted
  mention overlaps one of its gold mentions; a predicted program of a report is right
  when one of its mentions overlaps a gold mention;
- mentions: exact-span and overlapping-span precision / recall / F1;
- alias merging: gold programs whose mentions got more than one predicted name (split),
  predicted names covering more than one gold program (merged).

Writes evaluation/programs/results/programs.json and prints a markdown table (the scoring
is nlp.programs.scoring's, shared with ``rapport programs train --eval``).

    .venv/bin/python -m evaluation.programs.scripts.eval_programs
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evaluation.paths import MODELS
from evaluation.programs import CORPUS_TRAIN, GOLD, RESULTS
from nlp.programs.scoring import evaluation_pipeline, render_reports, score_reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "train"), default="test",
                        help="test: data/gold.jsonl; train: corpora/training/programs/corpus_train.jsonl (the "
                             "classifier has learnt it)")
    parser.add_argument("--model-dir", default=str(MODELS / "programs-eval"),
                        help="default: models/programs-eval (the evaluated model; models/programs has also "
                             "learnt the out-of-sample passages)")
    parser.add_argument("--gazetteer-sources", default="issue,train,domain",
                        help="comma-separated gazetteer sources (issue, train, domain, annotated); by default all "
                             "but 'annotated', whose names come from the test passages themselves")
    parser.add_argument("--out", default=str(RESULTS / "programs.json"))
    args = parser.parse_args()
    path = GOLD if args.split == "test" else CORPUS_TRAIN
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [r for r in records if r["split"] == args.split]
    sources = set(args.gazetteer_sources.split(",")) if args.gazetteer_sources else None
    nlp = evaluation_pipeline(args.model_dir, sources)
    result = {"split": args.split, "gazetteer_sources": args.gazetteer_sources or "all", **score_reports(records, nlp)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(render_reports(result, args.split), end="")


if __name__ == "__main__":
    main()
