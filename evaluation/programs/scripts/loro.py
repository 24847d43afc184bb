"""Leave-one-report-out for program extraction over the two corpus reports.

For each corpus report R: the classifier is trained (C, threshold and written-passage
weight of models/programs-eval/config.json) on every training passage that is not from R —
the other report's annotated passages and all written passages — and the whole pipeline
runs over all of R's annotated passages (train and test splits), with the gazetteer's
general sources only (issue, domain: the "train" and "annotated" entries come from the
corpus annotations). Scored as eval_programs.py scores a report.

Reads  the corpus gold set (corpora/training/programs/corpus_train.jsonl, evaluation/programs/data/gold.jsonl)
       and the training sets (nlp.programs.training.training_passages)
Writes evaluation/programs/results/programs_loro.json

    .venv/bin/python -m evaluation.programs.scripts.loro
"""

from __future__ import annotations

import json

import numpy as np

from evaluation.paths import MODELS
from evaluation.programs import CORPUS_TRAIN, GOLD, TRAINING
from evaluation.programs import RESULTS as RESULTS_DIR
from nlp.model_folders import read_config
from nlp.programs.pipeline import build_pipeline
from nlp.programs.scoring import score_reports
from nlp.programs.training import classifier, examples, read_jsonl, training_passages

RESULTS = RESULTS_DIR / "programs_loro.json"
REPORTS = ["norra-innerstaden_2025_tertialrapport-1", "sodermalm_2020_tertialrapport-1"]


def main() -> None:
    meta = read_config(MODELS / "programs-eval")
    every, _ = training_passages(TRAINING, use_extra=True, use_written=True)
    annotated = read_jsonl(CORPUS_TRAIN) + read_jsonl(GOLD)  # the corpus gold set, both splits
    results = {}
    for held in REPORTS:
        passages = [r for r in every if r.get("doc") != held and not str(r.get("id", "")).startswith(held)]
        written = np.array([r.get("source") == "written" for r in passages])
        data = examples(passages)
        weights = np.where(written[data.groups], meta["written_weight"], 1.0)
        clf = classifier(meta["C"]).fit(data.features, data.labels, logisticregression__sample_weight=weights)
        nlp = build_pipeline(classifier=clf, threshold=meta["threshold"], gazetteer_sources={"issue", "domain"})
        result = score_reports([r for r in annotated if r["doc"] == held], nlp)
        d = result["distinct_per_report"]
        results[held] = {"train_passages": len(passages), **result}
        print(f"held out {held}: {d['gold']} gold programs, precision {d['precision']:.3f}, recall {d['recall']:.3f}",
              flush=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
