"""The analysis stage: one pipeline of small components, run once per document.

Modelled on spaCy's ``Language``: components are registered by name with
:func:`component`, declared and configured in one file (``nlp/analysis.yaml``), built
lazily and streamed over documents with :meth:`Analyzer.pipe`. Each component has one
job and writes one typed slot of :mod:`nlp.model` (``block.analysis.themes``,
``.programs``, ``.goal``) plus a line in ``document.analysis`` saying what ran. The store,
the search index, batch export and the web read those slots; none of them tags again.

    from nlp.analysis import Analyzer
    analyzer = Analyzer.from_config()                 # themes, programs, goals
    for document in analyzer.pipe(documents): ...
    Analyzer.from_config(disable=["programs"])       # a lighter stage
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from . import __version__
from .errors import RapportError
from .model import Document, GoalAnnotation, ProgramSpan, ThemeAnnotation

CONFIG_PATH = Path(__file__).with_name("analysis.yaml")


class Component(Protocol):
    """One job over one document: fill a slot, record what ran."""

    name: str

    def __call__(self, document: Document) -> Document: ...

    def info(self) -> dict[str, Any]: ...


# name → factory(**settings) -> Component; filled by @component below (spaCy's Language.factory)
COMPONENTS: dict[str, Callable[..., Component]] = {}


def component(name: str) -> Callable[[Callable[..., Component]], Callable[..., Component]]:
    """Register a component factory under ``name`` (usable in ``analysis.yaml``)."""
    def register(factory: Callable[..., Component]) -> Callable[..., Component]:
        COMPONENTS[name] = factory
        return factory
    return register


class UnknownComponentError(RapportError):
    pass


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    import yaml

    path = Path(path) if path else CONFIG_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RapportError(f"{path}: cannot read the analysis configuration ({exc}).") from exc
    if not isinstance(data.get("pipeline"), list):
        raise RapportError(f"{path}: 'pipeline' must list the components to run.")
    return data


class Analyzer:
    """The configured components, in order; ``analyzer(document)`` runs them all."""

    def __init__(self, components: list[Component]) -> None:
        self.components = components

    @classmethod
    def from_config(cls, path: str | Path | None = None, disable: Iterable[str] = (),
                    overrides: dict[str, dict[str, Any]] | None = None) -> "Analyzer":
        config = load_config(path)
        disabled = set(disable)
        unknown = (disabled | set(overrides or {})) - set(COMPONENTS)
        if unknown:
            raise UnknownComponentError(f"unknown analysis component(s): {', '.join(sorted(unknown))}; "
                                        f"known: {', '.join(sorted(COMPONENTS))}.")
        components = []
        for name in config["pipeline"]:
            if name in disabled:
                continue
            if name not in COMPONENTS:
                raise UnknownComponentError(f"analysis.yaml names component {name!r}, which is not registered "
                                            f"(known: {', '.join(sorted(COMPONENTS))}).")
            settings = dict((config.get("components") or {}).get(name) or {})
            settings.update((overrides or {}).get(name, {}))
            components.append(COMPONENTS[name](**settings))
        return cls(components)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    def __call__(self, document: Document) -> Document:
        for comp in self.components:
            comp(document)
            document.analysis[comp.name] = comp.info()
        return document

    def pipe(self, documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            yield self(document)


# -- themes --------------------------------------------------------------------------
_MODEL_CACHE: dict[tuple[str, str], Any] = {}  # one load per process (Dask workers included)


def _cached(kind: str, name: str, load: Callable[[], Any]) -> Any:
    key = (kind, name)
    if key not in _MODEL_CACHE:
        _MODEL_CACHE[key] = load()
    return _MODEL_CACHE[key]


@dataclass
class ThemeTagger:
    """Calibrated theme scores and decided labels for every passage (paragraph, list item)."""

    model: str = "default"
    name: str = "themes"

    def _load(self) -> tuple[Any, str]:
        from .model_folders import resolve
        from .themes import default_model_path, load_default_model, load_model

        if self.model == "default":
            model = load_default_model()
            return model, getattr(model, "folder_name", None) or default_model_path().name
        path = resolve(self.model)
        return load_model(path), path.name

    @property
    def theme_model(self) -> Any:
        return _cached("themes", self.model, self._load)[0]

    def model_name(self) -> str:
        """The model folder's name, as written into every annotation."""
        return _cached("themes", self.model, self._load)[1]

    def __call__(self, document: Document) -> Document:
        return annotate_themes(document, self.theme_model, self.model_name())

    def info(self) -> dict[str, Any]:
        return {"model": self.model_name(), "themes": list(self.theme_model.theme_ids), "rapport": __version__}


