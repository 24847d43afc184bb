"""Reading a PDF's text layer into a line stream with fonts and geometry (PDFium).

PDFium (through ``pypdfium2``) is the fastest maintained text-layer reader we measured
(see ``evaluation/benchmarks/scripts/bench_ingest.py``). A page's characters become
physical lines in ``pdf_lines``; here the pages become a document's body lines, with
page furniture set aside and the text column, body style and table rows found.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import EncryptedPdfError, InputError, ScannedPdfError
from .furniture import furniture_key, is_pattern_furniture, page_marker, repeated_band_lines
from ..model import Furniture
from .lines import Line
from .parallel import ingest_workers, process_context
from .pdf_lines import _RawLine, _Segment, page_lines, read_page_chars

log = logging.getLogger(__name__)
BAND = 0.09  # share of the page height that counts as header or footer band


def open_pdf(path: Path, data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise EncryptedPdfError(
                f"{path}: the PDF is encrypted (password protected). Remove the protection "
                "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`) and try again."
            ) from exc
        raise InputError(f"{path}: not a readable PDF ({exc}). The file may be damaged or truncated.") from exc


def _page_lines(textpage: pdfium.PdfTextPage, page_no: int) -> list[_RawLine]:
    """Physical lines of one page, top to bottom."""
    return _merge_baselines(page_lines(read_page_chars(textpage, page_no)))


def _merge_baselines(lines: list[_RawLine]) -> list[_RawLine]:
    """Top-to-bottom lines, with pieces drawn separately on one baseline merged into one
    line of several segments (table cells drawn cell by cell, left and right headers)."""
    lines.sort(key=lambda line: (-round(line.baseline, 1), line.x0))
    merged: list[_RawLine] = []
    for line in lines:
        last = merged[-1] if merged else None
        if last is not None and abs(last.baseline - line.baseline) < 0.3 * min(last.size, line.size):
            combined = sorted(last.segments + line.segments, key=lambda seg: seg.x0)
            chars_last = sum(len(seg.text) for seg in last.segments)
            chars_line = sum(len(seg.text) for seg in line.segments)
            if chars_line > chars_last:
                last.size, last.bold = line.size, line.bold
            last.segments = combined
            continue
        merged.append(line)
    return merged


def iter_raw_pages(pdf: pdfium.PdfDocument, start: int = 0,
                   stop: int | None = None) -> Iterator[tuple[int, float, list[_RawLine]]]:
    """Yield (page number, page height, lines) page by page; memory stays bounded."""
    for index in range(start, len(pdf) if stop is None else stop):
        page = pdf[index]
        try:
            textpage = page.get_textpage()
            try:
                yield index + 1, page.get_height(), _page_lines(textpage, index + 1)
            finally:
                textpage.close()
        finally:
            page.close()


PARALLEL_MIN_PAGES = 64  # below this, starting a second process costs more than it saves


def reading_workers(page_count: int) -> int:
    """How many processes read a PDF's pages (``RAPPORT_INGEST_WORKERS``, see ``parallel``)."""
    return ingest_workers(page_count, PARALLEL_MIN_PAGES)


PageLines = tuple[int, float, list[_RawLine]]  # page number, page height, the page's lines
CHUNK_PAGES = 16  # pages a process claims at a time: small enough to even out the end


_claimed = None  # in a worker process: the shared count of claimed chunks


def _share_counter(counter: object) -> None:
    global _claimed
    _claimed = counter


def _claim(counter: object, chunks: int) -> int | None:
    with counter.get_lock():  # type: ignore[attr-defined]
        chunk = counter.value  # type: ignore[attr-defined]
        if chunk >= chunks:
            return None
        counter.value = chunk + 1  # type: ignore[attr-defined]
        return chunk


