"""Train the program classifier on TRAIN-split candidates and save it (models/programs-eval/, models/programs/).

Data: the train split of evaluation/programs/data/gold.jsonl plus the training files in
corpora/training/programs/ (see corpora/training/README.md). The test
split is never read here. Hyper-parameters (C, threshold) are chosen by 5-fold
cross-validation over train passages (grouped by passage), scored by mention-level F1
of the selection step.

    .venv/bin/python -m evaluation.programs.scripts.train --out models/programs-eval   # chosen on OOS dev, evaluated
    .venv/bin/python -m evaluation.programs.scripts.train --final models/programs-eval  # the shipped models/programs
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline

from evaluation.paths import MODELS
from evaluation.programs import GOLD, OOS, TRAINING
from nlp.programs.candidates import find_candidates, sentence_starts
from nlp.programs.features import candidate_features

WRITTEN_TRAIN = TRAINING / "gold_written.jsonl"
VERSION = "1.2.0"
WRITTEN_WEIGHT = 0.5  # chosen on the out-of-sample dev split (README); 0 is the corpus-only ablation


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_passages(use_extra: bool = True, use_written: bool = True) -> list[dict]:
    """Corpus passages first (gold train split, then the extra sets), written ones last."""
    passages = [r for r in read_jsonl(GOLD) if r["split"] == "train"]
    names = (("extra_train.jsonl", "more_train.jsonl", "rest_train.jsonl") if use_extra else ()) + (
        ("written_train.jsonl",) if use_written else ())
    for name in names:
        extra = TRAINING / name
        if extra.exists():
            passages += [r for r in read_jsonl(extra) if r.get("split") == "train"]
    if use_written and WRITTEN_TRAIN.exists():  # build_written_train.py: other districts and municipalities
        passages += read_jsonl(WRITTEN_TRAIN)
    return passages


def oos_dev() -> list[dict]:
    """The out-of-sample dev split (build_oos_gold.py), for choosing C and the threshold."""
    return [r for r in read_jsonl(OOS / "gold.jsonl") if r["split"] == "dev"]


def examples(passages: list[dict]) -> tuple[list[dict], np.ndarray, np.ndarray, list[tuple[int, int, int]], int]:
    """Features, labels, passage index and (passage, start, end) of every candidate."""
    features, labels, groups, spans = [], [], [], []
    missed = 0
    for index, passage in enumerate(passages):
        text = passage["text"]
        gold = {(p["start"], p["end"]) for p in passage["programs"]}
        starts = sentence_starts(text)
        candidates = find_candidates(text)
        found = {(c.start, c.end) for c in candidates}
        missed += len(gold - found)
        for candidate in candidates:
            features.append(candidate_features(text, candidate, starts))
            labels.append(int((candidate.start, candidate.end) in gold))
            groups.append(index)
            spans.append((index, candidate.start, candidate.end))
    return features, np.array(labels), np.array(groups), spans, missed


def select(scores: np.ndarray, spans: list[tuple[int, int, int]], threshold: float) -> set[tuple[int, int, int]]:
    """The classifier's selection step: best non-overlapping spans above the threshold."""
    kept: dict[int, list[tuple[int, int]]] = {}
    chosen = set()
    for i in np.argsort(-scores):
        if scores[i] < threshold:
            break
        passage, start, end = spans[i]
        taken = kept.setdefault(passage, [])
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        chosen.add(spans[i])
    return chosen


