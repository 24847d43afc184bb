"""Training the program classifier (``rapport programs train``).

The classifier scores the candidate spans of ``candidates.py`` (features of
``features.py``); what it is trained on is in ``corpora/training/programs/`` (see
corpora/training/README.md): the corpus gold set's train split (``corpus_train.jsonl``),
the other annotated corpus passages (extra, more, rest) and written passages (weighted
``written_weight``). C and the threshold are chosen on the out-of-sample dev split
(``select_on="oos-dev"``, the default) or by 5-fold cross-validation over the corpus
passages (``"corpus-cv"``), scored by exact-span mention F1 of the selection step. The
test splits are never read here.

    trained = train(TrainingOptions())                        # the evaluation model (models/programs-eval)
    save(trained, MODELS / "programs-eval", command="...")
    final = train_final(MODELS / "programs-eval")             # its recipe on all annotated data (models/programs)
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import model_folders
from ..defaults import REPOSITORY, TRAINING_DATA
from ..errors import InputError, RapportError
from .candidates import find_candidates, sentence_starts
from .features import candidate_features

TRAINING_DIR = TRAINING_DATA / "programs"
# the out-of-sample set (other districts and municipalities): its dev split chooses C and
# the threshold, and the shipped model (train_final) also learns all of it
OOS_GOLD = REPOSITORY / "evaluation" / "programs" / "data" / "oos" / "gold.jsonl"
VERSION = "1.2.0"  # of the recipe and its data; the folder layout is the model folder's "format"
WRITTEN_WEIGHT = 0.5  # chosen on the out-of-sample dev split; 0 is the corpus-only ablation
SELECT_ON = ("oos-dev", "corpus-cv")
CORPUS_FILE = "corpus_train.jsonl"
EXTRA_FILES = ("extra_train.jsonl", "more_train.jsonl", "rest_train.jsonl")
WRITTEN_FILE = "written_train.jsonl"
WRITTEN_GOLD_FILE = "gold_written.jsonl"  # build_written_train.py: other districts and municipalities
CV_GRID = ((0.3, 1.0, 3.0, 10.0, 30.0), (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9))
OOS_GRID = ((0.3, 1.0, 3.0, 10.0), (0.3, 0.4, 0.5, 0.6, 0.7, 0.8))
NOTES_HEADING = "## Notes"  # a card's hand-written part from here on is kept when the folder is retrained

Log = Callable[[str], None]
Span = tuple[int, int, int]  # (passage index, start, end)


@dataclass(frozen=True)
class TrainingOptions:
    """What ``train`` reads and how it chooses (the options of ``rapport programs train``)."""

    training_dir: Path = TRAINING_DIR
    oos: Path = OOS_GOLD
    use_extra: bool = True
    use_written: bool = True
    written_weight: float = WRITTEN_WEIGHT
    select_on: str = "oos-dev"


@dataclass
class Examples:
    """Every candidate of some passages: features, gold label, passage index and span."""

    features: list[dict[str, Any]]
    labels: np.ndarray
    groups: np.ndarray
    spans: list[Span]
    missed: int  # gold spans no candidate proposes


@dataclass
class Trained:
    """A fitted classifier, its threshold and what to record in the folder's config.json."""

    estimator: Any
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)


def read_jsonl(path: Path, what: str = "passages") -> list[dict[str, Any]]:
    """The records of a JSON-lines file, or an InputError naming ``what`` it should hold."""
    try:
        return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc}).") from exc


