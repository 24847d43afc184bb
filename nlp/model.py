"""The document model every stage of rapport meets in.

Ingest produces a :class:`Document`: ordered :class:`Block` objects (headings, paragraphs,
list items, tables, tables of contents) with their page, heading level and section path, each split into
:class:`Sentence` objects. Two layers, as in docling's content layers: the *body* (the
blocks) and the *furniture* (:class:`Furniture`: running headers, footers and page
numbers the reader removed), and each block keeps ``source_lines``, its lines as the
reader gave them before any repair (rejoined hyphenation, closed acronym gaps, removed
bullets), so every repair can be audited.

The analysis stage (:mod:`nlp.analysis`) writes into typed slots: ``block.analysis``
(:class:`BlockAnalysis`: theme scores and labels, program spans, the goal a heading
states) and ``document.analysis`` (which components ran, with which model). Later
stages (store, search index, batch export, web) only read them.

Everything serialises to plain JSON and back without loss; ``schema_version`` says how.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

SCHEMA_VERSION = 3
# Version 1 lacked municipality and organisation (read as unknown) and the "toc" block type;
# version 2 lacked block ids, source lines, furniture and analysis (read as absent).
READABLE_SCHEMA_VERSIONS = (1, 2, 3)


def passage_id(doc_id: str, block: int) -> str:
    """The id of a document's block as every stage names it: ``"{doc}#{block index}"``."""
    return f"{doc_id}#{block}"


def parse_passage_id(value: str) -> tuple[str, int]:
    """``(doc, block index)`` of a passage id; a doc id may itself contain "#"."""
    doc_id, sep, number = value.rpartition("#")
    if not sep or not number.isdigit():
        raise ValueError(f"not a passage id (doc#block): {value!r}")
    return doc_id, int(number)


