"""Linking mentions to programs, and the registry of programs across reports.

A mention's canonical key (normalise.py) is resolved to one program in this order: the
gazetteer's entry for the key; an acronym defined in the same report ("Sociala
insatsgrupper (SIG)" makes "SIG" the same program); the key without a genitive -s when
the base form is known; the stem of a one-word name known elsewhere ("stjärnmärkta" →
Stjärnmärkt); a known shorter title it extends ("Program för X för personer med Y" →
"Program för X"); otherwise the key itself is a new program.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..store import atomic_write_text
from .gazetteer import GazetteerEntry, alias_index
from .normalise import TITLE_HEADS, canonical_key, clean_surface, stem_key, strip_genitive

REGISTRY_VERSION = 1
_ACRONYM_FIRST = re.compile(r"^([A-ZÅÄÖ][A-ZÅÄÖ0-9]{1,6})\s*(?:\(|[-–]\s*|,)")


@dataclass
class Mention:
    """One mention of a program in a report."""

    name: str  # canonical name of the program
    text: str  # as written
    kind: str
    doc: str
    district: str | None
    year: int | None
    page: int | None
    sentence: str
    block: int
    start: int  # character offsets in the block's text
    end: int
    score: float = 1.0
    source: str = "classifier"
    # set by extraction, used for linking: the acronym this long form defines, or the reverse
    long_form_of: str | None = None
    acronym_of: str | None = None
    gazetteer: str | None = None

    def record(self) -> dict[str, Any]:
        return {"doc": self.doc, "district": self.district, "year": self.year, "page": self.page,
                "sentence": self.sentence}


def mention_key(text: str) -> str:
    """Canonical key; "ACR (Long form …)" and "ACR – Long form" are keyed by the acronym."""
    match = _ACRONYM_FIRST.match(clean_surface(text))
    if match and len(text) > len(match.group(1)) + 3:
        return match.group(1).lower()
    return canonical_key(text)


def _display(surface: str) -> str:
    name = clean_surface(re.sub(r"\s*\([A-ZÅÄÖ][A-ZÅÄÖ0-9\-]{1,7}\)\s*$", "", surface))
    match = _ACRONYM_FIRST.match(name)
    if match and len(name) > len(match.group(1)) + 3:
        name = match.group(1)
    return name[:1].upper() + name[1:] if name[:1].islower() else name


def link(mentions: list[Mention], gazetteer: list[GazetteerEntry]) -> None:
    """Give every mention its program's canonical ``name`` (in place)."""
    index = alias_index(gazetteer)
    keys = [mention_key(m.text) for m in mentions]
    # acronyms defined per report: "acr" → key of the long form
    acronyms: dict[str, dict[str, str]] = defaultdict(dict)
    for mention, key in zip(mentions, keys):
        if mention.long_form_of:
            acronyms[mention.doc][mention.long_form_of.lower()] = canonical_key(
                re.sub(r"\s*\([^()]*\)\s*$", "", mention.text))
        if mention.acronym_of:
            acronyms[mention.doc][key] = canonical_key(mention.acronym_of)
    known = set(keys) | set(index)
    stems: dict[str, str] = {}
    for key in sorted(known, key=len):
        stems.setdefault(stem_key(key), key)

    def resolve(mention: Mention, key: str) -> str:
        if mention.gazetteer and key not in acronyms[mention.doc]:
            return canonical_key(mention.gazetteer)
        if key in acronyms[mention.doc]:  # the report's own definition beats the gazetteer's acronym
            key = acronyms[mention.doc][key]
        for _ in range(3):  # acronym → long form → gazetteer, a short chain
            if key in index:
                return canonical_key(index[key].canonical)
            long_key = acronyms[mention.doc].get(key)
            if long_key and long_key != key:
                key = long_key
                continue
            break
        base = strip_genitive(key, known)
        if base in index:
            return canonical_key(index[base].canonical)
        stem = stems.get(stem_key(base))
        if stem and stem != base:
            return canonical_key(index[stem].canonical) if stem in index else stem
        words = base.split()
        if len(words) >= 4 and words[0] in TITLE_HEADS:
            for n in range(3, len(words)):
                prefix = " ".join(words[:n])
                if prefix in known:
                    return canonical_key(index[prefix].canonical) if prefix in index else prefix
        return base

    cluster_of = [resolve(m, k) for m, k in zip(mentions, keys)]
    names: dict[str, str] = {}
    by_cluster: dict[str, list[int]] = defaultdict(list)
    for i, cluster in enumerate(cluster_of):
        by_cluster[cluster].append(i)
    for cluster, members in by_cluster.items():
        entry = index.get(cluster)
        if entry is not None:
            names[cluster] = entry.canonical
            continue
        # the commonest written form whose own key is the cluster (not a genitive or acronym)
        own = [mentions[i].text for i in members if keys[i] == cluster] or [mentions[i].text for i in members]
        names[cluster] = _display(Counter(clean_surface(t) for t in own).most_common(1)[0][0])
    kinds = {cluster: (index[cluster].kind if cluster in index else
                       Counter(mentions[i].kind for i in members).most_common(1)[0][0])
             for cluster, members in by_cluster.items()}
    for mention, cluster in zip(mentions, cluster_of):
        mention.name = names[cluster]
        mention.kind = kinds[cluster]