def training_passages(directory: Path = TRAINING_DIR, use_extra: bool = True,
                      use_written: bool = True) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The training passages, corpus ones first (the corpus gold's train split, then the
    extra sets), written ones last; and how many each file gave."""
    corpus = Path(directory) / CORPUS_FILE
    if not corpus.exists():
        raise InputError(f"{corpus}: the corpus training passages are missing (see corpora/training/README.md).")
    counts = {CORPUS_FILE: 0}
    passages = [r for r in read_jsonl(corpus) if r.get("split", "train") == "train"]
    counts[CORPUS_FILE] = len(passages)
    names = (EXTRA_FILES if use_extra else ()) + ((WRITTEN_FILE,) if use_written else ())
    for name in names:
        path = Path(directory) / name
        if path.exists():
            rows = [r for r in read_jsonl(path) if r.get("split") == "train"]
            counts[name] = len(rows)
            passages += rows
    written_gold = Path(directory) / WRITTEN_GOLD_FILE
    if use_written and written_gold.exists():
        rows = read_jsonl(written_gold)
        counts[WRITTEN_GOLD_FILE] = len(rows)
        passages += rows
    return passages, counts


def oos_passages(path: Path = OOS_GOLD, split: str | None = "dev") -> list[dict[str, Any]]:
    """The out-of-sample set (all of it with ``split=None``)."""
    if not Path(path).exists():
        raise InputError(f"{path}: the out-of-sample set is missing; give its path, or choose with "
                         "--select-on corpus-cv.")
    return [r for r in read_jsonl(path) if split is None or r["split"] == split]


def examples(passages: list[dict[str, Any]]) -> Examples:
    """Features and labels of every candidate of ``passages``."""
    features, labels, groups, spans = [], [], [], []
    missed = 0
    for index, passage in enumerate(passages):
        text = passage["text"]
        gold = {(p["start"], p["end"]) for p in passage["programs"]}
        starts = sentence_starts(text)
        candidates = find_candidates(text)
        missed += len(gold - {(c.start, c.end) for c in candidates})
        for candidate in candidates:
            features.append(candidate_features(text, candidate, starts))
            labels.append(int((candidate.start, candidate.end) in gold))
            groups.append(index)
            spans.append((index, candidate.start, candidate.end))
    return Examples(features, np.array(labels), np.array(groups), spans, missed)


def select(scores: np.ndarray, spans: list[Span], threshold: float) -> set[Span]:
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


def mention_f1(chosen: set[Span], gold: set[Span]) -> tuple[float, float, float]:
    tp = len(chosen & gold)
    p = tp / len(chosen) if chosen else 0.0
    r = tp / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def classifier(c: float) -> Any:
    """The estimator: a DictVectorizer and a balanced logistic regression."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(DictVectorizer(), LogisticRegression(C=c, class_weight="balanced", max_iter=2000))


def _fit(c: float, data: Examples, weights: np.ndarray, rows: np.ndarray | None = None) -> Any:
    if rows is None:
        return classifier(c).fit(data.features, data.labels, logisticregression__sample_weight=weights)
    return classifier(c).fit([data.features[i] for i in rows], data.labels[rows],
                             logisticregression__sample_weight=weights[rows])


def _gold_spans(passages: list[dict[str, Any]]) -> set[Span]:
    return {(i, p["start"], p["end"]) for i, r in enumerate(passages) for p in r["programs"]}


def _choose_by_corpus_cv(data: Examples, weights: np.ndarray, written: np.ndarray,
                         gold: set[Span]) -> tuple[tuple[float, float, float], list[dict[str, Any]]]:
    """5-fold CV over the corpus passages (grouped by passage). Written passages are in
    every training fold and never scored, so the figure is about real report text."""
    from sklearn.model_selection import GroupKFold

    corpus_rows = np.flatnonzero(~written[data.groups])
    written_rows = np.flatnonzero(written[data.groups])
    corpus_gold = {g for g in gold if not written[g[0]]}
    folds = [(np.concatenate([corpus_rows[t], written_rows]), corpus_rows[d]) for t, d in
             GroupKFold(n_splits=5).split(corpus_rows, data.labels[corpus_rows], data.groups[corpus_rows])]
    best, rows = (-1.0, 1.0, 0.5), []
    for c in CV_GRID[0]:
        scores = np.full(len(data.labels), -1.0)
        for train_idx, dev_idx in folds:
            scores[dev_idx] = _fit(c, data, weights, train_idx).predict_proba(
                [data.features[i] for i in dev_idx])[:, 1]
        for threshold in CV_GRID[1]:
            p, r, f = mention_f1(select(scores, data.spans, threshold), corpus_gold)
            rows.append({"C": c, "threshold": threshold, "precision": round(p, 3), "recall": round(r, 3),
                         "f1": round(f, 3)})
            if f > best[0]:
                best = (f, c, threshold)
    return best, rows


def _choose_on_oos_dev(data: Examples, weights: np.ndarray,
                       dev: list[dict[str, Any]]) -> tuple[tuple[float, float, float], list[dict[str, Any]]]:
    """Fit on all training passages, score on the out-of-sample dev split."""
    dev_data = examples(dev)
    dev_gold = _gold_spans(dev)
    best, rows = (-1.0, 1.0, 0.5), []
    for c in OOS_GRID[0]:
        scores = _fit(c, data, weights).predict_proba(dev_data.features)[:, 1]
        for threshold in OOS_GRID[1]:
            p, r, f = mention_f1(select(scores, dev_data.spans, threshold), dev_gold)
            rows.append({"C": c, "threshold": threshold, "precision": round(p, 3), "recall": round(r, 3),
                         "f1": round(f, 3), "scored_on": "oos-dev"})
            if f > best[0]:
                best = (f, c, threshold)
    return best, rows