def _read_claimed_chunks(pdf: pdfium.PdfDocument, counter: object) -> dict[int, list[PageLines]]:
    """Read chunks of pages, each the next one no process has claimed, until none is left."""
    count = len(pdf)
    chunks = -(-count // CHUNK_PAGES)
    read: dict[int, list[PageLines]] = {}
    while (chunk := _claim(counter, chunks)) is not None:
        read[chunk] = list(iter_raw_pages(pdf, chunk * CHUNK_PAGES, min(count, (chunk + 1) * CHUNK_PAGES)))
    return read


def _worker_read(data: bytes) -> dict[int, list[PageLines]]:
    """In a worker process: open the PDF and read the chunks it claims."""
    pdf = pdfium.PdfDocument(data)
    try:
        return _read_claimed_chunks(pdf, _claimed)
    finally:
        pdf.close()


def _read_pages(pdf: pdfium.PdfDocument, data: bytes, workers: int,
                meanwhile: Callable[[], object] | None = None) -> list[PageLines]:
    """Every page's lines. With ``workers`` > 1, other processes read chunks of pages
    while this one runs ``meanwhile`` and then reads chunks too, each claiming the next
    unread chunk. A page's text does not depend on the other pages, so the result is the
    same as reading them in order."""
    if workers <= 1:
        if meanwhile is not None:
            meanwhile()
        return list(iter_raw_pages(pdf))
    context = process_context()
    counter = context.Value("i", 0)
    try:
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context, initializer=_share_counter,
                                 initargs=(counter,)) as pool:
            futures = [pool.submit(_worker_read, data) for _ in range(workers - 1)]
            if meanwhile is not None:
                meanwhile()
            read = _read_claimed_chunks(pdf, counter)
            for future in futures:
                read.update(future.result())
        return [page for chunk in sorted(read) for page in read[chunk]]
    except (OSError, BrokenProcessPool) as exc:  # no processes here (a sandbox): read them all in this one
        log.debug("reading the pages in one process: %s", exc)
        return list(iter_raw_pages(pdf))


OCR_MODES = ("auto", "always", "never")
MIN_PAGE_CHARS = 20  # a page with fewer characters in its text layer is an image


def read_pdf(path: Path, data: bytes, ocr: str = "auto",
             meanwhile: Callable[[], object] | None = None) -> tuple[list[Line], dict[str, object]]:
    """Lines of a PDF with furniture removed, plus facts (pages, title, running titles).

    ``ocr``: "auto" reads pages without a text layer with Tesseract, "always" every page,
    "never" none (a scan is then refused with advice). ``meanwhile``: work for this
    process while other processes read pages (the next stage's loading)."""
    if ocr not in OCR_MODES:
        raise InputError(f"unknown OCR mode {ocr!r}; use auto, always or never.")
    pdf = open_pdf(path, data)
    ocr_pages: list[int] = []
    try:
        page_count = len(pdf)
        if page_count == 0:
            raise InputError(f"{path}: the PDF has no pages.")
        pages = _read_pages(pdf, data, reading_workers(page_count), meanwhile)
        page_chars = [sum(len(line.text) for line in raw_lines) for _, _, raw_lines in pages]
        chars = sum(page_chars)
        image_pages = [n for (n, _, _), count in zip(pages, page_chars) if ocr == "always" or
                       (ocr == "auto" and count < MIN_PAGE_CHARS and _has_image(pdf, n))]
        if image_pages:
            from .ocr import OcrProgress, check_swedish, check_tesseract, finish_lines, ocr_pages_parallel

            check_tesseract(path)
            progress = OcrProgress(path, len(image_pages))
            confidences: list[float] = []
            words: list[str] = []
            read: dict[int, list[_RawLine]] = {}
            for n, (lines, conf, texts) in ocr_pages_parallel(pdf, image_pages):
                progress.step(n)
                confidences += conf
                words += texts
                read[n] = lines
            finish_lines(list(read.values()))  # sizes and bold, relative to the whole document
            for n, lines in read.items():
                pages[n - 1] = (n, pages[n - 1][1], _merge_baselines(lines))
            progress.done()
            check_swedish(path, confidences, words)
            ocr_pages = image_pages
            chars = sum(len(line.text) for _, _, lines in pages for line in lines)
    finally:
        pdf.close()
    if chars < 20 * max(1, page_count) * 0.05 and chars < 200:
        raise ScannedPdfError(
            f"{path}: the PDF has no text layer (a scan or images only). Read it with OCR (`--ocr auto`, "
            "needs the tesseract-ocr-swe package) or run `ocrmypdf -l swe in.pdf out.pdf` first."
        )
    facts = _facts(pages, page_count)
    facts["ocr_pages"] = ocr_pages
    furniture: list[Furniture] = []
    lines = _lines_from_pages(pages, furniture)
    facts["furniture"] = furniture
    return lines, facts


def _has_image(pdf: pdfium.PdfDocument, page_no: int) -> bool:
    """Whether a page draws an image (a blank page is not a scan)."""
    page = pdf[page_no - 1]
    try:
        return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    finally:
        page.close()


def _band(line: _RawLine, height: float) -> str | None:
    if line.top > height * (1 - BAND):
        return "top"
    if line.baseline < height * BAND:
        return "bottom"
    return None


def _facts(pages: list[tuple[int, float, list[_RawLine]]], page_count: int) -> dict[str, object]:
    title = None
    first = pages[0][2] if pages else []
    if first and len(first) <= 25:
        # a sparse first page is a title page: its largest text is the title
        biggest = max(line.size for line in first)
        title = " ".join(line.text for line in first if line.size >= biggest - 0.5)[:200] or None
    return {"pages": page_count, "title": title, "running_titles": []}


