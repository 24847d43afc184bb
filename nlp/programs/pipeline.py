"""The program extraction pipeline: ``spacy.blank("sv")`` with one job per component.

    swedish_sentence_rules  the project's sentence rules (nlp.ingest.sentences)
    program_gazetteer       known names from gazetteer.yaml (PhraseMatcher) → doc.spans["program_gazetteer"]
    program_candidates      Swedish cue patterns (candidates.py) → doc.spans["program_candidates"]
    program_classifier      a trained scikit-learn model keeps the real ones → doc.spans["programs"]

Each passage is one Doc; ``doc._.program_hits`` holds the kept spans with character
offsets, score, kind and the gazetteer's canonical name when it matched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from .. import _spacy_light  # noqa: F401,I001 - first: spaCy without PyTorch
import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex

from ..errors import RapportError
from ..ingest.sentences import ABBREVIATIONS
from .candidates import Candidate, find_candidates, sentence_starts
from .features import candidate_features
from .gazetteer import DEFAULT_GAZETTEER, GazetteerMatcher, load_gazetteer
from .normalise import canonical_key

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "programs"
MODEL_FILE = "classifier.joblib"
DEFAULT_THRESHOLD = 0.5

if not Doc.has_extension("program_candidates"):
    Doc.set_extension("program_candidates", default=None)
if not Doc.has_extension("program_hits"):
    Doc.set_extension("program_hits", default=None)


@dataclass
class Hit:
    """A kept program span of one passage."""

    start: int
    end: int
    text: str
    score: float
    kind: str | None = None
    gazetteer: str | None = None  # canonical name from the gazetteer
    acronym_of: str | None = None
    long_form_of: str | None = None
    source: str = "classifier"


# head words that tell a program's kind ("projektet X", "Strategi för …", "miljöprogrammet")
_KIND_HEADS = (("kampanj", "campaign"), ("projekt", "project"), ("strategi", "strategy"), ("policy", "strategy"),
               ("handlingsplan", "plan"), ("vision", "strategy"), ("plan", "plan"), ("program", "program"),
               ("metod", "method"), ("arbetssätt", "method"), ("modell", "model"), ("koncept", "concept"),
               ("initiativ", "initiative"), ("satsning", "initiative"), ("lyftet", "initiative"),
               ("utbildning", "method"), ("certifiering", "program"))


def guess_kind(text: str, context_before: str) -> str:
    lowered = text.lower()
    words = lowered.split()
    for head, kind in _KIND_HEADS:
        if words and (words[0].startswith(head) or words[-1].endswith(head) or words[-1].endswith(head + "et")
                      or words[-1].endswith(head + "en") or words[-1].endswith(head + "n")):
            return kind
    before = context_before.lower().split()[-2:]
    for word in reversed(before):
        for head, kind in _KIND_HEADS:
            if head in word:
                return kind
    return "initiative"


def _tokenizer_with_hyphens(nlp: Language) -> None:
    """Split hyphens inside words ("Stjärnmärknings-processen", "ABC-ledare") so names can
    be matched as tokens; abbreviations stay whole as in nlp.ingest.sentences."""
    for abbreviation in ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
        capitalised = abbreviation[:1].upper() + abbreviation[1:]
        nlp.tokenizer.add_special_case(capitalised, [{ORTH: capitalised}])
    infixes = list(nlp.Defaults.infixes) + [r"(?<=[^\W\d_])[-–](?=[^\W\d_])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@Language.factory("program_gazetteer", default_config={"path": None, "sources": None})
def make_gazetteer(nlp: Language, name: str, path: str | None, sources: list[str] | None) -> "ProgramGazetteer":
    entries = load_gazetteer(path or DEFAULT_GAZETTEER, set(sources) if sources is not None else None)
    return ProgramGazetteer(GazetteerMatcher(entries, nlp))


class ProgramGazetteer:
    """Known program names (the editable gazetteer), with their canonical name as span id."""

    def __init__(self, matcher: GazetteerMatcher) -> None:
        self.matcher = matcher

    def __call__(self, doc: Doc) -> Doc:
        doc.spans["program_gazetteer"] = self.matcher(doc)
        return doc


@Language.factory("program_candidates")
def make_candidates(nlp: Language, name: str) -> "ProgramCandidates":
    return ProgramCandidates()


class ProgramCandidates:
    """Candidate spans from cue patterns (see candidates.py)."""

    def __call__(self, doc: Doc) -> Doc:
        candidates = find_candidates(doc.text)
        doc._.program_candidates = candidates
        spans = [doc.char_span(c.start, c.end, alignment_mode="expand") for c in candidates]
        doc.spans["program_candidates"] = [s for s in spans if s is not None]
        return doc


@Language.factory("program_classifier", default_config={"model_dir": None, "threshold": None})
def make_classifier(nlp: Language, name: str, model_dir: str | None, threshold: float | None) -> "ProgramClassifier":
    return ProgramClassifier(Path(model_dir) if model_dir else MODEL_DIR, threshold)


class ProgramClassifier:
    """Scores candidates with the trained model and keeps the best non-overlapping ones.

    Gazetteer matches are kept first (the list is curated); a candidate that is the
    "Long form (ACR)" of a gazetteer match replaces the two pieces with one mention.
    """

    def __init__(self, model_dir: Path, threshold: float | None) -> None:
        self.model_dir = model_dir
        self.model: Any = None
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        path = model_dir / MODEL_FILE
        if path.exists():
            import joblib

            try:
                self.model = joblib.load(path)
                meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
            except Exception as exc:  # a damaged artifact is a user-facing problem
                raise RapportError(f"{path}: cannot load the program model ({exc}); run python -m evaluation.programs.scripts.train.") from exc
            if threshold is None:
                self.threshold = float(meta.get("threshold", DEFAULT_THRESHOLD))

    # scoring --------------------------------------------------------------------------
    def score(self, items: list[tuple[str, Candidate, set[int]]]) -> list[float]:
        if not items:
            return []
        if self.model is None:
            # no trained model: strong cues only, so the pipeline still works untrained
            strong = {"quoted", "title", "acronym_def", "cue"}
            return [0.9 if c.cues & strong else 0.0 for _, c, _ in items]
        features = [candidate_features(text, c, starts) for text, c, starts in items]
        return [float(p) for p in self.model.predict_proba(features)[:, 1]]

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._process(batch)
                batch = []
        if batch:
            yield from self._process(batch)

    def _process(self, docs: list[Doc]) -> list[Doc]:
        items, owners = [], []
        for index, doc in enumerate(docs):
            candidates = doc._.program_candidates if doc._.program_candidates is not None else find_candidates(doc.text)
            starts = sentence_starts(doc.text)
            for candidate in candidates:
                items.append((doc.text, candidate, starts))
                owners.append(index)
        scores = self.score(items)
        per_doc: list[list[tuple[float, Candidate]]] = [[] for _ in docs]
        for owner, (_, candidate, _), score in zip(owners, items, scores):
            per_doc[owner].append((score, candidate))
        for doc, scored in zip(docs, per_doc):
            self._select(doc, scored)
        return docs

    def _select(self, doc: Doc, scored: list[tuple[float, Candidate]]) -> None:
        text = doc.text
        hits: list[Hit] = []
        for span in doc.spans.get("program_gazetteer", []):
            hits.append(Hit(span.start_char, span.end_char, span.text, 1.0, span.label_, span.id_, source="gazetteer"))
        hits = _drop_nested(hits)
        # "Alla Barn i Centrum (ABC)": one mention covering the long form and its acronym
        for _score, candidate in scored:
            if "acronym_def" not in candidate.cues:
                continue
            inside = [h for h in hits if candidate.start <= h.start and h.end <= candidate.end]
            if inside and not any(h.start == candidate.start for h in inside):
                # a gazetteer acronym that this report defines otherwise ("… arbetsmiljö (OSA)")
                hits = [h for h in hits if h not in inside]
                continue
            if inside and len({h.gazetteer for h in inside}) == 1:
                hits = [h for h in hits if h not in inside]
                hits.append(Hit(candidate.start, candidate.end, candidate.text, 1.0, inside[0].kind, inside[0].gazetteer,
                                long_form_of=candidate.long_form_of, source="gazetteer"))
        for score, candidate in sorted(scored, key=lambda sc: (-sc[0], sc[1].start)):
            if score < self.threshold:
                break
            if is_excluded(candidate.text):
                continue
            if any(candidate.start < h.end and h.start < candidate.end for h in hits):
                continue
            kind = guess_kind(candidate.text, text[max(0, candidate.start - 40):candidate.start])
            hits.append(Hit(candidate.start, candidate.end, candidate.text, score, kind,
                            acronym_of=candidate.acronym_of, long_form_of=candidate.long_form_of))
        hits.sort(key=lambda h: h.start)
        doc._.program_hits = hits
        spans = []
        for hit in hits:
            span = doc.char_span(hit.start, hit.end, label=hit.kind or "program", alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans["programs"] = spans


# What the guideline excludes and the classifier cannot learn from few examples: laws and
# conventions by their endings, and the organisations, places and roles most often written
# with a capital in these reports.
_LAW_ENDINGS = ("lagen", "lag", "förordningen", "förordning", "balken", "konventionen", "direktivet")
STOPLIST_FILE = Path(__file__).resolve().parent / "data" / "stoplist.yaml"


@lru_cache(maxsize=1)
def stoplist() -> frozenset[str]:
    """Canonical keys of names that are not programs (data/stoplist.yaml: authorities, units,
    companies, surveys, registers, IT systems, laws, places, funds, networks)."""
    import yaml

    try:
        entries = yaml.safe_load(STOPLIST_FILE.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise RapportError(f"{STOPLIST_FILE}: cannot read the stop-list ({exc}).") from exc
    keys = set()
    for entry in entries:
        for name in [entry.get("name"), *(entry.get("aliases") or [])]:
            if name:
                keys.add(canonical_key(str(name)))
    return frozenset(keys)


def is_excluded(text: str) -> bool:
    """Laws, organisations, places and roles the guideline says are not programs."""
    key = canonical_key(text)
    last = key.split(" ")[-1] if key else ""
    is_law = last.endswith(_LAW_ENDINGS) and not last.endswith(
        ("förslag", "förslagen", "underlag", "underlagen", "inslag", "inslagen", "upplag", "upplagen"))
    return key in stoplist() or is_law or "lag om" in key


def _drop_nested(hits: list[Hit]) -> list[Hit]:
    """Longest first: "ABC 0-2 år" wins over "ABC" inside it."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if not any(hit.start < k.end and k.start < hit.end for k in kept):
            kept.append(hit)
    return kept


def build_pipeline(model_dir: str | Path | None = None, gazetteer: str | Path | None = None,
                   threshold: float | None = None, gazetteer_sources: set[str] | None = None) -> Language:
    """A fresh pipeline; ``load_pipeline()`` caches the default one. ``gazetteer_sources``
    keeps only gazetteer entries of those sources (issue, train, domain)."""
    nlp = spacy.blank("sv")
    _tokenizer_with_hyphens(nlp)
    nlp.add_pipe("swedish_sentence_rules")
    nlp.add_pipe("program_gazetteer", config={"path": str(gazetteer) if gazetteer else None,
                                              "sources": sorted(gazetteer_sources) if gazetteer_sources is not None else None})
    nlp.add_pipe("program_candidates")
    nlp.add_pipe("program_classifier", config={"model_dir": str(model_dir) if model_dir else None, "threshold": threshold})
    return nlp


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    return build_pipeline()


def span_texts(doc: Doc, key: str = "programs") -> list[Span]:
    return list(doc.spans.get(key, []))
