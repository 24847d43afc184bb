"""The logic behind the web app, kept out of the routes: a thin layer over ``nlp.search``,
``nlp.themes``, ``nlp.reuse`` and (when present) ``nlp.programs``.

Everything is read from a search index (``nlp.search.Index``): the index stores each
report's passages with text, page, section, theme and program labels, which is all the
pages need. Reuse needs :class:`nlp.model.Document` objects; they come from a document
store (``--store DIR``, from ``rapport ingest``) when one is given and holds the report,
and are otherwise rebuilt from the index passages (sentences re-split), so that a server
needs nothing but its index.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import InputError, RapportError
from ..model import Block, BlockType, Document, PassageView, passage_id
from ..search import Filters, Index

MAX_QUERY_CHARS = 300  # the web form's limit (the Python API allows 1,000)
MAX_TOP_K = 50
DEFAULT_TOP_K = 10
MAX_MATCHES = 500  # reuse matches returned by the API
MAX_PASSAGES_PAGE = 500
DOC_ID = re.compile(r"^[\w.\-]{1,200}$")


# The index's error codes (RapportError.code) in the web app's language.
SWEDISH_MESSAGES = {
    "query_empty": "Skriv något att söka efter.",
    "query_too_long": "Sökfrågan har {chars} tecken; gränsen är {limit}.",
    "top_k_range": "Antal träffar måste vara mellan 1 och {limit}.",
    "unknown_mode": "Okänt sökläge {mode!r}; välj hybrid, bm25 eller dense.",
    "unknown_theme": "Okänt tema {theme!r}; kända teman: {known}.",
    "unknown_district": "Okänd stadsdel {district!r}; indexet har: {known}.",
    "no_year": "Inga rapporter från år {year}; indexet har åren {known}.",
    "unknown_passage": "Passagen {id!r} finns inte i indexet.",
}


def swedish(error: RapportError) -> str:
    """The Swedish message for an error with a known code (lists joined), else its own text."""
    template = SWEDISH_MESSAGES.get(error.code or "")
    if template is None:
        return str(error)
    params = {k: (", ".join(map(str, v)) or "inga") if isinstance(v, (list, tuple)) else v
              for k, v in error.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return str(error)


class NotFound(RapportError):
    """A document or passage that the index does not hold (answered with 404)."""


@dataclass
class ThemeInfo:
    id: str
    label: str


def load_themes() -> list[ThemeInfo]:
    try:
        from ..themes import Taxonomy

        return [ThemeInfo(t.id, t.label) for t in Taxonomy.load().themes]
    except RapportError:
        return []


def words(text: str) -> int:
    return len(text.split())


def theme_shares(passages: Iterable[PassageView], theme_ids: Sequence[str]) -> tuple[int, dict[str, float]]:
    """Total words, and the share of passage words that carry each theme."""
    from ..themes import theme_shares as word_shares

    records = [{"text": p.text, "labels": [t for t in p.themes if t in theme_ids]} for p in passages]
    return sum(words(r["text"]) for r in records), word_shares(records, theme_ids)


def theme_trends(passages: Sequence[PassageView], theme_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Theme shares per district and year (``nlp.trends``) over the index's passages."""
    from ..trends import passage_unit
    from ..trends import theme_trends as trends

    units = [passage_unit(p.district, p.year, p.doc, p.text, p.themes, theme_ids) for p in passages]
    return [row.to_record() for row in trends(units, theme_ids)]


def sections_of(passages: Sequence[PassageView]) -> list[dict[str, Any]]:
    """The report's sections in reading order: heading path, first page, passage count."""
    out: list[dict[str, Any]] = []
    for p in passages:
        path = list(p.section)
        if out and out[-1]["path"] == path:
            out[-1]["passages"] += 1
            continue
        out.append({"path": path, "title": path[-1] if path else "(utan rubrik)", "level": len(path),
                    "page": p.page, "first_passage": p.id, "passages": 1})
    return out


def document_from_passages(doc_id: str, entry: dict[str, Any], passages: Sequence[PassageView]) -> Document:
    """The report as the index holds it: its passage blocks (with sentences and analysis) at
    their block positions (``doc#12`` is block 12); other positions hold empty headings."""
    size = max((p.block.id or 0 for p in passages), default=-1) + 1
    blocks = [Block(type=BlockType.HEADING, text="") for _ in range(size)]
    for p in passages:
        blocks[p.block.id or 0] = p.block
    return Document(id=doc_id, source_path=entry.get("source") or "", content_hash=entry.get("content_hash") or doc_id,
                    district=entry.get("district"), year=entry.get("year"), report_type=entry.get("report_type"),
                    title=entry.get("title"), blocks=blocks)