def _lines_from_pages(pages: list[tuple[int, float, list[_RawLine]]],
                      furniture: list[Furniture] | None = None) -> list[Line]:
    """The body lines of the pages; what is removed as furniture is appended to ``furniture``."""
    furniture = [] if furniture is None else furniture
    # 1. furniture: pattern lines and lines repeated in the header/footer band
    band_keys = []
    for _, height, lines in pages:
        keys = []
        for line in lines:
            band = _band(line, height)
            if band:
                keys.extend((furniture_key(seg.text), band) for seg in line.segments)
        band_keys.append(keys)
    repeated = repeated_band_lines(band_keys)

    def furniture_reason(seg: _Segment, band: str | None) -> str | None:
        if is_pattern_furniture(seg.text, allow_bare_number=band is not None):
            if band is not None or page_marker(seg.text) is not None or is_pattern_furniture(seg.text):
                return "page-number" if page_marker(seg.text) is not None else "pattern"
            return None
        return "repeated-band" if band is not None and furniture_key(seg.text) in repeated else None

    body: list[_RawLine] = []
    for page_no, height, lines in pages:
        for line in lines:
            band = _band(line, height)
            kept = []
            for seg in line.segments:
                reason = furniture_reason(seg, band)
                if reason is None:
                    kept.append(seg)
                else:
                    furniture.append(Furniture(seg.text, page_no, reason))
            if not kept:
                continue
            if len(kept) != len(line.segments):
                line.segments = kept
            body.append(line)
    if not body:
        return []

    # 2. the text column and the body style
    style_chars: Counter[tuple[float, bool]] = Counter()
    for line in body:
        style_chars[(line.size, line.bold)] += len(line.text)
    body_size, body_bold = style_chars.most_common(1)[0][0]
    prose = [line for line in body if line.size == body_size and len(line.segments) == 1]
    lefts = sorted(line.x0 for line in prose) or [min(line.x0 for line in body)]
    rights = sorted(line.x1 for line in prose) or [max(line.x1 for line in body)]
    left = lefts[int(0.05 * (len(lefts) - 1))]
    right = rights[int(0.95 * (len(rights) - 1))]
    width = max(right - left, 1.0)
    spacings = [
        a.baseline - b.baseline
        for a, b in zip(body, body[1:])
        if a.page == b.page and a.size == body_size == b.size and 0 < a.baseline - b.baseline < 3 * body_size
    ]
    leading = statistics.median(spacings) if spacings else body_size * 1.2

    # 3. lines with their evidence
    out: list[Line] = []
    prev: _RawLine | None = None
    last_row: _RawLine | None = None  # the table row whose columns wrapped cells fall into
    for raw in body:
        page_break = prev is None or raw.page != prev.page
        gap = False
        if prev is not None and not page_break:
            distance = prev.baseline - raw.baseline
            expected = leading if raw.size <= body_size + 0.5 else raw.size * 1.2
            gap = distance > expected + 0.3 * body_size
        is_heading_style = (raw.size > body_size + 0.5) or (raw.bold and not body_bold and raw.size >= body_size - 0.5)
        cells = [seg.text for seg in raw.segments] if _is_table_row(raw, body_size) else None
        line = Line(
            text=raw.text,
            page=raw.page,
            fill=max(0.0, min(1.0, (raw.x1 - left) / width)),
            gap_before=gap,
            page_break_before=page_break and prev is not None,
            size=raw.size,
            bold=raw.bold,
            indent=max(0.0, (raw.x0 - left) / width),
            cells=cells,
            heading_rank=1 if is_heading_style and not cells else None,
        )
        if last_row is not None and not page_break and prev is not None and prev.baseline - raw.baseline < 1.5 * raw.size:
            # the next line of the same table row: wrapped cell text, merged by column
            line.extra["row_continuation"] = True
            line.extra["cell_x"] = [seg.x0 for seg in raw.segments]
            line.extra["cell_texts"] = [seg.text for seg in raw.segments]
            line.heading_rank = None
            line.cells = None
        elif cells:
            last_row = raw
            line.extra["cell_x"] = [seg.x0 for seg in raw.segments]
        else:
            last_row = None
        prev = raw
        out.append(line)
    return out


def _is_table_row(line: _RawLine, body_size: float) -> bool:
    if len(line.segments) >= 3:
        return True
    if len(line.segments) == 2:
        gap = line.segments[1].x0 - line.segments[0].x1
        return gap > 2.0 * line.size
    return False


def _column_of(line: _RawLine, row: _RawLine) -> int | None:
    for index, seg in enumerate(row.segments):
        if abs(seg.x0 - line.x0) < 2.5:
            return index
    return None
