"""The local document store: segmented documents as JSON files under one folder.

Embedded (no server): ``DIR/catalog.json`` lists documents by content hash, and
``DIR/documents/<id>.json`` holds each document. Ingesting the same bytes twice adds
nothing; every write is atomic (temporary file, then rename), so a crash never leaves a
half-written catalog or document.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import StoreError
from .locking import writer_lock
from .model import Document

from .defaults import DEFAULT_STORE  # noqa: E402,F401 - re-exported
CATALOG_VERSION = 1


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks (equals ``ingest.content_hash`` of them)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_mode() -> int:
    # mkstemp creates 0600 files; a store's files get the mode an ordinary file would (0644
    # under the usual umask), so that a research group can share the folder
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class CatalogEntry:
    id: str
    content_hash: str
    source_path: str
    district: str | None
    year: int | None
    report_type: str | None
    period: str | None
    pages: int | None
    blocks: int
    # added with issue 17; catalogs written before read them as unknown
    municipality: str | None = None
    organisation: str | None = None


class DocumentStore:
    """A folder of segmented documents, keyed by content hash."""

    def __init__(self, root: str | Path = DEFAULT_STORE) -> None:
        self.root = Path(root)
        self.catalog_path = self.root / "catalog.json"
        self.documents_dir = self.root / "documents"
        self._entries: dict[str, CatalogEntry] | None = None

    # catalog ------------------------------------------------------------------------
    def _load(self) -> dict[str, CatalogEntry]:
        if self._entries is not None:
            return self._entries
        if not self.catalog_path.exists():
            self._entries = {}
            return self._entries
        try:
            data = json.loads(self.catalog_path.read_text(encoding="utf-8"))
            if data.get("version") != CATALOG_VERSION:
                raise ValueError(f"catalog version {data.get('version')}")
            self._entries = {e["content_hash"]: CatalogEntry(**e) for e in data["documents"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"{self.catalog_path}: the store catalog is damaged ({exc}). "
                "Move the store folder away and ingest again."
            ) from exc
        return self._entries

    def _save(self) -> None:
        entries = self._load()
        payload = {"version": CATALOG_VERSION, "documents": [vars(e) for e in entries.values()]}
        atomic_write_text(self.catalog_path, json.dumps(payload, ensure_ascii=False, indent=1))

    # public -------------------------------------------------------------------------
    def __contains__(self, content_hash: str) -> bool:
        return content_hash in self._load()

    def __len__(self) -> int:
        return len(self._load())

    def entries(self) -> list[CatalogEntry]:
        return list(self._load().values())

    def add(self, document: Document) -> bool:
        """Store a document; False when the same content is already stored.

        A new version of a stored report's file (same path, new bytes) replaces it under
        its id; a different report whose file has the same name gets a content-hash suffix.
        The catalog is re-read and written under the store's writer lock, so concurrent
        ``rapport ingest`` processes add to each other's work instead of overwriting it."""
        with writer_lock(self.root, "store"):
            self._entries = None  # another process may have written since we read it
            entries = self._load()
            if document.content_hash in entries:
                return False
            source = str(Path(document.source_path).resolve())
            replaced = next((key for key, e in entries.items()
                             if str(Path(e.source_path).resolve()) == source), None)
            if replaced is not None:
                document.id = entries[replaced].id
            elif document.id in {e.id for e in entries.values()}:
                document.id = f"{document.id}-{document.content_hash[:8]}"
            atomic_write_text(self.documents_dir / f"{document.id}.json", document.to_json())
            if replaced is not None:
                del entries[replaced]
            entries[document.content_hash] = CatalogEntry(
                id=document.id,
                content_hash=document.content_hash,
                source_path=document.source_path,
                district=document.district,
                year=document.year,
                report_type=document.report_type,
                period=document.period,
                pages=document.pages,
                blocks=len(document.blocks),
                municipality=document.municipality,
                organisation=document.organisation,
            )
            self._save()
        return True

    def get(self, doc_id: str) -> Document:
        if not any(e.id == doc_id for e in self._load().values()):
            raise StoreError(f"no document '{doc_id}' in the store {self.root}.")
        path = self.documents_dir / f"{doc_id}.json"
        try:
            return Document.load(path)
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"{path}: stored document is damaged ({exc}); remove it and ingest again.") from exc

    def remove(self, doc_id: str) -> bool:
        with writer_lock(self.root, "store"):
            self._entries = None
            entries = self._load()
            for key, entry in list(entries.items()):
                if entry.id == doc_id:
                    del entries[key]
                    self._save()
                    (self.documents_dir / f"{doc_id}.json").unlink(missing_ok=True)
                    return True
        return False

    def documents(self) -> Iterator[Document]:
        for entry in self.entries():
            yield self.get(entry.id)