def f1(chosen: set, gold: set) -> tuple[float, float, float]:
    tp = len(chosen & gold)
    p = tp / len(chosen) if chosen else 0.0
    r = tp / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def model(c: float):  # noqa: ANN201 - sklearn pipeline
    return make_pipeline(DictVectorizer(), LogisticRegression(C=c, class_weight="balanced", max_iter=2000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(MODELS / "programs"))
    parser.add_argument("--no-extra", action="store_true", help="gold train split only (ablation)")
    parser.add_argument("--no-written", action="store_true", help="corpus passages only, no written ones (ablation)")
    parser.add_argument("--written-weight", type=float, default=WRITTEN_WEIGHT,
                        help="sample weight of a written passage's candidates (corpus: 1)")
    parser.add_argument("--select-on", choices=("corpus-cv", "oos-dev"), default="oos-dev",
                        help="choose C and the threshold by 5-fold CV on corpus passages, or on the out-of-sample dev split")
    parser.add_argument("--final", metavar="EVAL_MODEL_DIR",
                        help="train the shipped model: C, threshold and weight from EVAL_MODEL_DIR/meta.json (the "
                             "model chosen and evaluated on the out-of-sample set), and the out-of-sample passages "
                             "themselves added to the training data (all annotated data, once evaluation is done)")
    args = parser.parse_args()
    if args.final:
        final(args)
        return
    passages = training_passages(not args.no_extra, not args.no_written and args.written_weight > 0)
    written = np.array([r.get("source") == "written" for r in passages])
    features, labels, groups, spans, missed = examples(passages)
    gold = {(i, p["start"], p["end"]) for i, r in enumerate(passages) for p in r["programs"]}
    print(f"{len(passages)} train passages ({written.sum()} written), {len(gold)} gold mentions, "
          f"{len(features)} candidates, {labels.sum()} positive, {missed} gold spans not proposed")
    # cross-validation scores corpus passages only: written passages are always in the
    # training folds, so the figure says how the classifier does on real report text
    corpus_rows = np.flatnonzero(~written[groups])
    written_rows = np.flatnonzero(written[groups])
    corpus_gold = {g for g in gold if not written[g[0]]}
    weights = np.where(written[groups], args.written_weight, 1.0)
    best = (-1.0, 1.0, 0.5)
    cv_rows = []
    folds = [(np.concatenate([corpus_rows[t], written_rows]), corpus_rows[d])
             for t, d in GroupKFold(n_splits=5).split(corpus_rows, labels[corpus_rows], groups[corpus_rows])]
    for c in (0.3, 1.0, 3.0, 10.0, 30.0):
        scores = np.full(len(labels), -1.0)
        for train_idx, dev_idx in folds:
            clf = model(c).fit([features[i] for i in train_idx], labels[train_idx],
                               logisticregression__sample_weight=weights[train_idx])
            scores[dev_idx] = clf.predict_proba([features[i] for i in dev_idx])[:, 1]
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            p, r, f = f1(select(scores, spans, threshold), corpus_gold)
            cv_rows.append({"C": c, "threshold": threshold, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)})
            if f > best[0]:
                best = (f, c, threshold)
    if args.select_on == "oos-dev":
        # choose on the out-of-sample dev split: trained on all training passages, scored
        # on passages of other districts and municipalities (never the test split)
        dev = oos_dev()
        dev_features, _, _, dev_spans, _ = examples(dev)
        dev_gold = {(i, p["start"], p["end"]) for i, r in enumerate(dev) for p in r["programs"]}
        best = (-1.0, 1.0, 0.5)
        cv_rows = []
        for c in (0.3, 1.0, 3.0, 10.0):
            clf = model(c).fit(features, labels, logisticregression__sample_weight=weights)
            scores = clf.predict_proba(dev_features)[:, 1]
            for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
                p, r, f = f1(select(scores, dev_spans, threshold), dev_gold)
                cv_rows.append({"C": c, "threshold": threshold, "precision": round(p, 3), "recall": round(r, 3),
                                "f1": round(f, 3), "scored_on": "oos-dev"})
                if f > best[0]:
                    best = (f, c, threshold)
    f, c, threshold = best
    print(f"selected on {args.select_on}: best C={c} threshold={threshold} "
          f"mention F1={f:.3f} (exact spans, classifier alone, no gazetteer or propagation)")
    started = time.time()
    clf = model(c).fit(features, labels, logisticregression__sample_weight=weights)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(clf, out / "classifier.joblib")
    meta = {"version": VERSION, "extra_train": not args.no_extra, "written_train": int(written.sum()), "written_weight": args.written_weight, "threshold": threshold, "C": c, "train_passages": len(passages),
            "train_mentions": len(gold), "candidates": len(features), "positives": int(labels.sum()),
            "cv_best_f1": round(f, 3), "cv": cv_rows, "selected_on": args.select_on, "fit_seconds": round(time.time() - started, 2),
            "features": len(clf[0].feature_names_)}
    (out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(f"saved {out} ({meta['features']} features)")


def final(args: argparse.Namespace) -> None:
    chosen = json.loads((Path(args.final) / "meta.json").read_text(encoding="utf-8"))
    oos = [{**r, "source": "written"} for r in read_jsonl(OOS / "gold.jsonl")]
    passages = training_passages(True, True) + oos
    written = np.array([r.get("source") == "written" for r in passages])
    features, labels, groups, _, _ = examples(passages)
    weights = np.where(written[groups], chosen["written_weight"], 1.0)
    started = time.time()
    clf = model(chosen["C"]).fit(features, labels, logisticregression__sample_weight=weights)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(clf, out / "classifier.joblib")
    meta = {"version": VERSION, "final": True, "chosen_in": str(Path(args.final).name), "threshold": chosen["threshold"],
            "C": chosen["C"], "written_weight": chosen["written_weight"], "train_passages": len(passages),
            "out_of_sample_passages": len(oos), "candidates": len(features), "positives": int(labels.sum()),
            "fit_seconds": round(time.time() - started, 2), "features": len(clf[0].feature_names_)}
    (out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(f"saved {out}: {len(passages)} passages ({len(oos)} out-of-sample), C={chosen['C']}, "
          f"threshold={chosen['threshold']}")


if __name__ == "__main__":
    main()