def annotate_themes(document: Document, model: Any, name: str = "") -> Document:
    """Fill ``block.analysis.themes`` of every passage with ``model``'s scores and decisions."""
    from .themes.features import section_context

    passages = document.passages
    if not passages:
        return document
    proba = model.predict_proba([b.text for b in passages], [section_context(b.section) for b in passages])
    theme_ids = list(model.theme_ids)
    for block, row, decided in zip(passages, proba, model.decide(proba)):
        block.analysis.themes = ThemeAnnotation(scores={t: float(p) for t, p in zip(theme_ids, row)},
                                                labels=[t for t, on in zip(theme_ids, decided) if on], model=name)
    return document


@component("themes")
def make_theme_tagger(model: str = "default") -> ThemeTagger:
    return ThemeTagger(model=model)


# -- programs ------------------------------------------------------------------------
@dataclass
class ProgramFinder:
    """Named programs, projects, methods and initiatives, as spans linked to canonical names."""

    model: str = "programs"
    name: str = "programs"

    def _load(self) -> Any:
        from .defaults import MODELS
        from .programs import load_pipeline

        try:
            return load_pipeline(self.model)  # cached: shared with every other user in the process
        except RapportError as exc:
            if exc.code != "model_missing" or self.model == "programs":
                raise
            raise RapportError(f"analysis.yaml: the programs model {self.model!r} is not a folder under {MODELS}.",
                               code="model_missing", **exc.params) from None

    def __call__(self, document: Document) -> Document:
        from .programs import extract_programs

        nlp = _cached("programs", self.model, self._load)
        for block in document.blocks:
            block.analysis.programs = []
        found: list[str] = []
        mentions = extract_programs(document, nlp=nlp, kinds_found=found)
        for m, kind_as_found in zip(mentions, found):
            document.blocks[m.block].analysis.programs.append(ProgramSpan(
                start=m.start, end=m.end, text=m.text, name=m.name, kind=m.kind, score=m.score, source=m.source,
                long_form_of=m.long_form_of, acronym_of=m.acronym_of, gazetteer=m.gazetteer,
                kind_as_found=kind_as_found))
        return document

    def info(self) -> dict[str, Any]:
        return {"model": self.model, "rapport": __version__}


@component("programs")
def make_program_finder(model: str = "programs") -> ProgramFinder:
    return ProgramFinder(model=model)


# -- goals ---------------------------------------------------------------------------
@dataclass
class GoalReader:
    """The goal each goal heading states, its level in the hierarchy and its assessment."""

    name: str = "goals"

    def __call__(self, document: Document) -> Document:
        from .goals import extract_goals

        for block in document.blocks:
            block.analysis.goal = None
        for goal in extract_goals(document):
            document.blocks[goal.block].analysis.goal = GoalAnnotation(
                kind=goal.kind, text=goal.goal, number=goal.number, parent=goal.parent, assessment=goal.assessment)
        return document

    def info(self) -> dict[str, Any]:
        return {"rules": "nlp/goals.py", "rapport": __version__}


@component("goals")
def make_goal_reader() -> GoalReader:
    return GoalReader()


def analyse(document: Document, disable: Iterable[str] = ()) -> Document:
    """Run the configured analysis stage over one document (in place; returned)."""
    return Analyzer.from_config(disable=disable)(document)
