"""Training and held-out evaluation of theme models.

The gold set (``evaluation/themes/data/gold.jsonl``) carries a fixed ``split`` per passage:
``train`` and ``dev`` fit the models (each theme's threshold is tuned on their 5-fold
out-of-fold predictions, by :class:`.models.ThresholdedClassifier`), ``test`` is only ever
scored. The default model is chosen on the out-of-sample dev split. Nothing here reads
test labels before the final scoring.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from ..defaults import REPOSITORY, TRAINING_DATA
from ..errors import RapportError
from .features import section_context
from .models import ThresholdedClassifier, tune_thresholds
from .taxonomy import Taxonomy

# the corpus gold set with its train/dev/test splits (evaluation data: the test split is scored)
GOLD = REPOSITORY / "evaluation" / "themes" / "data" / "gold.jsonl"
# passages written in the styles of other districts, years and municipalities, for training
TRAIN_DATA = sorted((TRAINING_DATA / "themes").glob("*.jsonl"))
# the out-of-sample set: its dev split chooses the default model; its test split is never read here
OOS_GOLD = REPOSITORY / "evaluation" / "themes" / "data" / "oos" / "gold.jsonl"


@dataclass
class GoldSet:
    texts: list[str]
    y: np.ndarray
    splits: list[str]
    ids: list[str]
    sources: list[str]
    contexts: list[str]

    def subset(self, split: str) -> tuple[list[str], np.ndarray, list[int]]:
        index = [i for i, s in enumerate(self.splits) if s == split]
        return [self.texts[i] for i in index], self.y[index], index

    def contexts_of(self, index: list[int]) -> list[str]:
        return [self.contexts[i] for i in index]


def load_gold(taxonomy: Taxonomy, path: Path = GOLD, extra: Sequence[Path] = (), only_split: str | None = None) -> GoldSet:
    """Labelled passages of ``path`` (with their splits) plus ``extra`` files (training
    passages: a missing split means "train"); ``only_split`` keeps one split of ``path``."""
    if not path.exists():
        raise RapportError(f"{path}: no labelled data. See evaluation/themes/MANIFEST.md for how the gold set is built.")
    texts, rows, splits, ids, sources, contexts = [], [], [], [], [], []
    lines = [(path, n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)]
    for extra_path in extra:
        if not Path(extra_path).exists():
            raise RapportError(f"{extra_path}: no such training file.")
        lines += [(Path(extra_path), n, line) for n, line in
                  enumerate(Path(extra_path).read_text(encoding="utf-8").splitlines(), start=1)]
    for source_path, number, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RapportError(f"{source_path}:{number}: not a JSON line ({exc.msg}).") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise RapportError(f"{source_path}:{number}: a passage needs \"text\" and \"labels\".")
        if only_split and source_path == path and record.get("split") != only_split:
            continue
        labels = record.get("labels") or []
        unknown = [label for label in labels if label not in taxonomy.ids]
        if unknown:
            raise RapportError(f"{source_path}:{number}: unknown theme(s) {unknown}; add them to the taxonomy first.")
        texts.append(record["text"])
        rows.append([int(t in labels) for t in taxonomy.ids])
        splits.append(record.get("split", "train") if source_path == path else "train")
        ids.append(record["id"])
        sources.append(record.get("source", ""))
        contexts.append(section_context(record.get("section")))
    return GoldSet(texts, np.array(rows, dtype=int), splits, ids, sources, contexts)


def taxonomy_prior(taxonomy: Taxonomy) -> tuple[list[str], np.ndarray]:
    """The taxonomy's own words as training rows: each example sentence and included term is
    a passage of its theme, each excluded phrase ("trygga anställningar", "lärmiljö") a
    passage of no theme. A new theme's entry thus teaches the model its vocabulary and its
    false friends before any labelled passage does."""
    texts: list[str] = []
    rows: list[list[int]] = []
    for theme in taxonomy.themes:
        for text in (*theme.examples, *theme.includes):
            texts.append(text)
            rows.append([int(t == theme.id) for t in taxonomy.ids])
        for text in theme.excludes:
            texts.append(text.split(" (")[0])  # "trygg och säker vård (generisk fras)" → the phrase
            rows.append([0] * len(taxonomy.ids))
    return texts, np.array(rows, dtype=int).reshape(len(rows), len(taxonomy.ids))


def fit_with_cv_thresholds(make: Any, texts: Sequence[str], y: np.ndarray, contexts: Sequence[str],
                           theme_ids: Sequence[str] | None = None) -> ThresholdedClassifier:
    """``make()`` (a base estimator) fitted on all ``texts``, with per-theme thresholds tuned
    on its 5-fold out-of-fold predictions over the same texts."""
    return ThresholdedClassifier(make()).fit(list(zip(texts, contexts)), y)


__all__ = ["GOLD", "OOS_GOLD", "TRAIN_DATA", "GoldSet", "evaluate", "fit_with_cv_thresholds", "load_gold",
           "train_and_evaluate", "tune_thresholds"]


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE over all theme decisions (each passage×theme probability is one prediction)."""
    p = proba.ravel()
    t = y.ravel()
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        mask = (p >= low) & (p < high) if high < 1 else (p >= low) & (p <= high)
        if mask.any():
            total += mask.mean() * abs(p[mask].mean() - t[mask].mean())
    return float(total)


