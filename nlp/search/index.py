"""A persistent, incremental passage index with BM25, dense and hybrid ranking.

Layout of an index folder (embedded: plain files, no server)::

    DIR/index.json          manifest: format, encoder, documents and shard checksums
    DIR/docs/<doc>.jsonl    the document's passages with their analysed terms and labels
    DIR/docs/<doc>.npy      their embeddings (float32, L2-normalised), if an encoder is used

Adding a report writes its two shards and then the manifest (each atomically); the other
reports' shards are not touched, and their embeddings, the expensive part, are never
recomputed. BM25 statistics are global, so the BM25 matrix (``bm25s``) is rebuilt from
the stored terms when an index is opened: seconds for 100,000 passages. The same content
hash twice adds nothing. A shard whose checksum does not match the manifest makes the
index *corrupt*: that is reported, never silently rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import InputError, RapportError
from ..locking import writer_lock
from ..model import Block, Document, PassageView, parse_passage_id, passage_id
from ..store import atomic_write_text, file_sha256
from .analysis import AnalyzerConfig, analyze, words

INDEX_FORMAT = 3  # 2: passages embedded with their nearest topical heading; 3: shards hold document-model blocks
MAX_QUERY_CHARS = 1000
MAX_TOP_K = 200
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
LEXICAL_WEIGHT = 0.2  # weighted fusion: chosen on the odd-numbered evaluation queries (dev half)
CANDIDATES = 100  # per ranker, before fusion
YEARS = re.compile(r"^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$")


class IndexError_(RapportError):
    """The index folder is missing or damaged."""


class CorruptIndexError(IndexError_):
    pass


@dataclass
class Hit:
    rank: int
    score: float
    passage: PassageView
    snippet: str
    matched: list[str]

    def to_record(self) -> dict[str, Any]:
        p = self.passage
        return {"rank": self.rank, "score": round(self.score, 6), "text": p.text, "snippet": self.snippet,
                "doc": p.doc, "district": p.district, "year": p.year, "report_type": p.report_type,
                "page": p.page, "section": p.section, "id": p.id, "themes": p.themes, "matched": self.matched}


@dataclass
class Filters:
    district: str | None = None
    year: int | None = None
    years: tuple[int, int] | None = None
    report_type: str | None = None
    theme: str | None = None
    program: str | None = None

    @staticmethod
    def parse_years(text: str | None) -> tuple[int, int] | None:
        if not text:
            return None
        match = YEARS.match(text)
        if not match:
            raise InputError(f"--years {text!r}: give a range such as 2019-2024.")
        start, end = int(match.group(1)), int(match.group(2))
        if start > end:
            raise InputError(f"--years {text!r}: the first year is after the last.")
        return start, end


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _absolute(path: str) -> str:
    return str(Path(path).resolve())


def _safe_name(doc_id: str) -> str:
    return re.sub(r"[^\w.-]+", "_", doc_id)


class Index:
    """Hybrid Swedish passage search over ingested reports (``nlp.search.Index``)."""

    def __init__(self, root: str | Path, encoder: str | Path | None = "default",
                 analyzer: AnalyzerConfig = AnalyzerConfig()) -> None:
        self.root = Path(root)
        self.analyzer = analyzer
        self._encoder_name = encoder
        self._encoder: Any = None
        self.manifest: dict[str, Any] = {"format": INDEX_FORMAT, "encoder": None, "documents": {}}
        self.passages: list[PassageView] = []
        self._vector_parts: list[np.ndarray] = []  # per report; stacked on first use
        self._text_keys: dict[str, int] | None = None  # text hash → passage row, for reusing vectors
        self._vectors: np.ndarray | None = None
        self._bm25: Any = None
        self._columns: dict[str, np.ndarray] | None = None  # filter fields as arrays, built on first use
        self._by_id: dict[str, int] = {}
        self.damaged: dict[str, str] = {}  # doc id → why its shards could not be read

    # -- opening -------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "index.json"

    @classmethod
    def open(cls, root: str | Path, create: bool = False, encoder: str | Path | None = "default",
             analyzer: AnalyzerConfig = AnalyzerConfig()) -> "Index":
        index = cls(root, encoder=encoder, analyzer=analyzer)
        if not index.manifest_path.exists():
            if not create:
                if index.root.exists() and any(index.root.iterdir()):
                    raise CorruptIndexError(f"{index.root}: not a search index (index.json missing).")
                raise IndexError_(f"{index.root}: no search index here; build one with `rapport index PATH... --index {index.root}`.")
            index.root.mkdir(parents=True, exist_ok=True)
            return index
        index.manifest = index._read_manifest()
        index._load_shards()
        return index

    def _read_manifest(self) -> dict[str, Any]:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest.get("documents"), dict):
                raise ValueError("no document list")
            if manifest.get("format") != INDEX_FORMAT:
                raise IndexError_(f"{self.root}: index format {manifest.get('format')!r} was built by another "
                                  f"version of rapport (this one reads format {INDEX_FORMAT}); build it again.")
        except (ValueError, OSError) as exc:
            raise CorruptIndexError(f"{self.manifest_path}: the index manifest is damaged ({exc}). "
                                    "Remove the folder and build the index again.") from exc
        return manifest

    def _inside(self, relative: Any) -> Path:
        """A shard path from the manifest, only if it names a regular file inside the index
        folder: a crafted manifest must not make rapport read /dev/zero or another tree."""
        if not isinstance(relative, str) or not relative:
            raise CorruptIndexError(f"shard path {relative!r} is not a file name")
        root = self.root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or path == root:
            raise CorruptIndexError(f"shard path {relative!r} points outside the index folder")
        if path.exists() and not path.is_file():
            raise CorruptIndexError(f"shard path {relative!r} is not a regular file")
        return path

    def _load_shards(self) -> None:
        """Read every report's shards. A damaged shard (checksum, count, unreadable, or a
        path outside the folder) leaves that report out and is listed in ``damaged``: the
        rest of the index stays usable, and the report can be removed or re-added alone."""
        passages: list[PassageView] = []
        vectors: list[np.ndarray] = []
        damaged: dict[str, str] = {}
        loaded = 0
        for doc_id, entry in self.manifest["documents"].items():
            try:
                rows, matrix = self._read_shard(doc_id, entry)
            except CorruptIndexError as exc:
                damaged[doc_id] = str(exc)
                continue
            except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                damaged[doc_id] = f"{entry.get('passages') if isinstance(entry, dict) else entry}: {exc}"
                continue
            loaded += 1
            passages.extend(rows)
            if matrix is not None:
                vectors.append(matrix)
        self.passages = passages
        self.damaged = damaged
        self._by_id = {p.id: i for i, p in enumerate(passages)}
        has_vectors = bool(vectors) and len(vectors) == loaded
        self._vector_parts = vectors if has_vectors else []
        self._vectors = None
        self._text_keys = None
        self._bm25 = None
        self._columns = None

    @staticmethod
    def _header(doc_id: str, entry: dict[str, Any]) -> Document:
        """The report's metadata as a document without blocks (what passages are shown with)."""
        return Document(id=doc_id, source_path=entry.get("source") or "", content_hash=entry.get("content_hash") or doc_id,
                        district=entry.get("district"), year=entry.get("year"), report_type=entry.get("report_type"),
                        title=entry.get("title"), municipality=entry.get("municipality"),
                        organisation=entry.get("organisation"))

    def _read_shard(self, doc_id: str, entry: dict[str, Any]) -> tuple[list[PassageView], np.ndarray | None]:
        shard = self._inside(entry["passages"])
        if file_sha256(shard) != entry["sha256"]["passages"]:
            raise CorruptIndexError(f"{shard}: checksum does not match the manifest")
        header = self._header(doc_id, entry)
        rows = []
        for line in shard.read_text(encoding="utf-8").splitlines():
            if line:
                record = json.loads(line)
                rows.append(PassageView(header, Block.from_dict(record["block"]), record.get("terms")))
        if len(rows) != entry["count"]:
            raise CorruptIndexError(f"{shard}: {len(rows)} passages, manifest says {entry['count']}")
        if not entry.get("vectors"):
            return rows, None
        vector_path = self._inside(entry["vectors"])
        if file_sha256(vector_path) != entry["sha256"]["vectors"]:
            raise CorruptIndexError(f"{vector_path}: checksum does not match the manifest")
        matrix = np.load(vector_path, allow_pickle=False)
        if matrix.shape[0] != len(rows):
            raise CorruptIndexError(f"{vector_path}: {matrix.shape[0]} vectors for {len(rows)} passages")
        return rows, matrix.astype(np.float32, copy=False)

    def damage_report(self) -> str | None:
        """A user-facing warning naming damaged reports and how to repair each, or None."""
        if not self.damaged:
            return None
        lines = [f"the search index at {self.root} has {len(self.damaged)} damaged report(s), left out of results:"]
        for doc_id, reason in self.damaged.items():
            lines.append(f"  {doc_id}: {reason}; repair: `rapport index --remove {doc_id} --index {self.root}`, "
                         "then index its file again")
        return "\n".join(lines)

    @property
    def vectors(self) -> np.ndarray | None:
        """All passage vectors, in passage order (None for a lexical-only index)."""
        if self._vectors is None and self._vector_parts and \
                sum(len(v) for v in self._vector_parts) == len(self.passages):
            self._vectors = np.vstack(self._vector_parts)
            self._vector_parts = [self._vectors]
        return self._vectors

    # -- encoder -------------------------------------------------------------------
    @property
    def encoder_name(self) -> str | None:
        if self.manifest.get("encoder"):
            return self.manifest["encoder"]
        if self._encoder_name == "default":
            from ..encoders import default_encoder_path, encoder_available

            return str(default_encoder_path()) if encoder_available() else None
        return str(self._encoder_name) if self._encoder_name else None

    def encoder(self) -> Any:
        if self._encoder is None:
            name = self.encoder_name
            if not name:
                raise RapportError("dense search needs an encoder; build it with `make setup` "
                                   "(python -m tools.build_e5) and rebuild the index.")
            from ..encoders import load_encoder

            self._encoder = load_encoder(name)
        return self._encoder

    def _embed_reusing(self, texts: list[str]) -> np.ndarray:
        """Passage vectors, embedding only texts the index does not hold yet: reports copy
        much of last year's text, and the encoder is the slow part of indexing."""
        if not texts:
            return np.zeros((0, 384), np.float32)
        known: dict[str, int] = {}
        vectors = self.vectors
        if vectors is not None:
            if self._text_keys is None:
                self._text_keys = {_text_key(passage_with_context(p.text, p.section)): i
                                   for i, p in enumerate(self.passages)}
            known = self._text_keys
        keys = [_text_key(t) for t in texts]
        missing = sorted({k: n for n, k in enumerate(keys) if k not in known}.values())
        fresh = self._embed([texts[n] for n in missing], "passage") if missing else None
        out = np.zeros((len(texts), fresh.shape[1] if fresh is not None else vectors.shape[1]), np.float32)
        where = {keys[n]: row for row, n in enumerate(missing)}
        for n, key in enumerate(keys):
            out[n] = fresh[where[key]] if key in where else vectors[known[key]]
        return out

    def _embed(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        return self.encoder().encode(list(texts), batch_size=32, prompt_name=prompt, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    # -- building ------------------------------------------------------------------
    def has_document(self, content_hash: str) -> str | None:
        """The id of the (undamaged) report with these bytes, if it is indexed."""
        for doc_id, entry in self.manifest["documents"].items():
            if entry["content_hash"] == content_hash and doc_id not in self.damaged:
                return doc_id
        return None

    def _assign_id(self, document: Document) -> tuple[str, str | None]:
        """(id, replaced id): a report from the same file as an indexed one replaces it
        under its id; another report whose file has the same name gets a content-hash
        suffix, so that ids stay unique and a report never overwrites another."""
        source = _absolute(document.source_path)
        for doc_id, entry in self.manifest["documents"].items():
            if (entry.get("source_abs") or _absolute(entry.get("source") or "")) == source:
                return doc_id, doc_id
        doc_id = document.id
        if doc_id in self.manifest["documents"]:
            doc_id = f"{document.id}-{document.content_hash[:8]}"
        return doc_id, (doc_id if doc_id in self.manifest["documents"] else None)

    def add_document(self, document: Document) -> bool:
        """Index a document's passages; False if the same content is already indexed.

        Theme labels and program names are read from the blocks' analysis slots: run
        :class:`nlp.analysis.Analyzer` over the document first to make them filterable.
        The slow part (embedding) runs without the lock; the shards and the
        manifest are written under the index's writer lock, after re-reading the manifest,
        so that concurrent ``rapport index`` processes add to each other's work."""
        if self.has_document(document.content_hash):
            return False
        blocks = [b for b in document.blocks if b.is_passage]
        # theme labels and program names are the blocks' analysis slots (nlp.analysis), stored with them
        matrix = None
        if self.encoder_name:
            # the nearest topical heading tells the encoder what a short passage is about
            matrix = self._embed_reusing([passage_with_context(b.text, list(b.section)) for b in blocks])
        with writer_lock(self.root, "search index"):
            known = dict(self.manifest["documents"])
            if self.manifest_path.exists():
                self.manifest = self._read_manifest()
            others_changed = {k: v.get("sha256") for k, v in self.manifest["documents"].items()} != \
                {k: v.get("sha256") for k, v in known.items()}
            if others_changed:
                self._load_shards()
            if self.has_document(document.content_hash):
                return False
            doc_id, replaced = self._assign_id(document)
            # the report's metadata as the manifest keeps it; passages are shown with it
            meta = {"content_hash": document.content_hash, "source": document.source_path,
                    "source_abs": _absolute(document.source_path), "district": document.district,
                    "year": document.year, "report_type": document.report_type, "title": document.title,
                    "municipality": document.municipality, "organisation": document.organisation}
            header = self._header(doc_id, meta)
            rows = [PassageView(header, b, analyze(b.text, self.analyzer)) for b in blocks]
            shard_dir = self.root / "docs"
            shard_dir.mkdir(parents=True, exist_ok=True)
            name = _safe_name(doc_id)
            passage_path = shard_dir / f"{name}.jsonl"
            atomic_write_text(passage_path, "".join(json.dumps({"block": r.block.to_dict(), "terms": r.terms},
                                                               ensure_ascii=False) + "\n" for r in rows))
            goals_dir = self.root / "goals"  # beside docs/, so a docs/*.jsonl is always a passage shard
            goals_dir.mkdir(parents=True, exist_ok=True)
            goals_path = goals_dir / f"{name}.jsonl"
            atomic_write_text(goals_path, "".join(json.dumps(g, ensure_ascii=False) + "\n"
                                                  for g in _goal_records(document, doc_id)))
            entry: dict[str, Any] = {
                **meta, "count": len(rows), "passages": f"docs/{name}.jsonl", "vectors": None,
                "goals": f"goals/{name}.jsonl",
                "sha256": {"passages": file_sha256(passage_path), "goals": file_sha256(goals_path)},
            }
            if matrix is not None:
                buffer = io.BytesIO()
                np.save(buffer, matrix, allow_pickle=False)
                vector_path = shard_dir / f"{name}.npy"
                _atomic_write_bytes(vector_path, buffer.getvalue())
                entry["vectors"] = f"docs/{name}.npy"
                entry["sha256"]["vectors"] = file_sha256(vector_path)
                self.manifest["encoder"] = self.encoder_name
            self.manifest["documents"][doc_id] = entry
            self._save_manifest()
        document.id = doc_id
        if replaced is not None:
            self._load_shards()  # the old version's passages leave the in-memory index
            return True
        # extend the in-memory index instead of re-reading every shard (adding 400 reports
        # one by one must not cost 400 full reloads)
        offset = len(self.passages)
        self.passages.extend(rows)
        self._by_id.update({r.id: offset + n for n, r in enumerate(rows)})
        if self._text_keys is not None:
            for n, r in enumerate(rows):
                self._text_keys.setdefault(_text_key(passage_with_context(r.text, r.section)), offset + n)
        if entry["vectors"] and (self._vector_parts or offset == 0):
            self._vector_parts.append(matrix)
        else:
            self._vector_parts = []  # mixed lexical/dense index: no dense search
        self._vectors = None
        self._bm25 = None
        self._columns = None
        return True

    def remove(self, doc_id: str) -> bool:
        """Remove a report (also a damaged one) and its shard files."""
        with writer_lock(self.root, "search index"):
            if self.manifest_path.exists():
                self.manifest = self._read_manifest()
            entry = self.manifest["documents"].pop(doc_id, None)
            if entry is None:
                self._load_shards()
                return False
            self._save_manifest()  # the manifest first: a crash leaves an orphan file, not a dangling entry
            for key in ("passages", "vectors", "goals"):
                try:
                    if entry.get(key):
                        self._inside(entry[key]).unlink(missing_ok=True)
                except (CorruptIndexError, OSError, AttributeError):
                    pass  # a path outside the folder is never deleted; an unreadable one stays
        self._load_shards()
        return True

    def goals(self) -> list[dict[str, Any]]:
        """The goal records of every report (``rapport goals`` records), in report order.
        Reports indexed before goals were extracted have none; damaged shards are skipped."""
        out: list[dict[str, Any]] = []
        for doc_id, entry in self.manifest["documents"].items():
            if not entry.get("goals") or doc_id in self.damaged:
                continue
            try:
                path = self._inside(entry["goals"])
                if file_sha256(path) != entry.get("sha256", {}).get("goals"):
                    continue
                out.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
            except (CorruptIndexError, OSError, ValueError):
                continue
        return out

    def _save_manifest(self) -> None:
        atomic_write_text(self.manifest_path, json.dumps(self.manifest, ensure_ascii=False, indent=1))

    # -- querying ------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return [{"doc": doc_id, **{k: v for k, v in entry.items() if k not in ("sha256",)}}
                for doc_id, entry in self.manifest["documents"].items()]

    def passage(self, passage_id: str) -> PassageView:
        """The indexed passage with this id; ``InputError`` (code ``unknown_passage``) if none."""
        i = self._by_id.get(passage_id)
        if i is None:
            raise InputError(f"no passage {passage_id[:80]!r} in the index.", code="unknown_passage", id=passage_id[:80])
        return self.passages[i]

    def warm(self) -> None:
        """Build the BM25 model and load the encoder now rather than on the first search."""
        self._bm25_model()
        if self.vectors is not None:
            self.encoder()
            self.dense_scores("uppvärmning")

    def _bm25_model(self) -> Any:
        if self._bm25 is None:
            import bm25s

            model = bm25s.BM25(k1=1.2, b=0.75)
            if self.passages:
                model.index([p.terms or ["\u2205"] for p in self.passages], show_progress=False)
            self._bm25 = model
        return self._bm25

    def _filter_columns(self) -> dict[str, np.ndarray]:
        """District, year, report type and report of every passage as arrays: a filter is then one
        vectorised comparison, not a Python loop over 100,000 passages per query."""
        if self._columns is None:
            self._columns = {
                "district": np.array([p.district or "" for p in self.passages], dtype=object),
                "year": np.array([p.year if p.year is not None else -1 for p in self.passages], dtype=np.int32),
                "report_type": np.array([(p.report_type or "").casefold() for p in self.passages], dtype=object),
                "doc": np.array([p.doc for p in self.passages], dtype=object),
            }
            self._columns["districts"] = np.array(sorted({p.district for p in self.passages if p.district}), dtype=object)
        return self._columns

    def _mask(self, filters: Filters) -> np.ndarray:
        mask = np.ones(len(self.passages), dtype=bool)
        columns = self._filter_columns()
        if filters.district:
            known = columns["districts"].tolist()
            wanted = filters.district.casefold()
            match = [d for d in known if d.casefold() == wanted]
            if not match:
                raise InputError(f"unknown district {filters.district!r}; the index has: {', '.join(sorted(known)) or 'none'}.",
                                 code="unknown_district", district=filters.district[:60], known=sorted(known))
            mask &= columns["district"] == match[0]
        if filters.year is not None:
            mask &= columns["year"] == filters.year
        if filters.years is not None:
            low, high = filters.years
            mask &= (columns["year"] >= low) & (columns["year"] <= high)
        if filters.report_type:
            mask &= columns["report_type"] == filters.report_type.casefold()
        if filters.theme:
            from ..themes import Taxonomy

            taxonomy = Taxonomy.load()
            if filters.theme not in taxonomy.ids:
                raise InputError(f"unknown theme {filters.theme!r}; known themes: {', '.join(taxonomy.ids)}.",
                                 code="unknown_theme", theme=filters.theme[:40], known=list(taxonomy.ids))
            mask &= np.array([filters.theme in p.themes for p in self.passages])
        if filters.program:
            wanted = filters.program.casefold()
            mask &= np.array([any(n.casefold() == wanted for n in p.programs) for p in self.passages])
        if (filters.year is not None or filters.years is not None) and not mask.any():
            years = sorted({p.year for p in self.passages if p.year})
            known = (f"the index has {', '.join(map(str, years))}" if years
                     else "no indexed report has a known year (give one in a manifest.csv)")
            raise InputError(f"no reports for that year selection; {known}.", code="no_year",
                             year=filters.year, years=filters.years, known=years)
        return mask

    @staticmethod
    def check_query(query: str, max_chars: int = MAX_QUERY_CHARS) -> str:
        """The query, stripped; an ``InputError`` (codes ``query_empty``, ``query_too_long``) if unusable."""
        if not isinstance(query, str) or not query.strip():
            raise InputError("empty query: give some words to search for.", code="query_empty")
        if len(query) > max_chars:
            raise InputError(f"the query has {len(query):,} characters; the limit is {max_chars:,}. "
                             "Use a few words or a sentence (or `rapport similar --like` for a passage).",
                             code="query_too_long", chars=len(query), limit=max_chars)
        return query.strip()

    def bm25_scores(self, query: str) -> np.ndarray:
        model = self._bm25_model()
        terms = [t for t in analyze(query, self.analyzer) if t in model.vocab_dict]
        if not terms or not self.passages:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(model.get_scores(terms), dtype=np.float32)

    def dense_scores(self, query: str, prompt: str = "query") -> np.ndarray:
        if self.vectors is None:
            raise RapportError("this index has no embeddings (built without an encoder); use --mode bm25 "
                               "or rebuild it after `make setup`.")
        return cosine_scores(self.vectors, self._embed([query], prompt)[0])

    def search(self, query: str, top_k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
               fusion: str = "weighted", max_top_k: int = MAX_TOP_K, max_query_chars: int = MAX_QUERY_CHARS) -> list[Hit]:
        """Ranked passages; every input is checked here, with error codes (see ``RapportError.code``)."""
        query = self.check_query(query, max_query_chars)
        if not 1 <= top_k <= max_top_k:
            raise InputError(f"--top-k must be between 1 and {max_top_k}.", code="top_k_range", limit=max_top_k)
        if mode not in ("hybrid", "bm25", "dense"):
            raise InputError(f"unknown mode {mode!r}; use hybrid, bm25 or dense.", code="unknown_mode", mode=mode[:20])
        if not self.passages:
            raise IndexError_(f"{self.root}: the index is empty; add reports with `rapport index PATH...`.")
        mask = self._mask(filters or Filters())
        if mode == "hybrid" and self.vectors is None:
            mode = "bm25"  # lexical-only index
        if mode == "bm25":
            scores = np.where(mask, self.bm25_scores(query), -np.inf)
            ranked = [(int(i), float(scores[i])) for i in top_indices(scores, top_k)
                      if np.isfinite(scores[i]) and scores[i] > 0]
        elif mode == "dense":
            scores = np.where(mask, self.dense_scores(query), -np.inf)
            ranked = [(int(i), float(scores[i])) for i in top_indices(scores, top_k) if np.isfinite(scores[i])]
        elif fusion == "rrf":
            ranked = self._fuse(query, mask)[:top_k]
        else:
            ranked = self._weighted(query, mask, top_k)
        return [self._hit(rank, i, score, query) for rank, (i, score) in enumerate(ranked, start=1)]

    def _weighted(self, query: str, mask: np.ndarray, top_k: int) -> list[tuple[int, float]]:
        """Min-max normalised BM25 and cosine scores over the filtered passages, weighted
        0.2 / 0.8: on this corpus dense carries paraphrases, BM25 exact names and figures."""
        candidates = np.flatnonzero(mask)
        if candidates.size == 0:
            return []

        def scaled(values: np.ndarray) -> np.ndarray:
            low, high = float(values.min()), float(values.max())
            return (values - low) / (high - low) if high > low else np.zeros_like(values)

        lexical = scaled(self.bm25_scores(query)[candidates])
        dense = scaled(self.dense_scores(query)[candidates])
        fused = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * dense
        return [(int(candidates[i]), float(fused[i])) for i in top_indices(fused, top_k)]

    def _fuse(self, query: str, mask: np.ndarray) -> list[tuple[int, float]]:
        """Reciprocal rank fusion of the BM25 and dense rankings."""
        lexical = np.where(mask, self.bm25_scores(query), -np.inf)
        dense = np.where(mask, self.dense_scores(query), -np.inf)
        fused: dict[int, float] = {}
        for scores, positive_only in ((lexical, True), (dense, False)):
            order = top_indices(scores, CANDIDATES)
            for rank, i in enumerate(order, start=1):
                if not np.isfinite(scores[i]) or (positive_only and scores[i] <= 0):
                    continue
                fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (RRF_K + rank)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))

    def similar(self, passage_id: str | None = None, text: str | None = None, top_k: int = 10,
                filters: Filters | None = None, include_same_document: bool = False) -> list[Hit]:
        """Passages like a given one (by id) or like a text, in other reports by default."""
        if self.vectors is None:
            raise RapportError("`similar` needs embeddings; rebuild the index after `make setup`.")
        mask = self._mask(filters or Filters())
        if passage_id is not None:
            if passage_id not in self._by_id:
                raise InputError(f"no passage {passage_id!r} in the index (ids look like 'doc#12'; "
                                 "`rapport search --format jsonl` shows them).", code="unknown_passage",
                                 id=passage_id[:80])
            source = self.passages[self._by_id[passage_id]]
            scores = cosine_scores(self.vectors, self.vectors[self._by_id[passage_id]])
            mask[self._by_id[passage_id]] = False
            if not include_same_document:
                mask &= self._filter_columns()["doc"] != source.doc
            query = source.text
        else:
            query = self._check_like(text or "")
            scores = self.dense_scores(query, prompt="passage")
        scores = np.where(mask, scores, -np.inf)
        order = [i for i in top_indices(scores, top_k) if np.isfinite(scores[i])]
        return [self._hit(rank, int(i), float(scores[i]), query) for rank, i in enumerate(order, start=1)]

    @staticmethod
    def _check_like(text: str) -> str:
        if not text.strip():
            raise InputError("--like needs a text.")
        if len(text) > 20 * MAX_QUERY_CHARS:
            raise InputError(f"the text has {len(text):,} characters; give one passage (at most {20 * MAX_QUERY_CHARS:,}).")
        return text

    def _hit(self, rank: int, i: int, score: float, query: str) -> Hit:
        passage = self.passages[i]
        snippet, matched = make_snippet(passage.text, query, self.analyzer)
        return Hit(rank, score, passage, snippet, matched)