def train(options: TrainingOptions = TrainingOptions(), log: Log = lambda message: None) -> Trained:
    """Choose C and the threshold (``options.select_on``) and fit on all training passages."""
    if options.select_on not in SELECT_ON:
        raise RapportError(f"select_on must be one of {', '.join(SELECT_ON)}, not {options.select_on!r}.")
    use_written = options.use_written and options.written_weight > 0
    passages, counts = training_passages(options.training_dir, options.use_extra, use_written)
    dev = oos_passages(options.oos, "dev") if options.select_on == "oos-dev" else []
    written = np.array([r.get("source") == "written" for r in passages], dtype=bool)
    data = examples(passages)
    if not len(data.labels) or data.labels.min() == data.labels.max():
        raise InputError(f"{options.training_dir}: the training passages need candidates that are programs and "
                         "candidates that are not.")
    gold = _gold_spans(passages)
    log(f"{len(passages)} train passages ({written.sum()} written), {len(gold)} gold mentions, "
        f"{len(data.features)} candidates, {data.labels.sum()} positive, {data.missed} gold spans not proposed")
    weights = np.where(written[data.groups], options.written_weight, 1.0)
    if options.select_on == "oos-dev":
        best, rows = _choose_on_oos_dev(data, weights, dev)
    else:
        best, rows = _choose_by_corpus_cv(data, weights, written, gold)
    f, c, threshold = best
    log(f"selected on {options.select_on}: best C={c} threshold={threshold} "
        f"mention F1={f:.3f} (exact spans, classifier alone, no gazetteer or propagation)")
    started = time.time()
    estimator = _fit(c, data, weights)
    meta = {"version": VERSION, "extra_train": options.use_extra, "written_train": int(written.sum()),
            "written_weight": options.written_weight, "threshold": threshold, "C": c,
            "train_passages": len(passages), "train_mentions": len(gold), "candidates": len(data.features),
            "positives": int(data.labels.sum()), "cv_best_f1": round(f, 3), "cv": rows,
            "selected_on": options.select_on, "fit_seconds": round(time.time() - started, 2),
            "features": len(estimator[0].feature_names_), "training_dir": _where(options.training_dir),
            "training_files": counts}
    if options.select_on == "oos-dev":
        meta.update(oos=_where(options.oos), selection_passages=len(dev))
    return Trained(estimator, threshold, meta)


def train_final(chosen_in: Path, options: TrainingOptions = TrainingOptions(),
                log: Log = lambda message: None) -> Trained:
    """The shipped model: C, threshold and written weight of the evaluated folder
    ``chosen_in``, fitted on all annotated data (the training passages and the whole
    out-of-sample set, as written passages) once evaluation is done."""
    chosen = model_folders.read_config(model_folders.resolve(chosen_in))
    if chosen.get("kind") != "programs" or not {"C", "threshold", "written_weight"} <= set(chosen):
        raise RapportError(f"{chosen_in}: not an evaluated programs model (its config.json needs C, threshold and "
                           "written_weight); train one with `rapport programs train` first.",
                           code="model_invalid", path=str(chosen_in))
    oos = [{**r, "source": "written"} for r in oos_passages(options.oos, None)]
    passages, counts = training_passages(options.training_dir, True, True)
    passages += oos
    written = np.array([r.get("source") == "written" for r in passages], dtype=bool)
    data = examples(passages)
    weights = np.where(written[data.groups], chosen["written_weight"], 1.0)
    started = time.time()
    estimator = _fit(chosen["C"], data, weights)
    meta = {"version": VERSION, "final": True, "chosen_in": Path(chosen_in).name, "threshold": chosen["threshold"],
            "C": chosen["C"], "written_weight": chosen["written_weight"], "train_passages": len(passages),
            "out_of_sample_passages": len(oos), "candidates": len(data.features),
            "positives": int(data.labels.sum()), "fit_seconds": round(time.time() - started, 2),
            "features": len(estimator[0].feature_names_), "training_dir": _where(options.training_dir),
            "training_files": counts, "oos": _where(options.oos)}
    log(f"{len(passages)} passages ({len(oos)} out-of-sample), C={chosen['C']}, threshold={chosen['threshold']}")
    return Trained(estimator, float(chosen["threshold"]), meta)


def kept_notes(folder: Path) -> str:
    """The hand-written part of a folder's card (from ``## Notes`` on), kept on retraining."""
    card = Path(folder) / model_folders.CARD
    if not card.exists():
        return ""
    text = card.read_text(encoding="utf-8")
    at = text.find("\n" + NOTES_HEADING)
    return text[at + 1:] if at >= 0 else ""


