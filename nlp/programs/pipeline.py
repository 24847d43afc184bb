"""The program extraction pipeline: ``spacy.blank("sv")`` with one job per component.

    swedish_sentence_rules  the project's sentence rules (nlp.ingest.sentences)
    program_gazetteer       known names from gazetteer.yaml (PhraseMatcher) → doc.spans["program_gazetteer"]
    program_candidates      Swedish cue patterns (candidates.py) → doc.spans["program_candidates"]
    program_classifier      a trained scikit-learn model keeps the real ones → doc.spans["programs"]

Each passage is one Doc; ``doc._.program_hits`` holds the kept spans with character
offsets, score, kind and the gazetteer's canonical name when it matched.

The pipeline is one model folder (kind "programs", format 1): ``save_pipeline`` writes
``nlp.to_disk`` (config.cfg, the tokenizer with its hyphen and abbreviation rules,
program_gazetteer/entries.json, program_classifier/classifier.joblib + cfg.json) inside
``nlp.model_folders.write_folder``, which adds rapport's config.json and the model card;
``load_pipeline(name)`` reads it back through ``nlp.model_folders.load``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import _spacy_light  # noqa: F401,I001 - first: spaCy without PyTorch
import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex

from .. import model_folders
from ..errors import RapportError
from ..ingest.sentences import ABBREVIATIONS
from .candidates import Candidate, find_candidates, sentence_starts
from .features import candidate_features
from .gazetteer import DEFAULT_GAZETTEER, GazetteerEntry, GazetteerMatcher, load_gazetteer
from .normalise import canonical_key

KIND = "programs"
FORMAT = 1
DEFAULT_MODEL = "programs"  # the shipped folder under the models root
MODEL_FILE = "classifier.joblib"
ENTRIES_FILE = "entries.json"
CLASSIFIER_CONFIG = "cfg.json"
DEFAULT_THRESHOLD = 0.5
# what a folder's pickles and files were made with (recorded in config.json)
LIBRARIES = ("spacy", "sklearn", "joblib", "numpy", "scipy")
TRAIN_HINT = "train it with `rapport programs train` (see models/programs/README.md)"

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
    wanted = set(sources) if sources is not None else None
    # read lazily: spacy.load calls this factory and then from_disk replaces the entries
    return ProgramGazetteer(nlp, lambda: load_gazetteer(path or DEFAULT_GAZETTEER, wanted))


class ProgramGazetteer:
    """Known program names (the editable gazetteer), with their canonical name as span id.

    Saved with the pipeline as ``entries.json``: a folder keeps the names it was built
    with, whatever gazetteer.yaml says later."""

    def __init__(self, nlp: Language, entries: list[GazetteerEntry] | Callable[[], list[GazetteerEntry]]) -> None:
        self.nlp = nlp
        self._read = entries if callable(entries) else None
        self._entries: list[GazetteerEntry] | None = None if callable(entries) else list(entries)
        self._matcher: GazetteerMatcher | None = None

    @property
    def entries(self) -> list[GazetteerEntry]:
        if self._entries is None:
            self._entries = self._read() if self._read is not None else []
        return self._entries

    @property
    def matcher(self) -> GazetteerMatcher:
        if self._matcher is None:
            self._matcher = GazetteerMatcher(self.entries, self.nlp)
        return self._matcher

    def __call__(self, doc: Doc) -> Doc:
        doc.spans["program_gazetteer"] = self.matcher(doc)
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        records = [{**asdict(e), "sources": list(e.sources)} for e in self.entries]
        (path / ENTRIES_FILE).write_text(json.dumps(records, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "ProgramGazetteer":
        file = Path(path) / ENTRIES_FILE
        try:
            records = json.loads(file.read_text(encoding="utf-8"))
            entries = [GazetteerEntry(str(r["canonical"]), str(r["kind"]), [str(a) for a in r.get("aliases") or []],
                                      tuple(str(x) for x in r.get("sources") or ())) for r in records]
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            raise RapportError(f"{file}: unreadable gazetteer of a programs model ({exc}); {TRAIN_HINT}.",
                               code="model_invalid", path=str(file)) from exc
        self._read, self._entries, self._matcher = None, entries, None
        self.matcher  # noqa: B018 - built now, so a loaded pipeline is ready as a built one is
        return self


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


@Language.factory("program_classifier", default_config={"threshold": None})
def make_classifier(nlp: Language, name: str, threshold: float | None) -> "ProgramClassifier":
    return ProgramClassifier(None, threshold)


class ProgramClassifier:
    """Scores candidates with the trained model and keeps the best non-overlapping ones.

    Gazetteer matches are kept first (the list is curated); a candidate that is the
    "Long form (ACR)" of a gazetteer match replaces the two pieces with one mention.
    ``model`` is a fitted scikit-learn estimator over ``candidate_features`` (None: strong
    cues only). Saved as ``classifier.joblib`` and ``cfg.json`` (the threshold).
    """

    def __init__(self, model: Any = None, threshold: float | None = None) -> None:
        self.model = model
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            import joblib

            joblib.dump(self.model, path / MODEL_FILE)
        config = {"threshold": self.threshold, "model": MODEL_FILE if self.model is not None else None}
        (path / CLASSIFIER_CONFIG).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "ProgramClassifier":
        path = Path(path)
        try:
            config = json.loads((path / CLASSIFIER_CONFIG).read_text(encoding="utf-8"))
            threshold = float(config["threshold"])
            model = None
            if config.get("model"):
                import joblib

                model = joblib.load(path / str(config["model"]))
        except Exception as exc:  # a damaged artifact is a user-facing problem, never a traceback
            raise RapportError(f"{path}: cannot load the program classifier ({type(exc).__name__}: {exc}); "
                               f"{TRAIN_HINT}.", code="model_invalid", path=str(path)) from exc
        self.model, self.threshold = model, threshold
        return self

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


def build_pipeline(classifier: Any = None, threshold: float | None = None, gazetteer: str | Path | None = None,
                   gazetteer_sources: set[str] | None = None) -> Language:
    """A fresh pipeline around ``classifier`` (a fitted scikit-learn estimator over
    ``candidate_features``, or None for strong cues only) and its ``threshold``;
    ``load_pipeline()`` loads a saved one. ``gazetteer_sources`` keeps only gazetteer
    entries of those sources (issue, train, domain, annotated)."""
    nlp = spacy.blank("sv")
    _tokenizer_with_hyphens(nlp)
    nlp.add_pipe("swedish_sentence_rules")
    gazetteer_pipe = nlp.add_pipe("program_gazetteer", config={
        "path": str(gazetteer) if gazetteer else None,
        "sources": sorted(gazetteer_sources) if gazetteer_sources is not None else None})
    gazetteer_pipe.matcher  # noqa: B018 - built here as before, so a bad gazetteer fails at build time
    nlp.add_pipe("program_candidates")
    nlp.add_pipe("program_classifier", config={"threshold": threshold}).model = classifier
    return nlp


def save_pipeline(nlp: Language, path: str | Path, config: dict[str, Any] | None = None, card: str = "") -> Path:
    """Write ``nlp`` as a programs model folder, whole or not at all. ``config`` (training
    metadata) goes into config.json beside kind, format and versions; ``card`` is README.md."""
    classifier = nlp.get_pipe("program_classifier")
    full = {"threshold": classifier.threshold, **(config or {})}
    nlp.meta.update({"name": "rapport_programs", "version": str(full.get("version", "0.0.0")),
                     "description": "rapport: named programs and initiatives in Swedish public-sector reports"})

    def write(folder: Path) -> None:
        # the vocab holds only strings interned while matching (no vectors or lookups in a
        # blank "sv"); they are made again on load, so the folder does not carry them
        nlp.to_disk(folder, exclude=["vocab"])

    return model_folders.write_folder(path, KIND, FORMAT, write, config=full, card=card, libraries=LIBRARIES)


@model_folders.register_loader(KIND, (FORMAT,))
def _load_folder(path: Path, config: dict[str, Any]) -> Language:
    missing = [name for name in ("config.cfg", "program_classifier", "program_gazetteer") if not (path / name).exists()]
    if missing:
        raise RapportError(f"{path}: not a complete programs model ({', '.join(missing)} missing); {TRAIN_HINT}.",
                           code="model_invalid", path=str(path))
    try:
        return spacy.load(path)
    except RapportError:
        raise
    except Exception as exc:  # spaCy's own errors (a bad config.cfg, tokenizer or vocab) are about the folder
        raise RapportError(f"{path}: cannot load the programs pipeline ({type(exc).__name__}: {exc}); {TRAIN_HINT}.",
                           code="model_invalid", path=str(path)) from exc


def load_pipeline(name: str | Path = DEFAULT_MODEL) -> Language:
    """The programs pipeline saved in the model folder ``name`` (a name under the models
    root, or a path), loaded once per process."""
    return _load_cached(str(name))  # one cache entry whether the default is named or not


@lru_cache(maxsize=4)
def _load_cached(name: str) -> Language:
    try:
        return model_folders.load(name, kind=KIND)
    except RapportError as exc:
        if exc.code == "model_missing":
            raise RapportError(f"{exc} The programs model is missing; {TRAIN_HINT}.", code=exc.code,
                               **exc.params) from None
        raise


def span_texts(doc: Doc, key: str = "programs") -> list[Span]:
    return list(doc.spans.get(key, []))