class Programs:
    """The program registry (``nlp.programs.Registry``, a ``programs.json``), if that module
    and a registry file are there: ``--programs FILE``, else ``<store>/programs.json``."""

    def __init__(self, path: str | Path | None = None, store_dir: str | Path | None = None) -> None:
        if path is None and store_dir is not None and Path(store_dir, "programs.json").exists():
            path = Path(store_dir, "programs.json")
        self.path = Path(path) if path else None
        self.entries: list[dict[str, Any]] = []
        self.message: str | None = None
        try:
            from .. import programs as module  # written in parallel; optional
            registry_cls = module.Registry
        except (ImportError, AttributeError):
            self.message = "Programregistret är inte installerat i den här versionen."
            return
        if self.path is None:
            self.message = ("Inget programregister angivet (starta servern med --programs FIL eller "
                            "--store MAPP med programs.json).")
            return
        try:
            registry = registry_cls.load(self.path)
        except (RapportError, OSError, ValueError, TypeError) as exc:
            self.message = f"Programregistret kunde inte läsas: {exc}"
            return
        self.entries = [self._entry(e) for e in self._iter(registry)]
        if not self.entries:
            self.message = "Programregistret är tomt."

    @staticmethod
    def _iter(registry: Any) -> list[Any]:
        for attr in ("programs", "entries"):
            value = getattr(registry, attr, None)
            if value is not None:
                value = value() if callable(value) else value
                return list(value.values()) if isinstance(value, dict) else list(value)
        try:
            return list(registry)
        except TypeError:
            return []

    @staticmethod
    def _entry(entry: Any) -> dict[str, Any]:
        get = (lambda k: entry.get(k)) if isinstance(entry, dict) else (lambda k: getattr(entry, k, None))
        mentions = get("mentions")
        count = mentions if isinstance(mentions, int) else (len(mentions) if mentions is not None else None)
        reports: list[dict[str, Any]] = []
        if callable(getattr(entry, "reports", None)):
            reports = [dict(r) for r in entry.reports()]
        elif mentions is not None and not isinstance(mentions, (int, float)):
            grouped: dict[str, dict[str, Any]] = {}
            for m in mentions:
                mget = (lambda k, m=m: m.get(k)) if isinstance(m, dict) else (lambda k, m=m: getattr(m, k, None))
                doc = mget("doc")
                if not doc:
                    continue
                row = grouped.setdefault(doc, {"doc": doc, "district": mget("district"), "year": mget("year"),
                                               "count": 0, "pages": []})
                row["count"] += 1
                if mget("page") is not None and mget("page") not in row["pages"]:
                    row["pages"].append(mget("page"))
            reports = sorted(grouped.values(), key=lambda r: (r["year"] or 0, r["doc"]))
        return {"name": str(get("name") or ""), "kind": get("kind"), "aliases": list(get("aliases") or []),
                "mentions": count, "reports": reports}