class BlockType(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    # A table of contents: rows [title, page]; the "Innehåll" heading is its text's first
    # line. Kept (the model is lossless) but not a passage and not a section heading.
    TOC = "toc"


@dataclass
class Sentence:
    """A sentence of a block, with character offsets into the block's text."""

    text: str
    start: int
    end: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Sentence":
        return cls(text=data["text"], start=int(data["start"]), end=int(data["end"]))


@dataclass
class ThemeAnnotation:
    """Calibrated per-theme scores of a passage, the themes decided on, and the model."""

    scores: dict[str, float]
    labels: list[str]
    model: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ThemeAnnotation":
        return cls(scores={k: float(v) for k, v in data["scores"].items()}, labels=list(data["labels"]),
                   model=str(data.get("model", "")))


@dataclass
class ProgramSpan:
    """A named program, project, method or initiative in a block's text.

    ``start``/``end`` are character offsets into ``block.text``; ``name`` is the canonical
    name it is linked to across reports; ``source`` says how it was found (gazetteer,
    classifier, propagated)."""

    start: int
    end: int
    text: str
    name: str
    kind: str | None = None
    score: float | None = None
    source: str | None = None
    long_form_of: str | None = None
    acronym_of: str | None = None
    gazetteer: str | None = None
    kind_as_found: str | None = None  # before linking across reports settled ``kind``

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ProgramSpan":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass
class GoalAnnotation:
    """The goal a heading (or a goal table's first cell) states, with its assessment."""

    kind: str
    text: str
    number: str | None = None
    parent: str | None = None
    assessment: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GoalAnnotation":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass
class BlockAnalysis:
    """The typed slots the analysis stage fills; ``None``/empty when a component did not run."""

    themes: ThemeAnnotation | None = None
    programs: list[ProgramSpan] = field(default_factory=list)
    goal: GoalAnnotation | None = None

    def is_empty(self) -> bool:
        return self.themes is None and not self.programs and self.goal is None

    @property
    def program_names(self) -> list[str]:
        """Canonical names in reading order, each once."""
        return list(dict.fromkeys(span.name for span in self.programs))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "BlockAnalysis":
        data = data or {}
        return cls(themes=ThemeAnnotation.from_dict(data["themes"]) if data.get("themes") else None,
                   programs=[ProgramSpan.from_dict(p) for p in data.get("programs") or []],
                   goal=GoalAnnotation.from_dict(data["goal"]) if data.get("goal") else None)


@dataclass
class Furniture:
    """A line the reader removed as page furniture (the furniture content layer)."""

    text: str
    page: int | None
    reason: str  # "page-number", "pattern", "repeated-band" (PDF header/footer band), "running-header"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Furniture":
        return cls(text=data["text"], page=data.get("page"), reason=data.get("reason", "pattern"))


@dataclass
class Block:
    """One structural unit of a report.

    ``id`` is the block's position in its document (0-based), stable for a given reading of
    a file; :func:`passage_id` makes it unique across reports. ``section`` holds the texts
    of the headings above the block, outermost first (for a heading: the headings above it,
    not itself). ``page`` is 1-based; ``None`` when the source gives no page information.
    ``source_lines`` are the block's lines as read, before repair (empty for Word and HTML,
    whose paragraphs need none).
    """

    type: BlockType
    text: str
    page: int | None = None
    level: int | None = None
    section: list[str] = field(default_factory=list)
    rows: list[list[str]] | None = None
    sentences: list[Sentence] = field(default_factory=list)
    # Last page the block reaches (paragraphs continue across page breaks).
    page_end: int | None = None
    id: int | None = None
    source_lines: list[str] = field(default_factory=list)
    analysis: BlockAnalysis = field(default_factory=BlockAnalysis)

    def __post_init__(self) -> None:
        self.type = BlockType(self.type)

    @property
    def is_passage(self) -> bool:
        """Paragraphs and list items: the prose units later stages analyse."""
        return self.type in (BlockType.PARAGRAPH, BlockType.LIST_ITEM)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = self.type.value
        if not self.source_lines:
            del data["source_lines"]
        if self.analysis.is_empty():
            del data["analysis"]
        return data

    def to_record(self) -> dict[str, Any]:
        """The public per-block record of ``rapport segment --format jsonl``."""
        return {
            "type": self.type.value,
            "text": self.text,
            "page": self.page,
            "level": self.level,
            "section": list(self.section),
            "rows": self.rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Block":
        return cls(
            type=BlockType(data["type"]),
            text=data["text"],
            page=data.get("page"),
            level=data.get("level"),
            section=list(data.get("section") or []),
            rows=data.get("rows"),
            sentences=[Sentence.from_dict(s) for s in data.get("sentences") or []],
            page_end=data.get("page_end"),
            id=data.get("id"),
            source_lines=list(data.get("source_lines") or []),
            analysis=BlockAnalysis.from_dict(data.get("analysis")),
        )


@dataclass
class Document:
    """A segmented report with its metadata.

    Metadata fields are ``None`` when unknown: rapport never guesses silently.
    ``pages_estimated`` is true when page numbers were inferred from a text
    extraction without page markers rather than read from the PDF.
    """

    id: str
    source_path: str
    content_hash: str
    district: str | None = None
    municipality: str | None = None
    organisation: str | None = None
    year: int | None = None
    report_type: str | None = None
    period: str | None = None
    title: str | None = None
    pages: int | None = None
    blocks: list[Block] = field(default_factory=list)
    source_format: str = "pdf"
    pages_estimated: bool = False
    metadata_source: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    furniture: list[Furniture] = field(default_factory=list)
    # component name → what ran ({"model": ..., "version": ...}), written by nlp.analysis
    analysis: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.number_blocks()

    def number_blocks(self) -> None:
        """Give every block its position as ``id`` (after blocks were added or removed)."""
        for i, block in enumerate(self.blocks):
            block.id = i

    def passage_id(self, block: Block) -> str:
        """The corpus-wide id of one of this document's blocks (``"doc#block"``)."""
        assert block.id is not None
        return passage_id(self.id, block.id)

    def iter_blocks(self, *types: BlockType | str) -> Iterator[Block]:
        wanted = {BlockType(t) for t in types}
        return (b for b in self.blocks if not wanted or b.type in wanted)

    @property
    def passages(self) -> list[Block]:
        return [b for b in self.blocks if b.is_passage]

    def info(self) -> dict[str, Any]:
        """The public summary record of ``rapport info``."""
        return {
            "district": self.district,
            "municipality": self.municipality,
            "organisation": self.organisation,
            "year": self.year,
            "report_type": self.report_type,
            "period": self.period,
            "title": self.title,
            "pages": self.pages,
            "blocks": len(self.blocks),
            "paragraphs": sum(1 for b in self.blocks if b.type is BlockType.PARAGRAPH),
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocks"] = [b.to_dict() for b in self.blocks]
        data["schema_version"] = SCHEMA_VERSION
        return data

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        version = data.get("schema_version", SCHEMA_VERSION)
        if version not in READABLE_SCHEMA_VERSIONS:
            raise ValueError(f"unsupported document schema version {version}")
        return cls(
            id=data["id"],
            source_path=data["source_path"],
            content_hash=data["content_hash"],
            district=data.get("district"),
            municipality=data.get("municipality"),
            organisation=data.get("organisation"),
            year=data.get("year"),
            report_type=data.get("report_type"),
            period=data.get("period"),
            title=data.get("title"),
            pages=data.get("pages"),
            blocks=[Block.from_dict(b) for b in data.get("blocks") or []],
            source_format=data.get("source_format", "pdf"),
            pages_estimated=bool(data.get("pages_estimated", False)),
            metadata_source=dict(data.get("metadata_source") or {}),
            warnings=list(data.get("warnings") or []),
            furniture=[Furniture.from_dict(f) for f in data.get("furniture") or []],
            analysis={str(k): dict(v) for k, v in (data.get("analysis") or {}).items()},
        )

    @classmethod
    def from_json(cls, text: str) -> "Document":
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Document":
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


class PassageView:
    """A passage (paragraph or list item) seen together with its report: what search hits,
    the web and exports show. Not a model of its own: every field is read from the
    document model (the report's metadata and the block with its analysis slots)."""

    __slots__ = ("document", "block", "terms")

    def __init__(self, document: Document, block: Block, terms: list[str] | None = None) -> None:
        self.document = document  # the report's metadata; its ``blocks`` may be empty
        self.block = block
        self.terms = terms or []  # the search analyser's terms (nlp.search.analysis)

    @property
    def id(self) -> str:
        return self.document.passage_id(self.block)

    @property
    def doc(self) -> str:
        return self.document.id

    @property
    def district(self) -> str | None:
        return self.document.district

    @property
    def year(self) -> int | None:
        return self.document.year

    @property
    def report_type(self) -> str | None:
        return self.document.report_type

    @property
    def page(self) -> int | None:
        return self.block.page

    @property
    def section(self) -> list[str]:
        return self.block.section

    @property
    def text(self) -> str:
        return self.block.text

    @property
    def kind(self) -> str:
        return self.block.type.value

    @property
    def themes(self) -> list[str]:
        return list(self.block.analysis.themes.labels) if self.block.analysis.themes else []

    @property
    def programs(self) -> list[str]:
        return self.block.analysis.program_names

    def __repr__(self) -> str:
        return f"PassageView({self.id!r}, {self.text[:40]!r})"
