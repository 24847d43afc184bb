"""Ingest: a report file (PDF, Word, HTML or PDF-extracted text) becomes a segmented Document."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path

from ..errors import InputError
from .metadata import Manifest, detect_metadata
from ..model import Block, BlockType, Document
from .lines import Line

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".text"}
DOCX_SUFFIXES = {".docx"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES | DOCX_SUFFIXES | HTML_SUFFIXES
HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html)", re.IGNORECASE | re.DOTALL)


def _sniff(path: Path, data: bytes) -> str:
    """The reader for a file: by content first (a renamed file still reads), then by suffix."""
    suffix = path.suffix.lower()
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:1 << 16] or suffix in DOCX_SUFFIXES:
        return "docx"
    if suffix == ".doc" or data.startswith(b"\xd0\xcf\x11\xe0"):
        return "docx"  # the docx reader explains old .doc and password-protected files
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if suffix in HTML_SUFFIXES or HTML_START.match(head):
        return "html"
    return "other"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_id(path: Path) -> str:
    """A readable, stable id from the file name: "sodermalm_2020_tertialrapport-1"."""
    stem = unicodedata.normalize("NFKD", path.stem)
    stem = "".join(c for c in stem if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-") or "document"


MAX_FILE_BYTES = 1 << 30  # a report is at most a few hundred MB; larger is not a report
MAX_LINE_CHARS = 100_000  # about 15 pages without a line break: a data dump, not report text


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MB"


def read_report_bytes(path: Path) -> bytes:
    """The bytes of a report file, or an InputError that says what is wrong with the path."""
    loop = f"{path}: a symbolic link loop; the link never reaches a file."
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except (RuntimeError, OSError) as exc:  # Python < 3.13 raises RuntimeError on a loop
            if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
                raise InputError(loop) from None
            raise InputError(f"{path}: a symbolic link to a file that does not exist ({os.readlink(path)}).") from None
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except OSError as exc:
        raise InputError(loop if exc.errno == errno.ELOOP else f"{path}: cannot read the file ({exc.strerror}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a folder; give a report file.")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file (a device, socket or pipe); give a report file.")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(f"{path}: the file is {_size(info.st_size)}; rapport reads report files up to "
                         f"{_size(MAX_FILE_BYTES)}. Split it or check that it is a report.")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied; rapport may not read this file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc}).") from None
    if not data:
        raise InputError(f"{path}: the file is empty.")
    return data


def _check_line_lengths(lines: list[Line], path: Path) -> None:
    for number, line in enumerate(lines, start=1):
        if len(line.text) > MAX_LINE_CHARS:
            raise InputError(f"{path}: line {number} is {len(line.text):,} characters long (the limit is "
                             f"{MAX_LINE_CHARS:,}); this is not report text with line breaks. Extract the "
                             "report again with line breaks kept.")


def load_document(path: str | Path, manifest: Manifest | None = None, *, use_manifest: bool = True,
                  ocr: str = "auto") -> Document:
    """Read, segment and describe one report.

    Raises :class:`~nlp.errors.InputError` with a user-facing message for input that
    cannot be read (missing, empty, corrupt, encrypted, scanned, binary).
    """
    path = Path(path)
    data = read_report_bytes(path)
    has_pdf_header = b"%PDF-" in data[:1024]
    is_pdf = path.suffix.lower() in PDF_SUFFIXES or has_pdf_header
    if is_pdf and not has_pdf_header:
        raise InputError(f"{path}: not a PDF file (it has no PDF header). If it is extracted text, name it .txt.")
    warnings: list[str] = []
    kind = "pdf" if is_pdf else _sniff(path, data)
    if kind in ("docx", "html"):
        return _load_structured(path, data, kind, manifest, use_manifest)
    if is_pdf:
        from .pdf import read_pdf  # imported lazily: text-only users do not load PDFium

        lines, facts = read_pdf(path, data, ocr=ocr, meanwhile=_prepare_next_stages)
        if facts.get("ocr_pages"):
            done = facts["ocr_pages"]
            warnings.append(f"OCR (Tesseract, swe): {len(done)} of {facts['pages']} pages read from images "
                            f"(pages {_ranges(done)})")
        source = "pdf"
    else:
        from .text import decode_bytes, text_to_lines

        text, encoding = decode_bytes(data, str(path))
        if encoding != "utf-8":
            warnings.append(f"decoded as {encoding}")
        lines, facts = text_to_lines(text)
        _check_line_lengths(lines, path)
        source = "text"
        if not lines:
            raise InputError(f"{path}: no text found in the file.")
    from .segment import segment_lines  # lazily: `rapport --version` must not import spaCy

    blocks = segment_lines(lines, source)
    _add_sentences(blocks, path)

    front = [line.text for line in lines[:60]]
    meta, meta_source = detect_metadata(front, facts.get("running_titles", []))
    if facts.get("title") and not meta.title:
        meta.title = str(facts["title"])
        meta_source["title"] = "title page"
    if use_manifest:
        manifest = manifest or Manifest.find_for(path)
        if manifest is not None:
            manifest.apply(path, meta, meta_source)

    pages = facts.get("pages") or facts.get("total_pages")
    if pages is None:
        known = [b.page_end or b.page for b in blocks if b.page]
        pages = max(known) if known else None
    return Document(
        id=document_id(path),
        source_path=str(path),
        content_hash=content_hash(data),
        district=meta.district,
        municipality=meta.municipality,
        organisation=meta.organisation,
        year=meta.year,
        report_type=meta.report_type,
        period=meta.period,
        title=meta.title,
        pages=pages,
        blocks=blocks,
        source_format=source,
        pages_estimated=bool(facts.get("pages_estimated", False)),
        metadata_source=meta_source,
        warnings=warnings,
        furniture=list(facts.get("furniture") or []),
    )


def _load_structured(path: Path, data: bytes, kind: str, manifest: Manifest | None, use_manifest: bool) -> Document:
    """Word and HTML reports: the file gives the structure, so no line segmentation."""
    from .segment import Segmenter

    if kind == "docx":
        from .docx import read_docx

        blocks, front, facts = read_docx(path, data)
    else:
        from .html import read_html

        blocks, front, facts = read_html(path, data)
    if not blocks:
        raise InputError(f"{path}: no report text found in the file.")
    Segmenter(kind)._assign_levels_and_sections(blocks)
    _add_sentences(blocks, path)
    front = front + [b.text for b in blocks[:60] if b.type is not BlockType.TABLE]
    meta, meta_source = detect_metadata(front, facts.get("running_titles", []))
    if facts.get("title") and not meta.title:
        meta.title = str(facts["title"])
        meta_source["title"] = "title page"
    if use_manifest:
        manifest = manifest or Manifest.find_for(path)
        if manifest is not None:
            manifest.apply(path, meta, meta_source)
    return Document(
        id=document_id(path), source_path=str(path), content_hash=content_hash(data), district=meta.district,
        year=meta.year, report_type=meta.report_type, period=meta.period, title=meta.title,
        pages=facts.get("pages"), blocks=blocks, source_format=kind, metadata_source=meta_source,
    )


def _prepare_next_stages() -> None:
    """Load what segmentation and sentence splitting need (the Swedish word list, spaCy
    and the sentence pipeline): done while other processes read a long PDF's pages."""
    from .hyphenation import load_lexicon
    from .segment import segment_lines  # noqa: F401 - imported for the next stage
    from .sentences import sentence_pipeline

    load_lexicon()
    sentence_pipeline()


MAX_BLOCK_CHARS = 1_000_000  # spaCy's max_length: longer is not a paragraph


def _add_sentences(blocks: list[Block], path: Path) -> None:
    prose = [b for b in blocks if b.type.value not in ("table", "toc")]
    for block in prose:
        if len(block.text) > MAX_BLOCK_CHARS:
            raise InputError(f"{path}: a paragraph on page {block.page or '?'} is {len(block.text):,} characters "
                             f"long (the limit is {MAX_BLOCK_CHARS:,}); this is not report text.")
    from .sentences import split_many

    for block, sentences in zip(prose, split_many(b.text for b in prose)):
        block.sentences = sentences


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] → "1–3, 7"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def iter_report_files(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into report files, sorted, deduplicated."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            found.append(path)
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


__all__ = ["Line", "load_document", "iter_report_files", "content_hash", "document_id"]
