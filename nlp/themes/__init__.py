"""Theme classification of report passages: trygghet, klimat, äldreomsorg, covid-19, …

    from nlp.themes import load_default_model, tag_document
    model = load_default_model()
    for record in tag_document(document, model):
        print(record["labels"], record["scores"])
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..defaults import MAX_PASSAGE_CHARS as MAX_TEXT_CHARS
from ..errors import InputError, RapportError
from ..model import Document
from ..model_folders import models_root, resolve
from .features import section_context
from .models import Evidence, ThemeModel, load_model
from .taxonomy import Taxonomy, UnknownThemeError

POINTER = "themes.json"  # under the models root: which theme model folder is the default


def _pointer() -> dict[str, Any]:
    path = models_root() / POINTER
    if not path.exists():
        raise RapportError("no trained theme model: run `rapport themes train` first.", code="model_missing",
                           path=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RapportError(f"{path}: unreadable ({exc}); run `rapport themes train`.", code="model_invalid",
                           path=str(path)) from None


def default_model_path() -> Path:
    """The model folder named by ``themes.json`` in the models root (written by ``themes train``)."""
    return resolve(_pointer()["default"])


def load_default_model() -> ThemeModel:
    path = default_model_path()
    model = load_model(path)
    encoder = getattr(model, "encoder_path", None)
    if encoder and Path(encoder).is_absolute() and not Path(encoder, "modules.json").exists():
        fallback = _pointer().get("fallback")
        if fallback:
            return load_model(resolve(fallback))
        raise RapportError(f"the theme model needs the encoder at {encoder}; build it with `make setup`.")
    return model


def _check_text(text: Any, where: str) -> str:
    if not isinstance(text, str):
        raise InputError(f"{where}: 'text' must be a string, got {type(text).__name__}.")
    if not text.strip():
        raise InputError(f"{where}: empty text.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"{where}: text of {len(text):,} characters is too long for one passage (max {MAX_TEXT_CHARS:,}); split it first.")
    return text


def tag_texts(texts: Sequence[str], model: ThemeModel, explain: bool = False,
              contexts: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Labels, calibrated scores and (optionally) evidence for each text.

    ``contexts`` are the topical headings above each passage (see ``section_context``);
    plain texts without headings are scored on their own words.
    """
    if not texts:
        return []
    contexts = list(contexts) if contexts is not None else [""] * len(texts)
    proba = model.predict_proba(list(texts), contexts)
    results = []
    for text, context, row, decided in zip(texts, contexts, proba, model.decide(proba)):
        scores = {t: round(float(p), 4) for t, p in zip(model.theme_ids, row)}
        labels = [t for t, on in zip(model.theme_ids, decided) if on]
        record: dict[str, Any] = {"text": text, "labels": labels, "scores": scores}
        if explain:
            record["evidence"] = {t: model.explain(text, t, context=context).to_dict() for t in labels}
        results.append(record)
    return results


def tag_document(document: Document, model: ThemeModel, explain: bool = False) -> list[dict[str, Any]]:
    """Tag every passage (paragraph or list item) of a document, with provenance.

    The scores are written into the blocks' analysis slots (as the analysis stage does);
    the records are read from there."""
    from ..analysis import annotate_themes

    annotate_themes(document, model, getattr(model, "kind", ""))
    out = []
    for block in document.passages:
        themes = block.analysis.themes
        assert themes is not None
        record: dict[str, Any] = {"text": block.text, "labels": list(themes.labels),
                                  "scores": {t: round(p, 4) for t, p in themes.scores.items()}}
        if explain:
            context = section_context(block.section)
            record["evidence"] = {t: model.explain(block.text, t, context=context).to_dict() for t in themes.labels}
        out.append({"doc": document.id, "district": document.district, "year": document.year,
                    "page": block.page, "section": block.section, **record})
    return out


def theme_shares(records: Iterable[dict[str, Any]], theme_ids: Sequence[str]) -> dict[str, float]:
    """Share of the passage text (by words) that carries each theme."""
    total = 0
    per_theme = {t: 0 for t in theme_ids}
    for record in records:
        words = len(record["text"].split())
        total += words
        for label in record["labels"]:
            per_theme[label] += words
    return {t: (per_theme[t] / total if total else 0.0) for t in theme_ids}


MODELS = models_root()  # for scripts: where the shipped folders are

__all__ = [
    "Evidence", "Taxonomy", "ThemeModel", "UnknownThemeError", "default_model_path", "load_default_model",
    "load_model", "tag_document", "tag_texts", "theme_shares",
]