def _where(path: Path) -> str:
    """A path as the card and config.json name it: relative to the repository when inside it."""
    path = Path(path).absolute()
    try:
        return path.relative_to(REPOSITORY).as_posix()
    except ValueError:
        return str(path)


def render_card(meta: dict[str, Any], name: str, command: str, evaluation: str = "", notes: str = "") -> str:
    """The model card: what the folder holds, how it was trained, on what, and its figures."""
    files = meta.get("training_files") or {}
    paragraphs = [
        f"Version {meta['version']}, a rapport model folder (kind `programs`, format 1): the whole spaCy pipeline of "
        "`nlp/programs/pipeline.py` saved with `nlp.to_disk` (`config.cfg`, the tokenizer, "
        "`program_gazetteer/entries.json`, `program_classifier/classifier.joblib` and its threshold) and "
        "`config.json` (kind, format, versions, threshold, C and the training metadata below). "
        f"`nlp.programs.load_pipeline({name!r})` loads it (a name under the models root, or a path); "
        f"`rapport programs --model {name} PATH...` extracts with it.",
        "The classifier: scikit-learn `DictVectorizer` + `LogisticRegression` (class_weight balanced) over the "
        "candidate spans of `nlp/programs/candidates.py`. The gazetteer is the one the folder was built with (all "
        "sources); train again after editing `nlp/programs/gazetteer.yaml`."]
    if meta.get("final"):
        trained = (f"The recipe of `{meta['chosen_in']}` (C = {meta['C']}, threshold {meta['threshold']}, written "
                   f"weight {meta['written_weight']}) fitted on all annotated data once evaluation was done: "
                   f"{meta['train_passages']:,} passages, of which {meta['out_of_sample_passages']} out-of-sample "
                   "passages (so scoring this model on the out-of-sample set is in-sample).")
    else:
        chosen = ("the out-of-sample dev split" if meta["selected_on"] == "oos-dev"
                  else "5-fold cross-validation over the corpus passages")
        trained = (f"{meta['train_passages']:,} passages ({meta['written_train']} written, sample weight "
                   f"{meta['written_weight']}), {meta['train_mentions']} mentions, {meta['candidates']:,} "
                   f"candidates ({meta['positives']} positive). C = {meta['C']} and threshold {meta['threshold']} "
                   f"chosen on {chosen} (classifier-alone exact-span mention F1 {meta['cv_best_f1']:.3f}); the "
                   "out-of-sample set is otherwise never read, the test splits never.")
    data = (f"Data (`{meta.get('training_dir', _where(TRAINING_DIR))}/`, see `corpora/training/README.md`): "
            + ", ".join(f"`{k}` {v:,}" for k, v in files.items()) + " passages"
            + (f"; out-of-sample set `{meta['oos']}`." if meta.get("oos") else "."))
    wrap = partial(textwrap.fill, width=92, break_long_words=False, break_on_hyphens=False)
    lines = [f"# Program classifier: {name}", "", *"\n\n".join(map(wrap, paragraphs)).split("\n"), "",
             "## Training", "", "Trained with", "", f"    {command}", "", wrap(trained), "", wrap(data), "",
             "## Evaluation", ""]
    lines += [evaluation.rstrip(), ""] if evaluation else [
        "Not scored when trained (`rapport programs train --eval` scores the saved folder).", ""]
    text = "\n".join(lines)
    return text + ("\n" + notes.rstrip() + "\n" if notes else "")


def save(trained: Trained, out: Path, command: str = "", evaluation: str = "", notes: str | None = None) -> Path:
    """Build the pipeline around ``trained`` and write it as the model folder ``out``
    (whole or not at all), with its card; ``notes`` defaults to those of the folder it replaces."""
    from .pipeline import build_pipeline, save_pipeline

    out = Path(out)
    notes = kept_notes(out) if notes is None else notes
    config = {**trained.meta, **({"command": command} if command else {})}
    card = render_card(trained.meta, out.name, command, evaluation, notes)
    return save_pipeline(build_pipeline(classifier=trained.estimator, threshold=trained.threshold), out, config, card)


def update_card(folder: Path, evaluation: str, command: str = "") -> None:
    """Put the evaluation figures into a saved folder's card (replaced whole, not edited in place)."""
    folder = Path(folder)
    config = model_folders.read_config(folder)
    card = render_card(config, folder.name, command or config.get("command", ""), evaluation, kept_notes(folder))
    tmp = folder / f".{model_folders.CARD}.tmp-{os.getpid()}"
    tmp.write_text(card, encoding="utf-8")
    tmp.replace(folder / model_folders.CARD)