def evaluate(proba: np.ndarray, y: np.ndarray, thresholds: dict[str, float], theme_ids: Sequence[str]) -> dict[str, Any]:
    cut = np.array([thresholds[t] for t in theme_ids])
    pred = proba >= cut
    p, r, f, support = precision_recall_fscore_support(y, pred, zero_division=0)
    micro = precision_recall_fscore_support(y, pred, average="micro", zero_division=0)
    return {
        "micro_f1": float(micro[2]),
        "micro_precision": float(micro[0]),
        "micro_recall": float(micro[1]),
        "ece": expected_calibration_error(proba, y),
        "per_theme": {
            t: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(support[j])}
            for j, t in enumerate(theme_ids)
        },
    }


def throughput(model: Any, texts: Sequence[str], repeat_to: int = 2000) -> float:
    """Passages per second of ``predict_proba`` on ``repeat_to`` passages."""
    batch = (list(texts) * (repeat_to // max(1, len(texts)) + 1))[:repeat_to]
    start = time.perf_counter()
    model.predict_proba(batch)
    return repeat_to / (time.perf_counter() - start)


def _card(name: str, kind: str, report: dict[str, Any], gold: GoldSet, taxonomy: Taxonomy, extra: str = "") -> str:
    metrics = report["test"]
    lines = [
        f"# {name}",
        "",
        f"Theme classifier of rapport ({kind}). Labels: {', '.join(taxonomy.ids)} (multi-label).",
        "",
        "## Model",
        f"- `ThresholdedClassifier({'LexicalThemeClassifier' if kind == 'lexical' else 'EmbeddingThemeClassifier'}(...), "
        "cv=5)` (`nlp/themes/models.py`): a scikit-learn estimator with per-theme thresholds tuned on its own "
        "5-fold out-of-fold predictions. Folder: `config.json` (kind `themes`, format 2, library versions, "
        "thresholds), `model.joblib`, `metrics.json`, this card.",
        f"- Load with `nlp.themes.load_model(\"{name}\")`; train again with `rapport themes train`.",
        "",
        "## Data",
        f"- {len(gold.texts)} labelled passages ({sum(s == 'train' for s in gold.splits)} train, "
        f"{sum(s == 'dev' for s in gold.splits)} dev, {sum(s == 'test' for s in gold.splits)} test): the corpus gold set "
        "`evaluation/themes/data/gold.jsonl` with its splits, plus the written training passages "
        "(`corpora/training/themes/`, all train), annotated with `evaluation/themes/GUIDELINE.md`; plus the "
        "taxonomy's examples, included terms (positives) and excluded phrases (negatives).",
        "- Trained on train + dev; per-theme thresholds tuned on 5-fold out-of-fold predictions over train + dev "
        "(reported as dev); scored once on the corpus test split (in-sample: the same two reports).",
        *([f"- Out-of-sample dev split (`evaluation/themes/data/oos/`, other districts and municipalities; chooses "
           f"the default model): micro-F1 {report['selection']['micro_f1']:.3f}. The out-of-sample test split is "
           "scored by `python -m evaluation.themes.scripts.eval_oos --test`."] if report.get("selection") else []),
        "",
        "## Held-out corpus test metrics (in-sample)",
        f"- micro-F1 {metrics['micro_f1']:.3f} (precision {metrics['micro_precision']:.3f}, recall {metrics['micro_recall']:.3f})",
        f"- ECE {metrics['ece']:.3f} (10 bins over all passage×theme probabilities)",
        "",
        "| theme | precision | recall | F1 | support | threshold |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for theme, m in metrics["per_theme"].items():
        lines.append(f"| {theme} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} | {report['thresholds'][theme]:.3f} |")
    lines += [
        "",
        f"Throughput: {report['passages_per_second']:.0f} passages/s (predict_proba, this machine, 2 cores).",
        "",
        "## Limits",
        "- Trained on Stockholm district council reports (2020, 2025) and written variations; other",
        "  report genres and years may drift. Scores are calibrated on the training folds; check",
        "  calibration on your own data before reading them as probabilities.",
        "- A theme counts when it is a real subject of the passage; single words in passing are",
        "  meant to score low.",
        extra,
        f"Version: rapport {report['rapport_version']}, trained {report['trained']}.",
        "",
    ]
    return "\n".join(lines)


def train_and_evaluate(taxonomy: Taxonomy, gold: GoldSet, models_dir: Path, encoder_path: Path | None,
                       log: Any = print, selection: GoldSet | None = None) -> dict[str, Any]:
    """Train every available model kind, tune thresholds by cross-validation, score on the
    held-out test split, save, and pick the default: by micro-F1 on ``selection`` (the
    out-of-sample dev split) when given, else by the cross-validated figure — never by test."""
    from .. import __version__
    from .models import EmbeddingThemeClassifier, LexicalThemeClassifier, embedding_cache, save_model

    train_x, train_y, train_i = gold.subset("train")
    dev_x, dev_y, dev_i = gold.subset("dev")
    test_x, test_y, test_i = gold.subset("test")
    train_c, dev_c, test_c = gold.contexts_of(train_i), gold.contexts_of(dev_i), gold.contexts_of(test_i)
    if not train_x or not dev_x or not test_x:
        raise RapportError("the gold set needs train, dev and test passages.")
    for j, theme in enumerate(taxonomy.ids):
        if train_y[:, j].sum() < 5:
            raise RapportError(f"theme '{theme}' has only {int(train_y[:, j].sum())} training examples; label at least 5.")
    reports: dict[str, dict[str, Any]] = {}
    # Thresholds are tuned on out-of-fold predictions over train + dev (5-fold CV, the dev
    # split joins the folds), then the model is refit on all of train + dev: every
    # development passage serves both purposes; the test split is never seen.
    prior_x, prior_y = taxonomy_prior(taxonomy)
    fit_x, fit_y = train_x + dev_x + prior_x, np.vstack([train_y, dev_y, prior_y])
    fit_c = train_c + dev_c + [""] * len(prior_x)
    fit_pairs = list(zip(fit_x, fit_c))

    candidates: list[tuple[str, ThresholdedClassifier]] = []
    log("training the lexical model (TF-IDF + calibrated logistic regression, 5-fold thresholds) ...")
    candidates.append(("themes-lexical", ThresholdedClassifier(LexicalThemeClassifier(taxonomy.ids)).fit(fit_pairs, fit_y)))
    if encoder_path is not None and (encoder_path / "modules.json").exists():
        log(f"training the embedding model on {encoder_path} ...")
        base = EmbeddingThemeClassifier(taxonomy.ids, str(encoder_path))
        with embedding_cache():
            base.embed(fit_x)  # each passage once, for all folds and the final fit
            base.embed(test_x)
            embedding = ThresholdedClassifier(base).fit(fit_pairs, fit_y)
            test_embedding = embedding.predict_proba(test_x, test_c)
        candidates.append(("themes-embedding", embedding))
    else:
        log("no encoder folder found: skipping the embedding model (build it with `make setup`).")
        test_embedding = None

    for name, model in candidates:
        test_p = test_embedding if model.kind == "embedding" else model.predict_proba(test_x, test_c)
        report = {
            "model": name,
            "kind": model.kind,
            "thresholds": model.thresholds,
            # reported as "dev": cross-validated over train + dev
            "dev": evaluate(model.oof_proba_, fit_y, model.thresholds, taxonomy.ids),
            "test": evaluate(test_p, test_y, model.thresholds, taxonomy.ids),
            "selection": (evaluate(model.predict_proba(selection.texts, selection.contexts), selection.y,
                                   model.thresholds, taxonomy.ids) if selection is not None and selection.texts else None),
            "passages_per_second": throughput(model, test_x, repeat_to=2000 if model.kind == "lexical" else 200),
            "section_weights": getattr(model.estimator_, "section_weights_", None),
            "rapport_version": __version__,
            "trained": time.strftime("%Y-%m-%d"),
        }
        save_model(model, models_dir / name, card=_card(name, model.kind, report, gold, taxonomy), metrics=report)
        reports[name] = report
    if selection is not None and selection.texts:
        best = max(reports, key=lambda n: reports[n]["selection"]["micro_f1"])
        chosen_by = "micro-F1 on the out-of-sample dev split (evaluation/themes/data/oos, never the test split)"
    else:
        best = max(reports, key=lambda n: reports[n]["dev"]["micro_f1"])
        chosen_by = "cross-validated micro-F1 over train + dev (never the test split)"
    pointer = {"default": best, "fallback": "themes-lexical", "chosen_by": chosen_by}
    (models_dir / "themes.json").write_text(json.dumps(pointer, indent=1), encoding="utf-8")
    return {"models": reports, "default": best}


def render_table(result: dict[str, Any]) -> str:
    models = result["models"]
    names = list(models)
    header = "| metric (held-out test) | " + " | ".join(names) + " |"
    lines = [header, "|---|" + "---:|" * len(names)]
    lines.append("| micro-F1 | " + " | ".join(f"{models[n]['test']['micro_f1']:.3f}" for n in names) + " |")
    themes = list(next(iter(models.values()))["test"]["per_theme"])
    for theme in themes:
        lines.append(f"| F1 {theme} | " + " | ".join(f"{models[n]['test']['per_theme'][theme]['f1']:.3f}" for n in names) + " |")
    lines.append("| ECE | " + " | ".join(f"{models[n]['test']['ece']:.3f}" for n in names) + " |")
    lines.append("| passages/s (2 cores) | " + " | ".join(f"{models[n]['passages_per_second']:.0f}" for n in names) + " |")
    if all(models[n].get("selection") for n in names):
        lines.append("| micro-F1, out-of-sample dev (chooses the default) | "
                     + " | ".join(f"{models[n]['selection']['micro_f1']:.3f}" for n in names) + " |")
    lines.append(f"\ndefault: {result['default']}")
    return "\n".join(lines)
