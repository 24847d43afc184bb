"""Cross-validate the whole program pipeline on the TRAIN passages (a development figure).

The held-out test split is for the reported numbers only, so changes are judged here:
5 folds over the corpus train passages (gold train split and the extra annotated sets,
grouped by passage). In each fold the classifier is trained on the other folds with the
C and threshold of ``models/programs/config.json`` (or ``--C``/``--threshold``), the
gazetteer keeps only entries from the issue and the domain list (its "train" entries come
from annotated passages and would leak into the held-out fold; ``--gazetteer-sources``),
and the fold's passages, grouped per report, run through the full pipeline and are
scored as ``eval_programs.py`` scores the test split (nlp.programs.scoring).

    .venv/bin/python -m evaluation.programs.scripts.cv_pipeline
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.model_selection import GroupKFold

from evaluation.paths import MODELS
from evaluation.programs import TRAINING
from nlp.model_folders import read_config
from nlp.programs.pipeline import build_pipeline
from nlp.programs.scoring import score_reports
from nlp.programs.training import classifier, examples, training_passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--C", type=float)
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--gazetteer-sources", default="issue,domain",
                        help="comma-separated gazetteer sources to use (issue, train, domain)")
    parser.add_argument("--show", action="store_true", help="print missed and spurious programs of each fold")
    args = parser.parse_args()
    meta = read_config(MODELS / "programs")
    c = args.C or meta["C"]
    threshold = args.threshold or meta["threshold"]
    passages, _ = training_passages(TRAINING, use_extra=True, use_written=False)
    data = examples(passages)
    features, labels, groups = data.features, data.labels, data.groups
    sources = set(args.gazetteer_sources.split(","))
    totals = {"right": 0, "predicted": 0, "found": 0, "gold": 0, "split": 0, "merged": 0}
    by_passage = GroupKFold(n_splits=args.folds).split(np.arange(len(passages)), groups=np.arange(len(passages)))
    for fold, (_, held_out) in enumerate(by_passage):
        held = set(held_out.tolist())
        rows = np.flatnonzero([g not in held for g in groups])
        clf = classifier(c).fit([features[i] for i in rows], labels[rows])
        nlp = build_pipeline(classifier=clf, threshold=threshold, gazetteer_sources=sources)
        result = score_reports([passages[i] for i in sorted(held)], nlp)
        d = result["distinct_per_report"]
        if args.show:
            for row in result["per_report"].values():
                print(f"fold {fold} missed: {row['missed']}\n       spurious: {row['spurious']}")
        totals["right"] += d["right"]
        totals["predicted"] += d["predicted"]
        totals["found"] += d["found"]
        totals["gold"] += d["gold"]
        totals["split"] += len(result["alias"]["split"])
        totals["merged"] += len(result["alias"]["merged"])
    p = totals["right"] / totals["predicted"] if totals["predicted"] else 0.0
    r = totals["found"] / totals["gold"] if totals["gold"] else 0.0
    print(f"{len(passages)} train passages, {args.folds} folds, C={c}, threshold={threshold}, "
          f"gazetteer sources: {args.gazetteer_sources}")
    print(f"distinct programs per report (pooled over folds): precision {p:.3f}, recall {r:.3f}, "
          f"F1 {2 * p * r / (p + r) if p + r else 0:.3f} ({totals['gold']} gold, {totals['predicted']} predicted); "
          f"alias split {totals['split']}, merged {totals['merged']}")


if __name__ == "__main__":
    main()