@dataclass
class Program:
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.mentions)

    def reports(self) -> list[dict[str, Any]]:
        """Per report: district, year, mention count and pages, oldest first."""
        grouped: dict[str, list[Mention]] = defaultdict(list)
        for mention in self.mentions:
            grouped[mention.doc].append(mention)
        rows = [{"doc": doc, "district": ms[0].district, "year": ms[0].year, "count": len(ms),
                 "pages": sorted({m.page for m in ms if m.page is not None})} for doc, ms in grouped.items()]
        return sorted(rows, key=lambda r: (r["year"] is None, r["year"] or 0, r["doc"]))

    def to_record(self, full: bool = False) -> dict[str, Any]:
        record = {"name": self.name, "aliases": self.aliases, "kind": self.kind,
                  "mentions": [asdict(m) if full else m.record() for m in self.mentions], "count": self.count}
        if full:
            record["reports"] = self.reports()
        return record


class Registry:
    """Programs with canonical name, kind, aliases and their mentions in each report."""

    def __init__(self, programs: list[Program] | None = None) -> None:
        self.programs = sorted(programs or [], key=lambda p: (-p.count, p.name.lower()))
        self._index: dict[str, Program] = {}
        for program in self.programs:
            for form in (program.name, *program.aliases):
                self._index.setdefault(canonical_key(form), program)

    @classmethod
    def from_mentions(cls, mentions: list[Mention]) -> "Registry":
        grouped: dict[str, list[Mention]] = defaultdict(list)
        for mention in mentions:
            grouped[mention.name].append(mention)
        programs = []
        for name, members in grouped.items():
            aliases = sorted({clean_surface(m.text) for m in members} - {name}, key=lambda a: (a.lower(), a))  # ties by case too: not by hash order
            members.sort(key=lambda m: (m.year or 0, m.doc, m.block, m.start))
            programs.append(Program(name, members[0].kind, aliases, members))
        return cls(programs)

    def __len__(self) -> int:
        return len(self.programs)

    def __iter__(self):  # noqa: ANN204 - iterator of Program
        return iter(self.programs)

    def get(self, name: str) -> Program | None:
        """The program with this name or alias (any spelling that normalises alike)."""
        key = canonical_key(name)
        return self._index.get(key) or self._index.get(strip_genitive(key, frozenset(self._index)))

    def where(self, name: str) -> dict[str, Any] | None:
        """"Where else does 'Bryt upp' appear, and since when?": reports and first year."""
        program = self.get(name)
        if program is None:
            return None
        reports = program.reports()
        years = [r["year"] for r in reports if r["year"] is not None]
        return {"name": program.name, "kind": program.kind, "first_year": min(years) if years else None,
                "reports": reports}

    def to_records(self) -> list[dict[str, Any]]:
        """The public JSON of ``rapport programs``: sorted by count."""
        return [p.to_record() for p in self.programs]

    def save(self, path: str | Path) -> None:
        payload = {"version": REGISTRY_VERSION, "programs": [p.to_record(full=True) for p in self.programs]}
        atomic_write_text(Path(path), json.dumps(payload, ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "Registry":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != REGISTRY_VERSION:
                raise ValueError(f"registry version {data.get('version')}")
            programs = [Program(p["name"], p["kind"], list(p["aliases"]), [Mention(**m) for m in p["mentions"]])
                        for p in data["programs"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: cannot read the program registry ({exc}).") from exc
        return cls(programs)
