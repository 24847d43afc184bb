"""Leave-one-report-out for program extraction over the two corpus reports.

For each corpus report R: the classifier is trained (C, threshold and written-passage
weight of models/programs-eval/config.json) on every training passage that is not from R —
the other report's annotated passages and all written passages — and the whole pipeline
runs over all of R's annotated passages (train and test splits), with the gazetteer's
general sources only (issue, domain: the "train" and "annotated" entries come from the
corpus annotations). Scored as eval_programs.py scores a report.

Reads  evaluation/programs/data/gold.jsonl and the training sets (train.training_passages)
Writes evaluation/programs/results/programs_loro.json

    .venv/bin/python -m evaluation.programs.scripts.loro
"""

from __future__ import annotations

import json

import numpy as np

from evaluation.paths import MODELS
from evaluation.programs import GOLD
from evaluation.programs import RESULTS as RESULTS_DIR
from evaluation.programs.scripts.eval_programs import evaluate
from evaluation.programs.scripts.train import examples, model, read_jsonl, training_passages
from nlp.model_folders import read_config
from nlp.programs.pipeline import build_pipeline

RESULTS = RESULTS_DIR / "programs_loro.json"
REPORTS = ["norra-innerstaden_2025_tertialrapport-1", "sodermalm_2020_tertialrapport-1"]


def main() -> None:
    meta = read_config(MODELS / "programs-eval")
    every = training_passages(True, True)
    annotated = [r for r in read_jsonl(GOLD)]
    results = {}
    for held in REPORTS:
        passages = [r for r in every if r.get("doc") != held and not str(r.get("id", "")).startswith(held)]
        written = np.array([r.get("source") == "written" for r in passages])
        features, labels, groups, _, _ = examples(passages)
        weights = np.where(written[groups], meta["written_weight"], 1.0)
        clf = model(meta["C"]).fit(features, labels, logisticregression__sample_weight=weights)
        nlp = build_pipeline(classifier=clf, threshold=meta["threshold"], gazetteer_sources={"issue", "domain"})
        result = evaluate([r for r in annotated if r["doc"] == held], nlp)
        d = result["distinct_per_report"]
        results[held] = {"train_passages": len(passages), **result}
        print(f"held out {held}: {d['gold']} gold programs, precision {d['precision']:.3f}, recall {d['recall']:.3f}",
              flush=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