def _goal_records(document: Document, doc_id: str) -> list[dict[str, Any]]:
    """The document's goals under the id the index gave it."""
    from ..goals import extract_goals

    records = []
    for goal in extract_goals(document):
        record = goal.to_record()
        record["doc"] = doc_id
        if record["passage_id"]:
            record["passage_id"] = passage_id(doc_id, parse_passage_id(record["passage_id"])[1])
        records.append(record)
    return records


def cosine_scores(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Dot products of unit vectors, computed by torch: a NumPy (OpenBLAS) product over
    100,000 vectors leaves BLAS threads spinning that then slow the next query's encoder
    pass (torch) 2-6x on 2 cores; in one thread pool a query costs 16 ms instead of 35-130."""
    import torch

    return (torch.from_numpy(vectors) @ torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32))).numpy()


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first, ties in index order (as a stable
    argsort would give) -- without sorting every passage: at 100,000 passages a full
    sort and a Python list over all of them cost more than the search itself."""
    n = scores.shape[0]
    if k >= n:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    # ties at the cut: take every index scoring the k-th best, keep the lowest indices
    kth = scores[part].min()
    part = np.union1d(part[scores[part] > kth], np.flatnonzero(scores == kth)) if np.isfinite(kth) else part
    order = part[np.lexsort((part, -scores[part]))]
    return order[:k]


def passage_with_context(text: str, section: Sequence[str]) -> str:
    from ..themes.features import section_context

    context = section_context(section, depth=1)
    return f"{context}: {text}" if context else text


def make_snippet(text: str, query: str, analyzer: AnalyzerConfig = AnalyzerConfig(),
                 width: int = 240) -> tuple[str, list[str]]:
    """The sentence(s) with most query terms, trimmed to ``width``; and the matching words."""
    wanted = set(analyze(query, analyzer))
    matched = sorted({w for w in words(text) if wanted & set(analyze(w, analyzer))})
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])", text)

    def hits(sentence: str) -> int:
        return sum(1 for w in words(sentence) if w in matched)

    best = max(range(len(sentences)), key=lambda k: (hits(sentences[k]), -k))
    snippet = sentences[best]
    if len(snippet) < width // 2 and best + 1 < len(sentences):
        snippet = f"{snippet} {sentences[best + 1]}"
    if len(snippet) > width:
        cut = snippet.rfind(" ", 0, width)
        snippet = snippet[: cut if cut > 0 else width] + " …"
    if best > 0:
        snippet = "… " + snippet
    return snippet, matched