class WebData:
    """What the web app serves: one opened index (read-only) and caches over it."""

    def __init__(self, index_dir: str | Path, store_dir: str | Path | None = None,
                 programs_path: str | Path | None = None, encoder: str | Path | None = "default") -> None:
        self.index = Index.open(index_dir, encoder=encoder)
        if self.index.damage_report():
            import sys

            sys.stderr.write(f"rapport: warning: {self.index.damage_report()}\n")
        self.store_dir = Path(store_dir) if store_dir else None
        self.themes = load_themes()
        self.theme_ids = [t.id for t in self.themes]
        self.theme_labels = {t.id: t.label for t in self.themes}
        self.programs = Programs(programs_path, store_dir)
        self._lock = threading.Lock()  # the index, encoder and BM25 model are shared
        self._by_doc: dict[str, list[PassageView]] = defaultdict(list)
        for p in self.index.passages:
            self._by_doc[p.doc].append(p)
        self._reuse_cache: OrderedDict[str, Any] = OrderedDict()
        self._documents: dict[str, Document] = {}
        self._trends: list[dict[str, Any]] | None = None
        self._goals: list[dict[str, Any]] | None = None
        self._districts: list[str] | None = None
        self._years: list[int] | None = None

    def warm(self) -> None:
        """Build the BM25 model and load the encoder now rather than on the first search."""
        with self._lock:
            self.index.warm()

    # -- documents ---------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        rows = []
        for entry in self.index.documents():
            rows.append({"id": entry["doc"], "district": entry.get("district"), "year": entry.get("year"),
                         "report_type": entry.get("report_type"), "title": entry.get("title"),
                         "passages": entry.get("count", 0)})
        return sorted(rows, key=lambda r: (r["district"] or "", r["year"] or 0, r["id"]))

    def check_doc(self, doc_id: str) -> str:
        """A known document id, or NotFound: ids are looked up, never used as paths."""
        if not isinstance(doc_id, str) or not DOC_ID.match(doc_id) or doc_id not in self.index.manifest["documents"]:
            raise NotFound(f"Dokumentet {doc_id[:80]!r} finns inte i indexet.")
        return doc_id

    def passages_of(self, doc_id: str) -> list[PassageView]:
        return self._by_doc.get(self.check_doc(doc_id), [])

    def document(self, doc_id: str) -> dict[str, Any]:
        passages = self.passages_of(doc_id)
        entry = self.index.manifest["documents"][doc_id]
        total, shares = theme_shares(passages, self.theme_ids)
        pages = [p.page for p in passages if p.page]
        return {"id": doc_id, "district": entry.get("district"), "year": entry.get("year"),
                "report_type": entry.get("report_type"), "title": entry.get("title"),
                "passages": len(passages), "words": total, "pages": max(pages) if pages else None,
                "sections": sections_of(passages),
                "themes": [{"id": t, "label": self.theme_labels.get(t, t), "share": round(shares[t], 4)}
                           for t in self.theme_ids]}

    def districts(self) -> list[str]:
        if self._districts is None:
            self._districts = sorted({p.district for p in self.index.passages if p.district})
        return self._districts

    def years(self) -> list[int]:
        if self._years is None:
            self._years = sorted({p.year for p in self.index.passages if p.year})
        return self._years

    # -- search ------------------------------------------------------------------------
    def search(self, q: str, top_k: int = DEFAULT_TOP_K, district: str | None = None, year: int | None = None,
               theme: str | None = None, mode: str = "hybrid") -> list[dict[str, Any]]:
        """The index checks the input (``Index.search``); its error codes become Swedish messages here."""
        filters = Filters(district=district or None, year=year, theme=theme or None)
        try:
            with self._lock:
                hits = self.index.search(q or "", top_k=top_k, mode=mode, filters=filters, max_top_k=MAX_TOP_K,
                                         max_query_chars=MAX_QUERY_CHARS)
        except InputError as exc:
            raise InputError(swedish(exc), code=exc.code, **exc.params) from exc
        results = []
        for hit in hits:
            record = hit.to_record()
            results.append({k: record[k] for k in ("text", "snippet", "doc", "district", "year", "page", "section",
                                                   "score", "id", "rank", "themes", "matched")})
        return results

    # -- themes ------------------------------------------------------------------------
    def trends(self) -> list[dict[str, Any]]:
        if self._trends is None:
            self._trends = theme_trends(self.index.passages, self.theme_ids)
        return self._trends

    # -- goals -------------------------------------------------------------------------
    def goals(self, district: str | None = None, year: int | None = None, kind: str | None = None,
              assessment: str | None = None) -> list[dict[str, Any]]:
        """Goal records of the indexed reports (``rapport goals`` records), filtered."""
        from ..goals import ASSESSMENTS, KINDS

        if kind and kind not in KINDS:
            raise InputError(f"Okänt slag av mål {kind[:40]!r}; välj {', '.join(KINDS)}.")
        if assessment and assessment not in (*ASSESSMENTS, "ingen"):
            raise InputError(f"Okänd bedömning {assessment[:40]!r}; välj {', '.join(ASSESSMENTS)} eller ingen.")
        if self._goals is None:
            self._goals = self.index.goals()
        rows = self._goals
        if district:
            rows = [g for g in rows if g["district"] == district]
        if year is not None:
            rows = [g for g in rows if g["year"] == year]
        if kind:
            rows = [g for g in rows if g["kind"] == kind]
        if assessment:
            rows = [g for g in rows if (g["assessment"] or "ingen") == assessment]
        return rows

    @staticmethod
    def goal_shares(goals: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per district and year: how many goals, and the share assessed helt / delvis / inte
        (of the goals with an assessment)."""
        groups: dict[tuple[str, int | None], list[dict[str, Any]]] = defaultdict(list)
        for g in goals:
            groups[(g["district"] or g["doc"], g["year"])].append(g)
        rows = []
        for (district, year), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            assessed = [g for g in members if g["assessment"]]
            shares = {a: (sum(g["assessment"] == a for g in assessed) / len(assessed) if assessed else 0.0)
                      for a in ("helt", "delvis", "inte")}
            rows.append({"district": district, "year": year, "goals": len(members), "assessed": len(assessed),
                         "shares": shares})
        return rows

    # -- programs ----------------------------------------------------------------------
    def program_list(self) -> dict[str, Any]:
        """The registry's entries with where each appears in the indexed passages."""
        appears: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for p in self.index.passages:
            for name in p.programs:
                slot = appears[name.casefold()].setdefault(p.doc, {"doc": p.doc, "district": p.district,
                                                                   "year": p.year, "passages": []})
                if len(slot["passages"]) < 50:
                    slot["passages"].append({"id": p.id, "page": p.page})
        programs = []
        entries = self.programs.entries
        message = self.programs.message
        if not entries and appears:  # no registry: the program names the index passages carry
            names: dict[str, str] = {}
            for p in self.index.passages:
                for name in p.programs:
                    names.setdefault(name.casefold(), name)
            entries = [{"name": name, "kind": None, "aliases": [], "mentions": None, "reports": []}
                       for name in sorted(names.values(), key=str.casefold)]
            message = (message or "") + " Programnamnen nedan kommer från sökindexets textavsnitt."
        for entry in entries:
            keys = [entry["name"].casefold()] + [a.casefold() for a in entry["aliases"]]
            where: dict[str, dict[str, Any]] = {}
            for report in entry.get("reports") or []:  # the registry's own mentions
                if report.get("doc") in self.index.manifest["documents"]:
                    where[report["doc"]] = {"doc": report["doc"], "district": report.get("district"),
                                            "year": report.get("year"), "count": report.get("count"),
                                            "pages": list(report.get("pages") or []), "passages": []}
            for key in keys:  # passages of the index that carry the program
                for doc, slot in appears.get(key, {}).items():
                    row = where.setdefault(doc, {"doc": doc, "district": slot["district"], "year": slot["year"],
                                                 "count": None, "pages": [], "passages": []})
                    known = {q["id"] for q in row["passages"]}
                    row["passages"].extend(q for q in slot["passages"] if q["id"] not in known)
            for row in where.values():
                pages = set(row["pages"]) | {q["page"] for q in row["passages"] if q["page"] is not None}
                row["pages"] = sorted(pages)
                if row["count"] is None:
                    row["count"] = len(row["passages"])
            programs.append({**entry, "appears": sorted(where.values(), key=lambda s: (s["year"] or 0, s["doc"]))})
        return {"available": bool(self.programs.entries), "message": message, "programs": programs}

    # -- reuse -------------------------------------------------------------------------
    def _document(self, doc_id: str) -> Document:
        if doc_id in self._documents:
            return self._documents[doc_id]
        entry = self.index.manifest["documents"][doc_id]
        document = None
        if self.store_dir is not None:
            from ..store import DocumentStore

            store = DocumentStore(self.store_dir)
            for stored in store.entries():
                if stored.id == doc_id or stored.content_hash == entry.get("content_hash"):
                    document = store.get(stored.id)
                    document.id = doc_id
                    break
        if document is None:
            document = document_from_passages(doc_id, entry, self._by_doc.get(doc_id, []))
        self._documents[doc_id] = document
        return document

    def sources_for(self, doc_id: str) -> list[str]:
        """The reports a report may have reused text from (``nlp.reuse.reuse_sources``, the
        rule ``rapport reuse --index`` applies)."""
        from ..reuse import reuse_sources

        return reuse_sources(doc_id, {d: e.get("year") for d, e in self.index.manifest["documents"].items()})

    def reuse(self, doc_id: str) -> Any:
        """``nlp.reuse.compare`` of a report against its possible sources (cached)."""
        from ..reuse import ReuseReport, compare

        self.check_doc(doc_id)
        with self._lock:
            if doc_id in self._reuse_cache:
                self._reuse_cache.move_to_end(doc_id)
                return self._reuse_cache[doc_id]
            sources = self.sources_for(doc_id)
            new = self._document(doc_id)
            if sources:
                result = compare(new, [self._document(s) for s in sources])
            else:
                result = compare(new, [])
            if not isinstance(result, ReuseReport):  # pragma: no cover - defensive
                raise RapportError("reuse gave no report")
            self._reuse_cache[doc_id] = result
            while len(self._reuse_cache) > 16:
                self._reuse_cache.popitem(last=False)
            return result

    def reuse_record(self, doc_id: str, limit: int = MAX_MATCHES) -> dict[str, Any]:
        result = self.reuse(doc_id)
        matches = []
        for m in result.matches[:limit]:
            record = m.to_record()
            record["id"] = passage_id(m.doc, m.block)
            record["source_id"] = passage_id(m.source_doc, m.source_block)
            matches.append(record)
        summary = result.summary()
        return {"doc": doc_id, "sources_considered": self.sources_for(doc_id),
                "reused_share": summary["reused_share"], "reused_words": summary["reused_words"],
                "total_words": summary["total_words"], "sources": summary["sources"],
                "by_kind": dict(summary["matches"]), "matches": matches,
                "truncated": len(result.matches) > limit}

    def passage(self, passage_id: str) -> PassageView:
        try:
            return self.index.passage(passage_id)
        except InputError as exc:
            raise NotFound(swedish(exc), code=exc.code, **exc.params) from exc
